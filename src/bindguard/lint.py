"""``lint`` and ``ports`` as library calls: paths in, Subjects and a Report out.

Planning decides which files form one project: a folder walked by
bindguard that holds ``compose.yaml`` (or another default name) is one
project with its override file, as ``docker compose up`` would read it;
other compose-named files, and files named explicitly, are projects of
their own; ``-f`` files form one project in the order given.  Projects are
independent, so above a threshold they are spread over a process pool.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from bindguard import __version__
from bindguard.compose.discover import discover
from bindguard.errors import InputError
from bindguard.compose.project import (
    DEFAULT_FILES,
    OVERRIDE_FILES,
    ProjectLoader,
    ProjectOptions,
)
from bindguard.model import Finding, Location, Problem, Subject
from bindguard.reporters.base import Report, RuleInfo
from bindguard.rules import RULES, help_uri
from bindguard.runner import RuleSelection, check

PARALLEL_MIN_FILES = 400


@dataclass(frozen=True)
class LintSettings:
    selection: RuleSelection = field(default_factory=RuleSelection)
    project: ProjectOptions = field(default_factory=ProjectOptions)
    exclude: tuple[str, ...] = ()
    compose_files: tuple[str, ...] = ()
    jobs: int | None = None


@dataclass(frozen=True)
class Unit:
    """One project to load: its files in merge order."""

    files: tuple[str, ...]
    project_dir: str | None = None


def plan(paths: list[str], settings: LintSettings) -> tuple[list[Unit], list[Problem]]:
    for env_file in settings.project.env_files:
        if not os.path.isfile(env_file) or not os.access(env_file, os.R_OK):
            raise InputError(env_file, "env file not found or not readable")
    for compose_file in settings.compose_files:
        if not os.path.isfile(compose_file):
            raise InputError(compose_file, "compose file not found")
    units: list[Unit] = []
    if settings.compose_files:
        units.append(Unit(tuple(settings.compose_files)))
    explicit = [p for p in paths if not os.path.isdir(p)]
    files, problems = discover(paths, settings.exclude)
    explicit_set = {os.path.normpath(p) for p in explicit}
    by_dir: dict[str, list[str]] = {}
    for path in files:
        if os.path.normpath(path) in explicit_set:
            units.append(Unit((path,)))
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
        units.extend(Unit((f,)) for f in dir_files if f not in grouped)
    return units, problems


def _load_unit(unit: Unit, options: ProjectOptions) -> Subject:
    return ProjectLoader(options).load(list(unit.files), unit.project_dir)


def _lint_unit(
    args: tuple[Unit, LintSettings],
) -> tuple[list[Finding], tuple[str, ...], frozenset[str]]:
    unit, settings = args
    subject = _load_unit(unit, settings.project)
    names = frozenset(s.name for s in subject.services)
    return check(subject, settings.selection), subject.sources, names


def load_subjects(paths: list[str], settings: LintSettings) -> tuple[list[Subject], list[Problem]]:
    """Every project under ``paths`` as a Subject (for ``ports``)."""
    units, problems = plan(paths, settings)
    return [_load_unit(u, settings.project) for u in units], problems


def _workers(settings: LintSettings, units: list[Unit]) -> int:
    if settings.jobs is not None:
        return max(1, settings.jobs)
    if sum(len(u.files) for u in units) < PARALLEL_MIN_FILES:
        return 1
    return min(os.cpu_count() or 1, 8)


def lint(paths: list[str], settings: LintSettings) -> Report:
    units, problems = plan(paths, settings)
    findings: list[Finding] = []
    sources: list[str] = []
    jobs = [(u, settings) for u in units]
    workers = _workers(settings, units)
    if workers > 1 and len(units) > 1:
        chunk = max(1, len(jobs) // (workers * 8))
        with ProcessPoolExecutor(workers) as pool:
            results = list(pool.map(_lint_unit, jobs, chunksize=chunk))
    else:
        results = [_lint_unit(job) for job in jobs]
    services: set[str] = set()
    for unit_findings, unit_sources, names in results:
        findings.extend(unit_findings)
        sources.extend(unit_sources)
        services.update(names)
    if problems:
        findings.extend(check(Subject(problems=tuple(problems)), settings.selection))
    findings.extend(_unmet_expectations(settings.selection, services))
    return make_report(_dedupe(findings), "files", tuple(dict.fromkeys(sources)))


def _unmet_expectations(selection: RuleSelection, services: set[str]) -> list[Finding]:
    """BG009 for an expected service that no linted project defines at all."""
    rule = RULES["BG009"]
    if rule not in selection.enabled():
        return []
    return [
        Finding(
            code=rule.CODE,
            severity=selection.severity_of(rule),
            message=f"service {want.service!r} should publish {want} but no linted file defines it",
            location=Location(),
            service=want.service,
            entry=str(want),
            rule_name=rule.NAME,
        )
        for want in selection.options.expect
        if want.service not in services
    ]


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """One finding per rule and place: a file read by two projects reports once."""
    seen: set[tuple] = set()
    out = []
    for f in sorted(findings, key=Finding.sort_key):
        key = (f.code, f.location, f.message) if not f.location.line else (f.code, f.location)
        if key in seen:
            continue
        seen.add(key)
        out.append(f)
    return out


def rule_infos() -> tuple[RuleInfo, ...]:
    return tuple(
        RuleInfo(
            code=code,
            name=rule.NAME,
            severity=rule.SEVERITY,
            summary=rule.SUMMARY,
            doc=(rule.__doc__ or "").strip(),
            help_uri=help_uri(code),
        )
        for code, rule in RULES.items()
    )


def make_report(
    findings: list[Finding], kind: str, sources: tuple[str, ...], suppressed: int = 0
) -> Report:
    return Report(
        findings=tuple(sorted(findings, key=Finding.sort_key)),
        rules=rule_infos(),
        kind=kind,
        sources=sources,
        tool_version=__version__,
        suppressed=suppressed,
    )

