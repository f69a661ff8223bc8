"""``probe --neighbour``: connect to ports from a throwaway neighbour host.

The neighbour (:mod:`bindguard.probe.netns`) is a new host on a new link.
For each TCP port it makes, all at once, up to four connects:

* ``link``: to this host's IPv4 address on the link, and to its IPv6
  link-local address there (when IPv6 is on): what any machine on a shared
  segment can reach;
* ``loopback``: to 127.0.0.1 (and ::1) routed to this host, the path of
  moby/moby#45610: before Docker 28.0 the NAT rule for a port published on
  127.0.0.1 matches such a packet before the kernel's martian check drops
  it.  Linux drops ::1 arriving on a real interface before the firewall sees
  it, so that attempt normally times out; it is tried because the kernel
  decides, not bindguard.

A port's verdict, in order: ``reachable from neighbour`` (a link connect
succeeded), ``loopback reachable from neighbour (engine NAT bypass)`` (only
the loopback path answered), ``refused`` (every link connect got a reset or
an ICMP rejection: nothing listens, nothing filters), ``filtered (timeout)``
(a link connect got no answer: something dropped it; a port published on
IPv4 only and dropped there is filtered even though IPv6 refuses).  Its time is the
time of the connect that decided it; every attempt keeps its own time.
Connects go only to this host's own addresses on that link and to loopback
routed to this host; nothing is sent anywhere else.
"""

from __future__ import annotations

import enum
import errno
import ipaddress
import os
import selectors
import socket
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from bindguard.probe.netns import HOST_LL, INNER_IF, Neighbour, inside

MAX_BATCH = 4096  # sockets open at once (each port has up to four)


def batch_size() -> int:
    """Sockets to open at once: each batch costs one timeout (the ::1 attempt
    always waits for it), so as many as the open-file limit allows."""
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_BATCH
    return max(32, min(MAX_BATCH, soft // 2 - 64))


class NeighbourVerdict(enum.StrEnum):
    REACHABLE = "reachable from neighbour"
    LOOPBACK_BYPASS = "loopback reachable from neighbour (engine NAT bypass)"
    REFUSED = "refused"
    FILTERED = "filtered (timeout)"

    @property
    def answers(self) -> bool:
        return self in (NeighbourVerdict.REACHABLE, NeighbourVerdict.LOOPBACK_BYPASS)


class Outcome(enum.StrEnum):
    CONNECTED = "connected"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    ERROR = "error"


@dataclass(frozen=True)
class NeighbourAttempt:
    """One connect from the neighbour: where to, by which path, what happened, how long."""

    address: str
    path: str  # link | loopback
    outcome: Outcome
    seconds: float
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"address": self.address, "path": self.path, "outcome": self.outcome.value,
                "seconds": round(self.seconds, 6), "detail": self.detail}


@dataclass(frozen=True)
class NeighbourPort:
    port: int
    verdict: NeighbourVerdict
    seconds: float
    attempts: tuple[NeighbourAttempt, ...]
    container: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"port": self.port, "protocol": "tcp", "verdict": self.verdict.value,
                "seconds": round(self.seconds, 6), "container": self.container,
                "attempts": [a.to_dict() for a in self.attempts]}


@dataclass(frozen=True)
class NeighbourReport:
    """What one neighbour saw, and how it was built (to reproduce by hand)."""

    namespace: str
    neighbour_address: str
    host_address: str
    ipv6: bool
    timeout: float
    ports: tuple[NeighbourPort, ...]
    commands: tuple[str, ...] = ()
    teardown: tuple[str, ...] = ()
    reaped: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    seconds: float = 0.0
    skipped: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "namespace": self.namespace,
            "neighbour_address": self.neighbour_address,
            "host_address": self.host_address,
            "ipv6": self.ipv6,
            "timeout": self.timeout,
            "seconds": round(self.seconds, 6),
            "ports": [p.to_dict() for p in self.ports],
            "skipped": list(self.skipped),
            "reaped": list(self.reaped),
            "notes": list(self.notes),
            "commands": list(self.commands),
            "teardown": list(self.teardown),
        }


