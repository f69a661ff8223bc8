"""Exposure as Prometheus metrics: served by ``watch``, written by ``audit --metrics-file``.

Teams with many Docker hosts already run Prometheus and Alertmanager, so
bindguard feeds them instead of aggregating anything itself.  The metrics are
computed from snapshots of each engine's findings and bindings at scrape
time (a custom collector), so a resolved exposure disappears from the next
scrape instead of lingering as a stale series:

- ``bindguard_exposed_port{engine,container,service,project,host_ip,host_port,protocol,rule}``
  1 per published binding with a finding (``host_ip``: the addresses it
  listens on, comma-separated; ``host_port``: ``random`` when the engine
  picks it)
- ``bindguard_findings{engine,rule,severity}`` current findings by rule and severity
- ``bindguard_engine_up{engine}``, ``bindguard_last_audit_timestamp_seconds{engine}``
- watch only: ``bindguard_event_lag_seconds{engine}`` (engine event to finding, last
  event), ``bindguard_events_total{engine}``, ``bindguard_reconnects_total{engine}``,
  ``bindguard_exec_runs_total{result}``

``prometheus_client`` is imported here only, and this module only by
``watch`` and ``audit --metrics-file``: ``lint`` never pays for it.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Callable, Iterable
from typing import NamedTuple

from bindguard.ansi import printable
from bindguard.errors import ConfigError
from bindguard.model import Binding, Finding, Verdict, address_verdict

DEFAULT_ADDRESS = "127.0.0.1:9477"


class EngineSnapshot(NamedTuple):
    """One engine as the metrics see it (immutable: safe to read from the server thread)."""

    engine: str
    up: bool
    findings: tuple[Finding, ...] = ()
    bindings: tuple[Binding, ...] = ()
    last_audit: float | None = None  # seconds since the epoch
    event_lag: float | None = None  # watch only
    events: int | None = None  # watch only
    reconnects: int | None = None  # watch only


LABELS = ("engine", "container", "service", "project", "host_ip", "host_port", "protocol", "rule")


def exposure_rows(snapshot: EngineSnapshot) -> list[tuple[str, ...]]:
    """Label values of ``bindguard_exposed_port``: each finding about a published binding.

    Names come from containers and their labels (a stranger's compose file can
    set the service label): each value goes through ``ansi.printable``, since
    the exposition format escapes only ``\\``, ``"`` and newline and people
    read ``/metrics`` with curl in a terminal.
    """
    index: dict[tuple[str, str], Binding] = {}
    for b in snapshot.bindings:
        cid = b.location.container_id or b.location.container or ""
        index.setdefault((cid, b.entry), b)
        index.setdefault((cid, b.spec()), b)
    rows = set()
    for f in snapshot.findings:
        cid = f.location.container_id or f.location.container or ""
        found = index.get((cid, f.entry))
        if found is None or found.verdict is Verdict.LOOPBACK:
            continue
        b = found
        row = (
            snapshot.engine,
            f.location.container or "",
            b.service or "",
            b.project or "",
            ",".join(b.effective),
            b.host_port_text or "random",
            b.protocol,
            f.code,
        )
        rows.add(tuple(printable(value) for value in row))
    return sorted(rows)


class SnapshotCollector:
    """A prometheus_client collector over ``snapshots()`` (called at every scrape)."""

    def __init__(
        self, snapshots: Callable[[], Iterable[EngineSnapshot]], exec_counts: Callable[[], dict[str, int]] | None = None
    ):
        self.snapshots = snapshots
        self.exec_counts = exec_counts

    def describe(self):  # no describe-time collection (the registry would call collect)
        return []

    def collect(self):
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

        snaps = list(self.snapshots())
        exposed = GaugeMetricFamily(
            "bindguard_exposed_port", "A published port with a finding: it is not bound to loopback (1).", labels=LABELS
        )
        findings = GaugeMetricFamily(
            "bindguard_findings", "Current findings by rule and severity.", labels=("engine", "rule", "severity")
        )
        up = GaugeMetricFamily("bindguard_engine_up", "1 if the engine answered its last audit.", labels=("engine",))
        last = GaugeMetricFamily(
            "bindguard_last_audit_timestamp_seconds",
            "When the engine's findings were last computed (Unix time).",
            labels=("engine",),
        )
        lag = GaugeMetricFamily(
            "bindguard_event_lag_seconds", "Seconds from the engine's last event to its findings.", labels=("engine",)
        )
        events = CounterMetricFamily("bindguard_events", "Engine events handled.", labels=("engine",))
        reconnects = CounterMetricFamily("bindguard_reconnects", "Reconnections to the engine.", labels=("engine",))
        for s in snaps:
            for row in exposure_rows(s):
                exposed.add_metric(row, 1)
            engine = printable(s.engine)
            counts = Counter((f.code, str(f.severity)) for f in s.findings)
            for (code, severity), n in sorted(counts.items()):
                findings.add_metric((engine, code, severity), n)
            up.add_metric((engine,), 1 if s.up else 0)
            if s.last_audit is not None:
                last.add_metric((engine,), s.last_audit)
            if s.event_lag is not None:
                lag.add_metric((engine,), s.event_lag)
            if s.events is not None:
                events.add_metric((engine,), s.events)
            if s.reconnects is not None:
                reconnects.add_metric((engine,), s.reconnects)
        families: list[Metric] = [exposed, findings, up, last]
        if any(s.events is not None for s in snaps):
            families += [lag, events, reconnects]
        if self.exec_counts is not None:
            runs = CounterMetricFamily("bindguard_exec_runs", "--exec hook runs by result.", labels=("result",))
            for result, n in sorted(self.exec_counts().items()):
                runs.add_metric((result,), n)
            families.append(runs)
        yield from families


def registry(collector: SnapshotCollector):
    from prometheus_client import CollectorRegistry

    reg = CollectorRegistry(auto_describe=False)
    reg.register(collector)
    return reg


def render(snapshots: Iterable[EngineSnapshot]) -> str:
    """The Prometheus text format (what node-exporter's textfile collector reads)."""
    from prometheus_client import generate_latest

    snaps = list(snapshots)
    return generate_latest(registry(SnapshotCollector(lambda: snaps))).decode("utf-8")


def write_file(path: str, snapshots: Iterable[EngineSnapshot]) -> None:
    """Write the metrics atomically (the textfile collector must never read half a file)."""
    from bindguard.atomic import write_atomic

    write_atomic(path, render(snapshots))


def parse_address(text: str, allow_wildcard: bool = False) -> tuple[str, int]:
    """``HOST:PORT`` (``[v6]:PORT``) of the metrics server; ConfigError if unusable.

    Loopback is the default and anything else must be an IP address; a
    wildcard would publish the inventory of exposed ports to every network
    the host is on, so it needs ``--metrics-allow-wildcard``.  Every spelling
    counts: no host, ``*``, ``0``, ``0.0.0.0``, ``::`` in any form, with a
    zone, and the IPv4-mapped ``::ffff:0.0.0.0`` (a dual-stack socket bound
    there takes every IPv4 address), as ``model.address_verdict`` classifies.
    """
    key = "--metrics-address"
    host, sep, port_text = text.rpartition(":")
    if not sep or not port_text.isdigit() or int(port_text) > 65535:
        raise ConfigError(f"{text!r} is not HOST:PORT (e.g. {DEFAULT_ADDRESS})", key=key)
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if host == "localhost":
        host = "127.0.0.1"
    if host in ("", "*", "0"):
        host = "0.0.0.0"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ConfigError(f"{host!r} is not an IP address (give e.g. 127.0.0.1 or [::1])", key=key) from None
    if address_verdict(str(address)) is Verdict.WILDCARD and not allow_wildcard:
        raise ConfigError(
            f"{address} listens on every interface and would show every exposed port to the network; "
            "use a loopback or specific address, or add --metrics-allow-wildcard",
            key=key,
        )
    return str(address), int(port_text)


def serve(address: tuple[str, int], collector: SnapshotCollector):
    """Start the metrics HTTP server in a daemon thread; (server, port actually bound)."""
    from prometheus_client import start_http_server

    host, port = address
    try:
        server, _thread = start_http_server(port, addr=host, registry=registry(collector))
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}", key="--metrics-address") from None
    return server, server.server_port


def audit_snapshots(results, when: float) -> list[EngineSnapshot]:
    """One snapshot per ``audit`` EngineResult (an engine that failed is ``up`` 0)."""
    return [
        EngineSnapshot(
            engine=r.target.name,
            up=r.error is None,
            findings=tuple(r.findings),
            bindings=tuple(r.subject.bindings) if r.subject is not None else (),
            last_audit=when if r.error is None else None,
        )
        for r in results
    ]


def write_audit_metrics(path: str, results) -> None:
    """``audit --metrics-file``: the audit's metrics, atomically; ConfigError naming the file."""
    import time

    try:
        write_file(path, audit_snapshots(results, time.time()))
    except OSError as exc:
        raise ConfigError(f"cannot write metrics: {exc.strerror or exc}", path=path) from None
