"""Does a running container publish what its service declares?  (``audit PATHS``)

Every published (address, host port, container port, protocol) must be one
the file allows (ranges and random host ports understood), and every port the
file publishes must be published.  ``audit``'s drift (``engine/drift.py``)
only asks whether a container is *wider* than its file, because it reads the
files with the auditor's environment; ``audit PATHS`` loads the project as
Compose runs it, so any difference counts.  Pure: Bindings in, a Mismatch out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from bindguard.model import Binding, same_address
from bindguard.rules.bg010_compose_drift import publish_text

__all__ = ["Mismatch", "mismatch", "publish_text"]


def _host_port_fits(entry: Binding, container_port: int, host_port: int) -> bool:
    """Could ``entry`` publish ``container_port`` on ``host_port``?"""
    hosts, targets = entry.host_ports, entry.container_ports
    if hosts is None:
        return True  # a random host port
    if targets.size > 1 and hosts.size == targets.size:
        return host_port == hosts.start + (container_port - targets.start)
    return hosts.start <= host_port <= hosts.end  # one container port, a range to pick from


def _allows(entry: Binding, address: str, host_port: int, container_port: int, protocol: str) -> bool:
    return (
        entry.protocol == protocol
        and entry.container_ports.start <= container_port <= entry.container_ports.end
        and _host_port_fits(entry, container_port, host_port)
        and any(same_address(address, a) for a in entry.effective)
    )


def _published(b: Binding) -> Iterable[tuple[str, int, int, str]]:
    """A running binding as (address, host port, container port, protocol) facts."""
    assert b.host_ports is not None  # the engine reports the port it chose
    for address in b.effective:
        yield address, b.host_ports.start, b.container_ports.start, b.protocol


class Mismatch(NamedTuple):
    """What keeps a container from matching its service."""

    unexplained: tuple[Binding, ...]  # published by the engine, not allowed by the file
    unpublished: tuple[Binding, ...]  # in the file, not published by the engine


def mismatch(declared: tuple[Binding, ...], running: tuple[Binding, ...], oneoff: bool) -> Mismatch:
    """Compare a container's published ports with its service's entries."""
    unexplained = tuple(
        b
        for b in running
        if not all(any(_allows(e, *fact) for e in declared) for fact in _published(b))
    )
    by_port: dict[tuple[int, str], list[tuple[str, int]]] = {}
    for b in running:
        for address, host, container, proto in _published(b):
            by_port.setdefault((container, proto), []).append((address, host))
    unpublished = []
    if not oneoff:  # ``docker compose run`` publishes only with --service-ports or -p
        for e in declared:
            wanted = (e.host_ip,) if e.host_ip else e.effective
            for port in range(e.container_ports.start, e.container_ports.end + 1):
                seen = by_port.get((port, e.protocol), ())
                if not any(
                    _host_port_fits(e, port, host) and any(same_address(address, w) for w in wanted)
                    for address, host in seen
                ):
                    unpublished.append(e)
                    break
    return Mismatch(unexplained, tuple(unpublished))
