"""Which files a report may quote, and what it says about files read outside the checked paths.

bindguard reads more than the user pointed at: an ``include`` or ``extends.file``
can name any path (``/root/.docker/config.json``, ``../../secrets``), a compose
file can be a symlink to ``/proc/self/environ``, env files hold secrets.  A
report is read by many (CI logs, code scanning), so it quotes a line only from a
compose file the user asked to check: one that ``lint`` planned from the given
paths, whose real path lies under them (a symlink counts only when it leads to
another planned file), and that was read as text (not a binary file).  Env
files are never planned, so never quoted.  A file read from outside the given
paths is named in a note that says why it was read; its content never appears.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from bindguard.model import Location, Note


class Reach:
    """The given paths, resolved once, and the files ``lint`` planned from them."""

    def __init__(self, paths: Iterable[str], planned: Iterable[str], cwd_too: bool = False) -> None:
        folders = {p if os.path.isdir(p) else (os.path.dirname(p) or ".") for p in paths}
        if cwd_too:  # ``-f`` files count with the current folder
            folders.add(".")
        self.roots = frozenset(os.path.realpath(f) for f in folders)
        self.planned = frozenset(os.path.normpath(f) for f in planned)
        self._real_planned: frozenset[str] | None = None

    def inside(self, path: str) -> bool:
        """Whether the real path of ``path`` lies under one of the given paths."""
        folder = os.path.dirname(os.path.realpath(path))
        while True:
            if folder in self.roots:
                return True
            parent = os.path.dirname(folder)
            if parent == folder:
                return False
            folder = parent

    def quotable(self, path: str) -> bool:
        """Whether a report may show lines of ``path`` (text-ness is the caller's to check)."""
        key = os.path.normpath(path)
        if key not in self.planned or not self.inside(key):
            return False
        if not os.path.islink(key):
            return True
        if self._real_planned is None:
            self._real_planned = frozenset(
                os.path.realpath(f) for f in self.planned if not os.path.islink(f)
            )
        return os.path.realpath(key) in self._real_planned

    def notes(self, read: Iterable[str], reached: Mapping[str, str]) -> list[Note]:
        """A note for every file read whose real path lies outside the given paths.

        ``reached`` says why a file that another file named was read
        (``included at compose.yaml:3``); a planned file outside is a symlink.
        """
        out = []
        for path in dict.fromkeys(os.path.normpath(p) for p in read):
            if self.inside(path):
                continue
            why = reached.get(path)
            if why is None:
                why = f"a symlink to {os.path.realpath(path)}" if os.path.islink(path) else "named by a checked file"
            out.append(
                Note(
                    f"read although outside the checked paths ({why}); its lines are never shown",
                    Location(file=path),
                )
            )
        return out
