"""The interface people know from ruff and hadolint (issue 16): every option, through the real CLI.

Output formats, summary, statistics, quietness, colour, version, standard
input, suggestions, malformed directives, the docs URL, the 80-column
layouts of ``ports`` and ``rules``, and wrapping on a real terminal (a pty).
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import socket
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bindguard import __version__
from bindguard.cli import app

from helpers import write

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "compose-examples"
runner = CliRunner()
ENV = {"NO_COLOR": "", "FORCE_COLOR": ""}
LINE = re.compile(r"^(?P<path>[^:\s][^:]*):(?P<line>\d+):(?P<col>\d+): (?P<code>BG\d{3}) (\[(?P<service>[^\]]+)\] )?\S")


def run(*args: str, env: dict | None = None, input: str | bytes | None = None):
    return runner.invoke(app, list(args), env={**ENV, **(env or {})}, input=input)


@pytest.fixture
def examples(monkeypatch):
    monkeypatch.chdir(ROOT)
    return "compose-examples"


# -- concise (default) and full -------------------------------------------------


def test_default_is_concise_grepable_lines_with_relative_paths(examples):
    result = run("lint", "./" + examples)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    findings = [line for line in lines if LINE.match(line)]
    assert len(findings) == 12
    assert all(not line.startswith("./") for line in findings)
    assert "compose-examples/database-exposed/compose.yaml:12:9: BG001 [*] [db] host port 5432/tcp" in result.output
    assert "fix:" not in result.output  # the hint belongs to full; [*] marks what fix rewrites
    assert re.match(r"12 findings \(12 errors\) in \d+ files, \d+ services, \d+ published ports, 11 exposed\. "
                    r"9 fixable with `bindguard fix` \(marked \[\*\]\)\.$", lines[-1])


def test_grep_keeps_the_location(examples):
    out = subprocess.run(
        [sys.executable, "-m", "bindguard", "lint", examples], capture_output=True, text=True, cwd=ROOT
    ).stdout
    picked = [line for line in out.splitlines() if "BG002" in line]
    assert picked == [
        "compose-examples/explicit-wildcard/compose.yaml:10:9: BG002 [*] [web] host port 80/tcp listens on 0.0.0.0, "
        "every IPv4 interface",
        "compose-examples/ipv6/compose.yaml:13:9: BG002 [*] [grafana] host port 3000/tcp listens on ::, every IPv6 "
        "interface",
    ]


def test_full_shows_source_caret_fix_and_docs(examples):
    result = run("lint", examples + "/database-exposed", "--output-format", "full")
    text = result.output
    assert '12 |       - "5432:5432"' in text
    assert '   |         ^^^^^^^^^^^' in text
    assert '   = fix: use "127.0.0.1:5432:5432"' in text
    assert "   = docs: https://github.com/bindguard/bindguard/blob/main/docs/rules/BG001.md" in text


@pytest.mark.parametrize("alias", [["--format", "text"], ["--output-format", "text"], ["--format", "concise"], []])
def test_format_is_an_alias_and_text_is_concise(examples, alias):
    assert run("lint", examples, *alias).output == run("lint", examples, "--output-format", "concise").output


def test_machine_formats_through_either_option(examples):
    a = json.loads(run("lint", examples, "--format", "json").output)
    b = json.loads(run("lint", examples, "--output-format", "json").output)
    assert a == b
    assert a["findings"][0]["url"].endswith("/docs/rules/BG001.md")


def test_output_file_gets_the_format_terminal_gets_text(examples, tmp_path):
    target = tmp_path / "r.json"
    result = run("lint", examples, "--output-format", "json", "-o", str(target))
    assert json.loads(target.read_text())["summary"]["findings"] == 12
    assert LINE.match(result.output.splitlines()[0])


# -- summary, statistics, quiet ------------------------------------------------------


def test_summary_counts_and_plurals(tmp_path):
    write(tmp_path, "compose.yaml", 'services:\n  app:\n    ports: ["8080:80"]\n')
    result = run("lint", str(tmp_path))
    assert result.output.splitlines()[-1].startswith("1 finding (1 error) in 1 file, 1 service")
    write(tmp_path, "compose.yaml", 'services:\n  app:\n    ports: ["127.0.0.1:8080:80"]\n')
    assert run("lint", str(tmp_path)).output.startswith("No findings")


def test_statistics_counts_per_rule(examples):
    result = run("lint", examples, "--statistics")
    lines = result.output.splitlines()
    assert lines[0] == "7  BG001  implicit-all-interfaces"
    assert "1  BG014  direct-routing-gateway-mode" in lines
    assert not any(LINE.match(line) for line in lines)
    assert result.exit_code == 1


def test_quiet_levels(examples):
    one = run("lint", examples, "-q")
    assert one.exit_code == 1
    assert all(LINE.match(line) for line in one.output.splitlines())
    two = run("lint", examples, "-q", "-q")
    assert two.exit_code == 1 and two.output == ""
    assert run("lint", examples, "-qq", "--format", "json").output == ""


# -- colour and version ------------------------------------------------------------


def test_color_option_and_environment(examples):
    target = examples + "/ipv6"
    assert "\x1b[" in run("lint", target, "--color", "always", env={"NO_COLOR": "1"}).output
    assert "\x1b[" not in run("lint", target, "--color", "never", env={"FORCE_COLOR": "1"}).output
    assert "\x1b[" in run("lint", target, env={"FORCE_COLOR": "1"}).output
    assert "\x1b[" not in run("lint", target, env={"NO_COLOR": "1", "FORCE_COLOR": "1"}).output
    assert "\x1b[" not in run("lint", target).output  # not a terminal
    assert run("lint", target, "--color", "sometimes").exit_code == 2


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(flag):
    result = run(flag)
    assert result.exit_code == 0 and result.output == f"bindguard {__version__}\n"


# -- standard input ---------------------------------------------------------------------


def test_lint_stdin_with_filename(examples):
    text = (EXAMPLES / "database-exposed" / "compose.yaml").read_text()
    result = run("lint", "-", "--stdin-filename", "svc/compose.yaml", input=text)
    assert result.exit_code == 1
    assert result.output.startswith("svc/compose.yaml:12:9: BG001 [*] [db] ")
    full = run("lint", "-", "--output-format", "full", input=text).output
    assert full.startswith("-:12:9: BG001 [*] [db] ") and '12 |       - "5432:5432"' in full


def test_stdin_filename_matches_config_overrides(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, ".bindguard.toml", '[[overrides]]\npaths = ["legacy/*"]\nignore = ["BG001"]\n')
    text = 'services:\n  app:\n    ports: ["8080:80"]\n'
    assert run("lint", "-", "--stdin-filename", "legacy/compose.yaml", input=text).exit_code == 0
    assert run("lint", "-", "--stdin-filename", "new/compose.yaml", input=text).exit_code == 1


def test_stdin_broken_yaml_is_a_finding():
    result = run("lint", "-", "--stdin-filename", "x.yaml", input="services: [\n")
    assert result.exit_code == 1 and "x.yaml:" in result.output and "BG000" in result.output


def test_stdin_cannot_mix_with_paths(examples):
    result = run("lint", "-", examples, input="")
    assert result.exit_code == 2


# -- suggestions and prefixes --------------------------------------------------------------


def test_prefix_selection(examples):
    result = run("lint", examples, "--select", "BG00", "--statistics")
    codes = {line.split()[1] for line in result.output.splitlines() if re.match(r"\s*\d+  BG", line)}
    assert codes == {"BG001", "BG002", "BG004", "BG005"}  # BG014 is not BG00x
    only = run("lint", examples, "--select", "BG01", "--statistics").output
    assert "BG014" in only and "BG001" not in only
    # a prefix means "whatever of BG01x lint has": no warning for the audit-only codes it covers
    assert "cannot run" not in only


def test_a_code_named_in_full_that_lint_cannot_run_is_warned_once(examples):
    output = run("lint", examples, "--select", "BG010,BG014", "-q").output
    warnings = [line for line in output.splitlines() if "cannot run" in line]
    assert warnings == ["bindguard: warning: --select BG010: `bindguard lint` cannot run it (audit only); skipped"]


@pytest.mark.parametrize("code, near", [("BG099", "BG009"), ("BGO01", "BG001"), ("bg0011", "BG001")])
def test_unknown_code_suggests(code, near, examples):
    result = run("lint", examples, "--select", code)
    assert result.exit_code == 2
    assert "did you mean" in result.output and near in result.output


def test_unknown_config_key_suggests_the_closest(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, ".bindguard.toml", 'fail_on = "error"\n')
    result = run("lint", ".")
    assert result.exit_code == 2
    assert "fail_on" in result.output and "did you mean 'fail-on'?" in result.output


def test_unknown_command_suggests_the_closest():
    result = subprocess.run([sys.executable, "-m", "bindguard", "lnt"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "lint" in result.stderr and "Traceback" not in result.stderr


def test_malformed_directive_is_reported(tmp_path):
    write(tmp_path, "compose.yaml", 'services:\n  kiosk:\n    ports:\n      - "127.0.0.1:80:80"  # bindguard: ignore kiosk\n')
    result = run("lint", str(tmp_path))
    assert result.exit_code == 1
    assert re.search(r"compose.yaml:4:28: BG013 malformed directive '# bindguard: ignore kiosk'", result.output), result.output


# -- docs URL -------------------------------------------------------------------------------------


def test_docs_url_from_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "compose.yaml", 'services:\n  app:\n    ports: ["8080:80"]\n')
    write(tmp_path, ".bindguard.toml", 'docs-url = "https://docs.example/rules/{code}/"\n')
    full = run("lint", ".", "--output-format", "full").output
    assert "= docs: https://docs.example/rules/BG001/" in full
    gitlab = json.loads(run("lint", ".", "--format", "gitlab").output)
    assert gitlab[0]["url"] == "https://docs.example/rules/BG001/"
    write(tmp_path, ".bindguard.toml", 'docs-url = "https://mirror.example/docs/rules/"\n')
    data = json.loads(run("lint", ".", "--format", "json").output)
    assert data["findings"][0]["url"] == "https://mirror.example/docs/rules/BG001.md"
    write(tmp_path, ".bindguard.toml", "docs-url = 3\n")
    assert run("lint", ".").exit_code == 2


# -- 80 columns: ports, rules, wrapping on a terminal -------------------------------------------


def _on_terminal(args: list[str], columns: int = 80, env: dict | None = None) -> str:
    """Run bindguard on a pseudo-terminal of ``columns`` columns and return what it printed."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    environ = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR")}
    environ.update(env or {})
    proc = subprocess.Popen(
        [sys.executable, "-m", "bindguard", *args], stdin=subprocess.DEVNULL, stdout=slave, stderr=slave,
        cwd=ROOT, env=environ,
    )
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 30)
        if not ready:
            break
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=30)
    os.close(master)
    return b"".join(chunks).decode().replace("\r\n", "\n")


