"""Issue 13 through the CLI and the library: hints are what ``fix`` does, and fixes never break.

* every finding of every rule fixture has the hint ``fix`` carries out (the
  corpus is checked the same way in ``test_fix_corpus.py``);
* every rule declares what ``fix`` does with it (``FIX``), and the planner's
  tables come from those declarations;
* the user-visible cases of the issue, each through ``bindguard``'s CLI.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from bindguard.cli import app
from bindguard.fix import FIXABLE, MANUAL_REASONS, plan_fixes
from bindguard.lint import lint
from bindguard.rules import RULES
from bindguard.rules.fixinfo import FixInfo
from fixhints import mismatches
from rules.test_fixtures import _fixture_files, _settings

runner = CliRunner()


def cli(*args: str, cwd: Path | None = None, env: dict | None = None):
    old = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        # The variables these tests use are unset: the developer's own must not leak in.
        unset: dict = {k: None for k in ("PORT", "BIND", "WEB_BIND", "PUBLIC_PORT")}
        return runner.invoke(app, list(args), env=unset | (env or {}))
    finally:
        os.chdir(old)


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


# -- one truth over the fixtures ----------------------------------------------
@pytest.mark.parametrize("path", _fixture_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_hints_are_what_fix_does(path: Path) -> None:
    settings = _settings(path, path.parent.name)
    report = lint([str(path)], settings)
    plan = plan_fixes([str(path)], settings)
    bad, _ = mismatches(report.findings, plan)
    assert not bad, "\n".join(bad)
    assert all(f.fix for f in report.findings), [f for f in report.findings if not f.fix]


# -- fix metadata on the rule -----------------------------------------------
@pytest.mark.parametrize("code", sorted(RULES))
def test_every_rule_declares_what_fix_does(code: str) -> None:
    info = RULES[code].fix
    assert isinstance(info, FixInfo), f"{code}: RULE = Rule(..., fix=auto() or manual(...)) is missing"
    if info.auto:
        assert code in FIXABLE
    else:
        assert code not in FIXABLE
        assert info.reason and info.message, f"{code}: a manual rule says why"
        assert MANUAL_REASONS[code] == (info.reason, info.message)


def test_planner_tables_follow_the_rules(monkeypatch) -> None:
    from bindguard.entryfix import remedy

    monkeypatch.setitem(RULES, "BG003", RULES["BG003"]._replace(fix=FixInfo(True)))
    remedy.auto_codes.cache_clear()  # computed once per process from the rules; here they changed
    try:
        assert "BG003" in remedy.auto_codes()
    finally:
        monkeypatch.undo()
        remedy.auto_codes.cache_clear()



# -- hints show the entry as fix writes it --------------------------------------
def hints(report_json: str) -> dict[int, str]:
    return {f["line"]: f["fix"] for f in json.loads(report_json)["findings"]}


ISSUE_ENTRIES = """
services:
  web:
    image: example
    ports:
      - "${PORT:-8080}:80"
      - "$WEB_BIND:81/tcp"
      - ${PUBLIC_PORT}:3449
      - "${BIND:-0.0.0.0}:8000:8080"
      - target: 80
        published: 8082
      - {target: 83, published: 8083, host_ip: "0.0.0.0"}
