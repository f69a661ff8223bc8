"""The ``bindguard`` commands for typer: options in, one library call, a report out.

No rule logic lives here.  Each command turns its options into library
settings, calls one function, renders the report and picks the exit code:
0 clean (or nothing at or above ``--fail-on``), 1 findings, 2 usage, config,
path, engine or internal failure.  Every failure is one line on stderr.

This module declares the options and help texts; what the commands share
without typer (``say``, ``guarded``, ``emit``, the exit code, and the whole
body of ``lint``) is in ``commands.py``.  The program is ``entry.main``: it
runs a plain ``bindguard lint ...`` without importing this module (typer is
most of a one-file lint's start-up, issue 8) and everything else through
:func:`run`.
"""

import copy
import enum
import sys
from pathlib import Path
from typing import NoReturn

import typer

from bindguard import __version__, commands
from bindguard.cli_help import GroupedCommand
from bindguard.cli_options import (
    ColorOpt,
    ConfigOptions,
    ContextsOpt,
    EngineTimeoutOpt,
    ExcludeOpt,
    FolderOptions,
    FormatOpt,
    HostsOpt,
    IncludeStoppedOpt,
    OutputOpt,
    PathsArg,
    ProjectOptions,
    ReportOptions,
    RuleOptions,
    ShowValuesOpt,
    flat_values,
    flatten,
)
from bindguard.commands import (
    FailOn,
    Format,
    emit,
    exit_code,
    fail,
    paths_or_default,
    say,
    use_color,
    warn_unrunnable,
    write_stdout,
)
from bindguard.model import Severity
from bindguard.output import ColorChoice

