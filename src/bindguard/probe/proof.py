"""``audit --prove``: every port an engine audit saw, probed from a neighbour.

Turns BG011's claim from the version number ("an engine before 28.0 lets
neighbours reach 127.0.0.1 ports") into evidence per binding: the audit
hands over its Subject, one neighbour probes every published TCP host port,
and each binding gets a :class:`~bindguard.model.NeighbourProof` that BG015
reads.  Only an engine on this host can be proven (a unix socket): the
neighbour is joined to *this* kernel, so for a remote engine it would
prove nothing and the audit says so instead.
"""

from __future__ import annotations

from collections.abc import Callable

from bindguard.model import NeighbourProof, Subject, Verdict, version_tuple
from bindguard.probe.neighbour import NeighbourPort, NeighbourReport, probe_from_neighbour, verdict_of
from bindguard.probe.neighbour_render import ms
from bindguard.probe.sources import MAX_RANGE

Prover = Callable[[Subject, str], "tuple[tuple[NeighbourProof, ...], list[str], dict | None]"]


def is_local(url: str) -> bool:
    return url.startswith("unix://") or url.startswith("/")


def ports_of(binding) -> list[int]:
    if binding.host_ports is None or binding.protocol != "tcp":
        return []
    end = min(binding.host_ports.end, binding.host_ports.start + MAX_RANGE - 1)
    return list(range(max(1, binding.host_ports.start), end + 1))


def families(binding) -> set[int]:
    """The IP versions a binding listens on (``127.0.0.1`` → {4}, no host IP → {4, 6})."""
    return {6 if ":" in address else 4 for address in binding.effective}


def verdict_for(binding, port: NeighbourPort, timeout: float):
    """The port's verdict from the attempts of the binding's own address family.

    Docker lets one container publish ``127.0.0.1:P`` and another ``[::]:P``;
    the IPv6 one answering the neighbour proves nothing about the IPv4 one.
    """
    own = families(binding)
    attempts = [a for a in port.attempts if (6 if ":" in a.address else 4) in own]
    return verdict_of(attempts, timeout)


def proofs_for(subject: Subject, report: NeighbourReport) -> tuple[NeighbourProof, ...]:
    """One proof per TCP binding: the port that answered, else the first port's verdict."""
    by_port = {p.port: p for p in report.ports}
    out = []
    for binding in subject.bindings:
        seen = [(p, *verdict_for(binding, by_port[p], report.timeout))
                for p in ports_of(binding) if p in by_port]
        if not seen:
            continue
        port, verdict, seconds = next((s for s in seen if s[1].answers), seen[0])
        out.append(NeighbourProof(binding, verdict.value, port, seconds,
                                  report.neighbour_address, verdict.answers))
    return tuple(out)


def make_prover(timeout: float, net_text: str | None = None) -> Prover:
    """The audit's hook: ``prover(subject, engine_url)`` → (proofs, notes, neighbour summary)."""
    from bindguard.probe.netns import parse_net, used_networks

    def prove(subject: Subject, url: str):
        engine = subject.engine
        name = engine.name if engine else url
        if not is_local(url):
            return (), [f"{name}: not proven: the engine is not on this host, and a neighbour "
                        "of this host proves nothing about it"], None
        ports = sorted({p for b in subject.bindings for p in ports_of(b)})
        if not ports:
            return (), [f"{name}: not proven: no published TCP port"], None
        net = parse_net(net_text, used_networks()) if net_text else None
        report = probe_from_neighbour(ports, timeout, net)
        proofs = proofs_for(subject, report)
        notes = [f"{name}: neighbour {report.neighbour_address} probed {len(ports)} ports in "
                 f"{report.seconds:.2f} s"]
        notes += [f"{name}: port {p.port}: {p.verdict.value} ({ms(p.seconds)})" for p in report.ports]
        loopback = [pr for pr in proofs if pr.binding.verdict is Verdict.LOOPBACK]
        old = engine is not None and engine.version and version_tuple(engine.version) < (28, 0, 0)
        if engine is not None and old and loopback and not any(pr.answered for pr in loopback):
            notes.append(
                f"{name}: engine {engine.version} is older than 28.0.0 (BG011), but none of its "
                f"{len(loopback)} loopback-published ports answered a neighbour: the bypass is "
                "blocked on this host (e.g. by a raw-table rule)"
            )
        return proofs, notes, report.to_dict()

    return prove
