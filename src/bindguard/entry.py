"""The ``bindguard`` program: ``lint`` without typer when the command line is plain, else the typer app.

Why: importing typer (with its vendored click) and building the ``lint``
command costs about as much as everything else a one-file lint does, and
issue 8 gives ``bindguard lint one-file.yaml`` twice the time of
``python -c "import yaml"``.  So :func:`main` first tries
:func:`lint_params`, a small parser that understands the ``lint`` options
and nothing else; when it understands every word it returns the values
typer would have passed to ``cli.lint`` and :func:`main` calls
``commands.lint`` with them, which is what ``cli.lint`` calls too.

Anything it is not sure of makes it return None and the typer app runs
exactly as before: ``--help``, ``--version``, ``--``, unknown options, an
option without its value or with a value that starts with ``-`` or is empty,
a value that is not a valid choice or integer, a path option naming a file
that cannot be read (typer refuses it), an option given twice that does not
repeat, short options other than ``-o``/``-f``/``-j`` with their value in the
next word and ``-q``/``-qq``, shell completion (``_BINDGUARD_COMPLETE*`` in
the environment), and on Windows any word click would expand (``~``,
variables, wildcards).  So typer prints its usual errors and help, and
``tests/test_cli_fast_path.py`` checks against click's own parse that whenever this
parser answers, it answers what typer would have passed.

This module imports neither typer nor the lint machinery at import time.
"""

import gc
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

# kinds of option: a flag, a count (-q), a repeatable string, or one value (string, path, int, choice)
_FLAG, _COUNT, _MANY, _TEXT, _PATH, _INT, _FORMAT, _FAIL_ON, _COLOR = range(9)

# option word -> (parameter of cli.lint / commands.lint, kind); cli.lint declares the same options
_OPTIONS: dict[str, tuple[str, int]] = {
    "--output-format": ("fmt", _FORMAT),
    "--format": ("fmt", _FORMAT),
    "--output": ("output", _PATH),
    "-o": ("output", _PATH),
    "--fail-on": ("fail_on", _FAIL_ON),
    "--allow": ("allow", _MANY),
    "--select": ("select", _MANY),
    "--ignore": ("ignore", _MANY),
    "--expect": ("expect", _MANY),
    "--file": ("files", _MANY),
    "-f": ("files", _MANY),
    "--env-file": ("env_file", _MANY),
    "--profile": ("profile", _MANY),
    "--exclude": ("exclude", _MANY),
    "--include": ("include", _MANY),
    "--swarm": ("swarm", _FLAG),
    "--jobs": ("jobs", _INT),
    "-j": ("jobs", _INT),
    "--config": ("config_file", _PATH),
    "--no-config": ("no_config", _FLAG),
    "--baseline": ("baseline", _PATH),
    "--write-baseline": ("write_baseline", _PATH),
    "--show-values": ("show_values", _FLAG),
    "--statistics": ("statistics", _FLAG),
    "--quiet": ("quiet", _COUNT),
    "-q": ("quiet", _COUNT),
    "--color": ("color", _COLOR),
    "--stdin-filename": ("stdin_filename", _TEXT),
    "--default-host-ip": ("default_host_ip", _TEXT),
}

_COMPLETION = "_BINDGUARD_COMPLETE"  # typer's completion: `_{PROG_NAME}_COMPLETE`, set by the shell's script
_EXPANDED_ON_WINDOWS = frozenset("~$%*?[")  # click's _expand_args: expanduser, expandvars, glob


