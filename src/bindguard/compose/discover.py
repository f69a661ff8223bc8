"""Which files a ``lint PATHS...`` run looks at.

Explicit files are always linted, whatever their name.  Directories are
walked (sorted, so output order is stable) for the names Compose and common
practice use; ``.git`` and ``node_modules`` are skipped, symlinked
directories are not followed (no loops), and an unreadable folder is a BG000
problem for that folder, not the end of the run.
"""

from __future__ import annotations

import os
import re
from typing import Iterator

from bindguard.errors import InputError
from bindguard.model import Location, Problem

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


def discover(
    paths: list[str], exclude: tuple[str, ...] = ()
) -> tuple[list[str], list[Problem]]:
    """(files to lint in order, problems with folders that could not be read).

    A path that does not exist at all stops the run (InputError): it is a
    usage mistake, not a finding.
    """
    files: list[str] = []
    problems: list[Problem] = []
    seen: set[str] = set()

    def add(path: str) -> None:
        key = os.path.normpath(path)
        if key not in seen and not _excluded(path, exclude):
            seen.add(key)
            files.append(path)

    for path in paths:
        if not os.path.lexists(path):
            raise InputError(path, "no such file or directory")
        if not os.path.isdir(path):
            add(path)
            continue

        for root, names in _walk(path, problems):
            for name in names:
                if is_compose_name(name):
                    add(os.path.join(root, name))
    return files, problems


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
                Problem("BG000", f"cannot read folder: {err.strerror}", Location(file=str(where)))
            )
            continue
        yield root, sorted(names)
        stack.extend(os.path.join(root, d) for d in sorted(dirs, reverse=True))
