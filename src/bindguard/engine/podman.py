"""Podman's Docker-compatible API: how it differs from Docker's, and how audit fills it in.

Checked against Podman 4.3 (Debian 12, rootful, CNI networking):

- ``/version`` names the engine in ``Components`` (``"Podman Engine"``); its
  ``Version`` is Podman's (4.3.1), never comparable with Docker's.
- The compat container list shows only the *first* port of a range
  (``-p 18290-18291:80-81`` lists 18290 only; Podman also folds consecutive
  single ports into ranges), and carries no ``HostConfig.NetworkMode``.
  Podman's own list, ``/libpod/containers/json``, has every mapping with its
  ``range`` and the networks: one more call per engine, not one per container.
- A container without networks there (``host``, ``none``, ``container:…``,
  ``slirp4netns``, ``pasta``) is inspected, one call each, to learn which.
- An entry without host IP is reported as ``""`` (not ``0.0.0.0`` and ``::``)
  and rootful Podman publishes it on IPv4 only (conmon holds ``0.0.0.0:P``,
  CNI's portmap DNATs IPv4) unless the network has IPv6.  An explicit
  ``0.0.0.0`` sent through the API stays ``0.0.0.0`` (the podman CLI itself
  turns ``-p 0.0.0.0:P:80`` into ``""``).
- The libpod list reports a stopped container's mappings too, so ``--all``
  costs no inspect per stopped container on Podman.
- Rootless Podman (``/info`` SecurityOptions ``name=rootless``) forwards
  ports from the host with ``rootlessport`` (slirp4netns) or ``pasta``, user
  processes that may listen on IPv6 as well: there the IPv4-only claim is not
  made (not tested here: see docs/limits.md).  ``/info`` is read once per engine
  by the audit (engine/facts.py) and handed in.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from bindguard.engine.containers import EVERY_INTERFACE, ContainerInfo, _binding
from bindguard.engine.facts import is_rootless
from bindguard.model import WILDCARD_V4, Binding, NetworkFacts, PortRange

DOCKER = "docker"
PODMAN = "podman"
LIBPOD_LIST = "/v4.0.0/libpod/containers/json"  # Podman 4 and 5 serve it under any v4+ prefix

IPV4_ONLY = (WILDCARD_V4,)
IPV4_ORIGIN = "Podman publishes an entry without host IP on every IPv4 interface (0.0.0.0; the network has no IPv6)"
DUAL_ORIGIN = "Podman publishes an entry without host IP on every interface (the network has IPv6)"
ROOTLESS_ORIGIN = "rootless Podman forwards an entry without host IP from every interface (rootlessport or pasta)"


def engine_kind(version: dict[str, Any]) -> str:
    """``podman`` when ``/version`` lists a Podman component, else ``docker``."""
    for component in version.get("Components") or []:
        if str((component or {}).get("Name", "")).lower().startswith("podman"):
            return PODMAN
    return DOCKER


class PodmanView:
    """Podman's own container list, read once, and inspects only where it is silent."""

    def __init__(self, api: Any, include_stopped: bool, networks: dict[str, NetworkFacts],
                 info: dict[str, Any] | None = None, filters: dict[str, list[str]] | None = None):
        self.api = api
        self.networks = networks
        params = {"all": "true" if include_stopped else "false"}
        if filters:  # the same label filter as the compat list (libpod takes the same JSON)
            params["filters"] = json.dumps(filters)
        response = api._get(api.base_url + LIBPOD_LIST, params=params)
        self.by_id = {item.get("Id", ""): item for item in api._result(response, json=True) or []}
        self.rootless = is_rootless(api.info() or {} if info is None else info)

    def read(self, info: ContainerInfo, engine: str) -> tuple[ContainerInfo, list[Binding]] | None:
        """The container with its network mode, and its bindings; None if it vanished."""
        import docker.errors

        item = self.by_id.get(info.id)
        if item is None:
            return None  # created after Podman's list was read: the next audit sees it
        networks = tuple(item.get("Networks") or ()) or info.networks
        info = dataclasses.replace(info, networks=networks)
        if not networks and not info.network_mode:
            try:
                data = self.api.inspect_container(info.id)
            except docker.errors.NotFound:
                return None
            mode = ((data.get("HostConfig") or {}).get("NetworkMode") or "").strip()
            info = dataclasses.replace(info, network_mode=mode)
        return info, self.bindings(info, item.get("Ports") or [], engine)

    def bindings(self, info: ContainerInfo, ports: list[dict[str, Any]], engine: str) -> list[Binding]:
        v6 = any(self.networks[n].enable_ipv6 for n in info.networks if n in self.networks)
        default: tuple[str, ...]
        if self.rootless:
            default, origin = EVERY_INTERFACE, ROOTLESS_ORIGIN
        else:
            default, origin = (EVERY_INTERFACE, DUAL_ORIGIN) if v6 else (IPV4_ONLY, IPV4_ORIGIN)
        out = []
        for p in ports:
            host, private = int(p.get("host_port") or 0), int(p.get("container_port") or 0)
            if not private:
                continue
            count = max(1, int(p.get("range") or 1))
            host_range = PortRange(host, host + count - 1) if host else None
            container = PortRange(private, private + count - 1)
            proto = str(p.get("protocol") or "tcp").lower()
            ip = str(p.get("host_ip") or "")
            out.append(_binding(info, engine, ip, host_range, container, proto, default, origin))
        return sorted(out, key=lambda b: (b.container_ports, b.protocol, b.host_ip))
