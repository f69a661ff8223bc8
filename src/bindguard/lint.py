"""``lint`` and ``ports`` as library calls: paths in, Subjects and a Report out.

Planning decides which files form one project: a folder walked by
bindguard that holds ``compose.yaml`` (or another default name) is one
project with its override file, as ``docker compose up`` would read it;
other compose-named files, and files named explicitly, are projects of
their own; ``-f`` files form one project in the order given.  Projects are
independent, so above a threshold they are spread over a process pool.
"""

import os
from functools import partial
from typing import NamedTuple

from bindguard.compose.project import ProjectLoader, ProjectOptions
from bindguard.compose.yaml_reader import ComposeFile, read_file
from bindguard.config import PathOverride
from bindguard.ignores import apply_ignores
from bindguard.model import Finding, Location, Note, Problem, ProfileScope, Subject, Verdict
from bindguard.parallel import run_all
from bindguard.planning import LintSettings, RunNotes, Unit, plan
from bindguard.reporters.assemble import make_report
from bindguard.reporters.base import Report
from bindguard.runner import RuleSelection, check, stamp_all

PARALLEL_MIN_FILES = 400
# Concise output marks fixable findings ([*]) in runs of up to this many files (LintSettings.hints)
MARK = "mark"
MARK_FILES = 400


def _read_once(unit: Unit, path: str) -> ComposeFile:
    """``path`` parsed, from the bytes discovery read when it sniffed the file, else from disk."""
    return read_file(path, data=unit.data if path == unit.files[0] else None)


def _load_unit(unit: Unit, options: ProjectOptions, planned: frozenset[str] = frozenset()) -> Subject:
    if unit.kind != "compose":
        from bindguard.sources import read

        return read(unit.kind, unit.files[0], unit.data)[0]
    loader = ProjectLoader(options, reader=lambda path: _read_once(unit, path))
    subject = loader.load(list(unit.files), unit.project_dir)
    hidden = {path: shown for path, shown in loader.shown_as.items() if path not in planned}
    return _subject_as_shown(subject, hidden) if hidden else subject


def _subject_as_shown(subject: Subject, shown: dict[str, str]) -> Subject:
    """The Subject with its places in files an interpolated path reached named as that path
    may be printed (``ports`` lists them; see :func:`_named_as_shown`)."""

    def place(loc: Location) -> Location:
        return loc._replace(file=shown[loc.file]) if loc.file in shown else loc

    services = tuple(
        s._replace(location=place(s.location),
                   bindings=tuple(b._replace(location=place(b.location)) for b in s.bindings))
        for s in subject.services
    )
    problems = tuple(p._replace(location=place(p.location)) for p in subject.problems)
    return subject._replace(services=services, problems=problems,
                            sources=tuple(shown.get(x, x) for x in subject.sources))


class UnitResult(NamedTuple):
    """What one project contributes to the report.

    ``ports`` and ``exposed`` hold a key per published port entry (so a file
    read by two projects counts once), ``notes`` the explanations its
    findings share (said once, not on every finding).
    """

    findings: list[Finding]
    sources: tuple[str, ...]
    services: frozenset[str]
    suppressed: int
    ports: frozenset[tuple] = frozenset()
    exposed: frozenset[tuple] = frozenset()
    notes: frozenset[Note] = frozenset()
    profiles: ProfileScope = ProfileScope()
    texts: frozenset[str] = frozenset()  # files read as text (the rest were binary or unreadable)
    reached: tuple[tuple[str, str], ...] = ()  # files another file named, and why (include, extends)


def _port_keys(subject: Subject) -> tuple[frozenset[tuple], frozenset[tuple]]:
    """(every published port entry of every service, those not on loopback).

    A key is (location, service, entry, ports it publishes): an entry that an
    anchor shares between three services publishes three times, as Compose does,
    while a file read by two projects still counts once.  ``count`` adds them up.
    """
    ports, exposed = set(), set()
    for b in subject.bindings:
        key = (b.location, b.service, b.entry, b.published)
        ports.add(key)
        if b.verdict is not Verdict.LOOPBACK:
            exposed.add(key)
    return frozenset(ports), frozenset(exposed)


