"""``bindguard audit PATHS`` / ``--expect``: is *this* project, as running, what the file says?

The two halves already exist apart: ``lint`` reads a project, ``audit``
reads the engine.  Here they meet, per container; this module holds the
orchestration and the confirmation table, its parts live beside it:

1. ``engine/projects.py`` loads each project as ``lint`` does and names it as
   Compose does (a name from the environment is shown masked).
2. ``engine/reader.py`` reads the engine, the same reader ``audit`` uses,
   filtered on the project label: ``version``, the network list and one
   container list per target, however many projects are audited.
3. ``engine/publishes.py`` compares each running container with its
   service: every published (address, host port, container port,
   protocol) must be one the file allows and every port the file publishes
   must be published.  A mismatch is drift: a ``Comparison`` marked
   ``exact`` that the BG010 rule words; a match on loopback is ``confirmed``;
   a match elsewhere is ``exposed`` (BG001/BG002/... say why).  Replicas and
   one-off ``run`` containers are confirmed each (a one-off that publishes
   nothing is fine: ``run`` publishes only with ``--service-ports`` or ``-p``).
4. An active service with no running container is ``not running`` (BG016):
   never confirmed.  ``--expect SERVICE=IP:PORT`` adds BG009 for a container
   (service label or container name) that does not publish it.

Every finding is worded by its rule module and stamped by ``runner``
(``runner.check`` where the runner has the items, ``runner.stamp_all`` for
the items only a confirmation has: a service without a container, an
expectation that names nothing).
"""

from typing import NamedTuple

from bindguard.engine.audit import engine_subject
from bindguard.engine.client import EngineTarget
from bindguard.engine.containers import PROJECT_LABEL, ContainerInfo, service_of
from bindguard.engine.drift import pair
from bindguard.engine.facts import describe, desktop_services
from bindguard.engine.projects import Project, load_projects
from bindguard.engine.publishes import Mismatch, mismatch, publish_text
from bindguard.engine.reader import EngineView, read_engine
from bindguard.engine.remedy import compose_stories
from bindguard.errors import InputError
from bindguard.model import (
    Binding,
    Comparison,
    Finding,
    Location,
    Service,
    Severity,
    Subject,
    Verdict,
    count_published,
)
from bindguard.planning import LintSettings, plan
from bindguard.reporters.assemble import make_report
from bindguard.reporters.base import Report
from bindguard.rules import RULES
from bindguard.rules import bg009_expected_binding as bg009
from bindguard.rules.options import Expectation
from bindguard.runner import RuleSelection, check, stamp_all

ONEOFF_LABEL = "com.docker.compose.oneoff"

CONFIRMED = "confirmed"
DRIFT = "drift"
EXPOSED = "exposed"
MISSED = "expect missed"
NOT_RUNNING = "not running"
STOPPED_ALLOWED = "not running (allowed)"
PROFILE_OFF = "profile off"
# Verdicts that do not stop ``audit`` from exiting 0.
PASSING = frozenset({CONFIRMED, STOPPED_ALLOWED, PROFILE_OFF})


class ConfirmSettings(NamedTuple):
    """What ``audit PATHS`` / ``audit --expect`` needs besides the engine targets."""

    paths: tuple[str, ...] = ()
    lint: LintSettings = LintSettings()
    project_name: str | None = None  # -p/--project-name
    allow_stopped: bool = False
    timeout: float = 5.0
    environ: dict[str, str] | None = None  # None: the process environment


class Row(NamedTuple):
    """One line of the confirmation table: a container, or a service without one.

    ``project`` is the project's name as a report may print it (``Project.shown``)."""

    engine: str
    project: str
    service: str
    container: str
    container_id: str
    oneoff: bool
    file_says: tuple[str, ...] | None  # None: no file (``--expect`` alone)
    engine_says: tuple[str, ...] | None  # None: no container
    expected: str
    verdict: str
    reason: str

    def as_dict(self) -> dict:
        return {
            "engine": self.engine,
            "project": self.project or None,
            "service": self.service,
            "container": self.container or None,
            "container_id": self.container_id or None,
            "oneoff": self.oneoff,
            "file_says": list(self.file_says) if self.file_says is not None else None,
            "engine_says": list(self.engine_says) if self.engine_says is not None else None,
            "expected": self.expected or None,
            "verdict": self.verdict,
            "reason": self.reason,
        }


