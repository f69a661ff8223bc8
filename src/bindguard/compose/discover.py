"""Which files a ``lint PATHS...`` run looks at.

Explicit files are always linted, whatever their name.  Directories are
walked (sorted, so output order is stable) for the names Compose and common
practice use, names matching an ``--include`` glob, and other ``*.yml`` /
``*.yaml`` files whose top level has a ``services`` mapping
(``compose/sniff.py``); ``.git`` and ``node_modules`` are skipped, symlinked
directories are not followed (no loops), and an unreadable folder is a BG000
problem for that folder, not the end of the run.  A folder that yields no
compose file at all stops the run (InputError): "0 files checked" is never
an answer (issue 20).  Every path is normalised here, once
(``docker/./base.yml`` is ``docker/base.yml``), so that a file reached two
ways is one file everywhere after.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Protocol

from bindguard.errors import InputError
from bindguard.model import INVALID_FILE, Location, Problem
from bindguard.pathmatch import PathPatterns


class OtherSources(Protocol):
    """What a walk asks about files that are not compose files (``bindguard.sources.Finder``)."""

    def __call__(self, path: str, name: str, data: bytes | None = None) -> bool: ...

    def data(self, path: str) -> bytes | None: ...

COMPOSE_NAME = re.compile(
    r"^(?:(?:docker-)?compose[^/]*|[^/]*[.-]compose)\.ya?ml$", re.IGNORECASE
)
SKIP_DIRS = frozenset({".git", "node_modules", ".hg", ".svn", ".tox", ".venv", "__pycache__"})


def is_compose_name(name: str) -> bool:
    return COMPOSE_NAME.match(name) is not None


def _globbed(path: str, globs: tuple[str, ...]) -> bool:
    """``--include``: the path, or its name, matches a glob."""
    if not globs:
        return False
    import fnmatch

    norm = path.replace(os.sep, "/")
    return any(fnmatch.fnmatch(norm, pat) or fnmatch.fnmatch(os.path.basename(norm), pat) for pat in globs)


NAME_PATTERNS = "compose.yaml, docker-compose.yml, (docker-)compose*.yml|yaml, *-compose.yml|yaml, *.compose.yml|yaml"


def nothing_found(path: str, others: bool = False) -> InputError:
    also = " nor a file of the other selected sources (see --sources)" if others else ""
    return InputError(
        path,
        f"no compose file found (names {NAME_PATTERNS}, or *.yml/*.yaml with a top-level "
        f"'services' mapping){also}; name other files with --include GLOB or -f FILE",
    )


def _included(path: str, include: tuple[str, ...]) -> bool:
    return _globbed(path, include)


# How many bytes of sniffed files discovery keeps for the loader (``read``): a
# tree of many large sniffed files is read twice beyond this, never held whole.
KEEP_BYTES = 32 * 1024 * 1024


def discover(
    paths: list[str], exclude: tuple[str, ...] | PathPatterns = (), include: tuple[str, ...] = (),
    read: dict[str, bytes] | None = None, deferred: list[InputError] | None = None,
    other: OtherSources | None = None, compose: bool = True,
) -> tuple[list[str], list[Problem]]:
    """(files to lint in order, normalised; problems with folders that could not be read).

    A path that does not exist at all, or a folder in which nothing is
    found, stops the run (InputError): it is a usage mistake, not a
    finding, and never a clean result.  With ``deferred``, such a path is
    appended there instead and the other paths are still read (the caller
    reports them, then stops with the error).  ``exclude`` holds
    ``.gitignore``-like patterns (``bindguard.pathmatch``); an excluded folder
    is not walked.  ``read``, when given, receives the bytes of the files the
    sniff read (normalised path -> bytes, at most ``KEEP_BYTES`` in all), for
    the loader to parse without reading them again.  ``other`` takes files of
    other sources (``bindguard.sources.Finder``: called with path, name and
    the bytes the compose sniff read, for each file that is not a compose
    file); ``compose=False`` leaves compose files out of folder walks.
    """
    files: list[str] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    patterns = exclude if isinstance(exclude, PathPatterns) else PathPatterns(exclude)
    kept = [0]
    kept_bytes: dict[str, bytes] = {}  # the last sniffed file that was not a compose file

    def add(path: str, data: bytes | None = None, walked: bool = False) -> bool:
        key = os.path.normpath(path)
        # a walked file's folders were checked on the way down; a named one is checked whole
        if patterns.matches(key, is_dir=False) if walked else patterns.excludes_file(key):
            return False
        if key not in seen:
            seen.add(key)
            files.append(key)
            if data is not None and read is not None and kept[0] + len(data) <= KEEP_BYTES:
                read[key] = data
                kept[0] += len(data)
        return True

    def stop(error: InputError) -> None:
        if deferred is None:
            raise error
        deferred.append(error)

    for path in paths:
        if not os.path.lexists(path):
            stop(InputError(path, "no such file or directory"))
            continue
        if not os.path.isdir(path):
            add(path)
            continue
        found = False
        problems_before = len(problems)
        for root, names in _walk(path, problems, lambda d: patterns.matches(d, is_dir=True)):
            for name in names:
                full = os.path.join(root, name)
                if compose and (is_compose_name(name) or _included(full, include)):
                    found = add(full, walked=True) or found
                elif compose and (data := _sniffed(full, kept_bytes)) is not None:
                    found = add(full, data, walked=True) or found
                elif other is not None and other(full, name, kept_bytes.pop(full, None)):
                    found = add(full, other.data(full), walked=True) or found
        if not found and len(problems) == problems_before:
            stop(nothing_found(path, other is not None))
    return files, problems


def _sniffed(path: str, others: dict[str, bytes]) -> bytes | None:
    """The bytes of ``path`` when the sniff finds a compose file in it, else None.

    The bytes of a sniffed file that is not a compose file go into ``others``
    for the sources' own sniff (``other``), so that no file is read twice.
    """
    from bindguard.compose.sniff import compose_bytes, may_sniff

    if not may_sniff(path):
        return None
    seen: list[bytes] = []
    found = compose_bytes(path, seen)
    if found is None and seen:
        others[path] = seen[0]
    return found


def _walk(top: str, problems: list[Problem], skip=lambda folder: False) -> Iterator[tuple[str, list[str]]]:
    """(folder, sorted file names) for ``top`` and the folders below it, top-down.

    Like ``os.walk(top)`` with sorted folders, but with an explicit stack:
    Python 3.11's ``os.walk`` recurses once per level and fails on trees a
    thousand folders deep.  Symlinked folders and those ``skip`` names are not entered;
    a folder that cannot be listed (permission denied, a path too long) is a
    BG000 problem for that folder and the walk goes on.
    """
    stack = [top]
    while stack:
        root = stack.pop()
        dirs: list[str] = []
        names: list[str] = []
        try:
            with os.scandir(root) as entries:
                for entry in entries:
                    try:
                        is_dir = entry.is_dir()
                        linked = is_dir and entry.is_symlink()
                    except OSError:
                        is_dir = linked = False
                    if not is_dir:
                        names.append(entry.name)
                    elif entry.name not in SKIP_DIRS and not linked and not skip(os.path.join(root, entry.name)):
                        dirs.append(entry.name)
        except OSError as err:
            where = err.filename or root
            problems.append(
                Problem(INVALID_FILE, f"cannot read folder: {err.strerror}", Location(file=str(where)))
            )
            continue
        yield root, sorted(names)
        stack.extend(os.path.join(root, d) for d in sorted(dirs, reverse=True))
