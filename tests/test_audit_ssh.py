"""`bindguard audit` against an engine behind SSH (no mocks).

A real sshd on 127.0.0.1 (``.ci/sshd-up.sh``, via the ``sshd`` fixture) whose remote command
``docker system dial-stdio`` reaches the local engine, so an audit over SSH must report exactly
what the same audit over the local socket reports. The client side is the real ``ssh`` command
with the bed's config (``ssh -F``, through a wrapper first on PATH), as the docker CLI uses it.
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading

import pytest

from enginebed import docker_cli
from helpers import bindguard_cli

SSH_URL = "ssh://bindguard-sshd"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ours(data: dict, *containers) -> set[tuple[str, str, str]]:
    names = {c.name for c in containers}
    return {(f["container"], f["rule"], f["message"]) for f in data["findings"] if f.get("container") in names}


def audit_json(*args: str, env: dict | None = None) -> tuple[int, dict | None, str]:
    result = bindguard_cli("audit", "--format", "json", *args, env=env)
    data = json.loads(result.stdout) if result.stdout.strip() else None
    return result.returncode, data, result.stderr


def test_ssh_host_reports_what_the_local_socket_reports(engine, sshd, containers):
    wide = containers.run("ssh-wide", ports=["80"])
    loop = containers.run("ssh-loop", ports=["127.0.0.1::80"])
    host = containers.run("ssh-host", network="host", command="sleep 300")
    code, local, err = audit_json("--host", engine)
    assert code == 1, err
    before = sshd.logins()
    code, remote, err = audit_json("--host", SSH_URL, env=sshd.env())
    assert code == 1, err
    assert ours(remote, wide, loop, host) == ours(local, wide, loop, host)
    assert {(c, r) for c, r, _ in ours(remote, wide, loop, host)} == {(wide.name, "BG001"), (host.name, "BG004")}
    (summary,) = remote["engines"]
    assert summary["name"] == SSH_URL and summary["error"] is None
    assert summary["version"] == local["engines"][0]["version"]
    # the same three API calls as on the socket, over ONE ssh login (pooled connection)
    assert summary["api_calls"] == local["engines"][0]["api_calls"] == 4
    assert sshd.logins() - before == 1


@pytest.mark.parametrize("form", ["alias", "user@address:port"])
def test_docker_host_environment_variable(engine, sshd, containers, form):
    url = SSH_URL if form == "alias" else f"ssh://root@127.0.0.1:{sshd.port}"
    wide = containers.run("ssh-env", ports=["80"])
    code, data, err = audit_json(env=sshd.env(DOCKER_HOST=url))
    assert code == 1, err
    assert [e["name"] for e in data["engines"]] == [url]
    assert {(c, r) for c, r, _ in ours(data, wide)} == {(wide.name, "BG001")}


def test_context_with_ssh_host_made_by_the_docker_cli(engine, sshd, containers, tmp_path):
    """A context created and used by the real docker CLI, then audited by name and as current."""
    env = {**sshd.env(), "DOCKER_CONFIG": str(tmp_path), "HOME": str(tmp_path)}

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([docker_cli(), *args], capture_output=True, text=True, env=env, timeout=60)

    made = cli("context", "create", "bg-ssh", "--docker", f"host={SSH_URL}")
    assert made.returncode == 0, made.stderr
    wide = containers.run("ssh-ctx", ports=["80"])
    seen = cli("--context", "bg-ssh", "ps", "--format", "{{.Names}}")  # the docker CLI's own view
    assert seen.returncode == 0 and wide.name in seen.stdout.split(), seen.stderr
    code, data, err = audit_json("--context", "bg-ssh", env=env)
    assert code == 1, err
    assert [e["name"] for e in data["engines"]] == ["bg-ssh"]
    assert {(c, r) for c, r, _ in ours(data, wide)} == {(wide.name, "BG001")}
    assert cli("context", "use", "bg-ssh").returncode == 0
    code, data, err = audit_json(env=env)
    assert code == 1 and [e["name"] for e in data["engines"]] == ["bg-ssh"], err


def _one_line_exit_2(result: subprocess.CompletedProcess, url: str, *words: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr and result.stderr.startswith(f"bindguard: {url}: ")
    for w in words:
        assert w in result.stderr, result.stderr


@pytest.mark.parametrize(
    "url, words",
    [
        ("ssh://bindguard-sshd-unknown", ("host key", "not in known_hosts")),
        ("ssh://bgnosuchuser@bindguard-sshd", ("SSH login as bgnosuchuser refused", "Permission denied")),
        ("ssh://bindguard-sshd-nodocker", ("has no docker CLI", "docker: not found")),
        ("ssh://nothing.invalid", ("cannot resolve the SSH host nothing.invalid",)),
        ("ssh://bindguard-sshd/some/path", ("extra path",)),
    ],
    ids=["unknown-host-key", "wrong-user", "remote-without-docker", "unknown-host", "path-in-url"],
)
def test_ssh_failures_are_one_line_exit_2(sshd, url, words):
    _one_line_exit_2(bindguard_cli("audit", "--host", url, env=sshd.env()), url, *words)


def test_refused_port_is_one_line_exit_2(sshd):
    url = f"ssh://root@127.0.0.1:{free_port()}"
    _one_line_exit_2(bindguard_cli("audit", "--host", url, env=sshd.env()), url, "connection refused")


def test_ssh_server_that_never_speaks_times_out(sshd):
    """A TCP peer that accepts and stays silent: ssh's ConnectTimeout comes from --timeout."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    url = f"ssh://root@127.0.0.1:{server.getsockname()[1]}"
    try:
        result = bindguard_cli("audit", "--host", url, "--timeout", "1", env=sshd.env(), timeout=60)
    finally:
        stop.set()
        t.join()
        for s in held:
            s.close()
        server.close()
    _one_line_exit_2(result, url, "timed out")


