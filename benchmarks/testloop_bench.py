"""How long the test loop takes: the README's test command (and .ci/run's extra slow pass), timed.

    python benchmarks/testloop_bench.py                 # the README's command: python -m pytest
    python benchmarks/testloop_bench.py --no-engine     # the same as on a machine where no engine answers
    python benchmarks/testloop_bench.py --slow          # .ci/run's second pass: python -m pytest -m slow
    python benchmarks/testloop_bench.py -- -m "not engine" -x   # anything after -- goes to pytest

Prints the wall time and the CPU time (user + system of pytest and every process it started,
from ``getrusage(RUSAGE_CHILDREN)``). On a shared machine the wall time depends on the load;
the CPU time is the figure to compare. ``--no-engine`` points ``DOCKER_HOST``, the second engine,
the Podman and sshd beds at nothing, so every engine test skips as on a laptop without Docker.
Exit status: pytest's. No figure is asserted anywhere (tests never assert on time); the numbers
go in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOWHERE = "/nonexistent/bindguard-test-loop"


def no_engine_env() -> dict[str, str]:
    """Variables under which no engine nor engine peer answers (the beds read them)."""
    return {
        "DOCKER_HOST": f"unix://{NOWHERE}/docker.sock",
        "BINDGUARD_SECOND_ENGINE": f"unix://{NOWHERE}/docker2.sock",
        "BINDGUARD_PODMAN_DIR": f"{NOWHERE}/podman",
        "BINDGUARD_SSHD_DIR": f"{NOWHERE}/sshd",
    }


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-engine", action="store_true", help="run as if no Docker engine answered")
    parser.add_argument("--slow", action="store_true", help="time `python -m pytest -m slow` (.ci/run's second pass)")
    parser.add_argument("--log", type=Path, default=None, help="write pytest's output here (default: not kept)")
    parser.add_argument("pytest_args", nargs="*", help="more pytest arguments (after --)")
    args = parser.parse_args(argv)

    command = [sys.executable, "-m", "pytest", *(["-m", "slow"] if args.slow else []), *args.pytest_args]
    env = {**os.environ, **(no_engine_env() if args.no_engine else {})}
    env.pop("PYTEST_ADDOPTS", None)
    cpu0, wall0 = children_cpu(), time.monotonic()
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    wall, cpu = time.monotonic() - wall0, children_cpu() - cpu0
    if args.log:
        args.log.write_text(proc.stdout + proc.stderr)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    tail = [line for line in lines if line.startswith("peers not running:")] + lines[-1:]
    shown = " ".join(command[1:]).replace(sys.executable, "python")
    print(f"command:   python {shown}{'  (no engine)' if args.no_engine else ''}")
    print(f"CI:        {os.environ.get('CI', '(unset)')}, {os.cpu_count()} CPUs")
    print(f"wall:      {wall:.1f} s")
    print(f"CPU:       {cpu:.1f} s (user + system, pytest and its children)")
    for line in tail:
        print(f"pytest:    {line}")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
