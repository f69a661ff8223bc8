"""A folder's compose files are read once, also those found by the sniff, and so are named files
whose content told their kind (issue 26)."""

import os
from collections import Counter

import pytest

from bindguard.compose import discover as discover_module
from bindguard.lint import LintSettings, lint, load_subjects

STACK = 'services:\n  web:\n    ports: ["8080:80"]\n'


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "compose.yaml").write_text('services:\n  db:\n    ports: ["127.0.0.1:5432:5432"]\n')
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "stack.yml").write_text(STACK)  # not named like a compose file: sniffed
    (tmp_path / "deploy" / "base.yaml").write_text("services:\n  api:\n    ports:\n      - 9000:9000\n")
    (tmp_path / "k8s.yaml").write_text("apiVersion: v1\nkind: Service\n")
    return tmp_path


def _opens(monkeypatch) -> Counter:
    opened: Counter = Counter()
    real_open = os.open

    def counting(path, *args, **kwargs):
        opened[os.path.basename(os.fsdecode(path))] += 1
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", counting)
    return opened


@pytest.mark.parametrize("hints", [False, True])
def test_each_file_is_opened_once(tree, monkeypatch, hints):
    opened = _opens(monkeypatch)
    report = lint([str(tree)], LintSettings(jobs=1, hints=hints))
    assert sorted(f.location.file.rsplit("/", 1)[-1] for f in report.findings) == ["base.yaml", "stack.yml"]
    for name in ("compose.yaml", "stack.yml", "base.yaml", "k8s.yaml"):
        assert opened[name] == 1, (name, opened)


def test_ports_reads_once_too(tree, monkeypatch):
    opened = _opens(monkeypatch)
    subjects, _ = load_subjects([str(tree)], LintSettings())
    assert sorted(b.location.file.rsplit("/", 1)[-1] for s in subjects for b in s.bindings) == [
        "base.yaml", "compose.yaml", "stack.yml"]
    assert opened["stack.yml"] == 1 and opened["base.yaml"] == 1


def test_beyond_the_byte_budget_files_are_read_again_with_the_same_result(tree, monkeypatch):
    """Discovery keeps at most KEEP_BYTES of sniffed files: memory stays bounded whatever the tree."""
    expected = lint([str(tree)], LintSettings(jobs=1))
    monkeypatch.setattr(discover_module, "KEEP_BYTES", len(STACK))  # room for stack.yml, not base.yaml
    opened = _opens(monkeypatch)
    assert lint([str(tree)], LintSettings(jobs=1)) == expected
    assert opened["stack.yml"] == 1
    assert opened["base.yaml"] == 2


def test_worker_processes_report_the_same(tree):
    """With a pool, each one-file project carries its sniffed bytes to the worker (``Unit.data``)."""
    serial = lint([str(tree)], LintSettings(jobs=1))
    assert lint([str(tree)], LintSettings(jobs=2)) == serial


def test_a_named_file_whose_content_told_its_kind_is_read_once(tree, monkeypatch):
    """A named ``*.yml`` not named like a compose file is looked at to tell its kind (compose,
    pods, kind, workflow): those bytes are the ones parsed, within the same byte budget."""
    named = [str(tree / "deploy" / "stack.yml"), str(tree / "deploy" / "base.yaml")]
    expected = lint(named, LintSettings(jobs=1))
    assert sorted(f.location.file.rsplit("/", 1)[-1] for f in expected.findings) == ["base.yaml", "stack.yml"]
    opened = _opens(monkeypatch)
    assert lint(named, LintSettings(jobs=1)) == expected
    assert opened["stack.yml"] == 1 and opened["base.yaml"] == 1
    monkeypatch.setattr(discover_module, "KEEP_BYTES", len(STACK))  # room for stack.yml, not base.yaml
    opened.clear()
    assert lint(named, LintSettings(jobs=1)) == expected
    assert opened["stack.yml"] == 1 and opened["base.yaml"] == 2
