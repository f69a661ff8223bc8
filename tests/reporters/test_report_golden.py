"""Golden files pin every CI format byte for byte.

CI consumers parse these formats strictly and silently drop what they do not
understand, so any change to the output should be a visible, reviewed diff.
Rewrite the files with ``BINDGUARD_UPDATE_GOLDEN=1`` and review ``git diff``.
"""

from __future__ import annotations

import os

import pytest

from bindguard.reporters import REPORTERS

REPORTS = ("clean", "engine", "files", "weakened")  # fixtures <name>_report in conftest.py
# every format, through the same factory the CLI uses: name -> (colour, golden file suffix)
FORMATS = {
    "text": (False, "text.txt"),
    "text-color": (True, "text-color.txt"),
    "full": (False, "full.txt"),
    "full-color": (True, "full-color.txt"),
    "json": (False, "json"),
    "sarif": (False, "sarif"),
    "github": (False, "github.txt"),
    "junit": (False, "junit.xml"),
    "gitlab": (False, "gitlab.json"),
}


def _reporter(fmt: str):
    color, _ = FORMATS[fmt]
    return REPORTERS[fmt.removesuffix("-color")](color, None)


ALIASES = {"concise": "text"}  # one output, two names


def test_every_format_has_golden_files() -> None:
    assert {f.removesuffix("-color") for f in FORMATS} == set(REPORTERS) - set(ALIASES)
    assert all(REPORTERS[a] is REPORTERS[b] for a, b in ALIASES.items())


@pytest.mark.parametrize("report_name", REPORTS)
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_golden(fmt: str, report_name: str, golden, request) -> None:
    _, ext = FORMATS[fmt]
    text = _reporter(fmt).render(request.getfixturevalue(f"{report_name}_report"))
    golden(f"{report_name}.{ext}", text)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_render_is_pure(fmt: str, files_report, tmp_path, monkeypatch) -> None:
    """Same report, different cwd and environment: same bytes."""
    report = files_report
    first = _reporter(fmt).render(report)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    monkeypatch.setenv("CI_PROJECT_DIR", str(tmp_path))
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    second = _reporter(fmt).render(report)
    assert first == second
    assert str(tmp_path) not in second
    assert os.getcwd() == str(tmp_path)