def verdict_of(attempts: Sequence[NeighbourAttempt], timeout: float) -> tuple[NeighbourVerdict, float]:
    """The port's verdict and the time of the attempt that decided it."""
    def first(path: str, outcome: Outcome) -> NeighbourAttempt | None:
        found = [a for a in attempts if a.path == path and a.outcome is outcome]
        return min(found, key=lambda a: a.seconds) if found else None

    for path, verdict in (("link", NeighbourVerdict.REACHABLE), ("loopback", NeighbourVerdict.LOOPBACK_BYPASS)):
        hit = first(path, Outcome.CONNECTED)
        if hit is not None:
            return verdict, hit.seconds
    link = [a for a in attempts if a.path == "link"]
    if link and all(a.outcome is Outcome.REFUSED for a in link):
        return NeighbourVerdict.REFUSED, max(a.seconds for a in link)
    # Some link connect got no answer (or an unexpected error): something dropped it.
    return NeighbourVerdict.FILTERED, max((a.seconds for a in link), default=timeout)


_REFUSALS = {errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EACCES, errno.EPERM}


@dataclass
class _Pending:
    port: int
    address: str
    path: str
    sock: socket.socket
    started: float


def _targets(port: int, ipv6: bool, host_v4: str, scope: int) -> list[tuple[int, str, str, tuple]]:
    out: list[tuple[int, str, str, tuple]] = [(socket.AF_INET, host_v4, "link", (host_v4, port)),
           (socket.AF_INET, "127.0.0.1", "loopback", ("127.0.0.1", port))]
    if ipv6:
        out += [(socket.AF_INET6, f"{HOST_LL}%{INNER_IF}", "link", (HOST_LL, port, 0, scope)),
                (socket.AF_INET6, "::1", "loopback", ("::1", port, 0, 0))]
    return out


def connect_all(make_socket: Callable[[int], socket.socket], ports: Sequence[int], ipv6: bool,
                host_v4: str, scope: int, timeout: float,
                step: Callable[[int, int], None] | None = None) -> dict[int, list[NeighbourAttempt]]:
    """Non-blocking connects for every port and path at once, batch_size() sockets at a time;
    ``step(done, total)`` after each batch (a progress line)."""
    plan = [(port, *t) for port in ports for t in _targets(port, ipv6, host_v4, scope)]
    results: dict[int, list[NeighbourAttempt]] = {port: [] for port in ports}
    batch = batch_size()
    for start in range(0, len(plan), batch):
        _connect_batch(make_socket, plan[start:start + batch], timeout, results)
        if step is not None:
            step(min(start + batch, len(plan)), len(plan))
    return results


def _connect_batch(make_socket, plan, timeout: float, results) -> None:
    sel = selectors.DefaultSelector()
    pending: list[_Pending] = []
    try:
        for port, family, shown, path, sockaddr in plan:
            sock = make_socket(family)
            sock.setblocking(False)
            started = time.perf_counter()
            code = sock.connect_ex(sockaddr)
            item = _Pending(port, shown, path, sock, started)
            if code in (0, errno.EINPROGRESS, errno.EALREADY, errno.EWOULDBLOCK):
                if code == 0:
                    _finish(item, 0, results)
                    continue
                sel.register(sock, selectors.EVENT_WRITE, item)
                pending.append(item)
            else:
                _finish(item, code, results)
        deadline = time.perf_counter() + timeout
        while sel.get_map():
            left = deadline - time.perf_counter()
            if left <= 0:
                break
            for key, _ in sel.select(left):
                item = key.data
                sel.unregister(item.sock)
                _finish(item, item.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR), results)
        for key in list(sel.get_map().values()):
            item = key.data
            sel.unregister(item.sock)
            results[item.port].append(NeighbourAttempt(item.address, item.path, Outcome.TIMEOUT,
                                                       time.perf_counter() - item.started,
                                                       f"no answer in {timeout:g} s"))
    finally:
        sel.close()
        for item in pending:
            item.sock.close()


