"""The ``bindguard`` program: ``lint`` without typer when the command line is plain, else the typer app.

Why: importing typer (with its vendored click) and building the ``lint``
command costs about as much as everything else a one-file lint does, and
issue 8 gives ``bindguard lint one-file.yaml`` twice the time of
``python -c "import yaml"``.  So :func:`main` first tries
:func:`lint_params`, a small parser that understands the ``lint`` options
and nothing else; when it understands every word it returns the values
typer would have passed to ``cli.lint`` and :func:`main` calls
``commands.lint`` with them, which is what ``cli.lint`` calls too.

It reads the options from ``lint_options.py``, which
``lint_options_gen`` writes from ``cli.lint``'s typer declaration (the one
place an option is declared; a test fails while the table is stale), and
converts each value the way typer's parameter type does.

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
import importlib
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

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
    from bindguard.lint_options import DEFAULTS, OPTIONS

    # what typer passes for options not given: None for the repeatable ones (not []), enum members
    kinds = dict(OPTIONS.values())
    params: dict[str, Any] = {
        name: _enum(kinds[name])(value) if ":" in kinds.get(name, "") and value is not None else value
        for name, value in DEFAULTS.items()
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
        spec = OPTIONS.get(name)
        if spec is None:
            return None
        param, kind = spec
        if kind == "count":
            if equals:
                return None
            params[param] += 1
            continue
        if kind != "many" and param in given:
            return None
        given.add(param)
        if kind == "flag":
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
        if kind == "many":
            params[param] = [*(params[param] or ()), converted]
        else:
            params[param] = converted
    params["paths"] = paths or None
    return params


def _convert(kind: str, value: str) -> Any:
    """``value`` as typer passes it for an option of ``kind``, or None when typer would refuse it."""
    if kind in ("many", "text"):
        return value
    if kind == "int":
        if not (value.isascii() and value.isdigit()):
            return None
        try:
            return int(value)
        except ValueError:  # more digits than int() converts
            return None
    if kind == "path":
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
    try:
        return _enum(kind)(value)
    except ValueError:
        return None


def _enum(kind: str) -> Any:
    """The enum of a choice option, named ``module:Enum`` by the generated table."""
    module, _, name = kind.partition(":")
    return getattr(importlib.import_module(module), name)


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