# -- findings the confirmation adds: worded by the rules, stamped by the runner ---------
def _only(selection: RuleSelection, code: str) -> RuleSelection:
    """The selection narrowed to one rule (nothing when that rule is not selected)."""
    keep = frozenset({code}) if RULES[code] in selection.enabled() else frozenset()
    return selection._replace(select=keep)


def _drift_comparisons(info: ContainerInfo, service: Service | None, found: Mismatch, project: Project,
                       location: Location) -> tuple[list[Comparison], list[Comparison]]:
    """(every exact comparison the BG010 rule judges, the ones pairing a running binding
    that ``compose_stories`` tells the port's hint from)."""
    paired = [c._replace(exact=True, project=project.shown)
              for c in pair(info, found.unexplained, service, project.files)]
    judged = list(paired)
    name = info.compose_service or info.name
    if service is None and not found.unexplained:
        judged.append(Comparison(None, (), location, name, project.shown, project.files,
                                 service_defined=False, exact=True))
    # A file port the container publishes elsewhere is already told above, with where it went.
    told = {(b.container_ports.start, b.protocol) for b in found.unexplained}  # engine ports are single
    for e in found.unpublished:
        if any((p, e.protocol) in told for p in range(e.container_ports.start, e.container_ports.end + 1)):
            continue
        judged.append(Comparison(None, (e,), location, name, project.shown, project.files, exact=True))
    return judged, paired


def _expect_findings(service: Service, wants: list[Expectation], selection: RuleSelection) -> tuple[list[Finding], bool]:
    """BG009 through the BG009 rule, with the container standing for the service."""
    if not wants:
        return [], True
    narrowed = _only(selection, "BG009")
    narrowed = narrowed._replace(options=narrowed.options._replace(
        expect=tuple(w._replace(service=service.name) for w in wants)))
    subject = Subject(services=(service,))
    met = next(iter(RULES["BG009"].check(subject, narrowed.options)), None) is None  # selected or not
    return check(subject, narrowed), met


# -- the run -----------------------------------------------------------------------------
class Outcome(NamedTuple):
    report: Report
    rows: tuple[Row, ...]
    api_calls: int

    def exit_code(self, findings_code: int) -> int:
        """0 only when every selected service is confirmed and no finding fails the run."""
        if findings_code:
            return findings_code
        if not self.rows:
            return 1  # nothing was confirmed
        return 0 if all(r.verdict in PASSING for r in self.rows) else 1


def _expectations_for(info: ContainerInfo, wants: tuple[Expectation, ...]) -> list[Expectation]:
    return [w for w in wants if w.service in (info.compose_service, info.name)]


def project_list(settings: ConfirmSettings) -> list[Project]:
    """The projects under the paths (or the ``-f`` files), planned as ``lint`` plans them."""
    units, problems = plan(list(settings.paths), settings.lint)
    units = [u for u in units if u.kind == "compose"]  # containers come from compose projects
    if not units:
        raise InputError(", ".join(settings.paths) or ".", "no compose file found to audit")
    return load_projects(units, problems, settings.lint.project, settings.lint.selection,
                         settings.project_name, settings.environ)


def _project_labels(projects: list[Project]) -> tuple[str, ...]:
    """The container list's label filter: the one project's label, else any project's."""
    if len(projects) == 1:
        return (f"{PROJECT_LABEL}={projects[0].name}",)
    return (PROJECT_LABEL,) if projects else ()


