"""Containers on the host network: which listening sockets are theirs.

A container started with ``network_mode: host`` publishes nothing: its
process binds host sockets directly, so neither ``docker-proxy`` nor the
engine's port list names it.  The kernel still knows: the process's cgroup
path carries the container id (``.../docker-<id>.scope`` with systemd,
``/docker/<id>`` without).  ``probe`` uses this to name the owner of a
socket, and ``probe --engine`` to add the ports such containers listen on.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterable, Mapping
from typing import Any

from bindguard.probe.target import TCP, UDP, Target

_ID = re.compile(r"(?:docker-|/docker/|libpod-|/libpod/)([0-9a-f]{64})")
# /proc/PID/cgroup is a few lines; more is not a cgroup file
_MAX_CGROUP_BYTES = 64 * 1024


def container_id_of(pid: int | None) -> str | None:
    """The container id in the cgroup of ``pid``, or None (not in a container, gone, hidden)."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{int(pid)}/cgroup", "rb") as fh:
            text = fh.read(_MAX_CGROUP_BYTES).decode("ascii", "replace")
    except OSError:
        return None
    match = _ID.search(text)
    return match.group(1) if match else None


def host_network_targets(rows: Iterable[Any], ids: Mapping[str, str]) -> list[Target]:
    """Every port a process of a host-network container (``ids``: id -> name) listens on.

    ``rows`` is the host's socket table (``probe.system.socket_table``); it is
    passed in because ``system`` names a socket's owner with this module
    (``container_id_of``), so this one must not import it back.
    """
    found: list[Target] = []
    owner: dict[int, str | None] = {}
    for r in rows:
        if r.pid is None or r.port == 0:
            continue
        if r.kind == socket.SOCK_STREAM and not r.listening:
            continue
        if r.kind == socket.SOCK_DGRAM and r.connected:
            continue
        if r.pid not in owner:
            owner[r.pid] = container_id_of(r.pid)
        if owner[r.pid] in ids:
            found.append(Target(r.port, None, TCP if r.kind == socket.SOCK_STREAM else UDP))
    return sorted(set(found), key=lambda t: (t.port, t.protocol))


def describe(container_id: str, names: Mapping[str, str] | None) -> str:
    """``name (image), host network`` when the engine named it, else the short id."""
    name = (names or {}).get(container_id)
    return f"{name}, host network" if name else f"container {container_id[:12]} (host network)"


def host_network_ids(items: Iterable[tuple[str, str, str]]) -> dict[str, str]:
    """id -> ``name (image)`` for (id, name+image, network mode) of running containers on the host network."""
    return {cid: label for cid, label, mode in items if mode == "host"}
