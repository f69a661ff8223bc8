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

import difflib
import os

from bindguard.atomic import write_atomic
from bindguard.bounded_read import read_small_file
from bindguard.compose.yaml_reader import parse_text
from bindguard.fix.plan import ApplyResult, Edit, FileFix, FixPlan, ManualItem
from bindguard.fix.planner import FIXABLE, MANUAL_REASONS, map_index, plan_fixes, splice

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


def _lines(text: str) -> list[str]:
    """Lines with their endings; only ``\\n`` ends a line, as ``diff`` and ``patch`` see it."""
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


def _diff_path(path: str) -> str:
    rel = os.path.relpath(path) if not os.path.isabs(path) or path.startswith(os.getcwd() + os.sep) else path
    return rel.replace(os.sep, "/").lstrip("/")


def render_diff(plan: FixPlan, context: int = 3) -> str:
    """The plan's changes as one unified diff (``a/PATH`` / ``b/PATH``), "" if nothing changes."""
    out: list[str] = []
    for fix in plan.files:
        if not fix.changed:
            continue
        name = _diff_path(fix.path)
        for line in difflib.unified_diff(
            _lines(fix.original_text),
            _lines(fix.new_text),
            f"a/{name}",
            f"b/{name}",
            n=context,
        ):
            if line.endswith("\n"):
                out.append(line)
            else:
                out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)


class _ChangedOnDisk(Exception):
    pass


def _still_as_read(fix: FileFix) -> None:
    """Raise _ChangedOnDisk unless the file has the bytes, size and mtime it was read with."""
    try:
        st = os.stat(fix.real_path)
        data = read_small_file(fix.real_path, len(fix.original_bytes))  # larger now: OSError
    except OSError:
        raise _ChangedOnDisk from None
    if (st.st_size, st.st_mtime_ns) != (fix.size, fix.mtime_ns) or data != fix.original_bytes:
        raise _ChangedOnDisk


def _write(fix: FileFix) -> str | None:
    """Write one file; the reason it was not written, or None."""
    if os.path.realpath(fix.path) != fix.real_path:
        return "changed on disk since it was read (the link points elsewhere now); not written"
    try:
        _still_as_read(fix)
    except _ChangedOnDisk:
        return "changed on disk since it was read; not written, run fix again"
    st = os.stat(fix.real_path)
    if not st.st_mode & 0o222 or not os.access(fix.real_path, os.W_OK):
        return "file is read-only; not written"
    if st.st_nlink > 1:
        # The atomic rename would give this name a new file and leave the
        # other names with the old text; writing in place could leave a half
        # written file.  Neither is acceptable, so the user decides.
        return (
            f"file has {st.st_nlink} hard links and a rewrite would split them; not written "
            "(apply the --diff by hand, or break the link first)"
        )
    if not parse_text(fix.new_text, fix.path).ok:  # planned texts are verified; belt and braces
        return "the rewritten file would not parse; not written"
    try:
        write_atomic(fix.real_path, fix.new_bytes(), before_replace=lambda: _still_as_read(fix))
    except _ChangedOnDisk:
        return "changed on disk while it was being written; not written, run fix again"
    except OSError as exc:
        return f"cannot write: {exc.strerror or exc}"
    return None


def apply(plan: FixPlan) -> ApplyResult:
    """Write every changed file of ``plan``; refused files keep their bytes and are listed."""
    result = ApplyResult()
    for fix in plan.files:
        if fix.error:
            result.errors.append((fix.path, fix.error))
            continue
        if not fix.changed:
            continue
        error = _write(fix)
        if error:
            result.errors.append((fix.path, error))
        else:
            result.written.append(fix.path)
    return result
