"""`bindguard audit` against real Docker engines (no mocks).

Containers are made by the engine bed (tests/enginebed.py) and removed by
name at teardown.  Other containers may run on the same engine, so every
assertion looks only at this test's own containers.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import jsonschema
import pytest

from bindguard.engine.audit import AuditSettings, audit
from bindguard.engine.client import EngineTarget, context_target
from test_engine_tls import pki, tls_engine  # noqa: F401  (fixtures)

from enginebed import free_host_port
from helpers import bindguard_cli, write

SARIF_SCHEMA = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"


def run_audit(url: str, include_stopped=False, **kw):
    return audit(AuditSettings(targets=(EngineTarget(url, url),), include_stopped=include_stopped, **kw))


def mine(report, *containers) -> set[tuple[str, str]]:
    names = {c.name for c in containers}
    return {(f.location.container, f.code) for f in report.findings if f.location.container in names}


def cli(*args: str, env: dict | None = None):
    return subprocess.run(
        [sys.executable, "-m", "bindguard", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        timeout=120,
    )


def test_running_containers_verdicts(engine, containers):
    loop_port = free_host_port()
    wide_port = free_host_port()
    v6_port = free_host_port()
    loop = containers.run("loop", ports=[f"127.0.0.1:{loop_port}:80"])
    wide = containers.run("wide", ports=[f"{wide_port}:80"])
    rand = containers.run("rand", ports=["80"])
    v6 = containers.run("v6", ports=[f"[::]:{v6_port}:80"])
    host = containers.run("host", network="host", command="sleep 300")
    report, results = run_audit(engine)
    assert results[0].error is None
    assert mine(report, loop, wide, rand, v6, host) == {
        (wide.name, "BG001"),
        (rand.name, "BG001"),
        (v6.name, "BG002"),
        (host.name, "BG004"),
    }
    f = next(f for f in report.findings if f.location.container == wide.name)
    assert f.location.engine == engine and f.location.container_id == wide.id
    assert f.location.image == "bindguard-test/busybox:1"
    assert str(wide_port) in f.message and f.fix == f"recreate with -p 127.0.0.1:{wide_port}:80"


def test_stopped_containers_need_all(engine, containers):
    wide_port = free_host_port()
    loop_port = free_host_port()
    stopped = containers.run("stopped", ports=[f"{wide_port}:80", f"127.0.0.1:{loop_port}:80"], start=False)
    report, _ = run_audit(engine)
    assert mine(report, stopped) == set()
    report, _ = run_audit(engine, include_stopped=True)
    assert mine(report, stopped) == {(stopped.name, "BG001")}
    (f,) = [f for f in report.findings if f.location.container == stopped.name]
    assert str(wide_port) in f.message


def test_network_host_binding_default(engine, containers, networks):
    running_port = free_host_port()
    stopped_port = free_host_port()
    net = networks.create("loopnet", options={"com.docker.network.bridge.host_binding_ipv4": "127.0.0.1"})
    running = containers.run("onloop", ports=[f"{running_port}:80"], network=net)
    stopped = containers.run("onloop-stopped", ports=[f"{stopped_port}:80"], network=net, start=False)
    report, _ = run_audit(engine, include_stopped=True)
    assert mine(report, running, stopped) == set()
    assert running.host_port("80/tcp", "127.0.0.1") == running_port


# Drift (BG010) is tested on containers made by the real `docker compose up`: tests/test_audit_compose.py.


def test_constant_number_of_api_calls(engine, containers):
    _, before = run_audit(engine)
    for i in range(4):
        containers.run(f"many{i}", ports=["127.0.0.1::80"])
    _, after = run_audit(engine)
    # other containers may come and go on a shared engine: count only ours
    assert after[0].containers >= 4
    assert after[0].api_calls == before[0].api_calls == 4  # version, info, networks, containers


def test_stopped_containers_cost_one_inspect_each(engine, containers):
    _, before = run_audit(engine, include_stopped=True)
    stopped_before = before[0].containers - before[0].running
    assert before[0].api_calls == 4 + stopped_before


def test_two_engines_at_once(engine, second_engine, containers):
    first_port = free_host_port()
    second_port = free_host_port()
    first = containers.run("e1", ports=[f"{first_port}:80"])
    second = containers.run("e2", ports=[f"{second_port}:80"], engine_url=second_engine)
    result = cli("audit", "--host", engine, "--host", second_engine, "--format", "json")
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    engines = {e["name"]: e for e in data["engines"]}
    assert set(engines) == {engine, second_engine} and all(e["error"] is None for e in engines.values())
    got = {(f["engine"], f["container"], f["rule"]) for f in data["findings"] if f["container"] in (first.name, second.name)}
    assert got == {(engine, first.name, "BG001"), (second_engine, second.name, "BG001")}


def test_context_from_docker_config(engine, containers, tmp_path):
    import hashlib

    digest = hashlib.sha256(b"bgctx").hexdigest()
    meta = tmp_path / "contexts" / "meta" / digest / "meta.json"
    meta.parent.mkdir(parents=True)
    endpoints = {"docker": {"Host": engine, "SkipTLSVerify": False}}
    meta.write_text(json.dumps({"Name": "bgctx", "Metadata": {}, "Endpoints": endpoints}))
    c = containers.run("ctx", ports=["80"])  # a random host port: sessions share the engine
    result = cli("audit", "--context", "bgctx", "--format", "json", env={"DOCKER_CONFIG": str(tmp_path)})
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert [e["name"] for e in data["engines"]] == ["bgctx"]
    assert any(f["container"] == c.name for f in data["findings"])
    os.environ["DOCKER_CONFIG"] = str(tmp_path)
    try:
        assert context_target("bgctx").url == engine
    finally:
        del os.environ["DOCKER_CONFIG"]
    result = cli("audit", "--context", "nope", env={"DOCKER_CONFIG": str(tmp_path)})
    assert result.returncode == 2 and "no such Docker context" in result.stderr


def test_unreachable_engine_is_one_line_exit_2(tmp_path):
    result = cli("audit", "--host", f"unix://{tmp_path}/missing.sock")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "missing.sock" in result.stderr
    assert "Traceback" not in result.stderr


def test_engine_that_never_answers_times_out(tmp_path):
    path = str(tmp_path / "silent.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(8)
    held = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        result = cli("audit", "--host", f"unix://{path}", "--timeout", "1")
    finally:
        stop.set()
        t.join()
        for s in held:
            s.close()
        server.close()
    assert result.returncode == 2
    assert "did not answer in time" in result.stderr and result.stderr.count("\n") == 1


def test_one_bad_engine_others_still_reported(engine, containers, tmp_path):
    port = free_host_port()
    c = containers.run("partial", ports=[f"{port}:80"])
    result = cli("audit", "--host", engine, "--host", f"unix://{tmp_path}/gone.sock", "--format", "json")
    assert result.returncode == 2
    data = json.loads(result.stdout)
    assert any(f["container"] == c.name for f in data["findings"])
    assert "gone.sock" in result.stderr


@pytest.mark.parametrize("fmt", ["sarif", "github", "junit", "gitlab", "text"])
def test_audit_formats(engine, containers, fmt):
    port = free_host_port()
    containers.run("fmt", ports=[f"{port}:80"])
    result = cli("audit", "--host", engine, "--format", fmt)
    assert result.returncode == 1, result.stderr
    if fmt == "sarif":
        schema = json.loads(SARIF_SCHEMA.read_text())
        jsonschema.validate(json.loads(result.stdout), schema)
    assert str(port) in result.stdout


def _compose_labels(project: str, service: str, compose: Path) -> dict[str, str]:
    return {
        "com.docker.compose.project": project,
        "com.docker.compose.service": service,
        "com.docker.compose.project.working_dir": str(compose.parent),
        "com.docker.compose.project.config_files": str(compose),
    }


def test_compose_container_hints_name_the_file_and_recreate(engine, containers, tmp_path):
    """Issue 13: the remedy of a Compose-created container is in its file, then a recreate."""
    drift_port = free_host_port()
    same_port = free_host_port()
    plain_port = free_host_port()
    # Drifted: the file was fixed after the container was made.  BG001 and BG010 tell one story.
    fixed = write(tmp_path / "fixed", "compose.yaml", f'services:\n  db:\n    ports:\n      - "127.0.0.1:{drift_port}:80"\n')
    drifted = containers.run("hint-drift", ports=[f"{drift_port}:80"], labels=_compose_labels("bghint1", "db", fixed))
    # Not drifted: the file itself is exposed; the hint is what `bindguard fix` writes there.
    exposed = write(tmp_path / "exposed", "compose.yaml", f'services:\n  web:\n    ports:\n      - "{same_port}:80"\n')
    same = containers.run("hint-same", ports=[f"{same_port}:80"], labels=_compose_labels("bghint2", "web", exposed))
    plain = containers.run("hint-plain", ports=[f"{plain_port}:80"])
    report, _ = run_audit(engine)
    hints = {(f.location.container, f.code): f.fix for f in report.findings}
    story = hints[(drifted.name, "BG001")]
    # said once: the drift is folded into the exposure (issue 16)
    (told,) = [f for f in report.findings if f.location.container == drifted.name]
    assert told.also == ("BG010",) and (drifted.name, "BG010") not in hints
    assert story == (
        f"{fixed}:4 already publishes it as '127.0.0.1:{drift_port}:80': recreate the container: "
        f"docker compose -p bghint1 -f {fixed} up -d --force-recreate db"
    )
    assert hints[(same.name, "BG001")] == (
        f'in {exposed}:4: use "127.0.0.1:{same_port}:80"; then recreate the container: '
        f"docker compose -p bghint2 -f {exposed} up -d --force-recreate web"
    )
    assert "docker run" not in story and "-p 127.0.0.1" not in story
    # Not created by Compose: recreate it with a loopback -p.
    assert hints[(plain.name, "BG001")] == f"recreate with -p 127.0.0.1:{plain_port}:80"
    # The file hint is what fix writes.
    assert cli("fix", "--no-config", str(exposed)).returncode == 0
    assert f'"127.0.0.1:{same_port}:80"' in exposed.read_text()


def test_expect_reads_the_engine_as_audit_does_over_unverified_tls(tls_engine, pki):  # noqa: F811
    """`audit --expect` reads the engine with audit's reader (issue 26), so an engine reached over
    TLS without checking its certificate is said so (BG011) there too, the same engine findings."""

    env = {"DOCKER_HOST": tls_engine, "DOCKER_CERT_PATH": str(pki / "client")}

    def engine_findings(*args: str) -> list[tuple[str, str]]:
        proc = bindguard_cli("audit", "--format", "json", "--timeout", "10", *args, env=env)
        assert proc.returncode in (0, 1), proc.stderr
        findings = json.loads(proc.stdout)["findings"]
        return sorted((f["rule"], f["message"]) for f in findings if not f.get("container"))

    plain = engine_findings()
    assert any("without verifying its certificate" in m for _, m in plain), plain
    assert engine_findings("--expect", "engine-one-nothing=127.0.0.1:1") == sorted([*plain, (
        "BG009", "service 'engine-one-nothing' should publish 127.0.0.1:1 but no running container "
                 "is named so or carries that compose service label")])


def test_engine_reports_without_the_lint_path():
    """Report assembly lives with the reporters (issue 26): no engine module imports it from lint,
    and reading an engine loads no lint machinery."""
    import ast

    engine_dir = Path(__file__).resolve().parent.parent / "src" / "bindguard" / "engine"
    for path in sorted(engine_dir.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "bindguard.lint":
                assert "make_report" not in {a.name for a in node.names}, path.name
    code = ("import sys, bindguard.engine.audit, bindguard.engine.watch, bindguard.engine.reader\n"
            "print('bindguard.lint' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
