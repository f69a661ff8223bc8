"""The one parser of port syntax and host addresses, shared by every source.

Compose hands short-syntax strings to the same parser the Docker CLI uses
(go-connections ``nat.ParsePortSpec``), so this module follows that parser's
rules, including what it rejects:

* the spec is split on ``:`` from the right: the last part is the container
  port (with an optional ``/protocol``), the one before it the host port, and
  everything before that the host IP, so ``::1:8080:80`` has host IP ``::1``;
* a host IP in brackets (``[::1]``) loses its brackets, and what is left must
  be an IP literal: ``localhost`` or a left-over ``${X}`` is an error;
* ports are decimal numbers 0-65535 or ``start-end`` ranges; a host range may
  be paired with a single container port (Docker picks one host port from the
  range), otherwise both ranges must have the same size;
* the protocol is ``tcp`` (default), ``udp`` or ``sctp``, in any case.

Long syntax is checked the way compose-go's schema and loader check it.
"""

import ipaddress
from typing import Any, NamedTuple

from bindguard.model import Binding, Location, PortRange

PROTOCOLS = frozenset({"tcp", "udp", "sctp"})
MODES = frozenset({"ingress", "host"})


class PortSyntaxError(ValueError):
    """A port entry or host address that Compose or Docker would reject.

    ``part`` names the part of a short-syntax entry that is wrong ("host IP",
    "host port", "container port", "protocol") and ``span`` is where it is in
    the entry, so a caller can tell which variable made it wrong without
    printing the variable's value (issue 14); None when it is the whole entry.
    """

    part: str | None = None
    span: tuple[int, int] | None = None

    def at(self, part: str, start: int, end: int) -> "PortSyntaxError":
        self.part, self.span = part, (start, end)
        return self


def shown(value: object, limit: int = 60) -> str:
    """``repr(value)`` for a message, cut after ``limit`` characters.

    Messages quote what the file says; a megabyte-long entry must not make a
    megabyte-long message (the entry itself is kept whole in the finding).
    """
    text = repr(value)
    if len(text) <= limit + 20:
        return text
    size = len(value) if isinstance(value, str) else len(text)
    return f"{text[:limit]}... ({size:,} characters)"


class PortSpec(NamedTuple):
    """A parsed port entry, before it is tied to a service and a location."""

    host_ip: str
    host_ports: PortRange | None
    container_ports: PortRange
    protocol: str = "tcp"
    mode: str = "ingress"
    name: str = ""
    app_protocol: str = ""

    def binding(self, service: str, location: Location, entry: str, **fields: Any) -> Binding:
        """The entry as ``service`` publishes it: the one place a parsed entry becomes a
        Binding, for compose files and every other source; ``fields`` are Binding's others
        (``raw``, ``syntax``, the default host address, ...)."""
        return Binding(
            service=service, host_ip=self.host_ip, host_ports=self.host_ports, container_ports=self.container_ports,
            protocol=self.protocol, mode=self.mode, name=self.name, app_protocol=self.app_protocol,
            location=location, entry=entry, **fields,
        )


def parse_host_ip(text: str, brackets: bool = True) -> str:
    """Validate a host IP as Docker does and return it without brackets.

    The address is kept as written (``FE80::1`` stays so): Docker does not
    canonicalise it either.  ``""`` (no address: all interfaces) is returned
    unchanged, and so is ``[]``, which go-connections strips to nothing.
    ``brackets=False`` is for long syntax, where Compose passes ``host_ip``
    to the engine verbatim and ``[::1]`` is not an address.
    """
    if text == "":
        return ""
    ip = text
    if ip.startswith("[") and brackets:
        if not ip.endswith("]") or ip.count("[") != 1 or ip.count("]") != 1:
            raise PortSyntaxError(f"invalid IP address {shown(text)}: unbalanced brackets")
        # Go's SplitHostPort also accepts "[1.2.3.4]" and "[]".
        ip = ip[1:-1]
        if ip == "":
            return ""
    if "%" in ip:
        raise PortSyntaxError(f"invalid IP address {shown(text)}: zone indexes are not allowed")
    try:
        ipaddress.ip_address(ip)
    except ValueError:
        why = "brackets are only removed in short syntax" if ip.startswith("[") else "not an IP literal"
        raise PortSyntaxError(
            f"invalid host IP {shown(text)} ({why}): Docker rejects it or, in versions "
            "before 29, ignores it and publishes on every interface"
        ) from None
    return ip


