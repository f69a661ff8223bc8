"""A throwaway neighbour host: a network namespace joined to this host by a veth pair.

Why a namespace: a connect from the host itself never takes the path a packet
from another machine takes (PREROUTING DNAT, the FORWARD chain, the kernel's
martian checks on an incoming interface).  A namespace with its own veth is,
to this host's kernel, a second machine on a new link, so what answers it is
what answers a real neighbour (see ``docs/neighbour.md`` for what it cannot
prove).

Why iproute2 for the set-up: every step is one ``ip`` command, the same ones
a user runs to reproduce the result by hand, and :attr:`Neighbour.commands`
records them exactly.  Building netlink messages with ctypes would be a lot
of code for no gain.  Why ``setns(2)`` through ctypes for everything that
happens *inside* the namespace (two sysctls, creating the probe sockets): a
socket stays in the namespace it was created in, so one short-lived thread
enters the namespace, creates the sockets and leaves, and the connects then
run from this process with no helper process, no Python inside the
namespace and timing measured on the socket itself.

What it creates, all named ``bindguard-<id>`` (``<id>``: 5 random base-36
characters, so the host-side interface name fits Linux's 15 characters):
the namespace and the host end of the veth (the other end lives inside the
namespace and dies with it).  The host gets one address on the new link, from
a /30 that no host route or address uses (198.18.0.0/15, the benchmarking
range, unless ``--neighbour-net`` names one), plus a fixed IPv6 link-local
address when IPv6 is on.  Nothing else of the host is changed: no existing
interface, route, rule, sysctl or firewall rule.  Inside the namespace a
policy rule sends 127.0.0.1 (and ::1) to the host.

Cleanup: :meth:`Neighbour.close` removes both objects on every exit path;
signals (SIGTERM, SIGHUP, SIGQUIT; SIGINT is Python's KeyboardInterrupt) are
turned into an exception so ``finally`` runs, and are blocked while the
removal runs.  A SIGKILL cannot be caught, so each run holds an abstract
unix socket ``@bindguard-neighbour-<id>`` while it lives (the kernel drops it
when the process dies, nothing on disk): before anything else, every
``bindguard-*`` namespace or interface whose socket nobody holds is removed
(:func:`reap_leftovers`).  Set-ups are serialised by another abstract socket
so two runs never pick the same /30 or reap each other.
"""

from __future__ import annotations

import ctypes
import functools
import ipaddress
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from bindguard.errors import BindguardError

PREFIX = "bindguard-"
INNER_IF = "bg-neighbour"  # the namespace's end of the veth (its name only exists in there)
DEFAULT_RANGE = ipaddress.IPv4Network("198.18.0.0/15")
HOST_LL = "fe80::b9:1"  # fixed link-local addresses, added with nodad: usable at once
NEIGHBOUR_LL = "fe80::b9:2"
LOOPBACK_TABLE = "200"
NETNS_DIR = "/run/netns"
SETUP_LOCK = "bindguard-neighbour-setup"
RUN_LOCK = "bindguard-neighbour-{id}"
CATCH = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGHUP", "SIGQUIT") if hasattr(signal, n))
CLONE_NEWNET = 0x40000000
_ID_CHARS = "0123456789abcdefghijklmnopqrstuvwxyz"

T = TypeVar("T")


class NeighbourError(BindguardError):
    """The neighbour could not be set up (or the platform cannot have one)."""


