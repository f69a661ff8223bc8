"""The one port model every source produces and every rule and reporter reads.

A compose file and a running engine describe the same thing, a port published
on some host address, so both become :class:`Binding` values.  Rules see only
the types in this module, never YAML nodes or Docker SDK objects; that is what
lets ``lint`` and ``audit`` share them.

The value types are ``typing.NamedTuple`` classes rather than frozen
dataclasses on purpose: they are just as immutable, hashable and printable,
cost a sixth as much to define (a frozen dataclass compiles six methods when
its module is imported, about 0.45 ms a class on Python 3.11) and are as fast
to build and read.  ``bindguard lint one-file.yaml`` has about 50 ms to spend
on top of Python and libyaml (issue 8), so class definitions count.  Use
``value._replace(...)`` where a dataclass would use ``replace``.  Modules
that define NamedTuples do not use ``from __future__ import annotations``:
string annotations make typing compile every field's type at import (another
5 ms over the lint path).  ``tests/test_startup.py`` keeps both from coming
back.
"""

import enum
import functools
import ipaddress
import re
from typing import NamedTuple


class Severity(enum.IntEnum):
    """How bad a finding is; ordered so that ``--fail-on`` is a comparison."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(
                f"unknown severity {text!r} (expected one of: info, warning, error)"
            ) from None


class Verdict(str, enum.Enum):
    """Where a binding listens, as one word."""

    LOOPBACK = "loopback"
    WILDCARD = "wildcard"
    SPECIFIC = "specific"
    INVALID = "invalid"

    def __str__(self) -> str:
        return self.value

    @property
    def width(self) -> int:
        """How widely it listens: loopback 0 < specific 1 < invalid 2 < wildcard 3.

        A container published wider than its compose file now says has drifted
        (BG010); ``engine/remedy.py`` words the same comparison.
        """
        return _WIDTH[self]


_WIDTH = {Verdict.LOOPBACK: 0, Verdict.SPECIFIC: 1, Verdict.INVALID: 2, Verdict.WILDCARD: 3}


class Location(NamedTuple):
    """Where something was found: a file position, or a container on an engine.

    ``line`` and ``column`` are 1-based.  Engine locations leave ``file`` empty
    and name the engine and container instead.  ``source`` is the kind of
    file the place is in when it is not a compose file (``shell``,
    ``workflows``, ``devcontainer``, ``quadlet``, ``kind``, ``pods``: see
    ``bindguard.sources``); rules, fix and reporters read it as data and
    never ask a reader which source it came from.
    """

    file: str | None = None
    line: int = 0
    column: int = 0
    engine: str | None = None
    container: str | None = None
    container_id: str | None = None
    image: str | None = None
    source: str = ""  # "" = a compose file or an engine

    def __str__(self) -> str:
        if self.file is not None:
            if self.line:
                return f"{self.file}:{self.line}:{self.column}"
            return self.file
        parts = [p for p in (self.engine, self.container) if p]
        return "/".join(parts) or "<unknown>"


class _Range(NamedTuple):
    start: int
    end: int


class PortRange(_Range):
    """An inclusive range of port numbers; a single port has ``start == end``."""

    __slots__ = ()

    def __new__(cls, start: int, end: int) -> "PortRange":
        if not 0 <= start <= end <= 65535:
            raise ValueError(f"bad port range {start}-{end}")
        return super().__new__(cls, start, end)

    @property
    def size(self) -> int:
        return self.end - self.start + 1

    def __str__(self) -> str:
        return str(self.start) if self.start == self.end else f"{self.start}-{self.end}"


WILDCARD_V4 = "0.0.0.0"
WILDCARD_V6 = "::"
DOCKER_DEFAULT_ORIGIN = "Docker's default when no host IP is given"


@functools.lru_cache(maxsize=4096)
def address_verdict(address: str) -> Verdict:
    """Classify one IP literal (no brackets): loopback, wildcard or specific.

    Cached: the same few addresses (0.0.0.0, ::, 127.0.0.1) recur in every file.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return Verdict.INVALID
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_unspecified:
        return Verdict.WILDCARD
    if ip.is_loopback:
        return Verdict.LOOPBACK
    return Verdict.SPECIFIC


