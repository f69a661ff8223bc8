"""How ``bindguard COMMAND --help`` lays out its options: under headings, with placeholders
that name the thing (issue 29).

``audit --help`` listed some thirty options in one block with ``<str>`` for a
rule code, a CIDR and a file alike.  Typer groups options into panels only
when it draws help with rich, which bindguard turns off (plain text that
wraps and pipes well); :class:`GroupedCommand` gives the plain help the same
groups.  One table says under which heading each option goes and one which
placeholder it shows, for every command, so an option reads the same
everywhere; ``tests/test_reports.py`` fails for an option missing from
either table.
"""

from __future__ import annotations

from typing import Any

import typer.core

RULES = "Rule selection"
FILES = "Project files"
ENGINES = "Engines"
OUTPUT = "Output"
WATCH = "Watching"
FIX = "Fixing"
PROBE = "Probing"
# the order of the headings in every command's help
ORDER = (RULES, FILES, ENGINES, WATCH, FIX, PROBE, OUTPUT)

PANEL_OF = {
    "--select": RULES, "--ignore": RULES, "--allow": RULES, "--expect": RULES, "--fail-on": RULES,
    "--allow-stopped": RULES, "--default-host-ip": RULES,
    "--file": FILES, "--env-file": FILES, "--profile": FILES, "--exclude": FILES, "--include": FILES,
    "--sources": FILES,
    "--swarm": FILES, "--project-name": FILES, "--config": FILES, "--no-config": FILES,
    "--baseline": FILES, "--write-baseline": FILES, "--stdin-filename": FILES, "--jobs": FILES,
    "--host": ENGINES, "--context": ENGINES, "--all": ENGINES, "--timeout": ENGINES, "--no-drift": ENGINES,
    "--prove": ENGINES, "--engine": ENGINES,
    "--once-exposed": WATCH, "--exec": WATCH, "--exec-timeout": WATCH, "--metrics": WATCH,
    "--metrics-address": WATCH, "--metrics-allow-wildcard": WATCH, "--backoff-max": WATCH,
    "--diff": FIX, "--check": FIX, "--address": FIX, "--follow-symlinks": FIX,
    "--compose": PROBE, "--http": PROBE, "--free": PROBE, "--neighbour": PROBE, "--neighbour-net": PROBE,
    "--verbose": PROBE,
    "--output-format": OUTPUT, "--output": OUTPUT, "--statistics": OUTPUT, "--quiet": OUTPUT,
    "--color": OUTPUT, "--show-values": OUTPUT, "--metrics-file": OUTPUT, "--help": OUTPUT,
}

METAVAR_OF = {
    "--select": "CODE", "--ignore": "CODE", "--allow": "CIDR", "--expect": "SERVICE=IP:PORT",
    "--default-host-ip": "IP|engine",
    "--file": "FILE", "--env-file": "FILE", "--profile": "NAME", "--exclude": "PATTERN", "--include": "GLOB",
    "--sources": "KINDS",
    "--project-name": "NAME", "--config": "FILE", "--baseline": "FILE", "--write-baseline": "FILE",
    "--stdin-filename": "PATH", "--jobs": "N",
    "--host": "URL", "--context": "NAME", "--timeout": "SECONDS",
    "--exec": "COMMAND", "--exec-timeout": "SECONDS", "--metrics-address": "HOST:PORT", "--backoff-max": "SECONDS",
    "--address": "IP", "--compose": "FILE", "--neighbour-net": "CIDR",
    "--output": "FILE", "--metrics-file": "FILE",
}


def _long(param: Any) -> str:
    names = [o for o in getattr(param, "opts", ()) if o.startswith("--")]
    return names[0] if names else ""


class GroupedCommand(typer.core.TyperCommand):
    """A typer command whose plain-text help shows its options under :data:`ORDER`'s headings."""

    def format_options(self, ctx: Any, formatter: Any) -> None:
        arguments: list[tuple[str, str]] = []
        groups: dict[str, list[tuple[str, str]]] = {}
        for param in self.get_params(ctx):
            name = _long(param)
            if param.param_type_name == "option" and param.metavar is None and name in METAVAR_OF:
                param.metavar = METAVAR_OF[name]
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param.param_type_name == "argument":
                arguments.append(record)
            else:
                groups.setdefault(PANEL_OF.get(name, "Options"), []).append(record)
        if arguments:
            with formatter.section("Arguments"):
                formatter.write_dl(arguments)
        for title in (*ORDER, "Options"):
            if title in groups:
                with formatter.section(title):
                    formatter.write_dl(groups[title])
