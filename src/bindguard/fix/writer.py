"""Writing a fix plan: each changed file atomically, and only if it is still as it was read."""

from __future__ import annotations

import os

from bindguard.atomic import write_atomic
from bindguard.bounded_read import read_small_file
from bindguard.compose.yaml_reader import parse_text
from bindguard.fix.plan import ApplyResult, FileFix, FixPlan


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
    if fix.kind == "compose" and not parse_text(fix.new_text, fix.path).ok:  # verified; belt and braces
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
