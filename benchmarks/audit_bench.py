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

This file is the CLI (options, and ``main`` as a sequence of named steps); the parts live in the
``auditbench/`` package beside it, one job per module (listed in its ``__init__.py``).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
SRC = BENCH.parent / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))  # this checkout's bindguard, as run.py does for its child processes
sys.path.insert(0, str(BENCH))  # the auditbench package beside this script

from auditbench.dockercli import DockerCLI  # noqa: E402
from auditbench.fleet import Fleet, remove_fleet, start_fleet  # noqa: E402
from auditbench.measure import build_rows, counting_pass, timed_rounds  # noqa: E402
from auditbench.memory import fmt_mem, memory_snapshot  # noqa: E402
from auditbench.methods import methods, sdk_version  # noqa: E402
from auditbench.preflight import connect, enough_memory, no_leftovers  # noqa: E402
from auditbench.report import notes, print_header, print_memory_change, print_setup, print_table, print_teardown  # noqa: E402
from auditbench.results import new_results, write_results  # noqa: E402
from auditbench.settings import COMMANDS, DEFAULT_URL, OUT, REPO, RUN_LABEL, BenchError  # noqa: E402


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


def setup(dk: DockerCLI, args: argparse.Namespace, fleet: Fleet, stop: threading.Event, results: dict[str, Any]) -> None:
    """Start the fleet, record and print what it took, and the memory it holds."""
    n, k = args.containers, args.stopped
    print(f"\nsetup: starting {n} + {k} containers (run label {RUN_LABEL}={fleet.run_id}) ...", flush=True)
    t0 = time.perf_counter()
    start_fleet(dk, n, k, args.jobs, COMMANDS[args.command], fleet, stop)
    setup_s = time.perf_counter() - t0
    results["setup"] = {"seconds": setup_s, **fleet.timings, "retries": fleet.retries, "mix": dict(fleet.mix),
                        "failed_attempts": dict(fleet.failures), "failure_samples": fleet.failure_samples,
                        "explicit_port_fallbacks": fleet.explicit,
                        "ipv6": fleet.v6, "ipv6_note": fleet.v6_note, "running": len(fleet.running),
                        "stopped": len(fleet.stopped), "run_id": fleet.run_id}
    print_setup(fleet, setup_s)
    mem1 = memory_snapshot("after setup", args.host, dk, fleet.run_id)
    results["memory"].append(mem1)
    print(f"memory after setup:    {fmt_mem(mem1)}")


def measure(dk: DockerCLI, args: argparse.Namespace, fleet: Fleet, results: dict[str, Any], failures: list[str]) -> None:
    """The counting pass, the timed rounds, the table; the rows go into ``results``."""
    api_version = sdk_version(args.host)
    ms = methods(dk, api_version, args.ssh)
    counted = counting_pass(ms, args.host, args.no_count)
    best, all_s, failed = timed_rounds(ms, args.repeat, args.host)
    rows = build_rows(ms, best, all_s, counted, failed, failures)
    results["rows"] = rows
    results["sdk_api_version"] = api_version

    base = next((r["seconds"] for r in rows if r["key"] == "lib" and r.get("seconds")), None)
    print(f"\naudit benchmark: {args.containers} running + {args.stopped} created bench containers, "
          f"best of {args.repeat}\n")
    print_table(rows, base)
    notes(rows, args.containers, args.stopped)
    results["memory"].append(memory_snapshot("after measurements", args.host, dk, fleet.run_id))


def teardown(dk: DockerCLI, args: argparse.Namespace, fleet: Fleet, old_term: Any, results: dict[str, Any],
             failures: list[str]) -> None:
    """Remove this run's containers (always), then measure the memory once the engine has reaped them."""
    td = remove_fleet(dk, fleet, args.jobs, old_term)
    results["teardown"] = td
    print_teardown(td)
    if td["errors"]:
        failures.append("teardown: " + "; ".join(td["errors"][:5]))
    time.sleep(1.0)  # let the engine reap shims and proxies before reading memory
    mem3 = memory_snapshot("after teardown", args.host)
    results["memory"].append(mem3)
    m1 = next((m for m in results["memory"] if m["when"] == "after setup"), None)
    print_memory_change(results["memory"][0], m1, mem3, args.containers + args.stopped)


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the run the way Ctrl-C does: through the teardown


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out_path = Path(args.json) if args.json else OUT / f"audit-{args.containers}.json"
    connected = connect(args.host)
    if connected is None:
        return 2
    dk, versions = connected
    if not enough_memory(args) or not no_leftovers(dk, args):
        return 2
    print_header(args, versions)

    results = new_results(args, versions)
    failures: list[str] = []
    fleet = Fleet(run_id=uuid.uuid4().hex[:12])
    stop = threading.Event()
    interrupted = False
    old_term = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    mem0 = memory_snapshot("before setup", args.host)
    results["memory"].append(mem0)
    print(f"\nmemory before setup:   {fmt_mem(mem0)}")
    try:
        setup(dk, args, fleet, stop, results)
        measure(dk, args, fleet, results, failures)
    except KeyboardInterrupt:
        interrupted = True
        stop.set()
        print("\ninterrupted: removing the bench containers, please wait ...", file=sys.stderr, flush=True)
    except BenchError as exc:
        failures.append(str(exc))
        print(f"\naudit_bench: error: {exc}", file=sys.stderr)
    finally:
        teardown(dk, args, fleet, old_term, results, failures)
        results["failures"] = failures
        results["interrupted"] = interrupted
        write_results(results, out_path)
    return exit_code(interrupted, failures)


def exit_code(interrupted: bool, failures: list[str]) -> int:
    """130 when interrupted, 1 (with the failed steps listed) when any step failed, else 0."""
    if interrupted:
        return 130
    if failures:
        print("\nFAILED (no numbers for these):\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
