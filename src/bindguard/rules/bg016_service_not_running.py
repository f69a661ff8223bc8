"""# BG016 service-not-running

## What it does
With `bindguard audit PATH` (or `-f FILE`), reports a service the compose
project defines, in an active profile, that has no running container on the
engine: where it will listen cannot be confirmed. A warning; an info with
`--allow-stopped`. Reported by `bindguard audit` only, never by `lint`.

## Why is this bad?
A confirmation that skips a stopped service proves nothing about it: the next
`docker compose up` starts it with whatever the engine then makes of its
ports. bindguard never counts a service it could not see as confirmed.

## Example
```text
$ docker compose stop web
$ bindguard audit .
web   -   127.0.0.1:62893->80/tcp   (no container)   not running
```

Use instead: start the project, then confirm it:
```sh
docker compose up -d && bindguard audit .
```

## Fix
Not fixable from bindguard: start the service, or pass `--allow-stopped`
when stopped services are expected.

## Options
None.

## References
- [docker compose up](https://docs.docker.com/reference/cli/docker/compose/up/)
"""

from __future__ import annotations

from collections.abc import Iterator

from bindguard.model import Service, Severity, Violation
from bindguard.rules._hints import service_violation
from bindguard.rules.contract import Rule, Scope
from bindguard.rules.fixinfo import manual

CODE = "BG016"


def check(service: Service, options: object) -> Iterator[Violation]:
    yield service_violation(
        service,
        f"service {service.name!r} of compose project {service.project!r} has no running "
        "container, so where it listens cannot be confirmed",
        f"start it (docker compose -p {service.project} up -d {service.name}), "
        "or pass --allow-stopped if it is meant to be stopped",
        "not running",
    )


# Reported by bindguard.engine.confirm for each active service without a running
# container; the runner has no items of this scope.
RULE = Rule(CODE, "service-not-running", Severity.WARNING, (Scope.CONFIRM,),
            "A service of the audited compose project has no running container",
            since="0.2.0", check=check, doc=__doc__,
            fix=manual(
    "start-service",
    "the compose file is not at fault: start the service (docker compose up -d SERVICE), "
    "or pass --allow-stopped",
))