def confirm(targets: list[EngineTarget], settings: ConfirmSettings) -> Outcome:
    """The confirmation table and the findings for ``audit PATHS`` / ``audit --expect``."""
    selection = settings.lint.selection
    wants = selection.options.expect
    plain = selection._replace(options=selection.options._replace(expect=()))
    projects = project_list(settings) if settings.paths or settings.lint.compose_files else []
    show_values = settings.lint.project.show_values
    findings: list[Finding] = [f for p in projects for f in p.findings]
    rows: list[Row] = []
    calls = ports = exposed = 0
    engines = []
    for target in targets:
        view = read_engine(target, settings.timeout, labels=_project_labels(projects))
        calls += view.api_calls
        if projects:
            selected, new_rows, engine_findings, paired = _confirm_projects(projects, view, settings, plain, wants)
            services = tuple(desktop_services([service_of(i, list(b), target.name, view.gateway_networks)
                                               for i, b in selected], view.facts))
            # _confirm_projects already said each BG010; the pairs only tell compose_stories the hints
            subject = Subject(services=services, sources=(target.name,), engine=view.facts)
            told = subject._replace(services=_shown_projects(services, projects), comparisons=tuple(paired))
        else:
            # Without paths this is the whole engine's audit, as `audit` reports it, plus expectations.
            selected = [(i, b) for i, b in view.containers if _expectations_for(i, wants)]
            new_rows, engine_findings = _confirm_expectations(view, selected, wants, plain)
            subject = told = engine_subject(view, settings.environ, show_values)
            selected = list(view.containers)
        rows += new_rows
        engine_findings += check(subject, plain)
        # a Compose container's port: one hint, and an exposure that also drifted said once
        findings += compose_stories(_dedupe(engine_findings), told, settings.environ)
        published = [b for _, running in selected for b in running]
        counted = count_published(published)
        ports, exposed = ports + counted[0], exposed + counted[1]
        # the keys of `audit`'s engine summary that apply here: the containers compared, all running
        engines.append({"name": target.name, "url": target.url, "version": view.facts.version or None,
                        "api_version": view.facts.api_version or None, "containers": len(selected),
                        "running": view.running, "api_calls": view.api_calls, "error": None,
                        "notes": list(view.notes), "engine": describe(view.facts)})
    engine_name = targets[0].name if len(targets) == 1 else ""
    missed_rows, missed = _unmatched_expectations(rows, wants, engine_name, selection)
    rows += missed_rows
    findings += missed
    sources = tuple(t.name for t in targets)
    report = make_report(_dedupe(findings), "engine", sources, engines=tuple(engines),
                         published_ports=ports, exposed=exposed)
    report = report._replace(confirmations=tuple(r.as_dict() for r in rows))
    return Outcome(report, tuple(rows), calls)


def _shown_projects(services: tuple[Service, ...], projects: list[Project]) -> tuple[Service, ...]:
    """The containers' services with each binding's project as a report may print it, for the
    hints ``compose_stories`` words (``docker compose -p NAME ...``)."""
    shown = {p.name: p.shown for p in projects if p.shown != p.name}
    if not shown:
        return services
    return tuple(
        s._replace(bindings=tuple(b._replace(project=shown.get(b.project or "", b.project)) for b in s.bindings))
        for s in services
    )


def _unmatched_expectations(rows: list[Row], wants, engine: str, selection: RuleSelection):
    """An expectation that names no selected container or service is missed (BG009)."""
    named = {r.service for r in rows} | {r.container for r in rows}
    out_rows, out = [], []
    for want in wants:
        if want.service in named:
            continue
        out_rows.append(Row(engine, "", want.service, "", "", False, None, None, str(want), MISSED,
                            "no running container has this compose service label or name"))
        out += stamp_all(selection, "BG009", [bg009.absent(want, Location(engine=engine or None), bg009.NOT_NAMED)])
    return out_rows, out


def _dedupe(findings: list[Finding]) -> list[Finding]:
    return list(dict.fromkeys(findings))


def _verdict(found: Mismatch, running: tuple[Binding, ...], met: bool, exposed_codes: bool) -> tuple[str, str]:
    if found.unexplained or found.unpublished:
        parts = []
        if found.unexplained:
            parts.append("publishes " + ", ".join(publish_text(b) for b in found.unexplained) + " beyond the file")
        if found.unpublished:
            parts.append("does not publish " + ", ".join(publish_text(b) for b in found.unpublished))
        return DRIFT, "; ".join(parts)
    if not met:
        return MISSED, "does not publish the expected address and port"
    wide = [b for b in running if b.verdict is not Verdict.LOOPBACK]
    if wide or exposed_codes:
        what = ", ".join(publish_text(b) for b in wide) or "see the findings"
        return EXPOSED, f"as the file says, but not on loopback: {what}"
    if not running:
        return CONFIRMED, "publishes nothing"
    return CONFIRMED, "publishes exactly what the file says, on loopback"


