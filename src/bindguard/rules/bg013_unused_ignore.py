"""# BG013 unused-ignore

## What it does
Reports an inline ignore comment, `# bindguard: ignore[CODE] reason`, that
suppresses nothing: no finding of that code is on the line it covers. It also
reports an ignore that names an unknown rule code, and a malformed one: a
comment that starts `# bindguard:` but is not `ignore[CODES] reason` (for
example `# bindguard: ignore kiosk`, brackets missing), which suppresses
nothing although it looks as if it did. A comment at the end of a
line covers that line; a comment alone on its line covers the next line.

## Why is this bad?
A stale exception is a hole waiting to be reused. When the entry is fixed,
moved or deleted, the leftover ignore silently excuses whatever lands on that
line next.

## Example
```yaml
ports:
  - "127.0.0.1:8080:80"  # bindguard: ignore[BG001] temporary, see #42
```

Use instead:
```yaml
ports:
  - "127.0.0.1:8080:80"
```

## Fix
Delete the comment.

## Options
None. An ignore for a rule that is not selected in this run is not reported.

## References
- [ruff: unused-noqa (RUF100)](https://docs.astral.sh/ruff/rules/unused-noqa/)
"""

from __future__ import annotations

from bindguard.model import Location, Severity, Violation
from bindguard.rules.contract import Rule, Scope
from bindguard.rules.fixinfo import manual

CODE = "BG013"


def malformed(location: Location, comment: str) -> Violation:
    """A ``# bindguard:`` comment that is no ``ignore[CODES] reason``."""
    return Violation(
        location,
        f"malformed directive '# {comment}' suppresses nothing: write '# bindguard: ignore[CODE] reason'",
        entry=comment,
    )


def unknown_code(location: Location, codes: tuple[str, ...], code: str) -> Violation:
    return Violation(location, f"ignore names unknown rule code {code}", entry=_written(codes))


def unused(location: Location, codes: tuple[str, ...], covers: int) -> Violation:
    return Violation(
        location, f"unused {_written(codes)}: nothing on line {covers} is reported", entry=_written(codes)
    )


def _written(codes: tuple[str, ...]) -> str:
    return f"ignore[{','.join(codes)}]"


# Findings are made by the ignore machinery (``bindguard.ignores``), not per item;
# the functions above word them.
RULE = Rule(CODE, "unused-ignore", Severity.WARNING, (Scope.IGNORE,), "Inline ignore that suppresses nothing",
            since="0.1.0", doc=__doc__, fix=manual("unused-ignore", "remove the ignore comment, or the code it names"))
