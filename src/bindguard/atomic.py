"""Writing files so that they are either fully written or not touched at all.

Used for ``--output`` reports, baselines and ``fix``: the text goes to a
temporary file in the same folder, is flushed and fsynced, and is renamed
over the target; the target's permissions, and its owner where the
process may set it (root fixing another user's file), are kept.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable


def write_atomic(
    path: str,
    data: str | bytes,
    keep_mode: bool = True,
    before_replace: Callable[[], None] | None = None,
) -> None:
    """Replace ``path`` with ``data`` atomically; OSError leaves ``path`` as it was.

    ``before_replace`` runs after the new data is on disk and just before the
    rename; an exception from it cancels the write (``fix`` uses it to check,
    as late as possible, that the file was not changed since it was read).
    """
    directory = os.path.dirname(os.path.abspath(path))
    raw = data.encode("utf-8") if isinstance(data, str) else data
    mode = owner = None
    if keep_mode:
        try:
            st = os.stat(path)
            mode, owner = stat.S_IMODE(st.st_mode), (st.st_uid, st.st_gid)
        except FileNotFoundError:
            pass
    fd, tmp = tempfile.mkstemp(prefix=".bindguard-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        if owner is not None and owner != (os.getuid(), os.getgid()):
            try:
                os.chown(tmp, *owner)
            except PermissionError:
                pass  # not root: the file becomes ours, as with any editor
        if mode is not None:
            os.chmod(tmp, mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        if before_replace is not None:
            before_replace()
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
