"""What a command does once its options are parsed, without typer.

``cli.py`` declares the commands for typer (options, help texts) and calls
in here; ``entry.py`` calls :func:`lint` directly when it can read a
``bindguard lint ...`` command line itself, so a one-file lint never imports
typer or click (issue 8).  Both hand :func:`lint` the same Python values, so
this module is the one place the lint command's behaviour lives.

The exit codes: 0 clean (or nothing at or above ``--fail-on``), 1 findings,
2 usage, config, path, engine or internal failure.  Every failure is one
line on stderr (:func:`say`).

No typer here, and no module the lint path does not need at import time:
``tests/test_startup.py`` checks that in a fresh process.
"""

from __future__ import annotations

import enum
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bindguard.errors import BindguardError

if TYPE_CHECKING:
    from pathlib import Path

    from bindguard.output import ColorChoice


class Format(str, enum.Enum):
    """``--output-format`` (alias ``--format``): ``text`` is ``concise``."""

    concise = "concise"
    full = "full"
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"
    junit = "junit"
    gitlab = "gitlab"


class FailOn(str, enum.Enum):
    info = "info"
    warning = "warning"
    error = "error"
    never = "never"


class Exit(Exception):
    """Ends a command body with ``code``; what to say was said already (see :func:`fail`)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def say(message: str) -> None:
    """One ``bindguard: ...`` line on stderr, control characters escaped.

    Messages carry paths and engine text (errors, names); a newline in a file
    name must not start a line a CI log reads as a command, and an engine's
    ``\\x1b]...`` must not drive the terminal (issue 14).

    The line is written the way ``typer.echo(..., err=True)`` (click's echo)
    wrote it before this module existed, so the bytes stay the same on both
    paths: flushed at once, and on a stderr that click calls misconfigured
    (ASCII, or no encoding or errors set) as UTF-8 with ``errors="replace"``,
    which is how click re-wraps such a stream.  Escape codes need no
    stripping: ``printable`` escapes ESC.
    """
    from bindguard.ansi import printable

    stream = sys.stderr
    if stream is None:  # pythonw: no stream to write to
        return
    line = printable(f"bindguard: {message}") + "\n"
    encoding, errors = getattr(stream, "encoding", None), getattr(stream, "errors", None)
    buffer = getattr(stream, "buffer", None)
    if buffer is not None and (encoding is None or errors is None or _is_ascii(encoding)):
        stream.flush()
        buffer.write(line.encode("utf-8", "replace"))
        buffer.flush()
        return
    stream.write(line)
    stream.flush()


def _is_ascii(encoding: str) -> bool:
    import codecs

    try:
        return codecs.lookup(encoding).name == "ascii"
    except LookupError:
        return False


def fail(message: str) -> Exit:
    """Say ``message``; the returned :class:`Exit` (to raise) ends the command with 2."""
    say(message)
    return Exit(2)


def guarded(fn: Callable[[], int]) -> int:
    """Run a command body and return its exit code; errors become one stderr line and 2."""
    try:
        return fn()
    except Exit as exc:
        return exc.code
    except BindguardError as exc:
        say(str(exc))
    except KeyboardInterrupt:
        say("interrupted")
    except Exception as exc:  # noqa: BLE001 - the promise is: never a traceback
        if os.environ.get("BINDGUARD_DEBUG"):
            raise
        say(f"internal error: {type(exc).__name__}: {exc}")
    return 2


def use_color(choice: str = "auto") -> bool:
    from bindguard.output import use_color as decide

    return decide(getattr(choice, "value", choice))


def emit(report, fmt: Format, output: Path | None, look=None, texts=None, docs_url=None, weakened=None) -> None:
    """Print the report (``concise``/``full`` text when ``--output`` takes the chosen format).

    ``look`` is (``--color``, ``-q`` count, ``--statistics``); ``texts`` the
    files held in memory (standard input) for ``full``'s source lines;
    ``weakened`` how the config file turned the gate down (every format says it).
    """
    from bindguard.output import View, render, terminal_width
    from bindguard.reporters.base import with_docs_url

    color, quiet, statistics = look or ("auto", 0, False)
    shown = Format.concise if output is not None and fmt is not Format.full else fmt
    if statistics and shown.value not in ("concise", "full", "text", "json"):
        # never silently ignored (issue 29): counts are text or JSON
        raise fail(f"--statistics prints counts as text or json, not --output-format {fmt.value}")
    report = with_docs_url(report, docs_url)
    if weakened is not None:
        report = report._replace(weakened=weakened)
    base = os.getcwd()
    if output is not None:
        # only here: atomic imports tempfile (shutil, random, bz2, lzma), 3 ms of a run without --output
        from bindguard.atomic import write_atomic

        text = render(report, View(fmt.value, base=base), texts)
        try:
            write_atomic(str(output), text)
        except OSError as exc:
            raise fail(f"{output}: cannot write report: {exc.strerror}") from None
        fmt = Format.full if fmt is Format.full else Format.concise
    view = View(fmt.value, use_color(color), terminal_width(), quiet, statistics, base)
    if fmt.value not in ("concise", "full", "text"):
        view = view._replace(color=False, quiet=min(quiet, 2) if quiet >= 2 else 0)
    write_stdout(render(report, view, texts))
    if weakened is not None and view.quiet:
        # -q drops the summary the warning follows: a weakened gate is still said (stderr)
        from bindguard.reporters.base import display_path

        say(f"warning: {weakened._replace(config=display_path(weakened.config, base)).sentence()}")


def write_stdout(text: str) -> None:
    data = text.encode(sys.stdout.encoding or "utf-8", errors="backslashreplace")
    sys.stdout.buffer.write(data) if hasattr(sys.stdout, "buffer") else sys.stdout.write(text)
    sys.stdout.flush()


def exit_code(report, fail_on: FailOn) -> int:
    from bindguard.model import Severity

    if fail_on is FailOn.never:
        return 0
    threshold = Severity.parse(fail_on.value)
    return 1 if any(f.severity >= threshold for f in report.findings) else 0


def paths_or_default(paths: list[str] | None, files) -> list[str]:
    """The PATHS to read: as given, else none with ``-f``, else the current folder."""
    if paths:
        return list(paths)
    return [] if files else ["."]


def merged_settings(config_file, no_config, **cli):
    """The run's lint settings and ``--fail-on`` level: the command line over the config file."""
    from bindguard.config import load_config
    from bindguard.settings import CliOptions, lint_settings

    config = load_config(str(config_file) if config_file else None, no_config)
    given: dict[str, Any] = {k: (tuple(v) if isinstance(v, list) else v) for k, v in cli.items() if v is not None}
    options = CliOptions(**given)
    return lint_settings(options, config)


def warn_unrunnable(selection, command: str, select) -> None:
    """A warning per ``--select`` code this command cannot run; exit 2 if none can run."""
    from bindguard.runner import runnable
    from bindguard.suggest import named_codes

    for warning in runnable(selection, command, named_codes(select or ())):
        say(str(warning))


def lint(
    *,
    paths: list[str] | None,
    fmt: Format,
    output: Path | None,
    fail_on: FailOn | None,
    allow: list[str] | None,
    select: list[str] | None,
    ignore: list[str] | None,
    expect: list[str] | None,
    files: list[str] | None,
    env_file: list[str] | None,
    profile: list[str] | None,
    exclude: list[str] | None,
    include: list[str] | None,
    sources: list[str] | None,
    swarm: bool,
    jobs: int | None,
    config_file: Path | None,
    no_config: bool,
    baseline: Path | None,
    write_baseline: Path | None,
    show_values: bool,
    statistics: bool,
    quiet: int,
    color: ColorChoice,
    stdin_filename: str | None,
    default_host_ip: str | None,
) -> int:
    """``bindguard lint``: check compose files and return the exit code.

    The parameters are the values typer passes to ``cli.lint`` (lists are
    None when the option is not given, Paths, enum members, ``-q`` counted);
    ``entry.lint_params`` builds the same values without typer.
    """

    def body() -> int:
        from bindguard.lint import lint as run_lint

        known: frozenset[str] = frozenset()
        if baseline is not None:
            from bindguard.baseline import read_baseline

            known = read_baseline(str(baseline))
        settings, level = merged_settings(
            config_file, no_config, select=select, ignore=ignore, allow=allow, expect=expect,
            compose_files=files, env_files=env_file, profiles=profile, exclude=exclude,
            include=include, swarm=swarm, jobs=jobs, fail_on=fail_on.value if fail_on else None, baseline=known,
            show_values=show_values, default_host_ip=default_host_ip, sources=sources,
        )
        warn_unrunnable(settings.selection, "lint", select)
        # Every format shows the hint or marks what fix rewrites ([*] and the fixable count in
        # concise lines, issue 29: bounded, lint.MARK_FILES); -q -q shows nothing on the terminal,
        # but a report written with --output still shows what its format shows; a baseline
        # records no hint.
        from bindguard.lint import MARK

        shown = output is not None or quiet < 2
        concise = fmt in (Format.concise, Format.text)
        settings = settings._replace(
            hints=False if not shown or write_baseline is not None else (MARK if concise else True))
        stdin = None
        if paths == ["-"] or (stdin_filename and not paths):
            from bindguard.stdin import read_stdin

            stdin = read_stdin(sys.stdin.buffer, stdin_filename)
        elif "-" in (paths or ()):
            raise fail("- (standard input) cannot be combined with other paths")
        from bindguard.progress import Progress

        report = run_lint(paths_or_default(paths, files), settings, stdin=stdin,
                          progress=None if quiet else Progress)
        if write_baseline is not None and report.errors:
            for error in report.errors:
                say(error)  # a baseline of part of the paths would hide what the rest holds
            return 2
        if write_baseline is not None:
            from bindguard.baseline import write_baseline as record

            count = record(str(write_baseline), report.findings)
            say(f"recorded {count} findings in {write_baseline}")
            return 0
        texts = {stdin.name: stdin.text()} if stdin else None
        for warning in report.warnings:
            say(warning)
        emit(report, fmt, output, (color, quiet, statistics), texts, settings.docs_url, settings.weakened)
        for error in report.errors:
            say(error)  # the other paths were reported; this one stops the run (exit 2)
        if report.errors:
            return 2
        # the summary already says what a baseline or inline ignores suppressed: said once (issue 29)
        return exit_code(report, FailOn(level))

    return guarded(body)
