#!/usr/bin/env python3
"""bindguard watch benchmarks.

    python benchmarks/watch_bench.py                 # all three parts
    python benchmarks/watch_bench.py --only latency  # latency | memory | engines
    python benchmarks/watch_bench.py --starts 50 --events 2000   # smaller

(a) latency, REAL engine (the default one, ``.ci/engine-up.sh``): a
    ``bindguard watch --format json`` process watches while this script starts
    ``--starts`` containers (default 200) from ``bindguard-test/busybox:1``, one
    after another, each with ``-p 80`` (every interface, random host port).
    Per container: the tool's own ``lag_seconds`` (engine's start event time to
    the moment the finding was known, both on this host's clock) and the time
    until this script read the JSON line (same clock: event time to line
    delivered).  Median and p99 of each.  Containers are removed in batches
    of 10 as it goes, and all of them (by run label) at the end.

(b) memory, SIMULATED engine (``sim_engine.py``, the Docker API on a unix
    socket): the real watcher process handles ``--events`` (default 10,000)
    container start/die events over a pool of 50 containers; its RSS
    (``/proc/<pid>/status`` VmRSS) is sampled after 1,000, 2,000, 5,000 and
    10,000 events, when every event's record has been read.

(c) engines, SIMULATED: one watcher on 10 simulated engines at once: time until
    all 10 are up, then 1,000 events spread over them (100 each, start and
    die), the lag per event, the wall time until every record is out and the
    watcher's CPU time; then one engine is shut down and the others keep
    reporting.

Results: the table on stdout and ``benchmarks/out/watch.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
sys.path.insert(0, str(BENCH))

from sim_engine import SimEngine  # noqa: E402

IMAGE = "bindguard-test/busybox:1"
DEFAULT_URL = "unix:///var/run/docker.sock"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


class Watcher:
    """The real CLI; records arrive on a queue with the local time they were read."""

    def __init__(self, *args: str):
        env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "NO_COLOR": "1", "DOCKER_CONFIG": "/nonexistent"}
        env.pop("DOCKER_HOST", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bindguard", "watch", "--no-config", "--format", "json", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=env,
        )
        self.records: queue.Queue = queue.Queue()
        self.errors: list[str] = []
        threading.Thread(target=self._out, daemon=True).start()
        threading.Thread(target=self._err, daemon=True).start()

    def _out(self):
        for line in self.proc.stdout:
            self.records.put((time.time(), json.loads(line)))

    def _err(self):
        for line in self.proc.stderr:
            self.errors.append(line.decode(errors="replace").rstrip())

    def wait_up(self, count: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while sum(": up:" in e for e in self.errors) < count:
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise SystemExit(f"watcher not up: {self.errors[-5:]}")
            time.sleep(0.05)

    def next_record(self, timeout: float = 60):
        return self.records.get(timeout=timeout)

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> int:
        self.proc.terminate()
        return self.proc.wait(30)


# --------------------------------------------------------------- (a) latency
def bench_latency(starts: int) -> dict:
    import docker

    api = docker.APIClient(base_url=DEFAULT_URL, version="auto")
    run = uuid.uuid4().hex[:8]
    label = {"org.bindguard.bench": "1", "org.bindguard.bench.run": run}
    w = Watcher("--host", DEFAULT_URL, "--select", "BG001")
    w.wait_up(1)
    time.sleep(0.5)
    while not w.records.empty():
        w.next_record()
    lags, delivered, made = [], [], []
    by_reaudit = 0
    rss_start = w.rss_kb()
    try:
        for i in range(starts):
            name = f"bindguard-bench-watch-{run}-{i}"
            c = api.create_container(
                IMAGE,
                ["busybox", "sleep", "3600"],
                name=name,
                labels=label,
                ports=[80],
                host_config=api.create_host_config(port_bindings={80: None}),
                stop_signal="SIGKILL",
            )
            made.append(c["Id"])
            api.start(c["Id"])
            while True:
                read_at, rec = w.next_record()
                if rec["change"] == "new" and rec["finding"].get("container") == name:
                    break
            event = rec["event"]
            if event["type"] == "audit":  # found by a full re-audit after a reconnect
                by_reaudit += 1
            else:
                assert event["action"] == "start", event
                lags.append(event["lag_seconds"])
                delivered.append(read_at - _parse(event["time"]))
            if len(made) >= 10:
                for cid in made:
                    api.remove_container(cid, force=True)
                made = []
        rss_end = w.rss_kb()
    finally:
        for cid in made:
            api.remove_container(cid, force=True, v=True)
        for c in api.containers(all=True, filters={"label": f"org.bindguard.bench.run={run}"}):
            api.remove_container(c["Id"], force=True)
        w.stop()
    return {
        "starts": starts,
        "lag_median_ms": statistics.median(lags) * 1000,
        "lag_p99_ms": percentile(lags, 99) * 1000,
        "lag_max_ms": max(lags) * 1000,
        "delivered_median_ms": statistics.median(delivered) * 1000,
        "delivered_p99_ms": percentile(delivered, 99) * 1000,
        "watcher_rss_kb_start": rss_start,
        "watcher_rss_kb_end": rss_end,
        "found_by_reaudit": by_reaudit,
        "watcher_stderr": w.errors,
        "load_average": os.getloadavg(),
    }


def _parse(text: str) -> float:
    import datetime

    whole, _, frac = text.rstrip("Z").partition(".")
    base = datetime.datetime.fromisoformat(whole).replace(tzinfo=datetime.UTC).timestamp()
    return base + float("0." + (frac or "0"))


# ---------------------------------------------------------------- (b) memory
def bench_memory(events: int, tmp: Path) -> dict:
    sim = SimEngine(str(tmp / "mem.sock"))
    w = Watcher("--host", sim.url, "--select", "BG001")
    w.wait_up(1)
    checkpoints = sorted({c for c in (1000, 2000, 5000, 10_000, 20_000, 40_000, events) if c <= events})
    samples = {}
    pool = 50
    done = 0
    try:
        rss_idle = w.rss_kb()
        # phases of `pool` events (all starts, then all dies), each waited for, so that
        # no container dies before its start was seen: every event gives one record
        for n in range(events):
            cid = f"{n % pool:064x}"
            if (n // pool) % 2 == 0:
                sim.start_container(cid, f"sim-{n % pool}", 20000 + n % pool)
            else:
                sim.die_container(cid)
            if (n + 1) % pool == 0 or n + 1 == events:
                while done < n + 1:
                    w.next_record()
                    done += 1
            if (n + 1) in checkpoints:
                samples[n + 1] = w.rss_kb()
    finally:
        w.stop()
        sim.close()
    return {"events": events, "rss_kb_idle": rss_idle, "rss_kb": samples}


# --------------------------------------------------------------- (c) engines
def bench_engines(count: int, per_engine: int, tmp: Path) -> dict:
    sims = [SimEngine(str(tmp / f"e{i}.sock")) for i in range(count)]
    args = [a for s in sims for a in ("--host", s.url)]
    t0 = time.monotonic()
    w = Watcher(*args, "--select", "BG001")
    w.wait_up(count)
    up_seconds = time.monotonic() - t0
    cpu0 = w.cpu_seconds()
    lags: list[float] = []
    per_engine_records: dict[str, int] = {}
    try:
        t1 = time.monotonic()
        total = 0
        # bursts: 10 starts on every engine at once, wait for all records, then 10 dies
        for k in range(per_engine):
            for i, sim in enumerate(sims):
                cid = f"{k % 10:064x}"
                if (k // 10) % 2 == 0:
                    sim.start_container(cid, f"sim-{i}-{k % 10}", 21000 + k % 10)
                else:
                    sim.die_container(cid)
                total += 1
            if (k + 1) % 10 == 0:
                while sum(per_engine_records.values()) < total:
                    _, rec = w.next_record()
                    lags.append(rec["event"]["lag_seconds"])
                    per_engine_records[rec["engine"]] = per_engine_records.get(rec["engine"], 0) + 1
        wall = time.monotonic() - t1
        cpu = w.cpu_seconds() - cpu0
        # one engine goes away: the others keep reporting
        sims[0].close()
        survivors = sims[1:]
        for i, sim in enumerate(survivors):
            sim.start_container(f"{99:064x}", f"sim-after-{i}", 22000)
        after = set()
        deadline = time.monotonic() + 60
        while len(after) < len(survivors) and time.monotonic() < deadline:
            _, rec = w.next_record()
            if rec["finding"].get("container", "").startswith("sim-after-"):
                after.add(rec["engine"])
        down_reported = any(f"{sims[0].url}: DOWN" in e for e in w.errors)
    finally:
        w.stop()
        for s in sims[1:]:
            s.close()
    return {
        "engines": count,
        "events": total,
        "up_seconds": up_seconds,
        "wall_seconds": wall,
        "events_per_second": total / wall,
        "watcher_cpu_seconds": cpu,
        "lag_median_ms": statistics.median(lags) * 1000,
        "lag_p99_ms": percentile(lags, 99) * 1000,
        "records_per_engine": sorted(set(per_engine_records.values())),
        "after_one_engine_down": {"still_reporting": len(after), "of": len(survivors), "down_reported": down_reported},
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=["latency", "memory", "engines"])
    ap.add_argument("--starts", type=int, default=200)
    ap.add_argument("--events", type=int, default=10_000)
    ap.add_argument("--engines", type=int, default=10)
    ap.add_argument("--json", default=str(OUT / "watch.json"))
    args = ap.parse_args()
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="bg-watch-bench-") as tmp:
        if args.only in (None, "latency"):
            r = results["latency"] = bench_latency(args.starts)
            print(
                f"(a) real engine, {r['starts']} container starts (-p 80): event -> finding "
                f"median {r['lag_median_ms']:.1f} ms, p99 {r['lag_p99_ms']:.1f} ms "
                f"(max {r['lag_max_ms']:.1f}); event -> JSON line read: median "
                f"{r['delivered_median_ms']:.1f} ms, p99 {r['delivered_p99_ms']:.1f} ms; "
                f"watcher RSS {r['watcher_rss_kb_start'] / 1024:.1f} -> {r['watcher_rss_kb_end'] / 1024:.1f} MiB; "
                f"{r['found_by_reaudit']} found by a re-audit after a reconnect; "
                f"load average {r['load_average'][0]:.1f}"
            )
            for line in r["watcher_stderr"]:
                print(f"    watcher: {line}")
        if args.only in (None, "memory"):
            r = results["memory"] = bench_memory(args.events, Path(tmp))
            series = ", ".join(f"{n:,} events {kb / 1024:.1f} MiB" for n, kb in r["rss_kb"].items())
            print(f"(b) simulated engine: watcher RSS idle {r['rss_kb_idle'] / 1024:.1f} MiB; {series}")
        if args.only in (None, "engines"):
            r = results["engines"] = bench_engines(args.engines, 100, Path(tmp))
            a = r["after_one_engine_down"]
            print(
                f"(c) {r['engines']} simulated engines: all up in {r['up_seconds']:.2f} s; {r['events']} events in "
                f"{r['wall_seconds']:.2f} s ({r['events_per_second']:.0f}/s, "
                f"watcher CPU {r['watcher_cpu_seconds']:.2f} s); lag median {r['lag_median_ms']:.1f} ms, "
                f"p99 {r['lag_p99_ms']:.1f} ms; records per engine {r['records_per_engine']}; one engine shut down: "
                f"{a['still_reporting']}/{a['of']} others still reporting, DOWN reported: {a['down_reported']}"
            )
    OUT.mkdir(exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