def count(keys: set[tuple] | frozenset[tuple]) -> int:
    """How many ports the keys of ``_port_keys`` publish."""
    return sum(key[-1] for key in keys)


def project_dir(unit: Unit) -> str:
    """The folder whose ``.env`` (and env examples) the project reads."""
    return unit.project_dir or os.path.dirname(unit.files[0]) or "."


def _lint_unit(args: tuple, reader=None) -> UnitResult:
    """Load one project, run the rules, apply per-path overrides and inline ignores.

    ``args`` is (unit, settings) or (unit, settings, writable files); with the
    third, fixable findings get the hint ``bindguard fix`` would carry out.
    ``reader`` replaces the disk for some files (``lint -``: standard input).
    """
    unit, settings = args[0], args[1]
    if unit.kind != "compose":
        return _lint_source(unit, settings)
    files: dict[str, ComposeFile] = {}

    def read(path: str) -> ComposeFile:
        files[path] = reader(path) if reader else _read_once(unit, path)
        return files[path]

    loader = ProjectLoader(settings.project, reader=read)
    subject = loader.load(list(unit.files), unit.project_dir)
    found = check(subject, settings.selection)
    if settings.overrides:
        found = apply_path_overrides(found, settings.overrides, settings.config_root)
    # a file that did not parse had nothing evaluated: no ignore in it is "unused"
    unparsed = frozenset(p.location.file for p in subject.problems if p.code == "BG000" and p.location.file)
    found, suppressed = apply_ignores(found, loader.texts(), settings.selection, unparsed)
    if len(args) > 2 and found and settings.hints:
        found = _fix_hints(found, files, subject, unit, loader.environment, args[2])
    names = frozenset(s.name for s in subject.services)
    ports, exposed = _port_keys(subject)
    notes = frozenset(b.default_note for b in subject.bindings if b.default_note and not b.host_ip) | set(subject.notes)
    result = UnitResult(
        found, subject.sources, names, suppressed, ports, exposed, notes, subject.profiles,
        frozenset(loader.texts()), tuple(loader.reached.items()),
    )
    planned = args[2].files if len(args) > 2 else frozenset(unit.files)
    hidden = {path: shown for path, shown in loader.shown_as.items() if path not in planned}
    return _named_as_shown(result, hidden) if hidden else result


def _named_as_shown(result: UnitResult, shown: dict[str, str]) -> UnitResult:
    """The result with each file an interpolated include/extends path reached named as that
    path may be printed (``<value of DIR>/x.yaml``): its real path holds the value (issue 25).
    Files the user pointed at keep their names; these are never quoted (not in ``texts``)."""

    def place(loc: Location) -> Location:
        return loc._replace(file=shown[loc.file]) if loc.file in shown else loc

    # a hint may name the file too ("the entry is written in PATH, ..."), as given or resolved
    names = [(os.path.realpath(path), text) for path, text in shown.items()] + list(shown.items())

    def said(text: str) -> str:
        for path, masked in sorted(names, key=lambda pair: -len(pair[0])):
            text = text.replace(path, masked)
        return text

    return result._replace(
        findings=[f._replace(location=place(f.location), fix=said(f.fix)) for f in result.findings],
        sources=tuple(shown.get(s, s) for s in result.sources),
        notes=frozenset(n._replace(location=place(n.location)) for n in result.notes),
        texts=result.texts - set(shown),
        reached=tuple((shown.get(p, p), why) for p, why in result.reached),
    )


