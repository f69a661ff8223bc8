#!/usr/bin/env python3
"""bindguard audit benchmark against a real Docker engine.

    python benchmarks/audit_bench.py                    # 200 running + 5 stopped containers, best of 3
    python benchmarks/audit_bench.py --containers 50    # a smaller engine
    python benchmarks/audit_bench.py --quick            # 20 running + 2 stopped, best of 1

It starts N containers from ``bindguard-test/busybox:1`` (made by
``.ci/engine-up.sh``), named ``bindguard-bench-<i>`` and labelled
``org.bindguard.bench=1``, each publishing container port 80 once:

    i % 4 in (0, 1)   -p 127.0.0.1::80     (half of them, loopback)
    i % 4 == 2        -p 80                (a quarter, all interfaces, random host port)
    i % 4 == 3        -p [::1]::80         (a quarter; 127.0.0.1::80 if the engine refuses [::1])

plus a few ``docker create``-d (never started) ones for the ``--all`` case.
Then, best of ``--repeat`` each, interleaved round by round (the order rotates each
round), it times:

  (a) bindguard's audit as a library call, running containers only and with
      ``include_stopped`` (``EngineResult.api_calls`` is bindguard's own count);
  (b) the whole ``python -m bindguard audit --format json`` process (and ``--all``);
  (c) docker-bench-security's check 5.13 approach: ``docker ps --quiet``, then
      one ``docker port <id>`` CLI process per container, sequentially;
  (d) the same through the Docker SDK in-process: ``containers()`` plus one
      ``inspect_container`` per container (N+1 API calls), for a like-for-like
      comparison with (a) that has no process start-ups in it.

Before the timed rounds, one untimed pass of every method goes through a small
counting proxy on a unix socket, so the "API calls" column is the number of
HTTP requests the engine really received (the Docker CLI pings the engine
before its first request, so one CLI process costs more than one call).

Every container it created is removed at the end (by its run label, in a
``finally``, also on Ctrl-C / SIGTERM). It refuses to start while containers
named ``bindguard-bench-*`` or labelled ``org.bindguard.bench`` exist
(``--remove-leftovers`` removes the labelled ones first). Results go to
``benchmarks/out/audit-<N>.json``. ``benchmarks/run.py`` runs this script with
no arguments and ``BINDGUARD_BENCH_QUICK=0|1``, ``BINDGUARD_BENCH_REPEAT=N``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
SRC = REPO / "src"
OUT = BENCH / "out"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))  # this checkout's bindguard, as run.py does for its child processes

IMAGE = "bindguard-test/busybox:1"
PREFIX = "bindguard-bench-"
LABEL = "org.bindguard.bench"
RUN_LABEL = "org.bindguard.bench.run"
DEFAULT_URL = "unix:///var/run/docker.sock"
COMMANDS = {
    "sleep": ["sleep", "3600"],
    "httpd": ["busybox", "httpd", "-f", "-p", "80", "-h", "/"],
}
SPECS = {"loopback4": "127.0.0.1::80", "all": "80", "loopback6": "[::1]::80"}


class BenchError(Exception):
    """A step failed; no number is reported for it."""


# ---------------------------------------------------------------------------
# docker CLI
# ---------------------------------------------------------------------------


class DockerCLI:
    """``docker -H URL ...`` with text output. Children get their own session, so a Ctrl-C in the terminal
    reaches only this script, which then stops cleanly instead of killing a ``docker run`` halfway."""

    def __init__(self, url: str):
        exe = shutil.which("docker")
        if not exe:
            raise BenchError("no `docker` CLI on PATH (run: bash .ci/engine-up.sh)")
        self.exe = exe
        self.url = url

    def cmd(self, *args: str, url: str | None = None) -> list[str]:
        return [self.exe, "-H", url or self.url, *args]

    def run(self, *args: str, timeout: float = 120, check: bool = True, url: str | None = None) -> subprocess.CompletedProcess:
        cmd = self.cmd(*args, url=url)
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
                               start_new_session=True)
        except subprocess.TimeoutExpired as exc:
            raise BenchError(f"timed out after {timeout:.0f} s: docker {' '.join(args[:6])}") from exc
        if check and p.returncode != 0:
            raise BenchError(f"docker {' '.join(args[:8])} exited {p.returncode}: {p.stderr.strip()[-400:]}")
        return p


def list_containers(dk: DockerCLI, *filters: str) -> list[dict[str, str]]:
    args = ["ps", "-a", "--no-trunc", "--format", "{{.ID}}\t{{.Names}}\t{{.State}}\t{{.Label \"" + LABEL + "\"}}"]
    for f in filters:
        args += ["--filter", f]
    out = dk.run(*args).stdout
    rows = []
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) >= 3:
            rows.append({"id": parts[0], "name": parts[1], "state": parts[2], "label": parts[3] if len(parts) > 3 else ""})
    return rows


def leftovers(dk: DockerCLI) -> tuple[list[dict], list[dict]]:
    """(containers labelled org.bindguard.bench, containers named bindguard-bench-* without that label)."""
    labelled = list_containers(dk, f"label={LABEL}")
    ids = {c["id"] for c in labelled}
    named = [c for c in list_containers(dk, f"name={PREFIX}") if c["name"].startswith(PREFIX) and c["id"] not in ids]
    return labelled, named


def remove_ids(dk: DockerCLI, ids: list[str], jobs: int) -> list[str]:
    """``docker rm -f -v`` in batches, a few batches at a time. Returns error lines."""
    errors: list[str] = []
    batches = [ids[i:i + 25] for i in range(0, len(ids), 25)]
    if not batches:
        return errors
    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(batches)))) as pool:
        for p in pool.map(lambda b: dk.run("rm", "-f", "-v", *b, timeout=300, check=False), batches):
            if p.returncode != 0:
                errors += [ln for ln in p.stderr.strip().splitlines() if "No such container" not in ln]
    return errors


def remove_by_label(dk: DockerCLI, label_filter: str, jobs: int, rounds: int = 6) -> tuple[int, list[str]]:
    """Remove every container matching ``label_filter``; list again until none is left, because a create that
    was in flight when we were interrupted can still land after the first listing."""
    removed = 0
    errors: list[str] = []
    for n in range(rounds):
        ids = [c["id"] for c in list_containers(dk, label_filter)]
        if not ids:
            return removed, []
        errors = remove_ids(dk, ids, jobs)
        removed += len(ids)
        time.sleep(0.5 if n else 0.2)
    left = [c["name"] for c in list_containers(dk, label_filter)]
    return removed, errors + ([f"still present: {' '.join(left)}"] if left else [])


# ---------------------------------------------------------------------------
# machine state
# ---------------------------------------------------------------------------


def free_m() -> dict[str, Any]:
    """``free -m``'s Mem: line as a dict (MB), falling back to /proc/meminfo."""
    try:
        out = subprocess.run(["free", "-m"], capture_output=True, text=True, timeout=10).stdout
        lines = out.splitlines()
        heads = lines[0].split()
        mem = next(ln for ln in lines if ln.startswith("Mem:")).split()[1:]
        d: dict[str, Any] = {h.replace("/", "_"): int(v) for h, v in zip(heads, mem, strict=False)}
        d["source"] = "free -m"
        return d
    except (OSError, StopIteration, IndexError, ValueError, subprocess.TimeoutExpired):
        info = {}
        with open("/proc/meminfo", encoding="ascii") as fh:
            for ln in fh:
                k, v = ln.split(":", 1)
                info[k] = int(v.split()[0]) // 1024
        return {"total": info["MemTotal"], "free": info["MemFree"], "available": info.get("MemAvailable"),
                "used": info["MemTotal"] - info["MemFree"] - info.get("Buffers", 0) - info.get("Cached", 0),
                "source": "/proc/meminfo"}


