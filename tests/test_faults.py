"""Faults in the middle of work: a full disk under `fix`, a container removed between the
list and its inspect, an engine that dies after answering the first requests."""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
import threading

from bindguard.compose.project import ProjectOptions
from bindguard.engine.audit import AuditSettings, audit
from bindguard.engine.client import EngineTarget
from bindguard.fix import apply, plan_fixes
from bindguard.lint import LintSettings

from enginebed import free_host_port
from helpers import write


def test_fix_on_a_full_disk_leaves_the_original_untouched(tmp_path, monkeypatch):
    path = write(tmp_path, "compose.yaml", 'services:\n  db:\n    ports: ["5432:5432"]\n')
    before = path.read_bytes()
    plan = plan_fixes([str(path)], LintSettings(project=ProjectOptions(environ={})))
    assert plan.changed

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    result = apply(plan)
    assert not result.ok and "space" in result.errors[0][1].lower()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["compose.yaml"]  # no temp file left


def test_container_removed_between_list_and_inspect(engine, containers, monkeypatch):
    gone_port = free_host_port()
    kept_port = free_host_port()
    import docker

    gone = containers.run("vanish", ports=[f"{gone_port}:80"], start=False)
    kept = containers.run("stays", ports=[f"{kept_port}:80"], start=False)
    original = docker.APIClient.inspect_container

    def remove_first(self, container):
        if container == gone.id:
            subprocess.run(["docker", "-H", engine, "rm", "-f", gone.name], capture_output=True)
        return original(self, container)

    monkeypatch.setattr(docker.APIClient, "inspect_container", remove_first)
    report, results = audit(AuditSettings(targets=(EngineTarget(engine, engine),), include_stopped=True))
    assert results[0].error is None
    assert any(gone.name in note for note in results[0].notes)
    names = {f.location.container for f in report.findings}
    assert kept.name in names and gone.name not in names


class DyingProxy:
    """A unix socket in front of the real engine that forwards `answers` requests, then dies."""

    def __init__(self, path: str, upstream: str, answers: int):
        self.path, self.upstream, self.left = path, upstream, answers
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen(8)
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(client,), daemon=True).start()

    def serve(self, client):
        up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        up.connect(self.upstream)
        try:
            while True:
                data = client.recv(65536)
                if not data:
                    return
                if data.split(b" ", 1)[0] in (b"GET", b"POST", b"HEAD", b"DELETE"):
                    if self.left <= 0:
                        self.close()  # the daemon stops: listener gone, connection dropped
                        return
                    self.left -= 1
                up.sendall(data)
                up.settimeout(5)
                reply = up.recv(1 << 20)
                client.sendall(reply)
        except OSError:
            return
        finally:
            client.close()
            up.close()

    def close(self):
        try:
            self.server.close()
            os.unlink(self.path)
        except OSError:
            pass


def test_engine_that_stops_mid_audit_is_one_line_exit_2(engine, tmp_path):
    upstream = engine.removeprefix("unix://")
    proxy = DyingProxy(str(tmp_path / "dying.sock"), upstream, answers=2)  # version, networks
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bindguard", "audit", "--host", f"unix://{proxy.path}", "--timeout", "3"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        proxy.close()
    assert result.returncode == 2, result
    assert result.stderr.count("\n") == 1 and "dying.sock" in result.stderr
    assert "Traceback" not in result.stderr
