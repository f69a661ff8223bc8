"""``bindguard ports``: every published port, where it listens, where it is written.

Entries that cannot be parsed (BG007) are listed too, with verdict
``invalid``, so the table accounts for every entry in the files.
"""

from __future__ import annotations

import io
import json

from bindguard.ansi import printable
from bindguard.model import Binding, Problem, Subject


def binding_row(b: Binding) -> dict[str, object]:
    loc = b.location
    return {
        "file": loc.file,
        "line": loc.line,
        "column": loc.column,
        "service": b.service,
        "host_ip": b.host_ip,
        "effective": list(b.effective),
        "host_port": b.host_port_text or None,
        "container_port": str(b.container_ports),
        "protocol": b.protocol,
        "verdict": str(b.verdict),
        "entry": b.resolved or b.entry,  # values from the environment only as they may be printed
        "origin": None if b.host_ip else b.default_origin,
        "source": loc.source or "compose",
        "published": b.published,  # ports this entry publishes (a range expands), as Compose counts
    }


def problem_row(p: Problem) -> dict[str, object]:
    loc = p.location
    return {
        "file": loc.file,
        "line": loc.line,
        "column": loc.column,
        "service": p.service,
        "host_ip": None,
        "effective": [],
        "host_port": None,
        "container_port": None,
        "protocol": None,
        "verdict": "invalid" if p.code == "BG007" else "unresolved",
        "entry": p.entry,
        "origin": p.message,
        "source": loc.source or "compose",
        "published": 0,
    }


def rows(subjects: list[Subject], problems: list[Problem]) -> list[dict[str, object]]:
    out = [binding_row(b) for s in subjects for b in s.bindings]
    # an entry whose address a source cannot know (a workflow expression, -P) is listed as unresolved
    out += [problem_row(p) for s in subjects for p in s.problems
            if p.code == "BG007" or (p.code == "BG006" and p.location.source)]
    seen: set[tuple] = set()
    unique = []
    for row in sorted(out, key=lambda r: (r["file"] or "", r["line"], r["column"])):
        # one row per port: a range Compose cut in two (compose/project.py) is two rows on one line
        key = (row["file"], row["line"], row["column"], row["service"],
               row["host_ip"], row["host_port"], row["container_port"], row["protocol"])
        if key not in seen:
            seen.add(key)
            unique.append(row)
    return unique


def ports_json(subjects: list[Subject], problems: list[Problem]) -> str:
    return json.dumps({"bindings": rows(subjects, problems)}, indent=2) + "\n"


_VERDICT_STYLE = {
    "loopback": "green", "wildcard": "bold red", "specific": "yellow", "invalid": "magenta", "unresolved": "magenta",
}


def ports_text(subjects: list[Subject], problems: list[Problem], color: bool = False, width: int = 140) -> str:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=None, pad_edge=False, header_style="bold")
    data = rows(subjects, problems)
    # the source column only when a file other than a compose file is listed
    sources = any(r["source"] != "compose" for r in data)
    for title in ("location", "source", "service", "host ip", "listens on", "host port", "container", "verdict"):
        if title != "source" or sources:
            table.add_column(title)
    for r in data:
        verdict = str(r["verdict"])
        cells = (
            f"{r['file']}:{r['line']}:{r['column']}",
            *((str(r["source"]),) if sources else ()),
            str(r["service"] or ""),
            str(r["host_ip"] if r["host_ip"] is not None else "") or "-",
            ", ".join(r["effective"]) or "-",  # type: ignore[arg-type]
            str(r["host_port"] or ("random" if r["container_port"] else "-")),
            f"{r['container_port']}/{r['protocol']}" if r["container_port"] else str(r["entry"] or ""),
        )
        # Paths, names and entries come from the files: neither rich markup
        # ("[link=...]") nor control characters may reach the terminal.
        table.add_row(*(escape(printable(c)) for c in cells), f"[{_VERDICT_STYLE[verdict]}]{verdict}[/]")
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=color, no_color=not color, width=width, highlight=False)
    if data and width < WIDE:
        _narrow(console, data)
    elif data:
        console.print(table)
    console.print(summary_line(data))
    return buf.getvalue()


def summary_line(data: list[dict[str, object]]) -> str:
    """"5 published ports from 5 entries: 5 wildcard." Ports as Compose counts them
    (``Binding.published``, the unit of ``lint`` and ``audit`` too), then the entries listed."""
    from bindguard.reporters.text import plural

    counts: dict[str, int] = {}
    invalid = 0
    for r in data:
        if r["verdict"] == "invalid" and not r["published"]:
            invalid += 1
            continue
        counts[str(r["verdict"])] = counts.get(str(r["verdict"]), 0) + int(r["published"])  # type: ignore[call-overload]
    ports = sum(counts.values())
    entries = len(data) - invalid
    parts = [f"{n} {v}" for v, n in sorted(counts.items())]
    if invalid:
        parts.append(plural(invalid, "invalid entry", "invalid entries"))
    if not data:
        return "No published ports."
    return (f"{plural(ports, 'published port')} from {plural(entries, 'entry', 'entries')}: "
            f"{', '.join(parts)}.")


# Below this width the table is printed per file: the path becomes a heading,
# the "host ip" column goes (``listens on`` says it) and 80 columns suffice.
WIDE = 120


def _narrow(console, data: list[dict[str, object]]) -> None:
    from itertools import groupby

    from rich.markup import escape
    from rich.table import Table

    for file, group in groupby(data, key=lambda r: r["file"]):
        console.print(f"[bold]{escape(printable(str(file)))}[/]")
        table = Table(box=None, pad_edge=False, header_style="bold", padding=(0, 1))
        for title in ("  line", "service", "listens on", "host port", "container", "verdict"):
            table.add_column(title, overflow="fold")
        for r in group:
            verdict = str(r["verdict"])
            cells = (
                f"  {r['line']}:{r['column']}",
                str(r["service"] or ""),
                ", ".join(r["effective"]) or "-",  # type: ignore[arg-type]
                str(r["host_port"] or ("random" if r["container_port"] else "-")),
                f"{r['container_port']}/{r['protocol']}" if r["container_port"] else str(r["entry"] or ""),
            )
            table.add_row(*(escape(printable(c)) for c in cells), f"[{_VERDICT_STYLE[verdict]}]{verdict}[/]")
        console.print(table)