def _proc_kb(pid: str) -> int:
    """Proportional set size of a process in kB (shared pages split between sharers), else its RSS."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii", errors="replace") as fh:
            for ln in fh:
                if ln.startswith("Pss:"):
                    return int(ln.split()[1])
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            return next((int(ln.split()[1]) for ln in fh if ln.startswith("VmRSS:")), 0)
    except (OSError, ValueError):
        return 0


def _procs() -> list[tuple[str, list[str], str]]:
    """(pid, argv, ppid) of every process we can read."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                argv = [a.decode("utf-8", "replace") for a in fh.read().split(b"\0") if a]
            with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as fh:
                ppid = fh.read().rsplit(")", 1)[1].split()[1]
        except (OSError, IndexError):
            continue
        if argv:
            out.append((pid, argv, ppid))
    return out


def _arg(argv: list[str], flag: str) -> str | None:
    try:
        return argv[argv.index(flag) + 1]
    except (ValueError, IndexError):
        return None


def _cgroup_bytes(cid: str) -> int | None:
    for path in (f"/sys/fs/cgroup/memory/docker/{cid}/memory.usage_in_bytes",          # v1, cgroupfs driver
                 f"/sys/fs/cgroup/memory/system.slice/docker-{cid}.scope/memory.usage_in_bytes",  # v1, systemd
                 f"/sys/fs/cgroup/docker/{cid}/memory.current",                         # v2, cgroupfs
                 f"/sys/fs/cgroup/system.slice/docker-{cid}.scope/memory.current"):     # v2, systemd
        try:
            with open(path, encoding="ascii") as fh:
                return int(fh.read().strip())
        except (OSError, ValueError):
            continue
    return None


def fleet_memory(dk: DockerCLI, run_id: str, url: str) -> dict[str, Any]:
    """Memory that can be pinned on this run's containers, whatever else the (shared) machine is doing:
    the PSS of their containerd shims and docker-proxy processes, and their memory cgroups. Plus the RSS of
    the engine's dockerd and containerd (they grow with the number of containers)."""
    ids = [c["id"] for c in list_containers(dk, f"label={RUN_LABEL}={run_id}", "status=running")]
    idset, pairs = set(ids), set()
    for i in range(0, len(ids), 100):
        for d in json.loads(dk.run("inspect", *ids[i:i + 100]).stdout or "[]"):
            ns = d.get("NetworkSettings") or {}
            ips = {ns.get("IPAddress")} | {n.get("IPAddress") for n in (ns.get("Networks") or {}).values()}
            for binds in (ns.get("Ports") or {}).values():
                for b in binds or []:
                    pairs |= {(ip, str(b.get("HostPort"))) for ip in ips if ip}
    procs = _procs()
    kb = Counter()
    count = Counter()
    for pid, argv, _ in procs:
        exe = os.path.basename(argv[0])
        if exe.startswith("containerd-shim") and _arg(argv, "-id") in idset:
            kb["shims"] += _proc_kb(pid)
            count["shims"] += 1
        elif exe == "docker-proxy" and (_arg(argv, "-container-ip"), _arg(argv, "-host-port")) in pairs:
            kb["proxies"] += _proc_kb(pid)
            count["proxies"] += 1
    cg = [b for b in (_cgroup_bytes(c) for c in ids) if b is not None]
    return {
        "containers": len(ids),
        "shims": count["shims"], "shims_pss_mb": round(kb["shims"] / 1024, 1),
        "proxies": count["proxies"], "proxies_pss_mb": round(kb["proxies"] / 1024, 1),
        "cgroups": len(cg), "cgroups_mb": round(sum(cg) / 2**20, 1),
        "total_mb": round(kb["shims"] / 1024 + kb["proxies"] / 1024 + sum(cg) / 2**20, 1),
    }


