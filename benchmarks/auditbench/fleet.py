"""Starting the bench containers (the port mix, the [::1] probe, retries on port clashes) and removing
them again."""

from __future__ import annotations

import signal
import socket
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

from auditbench.dockercli import DockerCLI, list_containers, remove_by_label
from auditbench.settings import IMAGE, LABEL, PREFIX, RUN_LABEL, SPECS, BenchError


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


def start_one(dk: DockerCLI, fleet: Fleet, stop: threading.Event, command: list[str], verb: str, name: str,
              spec: str) -> str:
    """``docker run -d`` (or ``create``) one bench container, retrying port clashes (see RANDOM_ATTEMPTS)."""
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


def plan(n: int, n_stopped: int, fleet: Fleet) -> list[tuple[str, str, str]]:
    """(verb, name, port spec) of every container to make; counts the port mix in ``fleet.mix``."""
    work = []
    for i in range(n):
        kind, spec = spec_for(i, fleet.v6)
        fleet.mix[kind] += 1
        work.append(("run", f"{PREFIX}{i}", spec))
    for j in range(n_stopped):
        work.append(("create", f"{PREFIX}stopped-{j}", SPECS["loopback4"] if j % 2 == 0 else SPECS["all"]))
    return work


def start_fleet(dk: DockerCLI, n: int, n_stopped: int, jobs: int, command: list[str], fleet: Fleet,
                stop: threading.Event) -> None:
    t0 = time.perf_counter()
    fleet.v6, fleet.v6_note = probe_v6(dk, fleet.run_id, command)
    fleet.timings["probe_s"] = time.perf_counter() - t0
    work = plan(n, n_stopped, fleet)

    t1 = time.perf_counter()
    pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="bench-setup")
    done = 0
    try:
        futures = {pool.submit(start_one, dk, fleet, stop, command, *w): w for w in work}
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


def remove_fleet(dk: DockerCLI, fleet: Fleet, jobs: int, old_term: Any) -> dict[str, Any]:
    """Remove every container of this run (by its run label), with Ctrl-C and SIGTERM ignored meanwhile, then
    restore SIGINT and ``old_term``. Returns the ``teardown`` entry of the results file."""
    old_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    t0 = time.perf_counter()
    removed, errs, others = 0, [], []
    try:
        removed, errs = remove_by_label(dk, f"label={RUN_LABEL}={fleet.run_id}", jobs)
        others = list_containers(dk, f"label={LABEL}")
    except (BenchError, OSError) as exc:
        errs = [f"{exc} -- remove them by hand: docker rm -f -v $(docker ps -aq --filter label={LABEL})"]
    finally:
        teardown_s = time.perf_counter() - t0
        signal.signal(signal.SIGINT, old_int)
        signal.signal(signal.SIGTERM, old_term)
    return {"seconds": teardown_s, "removed": removed, "errors": errs,
            "bench_containers_left": [c["name"] for c in others]}