def lint_params(argv: Sequence[str], environ: Mapping[str, str]) -> dict[str, Any] | None:
    """The keyword arguments of ``commands.lint`` for ``argv`` (``sys.argv[1:]``), or None.

    None means "not sure": the caller runs the typer app, which prints help,
    errors and completions as it always did.
    """
    if not argv or argv[0] != "lint":
        return None
    if any(name.startswith(_COMPLETION) for name in environ):
        return None
    if os.name == "nt" and any(_EXPANDED_ON_WINDOWS.intersection(word) for word in argv):
        return None
    from bindguard.commands import Format
    from bindguard.output import ColorChoice

    # what typer passes for options not given: None for the repeatable ones (not []), enum members
    params: dict[str, Any] = {
        "paths": None, "fmt": Format.concise, "output": None, "fail_on": None, "allow": None, "select": None,
        "ignore": None, "expect": None, "files": None, "env_file": None, "profile": None, "exclude": None,
        "include": None, "swarm": False, "jobs": None, "config_file": None, "no_config": False, "baseline": None,
        "write_baseline": None, "show_values": False, "statistics": False, "quiet": 0, "color": ColorChoice.auto,
        "stdin_filename": None, "default_host_ip": None,
    }
    paths: list[str] = []
    given: set[str] = set()
    words = iter(argv[1:])
    for word in words:
        if word == "":
            return None
        if word == "-" or not word.startswith("-"):  # click: a positional argument, wherever it stands
            paths.append(word)
            continue
        name, equals, value = word.partition("=") if word.startswith("--") else (word, "", "")
        if not word.startswith("--") and len(word) > 2 and set(word[1:]) == {"q"}:
            params["quiet"] += len(word) - 1  # -qq
            continue
        spec = _OPTIONS.get(name)
        if spec is None:
            return None
        param, kind = spec
        if kind == _COUNT:
            if equals:
                return None
            params[param] += 1
            continue
        if kind != _MANY and param in given:
            return None
        given.add(param)
        if kind == _FLAG:
            if equals:
                return None
            params[param] = True
            continue
        if not equals:
            value = next(words, "")
        if value == "" or value.startswith("-"):
            return None
        converted = _convert(kind, value)
        if converted is None:
            return None
        if kind == _MANY:
            params[param] = [*(params[param] or ()), converted]
        else:
            params[param] = converted
    params["paths"] = paths or None
    return params


def _convert(kind: int, value: str) -> Any:
    """``value`` as typer passes it for an option of ``kind``, or None when typer would refuse it."""
    if kind in (_MANY, _TEXT):
        return value
    if kind == _INT:
        if not (value.isascii() and value.isdigit()):
            return None
        try:
            return int(value)
        except ValueError:  # more digits than int() converts
            return None
    if kind == _PATH:
        # typer's path type: a path that exists must be readable; typer then makes it a Path
        try:
            os.stat(value)
        except OSError:
            pass
        except ValueError:
            return None
        else:
            if not os.access(value, os.R_OK):
                return None
        from pathlib import Path

        return Path(value)
    from bindguard.commands import FailOn, Format
    from bindguard.output import ColorChoice

    choices = {_FORMAT: Format, _FAIL_ON: FailOn, _COLOR: ColorChoice}[kind]
    try:
        return choices(value)
    except ValueError:
        return None


def _run_lint(params: dict[str, Any]) -> int:
    """``commands.lint`` as typer's standalone mode would end it.

    ``commands.lint`` turns every error into a line and exit 2; only a
    failure to write that line gets out.  Typer's main ends a closed pipe
    with 1 and no message at exit, and an interrupt with 130; so does this.
    """
    from bindguard.commands import lint

    try:
        return lint(**params)
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        import errno

        if exc.errno != errno.EPIPE:
            raise
        sys.stdout = _QuietFlush(sys.stdout)
        sys.stderr = _QuietFlush(sys.stderr)
        return 1


class _QuietFlush:
    """click's PacifyFlushWrapper: flushing a closed pipe at exit is not an error."""

    def __init__(self, wrapped) -> None:
        self.wrapped = wrapped

    def flush(self) -> None:
        try:
            self.wrapped.flush()
        except OSError as exc:
            import errno

            if exc.errno != errno.EPIPE:
                raise

    def __getattr__(self, attr: str) -> Any:
        return getattr(self.wrapped, attr)


def main() -> None:
    """The console script ``bindguard`` and ``python -m bindguard``."""
    # Why: a run allocates many small objects that reference counting frees
    # (YAML nodes, bindings, findings) and few cycles.  With the default
    # threshold (700) the collector runs so often over the growing heap of a
    # large file that the run turns superlinear: 2,000 services took 2.4x the
    # time of 1,000 and 4,000 took 2.2x 2,000 (issue 8); with this threshold
    # (mypy uses the same) each doubling costs about 2x.
    gc.set_threshold(200_000, 30, 30)
    try:
        params = lint_params(sys.argv[1:], os.environ)
        if params is None:
            from bindguard.cli import run

            run()
        else:
            sys.exit(_run_lint(params))
    finally:
        # Why: when the interpreter exits, CPython runs one last full garbage
        # collection over every object it ever made, modules included: about
        # 10 ms of a 100 ms run (issue 8).  Frozen objects are left out of it.
        # Everything else at exit (flushing, atexit handlers) still happens.
        gc.freeze()
