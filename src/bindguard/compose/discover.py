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
from collections.abc import Callable, Iterator

from bindguard.errors import InputError
from bindguard.model import Location, Problem
from bindguard.rules import bg000_invalid_compose_file as invalid_file

COMPOSE_NAME = re.compile(
    r"^(?:(?:docker-)?compose[^/]*|[^/]*[.-]compose)\.ya?ml$", re.IGNORECASE
)
SKIP_DIRS = frozenset({".git", "node_modules", ".hg", ".svn", ".tox", ".venv", "__pycache__"})


def is_compose_name(name: str) -> bool:
    return COMPOSE_NAME.match(name) is not None


def _excluded(path: str, exclude: tuple[str, ...]) -> bool:
    if not exclude:
        return False
    import fnmatch

    norm = path.replace(os.sep, "/")
    return any(
        fnmatch.fnmatch(norm, pat) or fnmatch.fnmatch(os.path.basename(norm), pat)
        for pat in exclude
    )


NAME_PATTERNS = "compose.yaml, docker-compose.yml, (docker-)compose*.yml|yaml, *-compose.yml|yaml, *.compose.yml|yaml"


def nothing_found(path: str, others: bool = False) -> InputError:
    also = " nor a file of the other selected sources (see --sources)" if others else ""
    return InputError(
        path,
        f"no compose file found (names {NAME_PATTERNS}, or *.yml/*.yaml with a top-level "
        f"'services' mapping){also}; name other files with --include GLOB or -f FILE",
    )


def _included(path: str, include: tuple[str, ...]) -> bool:
    return bool(include) and _excluded(path, include)


def discover(
    paths: list[str],
    exclude: tuple[str, ...] = (),
    include: tuple[str, ...] = (),
    other: Callable[[str, str], bool] | None = None,
    compose: bool = True,
) -> tuple[list[str], list[Problem]]:
    """(files to lint in order, normalised; problems with folders that could not be read).

    ``other`` takes files of other sources (``bindguard.sources.Finder``:
    called with path and name for each file that is not a compose file);
    ``compose=False`` leaves compose files out of folder walks.  A path that
    does not exist at all, or a folder in which nothing is found, stops the
    run (InputError): it is a usage mistake, not a finding, and never a
    clean result.
    """
    files: list[str] = []
    problems: list[Problem] = []
    seen: set[str] = set()

    def add(path: str) -> bool:
        key = os.path.normpath(path)
        if _excluded(key, exclude):
            return False
        if key not in seen:
            seen.add(key)
            files.append(key)
        return True

    for path in paths:
        if not os.path.lexists(path):
            raise InputError(path, "no such file or directory")
        if not os.path.isdir(path):
            add(path)
            continue
        found = False
        problems_before = len(problems)
        for root, names in _walk(path, problems):
            for name in names:
                full = os.path.join(root, name)
                if compose and (is_compose_name(name) or _included(full, include) or _sniffed(full)):
                    found = add(full) or found
                elif other is not None and other(full, name):
                    found = add(full) or found
        if not found and len(problems) == problems_before:
            raise nothing_found(path, other is not None)
    return files, problems


def _sniffed(path: str) -> bool:
    from bindguard.compose.sniff import has_services_mapping, may_sniff

    return may_sniff(path) and has_services_mapping(path)


def _walk(top: str, problems: list[Problem]) -> Iterator[tuple[str, list[str]]]:
    """(folder, sorted file names) for ``top`` and the folders below it, top-down.

    Like ``os.walk(top)`` with sorted folders, but with an explicit stack:
    Python 3.11's ``os.walk`` recurses once per level and fails on trees a
    thousand folders deep.  Symlinked folders are not entered (no loops);
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
                    elif entry.name not in SKIP_DIRS and not linked:
                        dirs.append(entry.name)
        except OSError as err:
            where = err.filename or root
            problems.append(
                Problem(invalid_file.CODE, f"cannot read folder: {err.strerror}", Location(file=str(where)))
            )
            continue
        yield root, sorted(names)
        stack.extend(os.path.join(root, d) for d in sorted(dirs, reverse=True))
