"""``bindguard watch`` against real engines: events, resolution, reconnects, hooks, metrics.

Every watcher here is the real CLI in a child process (``watchbed.WatchProcess``)
reading JSON Lines.  Timing is judged on the tool's own report (the event's
engine time and the finding's timestamp, both from the engine host's clock),
never on the test's stopwatch.
"""

from __future__ import annotations

import datetime
import json
import signal
import sys
import time

import pytest

from enginebed import docker, free_host_port, inspect
from watchbed import WatchProcess, free_port, scrape

LOOPBACK_OPT = "com.docker.network.bridge.host_binding_ipv4"


def port18() -> int:
    return free_host_port()


def exposed_httpd(name: str, engine_url: str) -> None:
    """A busybox httpd published on every interface (BG001) on the engine at ``engine_url``."""
    docker("run", "-d", "--name", name, "--stop-timeout", "1", "-p", f"{port18()}:80",
           "bindguard-test/busybox:1", "busybox", "httpd", "-f", "-p", "80", "-h", "/", engine_url=engine_url)


def parse_time(text: str) -> float:
    """RFC 3339 with up to nanoseconds (Docker's StartedAt) or our ...Z timestamps."""
    text = text.rstrip("Z")
    whole, _, frac = text.partition(".")
    base = datetime.datetime.fromisoformat(whole).replace(tzinfo=datetime.UTC).timestamp()
    return base + (float("0." + frac) if frac else 0.0)


def test_exposed_container_found_after_its_start_event_and_resolved_when_stopped(engine, containers, watcher):
    w = watcher("--host", engine, "--format", "json")
    w.up(engine)
    before = len(w.records)
    c = containers.run("watch-exposed", ports=[f"{port18()}:80"])
    new = w.record("new", c.name, "BG001", after=before)
    event = new["event"]
    assert event["type"] == "container" and event["action"] == "start" and event["id"] == c.id
    # the tool's own report: the finding was known within 1 s of the start event
    assert 0 <= event["lag_seconds"] < 1.0
    assert parse_time(new["timestamp"]) - parse_time(event["time"]) == pytest.approx(event["lag_seconds"], abs=1e-3)
    # and after the engine's own record of the start (same clock: this host)
    started = parse_time(c.inspect()["State"]["StartedAt"])
    assert 0 <= parse_time(new["timestamp"]) - started < 1.0
    assert new["finding"]["container_id"] == c.id and new["finding"]["severity"] == "error"

    c.stop()
    resolved = w.record("resolved", c.name, "BG001", after=before)
    assert resolved["event"]["action"] == "die"
    assert w.records.index(resolved) > w.records.index(new)
    assert w.stop() == 0  # SIGTERM: a clean exit 0


def test_recreated_on_loopback_gives_no_new_finding(engine, containers, watcher):
    port = port18()
    w = watcher("--host", engine, "--format", "json")
    w.up(engine)
    before = len(w.records)
    exposed = containers.run("watch-recreate", ports=[f"{port}:80"])
    w.record("new", exposed.name, "BG001", after=before)
    docker("rm", "-f", exposed.name)
    w.record("resolved", exposed.name, after=before)
    fixed = containers.run("watch-recreated", ports=[f"127.0.0.1:{port}:80"])
    # a marker started after the loopback one: when its finding is out, the
    # loopback container's start event has been handled without a finding
    marker = containers.run("watch-marker", ports=[f"{port18()}:80"])
    w.record("new", marker.name, after=before)
    assert not [r for r in w.records if r["finding"].get("container") == fixed.name]
    assert w.stop(signal.SIGINT) == 0  # Ctrl-C: exit 0 too