def same_address(a: str, b: str) -> bool:
    """Whether two host addresses are one: as IP addresses (``::1`` is ``0:0::1``), else as text."""
    try:
        return ipaddress.ip_address(a) == ipaddress.ip_address(b)
    except ValueError:
        return a == b


@functools.lru_cache(maxsize=4096)
def engine_address(address: str) -> str:
    """The address the engine binds for ``address``: an IPv4-mapped IPv6
    address (``::ffff:0.0.0.0``) is the IPv4 address itself (``0.0.0.0``).

    Go's net.ParseIP stores every IPv4 address in the mapped form, so the
    engine cannot tell ``[::ffff:0.0.0.0]`` from ``0.0.0.0``: it opens an
    IPv4 socket on every interface.  Anything else is returned unchanged.
    """
    if "ffff" not in address.lower():
        return address  # every spelling of a mapped address has the ffff group
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return address


def version_tuple(text: str) -> tuple[int, ...]:
    """``"20.10.24+dfsg1"`` as ``(20, 10, 24)``, for comparing engine versions."""
    return tuple(int(x) for x in re.findall(r"\d+", text)[:3])


def format_address(address: str) -> str:
    """An address as it is written before ``:port``: IPv6 in brackets."""
    return f"[{address}]" if ":" in address else address


class Note(NamedTuple):
    """An explanation several findings share (an external network's unknown default),
    reported once at the place that causes it rather than on every finding."""

    message: str
    location: Location = Location()

    def sort_key(self) -> tuple:
        loc = self.location
        return (loc.file or "", loc.line, loc.column, self.message)


class HostDefault(NamedTuple):
    """What an entry without a host IP listens on, and why (compose files and every other source).

    ``origin`` is said on every finding; ``note`` is a longer explanation
    shared by every entry with this default, reported once.
    """

    addresses: tuple[str, ...] = (WILDCARD_V4, WILDCARD_V6)
    origin: str = DOCKER_DEFAULT_ORIGIN
    note: Note | None = None


