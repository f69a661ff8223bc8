"""Options the rules read, one frozen value built by the config/CLI layer."""

import ipaddress
from typing import NamedTuple

from bindguard.ports import shown

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Expectation(NamedTuple):
    """``--expect SERVICE=IP:PORT``: the one binding a service must have."""

    service: str
    address: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"{host}:{self.port}"


class RuleOptions(NamedTuple):
    """``allow``: CIDRs BG003 accepts; ``expect``: BG009's expectations."""

    allow: tuple[Network, ...] = ()
    expect: tuple[Expectation, ...] = ()

    def allowed(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip.version == net.version and ip in net for net in self.allow)


def parse_cidr(text: str) -> Network:
    """A CIDR or a single address; ValueError with a clear message otherwise."""
    try:
        return ipaddress.ip_network(text.strip().strip("[]"), strict=False)
    except ValueError:
        raise ValueError(f"not a CIDR or IP address: {shown(text)}") from None


def parse_expectation(text: str) -> Expectation:
    """``SERVICE=IP:PORT`` (IPv6 in brackets)."""
    service, eq, target = text.partition("=")
    if not eq or not service.strip():
        raise ValueError(f"expected SERVICE=IP:PORT, got {shown(text)}")
    host, colon, port = target.rpartition(":")
    if not colon or not port.isdigit() or len(port) > 5 or not 0 < int(port) <= 65535:
        raise ValueError(f"expected SERVICE=IP:PORT with a port 1-65535, got {shown(text)}")
    host = host.strip("[]")
    try:
        address = str(ipaddress.ip_address(host))
    except ValueError:
        raise ValueError(f"not an IP address in {shown(text)}: {shown(host)}") from None
    return Expectation(service.strip(), address, int(port))
