"""Engine rules (BG010, BG011, BG014, BG016, and what audit says of bindings) without an engine.

Each ``engines/<name>.json`` is one engine's recorded answers (``engine_replay.py`` says the
format; ``source`` names where they come from: a real engine here, or the engine's API
documentation). It runs through the engine path ``audit`` (or ``audit PATHS``) uses, and its
findings and engine line are pinned in ``engines/<name>.expected.json``; regenerate with

    BINDGUARD_UPDATE_GOLDEN=1 python -m pytest tests/rules/test_engine_fixtures.py

and review the diff. No engine mark: these run in the fast loop.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from engine_replay import ENGINES, load, replay

from bindguard.rules import RULES

UPDATE = os.environ.get("BINDGUARD_UPDATE_GOLDEN") == "1"
ENGINE_RULES = ("BG010", "BG011", "BG014", "BG016")


def _fixtures() -> list[Path]:
    return sorted(p for p in ENGINES.glob("*.json") if not p.name.endswith(".expected.json"))


@pytest.mark.parametrize("path", _fixtures(), ids=lambda p: p.stem)
def test_engine_fixture_findings_are_pinned(path: Path) -> None:
    expected_file = path.with_name(path.stem + ".expected.json")
    got = replay(path)
    if UPDATE:
        expected_file.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert expected_file.is_file(), f"missing {expected_file.name}: run with BINDGUARD_UPDATE_GOLDEN=1"
    want = json.loads(expected_file.read_text(encoding="utf-8"))
    assert got == want, (
        f"{path.name}: findings differ from {expected_file.name}; if intended, regenerate with "
        "BINDGUARD_UPDATE_GOLDEN=1 and review the diff"
    )


def test_every_fixture_names_its_source_and_an_expected_file() -> None:
    fixtures = _fixtures()
    assert fixtures
    for path in fixtures:
        data = load(path)
        assert data["source"].startswith(("recorded from", "written from")), (
            f"{path.name}: source must say 'recorded from ...' or 'written from ...'"
        )
    orphans = [p.name for p in ENGINES.glob("*.expected.json")
               if not p.with_name(p.name.replace(".expected.json", ".json")).is_file()]
    assert not orphans, f"expected files without a fixture: {orphans}"


@pytest.mark.parametrize("code", ENGINE_RULES)
def test_engine_rule_has_a_flagging_and_a_clean_fixture(code: str) -> None:
    """Each engine-only rule fires in some fixture and stays silent in another."""
    assert code in RULES
    flagged, clean = [], []
    for path in _fixtures():
        expected = path.with_name(path.stem + ".expected.json")
        if not expected.is_file():
            continue
        findings = json.loads(expected.read_text(encoding="utf-8"))["findings"]
        codes = {c for f in findings for c in (f["code"], *f.get("also", ()))}  # BG010 folds into BG001-3
        (flagged if code in codes else clean).append(path.name)
    assert flagged, f"{code}: no engine fixture reports it"
    assert clean, f"{code}: every engine fixture reports it"
