"""What an engine's ``/version`` and ``/info`` answers say about who can reach its ports.

Pure: the answers in, ``EngineFacts`` out (BG011 reads them), so recorded answers of engines
that are not on this machine are checked the same way (``tests/rules/engines/``).

- Rootless Docker (and rootless Podman) list ``name=rootless`` in ``/info`` SecurityOptions.
  rootlesskit's port driver opens each published port with a real socket in the host's
  namespace, on the host IP the entry gives; nothing is DNATed in the host's namespace, so the
  pre-28 "L2 neighbours reach 127.0.0.1" path does not exist there (measured: docs/neighbour.md).
- Docker Desktop reports ``OperatingSystem: "Docker Desktop"``: the engine runs in a VM and a
  forwarder on the host opens the published ports; what a bare port means is Desktop's "Port
  binding behaviour" setting (4.52+, docker/docs#23737): every interface by default.
- Docker 28.2+ reports its firewall backend (``FirewallBackend.Driver``: ``iptables``,
  ``iptables+firewalld``, ``nftables``, ...; API ``FirewallInfo``).
"""

from __future__ import annotations

from typing import Any

from bindguard.model import Binding, EngineFacts, NetworkFacts, Service

DESKTOP_OS = "docker desktop"
DESKTOP_ORIGIN = (
    "Docker Desktop's port forwarder publishes it on every interface of this computer (a bare port's "
    "default is Desktop's 'Port binding behaviour' setting, 0.0.0.0 unless set to localhost)"
)


def is_rootless(info: dict[str, Any]) -> bool:
    return any("name=rootless" in str(o) for o in info.get("SecurityOptions") or [])


def is_desktop(info: dict[str, Any]) -> bool:
    return str(info.get("OperatingSystem") or "").strip().lower().startswith(DESKTOP_OS)


def firewall_backend(info: dict[str, Any]) -> str:
    backend = info.get("FirewallBackend") or {}
    return str(backend.get("Driver") or "") if isinstance(backend, dict) else ""


def engine_facts(
    target: Any,
    version: dict[str, Any],
    info: dict[str, Any],
    networks: tuple[NetworkFacts, ...],
    kind: str,
    host: tuple[tuple[str, ...] | None, bool | None] = (None, None),
) -> EngineFacts:
    """``target`` is an ``EngineTarget``; ``host`` what engine/daemon.py read on the engine's
    host: (risky variables set in dockerd's environment, firewalld running), None = unknown."""
    return EngineFacts(
        name=target.name,
        url=target.url,
        version=str(version.get("Version", "")),
        api_version=str(version.get("ApiVersion", "")),
        tls=target.tls,
        operating_system=str(info.get("OperatingSystem") or ""),
        networks=networks,
        kind=kind,
        tls_unverified=target.unverified,
        rootless=is_rootless(info),
        desktop=is_desktop(info),
        firewall_backend=firewall_backend(info),
        daemon_env=host[0],
        firewalld=host[1],
    )


def describe(facts: EngineFacts) -> str:
    """The engine in a few words: "rootless Docker 20.10.24", "Docker Desktop (Docker 28.0.1)"."""
    name = "Podman" if facts.kind == "podman" else "Docker"
    text = f"{name} {facts.version}".strip()
    if facts.rootless:
        text = f"rootless {text}"
    if facts.desktop:
        text = f"Docker Desktop ({text})"
    if facts.firewall_backend:
        text += f", firewall {facts.firewall_backend}"
    return text


def desktop_services(services: list[Service], facts: EngineFacts) -> list[Service]:
    """On Docker Desktop a running binding on every interface is the host forwarder's: say so."""
    if not facts.desktop:
        return services
    return [s._replace(bindings=tuple(_desktop(b) for b in s.bindings)) for s in services]


def _desktop(binding: Binding) -> Binding:
    if binding.host_ip or len(binding.default_host_ip) < 2:
        return binding
    return binding._replace(default_origin=DESKTOP_ORIGIN)
