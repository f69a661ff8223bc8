"""What every part of the audit benchmark agrees on: paths, the image, the names and labels of the bench
containers, the port specs they publish, and the one error type a failed step raises."""

from __future__ import annotations

from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent  # benchmarks/
REPO = BENCH.parent
SRC = REPO / "src"
OUT = BENCH / "out"

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
