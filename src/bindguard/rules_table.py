"""``bindguard rules``: one aligned line per rule, summaries wrapped under their column."""

from __future__ import annotations

from collections.abc import Iterable

from bindguard.reporters.wrap import words, wrap


def rules_table(rules: Iterable, width: int | None = None) -> str:
    """Code, severity, name and summary in columns as wide as their longest cell.

    With a ``width`` (a terminal), a summary that does not fit wraps and its
    next lines start under the summary column, so the columns stay aligned.
    """
    rules = list(rules)
    name_width = max((len(r.name) for r in rules), default=0)
    sev_width = max((len(str(r.severity)) for r in rules), default=0)
    out = []
    for r in rules:
        head = f"{r.code}  {str(r.severity):<{sev_width}}  {r.name:<{name_width}}"
        indent = " " * (len(head) + 2)
        room = width - len(indent) if width is not None and width - len(indent) >= 20 else None
        summary = wrap(words(r.summary), room, "")
        out.append(f"{head}  {summary[0]}")
        out += [indent + line for line in summary[1:]]
    return "".join(line + "\n" for line in out)
