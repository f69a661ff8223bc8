"""# BG008 swarm-ignores-host-ip

## What it does
With `--swarm` (files for `docker stack deploy`), reports a port entry that
sets a host IP, such as `"127.0.0.1:8080:80"` or `host_ip: 127.0.0.1`.
Swarm ignores it. In swarm mode every published port is treated as exposed:
entries without a host IP are reported by BG001 as well.

## Why is this bad?
Swarm publishes ports through the ingress routing mesh on every address of
every node (`mode: host` publishes on every address of the node running the
task). The `127.0.0.1` in the file reads as "local only" but gives no
protection, so a reviewer is misled.

## Example
```yaml
services:
  api:
    image: example/api:1
    ports:
      - "127.0.0.1:8080:80"
```

Use instead: do not publish the port; reach it over an overlay network from
a service that needs it, or put the stack behind a firewall that filters the
published port on every node.
```yaml
services:
  api:
    image: example/api:1
    networks: [backend]
```

## Fix
Not fixable automatically: the port must be unpublished or protected
outside the file.

## Options
Only active with `--swarm`.

## References
- [Swarm: use swarm mode routing mesh](https://docs.docker.com/engine/swarm/ingress/)
- [Compose deploy spec: ports in swarm](https://docs.docker.com/reference/compose-file/services/#ports)
"""

from __future__ import annotations

from collections.abc import Iterator

from bindguard.model import Binding, Severity, Violation
from bindguard.rules._hints import SWARM_HINT
from bindguard.rules.contract import Rule, Scope
from bindguard.rules.fixinfo import manual

CODE = "BG008"


def check(binding: Binding, options: object) -> Iterator[Violation]:
    if not binding.ignored_host_ip:
        return
    mode = "host mode publishes on every address of the task's node" if binding.mode == "host" \
        else "the ingress routing mesh publishes on every address of every node"
    yield Violation(
        binding.location,
        f"swarm ignores host IP {binding.ignored_host_ip}: {mode}, so host port "
        f"{binding.host_port_text or '(random)'}/{binding.protocol} is exposed",
        SWARM_HINT,
        binding.service,
        binding.entry,
    )


RULE = Rule(CODE, "swarm-ignores-host-ip", Severity.ERROR, (Scope.BINDING,),
            "Swarm ignores the host IP: the port is published on every node's every address",
            since="0.1.0", check=check, doc=__doc__,
            fix=manual(
    "swarm",
    "swarm ignores host IPs, so no edit of the entry limits it: do not publish it in a stack",
))
