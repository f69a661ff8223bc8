"""# BG005 host-port-conflict

## What it does
Reports a published port that overlaps an earlier one on the same host port
and protocol: their effective addresses overlap (a wildcard `0.0.0.0`
overlaps every IPv4 address, `::` every IPv6 address; `0.0.0.0` vs
`127.0.0.1` on 9090 conflicts, tcp vs udp or `127.0.0.1` vs `::1` do not).
It is reported on the later entry and names the earlier one.

## Why is this bad?
This is the "port is already allocated" / "address already in use" failure:
`docker compose up` starts the first service and fails on the second.
Catching it in review is cheaper than debugging it at start-up.

## Example
```yaml
services:
  web:
    ports: ["127.0.0.1:9090:80"]
  admin:
    ports: ["9090:8080"]
```

Use instead:
```yaml
services:
  web:
    ports: ["127.0.0.1:9090:80"]
  admin:
    ports: ["127.0.0.1:9091:8080"]
```

## Fix
Never fixed automatically: which service moves is a human choice.

## Options
None. Profiles decide which services run together. With `--profile`
(repeatable, or `profiles` in the config file) or `COMPOSE_PROFILES` (from
the environment or the project's `.env`, as Compose reads it), the services
Compose would start are checked against each other, whatever their profiles:
`--profile cpu --profile gpu` with both on `8080:80` is a conflict, and
`COMPOSE_PROFILES=*` starts every service. With no selection, every service
is checked for exposure, but two services conflict only when one selection
starts both: services without profiles always run, and services whose
profiles never overlap (`profiles: [cpu]` and `profiles: [gpu]`) run together
only when both profiles are selected, which is not assumed; the message says
which profile a conflict needs. Random host ports (`"127.0.0.1::80"`) and
host port ranges paired with one container port (Docker picks a free port in
the range) never conflict. Ports are compared after Compose's own
de-duplication: a port written twice the same way (even as part of two
ranges) is one port; a long-syntax `published: 8080` written as a YAML
integer and the short `"8080:80"` are two ports for Compose, and the engine
then refuses the second ('port is already allocated'), so that is a conflict.

## References
- [Docker: published ports](https://docs.docker.com/engine/network/port-publishing/)
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterator

from bindguard.model import Binding, Severity, Subject, Violation, format_address
from bindguard.rules._hints import binding_violation
from bindguard.rules.contract import Rule, Scope
from bindguard.rules.fixinfo import manual

CODE = "BG005"
WIDE_RANGE = 256  # host ranges wider than this are compared whole, not port by port


@functools.lru_cache(maxsize=4096)
def _claim(address: str) -> tuple[int, str] | None:
    """(IP version, canonical address or '*' for a wildcard), cached per address."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    return (ip.version, "*" if ip.is_unspecified else str(ip))


def _claims(binding: Binding) -> list[tuple[int, str]]:
    return [c for c in map(_claim, binding.effective) if c is not None]


def _together(a: frozenset[str], b: frozenset[str]) -> bool:
    """Can one profile selection start both?  Not when both are in profiles that never overlap.

    Only asked when no profiles were selected: with ``--profile`` or
    ``COMPOSE_PROFILES`` every service of the Subject runs, and each binding
    gets the empty set (which runs with anything).
    """
    return not (a and b and a.isdisjoint(b))


def _combination(a: frozenset[str], b: frozenset[str]) -> str:
    """The profile selection under which two services run together ("" when always)."""
    names = sorted(a & b) if a and b else sorted(a or b)
    if not names:
        return ""
    shown = " or ".join(repr(n) for n in names[:3]) + (" ..." if len(names) > 3 else "")
    return f" when profile {shown} is active"


def check(subject: Subject, options: object) -> Iterator[Violation]:
    """Index every claimed (protocol, port, family) once: linear in the entries.

    A slot maps an address ('*' for the wildcard) to the earlier bindings
    claiming it, so a new claim looks only at the bindings on its own
    address and on the wildcard (or, for a wildcard claim, at any).
    """
    slots: dict[tuple[str, int, int], dict[str, list[tuple[Binding, frozenset[str]]]]] = {}
    wide: list = []
    selected = subject.profiles.all_run_together()
    service_profiles = {s.name: frozenset(s.profiles) for s in subject.services}
    for service in subject.services:
        # With a profile selection, every service of the Subject runs together.
        profiles = frozenset() if selected else service_profiles[service.name]
        for binding in service.bindings:
            clash = _take(slots, wide, binding, profiles)
            if clash is None:
                continue
            other, port, address = clash
            where = other.location
            line = f" (line {where.line})" if where.file == binding.location.file else f" ({where})"
            shown = "all interfaces" if address == "*" else format_address(address)
            when = "" if selected else _combination(profiles, service_profiles.get(other.service, frozenset()))
            yield binding_violation(
                binding,
                f"host port {port}/{binding.protocol} on {shown} is already published by "
                f"service {other.service!r}{line}{when}: the second one fails with "
                "'port is already allocated'",
                "publish one of them on another host port",
            )


def _overlaps(a: tuple[int, str], b: tuple[int, str]) -> bool:
    return a[0] == b[0] and (a[1] == "*" or b[1] == "*" or a[1] == b[1])


def _take(slots, wide, binding: Binding, profiles: frozenset[str]):
    """Record the binding's claims; return (earlier binding, port, address) on a clash.

    Ranges up to WIDE_RANGE ports are indexed port by port; wider ones
    (``1-65535:1-65535``) are kept whole in ``wide`` and compared by interval,
    so an absurd range costs one pass over the index, not 65,535 entries.
    """
    ports = binding.host_ports
    if ports is None or (ports.size > 1 and binding.container_ports.size == 1):
        return None
    claims = _claims(binding)
    clash = None
    for other, other_profiles, other_claims, other_ports in wide:
        if (
            other.protocol == binding.protocol
            and other_ports.start <= ports.end
            and ports.start <= other_ports.end
            and _together(profiles, other_profiles)
        ):
            shared = [c for c in claims if any(_overlaps(c, o) for o in other_claims)]
            if shared:
                clash = (other, max(ports.start, other_ports.start), shared[0][1])
                break
    if ports.size > WIDE_RANGE:
        if clash is None:
            for (protocol, port, version), slot in slots.items():
                if protocol != binding.protocol or not ports.start <= port <= ports.end:
                    continue
                for claim in claims:
                    if claim[0] != version:
                        continue
                    for address, earlier in slot.items():
                        if not _overlaps(claim, (version, address)):
                            continue
                        for other, other_profiles in earlier:
                            if _together(profiles, other_profiles):
                                clash = (other, port, claim[1])
                                break
                        if clash:
                            break
                    if clash:
                        break
                if clash:
                    break
        wide.append((binding, profiles, claims, ports))
        return clash
    for port in range(ports.start, ports.end + 1):
        for version, address in claims:
            slot = slots.setdefault((binding.protocol, port, version), {})
            if clash is None:
                if address == "*":
                    candidates = [c for cs in slot.values() for c in cs]
                else:
                    candidates = slot.get(address, []) + slot.get("*", [])
                for other, other_profiles in candidates:
                    if other is not binding and _together(profiles, other_profiles):
                        clash = (other, port, address)
                        break
            slot.setdefault(address, []).append((binding, profiles))
    return clash


RULE = Rule(CODE, "host-port-conflict", Severity.ERROR, (Scope.PROJECT,),
            "Two published ports overlap on the same host address, port and protocol",
            since="0.1.0", check=check, doc=__doc__,
            fix=manual("port-conflict", "which service moves to another host port is a human choice"))
