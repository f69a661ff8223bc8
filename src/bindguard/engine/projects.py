"""The compose projects ``audit PATHS`` confirms, named and loaded as Compose would run them.

A project is loaded exactly as ``lint`` loads it (``lint.plan``, which
``confirm`` calls, then ``ProjectLoader``), with every service kept so that profiles can be judged the
way Compose judges them (``--profile``, else ``COMPOSE_PROFILES``).  Its name is
found as Compose finds it (``-p``, ``COMPOSE_PROJECT_NAME`` from the
environment or the env files, the last top-level ``name:``, else the project
folder's name normalised like compose-go's ``NormalizeProjectName``); its
containers are the ones whose ``com.docker.compose.project`` label carries it.

A name that comes from the environment is a value from the environment, and
those never reach a report (issue 25): ``COMPOSE_PROJECT_NAME`` is shown as
``<value of COMPOSE_PROJECT_NAME>``, and a ``name:`` interpolated from
variables with those values masked (:mod:`bindguard.redact`), unless
``--show-values``.  ``Project.name`` matches the engine's labels;
``Project.shown`` is what messages, hints and the table print.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import NamedTuple, Protocol

import yaml

from bindguard.compose.environment import Environment
from bindguard.compose.interpolate import InterpolationError, interpolate
from bindguard.compose.nodes import mapping_entries, resolve_scalar
from bindguard.compose.project import ProjectLoader, ProjectOptions
from bindguard.compose.yaml_reader import ComposeFile, read_file
from bindguard.errors import ConfigError, InputError
from bindguard.model import Finding, Problem, Service, Subject
from bindguard.redact import masked, placeholder
from bindguard.runner import RuleSelection, check

NAME_VARIABLE = "COMPOSE_PROJECT_NAME"


class Project(NamedTuple):
    """One compose project as Compose would run it.

    ``services`` carry ``shown`` as their ``project`` (rules word their
    messages from it), while ``name`` is what the containers' labels say.
    """

    name: str
    files: tuple[str, ...]
    services: tuple[Service, ...]  # every service, active or not
    active: frozenset[str]
    profiles: tuple[str, ...]
    findings: tuple[Finding, ...]  # BG000/BG006/BG007 from reading the files
    shown: str  # the name as a report may print it


class ProjectName(NamedTuple):
    """A project's name, and the same name as a report may print it."""

    value: str
    shown: str


# -- project names, as compose-go finds them --------------------------------------------
_NAME_CHARS = re.compile(r"[a-z0-9_-]")


def normalize_project_name(text: str) -> str:
    """compose-go's ``loader.NormalizeProjectName``: lower case, keep ``[a-z0-9_-]``,
    strip leading ``_`` and ``-``."""
    return "".join(_NAME_CHARS.findall(text.lower())).lstrip("_-")


def _checked(name: str, source: str) -> str:
    """A name set on purpose (``-p``, COMPOSE_PROJECT_NAME) must already be normal.

    A value from the environment is not quoted back (values from the environment never
    appear in output); the one typed as ``-p`` is."""
    if normalize_project_name(name) != name:
        quoted = f" {name!r}" if source == "--project-name" else ""
        raise ConfigError(
            f"invalid project name{quoted}: must consist only of lowercase alphanumeric "
            "characters, hyphens, and underscores as well as start with a letter or number",
            key=source,
        )
    return name


def name_of(explicit: str | None, env: Environment, declared: str | None, project_dir: str,
            declared_raw: str | None = None, show_values: bool = False) -> ProjectName:
    """``-p`` > ``COMPOSE_PROJECT_NAME`` > top-level ``name:`` > the folder's name.

    ``declared`` is the last ``name:`` after interpolation, ``declared_raw`` the
    same as written (its variables decide what of it may be printed).
    """
    if explicit:
        name = _checked(explicit, "--project-name")
        return ProjectName(name, name)  # typed by the user
    from_env = env.lookup(NAME_VARIABLE)
    if from_env:
        name = _checked(from_env, NAME_VARIABLE)
        return ProjectName(name, name if show_values else placeholder(NAME_VARIABLE))
    if declared:
        name = normalize_project_name(declared)
        if name:
            return ProjectName(name, name if show_values else _declared_shown(name, declared_raw, env))
    folder = os.path.basename(os.path.abspath(project_dir))
    name = normalize_project_name(folder)
    if not name:
        raise InputError(project_dir, "project name must not be empty: give -p NAME")
    return ProjectName(name, name)


