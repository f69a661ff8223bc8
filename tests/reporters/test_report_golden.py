"""Golden files pin every CI format byte for byte.

CI consumers parse these formats strictly and silently drop what they do not
understand, so any change to the output should be a visible, reviewed diff.
Rewrite the files with ``BINDGUARD_UPDATE_GOLDEN=1`` and review ``git diff``.
"""

from __future__ import annotations

import os

import pytest

from bindguard.reporters.github import GithubReporter
from bindguard.reporters.gitlab import GitlabReporter
from bindguard.reporters.junit import JunitReporter
from bindguard.reporters.sarif import SarifReporter

REPORTS = ("clean", "engine", "files")  # fixtures <name>_report in conftest.py
FORMATS = {
    "sarif": (SarifReporter, "sarif"),
    "github": (GithubReporter, "github.txt"),
    "junit": (JunitReporter, "junit.xml"),
    "gitlab": (GitlabReporter, "gitlab.json"),
}


@pytest.mark.parametrize("report_name", REPORTS)
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_golden(fmt: str, report_name: str, golden, request) -> None:
    reporter_cls, ext = FORMATS[fmt]
    text = reporter_cls().render(request.getfixturevalue(f"{report_name}_report"))
    golden(f"{report_name}.{ext}", text)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_render_is_pure(fmt: str, files_report, tmp_path, monkeypatch) -> None:
    """Same report, different cwd and environment: same bytes."""
    reporter_cls, _ = FORMATS[fmt]
    report = files_report
    first = reporter_cls().render(report)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    monkeypatch.setenv("CI_PROJECT_DIR", str(tmp_path))
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    second = reporter_cls().render(report)
    assert first == second
    assert str(tmp_path) not in second
    assert os.getcwd() == str(tmp_path)
