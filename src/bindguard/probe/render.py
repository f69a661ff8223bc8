"""Text and JSON for probe results: pure functions of the results.

Why pure: like the reporters, no printing, no environment, no clock; colour
is an argument.  The text reads like a short diagnosis and always ends with
the caveat that a connection from this host is not a connection from the
network.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence

from bindguard.ansi import paint, printable
from bindguard.probe.results import HOST_PATH_CAVEAT, ProbeResult, ProbeVerdict, shorten

_STYLES = {
    ProbeVerdict.LOOPBACK_ONLY: "green",
    ProbeVerdict.ALL_INTERFACES: "red",
    ProbeVerdict.SPECIFIC: "yellow",
    ProbeVerdict.NOT_LISTENING: "dim",
    ProbeVerdict.UNKNOWN: "dim",
}


_SUMMARY_ORDER = (
    (ProbeVerdict.ALL_INTERFACES, "on all interfaces"),
    (ProbeVerdict.SPECIFIC, "on a specific address"),
    (ProbeVerdict.LOOPBACK_ONLY, "on loopback only"),
    (ProbeVerdict.NOT_LISTENING, "not listening"),
    (ProbeVerdict.UNKNOWN, "unknown (socket table unreadable)"),
)


def probe_summary(results: Sequence[ProbeResult]) -> str:
    """The first line: how many ports, and where they listen ("1 port probed: 1 not listening.")."""
    n = len(results)
    parts = []
    for verdict, words in _SUMMARY_ORDER:
        count = sum(1 for r in results if r.verdict is verdict)
        if count:
            parts.append(f"{count} {words}")
    return f"{n} port{'' if n == 1 else 's'} probed: {', '.join(parts) or 'nothing to report'}."


_LABEL = 10  # "  reach   ", "  note    ": the column where a line's text starts


def _wrapped(line: str, width: int | None) -> str:
    """A detail line wrapped at ``width`` (a terminal), later lines under its text column."""
    if width is None or len(line) <= width or width - _LABEL < 20:
        return line
    from bindguard.reporters.wrap import words, wrap

    body = wrap(words(line[_LABEL:]), width - _LABEL, "")
    return "\n".join([line[:_LABEL] + body[0], *(" " * _LABEL + rest for rest in body[1:])])


def _refused_line(labels: list[str], answered: bool, verbose: bool) -> str:
    """Every refused address with ``--verbose``; otherwise how many (they all say the same)."""
    if verbose or len(labels) <= 2:
        return ", ".join(labels)
    other = " other" if answered else ""
    return f"on {len(labels)}{other} addresses (--verbose lists them)"


def render_text(
    results: Sequence[ProbeResult],
    *,
    color: bool = False,
    verbose: bool = False,
    summary_last: bool = False,
    width: int | None = None,
) -> str:
    """A summary line, then a short diagnosis per target; ANSI only when ``color``.

    ``summary_last`` repeats the summary at the end (``--engine``/``--compose``:
    many ports scroll the first line away).
    """
    blocks: list[str] = [probe_summary(results)]
    tested_reach = False
    for r in results:
        verdict = paint(r.verdict.value, _STYLES[r.verdict], color)
        lines = [f"{printable(str(r.target))}  {verdict}", f"  {r.summary}"]
        for s in r.sockets:
            for o in s.owners:
                who = o.describe(60) if o.pid is None else f"pid {o.pid} {o.name or '?'}"
                if o.pid is not None and o.user:
                    who += f" (user {o.user})"
                line = f"  socket  {s.endpoint} {s.protocol}/{s.family}  {who}"
                if o.pid is not None and o.cmdline:
                    line += f": {shorten(' '.join(o.cmdline), 60)}"
                if o.container:
                    line += f" -> {o.container}"
                lines.append(line)
        if r.reachability:
            tested_reach = True
            groups: dict[str, list[str]] = {}
            for a in r.reachability:
                groups.setdefault(a.outcome, []).append(a.label)
            head = "  reach   "
            for k in ("answered", "refused", "timeout", "error"):
                if k in groups:
                    listed = ", ".join(groups[k])
                    if k == "refused":
                        listed = _refused_line(groups[k], "answered" in groups, verbose)
                    lines.append(f"{head}{k + ':':<10}{listed}")
                    head = " " * len(head)
        if r.http is not None:
            via = f"{r.http.address}: " if r.http.address else ""
            lines.append(f"  http    {via}{r.http.summary}")
        if r.free is not None:
            lines.append(f"  free    {'yes' if r.free.free else 'no'}: {r.free.detail}")
        for n in r.notes:
            if n != HOST_PATH_CAVEAT:
                lines.append(f"  note    {n}")
        # Names and command lines come from other processes: no control characters
        # reach the terminal (the first line's colour is ours).
        blocks.append("\n".join([lines[0], *(_wrapped(printable(line), width) for line in lines[1:])]))
    text = "\n\n".join(blocks)
    if tested_reach:
        text += "\n\n" + textwrap.fill(HOST_PATH_CAVEAT, width=79)
    if summary_last:
        text += "\n\n" + blocks[0]
    return text + "\n"


def render_json(results: Sequence[ProbeResult]) -> str:
    """``{"results": [...], "caveat": ...}``, stable key order, for scripts."""
    payload = {"results": [r.to_dict() for r in results], "caveat": HOST_PATH_CAVEAT}
    return json.dumps(payload, indent=2) + "\n"
