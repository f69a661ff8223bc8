"""Engine JSON to the same Bindings and Services the compose source produces.

The container list endpoint already carries, per container, the published
``Ports`` (``IP``, ``PrivatePort``, ``PublicPort``, ``Type``), ``Labels`` and
``HostConfig.NetworkMode``, so running containers need no inspect call.  A
stopped container publishes nothing yet, so its *requested* bindings
(``HostConfig.PortBindings``, ``PublishAllPorts``) come from an inspect: that
is what will happen when it starts.  Everything here is pure: it takes the
engine's JSON and returns model values, so it is tested on real engine output.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bindguard.model import (
    GATEWAY_MODE_OPTS,
    HOST_BINDING_OPT,
    WILDCARD_V4,
    WILDCARD_V6,
    Binding,
    GatewayMode,
    Location,
    NetworkFacts,
    PortRange,
    Service,
    exposing_gateway_mode,
)

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
WORKDIR_LABEL = "com.docker.compose.project.working_dir"
FILES_LABEL = "com.docker.compose.project.config_files"


@dataclass(frozen=True)
class ContainerInfo:
    """The parts of a container that identify it in findings."""

    id: str
    name: str
    image: str
    state: str
    labels: dict[str, str]
    network_mode: str
    networks: tuple[str, ...]

    @property
    def running(self) -> bool:
        return self.state in ("running", "paused", "restarting")

    @property
    def compose_project(self) -> str | None:
        return self.labels.get(PROJECT_LABEL)

    @property
    def compose_service(self) -> str | None:
        return self.labels.get(SERVICE_LABEL)

    def location(self, engine: str) -> Location:
        return Location(engine=engine, container=self.name, container_id=self.id, image=self.image)


def container_info(item: dict[str, Any]) -> ContainerInfo:
    names = item.get("Names") or [item.get("Id", "")[:12]]
    networks = tuple(((item.get("NetworkSettings") or {}).get("Networks") or {}).keys())
    return ContainerInfo(
        id=item.get("Id", ""),
        name=names[0].lstrip("/"),
        image=item.get("Image", ""),
        state=item.get("State", ""),
        labels=item.get("Labels") or {},
        network_mode=(item.get("HostConfig") or {}).get("NetworkMode", "") or "",
        networks=networks,
    )


def _binding(info: ContainerInfo, engine: str, host_ip: str, host: PortRange | None,
             container: PortRange, proto: str, default: tuple[str, ...], origin: str) -> Binding:
    port_text = "" if host is None else str(host)
    ip_text = f"[{host_ip}]" if ":" in host_ip else host_ip
    suffix = "" if proto == "tcp" else f"/{proto}"
    if host_ip:
        entry = f"{ip_text}:{port_text}:{container}{suffix}"
    else:
        entry = f"{port_text}:{container}{suffix}" if port_text else f"{container}{suffix}"
    return Binding(
        service=info.compose_service or info.name,
        host_ip=host_ip,
        host_ports=host,
        container_ports=container,
        protocol=proto,
        location=info.location(engine),
        entry=entry,
        raw=entry,
        syntax="engine",
        default_host_ip=default,
        default_origin=origin,
        project=info.compose_project,
    )


EVERY_INTERFACE = (WILDCARD_V4, WILDCARD_V6)
RUNNING_ORIGIN = "the engine reports it published on every interface (0.0.0.0 and ::)"


def running_bindings(info: ContainerInfo, ports: Iterable[dict[str, Any]], engine: str) -> list[Binding]:
    """Effective bindings of a running container from the list's ``Ports``.

    Docker lists a port published on every interface twice (``0.0.0.0`` and
    ``::``); that pair becomes one binding without host IP, so one
    ``-p 8080:80`` gives one finding.  ``""`` (as Podman reports it) is every
    interface too.
    """
    groups: dict[tuple[int, int, str], list[str]] = {}
    for p in ports:
        public = p.get("PublicPort")
        if not public:
            continue  # exposed, not published
        key = (int(public), int(p.get("PrivatePort", 0)), str(p.get("Type", "tcp")).lower())
        groups.setdefault(key, []).append(p.get("IP", "") or "")
    # A random host port (-p 80) may get different ports on 0.0.0.0 and ::; a
    # container port on both wildcards came from an entry without host IP.
    wild_families: dict[tuple[int, str], set[str]] = {}
    for (_, private, proto), ips in groups.items():
        wild_families.setdefault((private, proto), set()).update(
            ip for ip in ips if ip in (WILDCARD_V4, WILDCARD_V6)
        )
    out: list[Binding] = []
    for (public, private, proto), ips in sorted(groups.items()):
        host, container = PortRange(public, public), PortRange(private, private)
        unique = list(dict.fromkeys(ips))
        wild = [ip for ip in unique if ip in ("", WILDCARD_V4, WILDCARD_V6)]
        if "" in wild or set(wild) == set(EVERY_INTERFACE):
            out.append(_binding(info, engine, "", host, container, proto, EVERY_INTERFACE, RUNNING_ORIGIN))
        elif wild and wild_families[(private, proto)] == set(EVERY_INTERFACE):
            origin = (
                f"the engine publishes container port {private}/{proto} on every interface, "
                f"here on {wild[0]} (the other family got another host port)"
            )
            out.append(_binding(info, engine, "", host, container, proto, (wild[0],), origin))
        elif wild:
            out.append(_binding(info, engine, wild[0], host, container, proto, EVERY_INTERFACE, RUNNING_ORIGIN))
        for ip in unique:
            if ip not in wild:
                out.append(_binding(info, engine, ip, host, container, proto, EVERY_INTERFACE, RUNNING_ORIGIN))
    return out


def _split_port(key: str) -> tuple[PortRange, str]:
    port, _, proto = key.partition("/")
    start, _, end = port.partition("-")
    return PortRange(int(start), int(end or start)), (proto or "tcp").lower()


def _host_range(text: str) -> PortRange | None:
    if not text or text == "0":
        return None
    start, _, end = text.partition("-")
    return PortRange(int(start), int(end or start))


def requested_bindings(
    info: ContainerInfo,
    inspect: dict[str, Any],
    engine: str,
    default: tuple[str, ...],
    origin: str,
) -> list[Binding]:
    """What a stopped container will publish when started (``HostConfig``)."""
    host_config = inspect.get("HostConfig") or {}
    bindings = host_config.get("PortBindings") or {}
    out: list[Binding] = []
    for key, entries in sorted(bindings.items()):
        container, proto = _split_port(key)
        for entry in entries or [{}]:
            ip = (entry or {}).get("HostIp", "") or ""
            host = _host_range((entry or {}).get("HostPort", "") or "")
            out.append(_binding(info, engine, ip, host, container, proto, default, origin))
    if host_config.get("PublishAllPorts"):
        exposed = ((inspect.get("Config") or {}).get("ExposedPorts") or {}).keys()
        for key in sorted(exposed):
            if key in bindings:
                continue
            container, proto = _split_port(key)
            out.append(_binding(info, engine, "", None, container, proto, default,
                                f"-P publishes every exposed port; {origin}"))
    return out


def network_default(info: ContainerInfo, networks: dict[str, NetworkFacts]) -> tuple[tuple[str, ...], str]:
    """Default host address for a stopped container's entries without host IP."""
    names = [n for n in info.networks] or [info.network_mode or "bridge"]
    addresses: set[tuple[str, ...]] = set()
    origins = []
    for name in names:
        if name == "default":
            name = "bridge"
        net = networks.get(name)
        value = net.option(HOST_BINDING_OPT) if net else None
        if value and value not in (WILDCARD_V4, WILDCARD_V6):
            addresses.add((value,))
            origins.append(f"default host IP {value} from network {name!r} (host_binding_ipv4)")
        else:
            addresses.add(EVERY_INTERFACE)
            origins.append(f"requested without host IP; network {name!r} publishes those on every interface")
    if len(addresses) == 1:
        return addresses.pop(), origins[0]
    return EVERY_INTERFACE, "networks disagree on the default host IP; every interface assumed"


