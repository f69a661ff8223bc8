"""``bindguard fix``: put published ports on loopback by editing only the bytes that bind them.

Other fixers re-serialise the whole file (dclint re-sorts and re-quotes,
PyYAML loses every comment), which turns a one-word security fix into a
diff nobody can review.  bindguard splices the entry's own text instead:
``"5432:5432"`` becomes ``"127.0.0.1:5432:5432"`` in the same quotes on the
same line, a long-syntax item gains one ``host_ip:`` line indented like its
siblings, and every other byte of the file stays as it was.

The API is three steps, so ``--diff`` and ``--check`` are the same
computation as a real run:

* :func:`plan_fixes` lints, maps each finding back to its text, rewrites,
  and proves the rewrite (it parses, the data is unchanged apart from the
  fixed entries, and lint no longer reports them), all in memory;
* :func:`render_diff` shows a plan as a unified diff;
* :func:`apply` writes the changed files atomically, refusing any file that
  changed on disk since it was read, is read-only, has other hard links, or
  failed verification.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "FIXABLE",
    "MANUAL_REASONS",
    "ApplyResult",
    "Edit",
    "FileFix",
    "FixPlan",
    "ManualItem",
    "apply",
    "map_index",
    "plan_fixes",
    "render_diff",
    "splice",
]

# Where each public name lives.  Imported on first use: ``lint`` imports
# ``bindguard.entryfix.remedy`` for its hints and must not pay for the planner,
# difflib or the writer (issue 8's start-up budget).
_HOMES = {
    "FIXABLE": "planner",
    "MANUAL_REASONS": "planner",
    "map_index": "planner",
    "plan_fixes": "planner",
    "splice": "planner",
    "ApplyResult": "plan",
    "Edit": "plan",
    "FileFix": "plan",
    "FixPlan": "plan",
    "ManualItem": "plan",
    "apply": "writer",
    "render_diff": "diff",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'bindguard.fix' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"bindguard.fix.{home}"), name)
    globals()[name] = value
    return value
