"""The parts of ``watch`` and the metrics that need no engine: diffs, rendering, hooks, addresses."""

from __future__ import annotations

import json
import sys
import threading

import pytest

from bindguard.engine.changes import Change, Trigger, render_json, render_text
from bindguard.engine.containers import container_info, running_bindings
from bindguard.engine.live import LiveEngine, list_item
from bindguard.engine.watch import backoff_delays
from bindguard.errors import ConfigError
from bindguard.hooks import ExecHook, parse_command
from bindguard.metrics import EngineSnapshot, exposure_rows, parse_address, render
from bindguard.model import EngineFacts, Finding, Location, Severity, Subject
from bindguard.runner import RuleSelection

from helpers import bindguard_cli

ENGINE = "unix:///x.sock"


def inspect_doc(cid="c1", name="/web", state="running", ports=None, labels=None):
    return {
        "Id": cid,
        "Name": name,
        "State": {"Status": state},
        "Config": {"Image": "img:1", "Labels": labels or {}},
        "HostConfig": {"NetworkMode": "bridge", "PortBindings": {}},
        "NetworkSettings": {"Networks": {"bridge": {}}, "Ports": ports or {}},
    }


WIDE = {
    "80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}, {"HostIp": "::", "HostPort": "8080"}],
    "53/udp": [{"HostIp": "127.0.0.1", "HostPort": "5353"}],
    "9000/tcp": None,
}


def test_inspect_reads_like_the_container_list():
    item = list_item(inspect_doc(ports=WIDE))
    assert item["Names"] == ["/web"] and item["State"] == "running"
    assert sorted((p.get("IP", "-"), p["PrivatePort"], p.get("PublicPort", 0), p["Type"]) for p in item["Ports"]) == [
        ("-", 9000, 0, "tcp"),
        ("0.0.0.0", 80, 8080, "tcp"),
        ("127.0.0.1", 53, 5353, "udp"),
        ("::", 80, 8080, "tcp"),
    ]
    bindings = running_bindings(container_info(item), item["Ports"], ENGINE)
    assert sorted(b.spec() for b in bindings) == ["127.0.0.1:5353:53/udp", "8080:80"]


def _live(include_stopped=False):
    live = LiveEngine(ENGINE, RuleSelection(select=frozenset({"BG001"})), include_stopped, drift=False)
    live.load(Subject(sources=(ENGINE,), engine=EngineFacts(ENGINE, ENGINE, version="28.0.0")))
    return live


def test_live_engine_reports_new_then_resolved_once():
    live = _live()
    new, resolved = live.apply_inspect("c1", inspect_doc(ports=WIDE))
    assert [f.code for f in new] == ["BG001"] and resolved == []
    assert live.apply_inspect("c1", inspect_doc(ports=WIDE)) == ([], [])  # same state: nothing
    new, resolved = live.apply_inspect("c1", inspect_doc(state="exited", ports=WIDE))
    assert new == [] and [f.code for f in resolved] == ["BG001"]
    assert live.parts == {}  # a stopped container is not kept without --all
    assert live.apply_inspect("c1", None) == ([], [])  # destroyed: nothing left to resolve


def test_live_engine_memory_is_per_container_not_per_event():
    live = _live()
    for i in range(300):
        live.apply_inspect(f"c{i % 3}", inspect_doc(cid=f"c{i % 3}", ports=WIDE if i % 2 else {}))
    assert len(live.parts) == 3 and len(live.findings) <= 3


def test_stopped_containers_with_all_use_requested_bindings():
    live = _live(include_stopped=True)
    doc = inspect_doc(state="created")
    doc["HostConfig"]["PortBindings"] = {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}
    new, _ = live.apply_inspect("c1", doc)
    assert [(f.code, f.entry) for f in new] == [("BG001", "8080:80")]


def _finding(message="port 8080 open", container="web", entry="8080:80"):
    loc = Location(engine=ENGINE, container=container, container_id="c1", image="img")
    return Finding(
        "BG001", Severity.ERROR, message, loc, service="web", entry=entry, rule_name="implicit-all-interfaces"
    )


def test_text_and_json_lines():
    evil = _finding(message="bad\x1b[2J\nFAKE LINE", container="we\x07b")
    c = Change("new", evil, ENGINE, Trigger("container", "start", "c1" * 8, "we\x07b", 100.0), 100.25)
    text = render_text(c, color=True)
    assert text.count("\n") == 1 and "\x1b[2J" not in text and "\x07" not in text
    assert "\\x1b[2J\\x0aFAKE LINE" in text and "250 ms after the event" in text
    record = json.loads(render_json(c))
    assert record["change"] == "new" and record["event"]["lag_seconds"] == 0.25
    assert (
        record["timestamp"] == "1970-01-01T00:01:40.250000Z"
        and record["event"]["time"] == "1970-01-01T00:01:40.000000Z"
    )
    assert record["finding"]["message"] == evil.message  # JSON escapes it, losslessly
    audit = json.loads(render_json(c._replace(trigger=Trigger("audit", "reconnect"))))
    assert audit["event"] == {"type": "audit", "action": "reconnect"}


