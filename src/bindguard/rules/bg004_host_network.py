"""# BG004 host-network-mode

## What it does
Reports a service with `network_mode: host` (or a container run with
`--network host`). Its `ports:` are ignored: nothing is published, and the
service listens directly on whatever host addresses its process binds.

## Why is this bad?
No Compose setting limits such a service to loopback: a database that binds
`0.0.0.0` inside the container is on every host interface, and bindguard
cannot prove otherwise from the file. Port conflicts with other services and
host processes also become runtime surprises.

## Example
```yaml
services:
  cache:
    image: redis:7
    network_mode: host
```

Use instead:
```yaml
services:
  cache:
    image: redis:7
    ports:
      - "127.0.0.1:6379:6379"
```

## Fix
Never fixed automatically: moving a service off the host network changes how
it reaches other services. Listed as manual by `bindguard fix`.

## Options
None.

## References
- [Docker: host network driver](https://docs.docker.com/engine/network/drivers/host/)
- [Compose `network_mode`](https://docs.docker.com/reference/compose-file/services/#network_mode)
"""

from __future__ import annotations

from collections.abc import Iterator

from bindguard.model import Service, Severity, Violation
from bindguard.rules._hints import service_violation
from bindguard.rules.contract import Rule, Scope
from bindguard.rules.fixinfo import manual

CODE = "BG004"


def check(service: Service, options: object) -> Iterator[Violation]:
    if service.network_mode != "host":
        return
    dropped = len(service.discarded) or len(service.bindings)
    ignored = ("; its ports: entry is ignored" if dropped == 1
               else f"; its {dropped} ports: entries are ignored" if dropped else "")
    yield service_violation(
        service,
        f"service {service.name!r} uses the host network: nothing is published, it "
        f"listens on every host address its process binds{ignored}",
        'remove network_mode: host and publish with "127.0.0.1:PORT:PORT"',
        "network_mode: host",
        service.network_mode_location,
    )


RULE = Rule(CODE, "host-network-mode", Severity.ERROR, (Scope.SERVICE,),
            "Service uses the host network: it listens on every interface its process binds",
            since="0.1.0", check=check, doc=__doc__,
            fix=manual(
    "host-network",
    "network_mode: host cannot be limited to loopback by an edit: move the service to a "
    "network and publish its ports on 127.0.0.1 by hand",
))
