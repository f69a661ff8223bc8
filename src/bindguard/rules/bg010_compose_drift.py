"""# BG010 container-drifted-from-compose

## What it does
For a container created by `docker compose` (it carries the
`com.docker.compose.*` labels), loads the compose files the labels name, as
`bindguard lint` would, and compares them with the container. It reports a
binding that runs on a wider address than the files now declare (the file
says `127.0.0.1`, the container listens on `0.0.0.0`), a port the files no
longer publish, a service the files no longer define, and compose files that
can no longer be found.

With `bindguard audit PATH` the project is loaded as Compose runs it, and
the comparison is exact: a port published on another address or host port
than the files allow, a port the files publish that the container does not,
and a container whose service is gone are each reported. Entries are shown
as the rest of bindguard shows them: a value from the environment or an env
file is `<value of NAME>` unless it is an IP address or a port number.

When the same port is also exposed (BG001, BG002 or BG003 reports it), the
audit says it once: the exposure finding carries the drift's reason
(`(also BG010: created before compose.yaml:12 changed to '127.0.0.1:5432:5432')`)
and lists `BG010` in its `also` field (JSON `also`, SARIF `alsoRuleIds`).
With the exposure rule not selected, BG010 is reported on its own.

## Why is this bad?
Fixing the file does not fix the running container: `"5432:5432"` changed to
`"127.0.0.1:5432:5432"` last week still leaves last week's container
listening on every interface until it is recreated. Lint passes while the
database stays exposed.

## Example
```text
file:      ports: ["127.0.0.1:5432:5432"]
container: 0.0.0.0:5432->5432/tcp, [::]:5432->5432/tcp
```

Use instead: recreate the container from the current file:
```sh
docker compose up -d --force-recreate db
```

## Fix
Not fixed by `bindguard fix` (the file is already right); recreate the
container.

## Options
None.

## References
- [docker compose up --force-recreate](https://docs.docker.com/reference/cli/docker/compose/up/)
"""

from __future__ import annotations

from collections.abc import Iterator

from bindguard.model import Binding, Comparison, Severity, Verdict, Violation, format_address
from bindguard.rules.contract import Rule, Scope
from bindguard.rules.fixinfo import manual

CODE = "BG010"


def _recreate(c: Comparison) -> str:
    return f"recreate it: docker compose -p {c.project} up -d --force-recreate {c.service}"


def _shown(b: Binding) -> str:
    """A declared entry as a report may print it: interpolated values masked (issue 14)."""
    return b.resolved or b.entry


def _written(b: Binding) -> str:
    """A declared entry for a finding's ``entry``: as written when it was interpolated."""
    return b.raw if b.resolved else b.entry


def publish_text(b: Binding) -> str:
    """``127.0.0.1:62893->80/tcp``; ``*`` for every interface, ``random`` host port.

    Only addresses and port numbers, which may always be printed."""
    if not b.host_ip and set(b.effective) == {"0.0.0.0", "::"}:
        where = "*"
    else:
        where = ",".join(format_address(a) for a in b.effective)
    port = b.host_port_text or "random"
    return f"{where}:{port}->{b.container_ports}/{b.protocol}"


def drift_reason(c: Comparison) -> str | None:
    """Why the container's binding is drift, as a clause ("the file now says ..."),
    or ``None`` when it is not (loopback, or no wider than the file).

    The rule's message leads with what the container publishes; an audit that
    already reports that exposure (BG001/BG002/BG003) appends only this clause
    to it instead of saying the port twice (``engine/remedy.py``).  Missing
    compose files are not about one port (``check`` words them on their own).
    """
    b = c.binding
    if b is None or b.verdict is Verdict.LOOPBACK:
        return None
    if not c.service_defined:
        return f"service {c.service!r} is no longer defined in {', '.join(c.files)}"
    if not c.declared:
        return "the compose files no longer publish it"
    widest = max(c.declared, key=lambda d: d.verdict.width)
    if b.verdict.width <= widest.verdict.width:
        return None
    loc = widest.location
    return f"created before {loc.file}:{loc.line} changed to {_shown(widest)!r}"


def _wider(c: Comparison, b: Binding) -> str:
    where = f"{', '.join(b.effective)} port {b.host_port_text or '(random)'}/{b.protocol}"
    if not c.service_defined:
        return (f"service {c.service!r} is no longer defined in {', '.join(c.files)}, "
                f"but its container still publishes {where}")
    if not c.declared:
        return (f"the compose files no longer publish container port {b.container_ports}/{b.protocol}, "
                f"but the container still publishes it on {where}")
    widest = max(c.declared, key=lambda d: d.verdict.width)
    loc = widest.location
    return (f"container publishes {where}, wider than the file now says "
            f"({_shown(widest)!r} at {loc.file}:{loc.line}): it was created from an older version")


def _exact(c: Comparison) -> Iterator[Violation]:
    """What ``audit PATHS`` found (see ``Comparison.exact``): every difference is drift."""
    b = c.binding
    if b is None and not c.declared:
        yield Violation(
            c.location,
            f"service {c.service!r} is no longer defined in {', '.join(c.files)}, but its container still runs",
            f"remove it: docker compose -p {c.project} up -d --remove-orphans",
            c.service,
            "service not defined",
        )
    elif b is None:
        e = c.declared[0]
        yield Violation(
            c.location,
            f"the compose files publish {publish_text(e)} ({_shown(e)!r} at {e.location.file}:{e.location.line}), "
            "but the container does not: it was created from another version or another environment",
            _recreate(c),
            c.service,
            _written(e),
        )
    elif not c.service_defined or not c.declared or drift_reason(c) is not None:
        yield Violation(c.location, _wider(c, b), _recreate(c), c.service, b.entry)
    else:  # the files publish this container port, but not on this address or host port
        says = "; ".join(f"{_shown(d)!r} at {d.location.file}:{d.location.line}" for d in c.declared)
        yield Violation(
            c.location,
            f"container publishes {publish_text(b)}, which the compose files do not say "
            f"(they say {says}): it was created from another version or another environment",
            _recreate(c),
            c.service,
            b.entry,
        )


def check(c: Comparison, options: object) -> Iterator[Violation]:
    if c.missing_files:
        yield Violation(
            c.location,
            f"compose project {c.project!r}: file(s) {', '.join(c.missing_files)} named by the "
            "container's labels can no longer be found, so its bindings cannot be checked against them",
            "restore the files, or remove the container if the project is gone",
            c.service,
            "missing compose files",
        )
        return
    if c.exact:
        yield from _exact(c)
        return
    b = c.binding
    if b is None or drift_reason(c) is None:
        return
    yield Violation(c.location, _wider(c, b), _recreate(c), c.service, b.entry)


RULE = Rule(CODE, "container-drifted-from-compose", Severity.ERROR, (Scope.DRIFT,),
            "Running container is published wider than its compose files now say",
            since="0.1.0", check=check, doc=__doc__,
            fix=manual(
    "recreate-container",
    "the compose file is already right: recreate the container (docker compose up -d --force-recreate SERVICE)",
))
