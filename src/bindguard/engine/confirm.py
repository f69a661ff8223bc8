"""``bindguard audit PATHS`` / ``--expect``: is *this* project, as running, what the file says?

The two halves already exist apart: ``lint`` reads a project, ``audit``
reads the engine.  Here they meet, per container:

1. The project is loaded exactly as ``lint`` loads it (``lint.plan`` then
   ``ProjectLoader``), with every service kept so that profiles can be judged
   the way Compose judges them (``--profile``, else ``COMPOSE_PROFILES``).
2. Its name is found as Compose finds it (``-p``, ``COMPOSE_PROJECT_NAME``
   from the environment or the env files, the last top-level ``name:``, else
   the project folder's name normalised like compose-go's
   ``NormalizeProjectName``), and its containers are the ones whose
   ``com.docker.compose.project`` label carries that name.
3. Each running container is compared with its service: every published
   (address, host port, container port, protocol) must be one the file
   allows (ranges and random host ports understood) and every port the file
   publishes must be published.  A mismatch is drift (BG010, through the
   BG010 rule when the container is wider than the file, else a BG010 naming
   the difference); a match on loopback is ``confirmed``; a match elsewhere
   is ``exposed`` (BG001/BG002/... say why).  Replicas and one-off ``run``
   containers are confirmed each (a one-off that publishes nothing is fine:
   ``run`` publishes only with ``--service-ports`` or ``-p``).
4. An active service with no running container is ``not running`` (BG016):
   never confirmed.  ``--expect SERVICE=IP:PORT`` adds BG009 for a container
   (service label or container name) that does not publish it.

Engine cost per target: ``version``, the network list and one container
list (filtered on the project label), however many projects are audited.
"""

import ipaddress
import os
import re
from collections.abc import Iterable
from typing import NamedTuple

from bindguard.compose.environment import Environment
from bindguard.compose.project import ProjectLoader
from bindguard.engine.client import EngineTarget, connect, negotiate, read_info, translate
from bindguard.engine.containers import (
    PROJECT_LABEL,
    ContainerInfo,
    container_info,
    network_facts,
    running_bindings,
    service_of,
)
from bindguard.engine.daemon import local_host_facts
from bindguard.engine.drift import compare, pair
from bindguard.engine.facts import engine_facts
from bindguard.engine.podman import engine_kind
from bindguard.engine.remedy import compose_stories
from bindguard.errors import ConfigError, EngineError, InputError
from bindguard.lint import LintSettings, plan
from bindguard.model import (
    Binding,
    Comparison,
    EngineFacts,
    Finding,
    Location,
    Service,
    Severity,
    Subject,
    Verdict,
    Violation,
    format_address,
    version_tuple,
)
from bindguard.reporters.base import Report
from bindguard.rules import RULES
from bindguard.rules.bg010_compose_drift import _recreate as recreate_hint
from bindguard.rules.options import Expectation
from bindguard.runner import RuleSelection, check, stamp

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


class Project(NamedTuple):
    """One compose project as Compose would run it."""

    name: str
    files: tuple[str, ...]
    services: tuple[Service, ...]  # every service, active or not
    active: frozenset[str]
    profiles: tuple[str, ...]
    findings: tuple[Finding, ...]  # BG000/BG006/BG007 from reading the files


class Row(NamedTuple):
    """One line of the confirmation table: a container, or a service without one."""

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


def project_name(explicit: str | None, env: Environment, declared: str | None, project_dir: str) -> str:
    """``-p`` > ``COMPOSE_PROJECT_NAME`` > top-level ``name:`` > the folder's name."""
    if explicit:
        return _checked(explicit, "--project-name")
    from_env = env.lookup("COMPOSE_PROJECT_NAME")
    if from_env:
        return _checked(from_env, "COMPOSE_PROJECT_NAME")
    if declared:
        name = normalize_project_name(declared)
        if name:
            return name
    folder = os.path.basename(os.path.abspath(project_dir))
    name = normalize_project_name(folder)
    if not name:
        raise InputError(project_dir, "project name must not be empty: give -p NAME")
    return name