def _declared_shown(name: str, raw: str | None, env: Environment) -> str:
    """A ``name:`` as a report may print it: as normalised when no value from the
    environment is in it, else the interpolated text with those values masked."""
    if raw is None or "$" not in raw:
        return name
    try:
        text = interpolate(raw, env.lookup)
    except InterpolationError:
        return name  # the loader kept the text as written
    shown = masked(text.value, text.spans)
    return name if shown == text.value else shown


def project_name(explicit: str | None, env: Environment, declared: str | None, project_dir: str) -> str:
    """The name alone (see ``name_of``)."""
    return name_of(explicit, env, declared, project_dir).value


def declared_name(files: tuple[str, ...], read: dict[str, ComposeFile]) -> str | None:
    """The last top-level ``name:`` of ``files`` as written (as compose-go, the last file that
    names the project wins), from the files the loader already read."""
    raw = None
    for path in files:
        cf = read.get(os.path.normpath(path))
        for doc in cf.documents if cf is not None else ():
            if not isinstance(doc, yaml.MappingNode):
                continue
            entry = mapping_entries(doc).get("name")
            if entry is not None and isinstance(entry.value, yaml.ScalarNode):
                value = resolve_scalar(entry.value)
                if value is not None:
                    raw = value if isinstance(value, str) else entry.value.value
    return raw


class _Remembering:
    """A ProjectLoader file reader that keeps what it read (for the raw ``name:``)."""

    def __init__(self) -> None:
        self.read: dict[str, ComposeFile] = {}

    def __call__(self, path: str) -> ComposeFile:
        self.read[path] = cf = read_file(path)
        return cf


def active_profiles(options: ProjectOptions, env: Environment) -> tuple[str, ...]:
    """``--profile`` (or the config's profiles), else ``COMPOSE_PROFILES``, as compose-go."""
    if options.profiles:
        return tuple(options.profiles)
    raw = env.lookup("COMPOSE_PROFILES") or ""
    return tuple(p.strip() for p in raw.split(",") if p.strip())


def is_active(service: Service, profiles: tuple[str, ...]) -> bool:
    return not service.profiles or "*" in profiles or bool(set(service.profiles) & set(profiles))


class Planned(Protocol):
    """One project's files as ``lint.plan`` lists them (``lint.Unit``)."""

    @property
    def files(self) -> tuple[str, ...]: ...

    @property
    def project_dir(self) -> str | None: ...


def load_projects(units: Sequence[Planned], problems: Sequence[Problem], project: ProjectOptions,
                  selection: RuleSelection, explicit_name: str | None = None,
                  environ: dict[str, str] | None = None) -> list[Project]:
    """Every planned project, loaded as lint loads it (``project``: lint's options).

    One project per name: another compose file beside a folder's ``compose.yaml``
    (``compose.prod.yaml``) is a project of its own to ``lint``, but the containers of
    that name came from the folder's project, which ``plan`` lists first."""
    folders = list(dict.fromkeys(os.path.abspath(u.project_dir or os.path.dirname(u.files[0]) or ".") for u in units))
    if explicit_name and len(folders) > 1:
        raise ConfigError(
            f"names one project, but the paths hold projects in {len(folders)} folders "
            f"({', '.join(folders[:3])}{', ...' if len(folders) > 3 else ''})",
            key="--project-name",
        )
    # Every service is kept (profiles are judged below), but read with the same environment.
    options = project._replace(profiles=(), environ=environ)
    projects: list[Project] = []
    for unit in units:
        reader = _Remembering()
        loader = ProjectLoader(options, reader)
        subject = loader.load(list(unit.files), unit.project_dir)
        project_dir = unit.project_dir or os.path.dirname(unit.files[0]) or "."
        env = Environment.for_project(project_dir, options.env_files, environ)
        name = name_of(explicit_name, env, loader.project_name, project_dir,
                       declared_name(unit.files, reader.read), options.show_values)
        if any(p.name == name.value for p in projects):
            # e.g. compose.prod.yaml beside compose.yaml: lint reads it alone, but the
            # containers of this name came from the folder's project, planned first
            continue
        profiles = active_profiles(project, env)
        services = tuple(s._replace(project=name.shown) for s in subject.services)
        read = check(Subject(problems=subject.problems), selection)
        projects.append(
            Project(
                name=name.value,
                files=subject.sources,
                services=services,
                active=frozenset(s.name for s in services if is_active(s, profiles)),
                profiles=profiles,
                findings=tuple(read),
                shown=name.shown,
            )
        )
    if problems:
        extra = check(Subject(problems=tuple(problems)), selection)
        projects[0] = projects[0]._replace(findings=projects[0].findings + tuple(extra))
    return projects
