"""The command line: exit codes, one-line errors, formats, and the bundled examples."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bindguard.cli import app

from helpers import write

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "compose-examples"
runner = CliRunner()


def run(*args: str, env: dict | None = None):
    return runner.invoke(app, list(args), env=env or {"NO_COLOR": "1"})


def test_clean_exits_0(tmp_path):
    write(tmp_path, "compose.yaml", 'services:\n  app:\n    ports: ["127.0.0.1:62893:80"]\n')
    result = run("lint", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "No findings" in result.output


def test_findings_exit_1_and_fail_on(tmp_path):
    write(tmp_path, "compose.yaml", 'services:\n  app:\n    ports: ["192.168.1.5:80:80"]\n')
    assert run("lint", str(tmp_path)).exit_code == 1  # BG003 is a warning; default fail-on warning
    assert run("lint", str(tmp_path), "--fail-on", "error").exit_code == 0
    assert run("lint", str(tmp_path), "--allow", "192.168.1.0/24").exit_code == 0


def test_missing_path_is_one_line_exit_2(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bindguard", "lint", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "nope" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["lint", "--select", "BG999", "."],
        ["lint", "--allow", "not-a-cidr", "."],
        ["lint", "--expect", "app=localhost:80", "."],
        ["lint", "--format", "xml", "."],
        ["lint", "--env-file", "/nonexistent.env", "."],
        ["rules", "BG999"],
    ],
)
def test_bad_options_exit_2(args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = subprocess.run([sys.executable, "-m", "bindguard", *args], capture_output=True, text=True)
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr


def test_examples_show_expected_findings():
    result = run("lint", str(EXAMPLES), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    got = {(Path(f["file"]).parent.name, f["line"], f["rule"]) for f in data["findings"]}
    assert got == {
        ("database-exposed", 12, "BG001"),
        ("database-exposed", 16, "BG001"),
        ("explicit-wildcard", 10, "BG002"),
        ("explicit-wildcard", 14, "BG001"),
        ("host-network", 7, "BG004"),
        ("ipv6", 13, "BG002"),
        ("long-syntax", 14, "BG001"),
        ("port-conflict", 13, "BG001"),
        ("port-conflict", 13, "BG005"),
        ("port-range", 9, "BG001"),
        ("port-range", 13, "BG001"),
        ("routed-network", 11, "BG014"),
    }
    first = data["findings"][0]
    assert set(first) >= {"rule", "severity", "file", "line", "column", "service", "message", "fix"}
    assert data["summary"]["findings"] == 12


def test_text_output_is_readable():
    result = run("lint", str(EXAMPLES / "database-exposed"), "--output-format", "full")
    assert "12:9" in result.output and "BG001" in result.output and "[db]" in result.output
    assert 'fix: use "127.0.0.1:5432:5432"' in result.output
    assert "\x1b[" not in result.output  # NO_COLOR


def test_ports_json():
    result = run("ports", str(EXAMPLES / "dev-service"), "--format", "json")
    assert result.exit_code == 0
    (row,) = json.loads(result.output)["bindings"]
    assert row == {
        "file": str(EXAMPLES / "dev-service" / "compose.yaml"),
        "line": 8,
        "column": 9,
        "service": "app",
        "host_ip": "127.0.0.1",
        "effective": ["127.0.0.1"],
        "host_port": "62893",
        "container_port": "80",
        "protocol": "tcp",
        "verdict": "loopback",
        "entry": "127.0.0.1:62893:80",
        "origin": None,
        "published": 1,
        "source": "compose",
    }


def test_ports_lists_invalid_entries(tmp_path):
    write(tmp_path, "compose.yaml", 'services:\n  s:\n    ports: ["localhost:80:80", "80"]\n')
    rows = json.loads(run("ports", str(tmp_path), "--format", "json").output)["bindings"]
    assert sorted(r["verdict"] for r in rows) == ["invalid", "wildcard"]
    text = run("ports", str(tmp_path)).output
    assert "invalid" in text and "wildcard" in text


def test_rules_lists_and_documents():
    listing = run("rules").output
    for code in ("BG000", "BG001", "BG005", "BG007"):
        assert code in listing
    doc = run("rules", "bg001").output
    assert doc.startswith("# BG001 implicit-all-interfaces") and "## Why is this bad?" in doc


def test_output_file_gets_format_and_terminal_gets_text(tmp_path):
    out = tmp_path / "report.json"
    result = run("lint", str(EXAMPLES / "database-exposed"), "--format", "json", "--output", str(out))
    assert result.exit_code == 1
    assert json.loads(out.read_text())["summary"]["findings"] == 2
    assert "BG001" in result.output and not result.output.lstrip().startswith("{")


def test_python_dash_m_and_version():
    result = subprocess.run([sys.executable, "-m", "bindguard", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("bindguard ")


def test_default_path_is_current_dir(tmp_path, monkeypatch):
    write(tmp_path, "docker-compose.yml", 'services:\n  s:\n    ports: ["80:80"]\n')
    monkeypatch.chdir(tmp_path)
    result = subprocess.run([sys.executable, "-m", "bindguard", "lint"], capture_output=True, text=True,
                            env={**os.environ, "NO_COLOR": "1"})
    assert result.returncode == 1 and "docker-compose.yml" in result.stdout


def test_lint_does_not_import_heavy_modules(tmp_path):
    write(tmp_path, "compose.yaml", 'services:\n  s:\n    ports: ["127.0.0.1:80:80"]\n')
    code = (
        "import sys\n"
        "from bindguard.entry import main\n"
        f"sys.argv=['bindguard','lint','--format','json',{str(tmp_path)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "bad=[m for m in ('docker','psutil','requests') if m in sys.modules]\n"
        "sys.stderr.write(repr(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stderr.strip() == "[]", result.stderr


def test_fix_command_diff_check_apply_and_idempotence(tmp_path):
    import shutil

    shutil.copytree(EXAMPLES, tmp_path / "ex")
    root = tmp_path / "ex"
    before = (root / "database-exposed" / "compose.yaml").read_text()
    diff = run("fix", str(root), "--diff")
    assert diff.exit_code == 1  # something would change
    assert '+      - "127.0.0.1:5432:5432"' in diff.output
    assert (root / "database-exposed" / "compose.yaml").read_text() == before
    assert run("fix", str(root), "--check").exit_code == 1
    applied = run("fix", str(root))
    assert applied.exit_code == 1  # BG004, BG005 and BG014 are left for manual review
    assert all(r in applied.output for r in ("host-network", "port-conflict", "gateway-mode"))
    after = (root / "database-exposed" / "compose.yaml").read_text()
    # only the two entries changed; the comments quoting them did not
    assert after == before.replace('- "5432:5432"', '- "127.0.0.1:5432:5432"').replace('- "6379"', '- "127.0.0.1::6379"')
    again = run("fix", str(root), "--check")
    assert again.exit_code == 0 and "would fix 0 entries" in again.output
    remaining = json.loads(run("lint", str(root), "--format", "json").output)["summary"]["by_rule"]
    assert remaining == {"BG004": 1, "BG005": 1, "BG014": 1}


def test_fix_ipv6_address_option(tmp_path):
    path = write(tmp_path, "compose.yaml", 'services:\n  s:\n    ports: ["8080:80"]\n')
    assert run("fix", str(tmp_path), "--address", "::1").exit_code == 0
    assert path.read_text() == 'services:\n  s:\n    ports: ["[::1]:8080:80"]\n'
    assert run("fix", str(tmp_path), "--address", "10.0.0.1").exit_code == 2
