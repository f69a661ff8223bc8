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

Cleanup: :meth:`Neighbour.close` removes what this run created, and only
that, on every exit path; signals (SIGTERM, SIGHUP, SIGQUIT; SIGINT is
Python's KeyboardInterrupt) are turned into an exception so ``finally`` runs,
and are blocked while the removal runs.  Ownership is proven, never guessed
from a name (issue 25): each run records what it created (the namespace's
inode, the interface's ifindex) in ``run-<id>`` under :data:`STATE_DIR`, a
directory only root can enter (0700), and holds an ``flock`` on that record
while it lives (the kernel drops it when the process dies).  A SIGKILL cannot
be caught, so before anything else a run removes what the records of dead
runs name, when the object there is still the one recorded
(:func:`reap_leftovers`); a ``bindguard-*`` namespace or interface made by
hand has no record and is never touched, and a run whose id is taken stops
before creating (or removing) anything.  Set-ups are serialised by an
``flock`` on ``setup.lock`` in the same directory, which no other user can
hold (an abstract unix socket, as before, could be bound by anyone and stall
every run).  ``ip`` is run by absolute path from the system directories
(:func:`ip_binary`), never looked up through ``PATH``.
"""

from __future__ import annotations

import ctypes
import fcntl
import functools
import ipaddress
import json
import os
import secrets
import signal
import stat
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
STATE_DIR = "/run/bindguard-neighbour"  # root's only (0700): the set-up lock and each run's record
SETUP_LOCK = "setup.lock"
RUN_RECORD = "run-{id}"
# iproute2's ``ip``, by absolute path: as root, a PATH entry someone else can write must not
# choose the program that creates and deletes namespaces and interfaces.
IP_PATHS = ("/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip")
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
    if ip_binary() is None:
        return (f"probe --neighbour needs iproute2's `ip` command, owned by root, in one of "
                f"{', '.join(IP_PATHS)} (apt-get install iproute2)")
    return None


def ip_binary() -> str | None:
    """The first of :data:`IP_PATHS` that is a root-owned executable no one else can write."""
    for path in IP_PATHS:
        try:
            info = os.stat(path)
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode) and info.st_uid == 0 and not info.st_mode & 0o022 and info.st_mode & 0o100:
            return path
    return None


# --------------------------------------------------------------------- iproute2
def ip(*args: str, check: bool = True, timeout: float = 20) -> subprocess.CompletedProcess:
    """Run ``ip ARGS``; NeighbourError naming the command if it fails and ``check``."""
    binary = ip_binary()
    if binary is None:
        raise NeighbourError(refusal() or "no `ip` command")
    proc = subprocess.run([binary, *args], capture_output=True, text=True, timeout=timeout,
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


def ours(name: str) -> bool:
    """Named as a run names things: ``bindguard-`` and a 5-character run id."""
    run_id = name[len(PREFIX):]
    return name.startswith(PREFIX) and len(run_id) == 5 and all(c in _ID_CHARS for c in run_id)


# ------------------------------------------------------------------ run locks
def state_dir() -> str:
    """:data:`STATE_DIR`, made 0700 if missing; NeighbourError unless only this user can use it."""
    try:
        os.mkdir(STATE_DIR, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise NeighbourError(f"cannot create {STATE_DIR}: {exc.strerror}") from None
    info = os.lstat(STATE_DIR)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077:
        raise NeighbourError(f"{STATE_DIR} is not a directory that only this user can use "
                             "(owner, mode 0700); remove it")
    return STATE_DIR


class _Held:
    """An open file in :data:`STATE_DIR` with an ``flock`` on it (released when closed or at death)."""

    def __init__(self, fd: int, path: str):
        self.fd = fd
        self.path = path

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def _open_locked(path: str, create: bool = False, exclusive: bool = False) -> _Held | None:
    """``path`` opened (never through a symlink) and locked; None if absent or locked by another."""
    flags = os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC
    if create:
        flags |= os.O_CREAT | (os.O_EXCL if exclusive else 0)
    try:
        fd = os.open(path, flags, 0o600)
    except (FileNotFoundError, FileExistsError):
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return _Held(fd, path)


def _wait_setup(timeout: float = 60.0) -> _Held:
    path = os.path.join(state_dir(), SETUP_LOCK)
    deadline = time.monotonic() + timeout
    while True:
        held = _open_locked(path, create=True)
        if held is not None:
            return held
        if time.monotonic() > deadline:
            raise NeighbourError(f"another bindguard neighbour set-up has held {path} for {timeout:.0f}s")
        time.sleep(0.05)


def _record_path(run_id: str) -> str:
    return os.path.join(STATE_DIR, RUN_RECORD.format(id=run_id))


def run_alive(run_id: str) -> bool:
    """Whether a run with this id holds its record (False: no record, or its process is gone)."""
    held = _open_locked(_record_path(run_id))
    if held is None:
        return os.path.exists(_record_path(run_id))
    held.close()
    return False


def _namespace_inode(name: str) -> int | None:
    try:
        return os.stat(os.path.join(NETNS_DIR, name)).st_ino
    except OSError:
        return None


def _ifindex(name: str) -> int | None:
    proc = ip("-j", "link", "show", "dev", name, check=False)
    try:
        items = json.loads(proc.stdout) if proc.returncode == 0 and proc.stdout.strip() else []
    except ValueError:
        return None
    return items[0].get("ifindex") if items else None


def _identity(kind: str, name: str) -> int | None:
    return _namespace_inode(name) if kind == "netns" else _ifindex(name)


def _records(text: str) -> list[tuple[str, str, int]]:
    """``kind name identity`` lines of a run record (anything else ignored)."""
    out = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] in ("netns", "link") and ours(parts[1]) and parts[2].isdigit():
            out.append((parts[0], parts[1], int(parts[2])))
    return out


def _remove(kind: str, name: str, identity: int) -> bool:
    """Delete ``name`` if it is still the object recorded (same inode / ifindex)."""
    if _identity(kind, name) != identity:
        return False
    args = ("link", "del", name) if kind == "link" else ("netns", "del", name)
    return ip(*args, check=False).returncode == 0


def reap_leftovers() -> list[str]:
    """Remove what dead runs recorded as created, when it is still there; returns what was removed.

    Only objects a run recorded (name and identity) are ever removed: a
    ``bindguard-*`` namespace or veth made by hand, or one whose name a dead
    run's object had but which is another object now, is left alone.
    """
    removed: list[str] = []
    directory = state_dir()
    for entry in sorted(os.listdir(directory)):
        if not entry.startswith("run-"):
            continue
        held = _open_locked(os.path.join(directory, entry))
        if held is None:
            continue  # its run is alive (or the record vanished meanwhile)
        try:
            with os.fdopen(os.dup(held.fd), "r", encoding="ascii", errors="replace") as handle:
                records = _records(handle.read(65536))
            # the interface first: deleting the namespace takes its veth pair with it
            for kind, name, identity in sorted(records, key=lambda r: r[0] != "link"):
                if _remove(kind, name, identity):
                    removed.append(f"{'namespace' if kind == 'netns' else 'interface'} {name}")
            os.unlink(held.path)
        finally:
            held.close()
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
        self._record: _Held | None = None  # this run's record, locked while the run lives
        self._created: list[tuple[str, str, int]] = []  # (kind, name, identity) this run made
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
            setup = _wait_setup()
            try:
                self.reaped = reap_leftovers()
                # O_EXCL: a run id in use (a live run's record) stops this run before it
                # creates, or could remove, anything
                self._record = _open_locked(_record_path(self.run_id), create=True, exclusive=True)
                if self._record is None:
                    raise NeighbourError(f"run id {self.run_id} is in use; try again")
                if self.name in namespaces() or _ifindex(self.name) is not None:
                    raise NeighbourError(f"{self.name} already exists on this host (not made by this run); "
                                         "try again")
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

    def _created_now(self, kind: str) -> None:
        """Record (file first, then memory) that this run made ``self.name`` of ``kind``."""
        identity = _identity(kind, self.name)
        if identity is None:
            raise NeighbourError(f"{self.name} vanished right after `ip` created it")
        assert self._record is not None
        os.write(self._record.fd, f"{kind} {self.name} {identity}\n".encode("ascii"))
        self._created.append((kind, self.name, identity))

    def _build(self) -> None:
        ns, inner = self.name, INNER_IF
        prefix = self.net.prefixlen if self.net else 30
        self._run("netns", "add", ns)
        self._created_now("netns")
        self._run("link", "add", ns, "type", "veth", "peer", "name", inner, "netns", ns)
        self._created_now("link")
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
        """Remove the veth and the namespace this run created (nothing else); idempotent.

        Each is removed only while it is still the object this run made (same
        ifindex, same namespace inode).  Caught signals are blocked meanwhile,
        so a second Ctrl-C or SIGTERM cannot leave half of it behind.
        """
        blocked = set(CATCH) | {signal.SIGINT}
        old = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
        try:
            left = []
            for kind, name, identity in sorted(self._created, key=lambda r: r[0] != "link"):
                try:
                    _remove(kind, name, identity)
                    if _identity(kind, name) == identity:
                        left.append(name)
                except (NeighbourError, OSError, subprocess.SubprocessError):
                    left.append(name)
            self._created.clear()
            if self._record is not None:
                if not left:  # else the record stays, unlocked: the next run reaps what it names
                    try:
                        os.unlink(self._record.path)
                    except OSError:
                        pass
                self._record.close()
                self._record = None
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
