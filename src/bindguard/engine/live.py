"""One engine's audit kept up to date, container by container, for ``watch``.

A full audit (``engine.audit.load_engine``, which reads the engine with
``engine.reader.read_engine``: version, networks, container list) gives the
starting Subject; it is split into one part per container
(its Service and its drift Comparisons).  An event then replaces only the
part of the container it names, built from ONE inspect with the same pure
functions the audit uses (``engine.containers``, ``engine.drift``), or the
network facts when a container joins or leaves a network.  The rules run
over the reassembled Subject with ``runner.check`` (and ``remedy.compose_stories``),
exactly as in an audit,
so a finding from ``watch`` is the finding ``audit`` would print; the
difference from the previous set is what is new and what is resolved.

Memory is one part per existing container and the current findings: it
does not grow with the number of events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bindguard.engine.containers import (
    container_info,
    network_default,
    network_facts,
    requested_bindings,
    running_bindings,
    service_of,
)
from bindguard.engine.drift import compare
from bindguard.engine.podman import DOCKER
from bindguard.engine.remedy import compose_stories
from bindguard.model import (
    Binding,
    Comparison,
    EngineFacts,
    Finding,
    NetworkFacts,
    Service,
    Subject,
    version_tuple,
)
from bindguard.runner import RuleSelection, check


def list_item(inspect: dict[str, Any]) -> dict[str, Any]:
    """An inspect answer in the shape of one item of the container list.

    So that ``container_info`` and ``running_bindings`` (written for the
    list) read it unchanged: ``NetworkSettings.Ports`` (``{"80/tcp":
    [{"HostIp", "HostPort"}]}``) becomes the list's ``Ports``
    (``[{"IP", "PrivatePort", "PublicPort", "Type"}]``).
    """
    config = inspect.get("Config") or {}
    settings = inspect.get("NetworkSettings") or {}
    ports: list[dict[str, Any]] = []
    for key, entries in sorted((settings.get("Ports") or {}).items()):
        port, _, proto = key.partition("/")
        if not port.isdigit():
            continue
        if not entries:
            ports.append({"PrivatePort": int(port), "Type": proto or "tcp"})
        for e in entries or ():
            host_port = str((e or {}).get("HostPort") or "")
            ports.append(
                {
                    "IP": (e or {}).get("HostIp", "") or "",
                    "PrivatePort": int(port),
                    "PublicPort": int(host_port) if host_port.isdigit() else 0,
                    "Type": proto or "tcp",
                }
            )
    name = str(inspect.get("Name") or "")
    return {
        "Id": inspect.get("Id", ""),
        "Names": [name] if name else None,
        "Image": config.get("Image", ""),
        "State": (inspect.get("State") or {}).get("Status", ""),
        "Labels": config.get("Labels") or {},
        "HostConfig": {"NetworkMode": (inspect.get("HostConfig") or {}).get("NetworkMode", "")},
        "NetworkSettings": {"Networks": settings.get("Networks") or {}},
        "Ports": ports,
    }


@dataclass
class ContainerPart:
    """What one container contributes to the engine's Subject."""

    container_id: str
    service: Service
    comparisons: tuple[Comparison, ...] = ()


@dataclass
class LiveEngine:
    """The engine as last seen: facts, one part per audited container, findings."""

    name: str
    selection: RuleSelection
    include_stopped: bool = False
    drift: bool = True
    environ: dict[str, str] | None = None
    facts: EngineFacts | None = None
    parts: dict[str, ContainerPart] = field(default_factory=dict)
    findings: frozenset[Finding] = frozenset()

    # -- building the state -------------------------------------------------
    def load(self, subject: Subject) -> tuple[list[Finding], list[Finding]]:
        """Replace everything with a full audit's Subject; (new, resolved)."""
        self.facts = subject.engine
        parts: dict[str, ContainerPart] = {}
        for service in subject.services:
            cid = service.location.container_id or service.name
            parts[cid] = ContainerPart(cid, service)
        for comparison in subject.comparisons:
            cid = comparison.location.container_id or ""
            if cid in parts:
                parts[cid].comparisons += (comparison,)
        self.parts = parts
        return self.recheck()

    def apply_inspect(self, container_id: str, inspect: dict[str, Any] | None) -> tuple[list[Finding], list[Finding]]:
        """One container after an event; ``None`` = it no longer exists."""
        part = self._part(inspect) if inspect is not None else None
        if part is None:
            self.parts.pop(container_id, None)
        else:
            self.parts[part.container_id] = part
            if part.container_id != container_id:
                self.parts.pop(container_id, None)
        return self.recheck()

    def apply_networks(self, items: list[dict[str, Any]]) -> None:
        """Fresh network facts (the list endpoint's answer); no recheck on its own."""
        if self.facts is not None:
            self.facts = self.facts._replace(networks=network_facts(items))

    def recheck(self) -> tuple[list[Finding], list[Finding]]:
        """Run the rules over the whole Subject; (new, resolved) since the last run."""
        subject = self.subject()
        found = frozenset(compose_stories(check(subject, self.selection), subject, self.environ))
        new = sorted(found - self.findings, key=Finding.sort_key)
        resolved = sorted(self.findings - found, key=Finding.sort_key)
        self.findings = found
        return new, resolved

    def subject(self) -> Subject:
        parts = list(self.parts.values())
        return Subject(
            services=tuple(p.service for p in parts),
            sources=(self.name,),
            engine=self.facts,
            comparisons=tuple(c for p in parts for c in p.comparisons),
        )

    def bindings(self) -> list[Binding]:
        return [b for p in self.parts.values() for b in p.service.bindings]

    # -- one container ------------------------------------------------------
    def _networks(self) -> dict[str, NetworkFacts]:
        return {n.name: n for n in (self.facts.networks if self.facts else ())}

    def _part(self, inspect: dict[str, Any]) -> ContainerPart | None:
        """The container's part, as ``load_engine`` would build it, or None if not audited."""
        item = list_item(inspect)
        info = container_info(item)
        networks = self._networks()
        if info.running:
            bindings = running_bindings(info, item["Ports"], self.name)
        elif self.include_stopped:
            default, origin = network_default(info, networks)
            bindings = requested_bindings(info, inspect, self.name, default, origin)
        else:
            return None
        # as reader.read_engine decides it: gateway modes exist on Docker 27 and newer only
        facts = self.facts
        docker27 = facts is not None and facts.kind == DOCKER and version_tuple(facts.version) >= (27, 0)
        gateway = networks if docker27 else None
        service = service_of(info, bindings, self.name, gateway)
        comparisons = tuple(compare([(info, bindings)], self.name, self.environ)) if self.drift else ()
        return ContainerPart(info.id, service, comparisons)
