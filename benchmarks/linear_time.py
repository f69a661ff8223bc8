#!/usr/bin/env python3
"""Worst case of each parser at 1 MB, as a ratio to a plain 1 MB compose file (issue 14).

    python benchmarks/linear_time.py                    # this checkout, 1 MB, best of 3
    python benchmarks/linear_time.py --size 200000      # smaller inputs
    python benchmarks/linear_time.py --src /tmp/old/src --timeout 60   # another version
    python benchmarks/linear_time.py --case "include fan-out (17 files x 10)"   # some cases only

Each case (``benchmarks/worst_cases.py``) is linted in a child process of its
own, in-process ``bindguard.lint.lint`` with one worker; the number is that
child's CPU time for the lint alone (imports excluded), best of ``--repeat``.
The plain file is measured in the same run, so the ratio does not depend on
the machine.  A case still running after ``--timeout`` seconds of wall time is
shown as ``> timeout``; one whose memory passes ``--memory-mb`` (an address-space
limit on the child, so an old version's exponential case cannot take the machine's
memory) as ``> N MB``.  ``tests/test_linear_time.py`` asserts the same ratios.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

import worst_cases  # noqa: E402

_CHILD = """
import sys
sys.path.insert(0, {bench!r})
import worst_cases
paths, config = worst_cases.CASES.get({name!r}, worst_cases.plain)({folder!r}, {size})
print(worst_cases.lint_cpu_seconds(paths, config, {repeat}))
"""


class OutOfMemory(Exception):
    """The child passed its memory limit."""


def _limit(megabytes: int):
    def apply() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (megabytes << 20, megabytes << 20))

    return apply


def measure(name: str, size: int, repeat: int, src: str, timeout: float, memory_mb: int = 4096) -> float | None:
    with tempfile.TemporaryDirectory(prefix="bindguard-worst-") as folder:
        code = _CHILD.format(bench=str(BENCH), name=name, folder=folder, size=size, repeat=repeat)
        env = dict(os.environ, PYTHONPATH=src)
        for key in ("A", "B"):
            env.pop(key, None)
        try:
            done = subprocess.run(
                [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=timeout,
                preexec_fn=_limit(memory_mb),
            )
        except subprocess.TimeoutExpired:
            return None
        if done.returncode != 0 and "MemoryError" in done.stderr:
            raise OutOfMemory()
        if done.returncode != 0:
            raise SystemExit(f"case {name!r} failed:\n{done.stderr}")
        return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--src", default=str(REPO / "src"), help="the bindguard sources to measure")
    parser.add_argument("--case", action="append", choices=list(worst_cases.CASES), help="only this case (repeatable)")
    parser.add_argument("--memory-mb", type=int, default=4096, help="address-space limit of each child")
    args = parser.parse_args()
    plain = measure("plain", args.size, args.repeat, args.src, args.timeout, args.memory_mb)
    assert plain is not None, "the plain file itself timed out"
    print(f"sources: {args.src}; size {args.size:,} bytes; best of {args.repeat}; CPU seconds")
    print(f"| case | seconds | ratio to plain |\n| --- | ---: | ---: |\n| plain compose file | {plain:.3f} | 1.00 |")
    for name in args.case or worst_cases.CASES:
        try:
            seconds = measure(name, args.size, args.repeat, args.src, args.timeout, args.memory_mb)
        except OutOfMemory:
            print(f"| {name} | > {args.memory_mb:,} MB (memory) | – |", flush=True)
            continue
        if seconds is None:
            print(f"| {name} | > {args.timeout:.0f} (wall) | > {args.timeout / plain:.0f} |")
        else:
            print(f"| {name} | {seconds:.3f} | {seconds / plain:.2f} |", flush=True)


if __name__ == "__main__":
    main()
