"""``bindguard audit`` as a library call: engines in, one Report out.

Per engine the cost is a constant number of API calls however many
containers run: ``version``, the network list and the container list, plus
one inspect per *stopped* container when ``--all`` asks for them (the list
does not carry a stopped container's requested bindings).  The engine is
read by ``reader.read_engine``, the same reader ``audit PATHS`` uses.
Several engines are audited concurrently; an engine that fails becomes an
error line while the others are still reported.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from bindguard.engine.client import EngineTarget
from bindguard.engine.containers import service_of
from bindguard.engine.drift import compare, label_notes
from bindguard.engine.facts import describe, desktop_services
from bindguard.engine.reader import EngineView, read_engine
from bindguard.engine.remedy import compose_stories
from bindguard.errors import EngineError
from bindguard.model import Finding, Subject, count_published
from bindguard.reporters.assemble import make_report
from bindguard.reporters.base import Report
from bindguard.runner import RuleSelection, check


@dataclass(frozen=True)
class AuditSettings:
    targets: tuple[EngineTarget, ...]
    include_stopped: bool = False
    timeout: float = 5.0
    selection: RuleSelection = field(default_factory=RuleSelection)
    drift: bool = True
    environ: dict[str, str] | None = None
    show_values: bool = False  # --show-values: drift messages may print the auditor's variables
    # called with a short status line when an engine has many containers to read
    note: Callable[[str], None] | None = None
    # audit --prove: (subject, engine url) -> (NeighbourProofs, notes, neighbour summary)
    prove: Callable[[Subject, str], tuple] | None = None


@dataclass
class EngineResult:
    target: EngineTarget
    findings: list[Finding] = field(default_factory=list)
    error: EngineError | None = None
    version: str = ""
    api_version: str = ""
    containers: int = 0
    running: int = 0
    api_calls: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    ports: int = 0  # published ports checked (model.count_published)
    exposed: int = 0  # of those, not on loopback
    neighbour: dict[str, Any] | None = None  # audit --prove: what the neighbour saw
    subject: Subject | None = None  # what was read (bindings for --metrics-file)

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.target.name,
            "url": self.target.url,
            "version": self.version or None,
            "api_version": self.api_version or None,
            "containers": self.containers,
            "running": self.running,
            "api_calls": self.api_calls,
            "seconds": round(self.seconds, 3),
            "findings": len(self.findings),
            "error": str(self.error) if self.error else None,
            "notes": self.notes,
            "engine": describe(self.subject.engine) if self.subject and self.subject.engine else None,
            **({"neighbour": self.neighbour} if self.neighbour is not None else {}),
        }


def load_engine(target: EngineTarget, settings: AuditSettings, result: EngineResult) -> Subject:
    """Read one engine into a Subject (``reader.read_engine``); EngineError on any failure."""
    def counted(calls: int) -> None:
        result.api_calls = calls  # also when the read fails

    view = read_engine(target, settings.timeout, include_stopped=settings.include_stopped, note=settings.note,
                       counted=counted)
    result.version, result.api_version = view.facts.version, view.facts.api_version
    result.containers, result.running = view.listed, view.running
    result.notes.extend(view.notes)
    return engine_subject(view, settings.environ, settings.show_values, drift=settings.drift)


def engine_subject(view: EngineView, environ: dict[str, str] | None, show_values: bool = False,
                   drift: bool = True) -> Subject:
    """What an audit checks: every container read as a Service, the engine's facts, and
    (``drift``) each Compose container's bindings next to its compose files."""
    name = view.facts.name
    services = [service_of(info, list(b), name, view.gateway_networks) for info, b in view.containers]
    listed = [(info, list(b)) for info, b in view.containers]
    comparisons = compare(listed, name, environ, show_values) if drift else []
    return Subject(services=tuple(desktop_services(services, view.facts)), sources=(name,), engine=view.facts,
                   comparisons=tuple(comparisons))


def audit_engine(target: EngineTarget, settings: AuditSettings) -> EngineResult:
    result = EngineResult(target)
    started = time.perf_counter()
    try:
        subject = load_engine(target, settings, result)
        if settings.prove is not None:
            proofs, notes, result.neighbour = settings.prove(subject, target.url)
            subject = subject._replace(proofs=proofs)
            result.notes.extend(notes)
            for text in notes:
                if settings.note is not None:
                    settings.note(text)
        result.subject = subject
        result.findings = compose_stories(check(subject, settings.selection), subject, settings.environ)
        result.ports, result.exposed = count_published(subject.bindings)
    except EngineError as exc:
        result.error = exc
    result.seconds = time.perf_counter() - started
    return result


def audit(
    settings: AuditSettings, progress: Callable[[EngineResult], None] | None = None
) -> tuple[Report, list[EngineResult]]:
    """Audit every engine (concurrently); errors stay in their EngineResult."""
    targets = list(settings.targets)
    if len(targets) == 1:
        results = [audit_engine(targets[0], settings)]
    else:
        with ThreadPoolExecutor(max_workers=min(8, len(targets))) as pool:
            futures = [pool.submit(audit_engine, t, settings) for t in targets]
            results = []
            for future in futures:
                results.append(future.result())
                if progress is not None:
                    progress(results[-1])
    findings = [f for r in results for f in r.findings]
    sources = tuple(r.target.name for r in results if r.error is None)
    report = make_report(
        findings, "engine", sources, engines=tuple(r.summary() for r in results),
        published_ports=sum(r.ports for r in results if r.error is None),
        exposed=sum(r.exposed for r in results if r.error is None),
        # compose files named by container labels: said where they come from, never quoted
        notes=label_notes(c for r in results if r.subject is not None for c in r.subject.comparisons),
    )
    return report, results