def active_profiles(settings: LintSettings, env: Environment) -> tuple[str, ...]:
    """``--profile`` (or the config's profiles), else ``COMPOSE_PROFILES``, as compose-go."""
    if settings.project.profiles:
        return tuple(settings.project.profiles)
    raw = env.lookup("COMPOSE_PROFILES") or ""
    return tuple(p.strip() for p in raw.split(",") if p.strip())


def is_active(service: Service, profiles: tuple[str, ...]) -> bool:
    return not service.profiles or "*" in profiles or bool(set(service.profiles) & set(profiles))


def load_projects(settings: ConfirmSettings) -> list[Project]:
    """Every project under the paths (or the ``-f`` files), loaded as lint loads it.

    One project per name: another compose file beside a folder's ``compose.yaml``
    (``compose.prod.yaml``) is a project of its own to ``lint``, but the containers of
    that name came from the folder's project, which ``plan`` lists first."""
    lint_settings = settings.lint
    units, problems = plan(list(settings.paths), lint_settings)
    units = [u for u in units if u.kind == "compose"]  # containers come from compose projects
    if not units:
        where = ", ".join(settings.paths) or "."
        raise InputError(where, "no compose file found to audit")
    folders = list(dict.fromkeys(os.path.abspath(u.project_dir or os.path.dirname(u.files[0]) or ".") for u in units))
    if settings.project_name and len(folders) > 1:
        raise ConfigError(
            f"names one project, but the paths hold projects in {len(folders)} folders "
            f"({', '.join(folders[:3])}{', ...' if len(folders) > 3 else ''})",
            key="--project-name",
        )
    # Every service is kept (profiles are judged below), but read with the same environment.
    options = lint_settings.project._replace(profiles=(), environ=settings.environ)
    projects: list[Project] = []
    for unit in units:
        loader = ProjectLoader(options)
        subject = loader.load(list(unit.files), unit.project_dir)
        project_dir = unit.project_dir or os.path.dirname(unit.files[0]) or "."
        env = Environment.for_project(project_dir, options.env_files, settings.environ)
        name = project_name(settings.project_name, env, loader.project_name, project_dir)
        if any(p.name == name for p in projects):
            # e.g. compose.prod.yaml beside compose.yaml: lint reads it alone, but the
            # containers of this name came from the folder's project, planned first
            continue
        profiles = active_profiles(lint_settings, env)
        services = tuple(s._replace(project=name) for s in subject.services)
        read = check(Subject(problems=subject.problems), lint_settings.selection)
        projects.append(
            Project(
                name=name,
                files=subject.sources,
                services=services,
                active=frozenset(s.name for s in services if is_active(s, profiles)),
                profiles=profiles,
                findings=tuple(read),
            )
        )
    if problems:
        extra = check(Subject(problems=tuple(problems)), lint_settings.selection)
        projects[0] = projects[0]._replace(findings=projects[0].findings + tuple(extra))
    return projects


# -- the engine ------------------------------------------------------------------------
class EngineView(NamedTuple):
    """The running containers of one engine (or its compose-labelled ones) and its facts."""

    facts: EngineFacts
    containers: tuple[tuple[ContainerInfo, tuple[Binding, ...]], ...]
    gateway_networks: dict | None
    api_calls: int


def read_engine(target: EngineTarget, timeout: float, labelled_only: bool) -> EngineView:
    """Version, info, networks and the running containers: four API calls."""
    client = connect(target, timeout)
    api = client.api
    try:
        version = negotiate(client, target)
        engine_info = read_info(api)[0]  # what BG011 reads, as in audit (engine/facts.py)
        nets = network_facts(api.networks())
        filters = {"label": PROJECT_LABEL} if labelled_only else None
        listed = []
        for item in api.containers(filters=filters):
            info = container_info(item)
            if info.running:
                listed.append((info, tuple(running_bindings(info, item.get("Ports") or [], target.name))))
    except EngineError:
        raise
    except Exception as exc:  # SDK and transport errors
        raise translate(target, exc) from None
    finally:
        calls = client.calls
        try:
            api.close()
        except Exception:
            pass
    engine_version = str(version.get("Version", ""))
    facts = engine_facts(target, version, engine_info, nets, engine_kind(version), local_host_facts(target.url))
    # Gateway modes (BG014) exist since Docker 27: older engines keep the option and ignore it.
    gateway = {n.name: n for n in nets} if version_tuple(engine_version) >= (27, 0) else None
    return EngineView(facts, tuple(listed), gateway, calls)


