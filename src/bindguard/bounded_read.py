"""Reading an input file without ever blocking or reading without bound.

Every file bindguard reads on a stranger's behalf (compose files, env files, configs, baselines,
Docker contexts, the file ``fix`` is about to replace) goes through ``read_small_file``: a FIFO,
a device or a file that grows while it is read must not hang a CI job or exhaust its memory.
"""

from __future__ import annotations

import errno
import os
import stat

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