def test_network_host_binding_ipv4_change_is_handled(engine, containers, networks, watcher):
    """A running container on a network whose host_binding_ipv4 is 127.0.0.1 publishes
    on loopback; once it leaves that network (still on ``bridge``) the engine re-publishes
    the port on every interface, with no container event: the network event finds it."""
    loop_net = networks.create("watch-loopback", options={LOOPBACK_OPT: "127.0.0.1"})
    w = watcher("--host", engine, "--format", "json", "--select", "BG001,BG002,BG003")
    w.up(engine)
    before = len(w.records)
    c = containers.run("watch-netopt", ports=[f"{port18()}:80"], network=loop_net)
    docker("network", "connect", "bridge", c.name)
    marker = containers.run("watch-netopt-marker", ports=[f"{port18()}:80"])
    w.record("new", marker.name, after=before)
    # on loopback so far: its start and the connect were handled without a finding
    assert not [r for r in w.records[before:] if r["finding"].get("container") == c.name]

    docker("network", "disconnect", loop_net, c.name)
    new = w.record("new", c.name, "BG001", after=before)
    assert new["event"]["type"] == "network" and new["event"]["action"] == "disconnect"
    assert new["event"]["name"] == loop_net
    assert c.published()["80/tcp"][0]["HostIp"] == "0.0.0.0"  # the engine agrees
    c.stop()
    resolved = w.record("resolved", c.name, "BG001", after=before)
    assert resolved["event"]["action"] == "die"
    assert w.stop() == 0


def test_engine_restart_reconnects_and_reaudits(private_engine, tmp_path, watcher):
    """dockerd (a private one) restarts, and its socket is gone meanwhile: the watcher
    retries, reconnects, and its full re-audit finds what changed while it was away."""
    link = tmp_path / "engine.sock"
    link.symlink_to(private_engine.socket)
    url = f"unix://{link}"
    w = watcher("--host", url, "--format", "json", "--backoff-max", "0.5", "--select", "BG001")
    w.up(url)
    name = f"bindguard-test-watch-restart-{int(time.time() * 1000) % 10**8}"
    exposed_httpd(name, private_engine.url)
    w.record("new", name, "BG001")

    link.unlink()  # the socket disappears for the watcher ...
    down_at = len(w.errors)
    private_engine.stop()  # ... and the engine stops
    w.stderr_line("DOWN", after=down_at)
    private_engine.start()
    # while the watcher cannot reach it: a new exposed container, and the old one is gone
    late = f"{name}-late"
    exposed_httpd(late, private_engine.url)
    assert inspect(name, private_engine.url)["State"]["Running"] is False
    link.symlink_to(private_engine.socket)  # the socket is back

    found = w.record("new", late, "BG001")
    assert found["event"] == {"type": "audit", "action": "reconnect"}
    gone = w.record("resolved", name, "BG001")
    assert gone["event"]["type"] in ("audit", "container")  # re-audit, or the die event before shutdown
    w.stderr_line("reconnected")
    assert w.stop() == 0


def test_one_failing_engine_never_stops_the_others(engine, containers, watcher, tmp_path):
    dead = f"unix://{tmp_path}/no-engine.sock"
    w = watcher("--host", dead, "--host", engine, "--format", "json")
    w.up(engine)
    w.stderr_line(f"{dead}: DOWN")
    before = len(w.records)
    c = containers.run("watch-two", ports=[f"{port18()}:80"])
    w.record("new", c.name, "BG001", after=before)
    assert w.proc.poll() is None
    assert w.stop() == 0


def test_once_exposed_exits_1(engine, containers, watcher):
    c = containers.run("watch-once", ports=[f"{port18()}:80"])
    w = watcher("--host", engine, "--format", "json", "--once-exposed", "--select", "BG001")
    assert w.proc.wait(60) == 1
    w.record("new", c.name, "BG001", timeout=5)


def test_exec_hook_gets_each_new_finding_as_json_on_stdin(engine, containers, watcher, tmp_path):
    out = tmp_path / "hook.jsonl"
    hook = tmp_path / "hook.py"
    hook.write_text(f"import sys\nopen({str(out)!r}, 'ab').write(sys.stdin.buffer.read())\n")
    w = watcher("--host", engine, "--format", "json", "--select", "BG001", "--exec", f"{sys.executable} {hook}")
    w.up(engine)
    before = len(w.records)
    c = containers.run("watch-hook", ports=[f"{port18()}:80"])
    w.record("new", c.name, "BG001", after=before)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        got = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
        mine = [r for r in got if r["finding"]["container"] == c.name]
        if mine:
            break
        time.sleep(0.1)
    assert mine and mine[0]["change"] == "new" and mine[0]["finding"]["rule"] == "BG001"
    c.stop()
    w.record("resolved", c.name, after=before)
    assert w.stop() == 0
    # resolved findings run no hook
    got = [json.loads(line) for line in out.read_text().splitlines()]
    assert all(r["change"] == "new" for r in got)


