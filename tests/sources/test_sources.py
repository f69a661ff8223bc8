"""Issue 27: every source besides compose files, read into the one port model.

The fixtures under ``tests/sources/fixtures/<kind>/`` are linted as a folder
(found by name and content, as a repository lays them out) and every finding
is pinned: file, line, column, code and the words about where it listens.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bindguard.lint import LintSettings, lint, load_subjects, plan
from bindguard.sources import KINDS, parse_sources

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# file, line, column, code, message of every finding over the fixtures (the words are pinned too)
PINNED = [tuple(row) for row in json.loads((Path(__file__).with_name("pinned.json")).read_text())]

SOURCE_OF = {kind: kind for kind in ("shell", "devcontainer", "kind", "pods", "quadlet", "workflows")}


def _rows(report) -> list[tuple]:
    return [
        (str(Path(f.location.file).relative_to(FIXTURES)), f.location.line, f.location.column, f.code, f.message)
        for f in report.findings
    ]


def test_every_source_pinned():
    report = lint([str(FIXTURES)], LintSettings(jobs=1))
    assert _rows(report) == PINNED


@pytest.mark.parametrize("kind", sorted(SOURCE_OF))
def test_each_finding_carries_its_source(kind):
    report = lint([str(FIXTURES / kind)], LintSettings(jobs=1))
    assert report.findings
    assert {f.location.source for f in report.findings} == {SOURCE_OF[kind]}
    assert {f.location.file for f in report.findings} == set(report.sources)  # every file has findings


def test_selection_takes_only_the_kinds_named():
    settings = LintSettings(sources=frozenset({"quadlet"}), jobs=1)
    units, _ = plan([str(FIXTURES)], settings)
    assert {u.kind for u in units} == {"quadlet"}
    assert {Path(u.files[0]).name for u in units} == {"web.container", "host.pod", "broken.container"}
    everything, _ = plan([str(FIXTURES)], LintSettings())
    assert {u.kind for u in everything} == set(KINDS) - {"compose"}


def test_a_folder_without_a_selected_source_stops_the_run():
    from bindguard.errors import InputError

    with pytest.raises(InputError, match="other selected sources"):
        plan([str(FIXTURES / "kind")], LintSettings(sources=frozenset({"compose", "quadlet"})))


def test_parse_sources():
    assert parse_sources(["quadlet,kind", "pods"]) == {"quadlet", "kind", "pods"}
    assert parse_sources(["all"]) == set(KINDS)
    with pytest.raises(ValueError, match="unknown source 'shel'"):
        parse_sources(["compose,shel"])


def test_named_files_are_read_as_the_kind_they_are(tmp_path):
    # no telling name: a workflow and a kind config kept elsewhere, named on the command line
    workflow = tmp_path / "ci-template.yml"
    workflow.write_text((FIXTURES / "workflows/.github/workflows/ci.yml").read_text())
    cluster = tmp_path / "dev.yaml"
    cluster.write_text((FIXTURES / "kind/cluster.yaml").read_text())
    unit = tmp_path / "web"
    unit.write_text("[Container]\nPublishPort=80:80\n")
    units, _ = plan([str(workflow), str(cluster), str(unit)], LintSettings(sources=frozenset({"compose"})))
    assert [u.kind for u in units] == ["workflows", "kind", "compose"]
    report = lint([str(workflow), str(cluster)], LintSettings(jobs=1))
    assert {f.location.source for f in report.findings} == {"workflows", "kind"}


def test_a_compose_folder_is_read_as_before(tmp_path):
    (tmp_path / "compose.yaml").write_text("services:\n  db:\n    image: x\n    ports: ['5432:5432']\n")
    (tmp_path / "notes.yaml").write_text("a: 1\n")
    units, _ = plan([str(tmp_path)], LintSettings())
    assert units == [type(units[0])((str(tmp_path / "compose.yaml"),), str(tmp_path))]
    (finding,) = lint([str(tmp_path)], LintSettings(jobs=1)).findings
    assert finding.location.source == ""


def test_ports_lists_the_source_and_unresolved_entries():
    from bindguard.ports_report import ports_json, ports_text

    subjects, problems = load_subjects([str(FIXTURES / "workflows")], LintSettings())
    rows = json.loads(ports_json(subjects, problems))["bindings"]
    assert {r["source"] for r in rows} == {"workflows"}
    unresolved = [r for r in rows if r["verdict"] == "unresolved"]
    assert [r["entry"] for r in unresolved] == ["${{ env.BIND }}:9000:9000", "${{ env.PUBLIC }}:9091:80"]
    text = ports_text(subjects, problems, width=200)
    assert " source " in text.splitlines()[0] and "unresolved" in text


def test_broken_files_are_findings_and_the_others_still_checked():
    report = lint([str(FIXTURES / "devcontainer"), str(FIXTURES / "quadlet")], LintSettings(jobs=1))
    codes = {(Path(f.location.file).name, f.code) for f in report.findings}
    assert (".devcontainer.json", "BG000") in codes and ("broken.container", "BG000") in codes
    assert ("devcontainer.json", "BG001") in codes and ("web.container", "BG001") in codes
    assert ("broken.container", "BG001") in codes  # a bad line is reported, the rest still read


def test_host_network_discards_the_published_ports():
    report = lint([str(FIXTURES / "quadlet" / "host.pod")], LintSettings(jobs=1))
    assert [f.code for f in report.findings] == ["BG004"]
    assert report.published_ports == 0


def test_inline_ignores_apply_to_other_sources(tmp_path):
    unit = tmp_path / "web.container"
    unit.write_text("[Container]\n# bindguard: ignore[BG001] test runner only\nPublishPort=80:80\n")
    report = lint([str(unit)], LintSettings(jobs=1))
    assert report.findings == () and report.suppressed == 1


def test_fix_round_trip_byte_exact(tmp_path):
    """fix rewrites every source's entries in place; a second run finds nothing left it could do."""
    import shutil

    from bindguard.fix import apply, plan_fixes

    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES, repo)
    before = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()}
    first = plan_fixes([str(repo)], LintSettings(jobs=1))
    assert not [f for f in first.files if f.error], [f.error for f in first.files]
    result = apply(first)
    assert not result.errors
    changed = {p.relative_to(repo).as_posix(): (before[p], p.read_bytes()) for p in before if p.read_bytes() != before[p]}
    assert sorted(changed) == [
        "devcontainer/.devcontainer/devcontainer.json", "kind/cluster.yaml", "pods/workloads.yaml",
        "quadlet/broken.container", "quadlet/web.container", "shell/.gitlab-ci.yml", "shell/broken.bash",
        "shell/run.sh", "shell/start", "workflows/.github/workflows/ci.yml",
    ]

    def lines(name: str) -> set[tuple[str, str]]:
        old, new = changed[name]
        a, b = old.decode().splitlines(), new.decode().splitlines()
        return {(x, y) for x, y in zip(a, b, strict=False) if x != y} if len(a) == len(b) else set(b) - set(a)

    assert lines("quadlet/web.container") == {("PublishPort=8080:80", "PublishPort=127.0.0.1:8080:80"),
                                              ("PublishPort=0.0.0.0:9000:9000/udp", "PublishPort=127.0.0.1:9000:9000/udp")}
    assert lines("kind/cluster.yaml") == {'  - listenAddress: "127.0.0.1"', "    containerPort: 80",
                                          "    listenAddress: 127.0.0.1", '    listenAddress: "::1"'}
    assert '        - hostIP: 127.0.0.1' in lines("pods/workloads.yaml")
    assert ("docker run -d -p 8080:80 nginx", "docker run -d -p 127.0.0.1:8080:80 nginx") in lines("shell/run.sh")
    assert ("nerdctl run -p '[::]:8086:80' nginx", "nerdctl run -p '[::1]:8086:80' nginx") in lines("shell/run.sh")
    assert ("          - 5432:5432", "          - 127.0.0.1:5432:5432") in lines("workflows/.github/workflows/ci.yml")
    # everything else in the files is untouched: only the fixed lines differ
    second = plan_fixes([str(repo)], LintSettings(jobs=1))
    assert not second.changed and not second.edits
    left = {(Path(m.file).name, m.line, m.reason) for m in second.manual if m.code in ("BG001", "BG002")}
    assert left == {
        (".gitlab-ci.yml", 11, "variable-entry"), ("Makefile", 9, "entry-not-found"),
        ("run.sh", 14, "shared-place"), ("run.sh", 19, "swarm"), ("ci.yml", 19, "expression-entry"),
        ("ci.yml", 23, "shared-place"),
    }



