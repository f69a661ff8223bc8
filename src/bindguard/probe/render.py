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


def render_text(results: Sequence[ProbeResult], *, color: bool = False) -> str:
    """A short diagnosis per target; plain text, ANSI only when ``color``."""
    blocks: list[str] = []
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
                    lines.append(f"{head}{k + ':':<10}{', '.join(groups[k])}")
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
        blocks.append("\n".join([lines[0], *map(printable, lines[1:])]))
    text = "\n\n".join(blocks)
    if tested_reach:
        text += "\n\n" + textwrap.fill(HOST_PATH_CAVEAT, width=79)
    return text + "\n"


def render_json(results: Sequence[ProbeResult]) -> str:
    """``{"results": [...], "caveat": ...}``, stable key order, for scripts."""
    payload = {"results": [r.to_dict() for r in results], "caveat": HOST_PATH_CAVEAT}
    return json.dumps(payload, indent=2) + "\n"
