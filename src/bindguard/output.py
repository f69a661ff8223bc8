"""How a report reaches the terminal: format, colour, width, quietness.

The CLI gathers these once per run (``--output-format``, ``--color``,
``NO_COLOR``/``FORCE_COLOR``, ``-q``, ``--statistics``, whether stdout is a
terminal and how wide) and this module turns a report into the text to
print.  Reporters stay pure functions of their arguments.

``--format`` is an alias of ``--output-format`` (as in ruff, one option
names every format); ``text`` is an alias of ``concise``.
"""

import enum
import os
import sys
from typing import NamedTuple, TextIO

TEXT_FORMATS = frozenset({"concise", "full", "text"})


class ColorChoice(str, enum.Enum):
    auto = "auto"
    always = "always"
    never = "never"


def use_color(choice: str = "auto", stream: TextIO | None = None) -> bool:
    """``--color always|never`` wins; on ``auto``, NO_COLOR, then FORCE_COLOR, then "is it a terminal"."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    stream = stream or sys.stdout
    return hasattr(stream, "isatty") and stream.isatty()


def terminal_width(stream: TextIO | None = None) -> int | None:
    """The width to wrap at: the terminal's, or None when output goes to a pipe or file."""
    stream = stream or sys.stdout
    if not (hasattr(stream, "isatty") and stream.isatty()):
        return None
    import shutil  # only for a terminal: shutil imports bz2 and lzma, 1.5 ms of a run in CI (issue 8)

    return shutil.get_terminal_size((80, 24)).columns


class View(NamedTuple):
    """The presentation choices of one run."""

    fmt: str = "concise"
    color: bool = False
    width: int | None = None
    quiet: int = 0
    statistics: bool = False
    base: str | None = None


def render(report, view: View, texts: dict[str, str] | None = None) -> str:
    """The report in ``view.fmt``; ``-q -q`` renders nothing at all."""
    if view.quiet >= 2:
        return ""
    if view.statistics and view.fmt == "json":
        from bindguard.reporters.json import statistics_json

        return statistics_json(report)
    if view.fmt not in TEXT_FORMATS:
        from bindguard.reporters import reporter

        return reporter(view.fmt, False, view.base).render(report)
    from bindguard.reporters.text import TextReporter

    full = view.fmt == "full" and not view.statistics
    lines = None
    if full:
        from bindguard.reporters.snippets import source_lines

        lines = source_lines(report.findings, texts, report.quotable)
    return TextReporter(
        color=view.color,
        full=full,
        width=view.width,
        statistics=view.statistics,
        quiet=view.quiet,
        lines=lines,
        base_path=view.base,
    ).render(report)
