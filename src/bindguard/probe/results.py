"""What a probe finds out, as frozen dataclasses with ``to_dict()``.

Why a module of its own: the CLI, the renderers and the tests read these
types without needing psutil or any socket code, and JSON output is just
``to_dict()`` of them, so the field names here are the JSON contract.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bindguard.probe.target import Target, bracket

#: ``(host port, protocol) -> container description or None``; engine code
#: supplies it so this module never talks to Docker itself.
ContainerLookup = Callable[[int, str], "str | None"]

DEFAULT_TIMEOUT = 0.5

#: Process names whose sockets are an engine's userland proxy for a published port: Docker's
#: docker-proxy, and rootless Docker's rootlesskit (its port driver listens in the host's namespace).
DOCKER_PROXY_NAMES = frozenset({"docker-proxy", "rootlesskit"})

OWNER_HIDDEN = "owner hidden: run as root to see other users' processes"
OWNER_KERNEL = (
    "no process owns this socket (a kernel service such as nfsd, "
    "or a process in another PID namespace)"
)
TABLE_HIDDEN = (
    "socket table hidden: run as root to see every process's sockets "
    "(only this process's own sockets were listed)"
)
HOST_PATH_CAVEAT = (
    "These connections were made from this host itself, which is not the path "
    "a connection from another machine takes: host firewall rules (ufw/firewalld "
    "INPUT chain) and Docker's DNAT in PREROUTING apply differently. "
    "\"Answered on 192.168.x.y from here\" means a socket accepts on that "
    "address; whether another machine can reach it also depends on the firewall."
)


def shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 2, 1)].rstrip() + " …"


class ProbeVerdict(str, enum.Enum):
    """Where the port listens, as one word."""

    LOOPBACK_ONLY = "loopback-only"
    ALL_INTERFACES = "all-interfaces"
    SPECIFIC = "specific"  # a non-loopback, non-wildcard address
    NOT_LISTENING = "not-listening"
    UNKNOWN = "unknown"  # the socket table could not be read (not root, non-Linux)

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Owner:
    """The process behind a socket, as far as this user may see it.

    ``hidden`` says what could not be seen and why; ``container`` names the
    container a ``docker-proxy`` forwards to (from the caller's lookup, or the
    proxy's own command line).
    """

    pid: int | None
    name: str | None = None
    cmdline: tuple[str, ...] = ()
    user: str | None = None
    container: str | None = None
    hidden: str | None = None

    @property
    def is_docker_proxy(self) -> bool:
        return self.name in DOCKER_PROXY_NAMES

    def command(self, width: int = 60) -> str:
        """The command line, shortened, starting with the process name."""
        parts = [self.name or (os.path.basename(self.cmdline[0]) if self.cmdline else "?")]
        parts += list(self.cmdline[1:])
        return shorten(" ".join(parts), width)

    def describe(self, width: int = 60) -> str:
        """``pid 1234 (python3 -m http.server …)``, or why we cannot say."""
        if self.pid is None:
            return f"a process we cannot see ({self.hidden or OWNER_HIDDEN})"
        if self.name is None and not self.cmdline:
            return f"pid {self.pid} ({self.hidden or 'unknown process'})"
        return f"pid {self.pid} ({self.command(width)})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "pid": self.pid,
            "name": self.name,
            "cmdline": list(self.cmdline),
            "user": self.user,
            "container": self.container,
            "hidden": self.hidden,
        }


@dataclass(frozen=True, slots=True)
class ListeningSocket:
    """A TCP socket in LISTEN, or an unconnected UDP socket, on the probed port.

    ``scope`` is ``loopback``, ``all-interfaces`` or ``specific``.
    ``dual_stack`` marks an IPv6 wildcard (``::``), which on Linux also
    accepts IPv4 unless the program set IPV6_V6ONLY (we cannot see that flag
    on another process's socket).  One socket shared by several processes
    (a forking server) is one entry with several owners.
    """

    address: str
    port: int
    family: str  # "IPv4" | "IPv6"
    protocol: str
    scope: str
    owners: tuple[Owner, ...] = ()
    dual_stack: bool = False

    @property
    def endpoint(self) -> str:
        return f"{bracket(self.address)}:{self.port}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "port": self.port,
            "family": self.family,
            "protocol": self.protocol,
            "scope": self.scope,
            "dual_stack": self.dual_stack,
            "owners": [o.to_dict() for o in self.owners],
        }


@dataclass(frozen=True, slots=True)
class Attempt:
    """One TCP connect from this host to one of its own addresses.

    ``outcome`` is ``answered``, ``refused``, ``timeout`` or ``error``.
    """

    address: str
    interface: str
    outcome: str
    loopback: bool
    detail: str = ""

    @property
    def label(self) -> str:
        if self.loopback or "%" in self.address:
            return self.address
        return f"{self.address} ({self.interface})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "interface": self.interface,
            "loopback": self.loopback,
            "outcome": self.outcome,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class HttpCheck:
    """The answer to ``HEAD / HTTP/1.0`` on the first address that answered.

    ``outcome`` is ``responding``, ``not-http`` (answered with something
    else), ``not-responding`` or ``skipped``.
    """

    outcome: str
    address: str | None = None
    status_line: str = ""
    status: int | None = None
    detail: str = ""

    @property
    def summary(self) -> str:
        if self.outcome == "responding":
            reason = self.status_line.split(" ", 2)[2] if self.status_line.count(" ") >= 2 else ""
            return f"responding with {self.status}{' ' + reason if reason else ''}"
        if self.outcome == "not-responding":
            return f"service not responding ({self.detail})"
        if self.outcome == "not-http":
            return f"answered, but not with HTTP ({self.detail})"
        return f"skipped: {self.detail}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "address": self.address,
            "status_line": self.status_line,
            "status": self.status,
            "detail": self.detail,
            "summary": self.summary,
        }


@dataclass(frozen=True, slots=True)
class FreeCheck:
    """Could a service bind ``address:port`` right now (SO_REUSEADDR off)?"""

    address: str
    port: int
    free: bool
    detail: str
    holders: tuple[Owner, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "port": self.port,
            "free": self.free,
            "detail": self.detail,
            "holders": [h.to_dict() for h in self.holders],
        }


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """Everything the probe found out about one target.

    ``sockets`` are the sockets that would accept connections to the target;
    ``summary`` is the one-sentence diagnosis; ``container`` is set when the
    caller's lookup named a container (docker-proxy, or NAT without socket).
    """

    target: Target
    verdict: ProbeVerdict
    summary: str
    sockets: tuple[ListeningSocket, ...] = ()
    reachability: tuple[Attempt, ...] = ()
    http: HttpCheck | None = None
    free: FreeCheck | None = None
    container: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target.to_dict(),
            "verdict": self.verdict.value,
            "summary": self.summary,
            "container": self.container,
            "sockets": [s.to_dict() for s in self.sockets],
            "reachability": [a.to_dict() for a in self.reachability],
            "http": None if self.http is None else self.http.to_dict(),
            "free": None if self.free is None else self.free.to_dict(),
            "notes": list(self.notes),
        }
