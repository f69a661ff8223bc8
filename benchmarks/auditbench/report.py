"""What the benchmark prints: the header, the setup summary, the results table and its notes, the teardown
line and the memory comparison."""

from __future__ import annotations

import os
import platform
import sys
from argparse import Namespace
from typing import Any

from auditbench.fleet import RANDOM_ATTEMPTS, Fleet
from auditbench.memory import fmt_mem
from auditbench.settings import LABEL, SPECS


def print_header(args: Namespace, versions: dict[str, str]) -> None:
    print(f"audit benchmark: engine {versions['server']} (API {versions['api']}) at {args.host}, docker CLI "
          f"{versions['client']}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"  {args.containers} running containers ({args.command}) + {args.stopped} created, best of {args.repeat}, "
          f"setup with {args.jobs} concurrent `docker run -d`")


def print_setup(fleet: Fleet, setup_s: float) -> None:
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


def print_teardown(td: dict[str, Any]) -> None:
    errs, others = td["errors"], td["bench_containers_left"]
    print(f"\nteardown: removed {td['removed']} containers in {td['seconds']:.1f} s"
          f"{'' if not errs else ' WITH ERRORS: ' + '; '.join(errs[:5])}")
    if others:
        print(f"  ! {len(others)} container(s) labelled {LABEL} remain (not from this run): "
              f"{', '.join(others[:8])}", file=sys.stderr)
    else:
        print(f"  docker ps -a --filter label={LABEL}: empty")


def print_memory_change(mem0: dict[str, Any], m1: dict[str, Any] | None, mem3: dict[str, Any], containers: int) -> None:
    """free -m used and the daemons' RSS: before setup, after setup (if it got that far), after teardown."""
    print(f"memory after teardown: {fmt_mem(mem3)}")
    if m1 is None:
        return
    a, b, c = mem0["free_m"], m1["free_m"], mem3["free_m"]
    print(f"  free -m used: {a['used']} MB before setup, {b['used']} MB after ({b['used'] - a['used']:+d} MB, "
          f"{(b['used'] - a['used']) / max(1, containers):+.1f} MB per container), {c['used']} MB after teardown "
          f"({c['used'] - a['used']:+d} MB). Machine-wide: other work on a shared machine moves it too")
    d0, d1 = mem0["daemons"], m1["daemons"]
    if d0["dockerd_rss_mb"] is not None and d1["dockerd_rss_mb"] is not None:
        print(f"  dockerd RSS {d0['dockerd_rss_mb']} -> {d1['dockerd_rss_mb']} MB, containerd RSS "
              f"{d0['containerd_rss_mb']} -> {d1['containerd_rss_mb']} MB (before -> after setup)")
