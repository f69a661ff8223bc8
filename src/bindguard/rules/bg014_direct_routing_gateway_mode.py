"""# BG014 direct-routing-gateway-mode

## What it does
Reports a service attached to a bridge network whose gateway mode lets other
hosts route straight to its containers (driver option
`com.docker.network.bridge.gateway_mode_ipv4` or `gateway_mode_ipv6`, Docker
Engine 27 and newer):
- `nat-unprotected`: the service itself is reported. Every container port,
  published or not, is open on the container's address, because Docker sets
  up no port filtering for the network.
- `routed`: each published port on loopback or a specific address is
  reported. In this mode Docker ignores the host IP and host port of a
  mapping, using the host IP only to pick IPv4 or IPv6. The container port is
  then open on the container's own address to any host with a route to the
  network, so `127.0.0.1:8080:80` does not keep port 80 local.

The other modes are not reported: `nat` (the default) publishes only on the
host address given, and `isolated` (28.0+, internal networks only) has no
gateway at all. Checked against Docker 28 and 29's port-publishing page: in
`routed` mode "firewall rules are still set up so that only published
container ports are accessible", and a specific host address or host port in
a mapping "will have no effect on the published port"; `nat-unprotected`
sets up no port filtering. Two more ways around the host address are not
per network and so not BG014's: the daemon option `allow-direct-routing`
(invisible to the API, see docs/limits.md) and a network's
`trusted_host_interfaces` (reported by BG011).

A family only counts when the network has it: IPv6 needs `enable_ipv6: true`,
and IPv4 is off with `enable_ipv4: false`. `bindguard audit` reports the same
for running containers, per container, on engines that apply gateway modes
(Docker 27.0 and newer; older ones keep the option but ignore it).

## Why is this bad?
bindguard's other rules reason about host addresses. On these networks the
host address is not what decides who can connect. Hosts on the same L2
segment can add a static route to the container subnet through the Docker
host, and so can routed networks whose routers know it. A database
"published on 127.0.0.1", or never published at all, is then reachable by
them.

## Example
```yaml
services:
  db:
    image: postgres:16
    ports:
      - "127.0.0.1:5432:5432"
    networks: [backend]
networks:
  backend:
    driver_opts:
      com.docker.network.bridge.gateway_mode_ipv4: routed
```

Use instead:
```yaml
networks:
  backend: {}   # the default mode, nat: only the host address given is published
```

## Fix
Not fixed automatically: routed networks are set up on purpose, and the fix
is a network design decision (default `nat` mode, or a host firewall in front
of the container subnet). Listed as manual by `bindguard fix`.

## Options
None.

## References
- [Docker: gateway modes](https://docs.docker.com/engine/network/port-publishing/#gateway-modes)
- [Docker: direct routing](https://docs.docker.com/engine/network/port-publishing/#direct-routing)
- [moby/moby#49325: 28.0.0 drops direct remote connections in nat mode, not in routed or nat-unprotected](https://github.com/moby/moby/pull/49325)
- [moby/moby#49832: trusted_host_interfaces and allow-direct-routing](https://github.com/moby/moby/pull/49832)
"""

from __future__ import annotations

from collections.abc import Iterator

from bindguard.model import Binding, GatewayMode, Service, Severity, Verdict, Violation
from bindguard.rules._hints import binding_violation, service_violation
from bindguard.rules.contract import Rule, Scope
from bindguard.rules.fixinfo import manual

CODE = "BG014"

_FAMILY = {"ipv4": "IPv4", "ipv6": "IPv6"}


def _families(binding: Binding) -> set[str]:
    """The address families a mapping applies to (its host IP decides, in routed mode)."""
    return {"ipv6" if ":" in address else "ipv4" for address in binding.effective}


def _option(mode: GatewayMode) -> str:
    return f"gateway_mode_{mode.family}: {mode.mode}"


def check(service: Service, options: object) -> Iterator[Violation]:
    for mode in service.gateway_modes:
        family = _FAMILY[mode.family]
        where = f"network {mode.network!r} ({_option(mode)}"
        if mode.location.file:
            where += f", {mode.location}"
        where += ")"
        if mode.mode == "nat-unprotected":
            yield service_violation(
                service,
                f"service {service.name!r} is on {where}: every container port, published or "
                f"not, is reachable on the container's {family} address by any host that routes "
                "to the network; Docker filters no ports there",
                "use the default gateway mode (nat) for this network",
                f"{mode.network}: {_option(mode)}",
            )
            continue
        for binding in service.bindings:
            if binding.verdict in (Verdict.WILDCARD, Verdict.INVALID) or mode.family not in _families(binding):
                continue  # wildcards are BG001/BG002's, and another family is not routed here
            yield binding_violation(
                binding,
                f"container port {binding.container_ports}/{binding.protocol} is reachable on the "
                f"container's {family} address by any host that routes to {where}: routed mode "
                f"ignores the host IP {binding.host_ip or ', '.join(binding.effective)} and the host port",
                "use the default gateway mode (nat) for this network, or do not publish the port",
            )


RULE = Rule(CODE, "direct-routing-gateway-mode", Severity.ERROR, (Scope.SERVICE,),
            "Network gateway mode lets other hosts route to the container, past the host IP",
            since="0.1.0", check=check, doc=__doc__,
            fix=manual(
    "gateway-mode",
    "the network's gateway mode routes past the host IP, so no edit of the entry limits it: "
    "use the default mode (nat) or firewall the container subnet",
))
