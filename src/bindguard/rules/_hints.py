"""What the rules share: fix hints that ask for a loopback address, and the
Violation about a binding, a service or a source Problem (its place, its
service and its entry taken from the item, the same way in every rule)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from bindguard.model import Binding, Location, Problem, Service, Severity, Violation


def loopback_for(binding: Binding) -> str:
    """The loopback address of the same family as the binding's host IP."""
    if binding.host_ip:
        try:  # the effective address: ::ffff:0.0.0.0 is IPv4 to the engine
            if ipaddress.ip_address(binding.effective[0]).version == 6:
                return "::1"
        except ValueError:
            pass
    return "127.0.0.1"


SWARM_HINT = "do not publish this port in a stack; use an overlay network, or filter it on every node"


def loopback_hint(binding: Binding) -> str:
    """``use "127.0.0.1:5432:5432"`` or ``set host_ip: 127.0.0.1``."""
    if binding.swarm:
        return SWARM_HINT
    address = loopback_for(binding)
    if binding.syntax == "long":
        return f"set {binding.address_key or 'host_ip'}: {address}"
    if binding.syntax == "engine":
        return f"recreate with -p {binding.spec(address)}"
    return f'use "{binding.spec(address)}"'


def published(binding: Binding) -> str:
    """``host port 5432/tcp listens`` or ``a random host port ... listens``: subject and verb."""
    proto = binding.protocol
    if binding.host_ports is None:
        return f"a random host port (container {binding.container_ports}/{proto}) listens"
    if binding.host_ports.size > 1:
        return f"host ports {binding.host_ports}/{proto} listen"
    return f"host port {binding.host_ports}/{proto} listens"


def problem_violation(problem: Problem, code: str, fix: str = "") -> Iterator[Violation]:
    """The Violation for a source Problem that carries ``code`` (BG000, BG006, BG007)."""
    if problem.code == code:
        yield Violation(problem.location, problem.message, fix, problem.service, problem.entry)


def binding_violation(binding: Binding, message: str, fix: str, entry: str | None = None,
                      severity: Severity | None = None) -> Violation:
    """A Violation at the binding's entry, for its service; ``entry`` defaults to the entry as published."""
    return Violation(binding.location, message, fix, binding.service,
                     binding.spec() if entry is None else entry, severity)


def service_violation(service: Service, message: str, fix: str, entry: str,
                      location: Location | None = None) -> Violation:
    """A Violation about a whole service, at ``location`` (default: where the service is defined)."""
    return Violation(location or service.location, message, fix, service.name, entry)
