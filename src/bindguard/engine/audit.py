"""``bindguard audit`` as a library call: engines in, one Report out.

Per engine the cost is a constant number of API calls however many
containers run: ``version``, the network list and the container list, plus
one inspect per *stopped* container when ``--all`` asks for them (the list
does not carry a stopped container's requested bindings).  Several
engines are audited concurrently; an engine that fails becomes an error
line while the others are still reported.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from bindguard.engine.client import EngineTarget, connect, negotiate, read_info, translate
from bindguard.engine.containers import (
    container_info,
    network_default,
    network_facts,
    requested_bindings,
    running_bindings,
    service_of,
)
from bindguard.engine.daemon import local_host_facts
from bindguard.engine.drift import compare, label_notes
from bindguard.engine.facts import describe, desktop_services, engine_facts
from bindguard.engine.podman import DOCKER, PODMAN, PodmanView, engine_kind
from bindguard.engine.remedy import compose_stories
from bindguard.errors import EngineError
from bindguard.model import Finding, Subject, Verdict, version_tuple
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

PROGRESS_MIN_CONTAINERS = 50


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
    ports: int = 0  # published port entries checked
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
    """Read one engine into a Subject; EngineError on any failure."""
    client = connect(target, settings.timeout)
    api = client.api
    try:
        version = negotiate(client, target)
        result.version = str(version.get("Version", ""))
        result.api_version = str(version.get("ApiVersion", ""))
        kind = engine_kind(version)
        engine_info, refused = read_info(api)  # rootless, Docker Desktop, firewall backend: engine/facts.py
        result.notes.extend([refused] if refused else [])
        nets = network_facts(api.networks())
        listed = [(container_info(item), item) for item in api.containers(all=settings.include_stopped)]
        by_name = {n.name: n for n in nets}
        # Podman's compat list misses ranges and network modes: its own list fills them in
        podman = PodmanView(api, settings.include_stopped, by_name, engine_info) if kind == PODMAN else None
        stopped = sum(1 for info, _ in listed if not info.running)
        if settings.note and len(listed) >= PROGRESS_MIN_CONTAINERS and podman is None:
            settings.note(
                f"{target.name}: {len(listed)} containers"
                + (f", inspecting {stopped} stopped ones" if stopped else "")
            )
        services = []
        labelled = []
        # Gateway modes (BG014) exist since Docker 27: older engines keep the option and ignore it.
        gateway_nets = by_name if kind == DOCKER and version_tuple(result.version) >= (27, 0) else None
        for info, item in listed:
            result.containers += 1
            if podman is not None:
                read = podman.read(info, target.name)
                if read is None:
                    continue
                info, bindings = read
                result.running += info.running
            elif info.running:
                result.running += 1
                bindings = running_bindings(info, item.get("Ports") or [], target.name)
            else:
                bindings = _stopped(api, info, target, by_name, result)
                if bindings is None:
                    continue
            services.append(service_of(info, bindings, target.name, gateway_nets))
            labelled.append((info, bindings))
    except EngineError:
        raise
    except Exception as exc:  # SDK and transport errors
        raise translate(target, exc) from None
    finally:
        result.api_calls = client.calls
        try:
            api.close()
        except Exception:
            pass
    facts = engine_facts(target, version, engine_info, nets, kind, local_host_facts(target.url))
    services = desktop_services(services, facts)
    comparisons = compare(labelled, target.name, settings.environ, settings.show_values) if settings.drift else []
    return Subject(
        services=tuple(services),
        sources=(target.name,),
        engine=facts,
        comparisons=tuple(comparisons),
    )


def _stopped(api, info, target: EngineTarget, networks, result: EngineResult):
    """A stopped container's requested bindings (one inspect), or None if it vanished."""
    import docker.errors

    try:
        data = api.inspect_container(info.id)
    except docker.errors.NotFound:
        result.notes.append(f"container {info.name} was removed during the audit")
        return None
    default, origin = network_default(info, networks)
    return requested_bindings(info, data, target.name, default, origin)


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
        result.ports = len(subject.bindings)
        result.exposed = sum(b.verdict is not Verdict.LOOPBACK for b in subject.bindings)
    except EngineError as exc:
        result.error = exc
    result.seconds = time.perf_counter() - started
    return result


def audit(
    settings: AuditSettings, progress: Callable[[EngineResult], None] | None = None
) -> tuple[Report, list[EngineResult]]:
    """Audit every engine (concurrently); errors stay in their EngineResult."""
    from bindguard.lint import make_report

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
