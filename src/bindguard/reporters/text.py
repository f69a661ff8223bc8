"""``--format text``: findings grouped by file (or container), for people.

Rendered with rich into a string; colour is an argument (the CLI decides it
from ``NO_COLOR`` and whether stdout is a terminal), so output is testable.
"""

from __future__ import annotations

import io
from itertools import groupby

from rich.markup import escape

from bindguard.model import Finding, Severity
from bindguard.reporters.base import Report

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
# File and service names come from the repository: never let them drive the
# terminal (escape sequences) or fake a line of output.
_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F)}


def _clean(text: str) -> str:
    return escape(text.translate(_CONTROL))


def _group(f: Finding) -> str:
    loc = f.location
    if loc.file is not None:
        return loc.file
    return " / ".join(p for p in (loc.engine, loc.container) if p) or "(whole run)"


class TextReporter:
    def __init__(self, color: bool = False, width: int = 100):
        self.color = color
        self.width = width

    def render(self, report: Report) -> str:
        from rich.console import Console

        buf = io.StringIO()
        console = Console(
            file=buf,
            force_terminal=self.color,
            no_color=not self.color,
            color_system="standard" if self.color else None,
            width=self.width,
            highlight=False,
            soft_wrap=True,
        )
        for group, items in groupby(report.findings, key=_group):
            console.print(f"[bold underline]{_clean(group)}[/]")
            for f in items:
                loc = f.location
                where = f"{loc.line}:{loc.column}" if loc.line else "-"
                service = f" [{f.service.translate(_CONTROL)}]" if f.service else ""
                sev = str(f.severity)
                console.print(
                    f"  {where:>7}  [{_STYLE[f.severity]}]{f.code} {sev:<7}[/]"
                    f"{escape(service)} {_clean(f.message)}"
                )
                if loc.container_id or loc.image:
                    extra = ", ".join(
                        p for p in (loc.container_id and f"id {loc.container_id[:12]}", loc.image and f"image {loc.image}") if p
                    )
                    console.print(f"  {'':>7}  [dim]{_clean(extra)}[/]")
                if f.fix:
                    console.print(f"  {'':>7}  [green]fix:[/] {_clean(f.fix)}")
            console.print()
        console.print(escape(_summary(report)))
        return buf.getvalue()


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