def _parse_number(text: str, what: str, spec: str) -> int:
    # "080" is 80; a sign is refused: the real docker-compose 2.40.3 says
    # "invalid hostPort: +8080" / "invalid containerPort: +80" (tests/test_oracle_fuzz.py).
    digits = text
    if not digits or not digits.isascii() or not digits.isdigit():
        raise PortSyntaxError(f"invalid {what} {shown(text)} in {shown(spec)}: not a port number")
    # Leading zeros are allowed ("0080"); more than five significant digits
    # is above 65535 whatever they are (and never converted: a megabyte of
    # digits must not reach int()).
    significant = digits.lstrip("0")
    if len(significant) > 5 or int(significant or "0") > 65535:
        raise PortSyntaxError(f"invalid {what} {shown(text)} in {shown(spec)}: above 65535")
    return int(significant or "0")


def parse_range(text: str, what: str = "port", spec: str | None = None) -> PortRange:
    """``"80"`` or ``"9000-9002"`` as a :class:`PortRange` (cut at the first ``-``)."""
    spec = text if spec is None else spec
    start_text, dash, end_text = text.partition("-")
    start = _parse_number(start_text, what, spec)
    end = _parse_number(end_text, what, spec) if dash else start
    if end < start:
        raise PortSyntaxError(f"invalid {what} range {shown(text)} in {shown(spec)}: end before start")
    return PortRange(start, end)


def _host_range(text: str, spec: str) -> PortRange | None:
    """A host port or range; empty or 0 means the engine picks a random port."""
    if not text:
        return None
    host = parse_range(text, "host port", spec)
    return None if host.end == 0 else host


def _container_range(text: str, spec: str) -> PortRange:
    container = parse_range(text, "container port", spec)
    if container.start == 0:
        raise PortSyntaxError(f"container port 0 in {shown(spec)}: the Docker engine refuses it")
    return container


def parse_protocol(text: str, spec: str) -> str:
    proto = text.lower()
    if proto not in PROTOCOLS:
        raise PortSyntaxError(
            f"invalid protocol {shown(text)} in {shown(spec)} (expected tcp, udp or sctp)"
        )
    return proto


def _split_parts(spec: str) -> tuple[str, str, str]:
    parts = spec.split(":")
    if len(parts) == 1:
        return "", "", parts[0]
    if len(parts) == 2:
        return "", parts[0], parts[1]
    return ":".join(parts[:-2]), parts[-2], parts[-1]


def _split_protocol(container: str) -> tuple[str, str]:
    port, slash, proto = container.partition("/")
    if not slash or proto == "":
        return port, "tcp"
    return port, proto


def check_range_sizes(host: PortRange | None, container: PortRange, spec: str) -> None:
    """Docker's pairing rule for host and container ranges."""
    if host is None or host.size == container.size or container.size == 1:
        return
    raise PortSyntaxError(
        f"invalid ranges in {shown(spec)}: host ports {host} and container ports "
        f"{container} differ in size"
    )


def parse_short(spec: str) -> PortSpec:
    """Parse one short-syntax entry (``"127.0.0.1:8080:80/udp"``)."""
    raw_ip, host_text, container_part = _split_parts(spec)
    container_text, proto_text = _split_protocol(container_part)
    # where each part is, for PortSyntaxError.span
    container_at = len(spec) - len(container_part)
    host_at = container_at - 1 - len(host_text) if container_at else 0
    proto_at = container_at + len(container_text) + 1
    try:
        host_ip = parse_host_ip(raw_ip)
    except PortSyntaxError as exc:
        raise exc.at("host IP", 0, len(raw_ip)) from None
    if container_text == "":
        raise PortSyntaxError(f"no container port in {shown(spec)}").at("container port", container_at, len(spec))
    try:
        container = _container_range(container_text, spec)
    except PortSyntaxError as exc:
        raise exc.at("container port", container_at, container_at + len(container_text)) from None
    try:
        host = _host_range(host_text, spec)
    except PortSyntaxError as exc:
        raise exc.at("host port", host_at, host_at + len(host_text)) from None
    check_range_sizes(host, container, spec)
    try:
        protocol = parse_protocol(proto_text, spec)
    except PortSyntaxError as exc:
        raise exc.at("protocol", min(proto_at, len(spec)), len(spec)) from None
    return PortSpec(host_ip, host, container, protocol)


