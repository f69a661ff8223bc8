"""Configuration files, inline ignores and baselines, end to end through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from helpers import write

EXPOSED = 'services:\n  db:\n    ports:\n      - "5432:5432"\n      - "192.168.1.5:8080:80"\n'


def bg(cwd, *args):
    return subprocess.run(
        [sys.executable, "-m", "bindguard", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
    )


def rules_of(result) -> list[tuple[str, int]]:
    return sorted((f["rule"], f["line"]) for f in json.loads(result.stdout)["findings"])


# -- configuration ------------------------------------------------------------------
def test_bindguard_toml_found_by_walking_up(tmp_path):
    write(tmp_path, "compose.yaml", EXPOSED)
    write(tmp_path, ".bindguard.toml", 'allow = ["192.168.1.0/24"]\nignore = ["BG001"]\n')
    sub = tmp_path / "deep" / "er"
    sub.mkdir(parents=True)
    result = bg(sub, "lint", str(tmp_path), "--format", "json")
    assert result.returncode == 0, result
    assert rules_of(result) == []
    # --no-config ignores it; --config picks another
    assert rules_of(bg(sub, "lint", str(tmp_path), "--format", "json", "--no-config")) == [("BG001", 4), ("BG003", 5)]


def test_pyproject_tool_table(tmp_path):
    write(tmp_path, "compose.yaml", EXPOSED)
    write(
        tmp_path,
        "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.bindguard]\nselect = ["BG003"]\nfail-on = "error"\n'
        '[tool.bindguard.severity]\nBG003 = "info"\n',
    )
    result = bg(tmp_path, "lint", ".", "--format", "json")
    assert result.returncode == 0  # BG003 demoted to info, fail-on error
    (f,) = json.loads(result.stdout)["findings"]
    assert (f["rule"], f["severity"]) == ("BG003", "info")
    # the command line replaces the config's value
    assert bg(tmp_path, "lint", ".", "--fail-on", "info").returncode == 1


def test_expect_and_env_file_and_profiles_from_config(tmp_path):
    write(tmp_path, "compose.yaml",
          'services:\n  app:\n    ports: ["${IP}:62893:80"]\n  dbg:\n    profiles: [debug]\n    ports: ["9229:9229"]\n')
    write(tmp_path, "vars.env", "IP=127.0.0.1\n")
    write(
        tmp_path,
        ".bindguard.toml",
        'env-file = "vars.env"\nprofiles = ["web"]\n[expect]\napp = "127.0.0.1:62893"\n',
    )
    result = bg(tmp_path, "lint", ".", "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr


def test_per_path_overrides(tmp_path):
    write(tmp_path, "dev/compose.yaml", EXPOSED)
    write(tmp_path, "prod/compose.yaml", EXPOSED)
    write(
        tmp_path,
        ".bindguard.toml",
        '[[overrides]]\npaths = ["dev/*"]\nignore = ["BG001"]\nseverity = {BG003 = "info"}\n',
    )
    data = json.loads(bg(tmp_path, "lint", ".", "--format", "json").stdout)["findings"]
    got = sorted((f["file"].split("/")[-2], f["rule"], f["severity"]) for f in data)
    assert got == [
        ("dev", "BG003", "info"),
        ("prod", "BG001", "error"),
        ("prod", "BG003", "warning"),
    ]


@pytest.mark.parametrize(
    "toml, key",
    [
        ('alow = ["10.0.0.0/8"]', "alow"),
        ('allow = ["not-a-cidr"]', "allow"),
        ('select = ["BG999"]', "select"),
        ('fail-on = "sometimes"', "fail-on"),
        ('[severity]\nBG001 = "loud"', "severity.BG001"),
        ('[expect]\napp = "localhost:80"', "expect.app"),
        ('[[overrides]]\npaths = ["x"]\nbogus = 1', "overrides[0].bogus"),
        ("allow = [", ""),
    ],
)
def test_bad_config_is_one_line_naming_the_key(tmp_path, toml, key):
    write(tmp_path, "compose.yaml", EXPOSED)
    write(tmp_path, ".bindguard.toml", toml + "\n")
    result = bg(tmp_path, "lint", ".")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and ".bindguard.toml" in result.stderr
    assert key in result.stderr and "Traceback" not in result.stderr


def test_explicit_missing_config_exits_2(tmp_path):
    result = bg(tmp_path, "lint", ".", "--config", str(tmp_path / "nope.toml"))
    assert result.returncode == 2 and "nope.toml" in result.stderr


# -- inline ignores ------------------------------------------------------------------
IGNORES = """\
services:
  kiosk:
    ports:
      - "8080:80"  # bindguard: ignore[BG001] kiosk display on the shop LAN
      # bindguard: ignore[BG001,BG005] admin UI, firewalled upstream
      - "8081:80"
      - "8082:80"  # bindguard: ignore[BG001]
      - "127.0.0.1:8083:80"  # bindguard: ignore[BG001] stale exception
      - "8084:80"  # bindguard: ignore[BG999] typo
"""


def test_inline_ignores_reason_required_and_unused_reported(tmp_path):
    write(tmp_path, "compose.yaml", IGNORES)
    result = bg(tmp_path, "lint", ".", "--format", "json")
    assert rules_of(result) == [
        ("BG001", 9),  # an ignore naming an unknown code suppresses nothing
        ("BG012", 7),  # no reason given (its BG001 is still suppressed)
        ("BG013", 8),  # stale: nothing on line 8 is reported
        ("BG013", 9),  # unknown rule code
    ]
    data = json.loads(result.stdout)
    got = sorted((f["rule"], f["line"]) for f in data["findings"])
    assert ("BG001", 4) not in got and ("BG001", 6) not in got and ("BG001", 7) not in got
    assert ("BG012", 7) in got
    assert ("BG013", 8) in got and ("BG013", 9) in got and ("BG001", 9) in got
    assert data["summary"]["suppressed"] == 3
    assert "suppressed" not in result.stderr  # the report says it once (issue 29)


def test_unused_ignore_not_reported_for_unselected_rule(tmp_path):
    write(tmp_path, "compose.yaml", IGNORES)
    result = bg(tmp_path, "lint", ".", "--format", "json", "--select", "BG002,BG013")
    assert [f for f in json.loads(result.stdout)["findings"] if f["line"] in (4, 5, 8)] == []


# -- baseline ------------------------------------------------------------------------
def test_baseline_reports_only_new_findings_and_survives_line_moves(tmp_path):
    compose = write(tmp_path, "compose.yaml", EXPOSED)
    result = bg(tmp_path, "lint", ".", "--write-baseline", "bindguard-baseline.json")
    assert result.returncode == 0 and "recorded 2 findings" in result.stderr
    assert bg(tmp_path, "lint", ".", "--baseline", "bindguard-baseline.json").returncode == 0
    # move lines and add a new exposed port
    compose.write_text("# moved\n\n" + EXPOSED + '      - "6379:6379"\n')
    result = bg(tmp_path, "lint", ".", "--format", "json", "--baseline", "bindguard-baseline.json")
    assert result.returncode == 1
    assert rules_of(result) == [("BG001", 8)]
    assert json.loads(result.stdout)["summary"]["suppressed"] == 2


def test_bad_baseline_exits_2(tmp_path):
    write(tmp_path, "compose.yaml", EXPOSED)
    write(tmp_path, "b.json", '{"nope": 1}')
    result = bg(tmp_path, "lint", ".", "--baseline", "b.json")
    assert result.returncode == 2 and "b.json" in result.stderr
