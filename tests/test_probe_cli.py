"""`bindguard probe` through the CLI: real listeners, real containers, --compose and --engine."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys

from enginebed import free_host_port, wait_http
from helpers import write


def cli(*args: str):
    return subprocess.run(
        [sys.executable, "-m", "bindguard", "probe", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=120,
    )


def listener(address: str) -> socket.socket:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.bind((address, 0))
    s.listen(8)
    return s


def test_loopback_and_wildcard_listeners_exit_codes():
    loop, wide = listener("127.0.0.1"), listener("0.0.0.0")
    try:
        ok = cli(str(loop.getsockname()[1]), "--format", "json")
        assert ok.returncode == 0, ok.stderr
        (result,) = json.loads(ok.stdout)["results"]
        assert result["verdict"] == "loopback-only"
        assert result["sockets"][0]["owners"][0]["pid"] == os.getpid()
        bad = cli(f"127.0.0.1:{loop.getsockname()[1]}", str(wide.getsockname()[1]))
        assert bad.returncode == 1
        assert "loopback-only" in bad.stdout and "all-interfaces" in bad.stdout
        assert "not the path a" in bad.stdout.replace("\n", " ")
    finally:
        loop.close()
        wide.close()


def test_bad_target_and_nothing_to_probe_exit_2():
    assert cli("localhost:80").returncode == 2
    assert cli("70000").returncode == 2
    result = cli()
    assert result.returncode == 2 and "nothing to probe" in result.stderr


def test_compose_ports_are_probed(tmp_path):
    wide = listener("0.0.0.0")
    port = wide.getsockname()[1]
    try:
        write(tmp_path, "compose.yaml", f'services:\n  app:\n    ports: ["127.0.0.1:{port}:80"]\n')
        result = cli("--compose", str(tmp_path), "--format", "json")
        (r,) = json.loads(result.stdout)["results"]
        # the file says loopback, but something listens on every interface there
        assert r["target"]["port"] == port and r["verdict"] == "all-interfaces"
        assert result.returncode == 1
    finally:
        wide.close()


def test_real_containers(engine, containers):
    loop_port = free_host_port()
    wide_port = free_host_port()
    loop = containers.run("probe-loop", ports=[f"127.0.0.1:{loop_port}:80"])
    wide = containers.run("probe-wide", ports=[f"{wide_port}:80"])
    assert wait_http("127.0.0.1", loop_port) == 200
    assert wait_http("127.0.0.1", wide_port) == 200
    result = cli(str(loop_port), str(wide_port), "--http", "--format", "json")  # the default engine names them
    assert result.returncode == 1, result.stderr
    by_port = {r["target"]["port"]: r for r in json.loads(result.stdout)["results"]}
    assert by_port[loop_port]["verdict"] == "loopback-only"
    assert by_port[wide_port]["verdict"] == "all-interfaces"
    assert "200" in json.dumps(by_port[loop_port]["http"])
    # docker-proxy owns the sockets; the engine names the container
    assert loop.name in json.dumps(by_port[loop_port]) and wide.name in json.dumps(by_port[wide_port])
    engine_run = cli("--engine", "--host", engine, "--format", "json")
    ports = {r["target"]["port"] for r in json.loads(engine_run.stdout)["results"]}
    assert {loop_port, wide_port} <= ports


def test_free(engine, containers):
    port = free_host_port()
    containers.run("probe-free", ports=[f"127.0.0.1:{port}:80"])
    wait_http("127.0.0.1", port)
    result = cli(str(port), "--free", "--format", "json")
    (r,) = json.loads(result.stdout)["results"]
    assert r["free"]["free"] is False and "docker-proxy" in json.dumps(r["free"])


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_text_starts_with_a_summary_and_counts_refused_addresses():
    """Issue 16: the verdict first; refused addresses counted unless --verbose; the caveat once."""
    port = _free_port()
    text = cli(str(port)).stdout
    assert text.splitlines()[0] == "1 port probed: 1 not listening."
    refused = [line for line in text.splitlines() if "refused:" in line]
    if refused and "--verbose" in refused[0]:
        assert "127.0.0.1" not in refused[0]
        assert re.search(r"refused:\s+on \d+ addresses \(--verbose lists them\)", refused[0])
    assert "127.0.0.1" in cli(str(port), "--verbose").stdout
    with listener("127.0.0.1") as s:
        two = cli(str(s.getsockname()[1]), str(port)).stdout
    assert two.splitlines()[0] == "2 ports probed: 1 on loopback only, 1 not listening."
    assert two.count("from this host itself") == 1


def test_host_network_container_is_the_owner_and_engine_probes_it(engine, containers):
    """A host-network container publishes nothing: probe names it from its cgroup, --engine finds its port."""
    port = _free_port()
    httpd = ["busybox", "httpd", "-f", "-p", f"127.0.0.1:{port}", "-h", "/"]
    box = containers.run("probe-hostnet", network="host", command=httpd)
    assert wait_http("127.0.0.1", port) == 200
    result = cli(str(port), "--host", engine)
    assert result.returncode == 0, result.stderr
    assert f"-> {box.name} (" in result.stdout and "host network" in result.stdout
    engine_run = cli("--engine", "--host", engine)
    assert f"{port}  loopback-only" in engine_run.stdout
    lines = engine_run.stdout.rstrip("\n").splitlines()
    assert lines[0] == lines[-1] and re.match(r"\d+ ports? probed: ", lines[-1])
