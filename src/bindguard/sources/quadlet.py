"""Podman Quadlet units: ``*.container`` and ``*.pod`` (systemd unit syntax).

``PublishPort=[[ip:][hostPort]:]containerPort[/protocol]`` in a
``[Container]`` or ``[Pod]`` section publishes a port; podman-systemd.unit(5):
"If host IP is set to 0.0.0.0 or not set at all, the port is bound on all
IPs on the host", so an entry without an address is every interface.  The
entry is the ``--publish`` syntax, read by :mod:`bindguard.ports`.
``Network=host`` puts the container on the host network (BG004).  The file
is read as systemd reads unit files: ``#``/``;`` comments, ``[Section]``
headers, ``Key=Value`` lines, a trailing backslash continues a line, and a
line that is none of these is a BG000 at its line.
"""

from __future__ import annotations

import os

from bindguard.model import Binding, HostDefault, Location, Problem, Service
from bindguard.sources.common import INVALID_FILE, collect, host_aware, read_text, short_binding, subject

SOURCE = "quadlet"
DEFAULT = HostDefault(origin="Podman binds a PublishPort= without a host IP on all IPs")
_SECTIONS = ("Container", "Pod")


class Line:
    """One logical ``Key=Value`` line: where its value starts and what it holds."""

    __slots__ = ("key", "parts", "line", "column", "section", "start")

    def __init__(self, key: str, value: str, line: int, column: int, section: str, start: int) -> None:
        self.key, self.parts, self.line, self.column = key, [value], line, column
        self.section, self.start = section, start

    @property
    def value(self) -> str:
        return " ".join(self.parts)


def unit_lines(text: str) -> tuple[list[Line], list[tuple[int, str]]]:
    """(assignments, (line, message) of lines that are not unit syntax); one pass over the text."""
    lines: list[Line] = []
    errors: list[tuple[int, str]] = []
    section = ""
    pending: Line | None = None
    offset = 0
    for number, raw in enumerate(text.split("\n"), 1):
        start, offset = offset, offset + len(raw) + 1
        line = raw.rstrip("\r")
        if pending is not None:
            if line.lstrip().startswith(("#", ";")):
                continue  # systemd skips comment lines inside a continuation
            if line.endswith("\\"):
                pending.parts.append(line[:-1].strip())
                continue
            pending.parts.append(line.strip())
            lines.append(pending)
            pending = None
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", ";")):
            continue
        if stripped.startswith("["):
            if not stripped.endswith("]"):
                errors.append((number, "a section header must end with ']'"))
                continue
            section = stripped[1:-1]
            continue
        key, eq, value = line.partition("=")
        if not eq or not key.strip():
            errors.append((number, "not a Key=Value line, a [Section] header or a comment"))
            continue
        value_at = len(key) + 1 + (len(value) - len(value.lstrip()))
        value = value.strip()
        continued = value.endswith("\\")
        item = Line(key.strip(), value[:-1].rstrip() if continued else value, number, value_at + 1, section,
                    start + value_at)
        if continued:
            pending = item
            continue
        lines.append(item)
    if pending is not None:
        lines.append(pending)
    return lines, errors


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def read(path: str):
    text, problem = read_text(path, SOURCE)
    if problem is not None or text is None:
        return subject(path, [], [problem] if problem else []), ""
    lines, errors = unit_lines(text)
    template = " (the file looks like a template, which systemd cannot read as is)" if "{{" in text else ""
    problems = [
        Problem(INVALID_FILE, f"invalid unit file line: {why}{template}",
                Location(file=path, line=n, column=1, source=SOURCE))
        for n, why in errors
    ]
    name = os.path.basename(path)
    bindings: list[Binding] = []
    network = network_at = None
    first: Location | None = None
    for item in lines:
        if item.section not in _SECTIONS:
            continue
        where = Location(file=path, line=item.line, column=item.column, source=SOURCE)
        if first is None:
            first = Location(file=path, line=item.line, column=1, source=SOURCE)
        if item.key == "PublishPort":
            collect(short_binding(_unquote(item.value), name, where, DEFAULT, "PublishPort="), bindings, problems)
        elif item.key == "Network" and _unquote(item.value).split(":")[0] == "host":
            network, network_at = "host", where
    services = []
    if first is not None:
        services.append(host_aware(Service(name, first, network, network_at, tuple(bindings))))
    return subject(path, services, problems), text
