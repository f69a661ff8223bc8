"""What this host shows us: its socket table, the processes behind sockets,
and its own addresses.

Why it is careful: without root, other users' processes (and on some systems
the whole socket table) are hidden; that becomes a note on the result, never
an exception.  psutil is imported when a probe runs, not when this module is
imported, so ``lint`` never pays for it.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bindguard.probe.results import (
    OWNER_HIDDEN,
    OWNER_KERNEL,
    TABLE_HIDDEN,
    ContainerLookup,
    ListeningSocket,
    Owner,
)
from bindguard.probe.target import TCP, UDP, bracket, ip_of, scope_of


def import_psutil() -> Any:
    """psutil, imported only when a probe actually runs."""
    import psutil

    return psutil


@dataclass(slots=True)
class RawSocket:
    """A socket from the table before owners are resolved."""

    address: str
    port: int
    family: int
    kind: int
    listening: bool
    connected: bool
    pid: int | None


def socket_table(psutil: Any) -> tuple[list[RawSocket], str | None]:
    """Every inet socket on this host, or only ours when the table is hidden."""
    own_only: str | None = None
    try:
        conns = [(c, c.pid) for c in psutil.net_connections(kind="inet")]
    except psutil.AccessDenied:
        # macOS and hardened systems need root for the whole table; this
        # process's own sockets are still visible (without a pid field).
        own_only = TABLE_HIDDEN
        try:
            me = psutil.Process()
            conns = [(c, me.pid) for c in me.net_connections(kind="inet")]
        except psutil.Error:
            conns = []
    rows: list[RawSocket] = []
    for c, pid in conns:
        if not c.laddr:
            continue
        rows.append(
            RawSocket(
                address=c.laddr[0],
                port=c.laddr[1],
                family=int(c.family),
                kind=int(c.type),
                listening=c.status == psutil.CONN_LISTEN,
                connected=bool(c.raddr),
                pid=pid,
            )
        )
    return rows, own_only


def owner_of(psutil: Any, pid: int | None) -> Owner:
    """Name, command line and user of ``pid``, saying what could not be seen."""
    if pid is None:
        is_root = hasattr(os, "geteuid") and os.geteuid() == 0
        return Owner(pid=None, hidden=OWNER_KERNEL if is_root else OWNER_HIDDEN)
    try:
        proc = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return Owner(pid=pid, hidden="process exited while probing")
    except psutil.AccessDenied:
        return Owner(pid=pid, hidden=OWNER_HIDDEN)
    values: dict[str, Any] = {}
    denied: list[str] = []
    for key, getter in (("name", proc.name), ("cmdline", proc.cmdline), ("user", proc.username)):
        try:
            values[key] = getter()
        except psutil.ZombieProcess:
            denied.append(f"{key} (zombie process)")
        except psutil.NoSuchProcess:
            return Owner(pid=pid, hidden="process exited while probing", **values)
        except psutil.AccessDenied:
            denied.append(key)
        except (KeyError, OSError):  # username() of a uid with no passwd entry
            if key == "user":
                try:
                    values[key] = str(proc.uids().real)
                except psutil.Error:
                    denied.append(key)
            else:
                denied.append(key)
    hidden = None
    if denied:
        hidden = f"{', '.join(denied)} hidden: run as root to see other users' processes"
    return Owner(
        pid=pid,
        name=values.get("name"),
        cmdline=tuple(values.get("cmdline") or ()),
        user=values.get("user"),
        hidden=hidden,
    )


ROOTLESSKIT = "rootlesskit"


def uid_of(user: str | None) -> int | None:
    """The uid of a process owner as ``owner_of`` names it (a login name, or a bare uid)."""
    if not user:
        return None
    if user.isdigit():
        return int(user)
    try:
        import pwd

        return pwd.getpwnam(user).pw_uid
    except (ImportError, KeyError):
        return None


def proxy_container(cmdline: Sequence[str]) -> str | None:
    """``container 172.17.0.2:80`` from a docker-proxy command line."""
    args = dict(zip(cmdline, cmdline[1:], strict=False))
    ip, port = args.get("-container-ip"), args.get("-container-port")
    if ip:
        return f"container at {bracket(ip)}:{port}" if port else f"container at {ip}"
    return None


class HostView:
    """What one ``probe()`` call reads once and shares between targets."""

    def __init__(self, psutil: Any, lookup: ContainerLookup | None) -> None:
        self.psutil = psutil
        self.lookup = lookup
        self.rows, self.table_note = socket_table(psutil)
        self.addresses, self.has_v6_loopback, self.skipped = host_addresses(psutil)
        self._owners: dict[int | None, Owner] = {}
        self._containers: dict[tuple[int, str], tuple[str | None, str | None]] = {}

    def owner(self, pid: int | None) -> Owner:
        if pid not in self._owners:
            self._owners[pid] = owner_of(self.psutil, pid)
        return self._owners[pid]

    def container(self, port: int, protocol: str) -> tuple[str | None, str | None]:
        """(description, error) from the caller's lookup, cached per port."""
        key = (port, protocol)
        if key not in self._containers:
            found: str | None = None
            error: str | None = None
            if self.lookup is not None:
                try:
                    found = self.lookup(port, protocol)
                except Exception as exc:  # the engine is not ours to crash on
                    error = f"container lookup failed: {exc}"
            self._containers[key] = (found, error)
        return self._containers[key]

    def sockets(self, port: int, protocol: str) -> list[ListeningSocket]:
        """Listening sockets on ``port``, grouped by address, with owners."""
        want = socket.SOCK_STREAM if protocol == TCP else socket.SOCK_DGRAM
        grouped: dict[tuple[int, str], list[int | None]] = {}
        for r in self.rows:
            if r.port != port or r.kind != want:
                continue
            if protocol == TCP and not r.listening:
                continue
            if protocol == UDP and r.connected:
                continue
            pids = grouped.setdefault((r.family, r.address), [])
            if r.pid not in pids:
                pids.append(r.pid)
        out = []
        for (family, address), pids in sorted(grouped.items(), key=lambda kv: kv[0]):
            known = [p for p in pids if p is not None]
            owners = [self.owner(p) for p in (sorted(known) if known else [None])]
            owners = [self._with_container(o, port, protocol) for o in owners]
            ip = ip_of(address)
            out.append(
                ListeningSocket(
                    address=address,
                    port=port,
                    family="IPv6" if family == socket.AF_INET6 else "IPv4",
                    protocol=protocol,
                    scope=scope_of(address),
                    owners=tuple(owners),
                    dual_stack=family == socket.AF_INET6 and ip.version == 6 and ip.is_unspecified,
                )
            )
        return out

    def _with_container(self, owner: Owner, port: int, protocol: str) -> Owner:
        if not owner.is_docker_proxy:
            return self._host_network_owner(owner)
        found = self._rootless_container(owner, port, protocol) if owner.name == ROOTLESSKIT else None
        if found is None:
            found, _ = self.container(port, protocol)
        name = found or proxy_container(owner.cmdline) or "a container (engine not asked)"
        return Owner(
            pid=owner.pid,
            name=owner.name,
            cmdline=owner.cmdline,
            user=owner.user,
            container=name,
            hidden=owner.hidden,
        )


    def _rootless_container(self, owner: Owner, port: int, protocol: str) -> str | None:
        """rootlesskit publishes for its user's engine (/run/user/UID/docker.sock): ask that one,
        not the engine the probe was pointed at (a rootful engine may use the same port number)."""
        rootless = getattr(self.lookup, "rootless", None)
        uid = uid_of(owner.user)
        if rootless is None or uid is None:
            return None
        try:
            return rootless(uid)(port, protocol)
        except Exception:  # the engine is not ours to crash on
            return None

    def _host_network_owner(self, owner: Owner) -> Owner:
        """The owner, named after its container when its process runs in one (host network)."""
        from bindguard.probe.hostnet import container_id_of, describe

        cid = container_id_of(owner.pid)
        if cid is None:
            return owner
        name_of = getattr(self.lookup, "name_of", None)
        try:
            name = name_of(cid) if name_of else None
        except Exception:  # the engine is not ours to crash on
            name = None
        return Owner(
            pid=owner.pid,
            name=owner.name,
            cmdline=owner.cmdline,
            user=owner.user,
            container=describe(cid, {cid: name} if name else None),
            hidden=owner.hidden,
        )


