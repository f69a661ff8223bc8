"""# BG006 unset-variable-in-binding

## What it does
Reports a port entry that uses a variable which is unset (in the environment,
`--env-file` files and the project's `.env`) and has no default, such as
`"${BIND}:5432:5432"` or `"${PORT}:80"`. The message names the variable and
says what the entry becomes while it stays unset.

In the other sources (`--sources`) it also reports a publish whose address
the file cannot decide, with the reason: in a script, a variable the script
never assigns and gives no default (`-p "$HOST:80:80"`), a loop variable,
`"$@"`, a command substitution, `eval` or `-P`; a `${{ }}` expression in a
workflow's port entry; a make function in a recipe. Such a publish is never
counted as loopback.

## Why is this bad?
Compose substitutes an empty string and only warns. An empty host IP means
all interfaces, so `"${BIND}:5432:5432"` quietly becomes `":5432:5432"`,
published on `0.0.0.0` and `::`. Whether the port is safe then depends on
every machine's environment, which a reviewer cannot see.

## Example
```yaml
ports:
  - "${BIND}:5432:5432"
```

Use instead:
```yaml
ports:
  - "${BIND:-127.0.0.1}:5432:5432"
```

## Fix
`bindguard fix` adds a loopback default to a host-IP variable without one
(`${BIND}` becomes `${BIND:-127.0.0.1}`), and a host IP to an entry whose
unset variable is a port (`"${PORT}:80"` becomes `"127.0.0.1:${PORT}:80"`).
An entry that is on loopback whatever the variable holds is reported at
`info` severity: the port is random until the variable is set, but not
exposed.

## Options
None; set the variable (`--env-file`, the environment, `.env`) to change the
verdict.

## References
- [Compose interpolation](https://docs.docker.com/reference/compose-file/interpolation/)
- [Bash: shell parameter expansion](https://www.gnu.org/software/bash/manual/html_node/Shell-Parameter-Expansion.html)
- [docker run: publish all ports (`-P`)](https://docs.docker.com/reference/cli/docker/container/run/#publish-all)
"""

from __future__ import annotations

from collections.abc import Iterator

from bindguard.model import UNSET_VARIABLE, Binding, Problem, Severity, Verdict, Violation
from bindguard.rules._hints import binding_violation, loopback_hint, problem_violation
from bindguard.rules.contract import Rule, Scope
from bindguard.rules.fixinfo import auto

CODE = UNSET_VARIABLE


def check(binding: Binding | Problem, options: object) -> Iterator[Violation]:
    if isinstance(binding, Problem):
        yield from problem_violation(
            binding, CODE, "set the variable or give it a default, e.g. ${NAME:-127.0.0.1}"
        )
        return
    if not binding.variables:
        return
    names = ", ".join(binding.variables)
    resolved = binding.resolved or binding.entry  # never a value that may not be printed
    plural = "s" if len(binding.variables) > 1 else ""
    if binding.verdict is Verdict.LOOPBACK:
        outcome = f"it still resolves to {resolved!r}, on loopback"
    elif not binding.host_ip:
        outcome = (
            f"it resolves to {resolved!r}: no host IP, so all interfaces "
            f"({', '.join(binding.effective)})"
        )
    else:
        outcome = f"it resolves to {resolved!r}"
    loopback = binding.verdict is Verdict.LOOPBACK
    yield binding_violation(
        binding,
        f"variable{plural} {names} unset with no default: {outcome}",
        loopback_hint(binding) if not loopback
        else f"give {binding.variables[0]} a default, e.g. ${{{binding.variables[0]}:-...}}",
        binding.raw or binding.spec(),
        # On loopback whatever the variable holds: worth knowing, not failing for
        # (and what an entry fixed by `bindguard fix` looks like).
        Severity.INFO if loopback else None,
    )


RULE = Rule(CODE, "unset-variable-in-binding", Severity.WARNING, (Scope.BINDING, Scope.PROBLEM),
            "Port entry depends on a variable that is unset and has no default",
            since="0.1.0", check=check, doc=__doc__,
            fix=auto(
    "unset-variable",
    "the entry depends on a variable that is unset and has no default: set it or give it a default",
))