def _finish(item: _Pending, code: int, results) -> None:
    took = time.perf_counter() - item.started
    if code == 0:
        outcome, detail = Outcome.CONNECTED, ""
    elif code in _REFUSALS:
        outcome, detail = Outcome.REFUSED, errno.errorcode.get(code, str(code))
    else:
        outcome, detail = Outcome.ERROR, f"{errno.errorcode.get(code, str(code))}: {os.strerror(code)}"
    item.sock.close()
    results[item.port].append(NeighbourAttempt(item.address, item.path, outcome, took, detail))


def probe_ports(neighbour: Neighbour, ports: Iterable[int], timeout: float,
                names: Callable[[int], str | None] | None = None,
                step: Callable[[int, int], None] | None = None) -> list[NeighbourPort]:
    """Probe ``ports`` (TCP) from an open neighbour."""
    wanted = sorted(set(ports))
    ns = neighbour.name
    scope = inside(ns, lambda: socket.if_nametoindex(INNER_IF)) if neighbour.ipv6 else 0

    # Sockets are made inside the namespace in batches (one thread entry each),
    # then connected from here: a socket keeps the namespace it was made in.
    pool: dict[int, list[socket.socket]] = {}

    def from_pool(family: int) -> socket.socket:
        if not pool.get(family):
            pool[family] = inside(ns, lambda: [socket.socket(family, socket.SOCK_STREAM)
                                               for _ in range(min(batch_size(), max(1, len(wanted))))])
        return pool[family].pop()

    try:
        attempts = connect_all(from_pool, wanted, neighbour.ipv6, neighbour.host_address, scope, timeout, step)
    finally:
        for socks in pool.values():
            for s in socks:
                s.close()
    out = []
    for port in wanted:
        verdict, seconds = verdict_of(attempts[port], timeout)
        out.append(NeighbourPort(port, verdict, seconds, tuple(attempts[port]),
                                 names(port) if names else None))
    return out


def probe_from_neighbour(ports: Iterable[int], timeout: float = 1.0,
                         net: ipaddress.IPv4Network | None = None,
                         names: Callable[[int], str | None] | None = None,
                         skipped: Sequence[str] = (),
                         step: Callable[[int, int], None] | None = None) -> NeighbourReport:
    """Make a neighbour, probe ``ports`` from it, remove it (on every exit path)."""
    started = time.perf_counter()
    with Neighbour(net) as neighbour:
        results = probe_ports(neighbour, ports, timeout, names, step)
        report = NeighbourReport(
            namespace=neighbour.name,
            neighbour_address=neighbour.address,
            host_address=neighbour.host_address,
            ipv6=neighbour.ipv6,
            timeout=timeout,
            ports=tuple(results),
            commands=tuple(neighbour.commands),
            teardown=tuple(neighbour.teardown_commands()),
            reaped=tuple(neighbour.reaped),
            notes=tuple(neighbour.notes),
            skipped=tuple(skipped),
        )
    return replace(report, seconds=time.perf_counter() - started)


def probe_targets(targets: Sequence[Any], timeout: float, net_text: str | None = None,
                  lookup: Callable[[int, str], str | None] | None = None,
                  step: Callable[[int, int], None] | None = None) -> NeighbourReport:
    """``probe --neighbour``: the TCP ports of ``targets`` (probe Targets), from a neighbour.

    A target's address is not used: the neighbour connects to this host's
    address on its own link and to loopback routed to this host.  UDP
    targets are listed as not probed (a connect proves nothing for UDP).
    NeighbourError (one line) when this platform or user cannot have one.
    """
    from bindguard.probe.netns import NeighbourError, parse_net, refusal, used_networks

    why = refusal()
    if why:
        raise NeighbourError(why)
    net = parse_net(net_text, used_networks()) if net_text else None
    ports = sorted({t.port for t in targets if t.protocol == "tcp"})
    skipped = sorted({f"{t.port}/udp (a connect proves nothing for UDP)" for t in targets
                      if t.protocol != "tcp"})
    if not ports:
        raise NeighbourError("probe --neighbour: no TCP port to probe")
    names = (lambda port: lookup(port, "tcp")) if lookup else None
    return probe_from_neighbour(ports, timeout, net, names, skipped, step)