def _metrics_port(w: WatchProcess) -> int:
    line = w.stderr_line("metrics on http://")
    return int(line.rsplit(":", 1)[1].split("/")[0])


def test_metrics_endpoint_follows_exposure(engine, containers, watcher):
    from prometheus_client.parser import text_string_to_metric_families

    w = watcher("--host", engine, "--format", "json", "--metrics-address", "127.0.0.1:0")
    port = _metrics_port(w)
    w.up(engine)
    before = len(w.records)
    host_port = port18()
    c = containers.run("watch-metrics", ports=[f"{host_port}:80"])
    w.record("new", c.name, "BG001", after=before)

    def series():
        fams = {f.name: f for f in text_string_to_metric_families(scrape(port))}
        return fams, [s for s in fams["bindguard_exposed_port"].samples if s.labels["container"] == c.name]

    fams, mine = series()
    assert len(mine) == 1 and mine[0].value == 1
    assert mine[0].labels == {
        "engine": engine,
        "container": c.name,
        "service": c.name,
        "project": "",
        "host_ip": "0.0.0.0,::",
        "host_port": str(host_port),
        "protocol": "tcp",
        "rule": "BG001",
    }
    assert [s.value for s in fams["bindguard_engine_up"].samples if s.labels["engine"] == engine] == [1]
    assert fams["bindguard_events"].samples[0].value >= 1
    assert any(s.labels["rule"] == "BG001" for s in fams["bindguard_findings"].samples)
    assert "bindguard_event_lag_seconds" in fams and "bindguard_last_audit_timestamp_seconds" in fams
    c.stop()
    w.record("resolved", c.name, after=before)
    assert series()[1] == []  # gone at the next scrape, not stale
    assert w.stop() == 0


def test_prometheus_scrapes_the_exposed_port(engine, containers, watcher, prometheus):
    port = free_port()
    w = watcher("--host", engine, "--format", "json", "--metrics-address", f"127.0.0.1:{port}")
    w.stderr_line("metrics on http://")
    w.up(engine)
    prom = prometheus(f"127.0.0.1:{port}")
    c = containers.run("watch-prom", ports=[f"{port18()}:80"])
    expr = f'bindguard_exposed_port{{container="{c.name}",rule="BG001"}}'
    deadline = time.monotonic() + 60
    result = []
    while time.monotonic() < deadline and not result:
        result = prom.query(expr)
        time.sleep(0.2)
    assert result, f"Prometheus never saw {expr}"
    assert result[0]["value"][1] == "1" and result[0]["metric"]["job"] == "bindguard"
    up = prom.query(f'bindguard_engine_up{{engine="{engine}"}}')
    assert up and up[0]["value"][1] == "1"
    assert w.stop() == 0


def test_audit_metrics_file_for_the_textfile_collector(engine, containers, tmp_path):
    from prometheus_client.parser import text_string_to_metric_families

    from helpers import bindguard_cli

    c = containers.run("audit-metrics", ports=[f"{port18()}:80"])
    target = tmp_path / "bindguard.prom"
    dead = f"unix://{tmp_path}/none.sock"
    proc = bindguard_cli(
        "audit", "--no-config", "--host", engine, "--host", dead, "--metrics-file", str(target), "--format", "json"
    )
    assert proc.returncode == 2  # one engine failed; the metrics still say so
    text = target.read_text()
    assert text.endswith("\n") and [p.name for p in tmp_path.iterdir()] == ["bindguard.prom"]
    fams = {f.name: f for f in text_string_to_metric_families(text)}
    mine = [s for s in fams["bindguard_exposed_port"].samples if s.labels["container"] == c.name]
    assert [(s.labels["rule"], s.value) for s in mine] == [("BG001", 1)]
    up = {s.labels["engine"]: s.value for s in fams["bindguard_engine_up"].samples}
    assert up == {engine: 1, dead: 0}
    # same findings as the JSON report
    report = json.loads(proc.stdout)
    ours = [f for f in report["findings"] if f.get("container") == c.name]
    assert [f["rule"] for f in ours] == ["BG001"]


