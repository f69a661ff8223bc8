"""The confirmation table that leads ``audit PATHS`` / ``audit --expect`` text output.

One line per container (replicas and one-off ``run`` containers each get
theirs) or per service without one: what the file says, what the engine
says, and the verdict.  Pure, like every reporter: rows in, lines out.
Every cell comes from files or the engine and goes through ``printable``.
"""

from __future__ import annotations

from bindguard.ansi import paint, printable

_STYLE = {"confirmed": "green", "not running (allowed)": "cyan", "profile off": "dim"}
_NONE = "-"


def _cell(values) -> str:
    if values is None:
        return _NONE
    return ", ".join(printable(str(v)) for v in values) or "nothing"


def _rows(confirmations: tuple[dict, ...]) -> tuple[list[str], list[list[str]]]:
    engines = {c.get("engine") for c in confirmations}
    projects = {c.get("project") for c in confirmations}
    expects = any(c.get("expected") for c in confirmations)
    header = ["SERVICE", "CONTAINER", "FILE SAYS", "ENGINE SAYS"]
    if expects:
        header.append("EXPECTED")
    header.append("VERDICT")
    if len(projects) > 1:
        header.insert(0, "PROJECT")
    if len(engines) > 1:
        header.insert(0, "ENGINE")
    body = []
    for c in confirmations:
        container = printable(c.get("container") or "") or "(no container)"
        if c.get("oneoff"):
            container += " (run)"
        engine_says = c.get("engine_says")
        row = [
            printable(c.get("service") or ""),
            container,
            _cell(c.get("file_says")) if c.get("file_says") is not None else "(no file)",
            _cell(engine_says) if engine_says is not None else _NONE,
        ]
        if expects:
            row.append(printable(c.get("expected") or "") or _NONE)
        row.append(c.get("verdict", ""))
        if len(projects) > 1:
            row.insert(0, printable(c.get("project") or "") or _NONE)
        if len(engines) > 1:
            row.insert(0, printable(c.get("engine") or ""))
        body.append(row)
    return header, body


def confirmation_table(confirmations: tuple[dict, ...], color: bool = False) -> list[str]:
    """The table, a one-line tally, and a blank line."""
    header, body = _rows(confirmations)
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    lines = [paint("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip(), "bold", color)]
    for row in body:
        cells = [cell.ljust(w) for cell, w in zip(row[:-1], widths[:-1], strict=True)]
        verdict = row[-1]
        cells.append(paint(verdict, _STYLE.get(verdict, "bold red"), color))
        lines.append("  ".join(cells).rstrip())
    selected = [c for c in confirmations if c.get("verdict") != "profile off"]
    off = [printable(c.get("service") or "") for c in confirmations if c.get("verdict") == "profile off"]
    confirmed = sum(1 for c in selected if c.get("verdict") == "confirmed")
    others = [c for c in selected if c.get("verdict") != "confirmed"]
    tally = f"{confirmed} of {len(selected)} confirmed"
    if others:
        tally += ": " + "; ".join(
            f"{printable(c.get('container') or c.get('service') or '')} {c.get('verdict')} "
            f"({printable(c.get('reason') or '')})"
            for c in others
        )
    if off:
        tally += f"; not selected (profile off): {', '.join(off)}"
    lines += [tally + ".", ""]
    return lines