def test_no_ssh_process_is_left_behind(sshd, engine):
    import os

    import psutil

    from bindguard.engine.audit import AuditSettings, audit
    from bindguard.engine.client import EngineTarget

    old_path = os.environ["PATH"]
    os.environ["PATH"] = sshd.env()["PATH"]
    try:
        _, results = audit(AuditSettings(targets=(EngineTarget(SSH_URL, SSH_URL),)))
    finally:
        os.environ["PATH"] = old_path
    assert results[0].error is None and results[0].api_calls == 4
    children = [p for p in psutil.Process().children(recursive=True) if p.is_running()
                and p.status() != psutil.STATUS_ZOMBIE and "dial-stdio" in " ".join(p.cmdline())]
    assert children == []


def test_ssh_destination_and_messages_without_a_server():
    from bindguard.engine.ssh import Destination, explain

    d = Destination("ssh://deploy@[2001:db8::5]:2222")
    assert (d.user, d.host, d.port) == ("deploy", "2001:db8::5", 2222)
    assert d.command(2.5) == ["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=3", "-T", "-l", "deploy",
                              "-p", "2222", "--", "2001:db8::5", "docker", "system", "dial-stdio"]
    assert Destination("ssh://h").command(5)[-5:] == ["--", "h", "docker", "system", "dial-stdio"]
    for bad in ("ssh://", "ssh://h/path", "ssh://u:pw@h", "tcp://h"):
        with pytest.raises(ValueError):
            Destination(bad)
    # what the remote prints is escaped before it reaches a terminal, and kept to one line
    hostile = "line one\n\x1b[31mdocker: \x1b]0;pwned\x07not found\r\n"
    failure = explain(Destination("ssh://h"), hostile, 127)
    assert "\x1b" not in failure.message and "\n" not in failure.message and "\r" not in failure.message
    assert "has no docker CLI" in failure.message
    refused = explain(Destination("ssh://h"), "ssh: connect to host h port 22: Connection refused", 255)
    assert refused.kind == "unreachable"
    assert "exit 1" in explain(Destination("ssh://h"), "", 1).message
