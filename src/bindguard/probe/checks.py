"""The only network traffic the probe makes: connects, ``HEAD /`` and a bind.

Why bounded and local: every connect has a timeout and goes to one of this
host's own addresses (from :func:`bindguard.probe.system.host_addresses`),
so probing can neither hang nor touch another machine.  ``--free`` binds with
SO_REUSEADDR off and lets go at once, to ask the kernel the question a
service starting now would ask.
"""

from __future__ import annotations

import errno
import socket
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor

from bindguard.probe.results import Attempt, FreeCheck, HttpCheck, ListeningSocket, Owner, shorten
from bindguard.probe.system import HostAddress
from bindguard.probe.target import TCP, Target, accepts, bracket, ip_of


def connect(addr: HostAddress, port: int, timeout: float) -> Attempt:
    """One bounded TCP connect; closed again at once without sending anything."""

    def attempt(outcome: str, detail: str = "") -> Attempt:
        return Attempt(addr.address, addr.interface, outcome, addr.loopback, detail)

    try:
        with socket.socket(addr.family, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(addr.sockaddr(port))
    except TimeoutError:
        return attempt("timeout", f"no answer within {timeout:g} s")
    except ConnectionRefusedError:
        return attempt("refused")
    except OSError as exc:
        return attempt("error", exc.strerror or str(exc))
    return attempt("answered")


def reach(addresses: Sequence[HostAddress], port: int, timeout: float) -> list[Attempt]:
    if not addresses:
        return []
    with ThreadPoolExecutor(max_workers=min(16, len(addresses))) as pool:
        return list(pool.map(lambda a: connect(a, port, timeout), addresses))


def http_head(addr: HostAddress, port: int, timeout: float) -> HttpCheck:
    """Send ``HEAD / HTTP/1.0`` and read the status line, within ``timeout``."""
    host = f"{bracket(addr.address.split('%', 1)[0])}:{port}"
    request = (
        f"HEAD / HTTP/1.0\r\nHost: {host}\r\nUser-Agent: bindguard-probe\r\n"
        "Connection: close\r\n\r\n"
    ).encode("ascii")
    buf = b""
    ended = ""
    try:
        with socket.socket(addr.family, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(addr.sockaddr(port))
            s.sendall(request)
            deadline = time.monotonic() + timeout
            while b"\n" not in buf and len(buf) < 4096:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                s.settimeout(remaining)
                chunk = s.recv(1024)
                if not chunk:
                    ended = "connection closed without an answer"
                    break
                buf += chunk
    except TimeoutError:
        ended = f"connected, but no HTTP answer within {timeout:g} s"
    except ConnectionResetError:
        ended = "connection reset without an answer"
    except OSError as exc:
        return HttpCheck(
            outcome="not-responding",
            address=addr.address,
            detail=f"could not connect again: {exc.strerror or exc}",
        )
    if not buf:
        return HttpCheck(outcome="not-responding", address=addr.address, detail=ended)
    line = buf.split(b"\n", 1)[0].rstrip(b"\r").decode("latin-1")
    parts = line.split(" ", 2)
    if line.startswith("HTTP/") and len(parts) >= 2 and parts[1].isdigit():
        return HttpCheck(
            outcome="responding",
            address=addr.address,
            status_line=line,
            status=int(parts[1]),
        )
    shown = shorten(repr(buf[:80])[2:-1], 60)
    return HttpCheck(outcome="not-http", address=addr.address, detail=f"first bytes: {shown}")


def free_check(target: Target, holders_from: list[ListeningSocket]) -> FreeCheck:
    """Bind the loopback address with SO_REUSEADDR off, then let go at once."""
    address = "127.0.0.1"
    if target.address is not None and ip_of(target.address).is_loopback:
        address = target.address
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    kind = socket.SOCK_STREAM if target.protocol == TCP else socket.SOCK_DGRAM
    port = target.port
    where = f"{bracket(address)}:{port}/{target.protocol}"
    try:
        with socket.socket(family, kind) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 0)
            s.bind((address, port))
    except PermissionError:
        return FreeCheck(
            address, port, False,
            f"cannot bind {where}: ports below 1024 need root or CAP_NET_BIND_SERVICE "
            "(see net.ipv4.ip_unprivileged_port_start)",
        )
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            return FreeCheck(address, port, False, f"cannot bind {where}: {exc.strerror or exc}")
        holders = conflicting(address, holders_from)
        owners: list[Owner] = []
        for s_ in holders:
            owners += [o for o in s_.owners if o not in owners]
        if owners:
            who = ", ".join(o.describe(40) for o in owners)
            return FreeCheck(address, port, False, f"port already in use by {who}", tuple(owners))
        return FreeCheck(
            address, port, False,
            "port already in use, but no listening socket holds it: connections "
            "in TIME_WAIT from an earlier run, or a socket in another network "
            "namespace (a service that sets SO_REUSEADDR may still bind it)",
        )
    return FreeCheck(address, port, True, f"a service can bind {where} now")


def conflicting(address: str, sockets: Iterable[ListeningSocket]) -> list[ListeningSocket]:
    """Sockets that stop a bind to ``address`` (same address, or a wildcard over it)."""
    return [s for s in sockets if accepts(s.address, address)]