app = typer.Typer(
    name="bindguard",
    help="Prove every published Docker port listens on loopback; report, explain and fix the rest.",
    add_completion=True,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def guarded(fn) -> NoReturn:
    """Run a command body (``commands.guarded``: errors are one stderr line and 2) and exit with its code."""
    raise typer.Exit(commands.guarded(fn))


@app.command(cls=GroupedCommand)
@flatten
def lint(
    *,
    paths: list[str] | None = PathsArg,
    fmt: Format = FormatOpt,
    output: Path | None = OutputOpt,
    rules: RuleOptions,
    expect: list[str] | None = typer.Option(
        None, "--expect", help="SERVICE=IP:PORT the service must publish exactly (repeatable)."),
    project: ProjectOptions,
    folders: FolderOptions,
    jobs: int | None = typer.Option(None, "--jobs", "-j", help="Worker processes (default: automatic)."),
    config: ConfigOptions,
    baseline: Path | None = typer.Option(None, "--baseline", help="Report only findings not recorded in this baseline file."),
    write_baseline: Path | None = typer.Option(None, "--write-baseline", help="Record today's findings in this file and exit 0."),
    display: ReportOptions,
    stdin_filename: str | None = typer.Option(
        None, "--stdin-filename", help="With PATH -: the name to report and match config against."),
    default_host_ip: str | None = typer.Option(
        None, "--default-host-ip", help=
            "The engine's default host IP for entries without one (daemon.json ip), or 'engine' to ask it; "
            "default: Docker's, every interface."),
) -> None:
    """Check compose files: every published port must listen on loopback.

    PATH - reads one compose file from standard input.
    """
    # The parameters above (with their groups' fields, cli_options) are the one declaration of the
    # lint options: commands.lint takes them by name (so: locals(), the first statement), and entry's
    # fast path reads lint_options.py, generated from them by lint_options_gen;
    # tests/test_cli_fast_path.py checks both (issue 26).
    raise typer.Exit(commands.lint(**flat_values(locals())))


UNCUT = 100_000  # the ports table's width when stdout is not a terminal: wide enough for any path


class TextOrJson(str, enum.Enum):
    """Formats of the commands that are not rule reports (ports, probe)."""

    text = "text"
    json = "json"


@app.command(cls=GroupedCommand)
@flatten
def ports(
    *,
    paths: list[str] | None = PathsArg,
    fmt: TextOrJson = typer.Option(TextOrJson.text, "--output-format", "--format", help="Output format."),
    project: ProjectOptions,
    folders: FolderOptions,
    config: ConfigOptions,
    show_values: bool = ShowValuesOpt,
    color: ColorChoice = ColorOpt,
) -> None:
    """List every published port: where it listens and where it is written."""

    def body() -> int:
        from bindguard.lint import load_subjects
        from bindguard.ports_report import ports_json, ports_text

        settings, _ = config.merged(**project.settings(), **folders.settings(), show_values=show_values)
        subjects, problems = load_subjects(paths_or_default(paths, project.files), settings)
        if fmt is TextOrJson.json:
            write_stdout(ports_json(subjects, problems))
        else:
            from bindguard.output import terminal_width

            # piped or redirected: no width at all, so no location is ever cut (issue 29)
            write_stdout(ports_text(subjects, problems, color=use_color(color), width=terminal_width() or UNCUT))
        return 0

    guarded(body)


@app.command(cls=GroupedCommand)
@flatten
def audit(
    *,
    host: list[str] | None = HostsOpt,
    context: list[str] | None = ContextsOpt,
    include_stopped: bool = IncludeStoppedOpt,
    timeout: float = EngineTimeoutOpt,
    fmt: Format = FormatOpt,
    output: Path | None = OutputOpt,
    rules: RuleOptions,
    no_drift: bool = typer.Option(
        False, "--no-drift", help="Do not compare compose-labelled containers with their files (BG010)."),
    prove: bool = typer.Option(
        False, "--prove", help="Probe every published port from a throwaway neighbour host (root, Linux; BG015)."),
    config: ConfigOptions,
    # issue 21: confirm one project (or --expect) on the engine; engine/confirm.py
    paths: list[str] | None = typer.Argument(
        None, help="Compose project files or folders to confirm on the engine (default: the whole engine)."),
    project: ProjectOptions,
    project_name: str | None = typer.Option(
        None, "--project-name", "-p", help="Compose project name (default: as docker compose finds it)."),
    expect: list[str] | None = typer.Option(
        None, "--expect", help=
            "SERVICE=IP:PORT a running container (compose service or container name) must publish (repeatable)."),
    allow_stopped: bool = typer.Option(
        False, "--allow-stopped", help="A project service without a running container is an info, not a warning."),
    metrics_file: Path | None = typer.Option(
        None, "--metrics-file", help=
            "Also write Prometheus metrics to this file (node-exporter textfile collector), atomically."),
    display: ReportOptions,
) -> None:
    """Check the running Docker engine(s) with the same rules, and drift from compose files.

    With PATHS (or -f, -p) or --expect: confirm each service of that compose
    project on the engine (confirmed, drift, not running); exit 0 only when
    every selected service is confirmed.
    """

    def body() -> int:
        from bindguard.engine.audit import AuditSettings
        from bindguard.engine.audit import audit as run_audit
        from bindguard.engine.client import resolve_targets

        if timeout <= 0:
            raise fail("--timeout must be above 0")
        confirm_settings, confirm_level = config.merged(
            **rules.settings(), **project.settings(), expect=expect, show_values=display.show_values,
        )
        if paths or project.files or project_name or confirm_settings.selection.options.expect:
            from bindguard.engine.confirm import ConfirmSettings, confirm

            whole_engine = [name for name, given in (("--all", include_stopped), ("--no-drift", no_drift),
                            ("--prove", prove), ("--metrics-file", metrics_file is not None)) if given]
            if whole_engine:
                raise fail(f"{', '.join(whole_engine)} {'is' if len(whole_engine) == 1 else 'are'} for an audit "
                           "of the whole engine, not with PATHS, -f, -p or --expect")
            warn_unrunnable(confirm_settings.selection, "audit", rules.select)
            outcome = confirm(
                resolve_targets(list(host or ()), list(context or ())),
                ConfirmSettings(
                    paths=tuple(paths or (() if project.files or not project_name else (".",))),
                    lint=confirm_settings, project_name=project_name,
                    allow_stopped=allow_stopped, timeout=timeout,
                ),
            )
            emit(outcome.report, fmt, output, display.look(), None, confirm_settings.docs_url, confirm_settings.weakened)
            if confirm_level == FailOn.never.value:
                return 0
            return outcome.exit_code(exit_code(outcome.report, FailOn(confirm_level)))
        settings, level = config.merged(**rules.settings())
        warn_unrunnable(settings.selection, "audit", rules.select)
        targets = resolve_targets(list(host or ()), list(context or ()))
        from bindguard.progress import Progress

        line = Progress("engines", len(targets))  # a terminal's stderr only, after 1.5 s (issue 29)
        try:
            report, results = run_audit(
                AuditSettings(
                    targets=tuple(targets),
                    include_stopped=include_stopped,
                    timeout=timeout,
                    selection=settings.selection,
                    drift=not no_drift,
                    show_values=display.show_values,
                    note=say,
                    prove=_prover(prove),
                ),
                lambda result: line.step(),
            )
        finally:
            line.close()
        if metrics_file is not None:
            from bindguard.metrics import write_audit_metrics

            write_audit_metrics(str(metrics_file), results)
        errors = [r.error for r in results if r.error is not None]
        if errors and len(errors) == len(results):
            for e in errors[:-1]:
                say(str(e))
            raise errors[-1]
        emit(report, fmt, output, display.look(), None, settings.docs_url, settings.weakened)
        for e in errors:
            say(str(e))
        return 2 if errors else exit_code(report, FailOn(level))

    guarded(body)


def _prover(prove: bool):
    """audit --prove: the neighbour hook, or a one-line refusal before the audit starts."""
    if not prove:
        return None
    from bindguard.probe.netns import refusal
    from bindguard.probe.proof import make_prover

    why = refusal()
    if why:
        raise fail(why.replace("probe --neighbour", "audit --prove"))
    return make_prover(timeout=0.5)


@app.command(cls=GroupedCommand)
@flatten
def watch(
    *,
    host: list[str] | None = HostsOpt,
    context: list[str] | None = ContextsOpt,
    include_stopped: bool = IncludeStoppedOpt,
    timeout: float = EngineTimeoutOpt,
    fmt: TextOrJson = typer.Option(
        TextOrJson.text, "--output-format", "--format", help="text lines, or json: one JSON object per line."),
    rules: RuleOptions,
    no_drift: bool = typer.Option(
        False, "--no-drift", help="Do not compare compose-labelled containers with their files (BG010)."),
    once_exposed: bool = typer.Option(False, "--once-exposed", help="Exit 1 at the first finding at or above --fail-on."),
    exec_cmd: str | None = typer.Option(
        None, "--exec", help="Command (split into words, no shell) run per new finding, the finding as JSON on stdin."),
    exec_timeout: float = typer.Option(10.0, "--exec-timeout", help="Seconds before an --exec command is killed."),
    metrics: bool = typer.Option(False, "--metrics", help="Serve Prometheus metrics on 127.0.0.1:9477."),
    metrics_address: str | None = typer.Option(
        None, "--metrics-address", help="Serve Prometheus metrics on HOST:PORT (implies --metrics)."),
    metrics_allow_wildcard: bool = typer.Option(
        False, "--metrics-allow-wildcard", help="Allow --metrics-address on 0.0.0.0 or ::."),
    backoff_max: float = typer.Option(30.0, "--backoff-max", help="Longest wait in seconds between reconnection attempts."),
    config: ConfigOptions,
    quiet: int = typer.Option(
        0, "--quiet", "-q", count=True, show_default=False,
        help="Changes only, no status lines; twice: nothing (exit code, --exec and metrics only)."),
    color: ColorChoice = ColorOpt,
) -> None:
    """Audit the engine(s), then report new and resolved findings as containers and networks change.

    Runs until SIGINT or SIGTERM (exit 0); with --once-exposed, exits 1 at the first exposure.
    """

    def body() -> int:
        from bindguard.engine.audit import AuditSettings
        from bindguard.engine.client import resolve_targets
        from bindguard.engine.guard import GuardOptions, guard
        from bindguard.engine.watch import WatchSettings

        if timeout <= 0 or exec_timeout <= 0 or backoff_max <= 0:
            raise fail("--timeout, --exec-timeout and --backoff-max must be above 0")
        settings, level = config.merged(**rules.settings())
        if settings.weakened is not None:  # watch has no summary: say it once, at the start
            say(settings.weakened.sentence())
        address = None
        if metrics or metrics_address is not None:
            from bindguard.metrics import DEFAULT_ADDRESS, parse_address

            address = parse_address(metrics_address or DEFAULT_ADDRESS, metrics_allow_wildcard)
        argv: tuple = ()
        if exec_cmd is not None:
            from bindguard.hooks import parse_command

            argv = tuple(parse_command(exec_cmd))
        audit_settings = AuditSettings(
            targets=tuple(resolve_targets(list(host or ()), list(context or ()))),
            include_stopped=include_stopped, timeout=timeout, selection=settings.selection,
            drift=not no_drift,
        )
        threshold = None
        if once_exposed:
            threshold = Severity.parse(level) if level != "never" else Severity.ERROR
        return guard(
            GuardOptions(
                WatchSettings(audit_settings, backoff_start=min(0.5, backoff_max), backoff_max=backoff_max),
                json=fmt is TextOrJson.json, color=fmt is TextOrJson.text and use_color(color),
                once_exposed=threshold, exec_argv=argv, exec_timeout=exec_timeout,
                metrics_address=address,
            ),
            write_stdout if quiet < 2 else (lambda text: None),
            # status lines carry engine text (errors, names): escaped, as every stderr line
            say if quiet < 1 else (lambda text: None),
        )

    guarded(body)


@app.command(cls=GroupedCommand)
@flatten
def fix(
    *,
    paths: list[str] | None = PathsArg,
    diff: bool = typer.Option(False, "--diff", help="Print a unified diff and change nothing."),
    check: bool = typer.Option(False, "--check", help="Change nothing; exit 1 if anything would change."),
    address: str = typer.Option("127.0.0.1", "--address", help="Loopback address to bind: 127.0.0.1 or ::1."),
    select: list[str] | None = typer.Option(None, "--select", help="Only fix these rule codes."),
    ignore: list[str] | None = typer.Option(None, "--ignore", help="Do not fix these rule codes."),
    follow_symlinks: bool = typer.Option(
        False, "--follow-symlinks", help="Also write files that symlinks lead to outside the given paths."
    ),
    project: ProjectOptions,
    exclude: list[str] | None = ExcludeOpt,
    config: ConfigOptions,
) -> None:
    """Rewrite compose files so ports bind on loopback, changing only those bytes.

    Exit 0 when nothing is left to fix, 1 when entries remain for manual review,
    2 when a file cannot be written safely.  With --check or --diff: 1 when
    anything would change, else 0.
    """

    def body() -> int:
        from bindguard.fix import apply, plan_fixes, render_diff
        from bindguard.fix.summary import summary_text
        from bindguard.settings import parse_codes

        settings, _ = config.merged(**project.settings(), exclude=exclude)
        plan = plan_fixes(
            paths_or_default(paths, project.files), settings, address=address,
            select=sorted(parse_codes(select or ())) or None,
            ignore=sorted(parse_codes(ignore or ())) or None,
            follow_symlinks=follow_symlinks,
        )
        dry = diff or check
        if diff:
            write_stdout(render_diff(plan))
        result = None if dry else apply(plan)
        typer.echo(summary_text(plan, result, dry).rstrip("\n"), err=diff)
        if plan.errors or (result is not None and result.errors):
            return 2
        if dry:
            return 1 if plan.changed else 0
        return 1 if plan.blocking else 0

    guarded(body)


@app.command(cls=GroupedCommand)
def probe(
    targets: list[str] | None = typer.Argument(None, help="PORT, IP:PORT or [IPv6]:PORT, optionally /udp (repeatable)."),
    compose: list[str] | None = typer.Option(
        None, "--compose", help="Probe every host port these compose files or folders publish."),
    engine: bool = typer.Option(False, "--engine", help="Probe every host port the running containers publish."),
    host: str | None = typer.Option(None, "--host", "-H", help="Engine URL for --engine and for naming containers."),
    http: bool = typer.Option(False, "--http", help="Send HEAD / and report the status line."),
    free: bool = typer.Option(False, "--free", help="Could a service bind 127.0.0.1:PORT now? Who holds it?"),
    timeout: float = typer.Option(0.5, "--timeout", help="Seconds for each connect and HTTP answer."),
    fmt: TextOrJson = typer.Option(TextOrJson.text, "--output-format", "--format", help="Output format."),
    neighbour: bool = typer.Option(
        False, "--neighbour", help="Connect from a throwaway neighbour host (network namespace + veth; root, Linux)."),
    neighbour_net: str | None = typer.Option(
        None, "--neighbour-net", help="IPv4 /30 for the neighbour's link (default: a free one in 198.18.0.0/15)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List every address that refused, not just how many."),
    color: ColorChoice = ColorOpt,
) -> None:
    """What really listens on a port of this host, who owns it, and who can reach it.

    Exit 0 when every probed port is loopback-only or not listening, 1 when one
    listens on all interfaces or a specific non-loopback address, 2 on errors.
    With --neighbour: 1 when a port answers the neighbour (directly or through
    loopback routed to this host), else 0.
    """

    def body() -> int:
        from bindguard.probe import parse_target, render_json, render_text
        from bindguard.probe import probe as run_probe
        from bindguard.probe.results import ProbeVerdict
        from bindguard.probe.sources import engine_bindings, lazy_engine_lookup, targets_from_bindings

        if timeout <= 0:
            raise fail("--timeout must be above 0")
        try:
            wanted = [parse_target(t) for t in targets or ()]
        except ValueError as exc:
            raise fail(f"bad target: {exc}") from None
        lookup = None
        if compose:
            from bindguard.lint import LintSettings, load_subjects

            subjects, _ = load_subjects(list(compose), LintSettings())
            wanted += targets_from_bindings(b for s in subjects for b in s.bindings)
        if engine:
            found, lookup = engine_bindings(host, max(timeout, 2.0))
            wanted += targets_from_bindings(found)
            if lookup.host_network:  # type: ignore[attr-defined]
                from bindguard.probe.hostnet import host_network_targets
                from bindguard.probe.system import import_psutil, socket_table

                rows, _ = socket_table(import_psutil())
                wanted += host_network_targets(rows, lookup.host_network)  # type: ignore[attr-defined]
        else:
            # names containers behind docker-proxy if an engine answers; else none
            lookup = lazy_engine_lookup(host, max(timeout, 2.0))
        if not wanted:
            raise fail("nothing to probe: give PORT or IP:PORT, --compose PATH or --engine")
        wanted = list(dict.fromkeys(wanted))
        if neighbour or neighbour_net:
            from bindguard.probe.neighbour import probe_targets
            from bindguard.probe.neighbour_render import render_neighbour_json, render_neighbour_text

            if http or free:
                raise fail("--neighbour only connects: it cannot be combined with --http or --free")
            from bindguard.progress import Progress

            line = Progress("connections", 0)  # many ports: a terminal's stderr only, after 1.5 s
            try:
                seen = probe_targets(wanted, timeout, neighbour_net, lookup, line.update)
            finally:
                line.close()
            rendered = (render_neighbour_json(seen) if fmt is TextOrJson.json
                        else render_neighbour_text(seen, color=use_color(color)))
            write_stdout(rendered)
            return 1 if any(p.verdict.answers for p in seen.ports) else 0
        results = run_probe(wanted, http=http, free=free, timeout=timeout, container_lookup=lookup)
        if fmt is TextOrJson.json:
            write_stdout(render_json(results))
        else:
            from bindguard.output import terminal_width

            write_stdout(render_text(
                results, color=use_color(color), verbose=verbose, summary_last=engine or bool(compose),
                width=terminal_width(),
            ))
        exposed = {ProbeVerdict.ALL_INTERFACES, ProbeVerdict.SPECIFIC}
        return 1 if any(r.verdict in exposed for r in results) else 0

    guarded(body)


@app.command(cls=GroupedCommand)
def rules(code: str | None = typer.Argument(None, help="A rule code (BG001) or prefix (BG01).")) -> None:
    """List every rule, or print one rule's documentation."""

    def body() -> int:
        from bindguard.output import terminal_width
        from bindguard.rules import RULES
        from bindguard.rules_table import rules_table
        from bindguard.suggest import expand_code

        chosen = expand_code(code) if code else tuple(RULES)
        if code and chosen == (code.strip().upper(),):
            write_stdout(RULES[chosen[0]].doc.strip() + "\n")
            return 0
        write_stdout(rules_table([RULES[c] for c in chosen], terminal_width()))
        return 0

    guarded(body)


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"bindguard {__version__}")
        raise typer.Exit(0)