"""


def test_hints_are_the_entries_as_fix_writes_them(tmp_path):
    write(tmp_path, "compose.yaml", ISSUE_ENTRIES)
    write(tmp_path, ".env", "PORT=3000\n")
    result = cli("lint", "--no-config", "--format", "json", str(tmp_path))
    assert result.exit_code == 1, result.output
    got = hints(result.stdout)
    assert got == {
        # the variable stays, not the .env value (3000) of this machine
        5: 'use "127.0.0.1:${PORT:-8080}:80"',
        # variable and protocol suffix kept
        6: 'use "127.0.0.1:$WEB_BIND:81/tcp"',
        # plain (unquoted) stays plain; the unset variable stays, not "127.0.0.1::3449"
        7: "use 127.0.0.1:${PUBLIC_PORT}:3449",
        # no env source sets BIND: its wildcard default becomes loopback, and the hint says why
        8: 'use "${BIND:-127.0.0.1}:8000:8080" (no env source sets BIND: its default was 0.0.0.0)',
        9: "add host_ip: 127.0.0.1",
        11: 'set host_ip: "127.0.0.1"',
    }
    text = cli("lint", "--no-config", "--output-format", "full", str(tmp_path)).stdout
    assert 'fix: use "127.0.0.1:${PORT:-8080}:80"' in text and "3000:80" not in text.split("fix:")[1]

    fixed = cli("fix", "--no-config", str(tmp_path))
    assert fixed.exit_code == 0  # every entry fixed, the BIND default included
    body = (tmp_path / "compose.yaml").read_text()
    for hint in got.values():
        if hint.startswith("use "):
            assert f"      - {hint[4:].split(' (')[0]}\n" in body, hint
    assert "        host_ip: 127.0.0.1\n" in body
    assert '{target: 83, published: 8083, host_ip: "127.0.0.1"}' in body
    assert "default BIND to 127.0.0.1 (no env source sets BIND: its default was 0.0.0.0)" in fixed.output


def test_json_and_sarif_carry_the_same_fix_and_a_suggested_change(tmp_path):
    import jsonschema

    from reporters.test_sarif_report import SCHEMA_PATH, _format_checker

    path = write(tmp_path, "compose.yaml", ISSUE_ENTRIES)
    as_json = cli("lint", "--no-config", "--format", "json", str(path)).stdout
    as_sarif = cli("lint", "--no-config", "--format", "sarif", str(path)).stdout
    doc = json.loads(as_sarif)
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema, format_checker=_format_checker())
    errors = list(validator.iter_errors(doc))
    assert not errors, [e.message for e in errors]
    results = doc["runs"][0]["results"]
    json_hints = hints(as_json)
    text = path.read_text()
    lines = text.split("\n")
    fixes = 0
    for r in results:
        line = r["locations"][0]["physicalLocation"]["region"]["startLine"]
        for fix in r.get("fixes", []):
            fixes += 1
            assert fix["description"]["text"] == json_hints[line]
            change = fix["artifactChanges"][0]
            assert change["artifactLocation"] == r["locations"][0]["physicalLocation"]["artifactLocation"]
            (rep,) = change["replacements"]
            region, new = rep["deletedRegion"], rep["insertedContent"]["text"]
            # Applying the replacement to the file gives what `fix` writes there.
            start = sum(len(x) + 1 for x in lines[: region["startLine"] - 1]) + region["startColumn"] - 1
            end = sum(len(x) + 1 for x in lines[: region["endLine"] - 1]) + region["endColumn"] - 1
            patched = text[:start] + new + text[end:]
            assert new.strip().lstrip(",").strip() in json_hints[line] or new.strip() in json_hints[line]
            assert patched != text
    assert fixes == 6  # every finding fix rewrites, the BIND entry's default included
    cli("fix", "--no-config", str(path))
    after = path.read_text()
    # every suggested change, applied alone, is part of what fix wrote
    for r in results:
        for fix in r.get("fixes", []):
            assert fix["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"] in after


# -- a variable that may hold IP:PORT ----------------------------------------------
PORT_ENTRY = """
services:
  web:
    image: example
    ports:
      - "${PORT:-8080}:80"