class Binding(NamedTuple):
    """One published port entry: where on the host it listens, and where it came from.

    ``host_ip`` is the address as the source gives it (brackets removed), or
    ``""`` when none was given.  ``default_host_ip`` is what an empty host IP
    turns into (Docker's default is every interface; a network's
    ``host_binding_ipv4`` option can change that) and ``default_origin`` says
    where that default came from, so a finding can explain itself.
    ``host_ports`` is ``None`` when the engine picks a random host port.
    ``entry`` is the port entry as written (after interpolation), ``raw`` the
    text before interpolation; ``variables`` names variables the entry used
    that had no value and no default.  ``resolved`` is set when the entry was
    interpolated: the entry after interpolation as a report may show it, each
    value that is not an IP address or port number shown as ``<value of
    NAME>`` (issue 14; findings then carry ``raw`` as their entry).  ``ignored_host_ip`` is a host IP the
    file wrote but the platform ignores; ``swarm`` marks bindings of a stack
    file, published by swarm's routing mesh.
    """

    service: str
    host_ip: str
    host_ports: PortRange | None
    container_ports: PortRange
    protocol: str
    location: Location
    entry: str
    raw: str = ""
    syntax: str = "short"  # short | long | engine
    mode: str = "ingress"
    name: str = ""
    app_protocol: str = ""
    default_host_ip: tuple[str, ...] = (WILDCARD_V4, WILDCARD_V6)
    default_origin: str = DOCKER_DEFAULT_ORIGIN
    variables: tuple[str, ...] = ()
    project: str | None = None
    ignored_host_ip: str = ""
    swarm: bool = False
    default_note: Note | None = None  # why the default is what it is, said once per cause
    resolved: str = ""
    # the key a long-form entry writes its address under in its source (``host_ip`` in compose,
    # ``listenAddress`` in a kind config, ``hostIP`` in a pod spec), for hints that name it
    address_key: str = ""

    @property
    def effective(self) -> tuple[str, ...]:
        """The addresses the port will listen on, as the engine binds them
        (an IPv4-mapped address is its IPv4 address: see ``engine_address``)."""
        if self.host_ip == "":
            return tuple(map(engine_address, self.default_host_ip))
        return (engine_address(self.host_ip),)

    @property
    def verdict(self) -> Verdict:
        """The widest exposure among the effective addresses."""
        verdicts = {address_verdict(a) for a in self.effective}
        for v in (Verdict.INVALID, Verdict.WILDCARD, Verdict.SPECIFIC):
            if v in verdicts:
                return v
        return Verdict.LOOPBACK

    @property
    def published(self) -> int:
        """How many ports Compose publishes for this entry: one per container port.

        ``docker compose config`` expands ``6000-6002`` and ``7000-7002:7000-7002``
        into three ports each and keeps ``8000-8010:80`` as one (the engine picks
        one host port of the range); every count of published ports (lint, ports,
        audit) uses this unit (issue 29).
        """
        return self.container_ports.size

    @property
    def host_port_text(self) -> str:
        return "" if self.host_ports is None else str(self.host_ports)

    def spec(self, host_ip: str | None = None) -> str:
        """This binding in short syntax, optionally with another host IP.

        Used both for fix hints (``"127.0.0.1:5432:5432"``) and as the
        normalised form of the entry in fingerprints.
        """
        ip = self.host_ip if host_ip is None else host_ip
        suffix = "" if self.protocol == "tcp" else f"/{self.protocol}"
        container = f"{self.container_ports}{suffix}"
        if not ip:
            if self.host_ports is None:
                return container
            return f"{self.host_ports}:{container}"
        return f"{format_address(ip)}:{self.host_port_text}:{container}"


# The codes of the problems a parser emits.  They live with the model, not in
# the rule modules, so that reading a compose file never imports a rule (the
# rule modules and the registry take their CODE from here).
INVALID_FILE = "BG000"
UNSET_VARIABLE = "BG006"
INVALID_PORT_ENTRY = "BG007"


def count_published(bindings) -> tuple[int, int]:
    """(ports published, those not on loopback), in ``Binding.published``'s unit: what ``lint``,
    ``ports``, ``audit`` and ``audit PATHS`` all count (a range is one port per container port)."""
    ports = exposed = 0
    for b in bindings:
        ports += b.published
        if b.verdict is not Verdict.LOOPBACK:
            exposed += b.published
    return ports, exposed


class Problem(NamedTuple):
    """Input that could not become a Binding: bad YAML, a bad port entry, a bad service.

    Sources return these as values instead of raising, so one broken file or
    entry never stops the rest of the run.  ``code`` is the rule that reports
    it (``INVALID_FILE`` for YAML/structure, ``INVALID_PORT_ENTRY`` for a bad
    entry, ``UNSET_VARIABLE`` for a variable that decides where a port listens).
    """

    code: str
    message: str
    location: Location
    service: str | None = None
    entry: str = ""


# The bridge driver option that sets the default host IP of a network's ports.
HOST_BINDING_OPT = "com.docker.network.bridge.host_binding_ipv4"
# Bridge driver options that let other hosts reach containers by routing to
# their addresses (Docker 27+).  ``routed``: published container ports, on the
# container's address, whatever host IP and port the mapping names;
# ``nat-unprotected``: every container port, published or not.
GATEWAY_MODE_OPTS = {
    "ipv4": "com.docker.network.bridge.gateway_mode_ipv4",
    "ipv6": "com.docker.network.bridge.gateway_mode_ipv6",
}
EXPOSING_GATEWAY_MODES = ("routed", "nat-unprotected")


