"""``probe()``: put sockets, owners and connects together into a diagnosis.

Why here and not in the CLI: the verdict and its explanation (dual-stack
``::``, NAT without a socket, a port that answers with no socket behind it,
the host-path caveat) are the product; the CLI only parses arguments and
prints :func:`bindguard.probe.render.render_text`.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Sequence

from bindguard.probe.checks import free_check, http_head, reach
from bindguard.probe.results import (
    DEFAULT_TIMEOUT,
    HOST_PATH_CAVEAT,
    Attempt,
    ContainerLookup,
    HttpCheck,
    ListeningSocket,
    Owner,
    ProbeResult,
    ProbeVerdict,
)
from bindguard.probe.system import HostAddress, HostView, import_psutil
from bindguard.probe.target import TCP, Target, accepts, ip_of, parse_target


def probe(
    targets: Sequence[Target | str],
    *,
    http: bool = False,
    free: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    container_lookup: ContainerLookup | None = None,
) -> list[ProbeResult]:
    """Probe each target: sockets and owners, verdict, reachability, --http, --free.

    ``container_lookup(port, protocol)`` names the container that publishes
    a port; it is asked for ports owned by ``docker-proxy`` (or rootless Docker's
    ``rootlesskit``: then ``container_lookup.rootless(uid)``, when given, asks that
    user's engine) and for ports
    with no socket at all (Docker without the userland proxy forwards with
    NAT only).  Strings are accepted as targets and parsed.
    """
    if not timeout > 0:
        raise ValueError(f"timeout must be positive, not {timeout!r}")
    parsed = [t if isinstance(t, Target) else parse_target(t) for t in targets]
    ctx = HostView(import_psutil(), container_lookup)
    return [_probe_one(ctx, t, http=http, free=free, timeout=timeout) for t in parsed]


def _probe_one(
    ctx: HostView, target: Target, *, http: bool, free: bool, timeout: float
) -> ProbeResult:
    notes: list[str] = []
    port, proto = target.port, target.protocol
    if ctx.table_note:
        notes.append(ctx.table_note)
    on_port = ctx.sockets(port, proto)
    matching = [s for s in on_port if accepts(s.address, target.address)]
    elsewhere = [s for s in on_port if s not in matching]

    # Verdict: the widest exposure among the sockets that accept the target.
    scopes = {s.scope for s in matching}
    if "all-interfaces" in scopes:
        verdict = ProbeVerdict.ALL_INTERFACES
    elif "specific" in scopes:
        verdict = ProbeVerdict.SPECIFIC
    elif "loopback" in scopes:
        verdict = ProbeVerdict.LOOPBACK_ONLY
    elif ctx.table_note:
        verdict = ProbeVerdict.UNKNOWN
    else:
        verdict = ProbeVerdict.NOT_LISTENING

    # The engine hook is asked only where an engine may be behind the port:
    # a docker-proxy socket, or no socket at all (NAT without userland proxy).
    container: str | None = None
    proxies = [o for s in matching for o in s.owners if o.is_docker_proxy]
    if proxies or not matching:
        found, lookup_error = ctx.container(port, proto)
        container = proxies[0].container if proxies else found
        if lookup_error:
            notes.append(lookup_error)

    summary = _summary(target, verdict, matching, container, proxies[0].name if proxies else None)

    # Which addresses the target may even be on.
    where = ip_of(target.address) if target.address else None
    host_addrs = list(ctx.addresses)
    if where is not None and not where.is_unspecified:
        known = {ip_of(a.address) for a in host_addrs}
        if where.is_loopback and where not in known:
            if where.version == 6 and not ctx.has_v6_loopback:
                notes.append(f"{target.address} is not configured on this host (no IPv6 loopback)")
            else:  # e.g. 127.0.0.53: every 127/8 address is this host
                family = socket.AF_INET6 if where.version == 6 else socket.AF_INET
                host_addrs.insert(1, HostAddress(str(where), "lo", family, loopback=True))
        elif not where.is_loopback and where not in known:
            notes.append(
                f"{target.address} is not an address of this host (or its interface is down): "
                "nothing here accepts on it, and the probe does not connect to other machines"
            )

    for s in matching:
        if s.dual_stack and (where is None or where.version == 4):
            notes.append(_dual_stack_note(s))
            break
    if elsewhere and target.address is not None:
        listed = ", ".join(f"{s.endpoint} ({_owners_text(s.owners)})" for s in elsewhere)
        notes.append(f"also on port {port}, but not accepting on {target.address}: {listed}")
    for s in matching:
        for o in s.owners:
            if o.hidden and o.pid is not None:
                notes.append(f"pid {o.pid}: {o.hidden}")
            elif o.hidden and o.hidden not in notes:
                notes.append(o.hidden)

    attempts: list[Attempt] = []
    if proto == TCP:
        attempts = reach(host_addrs, port, timeout)
        notes += _reach_notes(attempts, on_port)
    else:
        notes.append(
            "UDP has no handshake, so reachability was not tested: "
            "silence from a UDP port proves nothing"
        )
    if ctx.skipped and proto == TCP:
        notes.append("not tried: " + ", ".join(ctx.skipped))

    http_check: HttpCheck | None = None
    if http:
        http_check = _http(target, attempts, host_addrs, timeout)
    free_result = free_check(target, on_port) if free else None

    return ProbeResult(
        target=target,
        verdict=verdict,
        summary=summary,
        sockets=tuple(matching),
        reachability=tuple(attempts),
        http=http_check,
        free=free_result,
        container=container,
        notes=tuple(dict.fromkeys(notes)),
    )


def _owners_text(owners: Sequence[Owner]) -> str:
    return ", ".join(o.describe(40) for o in owners)


def _summary(
    target: Target,
    verdict: ProbeVerdict,
    matching: Sequence[ListeningSocket],
    container: str | None,
    via_proxy: str | None,
) -> str:
    port = target.port
    addrs = ", ".join(dict.fromkeys(s.endpoint for s in matching))
    if verdict is ProbeVerdict.LOOPBACK_ONLY:
        text = f"listens on loopback only ({addrs}): other machines cannot connect to it"
    elif verdict is ProbeVerdict.ALL_INTERFACES:
        text = (
            f"listens on every interface ({addrs}): other machines can connect "
            "unless a firewall stops them"
        )
    elif verdict is ProbeVerdict.SPECIFIC:
        text = (
            f"listens on a non-loopback address ({addrs}): machines on that network "
            "can connect unless a firewall stops them"
        )
    elif verdict is ProbeVerdict.UNKNOWN:
        text = (
            "cannot tell: the socket table is hidden and none of this process's "
            f"sockets use port {port}"
        )
    elif container:
        text = f"published through NAT only: no socket, check the engine; published by {container}"
    else:
        on = f" on {target.address}" if target.address else ""
        text = f"service not running: nothing listens on port {port}/{target.protocol}{on}"
    if via_proxy and container:
        text += f"; {via_proxy} forwards it to {container}"
    return text


def _dual_stack_note(s: ListeningSocket) -> str:
    text = (
        f"{s.endpoint}: '::' covers IPv4 too on Linux by default, unless the "
        "program sets IPV6_V6ONLY"
    )
    if sys.platform.startswith("linux"):
        v6only = _bindv6only()
        if v6only == "1":
            text += " (this host sets net.ipv6.bindv6only=1, so IPv6-only is the default here)"
        elif v6only == "0":
            text += " (net.ipv6.bindv6only=0 here)"
    return text


def _reach_notes(attempts: Sequence[Attempt], on_port: Sequence[ListeningSocket]) -> list[str]:
    notes: list[str] = []
    forwarded = [
        a.label
        for a in attempts
        if a.outcome == "answered" and not any(accepts(s.address, a.address) for s in on_port)
    ]
    if forwarded:
        notes.append(
            f"answered without a listening socket on {', '.join(forwarded)}: something "
            "forwards the port (Docker's NAT with the userland proxy off, or a socket "
            "in another network namespace)"
        )
    timeouts = [a.label for a in attempts if a.outcome == "timeout"]
    if timeouts:
        notes.append(
            f"timed out on {', '.join(timeouts)}: packets are dropped on the way "
            "(a firewall rule on this host?) or the listener's backlog is full"
        )
    if any(a.outcome == "answered" and not a.loopback for a in attempts):
        notes.append(HOST_PATH_CAVEAT)
    return notes


def _http(
    target: Target,
    attempts: Sequence[Attempt],
    host_addrs: Sequence[HostAddress],
    timeout: float,
) -> HttpCheck:
    if target.protocol != TCP:
        return HttpCheck(outcome="skipped", detail="HTTP runs over TCP; this is a UDP port")
    answered = [a for a in attempts if a.outcome == "answered"]
    if not answered:
        return HttpCheck(
            outcome="skipped", detail="no address answered, so there was nothing to ask"
        )
    chosen = answered[0]
    if target.address is not None:
        wanted = ip_of(target.address)
        chosen = next((a for a in answered if ip_of(a.address) == wanted), chosen)
    addr = next(h for h in host_addrs if h.address == chosen.address)
    return http_head(addr, target.port, timeout)


def _bindv6only() -> str | None:
    try:
        with open("/proc/sys/net/ipv6/bindv6only", encoding="ascii") as f:
            return f.read().strip()
    except OSError:
        return None