"""


def relint_with_every_env_file(root: Path) -> dict[str, list[tuple[str, str]]]:
    """Lint the project as each env file it ships would make it (and with none)."""
    out = {}
    names = [p.name for p in root.iterdir() if p.name.startswith((".env", "env.", "example.env"))]
    for name in [None, *sorted(names)]:
        args = ["lint", "--no-config", "--format", "json", str(root)]
        if name is not None:
            args[1:1] = ["--env-file", str(root / name)]
        elif (root / ".env").exists():
            continue  # without --env-file, .env is read: covered by its own run
        data = json.loads(cli(*args).stdout)
        out[name or "(none)"] = [(f["rule"], f["severity"]) for f in data["findings"]]
    return out


@pytest.mark.parametrize(
    "example", [".env.example", ".env.sample", ".env.dist", "env.example", "example.env", ".env.template"]
)
def test_ip_port_variable_gets_the_host_ip_in_its_default(tmp_path, example):
    path = write(tmp_path, "compose.yaml", PORT_ENTRY)
    write(tmp_path, example, "# copy to .env\nPORT=127.0.0.1:8080\n")
    hint = hints(cli("lint", "--no-config", "--format", "json", str(tmp_path)).stdout)[5]
    assert hint.startswith('use "${PORT:-127.0.0.1:8080}:80" (the default of PORT now carries the host IP')
    assert example in hint
    result = cli("fix", "--no-config", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "default PORT to 127.0.0.1:8080" in result.output and example in result.output
    assert '      - "${PORT:-127.0.0.1:8080}:80"\n' in path.read_text()
    # Valid and on loopback with no env file, with the example, and with it copied to .env.
    assert all(found == [] for found in relint_with_every_env_file(tmp_path).values())
    (tmp_path / ".env").write_text((tmp_path / example).read_text())
    assert json.loads(cli("lint", "--no-config", "--format", "json", str(tmp_path)).stdout)["findings"] == []


def test_prefix_is_kept_when_env_files_hold_plain_ports(tmp_path):
    path = write(tmp_path, "compose.yaml", PORT_ENTRY)
    write(tmp_path, ".env.example", "PORT=9090\n")
    write(tmp_path, ".env", "PORT=3000\n")
    assert cli("fix", "--no-config", str(tmp_path)).exit_code == 0
    assert '"127.0.0.1:${PORT:-8080}:80"' in path.read_text()
    assert all(found == [] for found in relint_with_every_env_file(tmp_path).values())


def test_env_files_that_disagree_leave_the_entry_manual(tmp_path):
    path = write(tmp_path, "compose.yaml", PORT_ENTRY)
    write(tmp_path, ".env.example", "PORT=127.0.0.1:8080\n")
    before = path.read_text()
    # No .env: lint sees 8080:80 (BG001). A user's .env with a bare port breaks the default-change.
    write(tmp_path, ".env.sample", "PORT=3000\n")
    lint_hint = hints(cli("lint", "--no-config", "--format", "json", str(tmp_path)).stdout)[5]
    result = cli("fix", "--no-config", str(tmp_path))
    assert result.exit_code == 1 and path.read_text() == before
    assert "BG001 not fixed (env-host-port)" in result.output
    assert lint_hint in result.output and "no single rewrite" in lint_hint
    assert "3000" not in lint_hint and "127.0.0.1:8080" not in lint_hint  # no env values shown


def test_host_variable_set_wide_in_an_example_is_left_manual(tmp_path):
    path = write(tmp_path, "compose.yaml", """
        services:
          db:
            image: postgres
            ports:
              - "${BIND}:5432:5432"
    """)
    write(tmp_path, ".env.dist", "BIND=0.0.0.0\n")
    before = path.read_text()
    result = cli("fix", "--no-config", str(tmp_path))
    assert result.exit_code == 1 and path.read_text() == before
    assert "BG006 not fixed (env-file): with the values of .env.dist" in result.output
    assert "0.0.0.0" not in result.output.split("not fixed")[1]


def test_variable_without_default_holding_ip_port_is_manual(tmp_path):
    path = write(tmp_path, "compose.yaml", PORT_ENTRY.replace("${PORT:-8080}", "${PORT}"))
    write(tmp_path, ".env.example", "PORT=127.0.0.1:8080\n")
    before = path.read_text()
    result = cli("fix", "--no-config", str(tmp_path))
    assert path.read_text() == before
    assert "(env-host-port)" in result.output and "has no plain default" in result.output


# -- BG006 counted once ---------------------------------------------------------
def test_bg006_fix_is_counted_once_and_lint_passes_after(tmp_path):
    path = write(tmp_path, "compose.yaml", PORT_ENTRY.replace("${PORT:-8080}", "${PORT}"))
    dry = cli("fix", "--no-config", "--check", str(path))
    assert dry.exit_code == 1
    assert "would fix 1 entry in 1 file." in dry.output and "not fixed" not in dry.output
    assert cli("fix", "--no-config", str(path)).exit_code == 0
    assert '"127.0.0.1:${PORT}:80"' in path.read_text()
    after = cli("lint", "--no-config", str(path))
    assert after.exit_code == 0, after.output  # BG006 is info now: on loopback whatever PORT holds
    assert ": BG006 [web] " in after.output and "1 finding (1 info)" in after.output
    assert cli("fix", "--no-config", str(path)).exit_code == 0


# -- symlinks out of the target ---------------------------------------------------
def test_symlink_out_of_the_target_is_not_written_unless_asked(tmp_path):
    outside = write(tmp_path, "elsewhere/system.yaml", PORT_ENTRY)
    project = tmp_path / "project"
    project.mkdir()
    (project / "compose.yaml").symlink_to(outside)
    before = outside.read_text()
    lint_hint = hints(cli("lint", "--no-config", "--format", "json", str(project)).stdout)[5]
    assert lint_hint.startswith("symlink to a file outside the fixed paths")
    result = cli("fix", "--no-config", str(project))
    assert result.exit_code == 1 and outside.read_text() == before
    assert "(symlink-outside): symlink to a file outside the fixed paths" in result.output
    result = cli("fix", "--no-config", "--follow-symlinks", str(project))
    assert result.exit_code == 0, result.output
    assert '"127.0.0.1:${PORT:-8080}:80"' in outside.read_text()
    assert (project / "compose.yaml").is_symlink()
    assert f"wrote {outside}" in result.output  # the real file is named
    # -f files count with the current directory
    write(tmp_path, "elsewhere/other.yaml", PORT_ENTRY)
    (project / "other.yaml").symlink_to(tmp_path / "elsewhere/other.yaml")
    result = cli("fix", "--no-config", "-f", "other.yaml", cwd=project)
    assert "(symlink-outside)" in result.output


def test_symlink_inside_the_target_is_written(tmp_path):
    real = write(tmp_path, "project/real/compose.yaml", PORT_ENTRY)
    (tmp_path / "project/compose.yaml").symlink_to(real)
    result = cli("fix", "--no-config", str(tmp_path / "project"))
    assert result.exit_code == 0, result.output
    assert "127.0.0.1:" in real.read_text()


# -- --diff shows only what changes -------------------------------------------------
def test_diff_of_a_long_file_shows_only_changed_lines(tmp_path):
    services = "".join(
        f"  s{i}:\n    image: example\n    restart: always\n    ports:\n      - \"127.0.0.1:{8000 + i}:80\"\n"
        for i in range(80)
    )
    last = '  last:\n    image: example\n    ports:\n      - "9000:80"\n'
    path = write(tmp_path, "compose.yaml", "services:\n" + services + last)
    assert len(path.read_text().splitlines()) > 400
    result = cli("fix", "--no-config", "--diff", str(path))
    changed = [line for line in result.stdout.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert changed == ['-      - "9000:80"', '+      - "127.0.0.1:9000:80"'], result.stdout


# -- names are escaped ---------------------------------------------------------------
def test_file_names_in_summary_and_diff_are_escaped(tmp_path):
    folder = tmp_path / "evil\x1b]0;owned\x07\x9b2J"
    path = write(folder, "compose.yaml", PORT_ENTRY)
    for args in (("--diff",), ("--check",), ()):
        result = cli("fix", "--no-config", *args, str(path))
        for control in ("\x1b", "\x07", "\x9b"):
            assert control not in result.output, (args, result.output)
        assert "\\x1b]0;owned\\x07\\x9b2J" in result.output


@given(st.text(alphabet="ab\n\r\u2028é", max_size=40), st.data())
def test_line_starts_give_the_line_and_column_of_any_index(text, data):
    """Regions' positions come from a table of line starts (linear), and mean what counting meant."""
    from bindguard.entryfix.remedy import LineStarts

    index = data.draw(st.integers(0, len(text)))
    line = text.count("\n", 0, index) + 1  # only \n ends a line; columns count code points
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    assert LineStarts(text).position(index) == (line, column)


def test_line_starts_and_real_paths_agree_with_the_slow_ways(tmp_path):
    """The C-speed line table and the per-folder real paths give what counting and realpath give."""
    import os

    from bindguard.entryfix.remedy import LineStarts, real_path

    for text in ["", "a", "a\n", "a\nbc\n\nd", "\n\n", "x\r\ny\n"]:
        starts, at = [0], text.find("\n")
        while at >= 0:
            starts.append(at + 1)
            at = text.find("\n", at + 1)
        assert LineStarts(text).starts == starts
    (tmp_path / "a" / "deep").mkdir(parents=True)
    (tmp_path / "a" / "deep" / "compose.yaml").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "a")
    (tmp_path / "a" / "file-link.yaml").symlink_to(tmp_path / "a" / "deep" / "compose.yaml")
    for path in ["link/deep/compose.yaml", "a/file-link.yaml", "link/file-link.yaml", "link/../a/deep/compose.yaml"]:
        full = str(tmp_path / path)
        assert real_path(full) == os.path.realpath(full), path
