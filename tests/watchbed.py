"""Test bed for ``bindguard watch``: the watcher as a real process, a private dockerd, Prometheus.

``WatchProcess`` runs ``python -m bindguard watch ...`` and collects its
stdout (JSON Lines) and stderr on threads, so a test waits for a record
without blocking on the pipe.

``private_engine`` (fixture) is a dockerd of this test session only: its own
socket, data-root, exec-root, pidfile and bridge, ``--iptables=false`` (the
recipe and pitfalls of ``.ci/engine-up.sh --second``: never ``--bridge none``
nor ``--default-address-pool``, which delete the shared engine's docker0).
It is the only engine a test may stop and restart; the shared default
engine and the shared second engine are never touched.

``prometheus`` (fixture factory) starts the installed Prometheus (``.ci/prometheus-up.sh``
installs Debian's package; the bed never does) on a free port of 127.0.0.1 with its own config
and storage, and stops it at teardown.
Missing peers skip the tests, or fail them under ``CI=true`` (see ``peerbed``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from enginebed import IMAGE, REPO, SESSION_ID, docker, engine_answers
from peerbed import PROMETHEUS, require_tool

__all__ = ["REPO", "WatchProcess", "free_port", "scrape", "watcher", "private_engine", "prometheus",
           "start_prometheus"]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"required under CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------- watcher
class WatchProcess:
    """``bindguard watch ARGS`` in a child process; records and stderr lines arrive on queues."""

    def __init__(self, *args: str, env: dict[str, str] | None = None):
        base = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bindguard", "watch", "--no-config", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**base, "NO_COLOR": "1", "DOCKER_CONFIG": "/nonexistent", **(env or {})},
        )
        self.records: list[dict] = []
        self.errors: list[str] = []
        self._new_record = threading.Condition()
        threading.Thread(target=self._read_out, daemon=True).start()
        threading.Thread(target=self._read_err, daemon=True).start()

    def _read_out(self) -> None:
        for line in self.proc.stdout:
            with self._new_record:
                self.records.append(json.loads(line))
                self._new_record.notify_all()

    def _read_err(self) -> None:
        for line in self.proc.stderr:
            with self._new_record:
                self.errors.append(line.decode("utf-8", "replace").rstrip("\n"))
                self._new_record.notify_all()

    def wait(self, predicate: Callable[[], object], timeout: float = 60, what: str = "") -> object:
        deadline = time.monotonic() + timeout
        with self._new_record:
            while True:
                found = predicate()
                if found:
                    return found
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not found):
                    if self.proc.poll() is not None:
                        time.sleep(0.2)  # let the readers drain
                        found = predicate()
                        if found:
                            return found
                    raise AssertionError(
                        f"watch: timed out waiting for {what or predicate}\n"
                        f"stderr: {self.errors[-20:]}\nrecords: {[_short(r) for r in self.records[-20:]]}"
                    )
                self._new_record.wait(min(left, 0.5))

    def record(self, change: str, container: str, rule: str | None = None, after: int = 0, **kw) -> dict:
        def find():
            for r in self.records[after:]:
                f = r["finding"]
                if r["change"] == change and f.get("container") == container and (rule is None or f["rule"] == rule):
                    return r
            return None

        return self.wait(find, what=f"{change} {rule or ''} for {container}", **kw)

    def stderr_line(self, text: str, after: int = 0, **kw) -> str:
        return self.wait(
            lambda: next((e for e in self.errors[after:] if text in e), None), what=f"stderr line with {text!r}", **kw
        )

    def up(self, engine: str, count: int = 1, **kw) -> None:
        self.wait(
            lambda: sum(1 for e in self.errors if f"{engine}: up:" in e) >= count, what=f"{engine} up ({count})", **kw
        )

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"watch did not stop within {timeout}s after signal {sig}") from None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def _short(record: dict) -> str:
    f = record.get("finding", {})
    return f"{record.get('change')} {f.get('rule')} {f.get('container')} {record.get('event')}"


@pytest.fixture
def watcher() -> Iterator[Callable[..., WatchProcess]]:
    """Start watchers with ``watcher(*args)``; any still running is killed at teardown."""
    made: list[WatchProcess] = []

    def start(*args: str, **kw) -> WatchProcess:
        w = WatchProcess(*args, **kw)
        made.append(w)
        return w

    yield start
    for w in made:
        w.kill()


# ------------------------------------------------------------ private dockerd
@dataclass
class PrivateEngine:
    """A dockerd only this session uses: it may be stopped and started at will."""

    root: Path
    bridge: str
    cidr: str
    pid: int = 0

    @property
    def socket(self) -> Path:
        return self.root / "docker.sock"

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self, timeout: float = 90) -> None:
        (self.root / "data").mkdir(parents=True, exist_ok=True)
        (self.root / "exec").mkdir(parents=True, exist_ok=True)
        log = open(self.root / "dockerd.log", "ab")
        proc = subprocess.Popen(
            [
                "dockerd",
                "--host",
                self.url,
                "--pidfile",
                str(self.root / "docker.pid"),
                "--data-root",
                str(self.root / "data"),
                "--exec-root",
                str(self.root / "exec"),
                "--bridge",
                self.bridge,
                "--iptables=false",
                "--ip-masq=false",
                "--shutdown-timeout",
                "2",
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        log.close()
        self.pid = proc.pid
        self._proc = proc
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"private dockerd exited {proc.returncode}; see {self.root}/dockerd.log")
            if engine_answers(self.url, timeout=5):
                return
            time.sleep(0.25)
        raise RuntimeError(f"private dockerd did not answer within {timeout}s; see {self.root}/dockerd.log")

    def stop(self, timeout: float = 60) -> None:
        proc = getattr(self, "_proc", None)
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def private_engine(engine: str) -> Iterator[PrivateEngine]:
    """A dockerd of this session (own socket, data, exec root, pidfile, bridge; no iptables)."""
    if os.geteuid() != 0 or not shutil.which("dockerd") or not shutil.which("ip"):
        _unavailable("a private dockerd needs root, dockerd and ip")
    tag = SESSION_ID[:6]
    octet = int(SESSION_ID[:2], 16)
    eng = PrivateEngine(Path(f"/tmp/bgw-{tag}"), f"bgw{tag}", f"10.214.{octet}.1/24")
    made_bridge = False
    try:
        if subprocess.run(["ip", "link", "show", eng.bridge], capture_output=True).returncode != 0:
            subprocess.run(["ip", "link", "add", eng.bridge, "type", "bridge"], check=True, capture_output=True)
            made_bridge = True
            subprocess.run(["ip", "addr", "add", eng.cidr, "dev", eng.bridge], check=True, capture_output=True)
        subprocess.run(["ip", "link", "set", eng.bridge, "up"], check=True, capture_output=True)
        eng.start()
        if docker("image", "inspect", IMAGE, engine_url=eng.url, check=False).returncode != 0:
            saved = subprocess.run(
                ["docker", "-H", engine, "save", IMAGE], capture_output=True, timeout=120, check=True
            )
            subprocess.run(
                ["docker", "-H", eng.url, "load", "-q"],
                input=saved.stdout,
                capture_output=True,
                timeout=120,
                check=True,
            )
    except (subprocess.CalledProcessError, RuntimeError, OSError) as exc:
        eng.stop()
        _unavailable(f"cannot start a private dockerd: {exc}")
    try:
        yield eng
    finally:
        eng.stop()  # its containers go with its data-root
        if made_bridge:
            subprocess.run(["ip", "link", "del", eng.bridge], capture_output=True)
        shutil.rmtree(eng.root, ignore_errors=True)


# ----------------------------------------------------------------- Prometheus
@dataclass
class Prometheus:
    url: str
    root: Path
    proc: subprocess.Popen | None = None

    def query(self, expr: str) -> list[dict]:
        q = urllib.parse.urlencode({"query": expr})
        with urllib.request.urlopen(f"{self.url}/api/v1/query?{q}", timeout=5) as resp:
            data = json.load(resp)
        assert data["status"] == "success", data
        return data["data"]["result"]

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as resp:
                return resp.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_prometheus(root: Path, target: str, interval: str = "200ms", timeout: float = 60) -> Prometheus:
    """Prometheus on a free port of 127.0.0.1 scraping ``target`` (HOST:PORT, /metrics) every
    ``interval``, its config, storage and log under ``root``; RuntimeError if it is not ready
    within ``timeout`` seconds."""
    exe = require_tool("prometheus", PROMETHEUS)
    (root / "data").mkdir(parents=True, exist_ok=True)
    config = root / "prometheus.yml"
    config.write_text(
        f"global:\n  scrape_interval: {interval}\n  evaluation_interval: {interval}\n"
        f"scrape_configs:\n  - job_name: bindguard\n    static_configs:\n"
        f'      - targets: ["{target}"]\n'
    )
    port = free_port()
    with open(root / "prometheus.log", "ab") as log:
        proc = subprocess.Popen(
            [exe, f"--config.file={config}", f"--storage.tsdb.path={root / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
        )
    p = Prometheus(f"http://127.0.0.1:{port}", root, proc)
    deadline = time.monotonic() + timeout
    while not p.ready():
        if proc.poll() is not None or time.monotonic() > deadline:
            p.stop()
            tail = (root / "prometheus.log").read_text(errors="replace").strip()[-300:]
            raise RuntimeError(f"prometheus on {p.url} not ready (exit {proc.poll()}): {tail}")
        time.sleep(0.25)
    return p


@pytest.fixture
def prometheus(tmp_path) -> Iterator[Callable[[str], Prometheus]]:
    """``prometheus(target)``: a Prometheus on 127.0.0.1 scraping ``target`` every 200 ms."""
    started: list[Prometheus] = []

    def start(target: str) -> Prometheus:
        p = start_prometheus(tmp_path / f"prometheus{len(started)}", target)
        started.append(p)
        return p

    yield start
    for p in started:
        p.stop()


def scrape(port: int, host: str = "127.0.0.1") -> str:
    with urllib.request.urlopen(f"http://{host}:{port}/metrics", timeout=5) as resp:
        return resp.read().decode()
