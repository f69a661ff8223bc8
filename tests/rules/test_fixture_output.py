"""Every rule fixture's findings pinned in full: line, column, code, message and fix hint.

``test_fixtures.py`` checks *which lines* a rule flags; this file pins *what it says* there, so a
changed message, column or hint is a reviewed diff, never a silent change. The expected output of
``fixtures/<CODE>/<name>.yaml`` lives in ``fixtures/<CODE>/<name>.expected.json``; regenerate
all of them with

    BINDGUARD_UPDATE_GOLDEN=1 python -m pytest tests/rules/test_fixture_output.py

and review ``git diff`` (the same switch the reporters' golden files use).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from test_fixtures import _fixture_files, _settings

from bindguard.lint import lint

UPDATE = os.environ.get("BINDGUARD_UPDATE_GOLDEN") == "1"


def _observed(path: Path) -> list[dict]:
    """The fixture's own findings (its code), in a stable order, linted from the fixture's own
    folder by its name, so that paths in messages are the same on every machine."""
    code = path.parent.name
    report = lint([path.name], _settings(path, code))
    rows = []
    for f in report.findings:
        if f.code != code:
            continue
        file = f.location.file
        rows.append({
            "line": f.location.line,
            "column": f.location.column,
            "code": f.code,
            "service": f.service,
            "message": f.message,
            "fix": f.fix,
            "file": file,
        })
    rows.sort(key=lambda r: (r["file"] or "", r["line"] or 0, r["column"] or 0, r["message"]))
    return rows


@pytest.mark.parametrize("path", _fixture_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_output_is_pinned(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected_file = path.with_name(path.stem + ".expected.json")
    monkeypatch.chdir(path.parent)
    got = _observed(path)
    text = json.dumps(got, indent=2, ensure_ascii=False) + "\n"
    if UPDATE:
        expected_file.write_text(text, encoding="utf-8")
    assert expected_file.is_file(), f"missing {expected_file.name}: run with BINDGUARD_UPDATE_GOLDEN=1"
    want = json.loads(expected_file.read_text(encoding="utf-8"))
    assert got == want, (
        f"{path.parent.name}/{path.name}: findings differ from {expected_file.name}; if the change is "
        "intended, regenerate with BINDGUARD_UPDATE_GOLDEN=1 and review the diff"
    )


def test_no_orphan_expected_files() -> None:
    fixtures = {p.with_name(p.stem + ".expected.json") for p in _fixture_files()}
    orphans = sorted(str(p) for p in Path(__file__).parent.glob("fixtures/*/*.expected.json") if p not in fixtures)
    assert not orphans, f"expected files without a fixture: {orphans}"
