"""Options several commands take, each declared once, and the groups they come in.

typer reads a command's options from its signature and has no option groups,
so ``lint``, ``ports``, ``audit``, ``watch`` and ``fix`` each repeated the same
parameter lines (issue 26), and an option added to one group of commands had
to be added to each by hand.  A group here is a NamedTuple whose fields are
declared like a command's parameters (annotation and typer option); a
command takes the group as one parameter, and :func:`flatten` (clap's
``#[command(flatten)]``, which ruff uses for the same job) shows typer the
group's fields in that parameter's place, then hands the command the group.
The help's order and headings (``cli_help``) are what they were.
"""

import functools
import inspect
import typing
from pathlib import Path
from typing import Any, NamedTuple

import typer

from bindguard.commands import FailOn, Format, merged_settings
from bindguard.output import ColorChoice


def _many(*words: str, help: str) -> Any:
    """A repeatable option: a list, or None when it is not given (what commands.lint expects)."""
    return typer.Option(None, *words, help=help)


def _flag(word: str, help: str) -> Any:
    """An on/off option, off unless given."""
    return typer.Option(False, word, help=help)


PathsArg = typer.Argument(None, help="Compose files or folders (searched recursively). Default: .")
FormatOpt = typer.Option(
    Format.concise, "--output-format", "--format",
    help="concise: one grep-able line per finding (text is the same); full: with source line, caret, fix and docs URL; "
    "or a CI format.",
)
OutputOpt = typer.Option(None, "--output", "-o", help="Write the --output-format report to this file; text goes to the terminal.")
ColorOpt = typer.Option("auto", "--color", help="auto (NO_COLOR, FORCE_COLOR, then: is stdout a terminal), always or never.")
ShowValuesOpt = _flag("--show-values", help="Print values taken from the environment and env files (hidden by default).")
ExcludeOpt = _many("--exclude", help="Glob of paths to skip (repeatable).")
# engine selection, shared by audit and watch
HostsOpt = _many("--host", "-H", help="Engine URL, e.g. unix:///var/run/docker.sock or tcp://host:2376 (repeatable).")
ContextsOpt = _many("--context", "-c", help="Docker CLI context name (repeatable).")
IncludeStoppedOpt = typer.Option(False, "--all", "-a", help="Include stopped containers (their bindings on next start).")
EngineTimeoutOpt = typer.Option(5.0, "--timeout", help="Seconds to wait for each engine answer.")


class RuleOptions(NamedTuple):
    """Which rules run and what fails the run (lint, audit, watch)."""

    fail_on: FailOn | None = typer.Option(
        None, "--fail-on", help="Lowest severity that makes the exit code 1.  [default: warning]")
    allow: list[str] | None = _many("--allow", help="CIDR whose addresses BG003 accepts (repeatable).")
    select: list[str] | None = _many("--select", help="Only these rule codes (comma-separated or repeated).")
    ignore: list[str] | None = _many("--ignore", help="Skip these rule codes (comma-separated or repeated).")

    def settings(self) -> dict[str, Any]:
        """As ``commands.merged_settings`` takes them."""
        return {"select": self.select, "ignore": self.ignore, "allow": self.allow,
                "fail_on": self.fail_on.value if self.fail_on else None}


class ProjectOptions(NamedTuple):
    """One compose project's files, environment and profiles (lint, ports, audit PATHS, fix)."""

    files: list[str] | None = _many("--file", "-f", help="A compose file of one project, in merge order (repeatable).")
    env_file: list[str] | None = _many(
        "--env-file", help="Variables for interpolation (repeatable; replaces the project's .env).")
    profile: list[str] | None = _many(
        "--profile", help="Only services docker compose --profile NAME would start (repeatable).")

    def settings(self) -> dict[str, Any]:
        return {"compose_files": self.files, "env_files": self.env_file, "profiles": self.profile}


class FolderOptions(NamedTuple):
    """What a folder walk reads, and how (lint, ports)."""

    exclude: list[str] | None = ExcludeOpt
    include: list[str] | None = _many(
        "--include", help="Glob of other file names to read as compose files in folders (repeatable).")
    sources: list[str] | None = _many(
        "--sources", help="Kinds of file to read in folders: compose,shell,workflows,devcontainer,quadlet,kind,pods "
        "or all (comma-separated or repeated; default: all).")
    swarm: bool = _flag("--swarm", help="Files are for docker stack deploy: host_ip is ignored by the routing mesh.")

    def settings(self) -> dict[str, Any]:
        return {"exclude": self.exclude, "include": self.include, "sources": self.sources, "swarm": self.swarm}


class ConfigOptions(NamedTuple):
    """Which config file (every command that reads one)."""

    config_file: Path | None = typer.Option(
        None, "--config", help="Config file (default: nearest .bindguard.toml or pyproject.toml [tool.bindguard]).")
    no_config: bool = _flag("--no-config", help="Ignore every config file.")

    def merged(self, **cli: Any) -> tuple[Any, str]:
        """The run's lint settings and ``--fail-on`` level (``commands.merged_settings``)."""
        return merged_settings(self.config_file, self.no_config, **cli)


class ReportOptions(NamedTuple):
    """How a rule report is shown (lint, audit)."""

    show_values: bool = ShowValuesOpt
    statistics: bool = _flag("--statistics", help="Count findings per rule instead of listing them.")
    quiet: int = typer.Option(
        0, "--quiet", "-q", count=True, show_default=False,
        help="Findings only, no summary; twice: nothing, only the exit code.")
    color: ColorChoice = ColorOpt

    def look(self) -> tuple[ColorChoice, int, bool]:
        """As ``commands.emit`` takes it."""
        return self.color, self.quiet, self.statistics


GROUPS = (RuleOptions, ProjectOptions, FolderOptions, ConfigOptions, ReportOptions)


def flatten(command):
    """``command`` as typer must see it: each group parameter replaced, in place, by the group's fields.

    The wrapper typer calls gathers those fields back into the group; a
    field name must not be taken twice in one command.
    """
    signature = inspect.signature(command)
    hints = typing.get_type_hints(command)
    shown: list[inspect.Parameter] = []
    annotations: dict[str, Any] = {}
    groups: dict[str, Any] = {}
    for param in signature.parameters.values():
        group = hints.get(param.name)
        if group in GROUPS:
            groups[param.name] = group
            fields = typing.get_type_hints(group)
            for name in group._fields:
                shown.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY,
                                               default=group._field_defaults[name], annotation=fields[name]))
                annotations[name] = fields[name]
        else:
            shown.append(param.replace(kind=inspect.Parameter.KEYWORD_ONLY))
            if param.name in hints:
                annotations[param.name] = hints[param.name]
    names = [p.name for p in shown]
    if len(names) != len(set(names)):
        raise ValueError(f"{command.__name__}: an option is declared twice: {sorted({n for n in names if names.count(n) > 1})}")

    @functools.wraps(command)
    def flat(**given: Any) -> Any:
        for name, group in groups.items():
            given[name] = group(**{field: given.pop(field) for field in group._fields})
        return command(**given)

    flat.__signature__ = signature.replace(parameters=shown)  # type: ignore[attr-defined]
    flat.__annotations__ = {**annotations, "return": hints.get("return")}
    del flat.__wrapped__  # typer, inspect and get_type_hints read the flat signature, not the command's
    return flat


def flat_values(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` (a command's locals) with each group replaced by its fields, as typer passed them."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, GROUPS):
            out.update(value._asdict())
        else:
            out[name] = value
    return out
