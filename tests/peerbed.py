"""The peers the tests use (engines, sshd, Podman, Prometheus, iproute2), which they never install
nor start: a test run must leave the machine as it found it.

``.ci/peers-up.sh`` (what ``.ci/run`` calls before the tests) installs and starts them. The beds
(enginebed, servicebed, watchbed) only look for what answers; a test whose peer is missing calls
:func:`unavailable`, which skips it, or FAILS it under ``CI=true`` (CI must run every test).
At the end of the run, :func:`pytest_terminal_summary` (re-exported by conftest) writes ONE line
naming the missing peers, how many tests they cost and the command that starts each one.

``python tests/peerbed.py`` (or ``.ci/peers-up.sh --check``) says which peers answer, starting
nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import NoReturn

import pytest


@dataclass(frozen=True)
class Peer:
    """Something outside the test run that some tests need, and the command that provides it."""

    name: str
    start: str


ENGINE = Peer("Docker engine", "sudo .ci/engine-up.sh")
SECOND_ENGINE = Peer("second Docker engine", "sudo .ci/engine-up.sh --second")
ROOTLESS_ENGINE = Peer("rootless Docker engine", "sudo .ci/rootless-up.sh")
IPROUTE2 = Peer("iproute2", "sudo .ci/iproute2-up.sh")
PROMETHEUS = Peer("Prometheus", "sudo .ci/prometheus-up.sh")
SSHD = Peer("sshd", "sudo .ci/sshd-up.sh")
PODMAN = Peer("Podman service", "sudo .ci/podman-up.sh")
DEVCONTAINER_CLI = Peer("dev containers CLI", "sudo .ci/devcontainer-up.sh")
ALL_PEERS = (ENGINE, SECOND_ENGINE, ROOTLESS_ENGINE, IPROUTE2, PROMETHEUS, SSHD, PODMAN, DEVCONTAINER_CLI)
START_ALL = "sudo .ci/peers-up.sh"

# What this run found missing: peer -> the first reason (one entry per peer however many tests).
_missing: dict[Peer, str] = {}


def under_ci() -> bool:
    return os.environ.get("CI") == "true"


def skip_marker(peer: Peer) -> str:
    """The text every skip for ``peer`` starts with (the summary counts the skips by it)."""
    return f"{peer.name} not available"


def unavailable(peer: Peer, reason: str) -> NoReturn:
    """Skip the current test for a missing peer, or fail it under ``CI=true``."""
    _missing.setdefault(peer, reason)
    if under_ci():
        pytest.fail(f"{peer.name} required under CI=true: {reason} (.ci/run starts it: {peer.start})",
                    pytrace=False)
    pytest.skip(f"{skip_marker(peer)}: {reason} (start it: {peer.start})")


def summary_line(skipped_reasons: list[str]) -> str | None:
    """One line: each missing peer with the tests it cost and how to start it; None if none."""
    if not _missing:
        return None
    parts = []
    for peer in ALL_PEERS:
        if peer in _missing:
            count = sum(1 for r in skipped_reasons if skip_marker(peer) in r)
            tests = f"{count} test{'s' if count != 1 else ''}" if not under_ci() else "tests failed"
            parts.append(f"{peer.name} ({tests}; {peer.start})")
    return f"peers not running: {', '.join(parts)}; start them all: {START_ALL}"


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Name the missing peers in one line at the end of the run."""
    reasons = [_skip_reason(r) for r in terminalreporter.stats.get("skipped", [])]
    line = summary_line(reasons)
    if line:
        terminalreporter.write_line(line, yellow=True, bold=True)


# ---------------------------------------------------------------- detection (starts nothing)
def iproute2_problem() -> str | None:
    """Why ``ip``/``iptables-save``/network namespaces cannot be used here, or None."""
    missing = [tool for tool in ("ip", "iptables-save", "ip6tables-save") if not shutil.which(tool)]
    if missing:
        return f"no {', '.join(missing)} on PATH"
    try:
        ok = subprocess.run(["ip", "netns", "list"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    return None if ok else "`ip netns list` fails: no network namespace support here"


def require_tool(tool: str, peer: Peer) -> str:
    """The path of ``tool`` on PATH, or :func:`unavailable` for the peer that brings it."""
    found = shutil.which(tool)
    if not found:
        unavailable(peer, f"no `{tool}` on PATH")
    return found


def rootless_problem(user: str | None = None) -> str | None:
    """Why the rootless engine of ``user`` (``BINDGUARD_ROOTLESS_USER``, default bgrl) does not answer."""
    import pwd

    user = user or os.environ.get("BINDGUARD_ROOTLESS_USER", "bgrl")
    try:
        uid = pwd.getpwnam(user).pw_uid
    except KeyError:
        return f"no user {user}"
    docker = shutil.which("docker")
    if docker is None:
        return "no `docker` CLI on PATH"
    url = f"unix:///run/user/{uid}/docker.sock"
    try:
        ok = subprocess.run([docker, "-H", url, "version"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    return None if ok else f"{url} does not answer"


def main() -> int:
    """Say which peers answer (``.ci/peers-up.sh --check``); 1 if any does not."""
    from enginebed import EngineUnavailable, find_engine
    from servicebed import podman_problem, sshd_problem

    def engine_problem(second: bool) -> str | None:
        try:
            find_engine(second=second)
        except EngineUnavailable as exc:
            return str(exc)
        return None

    problems = {
        ENGINE: engine_problem(False),
        SECOND_ENGINE: engine_problem(True),
        ROOTLESS_ENGINE: rootless_problem(),
        IPROUTE2: iproute2_problem(),
        PROMETHEUS: None if shutil.which("prometheus") and shutil.which("promtool") else "not installed",
        SSHD: sshd_problem(),
        PODMAN: podman_problem(),
        DEVCONTAINER_CLI: None if shutil.which("devcontainer") else "not installed",
    }
    for peer, problem in problems.items():
        print(f"{peer.name}: {'answers' if problem is None else f'MISSING ({problem}); start: {peer.start}'}")
    return 1 if any(problems.values()) else 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.exit(main())
