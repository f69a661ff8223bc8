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
from bindguard.pathmatch import under


class Reach:
    """The given paths, resolved once, and the files ``lint`` planned from them."""

    def __init__(self, paths: Iterable[str], planned: Iterable[str], cwd_too: bool = False) -> None:
        folders = {p if os.path.isdir(p) else (os.path.dirname(p) or ".") for p in paths}
        if cwd_too:  # ``-f`` files count with the current folder
            folders.add(".")
        self.roots = frozenset(os.path.realpath(f) for f in folders)
        self.planned = frozenset(os.path.normpath(f) for f in planned)
        self._real_planned: frozenset[str] | None = None
        self._links: dict[str, bool] = {}

    def _is_link(self, path: str) -> bool:
        found = self._links.get(path)
        if found is None:
            found = self._links[path] = os.path.islink(path)
        return found

    def inside(self, path: str) -> bool:
        """Whether the real path of ``path`` lies under one of the given paths."""
        return under(os.path.dirname(os.path.realpath(path)), self.roots)

    def quotable(self, path: str) -> bool:
        """Whether a report may show lines of ``path`` (text-ness is the caller's to check).

        A planned file was found under a given path or named by the user, and folders
        are walked without following links, so only the file itself can lead elsewhere:
        one ``lstat`` per file, and a real path only for symlinks.
        """
        key = os.path.normpath(path)
        if key not in self.planned:
            return False
        if not self._is_link(key):
            return True
        if self._real_planned is None:
            self._real_planned = frozenset(
                os.path.realpath(f) for f in self.planned if not self._is_link(f)
            )
        return os.path.realpath(key) in self._real_planned

    def notes(self, read: Iterable[str], reached: Mapping[str, str]) -> list[Note]:
        """A note for every file read whose real path lies outside the given paths.

        ``reached`` says why a file that another file named was read
        (``included at compose.yaml:3``); a planned file is outside only
        through a symlink.
        """
        out = []
        for path in dict.fromkeys(os.path.normpath(p) for p in read):
            if path in self.planned:
                if not self._is_link(path) or self.inside(path):
                    continue
                why = f"a symlink to {os.path.realpath(path)}"
            elif self.inside(path):
                continue
            else:
                why = reached.get(path, "named by a checked file")
            out.append(
                Note(
                    f"read although outside the checked paths ({why}); its lines are never shown",
                    Location(file=path),
                )
            )
        return out