# -- comparing one container with its service ------------------------------------------
def _same(a: str, b: str) -> bool:
    try:
        return ipaddress.ip_address(a) == ipaddress.ip_address(b)
    except ValueError:
        return a == b


def _host_port_fits(entry: Binding, container_port: int, host_port: int) -> bool:
    """Could ``entry`` publish ``container_port`` on ``host_port``?"""
    hosts, targets = entry.host_ports, entry.container_ports
    if hosts is None:
        return True  # a random host port
    if targets.size > 1 and hosts.size == targets.size:
        return host_port == hosts.start + (container_port - targets.start)
    return hosts.start <= host_port <= hosts.end  # one container port, a range to pick from


def _allows(entry: Binding, address: str, host_port: int, container_port: int, protocol: str) -> bool:
    return (
        entry.protocol == protocol
        and entry.container_ports.start <= container_port <= entry.container_ports.end
        and _host_port_fits(entry, container_port, host_port)
        and any(_same(address, a) for a in entry.effective)
    )


def _published(b: Binding) -> Iterable[tuple[str, int, int, str]]:
    """A running binding as (address, host port, container port, protocol) facts."""
    assert b.host_ports is not None  # the engine reports the port it chose
    for address in b.effective:
        yield address, b.host_ports.start, b.container_ports.start, b.protocol


class Mismatch(NamedTuple):
    """What keeps a container from matching its service."""

    unexplained: tuple[Binding, ...]  # published by the engine, not allowed by the file
    unpublished: tuple[Binding, ...]  # in the file, not published by the engine


def mismatch(declared: tuple[Binding, ...], running: tuple[Binding, ...], oneoff: bool) -> Mismatch:
    """Compare a container's published ports with its service's entries."""
    unexplained = tuple(
        b
        for b in running
        if not all(any(_allows(e, *fact) for e in declared) for fact in _published(b))
    )
    by_port: dict[tuple[int, str], list[tuple[str, int]]] = {}
    for b in running:
        for address, host, container, proto in _published(b):
            by_port.setdefault((container, proto), []).append((address, host))
    unpublished = []
    if not oneoff:  # ``docker compose run`` publishes only with --service-ports or -p
        for e in declared:
            wanted = (e.host_ip,) if e.host_ip else e.effective
            for port in range(e.container_ports.start, e.container_ports.end + 1):
                seen = by_port.get((port, e.protocol), ())
                if not any(
                    _host_port_fits(e, port, host) and any(_same(address, w) for w in wanted)
                    for address, host in seen
                ):
                    unpublished.append(e)
                    break
    return Mismatch(unexplained, tuple(unpublished))


def publish_text(b: Binding) -> str:
    """``127.0.0.1:62893->80/tcp``; ``*`` for every interface, ``random`` host port."""
    if not b.host_ip and set(b.effective) == {"0.0.0.0", "::"}:
        where = "*"
    else:
        where = ",".join(format_address(a) for a in b.effective)
    port = b.host_port_text or "random"
    return f"{where}:{port}->{b.container_ports}/{b.protocol}"


# -- findings the confirmation adds ----------------------------------------------------
def _stamp(selection: RuleSelection, code: str, v: Violation, severity: Severity | None = None) -> list[Finding]:
    rule = RULES[code]
    if rule not in selection.enabled():
        return []
    return [stamp(rule, severity or selection.severity_of(rule), v)]


