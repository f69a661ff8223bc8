"""Probe targets: a port, maybe an address of this host, maybe ``/udp``.

Why only IP literals: the probe connects to nothing but this host's own
addresses, and a hostname could resolve to another machine.  The address
helpers live here too, because "would a socket on X accept a connection to
Y" is the same question for targets, sockets and ``--free``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

TCP = "tcp"
UDP = "udp"


@dataclass(frozen=True, slots=True)
class Target:
    """A port to probe, optionally on one address of this host.

    ``address`` is an IP literal without brackets, or ``None`` for "any
    address".  ``0.0.0.0`` / ``::`` mean "any address of that family".
    """

    port: int
    address: str | None = None
    protocol: str = TCP

    def __post_init__(self) -> None:
        if not 1 <= self.port <= 65535:
            raise ValueError(f"port {self.port} is out of range (1-65535)")
        if self.protocol not in (TCP, UDP):
            raise ValueError(f"unknown protocol {self.protocol!r} (expected tcp or udp)")
        if self.address is not None:
            ip_of(self.address)  # raises ValueError for anything but an IP literal

    def __str__(self) -> str:
        text = str(self.port) if self.address is None else f"{bracket(self.address)}:{self.port}"
        return text if self.protocol == TCP else f"{text}/{self.protocol}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": str(self),
            "address": self.address,
            "port": self.port,
            "protocol": self.protocol,
        }


_USAGE = "expected PORT, IP:PORT or [IPv6]:PORT, optionally followed by /tcp or /udp"


def parse_target(text: str) -> Target:
    """Parse ``62893``, ``127.0.0.1:62893``, ``[::1]:62893``, ``0.0.0.0:80/udp``.

    Hostnames are rejected on purpose: the probe only ever connects to this
    host's own addresses, and a name could resolve to another machine.
    """
    if not isinstance(text, str):
        raise ValueError(f"target must be text, not {type(text).__name__}")
    raw = text.strip()
    if not raw:
        raise ValueError(f"empty target: {_USAGE}")
    body, protocol = raw, TCP
    if "/" in raw:
        body, _, proto = raw.rpartition("/")
        protocol = proto.strip().lower()
        if protocol not in (TCP, UDP):
            raise ValueError(f"{text!r}: unknown protocol {proto!r} (expected tcp or udp)")
    address: str | None = None
    if body.startswith("["):
        close = body.find("]")
        if close < 0:
            raise ValueError(f"{text!r}: missing ']' after the IPv6 address")
        host, rest = body[1:close], body[close + 1 :]
        if not rest.startswith(":") or not rest[1:]:
            raise ValueError(f"{text!r}: missing port after ']' ({_USAGE})")
        address, port_text = _address(host, text), rest[1:]
    elif body.count(":") == 0:
        port_text = body
    elif body.count(":") == 1:
        host, port_text = body.split(":")
        if not host:
            raise ValueError(f"{text!r}: missing address before ':' ({_USAGE})")
        address = _address(host, text)
    else:
        raise ValueError(f"{text!r}: put an IPv6 address in brackets, e.g. [::1]:PORT")
    return Target(port=_port(port_text, text), address=address, protocol=protocol)


def _address(host: str, text: str) -> str:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if any(c.isalpha() for c in host) and ":" not in host:
        raise ValueError(
            f"{text!r}: hostnames are not accepted ({host!r}); the probe only connects "
            "to this host's own addresses, so give an IP literal such as 127.0.0.1 or [::1]"
        )
    raise ValueError(f"{text!r}: {host!r} is not a valid IP address")


def _port(port_text: str, text: str) -> int:
    port_text = port_text.strip()
    if not port_text:
        raise ValueError(f"{text!r}: missing port ({_USAGE})")
    if not port_text.isdigit() or not port_text.isascii():
        raise ValueError(f"{text!r}: {port_text!r} is not a port number")
    port = int(port_text)
    if not 1 <= port <= 65535:
        raise ValueError(f"{text!r}: port {port} is out of range (1-65535)")
    return port


def bracket(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def ip_of(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """An IP without its zone; IPv4-mapped IPv6 becomes the IPv4 address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def scope_of(address: str) -> str:
    ip = ip_of(address)
    if ip.is_unspecified:
        return "all-interfaces"
    if ip.is_loopback:
        return "loopback"
    return "specific"


def accepts(socket_address: str, target_address: str | None) -> bool:
    """Would a socket bound to ``socket_address`` accept connections to the target?

    A wildcard covers every address of its family, and on Linux ``::`` covers
    IPv4 too unless IPV6_V6ONLY is set.  A target of ``0.0.0.0`` or ``::``
    means "any address of that family".
    """
    if target_address is None:
        return True
    s, t = ip_of(socket_address), ip_of(target_address)
    v6_wild = s.version == 6 and s.is_unspecified
    if t.is_unspecified:
        return s.version == t.version or (t.version == 4 and v6_wild)
    if s == t:
        return True
    if s.is_unspecified and s.version == t.version:
        return True
    return t.version == 4 and v6_wild