def exposing_gateway_mode(value: str | None) -> str | None:
    """The gateway mode an option value names if it opens containers to direct routing."""
    mode = (value or "").strip().lower()
    return mode if mode in EXPOSING_GATEWAY_MODES else None


class GatewayMode(NamedTuple):
    """A network of a service whose gateway mode lets other hosts route to its containers."""

    network: str
    family: str  # ipv4 | ipv6
    mode: str  # routed | nat-unprotected
    location: Location


class Service(NamedTuple):
    """What rules need to know about one service besides its ports."""

    name: str
    location: Location
    network_mode: str | None = None
    network_mode_location: Location | None = None
    bindings: tuple[Binding, ...] = ()
    profiles: tuple[str, ...] = ()
    project: str | None = None
    discarded: tuple[Binding, ...] = ()  # ports: entries Docker drops (network_mode: host)
    gateway_modes: tuple[GatewayMode, ...] = ()  # networks open to direct routing


class Violation(NamedTuple):
    """What a rule yields; the runner turns it into a Finding with code and severity.

    ``severity`` lowers this one finding below the rule's default (BG006 on an
    entry that is on loopback whatever the variable holds); a severity the
    user configured for the rule still wins.
    """

    location: Location
    message: str
    fix: str = ""
    service: str | None = None
    entry: str = ""
    severity: Severity | None = None


class FixEdit(NamedTuple):
    """The replacement ``bindguard fix`` makes for a finding: a region of its file and new text.

    Lines and columns are 1-based, columns in code points (the region ends
    before ``end_column``); an insertion has start == end.  SARIF reports it
    as a ``fix``, which code-scanning tools show as a suggested change.
    """

    start_line: int
    start_column: int
    end_line: int
    end_column: int
    text: str


class Finding(NamedTuple):
    """A rule's verdict on one place, ready for a reporter.

    ``fix`` is the hint (what ``bindguard fix`` writes, or why it does not);
    ``fix_edit`` the exact replacement when it rewrites the entry.
    """

    code: str
    severity: Severity
    message: str
    location: Location
    service: str | None = None
    fix: str = ""
    entry: str = ""
    rule_name: str = ""
    fix_edit: FixEdit | None = None
    resolved: str = ""  # the interpolated entry as a report may show it (see Binding.resolved)
    # codes of findings about the same port folded into this one (an audit's BG001 that also
    # drifted from its compose file carries "BG010"), so one story is told once
    also: tuple[str, ...] = ()
    # every service a shared entry publishes for (a YAML anchor, merge key or ``extends``
    # repeats one line in several services), ``service`` first; empty: ``service`` alone
    services: tuple[str, ...] = ()

    @property
    def fixable(self) -> bool:
        """``bindguard fix`` rewrites this finding's entry (the hint is that rewrite)."""
        return self.fix_edit is not None

    @property
    def service_names(self) -> tuple[str, ...]:
        """The services this finding is about, in the order they were found."""
        if self.services:
            return self.services
        return (self.service,) if self.service else ()

    def sort_key(self) -> tuple:
        loc = self.location
        return (
            loc.file or "",
            loc.engine or "",
            loc.container or "",
            loc.line,
            loc.column,
            self.code,
            self.message,
        )


class NetworkFacts(NamedTuple):
    """A network as the engine reports it (name, driver, driver options, address families)."""

    name: str
    driver: str = "bridge"
    options: tuple[tuple[str, str], ...] = ()
    enable_ipv4: bool = True
    enable_ipv6: bool = False

    def option(self, key: str) -> str | None:
        return dict(self.options).get(key)


