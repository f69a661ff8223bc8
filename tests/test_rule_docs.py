"""Rule docs: every rule documented with the same headings, and docs/rules/ up to date."""

from __future__ import annotations

from pathlib import Path

import pytest

from bindguard.ruledocs import missing_headings, pages
from bindguard.rules import RULES, help_uri

DOCS = Path(__file__).resolve().parent.parent / "docs" / "rules"


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_doc_has_every_heading(code):
    assert missing_headings(code) == []


@pytest.mark.parametrize("name", sorted(pages()))
def test_docs_pages_are_current(name):
    path = DOCS / name
    assert path.exists(), f"missing {path}: run python -m bindguard.ruledocs docs/rules"
    assert path.read_text() == pages()[name], f"stale {path}: run python -m bindguard.ruledocs docs/rules"


def test_help_uri_points_at_the_page():
    for code in RULES:
        assert help_uri(code).endswith(f"docs/rules/{code}.md")