def _drift_findings(
    info: ContainerInfo,
    service: Service | None,
    found: Mismatch,
    project: Project,
    selection: RuleSelection,
    location: Location,
) -> tuple[list[Finding], list[Comparison]]:
    """BG010 for each mismatch: the BG010 rule's words when the container is wider
    than the file (or the service is gone), else what differs; and the comparisons
    that ``compose_stories`` tells the port's hint from."""
    bg010 = RULES["BG010"]
    out: list[Finding] = []
    comparisons = pair(info, found.unexplained, service, project.files)
    for comparison in comparisons:
        said = [_stamp(selection, "BG010", v) for v in bg010.check(comparison, selection.options)]
        if any(said):
            out.extend(f for group in said for f in group)
            continue
        b = comparison.binding
        assert b is not None  # pair() always gives the binding
        declared = comparison.declared or (service.bindings if service else ())
        says = "; ".join(f"{d.entry!r} at {d.location.file}:{d.location.line}" for d in declared) or "nothing"
        out += _stamp(selection, "BG010", Violation(
            location,
            f"container publishes {publish_text(b)}, which the compose files do not say "
            f"(they say {says}): it was created from another version or another environment",
            recreate_hint(comparison),
            info.compose_service,
            b.entry,
        ))
    if service is None and not found.unexplained:
        out += _stamp(selection, "BG010", Violation(
            location,
            f"service {info.compose_service!r} is no longer defined in {', '.join(project.files)}, "
            "but its container still runs",
            f"remove it: docker compose -p {project.name} up -d --remove-orphans",
            info.compose_service,
            "service not defined",
        ))
    # A file port the container publishes elsewhere is already told above, with where it went.
    told = {(b.container_ports.start, b.protocol) for b in found.unexplained}  # engine ports are single
    for e in found.unpublished:
        if any((p, e.protocol) in told for p in range(e.container_ports.start, e.container_ports.end + 1)):
            continue
        out += _stamp(selection, "BG010", Violation(
            location,
            f"the compose files publish {publish_text(e)} ({e.entry!r} at {e.location.file}:"
            f"{e.location.line}), but the container does not: it was created from another "
            "version or another environment",
            f"recreate it: docker compose -p {project.name} up -d --force-recreate {info.compose_service}",
            info.compose_service,
            e.entry,
        ))
    return out, comparisons


def _expect_findings(
    service: Service, wants: list[Expectation], selection: RuleSelection
) -> tuple[list[Finding], bool]:
    """BG009 through the BG009 rule, with the container standing for the service."""
    if not wants:
        return [], True
    bg009 = RULES["BG009"]
    options = selection.options._replace(expect=tuple(w._replace(service=service.name) for w in wants))
    violations = list(bg009.check(Subject(services=(service,)), options))
    found = [f for v in violations for f in _stamp(selection, "BG009", v)]
    return found, not violations


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


def confirm(targets: list[EngineTarget], settings: ConfirmSettings) -> Outcome:
    """The confirmation table and the findings for ``audit PATHS`` / ``audit --expect``."""
    from bindguard.lint import make_report

    selection = settings.lint.selection
    wants = selection.options.expect
    plain = selection._replace(options=selection.options._replace(expect=()))
    projects = load_projects(settings) if settings.paths or settings.lint.compose_files else []
    findings: list[Finding] = [f for p in projects for f in p.findings]
    rows: list[Row] = []
    calls = ports = exposed = 0
    engines = []
    for target in targets:
        view = read_engine(target, settings.timeout, labelled_only=bool(projects))
        calls += view.api_calls
        if projects:
            selected, new_rows, engine_findings, paired = _confirm_projects(projects, view, settings, plain, wants)
            judged: list[Comparison] = []  # _confirm_projects already said each BG010
        else:
            selected = [(i, b) for i, b in view.containers if _expectations_for(i, wants)]
            new_rows, engine_findings = _confirm_expectations(view, selected, wants, plain)
            # Without paths this is the whole engine's audit, as `audit` reports it, plus expectations.
            paired = judged = compare(((i, list(b)) for i, b in view.containers), target.name, settings.environ)
            selected = list(view.containers)
        rows += new_rows
        services = tuple(service_of(i, list(b), target.name, view.gateway_networks) for i, b in selected)
        subject = Subject(services=services, sources=(target.name,), engine=view.facts,
                          comparisons=tuple(judged))
        engine_findings += check(subject, plain)
        # a Compose container's port: one hint, and an exposure that also drifted said once
        findings += compose_stories(_dedupe(engine_findings), subject._replace(comparisons=tuple(paired)),
                                    settings.environ)
        published = [b for _, running in selected for b in running]
        ports += len(published)
        exposed += sum(b.verdict is not Verdict.LOOPBACK for b in published)
        # the keys of `audit`'s engine summary that apply here: the containers compared, all running
        engines.append({"name": target.name, "url": target.url, "version": view.facts.version or None,
                        "api_version": view.facts.api_version or None, "containers": len(selected),
                        "running": len(view.containers), "api_calls": view.api_calls, "error": None})
    engine_name = targets[0].name if len(targets) == 1 else ""
    missed_rows, missed = _unmatched_expectations(rows, wants, engine_name, selection)
    rows += missed_rows
    findings += missed
    sources = tuple(t.name for t in targets)
    report = make_report(_dedupe(findings), "engine", sources, engines=tuple(engines),
                         published_ports=ports, exposed=exposed)
    report = report._replace(confirmations=tuple(r.as_dict() for r in rows))
    return Outcome(report, tuple(rows), calls)