def _bg(cwd: Path, *args: str):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "bindguard", *args], capture_output=True, text=True, cwd=cwd,
                          env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"}, timeout=120)


def test_sources_option_and_config_key(tmp_path):
    import shutil

    shutil.copytree(FIXTURES, tmp_path / "repo")
    every = _bg(tmp_path, "lint", "repo", "--format", "json")
    assert every.returncode == 1
    kinds = {f["file"].split("/")[1] for f in json.loads(every.stdout)["findings"]}
    assert kinds == {"shell", "workflows", "devcontainer", "quadlet", "kind", "pods"}
    only = _bg(tmp_path, "lint", "repo", "--format", "json", "--sources", "quadlet,kind")
    assert {f["file"].split("/")[1] for f in json.loads(only.stdout)["findings"]} == {"quadlet", "kind"}
    (tmp_path / ".bindguard.toml").write_text('sources = ["pods"]\n')
    configured = _bg(tmp_path, "lint", "repo", "--format", "json")
    assert {f["file"].split("/")[1] for f in json.loads(configured.stdout)["findings"]} == {"pods"}
    # a config that reads fewer sources than the default turns the gate down, and says so
    text = _bg(tmp_path, "lint", "repo")
    assert "sources not read: compose, shell, workflows, devcontainer, quadlet, kind" in text.stdout, text.stdout
    assert "sources not read" not in _bg(tmp_path, "lint", "repo", "--sources", "pods").stdout
    ports = _bg(tmp_path, "ports", "repo", "--format", "json", "--sources", "kind")
    assert {r["source"] for r in json.loads(ports.stdout)["bindings"]} == {"kind"}
    bad = _bg(tmp_path, "lint", "repo", "--sources", "compose,scripts")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "unknown source 'scripts'" in bad.stderr, bad
    (tmp_path / ".bindguard.toml").write_text('sources = ["kube"]\n')
    bad_key = _bg(tmp_path, "lint", "repo")
    assert bad_key.returncode == 2 and "sources" in bad_key.stderr and "unknown source 'kube'" in bad_key.stderr


def test_values_from_the_environment_never_reach_a_report(tmp_path, monkeypatch):
    """Scripts are resolved from the file alone: a variable set only in the environment is unset
    to bindguard (BG006 names it), and its value appears in no output format."""
    canary = "10.66.77.88-canary"
    monkeypatch.setenv("HOST", canary)
    monkeypatch.setenv("PORT", canary)
    (tmp_path / "run.sh").write_text('docker run -p "$HOST:8080:80" -p "${PORT:-9000}:80" img\n')
    (tmp_path / "web.container").write_text("[Container]\nPublishPort=${HOST}:80:80\n")
    report = lint([str(tmp_path)], LintSettings(jobs=1))
    codes = {(Path(f.location.file).name, f.code) for f in report.findings}
    assert ("run.sh", "BG006") in codes and ("web.container", "BG007") in codes
    from bindguard.reporters import REPORTERS

    for name, make in REPORTERS.items():
        assert canary not in make(False, None).render(report), name
    from bindguard.ports_report import ports_json, ports_text

    subjects, problems = load_subjects([str(tmp_path)], LintSettings())
    assert canary not in ports_json(subjects, problems) + ports_text(subjects, problems, width=200)