class NeighbourInterrupted(BindguardError):
    """A signal arrived while the neighbour existed; it has been removed."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(f"probe --neighbour interrupted by {signal.Signals(signum).name}; "
                         "the neighbour namespace and veth were removed")


def refusal() -> str | None:
    """Why a neighbour cannot be made here (one line), or None."""
    if not sys.platform.startswith("linux"):
        return f"probe --neighbour needs Linux network namespaces (this is {sys.platform})"
    if os.geteuid() != 0:
        return "probe --neighbour needs root: it creates a network namespace and a veth pair"
    if shutil.which("ip") is None:
        return "probe --neighbour needs iproute2's `ip` command (apt-get install iproute2)"
    return None


# --------------------------------------------------------------------- iproute2
def ip(*args: str, check: bool = True, timeout: float = 20) -> subprocess.CompletedProcess:
    """Run ``ip ARGS``; NeighbourError naming the command if it fails and ``check``."""
    proc = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
    if check and proc.returncode != 0:
        reason = (proc.stderr or proc.stdout).strip().splitlines()
        raise NeighbourError(f"`ip {' '.join(args)}` failed: {reason[-1] if reason else proc.returncode}")
    return proc


def _json(*args: str) -> list[dict]:
    out = ip("-j", *args).stdout.strip()
    return json.loads(out) if out else []


def namespaces() -> list[str]:
    try:
        return sorted(os.listdir(NETNS_DIR))
    except FileNotFoundError:
        return []


def links() -> list[str]:
    return [item.get("ifname", "") for item in _json("link", "show")]


def ours(name: str) -> bool:
    """Named as a run names things: ``bindguard-`` and a 5-character run id."""
    run_id = name[len(PREFIX):]
    return name.startswith(PREFIX) and len(run_id) == 5 and all(c in _ID_CHARS for c in run_id)


def veths() -> list[str]:
    """Host interfaces of kind veth (a leftover of ours is never anything else)."""
    return [item.get("ifname", "") for item in _json("-d", "link", "show", "type", "veth")]


# ------------------------------------------------------------------ run locks
def _hold(name: str) -> socket.socket | None:
    """Bind the abstract unix socket ``@name``; None if another process holds it."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.bind("\0" + name)
    except OSError:
        s.close()
        return None
    return s


def _wait_hold(name: str, timeout: float = 60.0) -> socket.socket:
    deadline = time.monotonic() + timeout
    while True:
        held = _hold(name)
        if held is not None:
            return held
        if time.monotonic() > deadline:
            raise NeighbourError(f"another bindguard neighbour set-up has held @{name} for {timeout:.0f}s")
        time.sleep(0.05)


def run_alive(run_id: str) -> bool:
    probe = _hold(RUN_LOCK.format(id=run_id))
    if probe is None:
        return True
    probe.close()
    return False


def reap_leftovers() -> list[str]:
    """Remove every ``bindguard-<id>`` namespace or veth whose run is dead.

    A run is alive while its process holds ``@bindguard-neighbour-<id>``;
    only namespaces and veth interfaces named exactly like a run's
    (``bindguard-`` and 5 characters of ``[0-9a-z]``) are ever looked at.
    Returns what was removed.
    """
    removed: list[str] = []
    for name in namespaces():
        if ours(name) and not run_alive(name[len(PREFIX):]):
            if ip("netns", "del", name, check=False).returncode == 0:
                removed.append(f"namespace {name}")
    for name in veths():
        name = name.split("@", 1)[0]
        if ours(name) and not run_alive(name[len(PREFIX):]):
            if ip("link", "del", name, check=False).returncode == 0:
                removed.append(f"interface {name}")
    return removed


# ---------------------------------------------------------------- address range
def used_networks() -> list[ipaddress.IPv4Network]:
    """IPv4 networks this host routes or holds (default routes excepted)."""
    used: list[ipaddress.IPv4Network] = []
    for route in _json("-4", "route", "show", "table", "all"):
        dst = route.get("dst", "")
        if dst and dst != "default":
            try:
                used.append(ipaddress.IPv4Network(dst, strict=False))
            except ValueError:
                continue
    for item in _json("-4", "addr", "show"):
        for info in item.get("addr_info", []):
            try:
                used.append(ipaddress.IPv4Network(f"{info['local']}/{info.get('prefixlen', 32)}", strict=False))
            except (KeyError, ValueError):
                continue
    return used


def pick_subnet(used: Iterable[ipaddress.IPv4Network], within: ipaddress.IPv4Network = DEFAULT_RANGE,
                start: int | None = None) -> ipaddress.IPv4Network:
    """A /30 of ``within`` that overlaps nothing in ``used``; NeighbourError if none is free.

    The search starts at a random /30 so concurrent hosts (or a user's own
    test rigs in the same range) rarely meet, and walks the range once.
    """
    used = [n for n in used if n.overlaps(within)]
    count = within.num_addresses // 4
    first = secrets.randbelow(count) if start is None else start % count
    base = int(within.network_address)
    for step in range(count):
        candidate = ipaddress.IPv4Network((base + ((first + step) % count) * 4, 30))
        if not any(candidate.overlaps(n) for n in used):
            return candidate
    raise NeighbourError(f"no free /30 in {within}: every one overlaps a route or address of this host")