def _confirm_projects(projects: list[Project], view: EngineView, settings: ConfirmSettings, plain, wants):
    engine = view.facts.name
    selection = settings.lint.selection
    rows: list[Row] = []
    findings: list[Finding] = []
    judged: list[Comparison] = []
    paired: list[Comparison] = []
    selected = []
    for project in projects:
        by_name = {s.name: s for s in project.services}
        mine = [(i, b) for i, b in view.containers if i.compose_project == project.name and i.running]
        mine.sort(key=lambda c: (c[0].compose_service or "", c[0].labels.get(ONEOFF_LABEL) == "True", c[0].name))
        running_services = set()
        for info, running in mine:
            selected.append((info, running))
            service = by_name.get(info.compose_service or "")
            oneoff = info.labels.get(ONEOFF_LABEL) == "True"
            declared = service.bindings if service else ()
            found = mismatch(declared, running, oneoff) if service is not None else Mismatch(running, ())
            as_service = service_of(info, list(running), engine, view.gateway_networks)
            exposure = check(Subject(services=(as_service,)), plain)
            container_wants = [] if oneoff else _expectations_for(info, wants)
            expect_found, met = _expect_findings(as_service, container_wants, selection)
            findings += expect_found
            every, pairs = _drift_comparisons(info, service, found, project, info.location(engine))
            judged += every
            paired += pairs
            verdict, reason = _verdict(found, running, met, bool(exposure) or as_service.network_mode == "host")
            if service is None:
                reason = f"service {info.compose_service!r} is not defined in the compose files; " + reason
            running_services.add(info.compose_service)
            rows.append(Row(
                engine, project.shown, info.compose_service or info.name, info.name, info.id, oneoff,
                tuple(publish_text(b) for b in declared) if service else ("(not defined)",),
                tuple(publish_text(b) for b in running), ", ".join(str(w) for w in container_wants),
                verdict, reason + (" (one-off run container)" if oneoff else ""),
            ))
        for service in project.services:
            if service.name in running_services:
                continue
            declared_text = tuple(publish_text(b) for b in service.bindings)
            service_wants = [w for w in wants if w.service == service.name]
            if service.name not in project.active:
                rows.append(Row(engine, project.shown, service.name, "", "", False, declared_text, None, "",
                                PROFILE_OFF, f"profiles {', '.join(service.profiles)} not active"))
                continue
            stopped = RULES["BG016"].check(service, selection.options)
            if settings.allow_stopped:  # an info, unless the user configured BG016's severity
                stopped = (v._replace(severity=Severity.INFO) for v in stopped)
            findings += stamp_all(selection, "BG016", stopped)
            verdict = STOPPED_ALLOWED if settings.allow_stopped and not service_wants else NOT_RUNNING
            findings += stamp_all(selection, "BG009", [bg009.absent(w, service.location, bg009.NOT_RUNNING,
                                                                    project.shown) for w in service_wants])
            rows.append(Row(engine, project.shown, service.name, "", "", False, declared_text, None,
                            ", ".join(str(w) for w in service_wants), verdict,
                            "no running container: cannot be confirmed"))
    # every drift, worded by the BG010 rule and stamped by the runner
    findings += check(Subject(comparisons=tuple(judged)), _only(selection, "BG010"))
    return selected, rows, findings, paired


def _confirm_expectations(view: EngineView, selected, wants, plain):
    engine = view.facts.name
    rows: list[Row] = []
    findings: list[Finding] = []
    for info, running in selected:
        container_wants = _expectations_for(info, wants)
        as_service = service_of(info, list(running), engine, view.gateway_networks)
        expect_found, met = _expect_findings(as_service, container_wants, plain)
        findings += expect_found
        exposure = check(Subject(services=(as_service,)), plain)
        verdict, reason = _verdict(Mismatch((), ()), running, met, bool(exposure) or as_service.network_mode == "host")
        if verdict == CONFIRMED:
            reason = "publishes the expected address and port, on loopback"
        rows.append(Row(engine, info.compose_project or "", info.compose_service or info.name, info.name, info.id,
                        info.labels.get(ONEOFF_LABEL) == "True", None,
                        tuple(publish_text(b) for b in running), ", ".join(str(w) for w in container_wants),
                        verdict, reason))
    return rows, findings
