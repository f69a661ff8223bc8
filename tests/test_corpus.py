"""The 730 real compose files of ../shared/corpus/real: no crash, every file accounted for.

The corpus is read in place and never modified.  Every file must come out
either as a checked source or with a BG000 finding that names it.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from bindguard.compose.project import ProjectOptions
from bindguard.lint import LintSettings, lint

# BINDGUARD_CORPUS points elsewhere when the checkout is not beside ../shared (a worktree).
CORPUS = Path(
    os.environ.get("BINDGUARD_CORPUS")
    or Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "real"
)


def corpus_files() -> list[str]:
    if not CORPUS.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"corpus missing at {CORPUS}")
        pytest.skip(f"corpus not found at {CORPUS}")
    return sorted(str(p) for p in CORPUS.rglob("*") if p.suffix in (".yml", ".yaml"))


def test_every_real_file_is_accounted_for():
    files = corpus_files()
    assert len(files) == 730
    report = lint(files, LintSettings(project=ProjectOptions(environ={}), jobs=1))
    checked = set(report.sources)
    broken = {f.location.file for f in report.findings if f.code == "BG000"}
    missing = [f for f in files if f not in checked and f not in broken]
    assert missing == []
    by_rule = Counter(f.code for f in report.findings)
    # Invalid YAML in the corpus (compose-go's own negative test files) is BG000, not a crash.
    assert by_rule["BG000"] >= 1
    assert by_rule["BG001"] > 500
    for f in report.findings:
        assert f.location.file and f.location.line >= 1, f


def test_project_mode_over_the_corpus_folders():
    corpus_files()
    report = lint([str(CORPUS)], LintSettings(project=ProjectOptions(environ={})))
    assert report.sources
    assert all(f.location.file for f in report.findings)
