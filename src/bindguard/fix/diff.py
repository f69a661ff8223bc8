"""``fix --diff``: a plan as one unified diff that shows only the lines that change.

``difflib.unified_diff`` cannot be told to drop its "automatic junk"
heuristic, which treats any line occurring in more than 1% of a file over
200 lines as junk (a compose file repeats ``ports:`` and ``image:`` lines
often), so unchanged lines showed as removed and added again.  The same
format is produced here from a ``SequenceMatcher`` with ``autojunk=False``.
File names come from the file system and are escaped like the text report.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator

from bindguard.ansi import printable
from bindguard.fix.plan import FixPlan


def _lines(text: str) -> list[str]:
    """Lines with their endings; only ``\n`` ends a line, as ``diff`` and ``patch`` see it."""
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


def _diff_path(path: str) -> str:
    rel = os.path.relpath(path) if not os.path.isabs(path) or path.startswith(os.getcwd() + os.sep) else path
    return printable(rel.replace(os.sep, "/").lstrip("/"))


def _range(start: int, stop: int) -> str:
    """A hunk range as ``diff -u`` writes it (``difflib``'s own rule)."""
    beginning = start + 1
    length = stop - start
    if length == 1:
        return f"{beginning}"
    if not length:
        beginning -= 1
    return f"{beginning},{length}"


def unified(a: list[str], b: list[str], old: str, new: str, context: int = 3) -> Iterator[str]:
    """``difflib.unified_diff(a, b, old, new, n=context)`` without the junk heuristic."""
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    started = False
    for group in matcher.get_grouped_opcodes(context):
        if not started:
            started = True
            yield f"--- {old}\n"
            yield f"+++ {new}\n"
        first, last = group[0], group[-1]
        yield f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n"
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for line in a[i1:i2]:
                    yield " " + line
                continue
            if tag in ("replace", "delete"):
                for line in a[i1:i2]:
                    yield "-" + line
            if tag in ("replace", "insert"):
                for line in b[j1:j2]:
                    yield "+" + line


def render_diff(plan: FixPlan, context: int = 3) -> str:
    """The plan's changes as one unified diff (``a/PATH`` / ``b/PATH``), "" if nothing changes."""
    out: list[str] = []
    for fix in plan.files:
        if not fix.changed:
            continue
        name = _diff_path(fix.path)
        for line in unified(_lines(fix.original_text), _lines(fix.new_text), f"a/{name}", f"b/{name}", context):
            if line.endswith("\n"):
                out.append(line)
            else:
                out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)