def daemon_rss(url: str) -> dict[str, int | None]:
    """RSS (MB) of the dockerd serving ``url`` (found by its --host argument) and of its containerd child."""
    procs = _procs()
    dockerd = next((pid for pid, argv, _ in procs if os.path.basename(argv[0]) == "dockerd"
                    and (_arg(argv, "--host") or _arg(argv, "-H") or DEFAULT_URL) == url), None)
    containerd = next((pid for pid, argv, ppid in procs if ppid == dockerd and os.path.basename(argv[0]) == "containerd"),
                      None) if dockerd else None

    def rss(pid: str | None) -> int | None:
        if pid is None:
            return None
        try:
            with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
                return next((int(ln.split()[1]) // 1024 for ln in fh if ln.startswith("VmRSS:")), None)
        except OSError:
            return None

    return {"dockerd_rss_mb": rss(dockerd), "containerd_rss_mb": rss(containerd)}


def memory_snapshot(label: str, url: str, dk: DockerCLI | None = None, run_id: str | None = None) -> dict[str, Any]:
    snap: dict[str, Any] = {"when": label, "free_m": free_m(), "daemons": daemon_rss(url)}
    if dk is not None and run_id is not None:
        snap["fleet"] = fleet_memory(dk, run_id, url)
    return snap


def fmt_mem(s: dict[str, Any]) -> str:
    m, d = s["free_m"], s["daemons"]
    text = (f"free -m: used {m.get('used', '?')} MB, free {m.get('free', '?')} MB, available {m.get('available', '?')} MB; "
            f"dockerd {d['dockerd_rss_mb'] if d['dockerd_rss_mb'] is not None else '?'} MB RSS, "
            f"containerd {d['containerd_rss_mb'] if d['containerd_rss_mb'] is not None else '?'} MB RSS")
    f = s.get("fleet")
    if f:
        text += (f"\n                       bench containers: {f['shims']} shims {f['shims_pss_mb']} MB PSS + "
                 f"{f['proxies']} docker-proxy {f['proxies_pss_mb']} MB PSS + {f['cgroups']} memory cgroups "
                 f"{f['cgroups_mb']} MB = {f['total_mb']} MB "
                 f"({f['total_mb'] / max(1, f['containers']):.2f} MB per running container)")
    return text


# ---------------------------------------------------------------------------
# counting proxy (untimed verification pass)
# ---------------------------------------------------------------------------

REQ_RE = re.compile(rb"(?:^|\r\n)(GET|HEAD|POST|PUT|DELETE|PATCH) (\S+) HTTP/1\.[01]\r\n")
ID_RE = re.compile(r"/[0-9a-f]{12,64}(?=/|$)")
VER_RE = re.compile(r"^/v\d+\.\d+")


class CountingProxy:
    """A unix-socket pass-through to the engine that counts HTTP requests (method and path shape).

    Requests are counted from each connection's client bytes when it closes; :meth:`settle` waits for
    every connection to close, so counts are complete after a client process has exited. Only GET/HEAD
    bodies-free traffic is expected here; the count would still be right for small POST bodies."""

    def __init__(self, upstream: str, directory: str):
        self.upstream = upstream
        self.path = os.path.join(directory, "engine.sock")
        self.url = "unix://" + self.path
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.active = 0
        self.idle = threading.Condition(self.lock)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(128)
        self.closed = False
        threading.Thread(target=self._accept, name="count-proxy", daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.active += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        seen = bytearray()
        up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            up.connect(self.upstream)

            def back() -> None:
                try:
                    while data := up.recv(65536):
                        conn.sendall(data)
                except OSError:
                    pass
                finally:
                    try:
                        conn.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass

            t = threading.Thread(target=back, daemon=True)
            t.start()
            try:
                while data := conn.recv(65536):
                    seen += data
                    up.sendall(data)
            except OSError:
                pass
            try:
                up.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            t.join(timeout=30)
        except OSError:
            pass
        finally:
            for s in (up, conn):
                try:
                    s.close()
                except OSError:
                    pass
            found = Counter(f"{m.decode()} {self.shape(p.decode('latin-1'))}" for m, p in REQ_RE.findall(bytes(seen)))
            with self.lock:
                self.counts.update(found)
                self.active -= 1
                self.idle.notify_all()

    @staticmethod
    def shape(path: str) -> str:
        path = VER_RE.sub("", path.split("?", 1)[0])
        return ID_RE.sub("/{id}", path)

    def settle(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        with self.lock:
            while self.active > 0 and time.monotonic() < deadline:
                self.idle.wait(0.1)

    def take(self) -> Counter[str]:
        """Wait for open connections to finish, then return and reset the counts."""
        self.settle()
        with self.lock:
            out, self.counts = self.counts, Counter()
        return out

    def close(self) -> None:
        self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass


# ---------------------------------------------------------------------------
# setup
# ---------------------------------------------------------------------------


@dataclass
class Fleet:
    run_id: str
    running: list[str] = field(default_factory=list)
    stopped: list[str] = field(default_factory=list)
    mix: Counter = field(default_factory=Counter)
    v6: bool = False
    v6_note: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    retries: int = 0
    failures: Counter = field(default_factory=Counter)
    failure_samples: list[str] = field(default_factory=list)
    explicit: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def labels(run_id: str) -> list[str]:
    return ["--label", f"{LABEL}=1", "--label", f"{RUN_LABEL}={run_id}"]


def probe_v6(dk: DockerCLI, run_id: str, command: list[str]) -> tuple[bool, str]:
    """Does the engine accept (and can docker-proxy bind) ``-p [::1]::80``?"""
    name = f"{PREFIX}probe-v6"
    p = dk.run("run", "-d", "--name", name, *labels(run_id), "-p", SPECS["loopback6"], IMAGE, *command, check=False)
    dk.run("rm", "-f", "-v", name, check=False)
    if p.returncode == 0:
        return True, "engine accepts -p [::1]::80"
    return False, f"engine refused -p [::1]::80 ({p.stderr.strip()[-160:]}); those containers use 127.0.0.1::80"


# dockerd 20.10 keeps one random-port cursor per host IP and does not see that [::1]:P clashes with the [::]:P
# that `-p 80` also binds, so a `docker run` now and then fails with "bind: address already in use". A retry
# draws the next port; after RANDOM_ATTEMPTS failures the container gets a host port picked here instead,
# below the engine's random range (reported as an explicit-port fallback).
RANDOM_ATTEMPTS = 6
_picked: set[int] = set()
_pick_lock = threading.Lock()


def free_port() -> int:
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range", encoding="ascii") as fh:
            low = int(fh.read().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    with _pick_lock:
        for port in range(max(1025, low - 12000), low):
            if port in _picked:
                continue
            ok = True
            for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
                with socket.socket(fam, socket.SOCK_STREAM) as sk:
                    try:
                        sk.bind((addr, port))
                    except OSError:
                        ok = False
                        break
            if ok:
                _picked.add(port)
                return port
    raise BenchError("no free host port found below the engine's random port range")


def explicit_spec(spec: str) -> str:
    """``127.0.0.1::80`` -> ``127.0.0.1:P:80``, ``80`` -> ``P:80``, ``[::1]::80`` -> ``[::1]:P:80``."""
    port = free_port()
    if spec == "80":
        return f"{port}:80"
    return spec[:-len("::80")] + f":{port}:80"  # "127.0.0.1" / "[::1]" + ":P:80"


def spec_for(i: int, v6: bool) -> tuple[str, str]:
    k = i % 4
    if k in (0, 1):
        return "loopback4", SPECS["loopback4"]
    if k == 2:
        return "all", SPECS["all"]
    return ("loopback6", SPECS["loopback6"]) if v6 else ("loopback4", SPECS["loopback4"])


def start_fleet(dk: DockerCLI, n: int, n_stopped: int, jobs: int, command: list[str], fleet: Fleet,
                stop: threading.Event) -> None:
    t0 = time.perf_counter()
    fleet.v6, fleet.v6_note = probe_v6(dk, fleet.run_id, command)
    fleet.timings["probe_s"] = time.perf_counter() - t0

    def one(verb: str, name: str, spec: str) -> str:
        args = ["run", "-d"] if verb == "run" else ["create"]
        last = ""
        for attempt in range(RANDOM_ATTEMPTS + 2):
            if stop.is_set():
                raise BenchError("stopped")
            use = spec if attempt < RANDOM_ATTEMPTS else explicit_spec(spec)
            p = dk.run(*args, "--name", name, *labels(fleet.run_id), "-p", use, IMAGE, *command, timeout=180, check=False)
            if p.returncode == 0:
                with fleet.lock:
                    fleet.retries += attempt
                    if use != spec:
                        fleet.explicit.append(f"{name} -p {use}")
                return name
            last = p.stderr.strip()[-300:]
            with fleet.lock:
                fleet.failures[("port clash" if "address already in use" in last else "other")] += 1
                if len(fleet.failure_samples) < 5:
                    fleet.failure_samples.append(f"{name} -p {use}: {' '.join(last.split())[:240]}")
            dk.run("rm", "-f", "-v", name, check=False)  # a half-made container (created, failed to start)
        raise BenchError(f"docker {args[0]} {name} -p {spec} failed {RANDOM_ATTEMPTS + 2} times: {last}")

    work = []
    for i in range(n):
        kind, spec = spec_for(i, fleet.v6)
        fleet.mix[kind] += 1
        work.append(("run", f"{PREFIX}{i}", spec))
    for j in range(n_stopped):
        work.append(("create", f"{PREFIX}stopped-{j}", SPECS["loopback4"] if j % 2 == 0 else SPECS["all"]))

    t1 = time.perf_counter()
    pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="bench-setup")
    done = 0
    try:
        futures = {pool.submit(one, *w): w for w in work}
        for fut in as_completed(futures):
            verb, name, _ = futures[fut]
            fut.result()
            (fleet.running if verb == "run" else fleet.stopped).append(name)
            done += 1
            if done % 50 == 0 or done == len(work):
                print(f"    {done}/{len(work)} containers up ({time.perf_counter() - t1:.1f} s)", flush=True)
    except BaseException:
        stop.set()
        # Let the docker run processes already started finish (they run in their own session, so Ctrl-C did not
        # reach them); the caller's teardown then finds every container they made.
        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            pool.shutdown(wait=True, cancel_futures=True)
        finally:
            signal.signal(signal.SIGINT, old)
        raise
    pool.shutdown(wait=True)
    fleet.timings["start_s"] = time.perf_counter() - t1

    state = Counter(c["state"] for c in list_containers(dk, f"label={RUN_LABEL}={fleet.run_id}"))
    if state.get("running", 0) != n or state.get("created", 0) != n_stopped:
        raise BenchError(f"expected {n} running and {n_stopped} created bench containers, the engine shows {dict(state)}")


# ---------------------------------------------------------------------------
# the methods
# ---------------------------------------------------------------------------


@dataclass
class Sample:
    seconds: float
    containers: int
    api_calls: int | None = None  # self-reported by the method (bindguard's count, the SDK wrapper's count)
    processes: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("NO_COLOR", "1")
    env.setdefault("PYTHONIOENCODING", "utf-8")
    return env


def m_library(url: str, include_stopped: bool) -> Sample:
    from bindguard.engine.audit import AuditSettings, audit
    from bindguard.engine.client import EngineTarget

    t0 = time.perf_counter()
    report, results = audit(AuditSettings(targets=(EngineTarget(url, url),), include_stopped=include_stopped, timeout=60))
    dt = time.perf_counter() - t0
    r = results[0]
    if r.error is not None:
        raise BenchError(f"bindguard audit (library) failed: {r.error}")
    return Sample(dt, r.containers, r.api_calls, 0,
                  {"engine_seconds": r.seconds, "findings": len(report.findings),
                   "by_rule": dict(Counter(f.code for f in report.findings))})


def m_cli(url: str, include_stopped: bool) -> Sample:
    cmd = [sys.executable, "-m", "bindguard", "audit", "--format", "json", "--timeout", "60", "--host", url]
    if include_stopped:
        cmd.append("--all")
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, env=child_env(), stdin=subprocess.DEVNULL, timeout=600,
                       start_new_session=True)
    dt = time.perf_counter() - t0
    err = p.stderr.decode("utf-8", "replace")
    if p.returncode not in (0, 1) or "Traceback (most recent call last)" in err:
        raise BenchError(f"python -m bindguard audit exited {p.returncode}: {err.strip()[-400:]}")
    try:
        data = json.loads(p.stdout)
        eng = data["engines"][0]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise BenchError(f"bindguard audit --format json output has no engines[0] ({exc}): {p.stdout[:200]!r}") from exc
    if eng.get("error"):
        raise BenchError(f"bindguard audit reported an engine error: {eng['error']}")
    return Sample(dt, int(eng["containers"]), int(eng["api_calls"]), 1,
                  {"exit": p.returncode, "findings": len(data.get("findings", [])), "engine_seconds": eng.get("seconds")})


def m_docker_bench(dk: DockerCLI, url: str | None = None) -> Sample:
    """docker-bench-security check 5.13: list running containers, then ``docker port`` each, one by one."""
    t0 = time.perf_counter()
    ps = subprocess.run(dk.cmd("ps", "--quiet", url=url), capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
    if ps.returncode != 0:
        raise BenchError(f"docker ps --quiet exited {ps.returncode}: {ps.stderr.strip()[-300:]}")
    ids = ps.stdout.split()
    wildcard = failed = bindings = 0
    for cid in ids:
        p = subprocess.run(dk.cmd("port", cid, url=url), capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
        if p.returncode != 0:
            failed += 1  # e.g. removed meanwhile by someone else; docker-bench would print nothing for it
            continue
        # docker-bench: docker port "$c" | awk '{print $3}' | cut -d ':' -f1, then compares with 0.0.0.0
        ips = [ln.split()[2].split(":")[0] for ln in p.stdout.splitlines() if len(ln.split()) >= 3]
        bindings += len(ips)
        wildcard += any(ip == "0.0.0.0" for ip in ips)
    dt = time.perf_counter() - t0
    return Sample(dt, len(ids), None, 1 + len(ids),
                  {"port_failures": failed, "bindings_listed": bindings, "containers_flagged_0.0.0.0": wildcard})


def sdk_version(url: str) -> str:
    """The API version bindguard ends up using: the engine's, capped at the SDK's default."""
    import docker
    from docker.constants import DEFAULT_DOCKER_API_VERSION
    from docker.utils import version_lt

    api = docker.APIClient(base_url=url, version="1.24", timeout=30)
    try:
        v = str(api.version(api_version=False).get("ApiVersion", "1.24"))
    finally:
        api.close()
    return DEFAULT_DOCKER_API_VERSION if version_lt(DEFAULT_DOCKER_API_VERSION, v) else v


def m_sdk_loop(url: str, version: str) -> Sample:
    import docker

    t0 = time.perf_counter()
    api = docker.APIClient(base_url=url, version=version, timeout=60)
    calls = [0]
    original = api.request

    def request(*a: Any, **k: Any) -> Any:
        calls[0] += 1
        return original(*a, **k)

    api.request = request
    try:
        ids = [c["Id"] for c in api.containers(quiet=True)]
        wildcard = bindings = 0
        for cid in ids:
            try:
                ports = (api.inspect_container(cid).get("NetworkSettings") or {}).get("Ports") or {}
            except docker.errors.NotFound:
                continue
            for binds in ports.values():
                for b in binds or []:
                    bindings += 1
                    wildcard += b.get("HostIp") in ("0.0.0.0", "::", "")
    finally:
        api.close()
    dt = time.perf_counter() - t0
    return Sample(dt, len(ids), calls[0], 0, {"bindings_listed": bindings, "wildcard_bindings": wildcard})


@dataclass
class Method:
    key: str
    label: str
    fn: Callable[[str], Sample]  # takes the engine URL (the real one, or the counting proxy's)
    remote: bool = False  # goes over SSH to the engine, never through the counting proxy


def ssh_methods(ssh_url: str | None) -> list[Method]:
    """The same audit through ``ssh … docker system dial-stdio`` to the same engine (``--ssh``)."""
    if not ssh_url:
        return []
    return [
        Method("lib_ssh", f"bindguard audit, library call, {ssh_url}", lambda u: m_library(ssh_url, False), True),
        Method("cli_ssh", f"python -m bindguard audit --format json, {ssh_url}", lambda u: m_cli(ssh_url, False), True),
    ]


def methods(dk: DockerCLI, api_version: str, ssh_url: str | None = None) -> list[Method]:
    return [
        Method("lib", "bindguard audit, library call", lambda u: m_library(u, False)),
        Method("lib_all", "bindguard audit --all, library call", lambda u: m_library(u, True)),
        Method("cli", "python -m bindguard audit --format json", lambda u: m_cli(u, False)),
        Method("cli_all", "python -m bindguard audit --all --format json", lambda u: m_cli(u, True)),
        Method("docker_bench", "docker-bench 5.13: docker ps -q + docker port xN", lambda u: m_docker_bench(dk, u)),
        Method("sdk_loop", "SDK: containers() + inspect_container xN", lambda u: m_sdk_loop(u, api_version)),
    ] + ssh_methods(ssh_url)


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------


def env_int(name: str) -> int | None:
    v = os.environ.get(name, "").strip()
    return int(v) if v.isdigit() else None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="Time bindguard audit against per-container loops on a real engine "
                                             "(see benchmarks/README.md).")
    ap.add_argument("--containers", type=int, default=None, help="running containers to start (default 200; quick 20)")
    ap.add_argument("--stopped", type=int, default=None, help="created, never started containers (default 5; quick 2)")
    ap.add_argument("--repeat", type=int, default=None, help="best of N (default 3, or $BINDGUARD_BENCH_REPEAT)")
    ap.add_argument("--quick", action="store_true", help="20 containers, best of 1 (also $BINDGUARD_BENCH_QUICK=1)")
    ap.add_argument("--jobs", type=int, default=8, help="concurrent docker run processes during setup (default 8)")
    ap.add_argument("--command", choices=sorted(COMMANDS), default="sleep",
                    help="container command: sleep 3600 (default, least memory) or busybox httpd")
    ap.add_argument("--host", default=None, help=f"engine URL (default $DOCKER_HOST or {DEFAULT_URL})")
    ap.add_argument("--min-available-mb", type=int, default=None,
                    help="refuse to start unless free -m shows this much available (default 256 + 8 per container)")
    ap.add_argument("--no-count", action="store_true", help="skip the untimed pass through the request-counting proxy")
    ap.add_argument("--remove-leftovers", action="store_true",
                    help="remove containers labelled org.bindguard.bench left by an earlier run, then go on")
    ap.add_argument("--json", metavar="PATH", default=None, help="results file (default benchmarks/out/audit-<N>.json)")
    ap.add_argument("--ssh", metavar="URL", default=None,
                    help="also audit the same engine through this ssh:// URL; 'bed' starts .ci/sshd-up.sh "
                         "(sshd on 127.0.0.1, remote `docker system dial-stdio`) and uses ssh://bindguard-sshd")
    args = ap.parse_args(argv)
    quick = args.quick or os.environ.get("BINDGUARD_BENCH_QUICK", "0").strip() == "1"
    args.quick = quick
    if args.containers is None:
        args.containers = 20 if quick else 200
    if args.stopped is None:
        args.stopped = 2 if quick else 5
    if args.repeat is None:
        args.repeat = env_int("BINDGUARD_BENCH_REPEAT") or (1 if quick else 3)
    if args.containers < 1 or args.stopped < 0 or args.repeat < 1 or args.jobs < 1:
        ap.error("--containers, --repeat and --jobs must be >= 1, --stopped >= 0")
    if args.min_available_mb is None:
        args.min_available_mb = 256 + 8 * (args.containers + args.stopped)
    args.host = args.host or os.environ.get("DOCKER_HOST") or DEFAULT_URL
    if args.ssh == "bed":
        args.ssh = ssh_bed()
    return args


def ssh_bed() -> str:
    """Start the tests' throwaway sshd and put its ``ssh`` wrapper (``ssh -F`` its config) on PATH."""
    bed = Path(os.environ.get("BINDGUARD_SSHD_DIR", "/tmp/bindguard-sshd"))
    p = subprocess.run(["bash", str(REPO / ".ci" / "sshd-up.sh")], capture_output=True, text=True, timeout=900)
    if p.returncode != 0:
        raise SystemExit(f"audit_bench: error: .ci/sshd-up.sh failed: {(p.stdout + p.stderr).strip()[-300:]}")
    os.environ["PATH"] = f"{bed / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    return "ssh://bindguard-sshd"


def preflight(dk: DockerCLI) -> dict[str, str]:
    p = dk.run("version", "--format", "{{.Server.Version}}|{{.Server.APIVersion}}|{{.Client.Version}}",
               timeout=20, check=False)
    if p.returncode != 0:
        raise BenchError(f"the Docker engine at {dk.url} does not answer ({p.stderr.strip()[-200:]}).\n"
                         "  Start it with: bash .ci/engine-up.sh   (run.py: use --no-audit to skip this benchmark)")
    server, api, client = ([x.strip() for x in p.stdout.strip().split("|")] + ["?", "?", "?"])[:3]
    if dk.run("image", "inspect", IMAGE, "--format", "{{.Id}}", check=False).returncode != 0:
        raise BenchError(f"image {IMAGE} is missing on {dk.url}. Build it with: bash .ci/engine-up.sh")
    try:
        import bindguard  # noqa: F401
        from bindguard.engine.audit import audit  # noqa: F401
    except ImportError as exc:
        raise BenchError(f"bindguard's audit cannot be imported from {SRC}: {exc}") from exc
    return {"server": server, "api": api, "client": client}


def print_table(rows: list[dict], base_s: float | None) -> None:
    head = f"{'method':<48} {'containers':>10} {'processes':>9} {'API calls':>9} {'seconds':>8} {'x lib':>7}"
    print(head)
    print("-" * len(head))
    for r in rows:
        if r.get("seconds") is None:
            print(f"{r['label']:<48} {'':>10} {'':>9} {'':>9} {'FAILED':>8}")
            continue
        calls = "-" if r["api_calls"] is None else f"{r['api_calls']:,}"
        procs = "-" if not r["processes"] else f"{r['processes']:,}"
        ratio = f"{r['seconds'] / base_s:.1f}x" if base_s else "-"
        print(f"{r['label']:<48} {r['containers']:>10,} {procs:>9} {calls:>9} {r['seconds']:>8.3f} {ratio:>7}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    n, k = args.containers, args.stopped
    command = COMMANDS[args.command]
    out_path = Path(args.json) if args.json else OUT / f"audit-{n}.json"
    try:
        dk = DockerCLI(args.host)
        versions = preflight(dk)
    except BenchError as exc:
        print(f"audit_bench: error: {exc}", file=sys.stderr)
        return 2

    avail = free_m().get("available")
    if isinstance(avail, int) and avail < args.min_available_mb:
        print(f"audit_bench: error: only {avail} MB of memory is available (free -m), this run wants "
              f"{args.min_available_mb} MB (about 5 MB per busybox container with its shim and docker-proxy, plus "
              "headroom). Wait for other work to finish, use fewer --containers, or lower --min-available-mb.",
              file=sys.stderr)
        return 2

    labelled, named = leftovers(dk)
    if named:
        print(f"audit_bench: error: {len(named)} container(s) named {PREFIX}* without the {LABEL} label exist "
              f"({', '.join(c['name'] for c in named[:8])}{' ...' if len(named) > 8 else ''}).\n"
              "  They were not made by this script, so it will not touch them: rename or remove them, then rerun.",
              file=sys.stderr)
        return 2
    if labelled:
        names = ", ".join(c["name"] for c in labelled[:8]) + (" ..." if len(labelled) > 8 else "")
        if not args.remove_leftovers:
            print(f"audit_bench: error: {len(labelled)} container(s) from an earlier (or a concurrent) benchmark run "
                  f"still exist: {names}\n"
                  f"  Remove them first:  docker rm -f -v $(docker ps -aq --filter label={LABEL})\n"
                  "  or rerun with --remove-leftovers (make sure no other audit_bench.py is running).", file=sys.stderr)
            return 2
        print(f"removing {len(labelled)} leftover bench container(s): {names}")
        _, errs = remove_by_label(dk, f"label={LABEL}", args.jobs)
        if errs:
            print("audit_bench: error: could not remove leftovers:\n  " + "\n  ".join(errs[:10]), file=sys.stderr)
            return 2

    print(f"audit benchmark: engine {versions['server']} (API {versions['api']}) at {args.host}, docker CLI "
          f"{versions['client']}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"  {n} running containers ({args.command}) + {k} created, best of {args.repeat}, setup with {args.jobs} "
          f"concurrent `docker run -d`")

    results: dict[str, Any] = {
        "args": {k_: v for k_, v in vars(args).items()},
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
                    "engine": versions, "commit": git_commit()},
        "memory": [],
    }
    failures: list[str] = []
    fleet = Fleet(run_id=uuid.uuid4().hex[:12])
    stop = threading.Event()
    rows: list[dict] = []
    interrupted = False
    old_term = signal.getsignal(signal.SIGTERM)

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    mem0 = memory_snapshot("before setup", args.host)
    results["memory"].append(mem0)
    print(f"\nmemory before setup:   {fmt_mem(mem0)}")
    try:
        # ------------------------------------------------------------ setup
        print(f"\nsetup: starting {n} + {k} containers (run label {RUN_LABEL}={fleet.run_id}) ...", flush=True)
        t0 = time.perf_counter()
        start_fleet(dk, n, k, args.jobs, command, fleet, stop)
        setup_s = time.perf_counter() - t0
        results["setup"] = {"seconds": setup_s, **fleet.timings, "retries": fleet.retries, "mix": dict(fleet.mix),
                            "failed_attempts": dict(fleet.failures), "failure_samples": fleet.failure_samples,
                            "explicit_port_fallbacks": fleet.explicit,
                            "ipv6": fleet.v6, "ipv6_note": fleet.v6_note, "running": len(fleet.running),
                            "stopped": len(fleet.stopped), "run_id": fleet.run_id}
        mix = ", ".join(f"{fleet.mix[key]} {SPECS[key]}" for key in SPECS if fleet.mix[key])
        print(f"setup: {len(fleet.running)} running + {len(fleet.stopped)} created in {setup_s:.1f} s "
              f"({(len(fleet.running) + len(fleet.stopped)) / fleet.timings['start_s']:.1f} containers/s; "
              f"v6 probe {fleet.timings['probe_s']:.1f} s)")
        print(f"       ports: {mix}; {fleet.v6_note}")
        if fleet.failures:
            print(f"       {sum(fleet.failures.values())} failed docker run attempts were retried "
                  f"({', '.join(f'{v} {k}' for k, v in fleet.failures.items())}), e.g. {fleet.failure_samples[0]}")
        if fleet.explicit:
            print(f"       {len(fleet.explicit)} container(s) got an explicit host port after {RANDOM_ATTEMPTS} random "
                  f"ones clashed: {', '.join(fleet.explicit[:4])}{' ...' if len(fleet.explicit) > 4 else ''}")
        mem1 = memory_snapshot("after setup", args.host, dk, fleet.run_id)
        results["memory"].append(mem1)
        print(f"memory after setup:    {fmt_mem(mem1)}")

        api_version = sdk_version(args.host)
        ms = methods(dk, api_version, args.ssh)
        best: dict[str, Sample | None] = {m.key: None for m in ms}
        all_s: dict[str, list[float]] = {m.key: [] for m in ms}
        counted: dict[str, dict[str, int]] = {}
        failed: dict[str, str] = {}

        # ------------------------------------------------- counting pass (untimed)
        if not args.no_count and args.host.startswith("unix://"):
            print("\ncounting pass (untimed, through a request-counting proxy) ...", flush=True)
            with tempfile.TemporaryDirectory(prefix="bindguard-bench-proxy-") as tmp:
                proxy = CountingProxy(args.host[len("unix://"):], tmp)
                try:
                    for m in ms:
                        if m.remote:
                            continue  # its requests reach the engine through sshd, not the proxy
                        try:
                            s = m.fn(proxy.url)
                            c = proxy.take()
                            counted[m.key] = dict(sorted(c.items()))
                            total = sum(c.values())
                            check = "" if s.api_calls in (None, total) else f"  ! self-reported {s.api_calls}"
                            print(f"    {m.key:<13} {total:>5} requests  {shape_summary(c)}{check}")
                        except BenchError as exc:
                            proxy.take()
                            print(f"    {m.key:<13} failed: {exc}")
                finally:
                    proxy.close()
        elif not args.no_count:
            print(f"\n(no counting pass: {args.host} is not a unix socket; API calls are the methods' own counts)")

        # ------------------------------------------------------- timed rounds
        print(f"\ntimed rounds: best of {args.repeat}, methods interleaved, order rotated each round ...", flush=True)
        for rnd in range(args.repeat):
            # Rotate the order so that no method always runs in the same slot (e.g. first child process after
            # the in-process calls, which was measurably slower).
            shift = rnd * len(ms) // args.repeat
            order = ms[shift:] + ms[:shift]
            for m in order:
                if m.key in failed:
                    continue
                try:
                    s = m.fn(args.host)
                except (BenchError, subprocess.TimeoutExpired) as exc:
                    failed[m.key] = str(exc)
                    continue
                all_s[m.key].append(s.seconds)
                if best[m.key] is None or s.seconds < best[m.key].seconds:
                    best[m.key] = s
            print(f"    round {rnd + 1}/{args.repeat}: " + ", ".join(
                f"{m.key} {all_s[m.key][-1]:.3f}s" for m in order if len(all_s[m.key]) == rnd + 1), flush=True)

        for m in ms:
            s = best[m.key]
            if s is None:
                rows.append({"key": m.key, "label": m.label, "seconds": None, "error": failed.get(m.key)})
                failures.append(f"{m.key}: {failed.get(m.key)}")
                continue
            measured = sum(counted[m.key].values()) if m.key in counted else None
            rows.append({
                "key": m.key, "label": m.label, "containers": s.containers, "processes": s.processes,
                "api_calls": measured if measured is not None else s.api_calls,
                "api_calls_self_reported": s.api_calls, "api_calls_measured": measured,
                "requests": counted.get(m.key), "seconds": s.seconds, "all_seconds": all_s[m.key], **s.extra,
            })
        results["rows"] = rows
        results["sdk_api_version"] = api_version

        base = next((r["seconds"] for r in rows if r["key"] == "lib" and r.get("seconds")), None)
        print(f"\naudit benchmark: {n} running + {k} created bench containers, best of {args.repeat}\n")
        print_table(rows, base)
        notes(rows, n, k)
        mem2 = memory_snapshot("after measurements", args.host, dk, fleet.run_id)
        results["memory"].append(mem2)
    except KeyboardInterrupt:
        interrupted = True
        stop.set()
        print("\ninterrupted: removing the bench containers, please wait ...", file=sys.stderr, flush=True)
    except BenchError as exc:
        failures.append(str(exc))
        print(f"\naudit_bench: error: {exc}", file=sys.stderr)
    finally:
        # ------------------------------------------------------------ teardown (always)
        old_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        t0 = time.perf_counter()
        removed, errs, others = 0, [], []
        try:
            removed, errs = remove_by_label(dk, f"label={RUN_LABEL}={fleet.run_id}", args.jobs)
            others = list_containers(dk, f"label={LABEL}")
        except (BenchError, OSError) as exc:
            errs = [f"{exc} -- remove them by hand: docker rm -f -v $(docker ps -aq --filter label={LABEL})"]
        finally:
            teardown_s = time.perf_counter() - t0
            signal.signal(signal.SIGINT, old_int)
            signal.signal(signal.SIGTERM, old_term)
        results["teardown"] = {"seconds": teardown_s, "removed": removed, "errors": errs,
                               "bench_containers_left": [c["name"] for c in others]}
        print(f"\nteardown: removed {removed} containers in {teardown_s:.1f} s"
              f"{'' if not errs else ' WITH ERRORS: ' + '; '.join(errs[:5])}")
        if errs:
            failures.append("teardown: " + "; ".join(errs[:5]))
        if others:
            print(f"  ! {len(others)} container(s) labelled {LABEL} remain (not from this run): "
                  f"{', '.join(c['name'] for c in others[:8])}", file=sys.stderr)
        else:
            print(f"  docker ps -a --filter label={LABEL}: empty")
        time.sleep(1.0)  # let the engine reap shims and proxies before reading memory
        mem3 = memory_snapshot("after teardown", args.host)
        results["memory"].append(mem3)
        print(f"memory after teardown: {fmt_mem(mem3)}")
        m1 = next((m for m in results["memory"] if m["when"] == "after setup"), None)
        if m1 is not None:
            a, b, c = mem0["free_m"], m1["free_m"], mem3["free_m"]
            print(f"  free -m used: {a['used']} MB before setup, {b['used']} MB after ({b['used'] - a['used']:+d} MB, "
                  f"{(b['used'] - a['used']) / max(1, n + k):+.1f} MB per container), {c['used']} MB after teardown "
                  f"({c['used'] - a['used']:+d} MB). Machine-wide: other work on a shared machine moves it too")
            d0, d1 = mem0["daemons"], m1["daemons"]
            if d0["dockerd_rss_mb"] is not None and d1["dockerd_rss_mb"] is not None:
                print(f"  dockerd RSS {d0['dockerd_rss_mb']} -> {d1['dockerd_rss_mb']} MB, containerd RSS "
                      f"{d0['containerd_rss_mb']} -> {d1['containerd_rss_mb']} MB (before -> after setup)")
        results["failures"] = failures
        results["interrupted"] = interrupted
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
        print(f"results: {rel(out_path)}")
    if interrupted:
        return 130
    if failures:
        print("\nFAILED (no numbers for these):\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    return 0


def shape_summary(c: Counter) -> str:
    return ", ".join(f"{v} x {k}" for k, v in c.most_common(4)) + (" ..." if len(c) > 4 else "")


def notes(rows: list[dict], n: int, k: int) -> None:
    by = {r["key"]: r for r in rows if r.get("seconds") is not None}
    print("  containers = what the method looked at (every container on the engine, not only the bench ones);")
    print("  processes = child processes started (docker CLI / python); API calls = HTTP requests the engine")
    print("  received, counted in the untimed proxy pass (else the method's own count); x lib = seconds / row 1.")
    for key in ("lib", "docker_bench", "sdk_loop"):
        r = by.get(key)
        if r and r["containers"] != n:
            print(f"  ! {key} saw {r['containers']} running containers, not {n}: other containers run on this engine")
    db = by.get("docker_bench")
    if db and db.get("requests"):
        ping = sum(v for kk, v in db["requests"].items() if "_ping" in kk)
        if ping:
            print(f"  docker-bench row: {db['processes']} CLI processes, {ping} of its {db['api_calls']} requests are the "
                  "CLI's /_ping version negotiation (one per process)")
    for key in ("lib", "cli"):
        r = by.get(key)
        if r and r.get("api_calls_measured") is not None and r["api_calls_self_reported"] != r["api_calls_measured"]:
            print(f"  ! {key}: bindguard reports {r['api_calls_self_reported']} API calls, the proxy counted "
                  f"{r['api_calls_measured']}")


def git_commit() -> str:
    try:
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "src"], capture_output=True,
                               text=True).stdout.strip()
        return (head or "?") + ("+dirty-src" if dirty else "")
    except OSError:
        return "?"


def rel(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(REPO))
    except ValueError:
        return str(p)


if __name__ == "__main__":
    sys.exit(main())
