"""# BG009 expected-binding-missing

## What it does
Checks expectations given with `--expect SERVICE=IP:PORT` (or `expect` in the
config): the service must publish exactly that address and host port, such
as `app=127.0.0.1:62893`. If it does not, the finding is on the service's
line and says what the service publishes instead. An expected service that
no linted file defines is reported too.

## Why is this bad?
This answers "is my dev service really on 127.0.0.1:62893?". Ports drift:
an override file changes them, a variable moves them, or a refactor drops the
host IP. The service then ends up somewhere other than where its users and
documentation expect it.

## Example
```yaml
# bindguard lint --expect app=127.0.0.1:62893
services:
  app:
    ports:
      - "62893:80"
```

Use instead:
```yaml
services:
  app:
    ports:
      - "127.0.0.1:62893:80"
```

## Fix
Not fixed automatically: the expectation and the file disagree, and only a
person knows which is right.

## Options
- `expect`: mapping of service to `IP:PORT` (`--expect SERVICE=IP:PORT`,
  repeatable).

## References
- [Compose `ports`](https://docs.docker.com/reference/compose-file/services/#ports)
"""

from __future__ import annotations

from collections.abc import Iterator

from bindguard.model import Binding, Location, Severity, Subject, Violation, format_address, same_address
from bindguard.rules._hints import service_violation
from bindguard.rules.contract import Rule, Scope
from bindguard.rules.fixinfo import manual
from bindguard.rules.options import Expectation, RuleOptions

CODE = "BG009"


def matches(binding: Binding, want: Expectation) -> bool:
    ports = binding.host_ports
    return (
        ports is not None
        and ports.start == ports.end == want.port
        and len(binding.effective) == 1
        and same_address(binding.effective[0], want.address)
    )


def describe(binding: Binding) -> str:
    addresses = ", ".join(format_address(a) for a in binding.effective)
    port = binding.host_port_text or "(random port)"
    return f"{addresses} port {port}/{binding.protocol}"


def check(subject: Subject, options: RuleOptions) -> Iterator[Violation]:
    for want in options.expect:
        for service in subject.services:
            if service.name != want.service:
                continue
            if any(matches(b, want) for b in service.bindings):
                continue
            if service.network_mode == "host":
                actual = "nothing: it uses the host network"
            elif service.bindings:
                actual = "; ".join(describe(b) for b in service.bindings)
            else:
                actual = "nothing"
            yield service_violation(
                service,
                f"service {service.name!r} should publish {want} but publishes {actual}",
                f'publish "{format_address(want.address)}:{want.port}:<container port>"',
                str(want),
            )


def undefined(services: set[str], options: RuleOptions) -> Iterator[Violation]:
    """An expected service that no linted project defines (``lint`` asks, with every service it read)."""
    for want in options.expect:
        if want.service not in services:
            yield Violation(
                Location(),
                f"service {want.service!r} should publish {want} but no linted file defines it",
                f"lint the file that defines {want.service!r}, or correct --expect {want.service}=...",
                want.service,
                str(want),
            )


# Why an expected service could not be checked at all, and what to do about it; words every
# BG009 finding of `audit PATHS`/`--expect` about a service that is not there (``absent``;
# ``undefined`` is lint's).
NOT_RUNNING = "not running"  # audit PATHS: the project defines it, no container of it runs
NOT_NAMED = "not named"  # audit --expect: no running container has that name or service label
_ABSENT = {
    NOT_RUNNING: ("no container of it is running", "start it: docker compose -p {project} up -d {service}"),
    NOT_NAMED: (
        "no running container is named so or carries that compose service label",
        "start it, or check the name (compose service label or container name)",
    ),
}


def absent(want: Expectation, location: Location, why: str, project: str = "") -> Violation:
    """The finding for an expectation whose service is not there to check (``why``: NOT_RUNNING
    or NOT_NAMED; ``project`` as a report may print it)."""
    clause, fix = _ABSENT[why]
    return Violation(
        location,
        f"service {want.service!r} should publish {want} but {clause}",
        fix.format(project=project, service=want.service),
        want.service,
        str(want),
    )


RULE = Rule(CODE, "expected-binding-missing", Severity.ERROR, (Scope.PROJECT,), "Service does not publish the expected IP:PORT",
            since="0.1.0", check=check, options={"expect": "service to IP:PORT"}, doc=__doc__,
            fix=manual(
    "expected-binding",
    "which entry should publish the expected address is a human choice: edit the service, or --expect",
))