def _visible(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_terminal_output_wraps_at_80_with_hanging_indent():
    text = _visible(_on_terminal(["lint", "compose-examples"]))
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert any(line.startswith("    ") for line in lines)  # the hanging indent
    assert "\x1b[" in _on_terminal(["lint", "compose-examples/ipv6"])  # auto colour on a terminal


def test_ports_fits_80_columns():
    lines = _visible(_on_terminal(["ports", "compose-examples"])).splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 80
    assert "compose-examples/port-range/compose.yaml" in lines


def test_rules_aligned_at_any_width():
    narrow = _visible(_on_terminal(["rules"]))
    for text in (run("rules").output, narrow):
        lines = text.splitlines()
        starts = {line.index(line.split()[3]) for line in lines if re.match(r"BG\d{3} ", line)}
        assert len(starts) == 1, starts  # every summary starts in the same column
        assert all(line.startswith("BG") or line.startswith(" " * min(starts)) for line in lines)
    assert max(len(line) for line in narrow.splitlines()) <= 80


# -- fix --check and audit: the same location style ------------------------------------------------


def test_fix_check_uses_the_lint_location_style(examples):
    result = run("fix", "./" + examples, "--check")
    assert result.exit_code == 1
    edits = [line for line in result.output.splitlines() if "would fix:" in line]
    assert edits and all(LINE.match(line) and not line.startswith("./") for line in edits), edits


def test_audit_text_names_engine_and_container(engine, containers):
    box = containers.run("i16-audit", ports=["80"])  # a random host port on every interface
    result = run("audit", "--host", engine, "--no-drift")
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert any(line.startswith(f"{engine}/{box.name}: BG001 ") for line in lines), result.output
    assert not any(line.startswith(("-", " -")) for line in lines)
    assert re.search(r"in 1 engine \(Docker [^)]+\), \d+ containers?, \d+ published ports?, \d+ exposed\.", lines[-1]), lines[-1]
    full = run("audit", "--host", engine, "--no-drift", "--output-format", "full").output
    assert "= container: id " in full and "= docs: https://" in full


# -- shell completion ---------------------------------------------------------------------------------


def test_shell_completion_is_offered_and_answers():
    env = {**os.environ, "NO_COLOR": "1"}
    shown = subprocess.run([sys.executable, "-m", "bindguard", "--show-completion", "bash"],
                           capture_output=True, text=True, env=env)
    assert shown.returncode == 0 and "_bindguard_completion" in shown.stdout
    asked = subprocess.run(
        [sys.executable, "-m", "bindguard"], capture_output=True, text=True,
        env={**env, "_BINDGUARD_COMPLETE": "complete_bash", "COMP_WORDS": "bindguard li", "COMP_CWORD": "1"},
    )
    assert asked.stdout.split() == ["lint"]


def test_completion_costs_the_one_file_lint_nothing():
    """The lean app of a named command builds no completion options (issue 8's start-up budget)."""
    from typer.main import get_command

    from bindguard.cli import _command_app

    lean = get_command(_command_app(["lint", "x.yaml"]))
    whole = get_command(app)
    assert not [p for p in lean.params if "completion" in (p.name or "")]
    assert [p for p in whole.params if "completion" in (p.name or "")]


def test_rules_takes_a_prefix_and_suggests():
    listed = run("rules", "BG01").output.splitlines()
    from bindguard.rules import RULES

    assert [line.split()[0] for line in listed] == [c for c in RULES if c.startswith("BG01")]
    assert run("rules", "bg001").output.startswith("# BG001 ")
    wrong = run("rules", "BG099")
    assert wrong.exit_code == 2 and "did you mean 'BG009'" in wrong.output


def test_probe_fits_80_columns_on_a_terminal():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    lines = _visible(_on_terminal(["probe", str(port), "--verbose"])).splitlines()
    assert lines[0] == "1 port probed: 1 not listening."
    for line in lines:
        assert len(line) <= 80 or len(max(line.split(), key=len)) > 60, line


@pytest.mark.parametrize("option", [["--all"], ["--no-drift"], ["--prove"], ["--metrics-file", "m.prom"]])
def test_whole_engine_options_are_refused_with_paths_not_ignored(option, examples, tmp_path):
    """`audit PATHS` confirms one project: an option it would not honour stops the run (exit 2)
    before any engine is asked, and writes nothing."""
    result = run("audit", f"{examples}/loopback-62893", *option, "--host", "tcp://127.0.0.1:9")
    assert result.exit_code == 2
    assert f"bindguard: {option[0]} is for an audit of the whole engine" in result.output
    assert not (ROOT / "m.prom").exists()


@pytest.mark.parametrize("argv, decided", [
    (["lint", "compose-examples"], True),  # concise lines mark what fix rewrites ([*], issue 29)
    (["lint", "-qq", "compose-examples"], False),
    (["lint", "--format", "full", "compose-examples"], True),
    (["lint", "--format", "json", "compose-examples"], True),
    (["lint", "--format", "github", "compose-examples"], True),  # its message carries the fix
    (["lint", "--format", "sarif", "-o", "OUT", "-qq", "compose-examples"], True),  # the file shows them
    (["lint", "--format", "json", "-qq", "compose-examples"], False),  # nothing is printed
    (["lint", "-o", "OUT", "compose-examples"], True),  # concise in the file too
    (["lint", "-qq", "--write-baseline", "OUT", "compose-examples"], False),  # a baseline records no hint
])
def test_fix_hints_are_decided_only_when_the_output_shows_them(argv, decided, examples, tmp_path, monkeypatch):
    """A hint is what `fix` would do, decided by fix's code: a third of a lint's time, so it is
    only spent when the output shows it; what is shown is the same either way."""
    from bindguard import commands, entry
    from bindguard.entryfix import remedy

    calls = []
    real = remedy.hint_findings
    monkeypatch.setattr(remedy, "hint_findings", lambda *a, **k: calls.append(1) or real(*a, **k))
    argv = [str(tmp_path / "out.json") if word == "OUT" else word for word in argv]
    params = entry.lint_params(argv + ["--no-config", "-j", "1"], {})
    assert params is not None
    assert commands.lint(**params) == (0 if "--write-baseline" in argv else 1)
    assert bool(calls) is decided


def test_concise_lines_mark_fixable_findings_but_never_show_the_hint(examples):
    """Concise lines say *that* fix rewrites a finding ([*], as ruff marks --fix), never the hint."""
    from bindguard.lint import LintSettings, lint
    from bindguard.output import View, render

    report = lint([examples], LintSettings(jobs=1))
    assert any(f.fix for f in report.findings)
    other = report._replace(findings=tuple(f._replace(fix="another text") for f in report.findings))
    for width in (None, 80):
        view = View("concise", width=width, base=str(ROOT))
        text = render(report, view)
        assert text == render(other, view)
        marked = [line for line in text.splitlines() if " [*] " in line]
        assert len(marked) == sum(f.fixable for f in report.findings) == 9
        assert text.rstrip().endswith("9 fixable with `bindguard fix` (marked [*]).")


