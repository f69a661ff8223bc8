"""# BG012 ignore-without-reason

## What it does
Reports an inline ignore comment, `# bindguard: ignore[BG001]`, that gives no
reason after the brackets. The ignore still takes effect; this finding asks
for the reason.

## Why is this bad?
An exception to "every port on loopback" is a security decision. Without a
reason in the file, the next reader cannot tell a deliberate LAN service from
a forgotten debug port, and nobody can review the decision.

## Example
```yaml
ports:
  - "8080:80"  # bindguard: ignore[BG001]
```

Use instead:
```yaml
ports:
  - "8080:80"  # bindguard: ignore[BG001] kiosk display on the shop LAN, firewalled upstream
```

## Fix
Not fixed automatically: only a person knows the reason.

## Options
None.

## References
- [ruff: unused-noqa (RUF100)](https://docs.astral.sh/ruff/rules/unused-noqa/)
"""

from __future__ import annotations

from bindguard.model import Location, Severity, Violation
from bindguard.rules.contract import Rule, Scope
from bindguard.rules.fixinfo import manual

CODE = "BG012"


def no_reason(location: Location, codes: tuple[str, ...]) -> Violation:
    """The finding for a directive without a reason; ``bindguard.ignores`` finds the directives."""
    written = f"ignore[{','.join(codes)}]"
    return Violation(location, f"{written} has no reason: say why the exception is safe", entry=written)


# Findings are made by the ignore machinery (``bindguard.ignores``), not per item.
RULE = Rule(CODE, "ignore-without-reason", Severity.WARNING, (Scope.IGNORE,), "Inline ignore without a reason",
            since="0.1.0", doc=__doc__, fix=manual("ignore-reason", "write the reason after the ignore comment"))
