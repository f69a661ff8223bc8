"""Which files form which project: the plan ``lint``, ``ports``, ``fix`` and ``audit PATHS`` share.

A folder walked by bindguard that holds ``compose.yaml`` (or another default
name) is one project with its override file, as ``docker compose up`` would
read it; other compose-named files, and files named explicitly, are projects
of their own; ``-f`` files form one project in the order given; files of the
other sources (``bindguard.sources``) are one unit each.  This module sits
below both ``lint`` and ``engine`` (issue 26: the engine path plans a project
exactly as lint does without importing lint).
"""

import os
from typing import NamedTuple

from bindguard.compose import discover as discovery
from bindguard.compose.project import DEFAULT_FILES, OVERRIDE_FILES, ProjectOptions
from bindguard.config import PathOverride
from bindguard.errors import InputError
from bindguard.model import Problem
from bindguard.runner import RuleSelection
from bindguard.weakening import Weakening


class LintSettings(NamedTuple):
    """Everything a lint run needs besides the paths.

    ``overrides`` and ``config_root`` come from the config file's per-path
    tables; ``baseline`` is a set of fingerprints whose findings are hidden.
    """

    selection: RuleSelection = RuleSelection()
    project: ProjectOptions = ProjectOptions()
    exclude: tuple[str, ...] = ()
    exclude_root: str = "."  # where anchored --exclude patterns start: here, or the config's folder
    include: tuple[str, ...] = ()
    compose_files: tuple[str, ...] = ()
    jobs: int | None = None
    overrides: tuple[PathOverride, ...] = ()
    config_root: str = "."
    baseline: frozenset[str] = frozenset()
    docs_url: str | None = None  # the config's docs-url: where reports link each rule
    # Whether findings get their fix: hint. The hint is what `bindguard fix` would do, decided
    # by the same code, a fifth to a quarter of a lint's time: True when the output shows hints
    # (full, JSON, SARIF, ...), False when nothing shows, lint.MARK for the concise lines, which only
    # mark what fix rewrites ([*]): decided for runs of up to lint.MARK_FILES files, so a corpus-size
    # run keeps issue 8's time budget and says that it did not mark (commands.lint, issue 29).
    hints: bool | str = True
    # which kinds of file a folder walk takes (bindguard.sources.KINDS); None = sources.DEFAULT
    sources: frozenset[str] | None = None
    # How the config file turned the gate down (weakening.py); every output says it (issue 25).
    weakened: Weakening | None = None


class Unit(NamedTuple):
    """One project to load: its files in merge order, and what kind of file they are
    (``compose``, or another source of ``bindguard.sources``, read one file a unit).

    ``data``: the bytes of a one-file project's file when discovery read them
    already to sniff it (a ``*.yml`` not named like a compose file, or a named
    file whose content told its kind), so that the file is read once (at most
    ``discover.KEEP_BYTES`` held in all).
    """

    files: tuple[str, ...]
    project_dir: str | None = None
    data: bytes | None = None
    kind: str = "compose"


class RunNotes:
    """What a run says besides its findings (issue 29), filled by :func:`plan`.

    ``warnings``: an ``--exclude`` pattern that matched nothing.  ``errors``:
    paths that could not be read while other paths were checked; the report of
    the others is shown, then these stop the run (exit 2), as ruff does.
    """

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.errors: list[InputError] = []


def plan(paths: list[str], settings: LintSettings, notes: RunNotes | None = None) -> tuple[list[Unit], list[Problem]]:
    for env_file in settings.project.env_files:
        if not os.path.isfile(env_file) or not os.access(env_file, os.R_OK):
            raise InputError(env_file, "env file not found or not readable")
    for compose_file in settings.compose_files:
        if not os.path.isfile(compose_file):
            raise InputError(compose_file, "compose file not found")
    units: list[Unit] = []
    if settings.compose_files:
        units.append(Unit(tuple(os.path.normpath(f) for f in settings.compose_files)))
    explicit = [p for p in paths if not os.path.isdir(p)]
    from bindguard.pathmatch import PathPatterns

    exclude = PathPatterns(settings.exclude, settings.exclude_root)
    deferred = None if notes is None else notes.errors
    sniffed: dict[str, bytes] = {}
    finder, compose = _finder(settings)
    files, problems = discovery.discover(paths, exclude, settings.include, sniffed, deferred, finder, compose)
    if notes is not None:
        if notes.errors and not files and not units and not problems:
            raise notes.errors[0]  # nothing at all was checked: no report, one error line
        notes.warnings += [f"warning: --exclude {p!r} matched nothing" for p in exclude.unused()]
    explicit_set = {os.path.normpath(p) for p in explicit}
    by_dir: dict[str, list[str]] = {}
    keep = discovery.KEEP_BYTES - sum(len(data) for data in sniffed.values())
    for path in files:
        if os.path.normpath(path) in explicit_set:
            read: list[bytes] = []
            kind = _named_kind(path, read)
            data = read[0] if read and 0 < len(read[0]) <= keep else None  # read once, as a sniffed file
            keep -= len(data or b"")
            units.append(Unit((path,), data=data, kind=kind))
        elif finder is not None and path in finder.found:
            units.append(Unit((path,), data=sniffed.get(path), kind=finder.found[path]))
        else:
            by_dir.setdefault(os.path.dirname(path), []).append(path)
    for directory, dir_files in by_dir.items():
        names = {os.path.basename(f): f for f in dir_files}
        main = next((names[n] for n in DEFAULT_FILES if n in names), None)
        override = next((names[n] for n in OVERRIDE_FILES if n in names), None)
        grouped: set[str] = set()
        if main is not None:
            project = (main,) + ((override,) if override else ())
            units.append(Unit(project, directory))
            grouped.update(project)
        units.extend(Unit((f,), data=sniffed.get(f)) for f in dir_files if f not in grouped)
    return units, problems


def _finder(settings: LintSettings):
    """(the walk's taker of files of other sources or None, whether it takes compose files)."""
    from bindguard.sources import COMPOSE, DEFAULT, Finder

    kinds = DEFAULT if settings.sources is None else settings.sources
    others = kinds - {COMPOSE}
    return (Finder(others) if others else None), COMPOSE in kinds


def _named_kind(path: str, read: list[bytes]) -> str:
    """A file named on the command line is read as the kind it is, whatever its name; ``read``
    receives its bytes when its content decided that (``sources.kind_of_named``)."""
    from bindguard.compose.discover import is_compose_name
    from bindguard.sources import COMPOSE, is_workflow_path, kind_of_named

    if is_compose_name(os.path.basename(path)) and not is_workflow_path(path):
        return COMPOSE
    return kind_of_named(path, read)
