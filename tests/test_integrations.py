"""The pre-commit hook (run by the real pre-commit tool) and the GitHub Action's shape."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bindguard.compose.discover import is_compose_name

ROOT = Path(__file__).resolve().parent.parent


def git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"})


def test_manifest_is_valid():
    result = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "path, matched",
    [
        ("compose.yaml", True),
        ("deploy/docker-compose.yml", True),
        ("docker-compose.prod.yaml", True),
        ("a/b/app.compose.yml", True),
        ("stack-compose.yaml", True),
        ("compose/README.yaml", False),
        ("values.yaml", False),
        ("docker-compose.json", False),
    ],
)
def test_hook_files_regex_matches_compose_names(path, matched):
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert bool(re.search(hook["files"], path)) is matched
    assert is_compose_name(path.rsplit("/", 1)[-1]) is matched


@pytest.mark.slow  # ~18 s: pre-commit builds its own environment from this repository
def test_pre_commit_try_repo_runs_the_hook(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "ok").mkdir()
    (repo / "ok" / "compose.yaml").write_text('services:\n  app:\n    ports: ["127.0.0.1:62893:80"]\n')
    (repo / "values.yaml").write_text("not: compose\n")
    git(repo, "add", ".")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "NO_COLOR": "1"}
    cmd = [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "bindguard", "--all-files"]
    clean = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, env=env, timeout=600)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    (repo / "db").mkdir()
    (repo / "db" / "docker-compose.yml").write_text('services:\n  db:\n    ports: ["5432:5432"]\n')
    git(repo, "add", ".")
    dirty = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, env=env, timeout=600)
    assert dirty.returncode == 1, dirty.stdout + dirty.stderr
    assert "BG001" in dirty.stdout and "db/docker-compose.yml" in dirty.stdout


def test_action_inputs_and_steps():
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert set(action["inputs"]) >= {"paths", "config", "fail-on", "format", "output"}
    assert action["runs"]["using"] == "composite"
    script = "\n".join(step.get("run", "") for step in action["runs"]["steps"])
    assert "bindguard" in script and "--output" in script
    # inputs reach the script through env, never pasted into the shell text
    assert "${{ inputs." not in script
