"""Text and JSON for ``probe --neighbour``: pure functions of a NeighbourReport.

The text is a table (port, verdict, time of the deciding connect, container)
followed by every attempt, the neighbour's addresses, and the line saying
what the proof does not cover; JSON adds the exact ``ip`` commands that
built and removed the neighbour, so a result can be reproduced by hand.
"""

from __future__ import annotations

import json

from bindguard.ansi import paint, printable
from bindguard.probe.neighbour import NeighbourReport, NeighbourVerdict

_STYLES = {
    NeighbourVerdict.REACHABLE: "red",
    NeighbourVerdict.LOOPBACK_BYPASS: "red",
    NeighbourVerdict.REFUSED: "green",
    NeighbourVerdict.FILTERED: "green",
}

CAVEAT = ("the neighbour is a new link to this host: firewall rules tied to the real LAN interface "
          "do not apply to it; proof from the real LAN needs a second machine (docs/neighbour.md)")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def render_neighbour_text(report: NeighbourReport, *, color: bool = False) -> str:
    lines = [
        f"neighbour {report.neighbour_address} in namespace {report.namespace}, "
        f"host {report.host_address} on veth {report.namespace}"
        + (" (+ IPv6 link-local)" if report.ipv6 else "")
        + f"; timeout {report.timeout:g} s",
        "",
    ]
    width = max([len(v.value) for v in NeighbourVerdict])
    lines.append(f"{'PORT':<7}{'VERDICT':<{width + 2}}{'TIME':>10}  CONTAINER")
    for p in report.ports:
        verdict = paint(f"{p.verdict.value:<{width}}", _STYLES[p.verdict], color)
        who = printable(p.container) if p.container else "-"
        lines.append(f"{p.port:<7}{verdict}  {ms(p.seconds):>10}  {who}")
    lines.append("")
    for p in report.ports:
        tried = "; ".join(
            f"{a.path} {a.address} {a.outcome.value} {ms(a.seconds)}" for a in p.attempts
        )
        lines.append(f"{p.port}: {tried}")
    for item in report.skipped:
        lines.append(f"not probed: {printable(item)}")
    for item in report.reaped:
        lines.append(f"removed a leftover of an earlier run: {item}")
    for note in report.notes:
        lines.append(f"note: {note}")
    lines.append(f"{len(report.ports)} ports in {report.seconds:.2f} s; the neighbour was removed")
    lines.append(f"note: {CAVEAT}")
    return "\n".join(lines) + "\n"


def render_neighbour_json(report: NeighbourReport) -> str:
    return json.dumps({"neighbour": report.to_dict()}, indent=2) + "\n"