class EngineFacts(NamedTuple):
    """What BG011 needs to know about one engine."""

    name: str
    url: str
    version: str = ""
    api_version: str = ""
    tls: bool = False
    operating_system: str = ""
    networks: tuple[NetworkFacts, ...] = ()
    kind: str = "docker"  # "docker" or "podman" (from /version Components): whose risks apply
    tls_unverified: bool = False  # TLS, but the engine's certificate was not checked
    # From /info (engine/facts.py): rootless (SecurityOptions name=rootless), Docker Desktop
    # (OperatingSystem), the firewall backend (FirewallBackend.Driver, Docker 28.2+: "iptables",
    # "iptables+firewalld", "nftables", ...; "" when not reported)
    rootless: bool = False
    desktop: bool = False
    firewall_backend: str = ""
    # From the engine's host when bindguard runs there as root (engine/daemon.py): the names of
    # risky variables set in dockerd's environment (values are never kept), and whether firewalld
    # runs; None = not known (remote engine, not root)
    daemon_env: tuple[str, ...] | None = None
    firewalld: bool | None = None


class Comparison(NamedTuple):
    """A running container's binding next to what its compose files say now (BG010).

    ``declared`` holds the file's bindings for the same service and container
    port (empty if the files no longer publish it); ``missing_files`` lists
    compose files named by the container's labels that can no longer be read.
    ``exact`` marks a comparison made by ``audit PATHS``, which loads the
    project as Compose runs it and compares exactly: ``binding`` is one the
    files do not allow (not only a wider one), or, with ``binding`` None,
    ``declared`` holds the one entry the container does not publish (empty:
    the service is gone and its container publishes nothing).
    """

    binding: Binding | None
    declared: tuple[Binding, ...]
    location: Location
    service: str
    project: str
    files: tuple[str, ...] = ()
    missing_files: tuple[str, ...] = ()
    service_defined: bool = True
    exact: bool = False


class NeighbourProof(NamedTuple):
    """What a throwaway neighbour host saw of one published binding (``audit --prove``).

    ``verdict`` is a ``NeighbourVerdict`` value (``reachable from neighbour``,
    ``loopback reachable from neighbour (engine NAT bypass)``, ``refused``,
    ``filtered (timeout)``); ``port`` the host port that decided it.
    """

    binding: Binding
    verdict: str
    port: int
    seconds: float
    neighbour: str = ""
    answered: bool = False


class ProfileScope(NamedTuple):
    """Which Compose profiles a project was read with, and where that came from.

    ``active`` is ``None`` when nothing selected profiles (no ``--profile``,
    no ``COMPOSE_PROFILES``): every service is then checked for exposure (any
    of them could run) and BG005 only pairs services that one profile
    selection starts together.  ``("*",)`` is Compose's "every profile".
    """

    active: tuple[str, ...] | None = None
    source: str = ""  # "--profile" (or the config file) | "COMPOSE_PROFILES"
    defined: tuple[str, ...] = ()  # the profiles the project's services name
    # the selected names may be printed: they came from the command line or the config,
    # or --show-values was given (COMPOSE_PROFILES is a value from the environment)
    names_shown: bool = True

    def all_run_together(self) -> bool:
        return self.active is not None


class Subject(NamedTuple):
    """Everything one source produced: the input to the rule runner.

    ``sources`` lists the files (or engines) that were read, so reports can
    account for clean inputs too.  Engine subjects also carry the engine's
    facts and the compose comparisons of its labelled containers.
    """

    services: tuple[Service, ...] = ()
    problems: tuple[Problem, ...] = ()
    sources: tuple[str, ...] = ()
    engine: EngineFacts | None = None
    comparisons: tuple[Comparison, ...] = ()
    proofs: tuple[NeighbourProof, ...] = ()  # audit --prove: what a neighbour reached
    profiles: ProfileScope = ProfileScope()
    notes: tuple[Note, ...] = ()  # what the verdict assumes (required variables left unset)

    @property
    def bindings(self) -> tuple[Binding, ...]:
        return tuple(b for s in self.services for b in s.bindings)
