"""``--format text``: findings grouped by file (or container), for people.

Plain string building; colour is an argument (the CLI decides it from
``NO_COLOR``/``FORCE_COLOR`` and whether stdout is a terminal), so output is
testable.  See ``bindguard.ansi`` for why this does not go through rich.
"""

from __future__ import annotations

from itertools import groupby

from bindguard.ansi import paint, printable
from bindguard.model import Finding, Severity
from bindguard.reporters.base import Report

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_INDENT = " " * 11


def _group(f: Finding) -> str:
    loc = f.location
    if loc.file is not None:
        return loc.file
    return " / ".join(p for p in (loc.engine, loc.container) if p) or "(whole run)"


class TextReporter:
    def __init__(self, color: bool = False):
        self.color = color

    def render(self, report: Report) -> str:
        # Paths, names and messages come from the files and the engine: every one
        # goes through printable(), so none can drive the terminal or fake a line.
        color = self.color
        lines: list[str] = []
        if report.confirmations:
            from bindguard.reporters.confirmations import confirmation_table

            lines += confirmation_table(report.confirmations, color)
        for group, items in groupby(report.findings, key=_group):
            lines.append(paint(printable(group), "bold underline", color))
            for f in items:
                loc = f.location
                where = f"{loc.line}:{loc.column}" if loc.line else "-"
                service = f" [{printable(f.service)}]" if f.service else ""
                head = paint(f"{f.code} {str(f.severity):<7}", _STYLE[f.severity], color)
                lines.append(f"  {where:>7}  {head}{service} {printable(f.message)}")
                if loc.container_id or loc.image:
                    extra = ", ".join(
                        p
                        for p in (loc.container_id and f"id {loc.container_id[:12]}", loc.image and f"image {loc.image}")
                        if p
                    )
                    lines.append(_INDENT + paint(printable(extra), "dim", color))
                if f.fix:
                    lines.append(f"{_INDENT}{paint('fix:', 'green', color)} {printable(f.fix)}")
            lines.append("")
        for note in report.notes:
            where = paint(printable(str(note.location)), "bold", color)
            lines.append(f"{paint('note:', 'cyan', color)} {where}: {printable(note.message)}")
        if report.notes:
            lines.append("")
        lines.append(printable(_summary(report)))
        if report.profiles:
            from bindguard.profilescope import describe

            lines.extend(printable(describe(scope)) for scope in report.profiles)
        return "\n".join(lines) + "\n"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _checked(report: Report) -> str:
    """Exactly what was checked: "3 files, 12 published ports, 0 exposed"."""
    text = _plural(len(report.sources), "engine" if report.kind == "engine" else "file")
    if report.published_ports is None:
        return text + " checked"
    return f"{text}, {_plural(report.published_ports, 'published port')}, {report.exposed} exposed"


def _summary(report: Report) -> str:
    """The last line.  It claims an all-clear only for published ports that were
    checked and are all on loopback; a baseline or no ports at all say so instead."""
    checked = _checked(report)
    inline = report.suppressed - report.baselined
    if report.findings:
        sev = report.severity_counts()
        parts = [f"{count} {name}{'s' if count != 1 else ''}" for name, count in sev.items() if count]
        rules = ", ".join(f"{code}×{count}" for code, count in report.counts().items())
        text = f"{_plural(len(report.findings), 'finding')} ({', '.join(parts)}; {rules}) in {checked}."
        if report.baselined:
            text += f" {_plural(report.baselined, 'known finding')} suppressed by the baseline."
    elif report.baselined:
        text = (
            f"No new findings; {_plural(report.baselined, 'known finding')} suppressed "
            f"by the baseline ({checked})."
        )
    elif report.published_ports == 0:
        text = f"No findings: no published ports ({checked})."
    elif report.published_ports is None or report.exposed:
        text = f"No findings ({checked})."
    else:
        text = f"No findings: every published port is on loopback ({checked})."
    if inline:
        text += f" {inline} suppressed by inline ignores."
    return text
