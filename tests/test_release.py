"""The version a user installs, the changelog and the README's pinned references agree.

The README tells people to pin `rev: vX.Y.Z` (pre-commit) and `@vX.Y.Z` (the GitHub Action): such a
reference must name a release that the changelog records, and the package's own version must be
the newest release there (or the changelog must say what is unreleased on top of it).
"""

import re
from pathlib import Path

from bindguard import __version__

ROOT = Path(__file__).resolve().parent.parent


def _released() -> list[str]:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    return re.findall(r"^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$", text, re.M)


def test_package_version_is_the_newest_release_in_the_changelog():
    released = _released()
    assert released, "CHANGELOG.md records no release"
    assert released[0] == __version__, f"package says {__version__}, CHANGELOG's newest is {released[0]}"


def test_readme_pins_point_at_released_tags():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    pins = set(re.findall(r"(?:rev:\s*|bindguard@|bindguard/bindguard@)v(\d+\.\d+\.\d+)", readme))
    assert pins, "the README pins no version (rev: / @v…): update this test if that is intended"
    assert pins <= set(_released()), f"README pins {sorted(pins)}; CHANGELOG releases {_released()}"


def test_changelog_links_every_release():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    for version in _released():
        assert re.search(rf"^\[{re.escape(version)}\]: \S+v{re.escape(version)}$", text, re.M), version
