"""Output formats: each a pure ``render(report) -> str``; ``REPORTERS`` maps names to them."""

from __future__ import annotations

from collections.abc import Callable

from bindguard.reporters.base import Reporter


def _text(color: bool, base_path: str | None) -> Reporter:
    from bindguard.reporters.text import TextReporter

    return TextReporter(color=color, base_path=base_path)


def _full(color: bool, base_path: str | None) -> Reporter:
    from bindguard.reporters.text import TextReporter

    return TextReporter(color=color, full=True, base_path=base_path)


def _json(color: bool, base_path: str | None) -> Reporter:
    from bindguard.reporters.json import JsonReporter

    return JsonReporter()


def _sarif(color: bool, base_path: str | None) -> Reporter:
    from bindguard.reporters.sarif import SarifReporter

    return SarifReporter(base_path=base_path)


def _github(color: bool, base_path: str | None) -> Reporter:
    from bindguard.reporters.github import GithubReporter

    return GithubReporter(base_path=base_path)


def _junit(color: bool, base_path: str | None) -> Reporter:
    from bindguard.reporters.junit import JunitReporter

    return JunitReporter(base_path=base_path)


def _gitlab(color: bool, base_path: str | None) -> Reporter:
    from bindguard.reporters.gitlab import GitlabReporter

    return GitlabReporter(base_path=base_path)


# name -> factory(color, base_path); modules are imported only when chosen.
REPORTERS: dict[str, Callable[[bool, str | None], Reporter]] = {
    "concise": _text,
    "full": _full,
    "text": _text,  # = concise
    "json": _json,
    "sarif": _sarif,
    "github": _github,
    "junit": _junit,
    "gitlab": _gitlab,
}


def reporter(name: str, color: bool = False, base_path: str | None = None) -> Reporter:
    return REPORTERS[name](color, base_path)