def parse_net(text: str, used: Iterable[ipaddress.IPv4Network]) -> ipaddress.IPv4Network:
    """``--neighbour-net``: an IPv4 network of at least 4 addresses nothing here uses."""
    try:
        net = ipaddress.IPv4Network(text.strip(), strict=False)
    except ValueError:
        raise NeighbourError(f"--neighbour-net {text!r}: not an IPv4 network such as 198.18.7.0/30") from None
    if net.prefixlen > 30:
        raise NeighbourError(f"--neighbour-net {text!r}: needs at least a /30 (two host addresses)")
    if net.is_loopback or net.is_multicast or net.is_link_local or net.is_unspecified:
        raise NeighbourError(f"--neighbour-net {text!r}: not a range for a link")
    net = ipaddress.IPv4Network((net.network_address, 30))
    for other in used:
        if net.overlaps(other):
            raise NeighbourError(f"--neighbour-net {text!r}: overlaps {other} used on this host")
    return net


# ------------------------------------------------------------------- setns(2)
_libc = None


def _setns(fd: int) -> None:
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"setns: {os.strerror(err)}")


def inside(namespace: str, fn: Callable[[], T]) -> T:
    """Run ``fn`` in a short-lived thread that has entered ``namespace``.

    ``setns`` changes only the calling thread; the thread returns to this
    process's namespace before it ends.  Sockets made by ``fn`` keep the
    namespace they were made in, wherever they are used afterwards.
    """
    box: dict[str, object] = {}

    def run() -> None:
        own = target = -1
        try:
            own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
            target = os.open(os.path.join(NETNS_DIR, namespace), os.O_RDONLY)
            _setns(target)
            try:
                box["value"] = fn()
            finally:
                _setns(own)
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc
        finally:
            for fd in (own, target):
                if fd >= 0:
                    os.close(fd)

    worker = threading.Thread(target=run, name=f"bindguard-netns-{namespace}", daemon=True)
    worker.start()
    worker.join()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]


def _write_sysctl(path: str, value: str) -> None:
    with open(os.path.join("/proc/sys", path), "w") as handle:
        handle.write(value)


# ------------------------------------------------------------------ neighbour
def new_run_id() -> str:
    return "".join(secrets.choice(_ID_CHARS) for _ in range(5))