@app.callback()
def root(
    version: bool = typer.Option(False, "--version", "-V", callback=version_callback, is_eager=True, help="Show the version."),
) -> None:
    """bindguard: where will this published port actually listen?"""


def _command_app(argv: list[str]) -> typer.Typer:
    """The app with only the command ``argv`` names, when it names one.

    Why: typer builds a click command, with every option, for each registered
    command on every run; that is 6 ms for all of them against 1.5 ms for the
    one that runs, and ``bindguard lint one-file.yaml`` has about 50 ms to
    spend in all (issue 8).  Help, ``--version``, shell completion and unknown
    commands get the whole app, so nothing a user can see changes.
    """
    name = argv[0] if argv else ""
    chosen = [c for c in app.registered_commands if (c.name or getattr(c.callback, "__name__", "")) == name]
    if len(chosen) != 1:
        return app
    lean = copy.copy(app)
    lean.registered_commands = chosen
    # --install-completion/--show-completion belong to the bare `bindguard`, and a
    # shell asking for completions runs `bindguard` with no arguments: the whole app.
    lean._add_completion = False
    return lean


def run() -> None:
    """The typer app on ``sys.argv``: what ``bindguard`` runs when ``entry.lint_params`` declines."""
    _command_app(sys.argv[1:])(prog_name="bindguard")