LONG_KEYS = frozenset(
    {"target", "published", "host_ip", "protocol", "mode", "name", "app_protocol"}
)


def parse_long(item: dict[str, object], where: str = "port mapping") -> PortSpec:
    """Parse one long-syntax mapping whose values are already YAML-1.2 typed.

    ``published`` may be an int, a numeric string, or a range string; an
    absent or empty ``published`` means a random host port.
    """
    unknown = sorted(k for k in item if k not in LONG_KEYS and not k.startswith("x-"))
    if unknown:
        raise PortSyntaxError(f"{where}: unknown key {shown(unknown[0])}")
    if "target" not in item or item["target"] is None:
        raise PortSyntaxError(
            f"{where}: no 'target' (container port 0, which the Docker engine refuses)"
        )
    container = _long_port(item["target"], "target", where, allow_range=False)
    if container.start == 0:
        raise PortSyntaxError(f"{where}: target 0: the Docker engine refuses container port 0")
    for key in ("published", "protocol", "mode", "name", "app_protocol"):
        if key in item and item[key] is None:
            # written with no value: Compose's schema refuses the file (found by the differential fuzz)
            kind = "an integer or a string" if key == "published" else "a string"
            raise PortSyntaxError(f"{where}: {key} has no value: Compose refuses it ({key} must be {kind})")
    published = item.get("published")
    if published is None or published == "":
        host = None
    else:
        host = _long_port(published, "published", where, allow_range=True)
        if host.end == 0:
            host = None
    check_range_sizes(host, container, where)

    # Absent: all interfaces.  Written but null or empty: Compose refuses the
    # file ("host_ip must be a string", "invalid ip address: "), so it is an
    # invalid entry (BG007), never read as "no host IP" (issue 20).
    written = "host_ip" in item
    host_ip = item.get("host_ip", "")
    if host_ip is None:
        raise PortSyntaxError(f"{where}: host_ip has no value: Compose refuses it (host_ip must be a string)")
    if not isinstance(host_ip, str):
        raise PortSyntaxError(f"{where}: host_ip must be a string, got {shown(host_ip)}")
    if written and host_ip == "":
        raise PortSyntaxError(
            f"{where}: host_ip is empty: Compose refuses it (invalid ip address); "
            "leave host_ip out for all interfaces, or write 127.0.0.1"
        )
    host_ip = parse_host_ip(host_ip, brackets=False)

    proto = item.get("protocol")
    protocol = "tcp" if proto in (None, "") else parse_protocol(str(proto), where)
    mode = item.get("mode") or "ingress"
    if mode not in MODES:
        raise PortSyntaxError(f"{where}: mode must be 'ingress' or 'host', got {shown(mode)}")
    return PortSpec(
        host_ip,
        host,
        container,
        protocol,
        mode=str(mode),
        name=str(item.get("name") or ""),
        app_protocol=str(item.get("app_protocol") or ""),
    )


def _long_port(value: object, key: str, where: str, allow_range: bool) -> PortRange:
    if isinstance(value, float) and key == "target" and value.is_integer():
        # Compose decodes target into an int from any integral number: 80.0,
        # 1e2 and go-yaml's 080 (not octal, so a float) are 80, 100 and 80.
        value = int(value)
    if isinstance(value, bool):
        raise PortSyntaxError(f"{where}: {key} must be a port number, got {shown(value)}")
    if isinstance(value, int):
        if not 0 <= value <= 65535:
            raise PortSyntaxError(f"{where}: {key} {value} is out of range 0-65535")
        return PortRange(value, value)
    if isinstance(value, str):
        if not allow_range and "-" in value:
            raise PortSyntaxError(f"{where}: {key} must be a single port, got {shown(value)}")
        if value.startswith("+"):
            # The engine parses HostPort with ParseUint: no sign allowed.
            raise PortSyntaxError(f"{where}: {key} {shown(value)}: the Docker engine rejects a sign")
        return parse_range(value, key, where)
    raise PortSyntaxError(f"{where}: {key} must be a port number, got {shown(value)}")