def service_of(
    info: ContainerInfo,
    bindings: list[Binding],
    engine: str,
    networks: dict[str, NetworkFacts] | None = None,
) -> Service:
    """The container as a Service; ``networks`` (by name) supplies gateway modes
    (pass it only for engines that apply them: Docker 27 and newer)."""
    location = info.location(engine)
    return Service(
        name=info.compose_service or info.name,
        location=location,
        network_mode="host" if info.network_mode == "host" else (info.network_mode or None),
        network_mode_location=location,
        bindings=tuple(bindings),
        project=info.compose_project,
        gateway_modes=gateway_modes(info, networks or {}, location),
    )


def gateway_modes(info: ContainerInfo, networks: dict[str, NetworkFacts], location) -> tuple[GatewayMode, ...]:
    """The container's networks whose gateway mode opens it to direct routing."""
    out = []
    for name in info.networks:
        net = networks.get(name)
        if net is None or net.driver != "bridge":
            continue
        for family, key in GATEWAY_MODE_OPTS.items():
            mode = exposing_gateway_mode(net.option(key))
            enabled = net.enable_ipv4 if family == "ipv4" else net.enable_ipv6
            if mode and enabled:
                out.append(GatewayMode(name, family, mode, location))
    return tuple(out)


def network_facts(items: Iterable[dict[str, Any]]) -> tuple[NetworkFacts, ...]:
    return tuple(
        NetworkFacts(
            name=n.get("Name", ""),
            driver=n.get("Driver", ""),
            options=tuple(sorted((n.get("Options") or {}).items())),
            enable_ipv4=n.get("EnableIPv4", True) is not False,  # reported since API 1.47
            enable_ipv6=n.get("EnableIPv6") is True,
        )
        for n in items
    )
