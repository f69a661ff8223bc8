"""The one-truth check of issue 13: each finding's ``fix:`` hint is what ``bindguard fix`` does.

For every finding of a lint report, the fix plan made with the same
settings either holds an edit at the finding's place that resolves its code
(the hint must then be the entry exactly as the edit writes it), or a
manual item for that code and place (the hint must then be its reason).
The expected hint is built here from the edit's written text, independently
of the code that formats hints, so a hint that drifts from the fix fails.
"""

from __future__ import annotations

from collections import Counter


def written_hint(edit) -> str:
    """The hint an edit implies: the written entry, or the written ``host_ip`` line."""
    new = edit.new
    if edit.syntax == "short":
        text = f"use {new}"
    elif edit.inserted_line:
        text = f"add {new.strip()}"
    elif new.startswith(", "):
        text = f"add {new[2:]}"  # a flow mapping gains ", host_ip: ..."
    else:
        text = f"set host_ip: {new.strip()}"
    return f"{text} ({edit.note})" if edit.note else text


def mismatches(findings, plan) -> tuple[list[str], Counter]:
    """Every finding whose hint disagrees with the plan, and how findings were matched."""
    edits = {(e.file, e.line, e.column): e for e in plan.edits if not e.merged_duplicate}
    manual = {}
    for m in plan.manual:
        manual.setdefault((m.file, m.line, m.column, m.code), m)
    bad: list[str] = []
    seen: Counter = Counter()
    for f in findings:
        loc = f.location
        place = (loc.file, loc.line, loc.column)
        edit = edits.get(place)
        if edit is not None and f.code in edit.rules:
            seen["edit"] += 1
            # The edit's text is what the file holds after the fix.
            want = written_hint(edit)
            if f.fix != want:
                bad.append(f"{loc} {f.code}: hint {f.fix!r}, fix writes {want!r}")
            continue
        item = manual.get((*place, f.code))
        if item is None:
            bad.append(f"{loc} {f.code}: neither fixed nor listed as manual (hint {f.fix!r})")
            continue
        seen["manual"] += 1
        if f.fix != item.message:
            bad.append(f"{loc} {f.code}: hint {f.fix!r}, fix says {item.reason}: {item.message!r}")
    return bad, seen