def _lint_source(unit: Unit, settings: LintSettings) -> UnitResult:
    """One file of another source (``bindguard.sources``): the same rules, overrides and ignores."""
    from bindguard.sources import read

    subject, text = read(unit.kind, unit.files[0], unit.data)
    found = check(subject, settings.selection)
    if settings.overrides:
        found = apply_path_overrides(found, settings.overrides, settings.config_root)
    unparsed = frozenset(p.location.file for p in subject.problems if p.code == "BG000" and p.location.file)
    texts = {unit.files[0]: text} if text else {}
    found, suppressed = apply_ignores(found, texts, settings.selection, unparsed)
    ports, exposed = _port_keys(subject)
    names = frozenset(s.name for s in subject.services)
    return UnitResult(found, subject.sources, names, suppressed, ports, exposed)


def _covered_elsewhere(units: list[Unit], sources: list[tuple[str, ...]]) -> set[int]:
    """Indexes of one-file units whose file another project already reads (``include``).

    Compose reads an included file as part of the project that includes it;
    linting it again on its own would report its findings twice, possibly
    with another environment.  A pair that reads each other keeps both.
    """
    read_by: dict[str, set[int]] = {}
    for i, (unit, read) in enumerate(zip(units, sources, strict=True)):
        own = set(unit.files)
        for path in read:
            if path not in own:
                read_by.setdefault(path, set()).add(i)
    drop = set()
    for i, unit in enumerate(units):
        if len(unit.files) != 1:
            continue
        readers = read_by.get(unit.files[0], set()) - {i}
        if any(not set(units[j].files) <= set(sources[i]) for j in readers):
            drop.add(i)
    return drop


def _fix_hints(found, files, subject: Subject, unit: Unit, env, allowed) -> list[Finding]:
    """The ``fix:`` hints of fixable findings, decided by the code ``bindguard fix`` runs.

    ``env`` is the environment the project was loaded with (not read again).
    """
    from bindguard.entryfix.remedy import LazyEnvSources, auto_codes, hint_findings

    codes = auto_codes()
    if not any(f.code in codes for f in found):
        return found
    return hint_findings(found, files, subject.bindings, env.lookup, allowed, LazyEnvSources(project_dir(unit)))


def apply_path_overrides(
    findings: list[Finding], overrides: tuple[PathOverride, ...], root: str
) -> list[Finding]:
    """Per-path select/ignore/severity from the config; later overrides win."""
    out = []
    for f in findings:
        file = f.location.file
        keep, severity = True, f.severity
        for override in overrides:
            if file is None or not override.matches(file, root):
                continue
            if override.select is not None and f.code not in override.select:
                keep = False
            if f.code in override.ignore:
                keep = False
            severity = dict(override.severity).get(f.code, severity)
        if keep:
            out.append(f if severity == f.severity else f._replace(severity=severity))
    return out


def load_subjects(paths: list[str], settings: LintSettings) -> tuple[list[Subject], list[Problem]]:
    """Every project under ``paths`` as a Subject (for ``ports``)."""
    units, problems = plan(paths, settings)
    planned = frozenset(f for u in units for f in u.files)
    subjects = [_load_unit(u, settings.project, planned) for u in units]
    drop = _covered_elsewhere(units, [s.sources for s in subjects])
    return [s for i, s in enumerate(subjects) if i not in drop], problems


def _workers(settings: LintSettings, units: list[Unit]) -> int:
    if settings.jobs is not None:
        return max(1, settings.jobs)
    if sum(len(u.files) for u in units) < PARALLEL_MIN_FILES:
        return 1
    return min(os.cpu_count() or 1, 8)


