"""Issue 20: the gate never prints an all-clear for less than the user asked it to check.

Every test drives the real CLI in a child process (stdout, stderr and the exit
code are what a CI job sees) and each one failed on the code before the fix.
Where Compose decides what a file means, the real Docker Compose v2
(``composebed.compose_config``) is asked too, so the expected answer is not
a guess.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from composebed import compose_config
from helpers import write

ALL_CLEAR = "every published port is on loopback"


def bg(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """``bindguard ARGS`` in ``cwd`` with a clean environment (no config above /tmp leaks in)."""
    return subprocess.run(
        [sys.executable, "-m", "bindguard", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
        timeout=120,
    )


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    return result.stderr


def findings(result: subprocess.CompletedProcess) -> list[tuple[str, str, int]]:
    data = json.loads(result.stdout)
    return sorted((f["rule"], f["file"], f["line"]) for f in data["findings"])


PUBLIC = 'services:\n  app:\n    image: x\n    ports: ["8080:80"]\n'
LOOPBACK = 'services:\n  app:\n    image: x\n    ports: ["127.0.0.1:8080:80", "127.0.0.1:8081:81"]\n'


# -- 1. a config file that does not parse stops the run ------------------------------
def test_broken_pyproject_with_table_stops_instead_of_using_the_parent_config(tmp_path):
    write(tmp_path, ".bindguard.toml", 'ignore = ["BG001"]\n')
    project = tmp_path / "app"
    write(project, "pyproject.toml", '[tool.bindguard]\nselect = ["BG001]\n')
    write(project, "compose.yaml", PUBLIC)
    err = one_line_error(bg(project, "lint", "."))
    assert "pyproject.toml" in err and "line 2" in err, err


def test_broken_pyproject_without_table_still_stops(tmp_path):
    write(tmp_path, "pyproject.toml", '[project]\nname = "x\n')
    write(tmp_path, "compose.yaml", LOOPBACK)
    err = one_line_error(bg(tmp_path, "lint", "."))
    assert "pyproject.toml" in err and "line 2" in err and "TOML" in err, err


def test_broken_bindguard_toml_stops(tmp_path):
    write(tmp_path, ".bindguard.toml", 'select = [\n"BG001",\n= 3\n')
    write(tmp_path, "compose.yaml", LOOPBACK)
    err = one_line_error(bg(tmp_path, "lint", "."))
    assert ".bindguard.toml" in err and "line 3" in err, err


def test_invalid_tool_bindguard_stops(tmp_path):
    write(tmp_path, "compose.yaml", LOOPBACK)
    write(tmp_path, "pyproject.toml", 'tool = "not a table"\n')
    err = one_line_error(bg(tmp_path, "lint", "."))
    assert "pyproject.toml" in err and "tool" in err, err
    write(tmp_path, "pyproject.toml", '[tool]\nbindguard = 3\n')
    err = one_line_error(bg(tmp_path, "lint", "."))
    assert "tool.bindguard" in err, err


# -- 2. nothing checked is never clean -------------------------------------------------
def test_empty_folder_is_an_error_naming_path_patterns_and_include(tmp_path):
    (tmp_path / "empty").mkdir()
    err = one_line_error(bg(tmp_path, "lint", "empty"))
    assert "empty" in err and "compose.yaml" in err and "--include" in err and "-f" in err, err


def test_default_path_with_no_compose_file_is_an_error(tmp_path):
    write(tmp_path, "notes.yaml", "title: not compose\n")
    err = one_line_error(bg(tmp_path, "lint"))
    assert "no compose file" in err, err


def test_unnamed_yaml_with_services_mapping_is_read(tmp_path):
    write(tmp_path, "deploy/stack.yml", PUBLIC)
    result = bg(tmp_path, "lint", "deploy", "--format", "json")
    assert result.returncode == 1, result
    assert findings(result) == [("BG001", "deploy/stack.yml", 4)]


def test_non_compose_yaml_is_not_read_and_leaves_nothing_checked(tmp_path):
    # a Kubernetes manifest can have a "services" key
    write(tmp_path, "repo/k8s/svc.yaml", "apiVersion: v1\nkind: List\nservices:\n  web:\n    ports: ['80:80']\n")
    write(tmp_path, "repo/list.yaml", "services:\n  - web\n")
    write(tmp_path, "repo/scalar.yaml", "services: none\n")
    err = one_line_error(bg(tmp_path, "lint", "repo"))
    assert "repo" in err and "--include" in err, err
    # a GitHub workflow is a source of its own (issue 27): read as a workflow, where a
    # top-level "services" key publishes nothing, and never an all-clear
    write(tmp_path, "repo/.github/workflows/ci.yml", "on: push\nservices:\n  db:\n    ports: ['5432:5432']\n")
    result = bg(tmp_path, "lint", "repo")
    assert result.returncode == 0 and ALL_CLEAR not in result.stdout, result
    assert "no published ports (1 file, 0 services" in result.stdout, result.stdout


def test_include_glob_reads_other_names_from_option_and_config(tmp_path):
    write(tmp_path, "ops/web.ports", PUBLIC)
    one_line_error(bg(tmp_path, "lint", "ops"))
    result = bg(tmp_path, "lint", "ops", "--include", "*.ports", "--format", "json")
    assert findings(result) == [("BG001", "ops/web.ports", 4)], result
    write(tmp_path, ".bindguard.toml", 'include = ["*.ports"]\n')
    assert findings(bg(tmp_path, "lint", "ops", "--format", "json")) == [("BG001", "ops/web.ports", 4)]


def test_summary_says_what_was_checked(tmp_path):
    write(tmp_path, "compose.yaml", LOOPBACK)
    result = bg(tmp_path, "lint", ".")
    assert result.returncode == 0, result
    assert "1 file, 1 service, 2 published ports, 0 exposed" in result.stdout, result.stdout
    write(tmp_path, "compose.yaml", PUBLIC)
    assert "1 file, 1 service, 1 published port, 1 exposed" in bg(tmp_path, "lint", ".").stdout
    summary = json.loads(bg(tmp_path, "lint", ".", "--format", "json").stdout)["summary"]
    assert (summary["sources"], summary["published_ports"], summary["exposed"]) == (1, 1, 1)


def test_no_published_ports_is_said_plainly(tmp_path):
    write(tmp_path, "compose.yaml", "services:\n  worker:\n    image: x\n")
    result = bg(tmp_path, "lint", ".")
    # a project that publishes nothing is clean, but the words must say why
    assert result.returncode == 0, result
    assert ALL_CLEAR not in result.stdout
    assert "no published ports" in result.stdout, result.stdout


# -- 3. rules that cannot fire -----------------------------------------------------------
def test_lint_select_audit_only_rule_exits_2(tmp_path):
    write(tmp_path, "compose.yaml", PUBLIC)
    err = one_line_error(bg(tmp_path, "lint", ".", "--select", "BG010"))
    assert "BG010" in err and "audit" in err, err


def test_lint_select_mixed_warns_and_runs_the_rest(tmp_path):
    write(tmp_path, "compose.yaml", PUBLIC)
    result = bg(tmp_path, "lint", ".", "--select", "BG001,BG011")
    assert result.returncode == 1
    assert "BG011" in result.stderr and "warning" in result.stderr, result.stderr


def test_audit_select_lint_only_rule_exits_2_before_any_engine(tmp_path):
    result = bg(tmp_path, "audit", "--host", "tcp://127.0.0.1:9", "--timeout", "0.5", "--select", "BG006")
    err = one_line_error(result)
    assert "BG006" in err and "lint" in err and "127.0.0.1:9" not in err, err


def test_everything_ignored_exits_2(tmp_path):
    write(tmp_path, "compose.yaml", PUBLIC)
    from bindguard.rules import RULES

    codes = ",".join(RULES)
    err = one_line_error(bg(tmp_path, "lint", ".", "--ignore", codes))
    assert "no rule" in err, err


# -- 4. baseline wording -----------------------------------------------------------------
def test_baseline_says_no_new_findings_not_all_clear(tmp_path):
    write(tmp_path, "compose.yaml", PUBLIC)
    assert bg(tmp_path, "lint", ".", "--write-baseline", "base.json").returncode == 0
    result = bg(tmp_path, "lint", ".", "--baseline", "base.json")
    assert result.returncode == 0, result
    assert ALL_CLEAR not in result.stdout and "No findings" not in result.stdout
    assert "no new findings; 1 known finding suppressed by the baseline" in result.stdout.lower(), result.stdout


# -- 5. the v1 format -----------------------------------------------------------------------
V1 = "web:\n  image: nginx\n  ports:\n    - '80:80'\n"


def test_v1_format_is_bg000_as_compose_v2_refuses_it(tmp_path):
    path = write(tmp_path, "docker-compose.yml", V1)
    code, _, stderr = compose_config([path], tmp_path)
    assert code != 0 and "additional properties 'web' not allowed" in stderr
    result = bg(tmp_path, "lint", ".", "--format", "json")
    assert result.returncode == 1
    (finding,) = json.loads(result.stdout)["findings"]
    assert (finding["rule"], finding["line"]) == ("BG000", 1)
    assert "v1" in finding["message"] and "Compose v2" in finding["message"], finding


# -- 6. no BG013 where nothing was evaluated --------------------------------------------------
def test_no_unused_ignore_on_a_file_that_did_not_parse(tmp_path):
    write(tmp_path, "compose.yaml",
          "services:\n  app:\n    ports:\n      - '80:80' # bindguard: ignore[BG001] dev only\n  broken: [\n")
    result = bg(tmp_path, "lint", ".", "--format", "json")
    assert [r for r, _, _ in findings(result)] == ["BG000"], result.stdout


# -- 7. null or empty host_ip ------------------------------------------------------------------
def test_null_or_empty_host_ip_is_bg007_as_compose_refuses_it(tmp_path):
    for value, words in (("", "must be a string"), (' ""', "invalid ip address")):
        text = ("services:\n  a:\n    image: x\n    ports:\n"
                f"      - target: 80\n        published: 8080\n        host_ip:{value}\n")
        path = write(tmp_path, "compose.yaml", text)
        code, _, stderr = compose_config([path], tmp_path)
        assert code != 0 and words in stderr, stderr
        result = bg(tmp_path, "lint", ".", "--format", "json")
        assert findings(result) == [("BG007", "compose.yaml", 5)], (value, result.stdout)


# -- 8. IPv4-mapped IPv6 addresses ----------------------------------------------------------------
def test_ipv4_mapped_addresses_read_as_the_ipv4_address(tmp_path):
    write(
        tmp_path,
        "compose.yaml",
        "services:\n  a:\n    image: x\n    ports:\n"
        '      - "[::ffff:0.0.0.0]:8080:80"\n'
        '      - "0.0.0.0:8080:81"\n'
        '      - "[::ffff:127.0.0.1]:8081:80"\n',
    )
    data = json.loads(bg(tmp_path, "lint", ".", "--format", "json").stdout)
    by_rule = {(f["rule"], f["line"]): f["message"] for f in data["findings"]}
    assert "IPv6" not in by_rule[("BG002", 5)] and "IPv4" in by_rule[("BG002", 5)], by_rule
    assert "0.0.0.0" in by_rule[("BG002", 5)]
    # both claim 0.0.0.0:8080 on the engine: a conflict
    assert any(rule == "BG005" for rule, _ in by_rule), by_rule
    ports = json.loads(bg(tmp_path, "ports", ".", "--format", "json").stdout)
    rows = {p["line"]: p for p in ports["bindings"]}
    assert rows[5]["effective"] == ["0.0.0.0"] and rows[7]["verdict"] == "loopback", rows


# -- 9. an included file is reported once ------------------------------------------------------------
def test_included_file_is_reported_once_in_every_format(tmp_path):
    write(tmp_path, "docker/compose.yaml", "include:\n  - ./base.yml\nservices:\n  web:\n    image: x\n")
    write(tmp_path, "docker/base.yml", PUBLIC)
    result = bg(tmp_path, "lint", ".", "--format", "json")
    assert findings(result) == [("BG001", "docker/base.yml", 4)], result.stdout
    assert json.loads(result.stdout)["summary"]["sources"] == 2
    sarif = json.loads(bg(tmp_path, "lint", ".", "--format", "sarif").stdout)
    assert len(sarif["runs"][0]["results"]) == 1
    recorded = bg(tmp_path, "lint", ".", "--write-baseline", "b.json")
    assert "recorded 1 finding" in recorded.stderr, recorded.stderr
    ports = json.loads(bg(tmp_path, "ports", ".", "--format", "json").stdout)["bindings"]
    assert len(ports) == 1, ports


# -- 10. one note per cause ------------------------------------------------------------------------------
def test_external_network_note_is_said_once_per_file(tmp_path):
    write(
        tmp_path,
        "compose.yaml",
        "services:\n  a:\n    image: x\n    ports: ['8080:80', '8081:81']\n"
        "  b:\n    image: x\n    ports: ['8082:80']\n"
        "networks:\n  default:\n    external: true\n    name: shared\n",
    )
    text = bg(tmp_path, "lint", ".").stdout
    assert text.count("unknown statically") == 1, text
    assert text.count("BG001") >= 3
    data = json.loads(bg(tmp_path, "lint", ".", "--format", "json").stdout)
    assert sum("unknown statically" in f["message"] for f in data["findings"]) == 0
    assert [n["message"].count("unknown statically") for n in data["notes"]] == [1], data["notes"]
    sarif = json.loads(bg(tmp_path, "lint", ".", "--format", "sarif").stdout)
    notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert sum("unknown statically" in n["message"]["text"] for n in notes) == 1
    github = bg(tmp_path, "lint", ".", "--format", "github").stdout
    assert github.count("unknown statically") == 1 and github.count("::error ") == 3, github


# -- the sniff that picks unnamed compose files (compose/sniff.py) ------------------------------------------
@pytest.mark.parametrize(
    "text, is_compose",
    [
        ("services:\n  web:\n    image: x\n", True),
        ("name: x\nservices: {web: {image: x}}\n", True),
        ("services: &s\n  # a comment\n\n  web: {}\n", True),
        ("services:\r\n    # indented comment\r\n   \r\n  web: {}\r\n", True),
        ("services:\n# a comment in column 0\n  web: {}\n", True),
        ("\"services\":\n  web: {}\n", True),
        ("x-base: &b\n  image: x\nservices:\n  web:\n    <<: *b\n", True),
        ("services:\n  - web\n", False),
        ("services: []\n", False),
        ("services:\nnetworks: {}\n", False),
        ("services:\n", False),
        ("services: web\n", False),
        ("jobs:\n  test:\n    services:\n      db: {}\n", False),
        ("apiVersion: v1\nkind: Service\nservices:\n  web: {}\n", False),
        ("description: |\n  services:\n    web: {}\n", False),
        ("", False),
    ],
)
def test_sniff_reads_the_top_level_services_mapping_only(text, is_compose):
    from bindguard.compose.sniff import text_has_services_mapping

    assert text_has_services_mapping(text.encode()) is is_compose
