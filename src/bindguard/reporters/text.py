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
        lines.append(printable(_summary(report)))
        if report.profiles:
            from bindguard.profilescope import describe

            lines.extend(printable(describe(scope)) for scope in report.profiles)
        return "\n".join(lines) + "\n"


def _summary(report: Report) -> str:
    what = "engine" if report.kind == "engine" else "file"
    n = len(report.sources)
    checked = f"{n} {what}{'' if n == 1 else 's'} checked"
    if not report.findings:
        text = f"No findings: every published port is on loopback ({checked})."
    else:
        sev = report.severity_counts()
        parts = [f"{count} {name}{'s' if count != 1 else ''}" for name, count in sev.items() if count]
        rules = ", ".join(f"{code}×{count}" for code, count in report.counts().items())
        n_findings = len(report.findings)
        text = f"{n_findings} finding{'' if n_findings == 1 else 's'} ({', '.join(parts)}; {rules}) in {checked}."
    if report.suppressed:
        text += f" {report.suppressed} suppressed."
    return text