class Neighbour:
    """A namespace + veth pair, made on ``open()`` and removed on ``close()``.

    Use as a context manager.  ``host_address`` is this host's IPv4 address
    on the new link, ``address`` the neighbour's; ``ipv6`` says whether the
    fixed link-local pair (and the ::1 route) could be set up.
    ``commands`` lists every command run, with the in-namespace sysctls
    written as the equivalent ``ip netns exec ... sysctl -w``.
    """

    def __init__(self, net: ipaddress.IPv4Network | None = None, run_id: str | None = None):
        self.run_id = run_id or new_run_id()
        self.name = PREFIX + self.run_id
        self.requested = net
        self.net: ipaddress.IPv4Network | None = None
        self.ipv6 = False
        self.notes: list[str] = []
        self.commands: list[str] = []
        self.reaped: list[str] = []
        self._lock: socket.socket | None = None
        self._handlers: dict[int, object] = {}

    # addresses -------------------------------------------------------------
    @property
    def host_address(self) -> str:
        assert self.net is not None
        return str(self.net.network_address + 1)

    @property
    def address(self) -> str:
        assert self.net is not None
        return str(self.net.network_address + 2)

    # life cycle ------------------------------------------------------------
    def __enter__(self) -> Neighbour:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        why = refusal()
        if why:
            raise NeighbourError(why)
        self._catch_signals()
        try:
            self._lock = _hold(RUN_LOCK.format(id=self.run_id))
            if self._lock is None:
                raise NeighbourError(f"run id {self.run_id} is in use; try again")
            setup = _wait_hold(SETUP_LOCK)
            try:
                self.reaped = reap_leftovers()
                used = used_networks()
                if self.requested is not None:
                    self.net = parse_net(str(self.requested), used)
                else:
                    self.net = pick_subnet(used)
                self._build()
            finally:
                setup.close()
        except BaseException:
            self.close()
            raise

    def _run(self, *args: str, check: bool = True) -> bool:
        self.commands.append("ip " + " ".join(args))
        return ip(*args, check=check).returncode == 0

    def _build(self) -> None:
        ns, inner = self.name, INNER_IF
        prefix = self.net.prefixlen if self.net else 30
        self._run("netns", "add", ns)
        self._run("link", "add", ns, "type", "veth", "peer", "name", inner, "netns", ns)
        self._run("addr", "add", f"{self.host_address}/{prefix}", "dev", ns)
        self.ipv6 = self._run("-6", "addr", "add", f"{HOST_LL}/64", "dev", ns, "nodad", check=False)
        self._run("link", "set", ns, "up")
        self._run("-n", ns, "addr", "add", f"{self.address}/{prefix}", "dev", inner)
        if self.ipv6:
            self.ipv6 = self._run("-n", ns, "-6", "addr", "add", f"{NEIGHBOUR_LL}/64", "dev", inner,
                                  "nodad", check=False)
        self._run("-n", ns, "link", "set", inner, "up")
        # The neighbour may send packets for 127.0.0.0/8 out of a real interface:
        # route_localnet, in the namespace only (sysctls under net/ are per namespace).
        for key in ("all", inner):
            path = f"net/ipv4/conf/{key}/route_localnet"
            self.commands.append(f"ip netns exec {ns} sysctl -w {path.replace('/', '.')}=1")
            inside(ns, functools.partial(_write_sysctl, path, "1"))
        # 127.0.0.1 goes to the host: table 200, consulted before the local table.
        self._run("-n", ns, "route", "add", "127.0.0.1/32", "via", self.host_address, "dev", inner,
                  "table", LOOPBACK_TABLE)
        self._loopback_rules("-4", "127.0.0.1")
        if self.ipv6:
            if self._run("-n", ns, "-6", "route", "add", "::1/128", "via", HOST_LL, "dev", inner,
                         "table", LOOPBACK_TABLE, check=False):
                self._loopback_rules("-6", "::1")
            else:
                self.ipv6 = False
        if not self.ipv6:
            self.notes.append("IPv6 is off on this host or the kernel refused the ::1 route: "
                              "only IPv4 was probed")

    def _loopback_rules(self, family: str, address: str) -> None:
        ns = self.name
        self._run("-n", ns, family, "rule", "add", "pref", "100", "to", address, "lookup", LOOPBACK_TABLE)
        self._run("-n", ns, family, "rule", "add", "pref", "1000", "lookup", "local")
        self._run("-n", ns, family, "rule", "del", "pref", "0")

    def close(self) -> None:
        """Remove the veth and the namespace (whatever of them exists); idempotent.

        Caught signals are blocked meanwhile, so a second Ctrl-C or SIGTERM
        cannot leave half of it behind.
        """
        blocked = set(CATCH) | {signal.SIGINT}
        old = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
        try:
            try:
                present = [n.split("@", 1)[0] for n in links()]
            except (NeighbourError, ValueError, OSError, subprocess.SubprocessError):
                present = [self.name]  # cannot list: try the removal anyway
            if self.name in present:
                ip("link", "del", self.name, check=False)
            if self.name in namespaces():
                ip("netns", "del", self.name, check=False)
            if self._lock is not None:
                self._lock.close()
                self._lock = None
        finally:
            self._restore_signals()
            signal.pthread_sigmask(signal.SIG_SETMASK, old)

    def teardown_commands(self) -> list[str]:
        return [f"ip link del {self.name}", f"ip netns del {self.name}"]

    # signals ---------------------------------------------------------------
    def _catch_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # only the main thread may install handlers; close() still runs on exceptions

        def interrupt(signum: int, frame: object) -> None:
            raise NeighbourInterrupted(signum)

        for signum in CATCH:
            self._handlers[signum] = signal.signal(signum, interrupt)

    def _restore_signals(self) -> None:
        for signum, handler in self._handlers.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]
        self._handlers.clear()