def _unmatched_expectations(rows: list[Row], wants, engine: str, selection: RuleSelection):
    """An expectation that names no selected container or service is missed (BG009)."""
    named = {r.service for r in rows} | {r.container for r in rows}
    out_rows, out = [], []
    for want in wants:
        if want.service in named:
            continue
        out_rows.append(Row(engine, "", want.service, "", "", False, None, None, str(want), MISSED,
                            "no running container has this compose service label or name"))
        out += _stamp(selection, "BG009", Violation(
            Location(engine=engine or None),
            f"service {want.service!r} should publish {want} but no running container "
            "is named so or carries that compose service label",
            "start it, or check the name (compose service label or container name)",
            want.service, str(want)))
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


def _confirm_projects(projects, view: EngineView, settings: ConfirmSettings, plain, wants):
    engine = view.facts.name
    selection = settings.lint.selection
    rows: list[Row] = []
    findings: list[Finding] = []
    comparisons: list[Comparison] = []
    selected = []
    for project in projects:
        by_name = {s.name: s for s in project.services}
        mine = [(i, b) for i, b in view.containers if i.compose_project == project.name]
        mine.sort(key=lambda c: (c[0].compose_service or "", c[0].labels.get(ONEOFF_LABEL) == "True", c[0].name))
        running_services = set()
        for info, running in mine:
            selected.append((info, running))
            service = by_name.get(info.compose_service or "")
            oneoff = info.labels.get(ONEOFF_LABEL) == "True"
            declared = service.bindings if service else ()
            location = info.location(engine)
            found = mismatch(declared, running, oneoff)
            if service is None:
                found = Mismatch(running, ())
            as_service = service_of(info, list(running), engine, view.gateway_networks)
            exposure = check(Subject(services=(as_service,)), plain)
            container_wants = [] if oneoff else _expectations_for(info, wants)
            expect_found, met = _expect_findings(as_service, container_wants, selection)
            findings += expect_found
            drift, paired = _drift_findings(info, service, found, project, selection, location)
            findings += drift
            comparisons += paired
            verdict, reason = _verdict(found, running, met, bool(exposure) or as_service.network_mode == "host")
            if service is None:
                reason = f"service {info.compose_service!r} is not defined in the compose files; " + reason
            running_services.add(info.compose_service)
            rows.append(Row(
                engine, project.name, info.compose_service or info.name, info.name, info.id, oneoff,
                tuple(publish_text(b) for b in declared) if service else ("(not defined)",),
                tuple(publish_text(b) for b in running), ", ".join(str(w) for w in container_wants),
                verdict, reason + (" (one-off run container)" if oneoff else ""),
            ))
        for service in project.services:
            if service.name in running_services:
                continue
            declared = tuple(publish_text(b) for b in service.bindings)
            service_wants = [w for w in wants if w.service == service.name]
            if service.name not in project.active:
                rows.append(Row(engine, project.name, service.name, "", "", False, declared, None, "",
                                PROFILE_OFF, f"profiles {', '.join(service.profiles)} not active"))
                continue
            severity = Severity.INFO if settings.allow_stopped else None
            bg016 = RULES["BG016"]
            for v in bg016.check(service, selection.options):
                findings += _stamp(selection, "BG016", v, severity)
            verdict = STOPPED_ALLOWED if settings.allow_stopped and not service_wants else NOT_RUNNING
            for want in service_wants:
                findings += _stamp(selection, "BG009", Violation(
                    service.location,
                    f"service {service.name!r} should publish {want} but no container of it is running",
                    f"start it: docker compose -p {project.name} up -d {service.name}",
                    service.name, str(want)))
            rows.append(Row(engine, project.name, service.name, "", "", False, declared, None,
                            ", ".join(str(w) for w in service_wants), verdict,
                            "no running container: cannot be confirmed"))
    return selected, rows, findings, comparisons


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