def lint(paths: list[str], settings: LintSettings, follow_symlinks: bool = False, stdin=None,
         progress=None) -> Report:
    """Lint ``paths``; ``follow_symlinks`` is what ``fix`` would be run with (for the hints).

    ``stdin``: a ``bindguard.stdin.StdinFile`` to lint instead of ``paths``.
    ``progress``: ``(what, total) -> Progress`` (``bindguard.progress``), told of each project.
    """
    from bindguard.entryfix.remedy import writable

    said = RunNotes()
    units, problems = plan(paths, settings, said) if stdin is None else ([Unit((stdin.name,))], [])
    findings: list[Finding] = []
    sources: list[str] = []
    allowed = writable(units, paths, settings.compose_files, follow_symlinks)
    unmarked = 0
    if settings.hints == MARK:
        files = sum(len(u.files) for u in units)
        marked = files <= MARK_FILES
        unmarked = 0 if marked else files
        settings = settings._replace(hints=marked)
    jobs = [(u, settings, allowed) for u in units]
    reader = stdin.reader if stdin is not None else None
    workers = 1 if reader is not None else _workers(settings, units)
    line = progress("projects", len(jobs)) if progress is not None else None
    try:
        results = run_all(partial(_lint_unit, reader=reader), jobs, workers, line.step if line else _nothing)
    finally:
        if line is not None:
            line.close()
    services: set[str] = set()
    suppressed = 0
    drop = _covered_elsewhere(units, [r.sources for r in results])
    ports: set[tuple] = set()
    exposed: set[tuple] = set()
    notes: set[Note] = set()
    texts: set[str] = set()
    reached: dict[str, str] = {}
    for i, result in enumerate(results):
        if i in drop:
            continue
        texts |= result.texts
        for path, why in result.reached:
            reached.setdefault(path, why)
        findings.extend(result.findings)
        sources.extend(result.sources)
        services.update(result.services)
        suppressed += result.suppressed
        ports |= result.ports
        exposed |= result.exposed
        notes |= result.notes
    if problems:
        findings.extend(check(Subject(problems=tuple(problems)), settings.selection))
    findings.extend(_unmet_expectations(settings.selection, services))
    findings = _dedupe(findings)
    baselined = 0
    if settings.baseline:
        from bindguard.baseline import baseline_key

        base = getattr(settings.baseline, "base", ".")  # a Baseline knows its folder
        kept = [f for f in findings if baseline_key(f, base) not in settings.baseline]
        baselined = len(findings) - len(kept)
        suppressed += baselined
        findings = kept
    from bindguard.profilescope import merge_scopes
    from bindguard.reach import Reach

    reach = Reach([stdin.name] if stdin is not None else paths, [f for u in units for f in u.files],
                  bool(settings.compose_files))
    notes.update(reach.notes([*sources, *reached], reached))

    report = make_report(
        findings, "files", tuple(dict.fromkeys(sources)), suppressed,
        published_ports=count(ports), exposed=count(exposed), baselined=baselined,
        notes=tuple(sorted(notes, key=Note.sort_key)),
    )._replace(
        services=sum(len(r.services) for i, r in enumerate(results) if i not in drop),
        quotable=tuple(sorted(f for f in texts if reach.quotable(f))),
    )
    return report._replace(profiles=merge_scopes(r.profiles for i, r in enumerate(results) if i not in drop),
                           warnings=tuple(said.warnings), errors=tuple(str(e) for e in said.errors),
                           unmarked=unmarked)


def _nothing() -> None:
    """No progress line to tell."""


def _unmet_expectations(selection: RuleSelection, services: set[str]) -> list[Finding]:
    """BG009 for an expected service that no linted project defines at all (worded by the rule)."""
    from bindguard.rules import bg009_expected_binding as expected

    return stamp_all(selection, expected.CODE, expected.undefined(services, selection.options))


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """One finding per rule and place: a file read by two projects reports once.

    A line that several services share (a YAML anchor, a merge key, ``extends``)
    publishes for each of them: the one finding there names every service
    (``Finding.services``) instead of keeping the first and dropping the rest
    (issue 29).  Findings at one place whose messages differ stay apart.
    """
    kept: dict[tuple, int] = {}
    out: list[Finding] = []
    for f in sorted(findings, key=Finding.sort_key):
        key = (f.code, f.location, f.message) if not f.location.line else (f.code, f.location)
        at = kept.get(key)
        if at is None:
            kept[key] = len(out)
            out.append(f)
            continue
        first = out[at]
        if f.service and f.service not in first.service_names and f.message == first.message:
            out[at] = first._replace(services=(*first.service_names, f.service))
    return out
