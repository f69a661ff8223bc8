"""The test run changes nothing on the machine: the beds find peers, never install or start them.

A missing peer skips its tests (fails them under ``CI=true``) and the run ends with one line naming
it and the command that starts it; the engine is the one bindguard itself would use.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from enginebed import EngineUnavailable, environment_engine, find_engine

TESTS = Path(__file__).resolve().parent
DEAD = "unix:///nonexistent/bindguard-testloop.sock"


def test_the_bed_engine_is_docker_host(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", DEAD)
    assert environment_engine() == DEAD
    with pytest.raises(EngineUnavailable, match="nothing answers on unix:///nonexistent/"):
        find_engine()


def test_the_bed_engine_is_the_current_context(monkeypatch, tmp_path):
    """No DOCKER_HOST: the context of DOCKER_CONTEXT, else config.json's currentContext."""
    for name, host in (("bg-env", "unix:///nonexistent/env.sock"), ("bg-cfg", "unix:///nonexistent/cfg.sock")):
        meta = tmp_path / "contexts" / "meta" / hashlib.sha256(name.encode()).hexdigest()
        meta.mkdir(parents=True)
        (meta / "meta.json").write_text(json.dumps({"Name": name, "Endpoints": {"docker": {"Host": host}}}))
    (tmp_path / "config.json").write_text(json.dumps({"currentContext": "bg-cfg"}))
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    monkeypatch.delenv("DOCKER_CONTEXT", raising=False)
    assert environment_engine() == "unix:///nonexistent/cfg.sock"
    monkeypatch.setenv("DOCKER_CONTEXT", "bg-env")
    assert environment_engine() == "unix:///nonexistent/env.sock"
    monkeypatch.setenv("DOCKER_CONTEXT", "bg-none")
    with pytest.raises(EngineUnavailable, match="no such Docker context"):
        find_engine()


def _pytest(*args: str, ci: bool) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    env.update({"DOCKER_HOST": DEAD, "NO_COLOR": "1", **({"CI": "true"} if ci else {})})
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                          capture_output=True, text=True, env=env, cwd=TESTS.parent, timeout=300)


@pytest.mark.parametrize("ci", [False, True], ids=["laptop", "CI"])
def test_a_silent_docker_host_skips_the_engine_tests_with_one_line(ci):
    """The issue's case: DOCKER_HOST names an engine that does not answer. The fixture used to take
    the default socket while bindguard honours DOCKER_HOST, and the test failed."""
    run = _pytest("tests/test_probe_cli.py::test_real_containers", ci=ci)
    out = run.stdout
    lines = [line for line in out.splitlines() if line.startswith("peers not running:")]
    assert len(lines) == 1, out
    assert "Docker engine (" in lines[0] and "sudo .ci/engine-up.sh" in lines[0], lines
    assert "sudo .ci/peers-up.sh" in lines[0]
    if ci:
        assert run.returncode == 1 and "1 error" in out and "required under CI=true" in out, out
    else:
        assert run.returncode == 0 and "1 skipped" in out and "Docker engine (1 test;" in lines[0], out


def _code_strings(tree: ast.AST) -> list[str]:
    """String constants that are not docstrings."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
    }
    return [n.value for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings]


def test_no_test_runs_a_ci_script():
    """Installing and starting peers is .ci/run's job: no test or bed names a .ci/ script to run
    (peerbed only prints the commands, for the person who reads the summary)."""
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        if path.name in ("peerbed.py", "test_peerbed.py"):
            continue
        for text in _code_strings(ast.parse(path.read_text(), str(path))):
            # .ci/lowest-constraints.py only prints; the -up.sh scripts install and start
            if "-up.sh" in text or "apt-get" in text:
                offenders.append(f"{path.relative_to(TESTS)}: {text[:60]!r}")
    assert not offenders, offenders


def test_ci_run_starts_the_peers_then_runs_the_readme_command_and_the_slow_tests():
    readme = (TESTS.parent / "README.md").read_text()
    command = "pip install '.[test]' && python -m pytest"
    assert f"`{command}`" in readme
    run = [line.strip() for line in (TESTS.parent / ".ci" / "run").read_text().splitlines()]
    peers, tests, slow = run.index("bash .ci/peers-up.sh"), run.index(command), run.index("python -m pytest -m slow")
    assert peers < tests < slow, (peers, tests, slow)