def test_one_inspect_gives_the_bindings_the_container_list_gives(engine, containers):
    """The event path (inspect) and the audit path (list) agree on real engine output."""
    from bindguard.engine.client import EngineTarget, connect, negotiate
    from bindguard.engine.containers import container_info, running_bindings
    from bindguard.engine.live import list_item

    c = containers.run("watch-shapes", ports=[f"{port18()}:80", "127.0.0.1::81/udp", "82", f"[::1]:{port18()}:83"])
    target = EngineTarget(engine, engine)
    client = connect(target)
    negotiate(client, target)
    listed = client.api.containers(filters={"id": c.id})[0]
    inspected = list_item(client.api.inspect_container(c.id))
    from_list = running_bindings(container_info(listed), listed["Ports"], engine)
    from_inspect = running_bindings(container_info(inspected), inspected["Ports"], engine)
    assert sorted(from_inspect) == sorted(from_list) and len(from_list) >= 4
    assert container_info(inspected) == container_info(listed)


def test_alert_rules_pass_promtool_and_fire_after_one_minute():
    """contrib/prometheus: the rule file is valid and its unit test (an exposed port
    alerts after 1 m, one resolved within 15 s never does) passes in promtool."""
    import subprocess

    from peerbed import PROMETHEUS, require_tool
    from watchbed import REPO

    require_tool("promtool", PROMETHEUS)
    rules = REPO / "contrib" / "prometheus"
    check = subprocess.run(
        ["promtool", "check", "rules", "bindguard-alerts.yml"], cwd=rules, capture_output=True, text=True, timeout=120
    )
    assert check.returncode == 0, check.stdout + check.stderr
    test = subprocess.run(
        ["promtool", "test", "rules", "bindguard-alerts.test.yml"],
        cwd=rules,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert test.returncode == 0 and "SUCCESS" in test.stdout, test.stdout + test.stderr


def test_systemd_unit_runs_watch_with_real_options():
    import shlex

    from typer.testing import CliRunner

    from bindguard.cli import app

    from watchbed import REPO

    unit = (REPO / "contrib" / "systemd" / "bindguard-watch.service").read_text()
    exec_start = next(line.split("=", 1)[1] for line in unit.splitlines() if line.startswith("ExecStart="))
    argv = shlex.split(exec_start)
    assert argv[0].endswith("/bindguard") and argv[1] == "watch"
    help_text = CliRunner().invoke(app, ["watch", "--help"], terminal_width=200).output
    for word in argv[2:]:
        if word.startswith("--"):
            assert word in help_text, word
    assert "127.0.0.1:" in exec_start  # the metrics stay on loopback


def test_incremental_findings_equal_the_audits(engine, containers, networks):
    """One container re-audited from its inspect gives exactly the findings a full audit gives it."""
    from bindguard.engine.audit import AuditSettings, EngineResult, audit_engine, load_engine
    from bindguard.engine.client import EngineTarget, connect, negotiate
    from bindguard.engine.live import LiveEngine

    net = networks.create("watch-equal", options={LOOPBACK_OPT: "127.0.0.1"})
    target = EngineTarget(engine, engine)
    settings = AuditSettings(targets=(target,))
    live = LiveEngine(engine, settings.selection)
    live.load(load_engine(target, settings, EngineResult(target)))  # before the containers exist
    made = [
        containers.run("watch-eq-wide", ports=[f"{port18()}:80", "127.0.0.1::81"]),
        containers.run("watch-eq-net", ports=[f"{port18()}:80"], network=net),
        containers.run("watch-eq-host", network="host"),
    ]
    client = connect(target)
    negotiate(client, target)
    for c in made:
        live.apply_inspect(c.id, client.api.inspect_container(c.id))
    ids = {c.id for c in made}
    audited = {f for f in audit_engine(target, settings).findings if f.location.container_id in ids}
    watched = {f for f in live.findings if f.location.container_id in ids}
    assert watched == audited and {f.code for f in audited} >= {"BG001", "BG004"}
