"""Writing files so that they are either fully written or not touched at all.

Used for ``--output`` reports, baselines and ``fix``: the text goes to a
temporary file in the same folder, is flushed and fsynced, and is renamed
over the target; the target's permissions, and its owner where the
process may set it (root fixing another user's file), are kept.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from typing import Callable

_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)


def read_small_file(path: str, limit: int = 16 * 1024 * 1024) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; OSError otherwise.

    A FIFO or device must never block the run or be read until memory runs
    out, so the file is opened non-blocking and checked with fstat before a
    bounded read.  The first read asks for the size fstat gave plus one byte,
    so a file is normally read in one call and no buffer of ``limit`` bytes is
    ever allocated (compose files are read this way, thousands per run).
    A too-large file raises ``EFBIG``, a non-regular one ``EINVAL``.
    """
    fd = os.open(path, _READ_FLAGS)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", path)
        if st.st_size > limit:
            raise OSError(errno.EFBIG, f"larger than {limit // 2**20} MiB", path)
        chunks, size = [], 0
        want = st.st_size + 1
        while chunk := os.read(fd, min(want, limit + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:  # it grew after fstat
                raise OSError(errno.EFBIG, f"larger than {limit // 2**20} MiB", path)
            want = 1 << 16
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    finally:
        os.close(fd)


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
