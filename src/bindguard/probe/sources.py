"""Where ``probe --compose`` and ``probe --engine`` get their ports, and how a
port is traced back to its container.

Both reuse the other sources rather than re-reading anything their own way:
compose projects come from the lint machinery, running containers from the
engine module's list (one API call), so the probe checks exactly the ports
that ``lint``/``ports`` and ``audit`` talk about.
"""

from __future__ import annotations

from collections.abc import Iterable

from bindguard.errors import BindguardError
from bindguard.model import Binding
from bindguard.probe.results import ContainerLookup
from bindguard.probe.target import Target

MAX_RANGE = 64  # a host port range is probed port by port up to this size


def targets_from_bindings(bindings: Iterable[Binding]) -> list[Target]:
    """One target per published host port (tcp/udp), without duplicates.

    The target carries no address: the probe then reports every socket on
    the port, which is what tells "declared 127.0.0.1" from "really on ::".
    Random host ports (``"127.0.0.1::80"``) cannot be probed statically.
    """
    seen: dict[tuple[int, str], Target] = {}
    for b in bindings:
        if b.host_ports is None or b.protocol not in ("tcp", "udp"):
            continue
        end = min(b.host_ports.end, b.host_ports.start + MAX_RANGE - 1)
        for port in range(max(1, b.host_ports.start), end + 1):
            seen.setdefault((port, b.protocol), Target(port, None, b.protocol))
    return sorted(seen.values(), key=lambda t: (t.port, t.protocol))


def lazy_engine_lookup(url: str | None, timeout: float) -> ContainerLookup:
    """A lookup that asks the engine only when the probe first needs a name.

    The probe calls it for ``docker-proxy`` sockets and NAT-only ports; a probe
    of ordinary listeners never touches the engine.  An unreachable engine
    just means no names (the probe still reports the sockets).
    """
    state: dict[str, ContainerLookup | None] = {}

    def lookup(port: int, protocol: str) -> str | None:
        if "engine" not in state:
            try:
                state["engine"] = engine_bindings(url, timeout)[1]
            except BindguardError:
                state["engine"] = None
        inner = state["engine"]
        return inner(port, protocol) if inner else None

    def name_of(container_id: str) -> str | None:
        lookup(0, "tcp")  # asks the engine once
        inner = state["engine"]
        return inner.name_of(container_id) if inner else None  # type: ignore[attr-defined]

    lookup.name_of = name_of  # type: ignore[attr-defined]
    return with_rootless(lookup, timeout)


ROOTLESS_SOCKET = "unix:///run/user/{uid}/docker.sock"


def with_rootless(lookup: ContainerLookup, timeout: float) -> ContainerLookup:
    """``lookup.rootless(uid)``: a lookup on that user's rootless engine (its socket
    /run/user/UID/docker.sock, where dockerd-rootless.sh puts it), made once per user, asked
    for sockets that rootlesskit holds."""
    engines: dict[int, ContainerLookup] = {}

    def rootless(uid: int) -> ContainerLookup:
        if uid not in engines:
            engines[uid] = lazy_engine_lookup(ROOTLESS_SOCKET.format(uid=uid), timeout)
        return engines[uid]

    lookup.rootless = rootless  # type: ignore[attr-defined]
    return lookup


def engine_bindings(url: str | None, timeout: float) -> tuple[list[Binding], ContainerLookup]:
    """Running containers' bindings and a port → container lookup, from one list call."""
    from bindguard.engine.client import EngineTarget, ask, env_target
    from bindguard.engine.containers import container_info, running_bindings

    target = EngineTarget(url, url) if url else env_target()
    listed = ask(target, timeout, lambda api: api.containers())
    bindings: list[Binding] = []
    names: dict[tuple[int, str], str] = {}
    by_id: dict[str, str] = {}
    host_network: dict[str, str] = {}
    for item in listed:
        info = container_info(item)
        by_id[info.id] = f"{info.name} ({info.image})"
        if info.network_mode == "host":
            host_network[info.id] = by_id[info.id]
        for b in running_bindings(info, item.get("Ports") or [], target.name):
            bindings.append(b)
            if b.host_ports is not None:
                names.setdefault((b.host_ports.start, b.protocol), f"{info.name} ({info.image})")

    def lookup(port: int, protocol: str) -> str | None:
        return names.get((port, protocol))

    # a host-network container publishes nothing: it is named by the id in its process's cgroup
    lookup.name_of = by_id.get  # type: ignore[attr-defined]
    lookup.host_network = host_network  # type: ignore[attr-defined]
    return bindings, with_rootless(lookup, timeout)