def test_backoff_is_capped():
    delays = backoff_delays(0.5, 4)
    assert [next(delays) for _ in range(7)] == [0.5, 1, 2, 4, 4, 4, 4]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("127.0.0.1:9477", ("127.0.0.1", 9477)),
        ("localhost:1", ("127.0.0.1", 1)),
        ("[::1]:9477", ("::1", 9477)),
        ("10.1.2.3:9477", ("10.1.2.3", 9477)),
    ],
)
def test_metrics_address(text, expected):
    assert parse_address(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "0.0.0.0:9477",
        "[::]:9477",
        ":9477",
        "*:9477",
        "0:9477",
        "[*]:9477",
        "[0:0::0]:9477",
        "[::0.0.0.0]:9477",
        "[::%1]:9477",
        # issue 25: IPv4-mapped, a dual-stack socket there listens on every IPv4 address
        "[::ffff:0.0.0.0]:9477",
        "[::ffff:0:0]:9477",
        "[0:0:0:0:0:ffff:0000:0000]:9477",
        "[::ffff:0.0.0.0%lo]:9477",
    ],
)
def test_metrics_wildcard_needs_the_flag(text):
    with pytest.raises(ConfigError, match="every interface"):
        parse_address(text)
    assert parse_address(text, allow_wildcard=True)[1] == 9477


@pytest.mark.parametrize("text", ["9477", "host.example:9477", "127.0.0.1:99999", "127.0.0.1:x"])
def test_metrics_address_errors(text):
    with pytest.raises(ConfigError):
        parse_address(text)


@pytest.mark.parametrize(
    "args, words",
    [
        (["--metrics-address", "0.0.0.0:9477"], "--metrics-allow-wildcard"),
        (["--exec", "'unclosed"], "--exec"),
        (["--exec-timeout", "0"], "above 0"),
    ],
)
def test_watch_usage_errors_are_one_line_exit_2(args, words):
    proc = bindguard_cli("watch", "--no-config", "--host", "unix:///nonexistent.sock", *args, timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1 and words in proc.stderr


def test_metrics_rows_and_text_format():
    from prometheus_client.parser import text_string_to_metric_families

    from bindguard.engine.containers import container_info as info_of

    item = list_item(inspect_doc(ports=WIDE))
    bindings = tuple(running_bindings(info_of(item), item["Ports"], ENGINE))
    f = _finding(container="web")
    snap = EngineSnapshot(ENGINE, True, (f,), bindings, last_audit=1.0)
    assert exposure_rows(snap) == [(ENGINE, "web", "web", "", "0.0.0.0,::", "8080", "tcp", "BG001")]
    fams = {m.name: m for m in text_string_to_metric_families(render([snap, EngineSnapshot("down", False)]))}
    assert {s.labels["engine"]: s.value for s in fams["bindguard_engine_up"].samples} == {ENGINE: 1, "down": 0}
    assert [(s.labels, s.value) for s in fams["bindguard_findings"].samples] == [
        ({"engine": ENGINE, "rule": "BG001", "severity": "error"}, 1)
    ]
    assert "bindguard_events" not in fams  # watch-only families stay out of audit's file


def test_hook_gets_json_on_stdin_and_never_a_shell(tmp_path):
    out = tmp_path / "out"
    script = tmp_path / "hook.py"
    script.write_text(f"import sys\nopen({str(out)!r}, 'ab').write(sys.stdin.buffer.read())\n")
    notes: list[str] = []
    hook = ExecHook(parse_command(f"{sys.executable} {script}"), 30, notes.append)
    payload = json.dumps({"container": "$(touch pwned); `touch pwned2`"}).encode()
    assert hook.run(payload) == "ok"
    assert out.read_bytes() == payload
    assert not (tmp_path / "pwned").exists() and not list(tmp_path.glob("pwned*"))
    hook.close(5)


def test_hanging_hook_is_killed_and_never_blocks_submit(tmp_path):
    notes: list[str] = []
    hook = ExecHook([sys.executable, "-c", "import time; time.sleep(600)"], 0.3, notes.append, max_pending=4)
    assert hook.run(b"{}") == "timeout"
    assert any("killed" in n for n in notes)
    submitted = threading.Event()

    def flood():
        for _ in range(100):
            hook.submit(b"{}")
        submitted.set()

    threading.Thread(target=flood, daemon=True).start()
    assert submitted.wait(30)  # submit never waits for a hook
    assert hook.counts["dropped"] >= 100 - 4 - 1
    hook.close(0)


def test_failing_hook_is_reported(tmp_path):
    notes: list[str] = []
    assert ExecHook([sys.executable, "-c", "raise SystemExit(3)"], 30, notes.append).run(b"{}") == "failed"
    assert ExecHook([str(tmp_path / "missing")], 30, notes.append).run(b"{}") == "failed"
    assert any("exited 3" in n for n in notes) and any("cannot run" in n for n in notes)


def test_silent_engine_is_noticed_by_the_ping_and_reconnected(tmp_path):
    """An engine that stops answering without closing the event stream (a TCP peer
    gone silent) is found by the keepalive ping: DOWN, then retried."""
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent / "benchmarks"))
    from bindguard.engine.audit import AuditSettings
    from bindguard.engine.client import EngineTarget
    from bindguard.engine.watch import Outputs, WatchSettings, run
    from sim_engine import SimEngine

    sim = SimEngine(str(tmp_path / "sim.sock"))
    target = EngineTarget(sim.url, sim.url)
    settings = WatchSettings(
        AuditSettings(targets=(target,), timeout=0.5), backoff_start=0.1, backoff_max=0.2, ping_interval=0.2
    )
    statuses, changes = [], []
    seen = threading.Condition()

    def status(s):
        with seen:
            statuses.append(s)
            seen.notify_all()

    stop = threading.Event()
    worker = threading.Thread(target=run, args=(settings, Outputs(changes.append, status), stop), daemon=True)
    worker.start()
    try:
        with seen:
            assert seen.wait_for(lambda: any(s.up for s in statuses), 30)
            sim.silent.set()
            assert seen.wait_for(lambda: any(not s.up for s in statuses), 30)
        down = next(s for s in statuses if not s.up)
        assert "reconnecting" in down.message
    finally:
        stop.set()
        worker.join(10)
        sim.close()
    assert not worker.is_alive()
