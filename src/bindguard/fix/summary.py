"""The text ``bindguard fix`` prints: what changed, what is left for a person, and why.

File names and entries come from the file system and the files, so every
line goes through :func:`bindguard.ansi.printable` (no terminal control
sequences, OSC and C1 included), as in the text report.  A file reached
through a symlink is named by the real file that was written.
"""

from __future__ import annotations

import dataclasses
import os

from bindguard.ansi import printable
from bindguard.fix.plan import ApplyResult, FixPlan
from bindguard.reporters.base import normalise_path


def summary_text(plan: FixPlan, result: ApplyResult | None, dry_run: bool) -> str:
    """One line per edit and per manual item, then the counts.

    ``result`` is None for ``--diff``/``--check`` (nothing written).  Each
    entry is counted once: an edit that leaves a port variable unset says so
    in its own line rather than being listed again as manual.
    """
    lines: list[str] = []
    verb = "would fix" if dry_run else "fixed"
    refused = {path for path, _ in (result.errors if result else [])}
    for fix in plan.changed:
        if fix.path in refused:
            continue
        for e in fix.edits:
            # the location style of lint and audit: "path:line:col: CODE ..." (issue 16)
            lines.append(f"{normalise_path(e.file)}:{e.line}:{e.column}: {','.join(e.rules)} {verb}: {e.summary}")
        folder = os.path.realpath(os.path.dirname(fix.path) or ".")
        if fix.real_path != os.path.join(folder, os.path.basename(fix.path)):
            written = "would write" if dry_run else "wrote"
            lines.append(f"{fix.path}: {written} {fix.real_path} (the file the symlink points to)")
    for m in plan.manual:
        lines.append(str(dataclasses.replace(m, file=normalise_path(m.file)) if m.file else m))
    for path, error in [*plan.errors, *(result.errors if result else [])]:
        # said once: the reasons end in "; not written" where the planner words them
        lines.append(f"{path}: not written: {error.removesuffix('; not written')}")
    edits = sum(len(f.edits) for f in plan.changed if f.path not in refused)
    files = len([f for f in plan.changed if f.path not in refused])
    blocked = [f for f in plan.files if f.error or (f.changed and f.path in refused)]
    unwritten = sum(len(f.edits) for f in blocked)
    by_reason = ", ".join(f"{reason} {n}" for reason, n in sorted(plan.manual_by_reason().items()))
    tail = f"{verb} {_entries(edits)} in {_files(files)}"
    if unwritten:
        tail += f"; {_entries(unwritten)} in {_files(len(blocked))} not written (above)"
    if plan.manual:
        tail += f"; {len(plan.manual)} left for manual review ({by_reason})"
    lines.append(tail + ".")
    return "\n".join(printable(line) for line in lines) + "\n"


def _entries(n: int) -> str:
    return f"{n} entr{'y' if n == 1 else 'ies'}"


def _files(n: int) -> str:
    return f"{n} file{'' if n == 1 else 's'}"
