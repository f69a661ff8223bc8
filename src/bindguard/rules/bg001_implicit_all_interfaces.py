"""# BG001 implicit-all-interfaces

## What it does
Reports a published port whose entry names no host IP (`"5432:5432"`, `"80"`,
`":8080:80"`, long syntax without `host_ip`), so Docker publishes it on every
interface: `0.0.0.0` and `::`.

The same holds in every other place a repository publishes a port
(`--sources`): `docker run -p 8080:80` in a script, Makefile recipe or CI
step; a GitHub workflow's `services.<name>.ports` (the runner passes each
entry to `docker create -p`); a dev container's `appPort` string or `runArgs`;
a Podman Quadlet `PublishPort=8080:80` (bound on all IPs); a kind
`extraPortMappings` entry without `listenAddress` (default `0.0.0.0`); a pod
spec's `hostPort` without `hostIP` (every address of the node).

## Why is this bad?
Anyone who can reach the host on any of its addresses can reach the port.
Docker writes its own iptables/nftables rules for published ports, so
ufw/firewalld rules do not protect it. Databases published like this are found
by scanners and wiped within hours (CWE-200, CWE-1327).

## Example
```yaml
services:
  db:
    image: postgres:16
    ports:
      - "5432:5432"
```

Use instead:
```yaml
services:
  db:
    image: postgres:16
    ports:
      - "127.0.0.1:5432:5432"
```

## Fix
`bindguard fix` prefixes the entry with `127.0.0.1:` (a container-only port
`"5432"` becomes `"127.0.0.1::5432"`) or adds `host_ip: 127.0.0.1`.

## Options
None of its own. A network whose `com.docker.network.bridge.host_binding_ipv4`
driver option sets a loopback default silences this rule for its services.
An engine's own default host IP (daemon.json `"ip"` for the default bridge,
`default-network-opts` for new networks) is invisible to `lint`, which
assumes Docker's default (every interface) and says so in the message; tell it
the engine's with `--default-host-ip IP` or the config key `default-host-ip`
(`engine`: read from the engine, the default bridge's `host_binding_ipv4`).
`audit` reads the real bindings and needs neither.

## References
- [Docker: published ports](https://docs.docker.com/engine/network/port-publishing/)
- [Docker: setting the default bind address for containers](https://docs.docker.com/engine/network/port-publishing/#setting-the-default-bind-address-for-containers)
- [Docker and ufw](https://docs.docker.com/engine/network/packet-filtering-firewalls/#docker-and-ufw)
- [CWE-1327: Binding to an Unrestricted IP Address](https://cwe.mitre.org/data/definitions/1327.html)
- [GitHub Actions: `jobs.<job_id>.services.<service_id>.ports`](https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#jobsjob_idservicesservice_idports)
- [Dev containers: `appPort`, `runArgs`](https://containers.dev/implementors/json_reference/)
- [podman-systemd.unit(5): `PublishPort=`](https://docs.podman.io/en/latest/markdown/podman-systemd.unit.5.html)
- [kind: extra port mappings, `listenAddress`](https://kind.sigs.k8s.io/docs/user/configuration/#extra-port-mappings)
- [Kubernetes ContainerPort: `hostPort`, `hostIP`](https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#ports)
"""

from __future__ import annotations

from collections.abc import Iterator

from bindguard.model import (
    DOCKER_DEFAULT_ORIGIN,
    Binding,
    Severity,
    Verdict,
    Violation,
    address_verdict,
)
from bindguard.rules._hints import binding_violation, loopback_hint, published
from bindguard.rules.contract import Rule, Scope
from bindguard.rules.fixinfo import auto

CODE = "BG001"


def _why(binding: Binding) -> str:
    if binding.syntax == "engine":
        return binding.default_origin
    if binding.default_origin == DOCKER_DEFAULT_ORIGIN:
        # lint cannot see the engine: a daemon with "ip" or default-network-opts binds elsewhere
        return ("no host IP given, so Docker publishes on every interface "
                "(Docker's default assumed; --default-host-ip tells the engine's)")
    return f"no host IP given; {binding.default_origin}"


def check(binding: Binding, options: object) -> Iterator[Violation]:
    if binding.host_ip or binding.variables or binding.ignored_host_ip:
        return  # explicit address (BG002/BG003), unset variable (BG006), swarm (BG008)
    wild = [a for a in binding.effective if address_verdict(a) is Verdict.WILDCARD]
    if not wild:
        return
    yield binding_violation(
        binding, f"{published(binding)} on all interfaces ({', '.join(wild)}): {_why(binding)}", loopback_hint(binding),
    )


RULE = Rule(CODE, "implicit-all-interfaces", Severity.ERROR, (Scope.BINDING,),
            "Port published on all interfaces because no host IP is given",
            since="0.1.0", check=check, doc=__doc__, fix=auto())
