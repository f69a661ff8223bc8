"""``--exclude`` patterns matched the way ``.gitignore`` and ruff match them (issue 29).

- A pattern without a slash (``sub``, ``*.bak``, ``sub/``) matches a file or
  folder of that name at any depth; a trailing slash matches folders only.
- A pattern with a slash elsewhere (``nested/sub``, ``/sub``, ``docs/*.yml``)
  is anchored at its base: the current folder for ``--exclude``, the config
  file's folder for the config key ``exclude``.
- A matched folder excludes everything below it, and is not walked at all.
- ``*`` and ``?`` stay within one path component, ``[...]`` is a set, and
  ``**`` matches any number of folders (``**/tmp``, ``a/**/b``).

A pattern that matched nothing is reported (a typo would otherwise leave a
folder checked that the user meant to skip, or the reverse).  Matching works
component by component with ``fnmatch`` and a table over (pattern segment,
path component), so its cost is the product of their counts whatever the
pattern holds: no regular expression over a whole path, whose backtracking a
pattern from a pull request's config could make exponential.
"""

from __future__ import annotations

import os
from fnmatch import fnmatchcase


class _Pattern:
    __slots__ = ("text", "segments", "anchored", "dir_only", "used")

    def __init__(self, text: str) -> None:
        self.text = text
        body = text.replace("\\", "/")
        self.dir_only = body.endswith("/")
        body = body.strip("/") if body.startswith("/") else body.rstrip("/")
        self.anchored = "/" in body or text.replace("\\", "/").startswith("/")
        self.segments = [s for s in body.split("/") if s not in ("", ".")] or ["**"]
        self.used = False


def _match(segments: list[str], parts: list[str]) -> bool:
    """Whether ``segments`` (``**`` = any number of parts) match all of ``parts``."""
    # reach[j]: the segments so far can match parts[:j]
    reach = [True] + [False] * len(parts)
    for seg in segments:
        nxt = [False] * (len(parts) + 1)
        if seg == "**":
            seen = False
            for j in range(len(parts) + 1):
                seen = seen or reach[j]
                nxt[j] = seen
        else:
            for j in range(len(parts)):
                if reach[j] and fnmatchcase(parts[j], seg):
                    nxt[j + 1] = True
        reach = nxt
    return reach[len(parts)]


class PathPatterns:
    """Compiled ``--exclude`` patterns and the folder anchored ones are relative to."""

    def __init__(self, patterns: tuple[str, ...] | list[str], base: str = ".") -> None:
        self.patterns = [_Pattern(p) for p in patterns if p.strip()]
        self.base = os.path.abspath(base)

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def _parts(self, path: str) -> tuple[list[str], bool]:
        """(components relative to the base, inside the base)."""
        full = os.path.abspath(path)
        rel = os.path.relpath(full, self.base) if os.path.splitdrive(full)[0] == os.path.splitdrive(self.base)[0] \
            else full
        inside = rel != os.pardir and not rel.startswith(os.pardir + os.sep) and not os.path.isabs(rel)
        parts = [p for p in (rel if inside else os.path.normpath(path)).replace(os.sep, "/").split("/")
                 if p not in ("", ".")]
        return parts, inside

    def matches(self, path: str, is_dir: bool) -> bool:
        """Whether ``path`` (a file, or a folder when ``is_dir``) is excluded."""
        if not self.patterns:
            return False
        parts, inside = self._parts(path)
        hit = False
        for p in self.patterns:
            if p.dir_only and not is_dir:
                continue
            if p.anchored:
                ok = inside and _match(p.segments, parts)
            else:
                ok = bool(parts) and _match(p.segments, parts[-1:])
            if ok:
                p.used = True
                hit = True
        return hit

    def excludes_file(self, path: str) -> bool:
        """A file is excluded by its own name or by any folder above it."""
        if not self.patterns:
            return False
        if self.matches(path, is_dir=False):
            return True
        parts, inside = self._parts(path)
        head = self.base if inside else ""
        for i in range(1, len(parts)):
            folder = os.path.join(head, *parts[:i]) if head else os.path.join(*parts[:i])
            if self.matches(folder, is_dir=True):
                return True
        return False

    def unused(self) -> list[str]:
        """The patterns that matched nothing so far."""
        return [p.text for p in self.patterns if not p.used]


def under(folder: str, roots: frozenset[str] | set[str]) -> bool:
    """Whether ``folder`` (a real path) is one of ``roots`` or lies below one: the test of
    ``fix`` (which files it may write) and of the reports (which files they may quote)."""
    while True:
        if folder in roots:
            return True
        parent = os.path.dirname(folder)
        if parent == folder:
            return False
        folder = parent
