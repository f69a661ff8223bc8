"""What ``watch`` reports, and how it is written: text lines or JSON Lines.

A :class:`Change` is one finding that appeared (``new``) or went away
(``resolved``), stamped with the moment bindguard knew it and with what made
it look (:class:`Trigger`: an engine event, or a full audit at start-up or
after a reconnect).  Rendering is pure: text goes through ``printable`` (names
and messages come from the engine), JSON is one object per line.
"""

from __future__ import annotations

import json
import time
from typing import NamedTuple

from bindguard.ansi import paint, printable
from bindguard.model import Finding, Severity
from bindguard.reporters.json import finding_dict

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


class Trigger(NamedTuple):
    """Why the engine was looked at: an event (``kind`` container/network) or an audit."""

    kind: str  # container | network | audit
    action: str  # create start die destroy connect disconnect | initial reconnect
    actor_id: str = ""
    actor_name: str = ""
    time: float | None = None  # the engine's time of the event (seconds since the epoch)

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"type": self.kind, "action": self.action}
        if self.actor_id:
            data["id"] = self.actor_id
        if self.actor_name:
            data["name"] = self.actor_name
        if self.time is not None:
            data["time"] = iso(self.time)
        return data


class Change(NamedTuple):
    """One finding that is ``new`` or ``resolved`` on ``engine``, known at ``timestamp``."""

    change: str  # new | resolved
    finding: Finding
    engine: str
    trigger: Trigger
    timestamp: float

    @property
    def lag(self) -> float | None:
        """Seconds from the engine's event to this finding (None for audits)."""
        if self.trigger.time is None:
            return None
        return max(0.0, self.timestamp - self.trigger.time)


def iso(seconds: float) -> str:
    """UTC, microseconds: ``2026-11-29T10:55:01.123456Z``."""
    whole = int(seconds)
    micro = int(round((seconds - whole) * 1_000_000))
    if micro == 1_000_000:
        whole, micro = whole + 1, 0
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{micro:06d}Z"


def change_dict(c: Change) -> dict[str, object]:
    event = c.trigger.as_dict()
    if c.lag is not None:
        event["lag_seconds"] = round(c.lag, 6)
    return {
        "timestamp": iso(c.timestamp),
        "change": c.change,
        "engine": c.engine,
        "event": event,
        "finding": finding_dict(c.finding),
    }


def render_json(c: Change) -> str:
    return json.dumps(change_dict(c), ensure_ascii=False) + "\n"


def render_text(c: Change, color: bool = False) -> str:
    """One line; every piece that comes from the engine goes through ``printable``."""
    f = c.finding
    loc = f.location
    # the location as audit prints it (engine/container), so one grep finds both (issue 29)
    where = printable(str(loc) if loc.engine or loc.container else c.engine)
    head = paint(f"{f.code} {str(f.severity):<7}", _STYLE[f.severity], color)
    word = paint("NEW     ", "bold", color) if c.change == "new" else paint("RESOLVED", "green", color)
    service = f" [{printable(f.service)}]" if f.service and f.service != loc.container else ""
    t = c.trigger
    actor = t.actor_name or t.actor_id[:12]
    why = f"{t.kind} {t.action}" + (f" {printable(actor)}" if actor else "")
    if c.lag is not None:
        why += f", {c.lag * 1000:.0f} ms after the event"
    return f"{iso(c.timestamp)} {word} {head} {where}{service}: {printable(f.message)} ({why})\n"
