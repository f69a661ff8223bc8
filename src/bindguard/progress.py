"""A progress line for long runs, on a terminal only (issue 29).

A lint of thousands of files or an audit of many engines can take several
seconds; silence then looks like a hang.  The line goes to stderr (stdout
stays the report, byte for byte), appears only when stderr is a terminal and
the run has already taken ``DELAY`` seconds, is rewritten in place at most
ten times a second, and is erased when the run ends: a pipe, a file or a CI
log never sees it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

DELAY = 1.5  # seconds before the line appears
INTERVAL = 0.1  # seconds between two redraws


class Progress:
    """``done/total what`` on one terminal line; a no-op off a terminal."""

    def __init__(self, what: str, total: int, stream: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic, tty: bool | None = None) -> None:
        self.what = what
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self.start = clock()
        self.done = 0
        self.shown = False
        self.last = 0.0
        self._tty = tty if tty is not None else _is_terminal(self.stream)
        self.live = self._tty and total > 1

    def step(self, n: int = 1) -> None:
        self.done += n
        if not self.live:
            return
        now = self.clock()
        if now - self.start < DELAY or (self.shown and now - self.last < INTERVAL):
            return
        self.stream.write(f"\r\x1b[Kbindguard: {self.done}/{self.total} {self.what}")
        self.stream.flush()
        self.shown, self.last = True, now

    def update(self, done: int, total: int) -> None:
        """Set the count (for work whose total is known only once it starts)."""
        self.total = total
        self.live = self.live or (self._tty and total > 1)
        self.step(done - self.done)

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