@dataclass(frozen=True, slots=True)
class HostAddress:
    address: str  # as displayed: link-local IPv6 keeps its %zone
    interface: str
    family: int
    scope_id: int = 0
    loopback: bool = False

    def sockaddr(self, port: int) -> tuple:
        if self.family == socket.AF_INET6:
            return (self.address.split("%", 1)[0], port, 0, self.scope_id)
        return (self.address, port)


def host_addresses(psutil: Any) -> tuple[list[HostAddress], bool, list[str]]:
    """127.0.0.1, ::1 if present, then the addresses of every interface that is up.

    These are the only places the probe ever connects to.  Link-local IPv6
    needs a zone; it is used only when the interface index is known.
    Returns (addresses, has IPv6 loopback, names of skipped interfaces).
    """
    try:
        addrs = psutil.net_if_addrs()
    except (psutil.Error, OSError):
        addrs = {}
    try:
        stats = psutil.net_if_stats()
    except (psutil.Error, OSError):
        stats = {}
    loopback = [HostAddress("127.0.0.1", "lo", socket.AF_INET, loopback=True)]
    others: list[HostAddress] = []
    skipped: list[str] = []
    has_v6_loopback = False
    seen: set[str] = {"127.0.0.1"}
    for ifname, entries in addrs.items():
        inet = [e for e in entries if e.family in (socket.AF_INET, socket.AF_INET6)]
        if not inet:
            continue
        st = stats.get(ifname)
        if st is not None and not st.isup:
            skipped.append(f"{ifname} (interface down)")
            continue
        for e in inet:
            text, _, zone = str(e.address).partition("%")
            try:
                ip = ipaddress.ip_address(text)
            except ValueError:
                continue
            if ip.is_loopback:
                if ip.version == 6:
                    has_v6_loopback = True
                continue
            scope_id = 0
            display = str(ip)
            if ip.version == 6 and ip.is_link_local:
                try:
                    scope_id = socket.if_nametoindex(zone or ifname)
                except (OSError, AttributeError):
                    skipped.append(f"{ip} on {ifname} (link-local, zone unknown)")
                    continue
                display = f"{ip}%{zone or ifname}"
            if display in seen:
                continue
            seen.add(display)
            family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
            others.append(HostAddress(display, ifname, family, scope_id))
    if has_v6_loopback:
        loopback.append(HostAddress("::1", "lo", socket.AF_INET6, loopback=True))
    others.sort(key=lambda a: a.family != socket.AF_INET)  # IPv4 first, stable
    return loopback + others, has_v6_loopback, skipped
