"""Writes ``lint_options.py``, the fast path's table of the ``lint`` options, from ``cli.lint``.

``cli.lint`` (typer) is the one declaration of the ``lint`` options: their
words, types, defaults and help.  ``entry.lint_params`` must read the same
options without importing typer (issue 8's start-up budget), so it reads a
table generated from that declaration instead of a copy kept by hand
(issue 26).  The generator asks typer itself: click's parameters give each
option's words and kind, and invoking the command with no arguments (with
``commands.lint`` replaced by a recorder) gives the values typer passes for
options not given.  An option of a shape the fast parser does not mirror
(a path that must exist, a range, a case-insensitive choice, ``--x/--no-x``)
stops the generator: teach ``entry`` first.

Regenerate with ``python -m bindguard.lint_options_gen``;
``tests/test_cli_fast_path.py`` fails while ``lint_options.py`` is stale.
"""

from __future__ import annotations

import enum
import json
import os
import sys
import typing
from pathlib import Path
from typing import Any
from unittest import mock

HEADER = '''"""The ``lint`` options as ``entry.lint_params`` reads them.  GENERATED from ``cli.lint``: do not edit.

Regenerate with ``python -m bindguard.lint_options_gen`` after changing an
option of ``cli.lint``; ``tests/test_cli_fast_path.py`` fails while this
file is stale.  Kinds: ``flag``, ``count``, ``many`` (repeatable string),
``text``, ``int``, ``path``, or ``module:Enum`` for a choice.
"""

'''


def _choice_class(annotation: Any) -> type[enum.Enum]:
    """``Format`` for ``Format`` or ``FailOn | None``."""
    for candidate in typing.get_args(annotation) or (annotation,):
        if isinstance(candidate, type) and issubclass(candidate, enum.Enum):
            return candidate
    raise ValueError(f"a choice option without an enum annotation: {annotation!r}")


def _kind(param: Any, annotation: Any) -> str:
    """What kind of option ``param`` (a click parameter of ``cli.lint``) is, for ``entry._convert``."""
    if param.secondary_opts:
        raise ValueError(f"{param.name}: --x/--no-x flags are not read by the fast path")
    if getattr(param, "count", False):
        return "count"
    if getattr(param, "is_flag", False):
        return "flag"
    if getattr(param, "multiple", False):
        if type(param.type).__name__ != "StringParamType":
            raise ValueError(f"{param.name}: only repeatable strings are read by the fast path")
        return "many"
    kind = type(param.type).__name__
    if kind == "StringParamType":
        return "text"
    if kind == "IntParamType":  # an IntRange is another class: refused below
        return "int"
    if kind == "TyperPath" or kind == "Path":
        shape = param.type
        if shape.exists or not shape.readable or not shape.file_okay or not shape.dir_okay or shape.resolve_path:
            raise ValueError(f"{param.name}: the fast path checks a path only the way typer's default Path does")
        return "path"
    if kind in ("TyperChoice", "Choice"):
        if not param.type.case_sensitive:
            raise ValueError(f"{param.name}: a case-insensitive choice is not read by the fast path")
        cls = _choice_class(annotation)
        return f"{cls.__module__}:{cls.__qualname__}"
    raise ValueError(f"{param.name}: an option of type {kind} is not read by the fast path")


def _defaults() -> dict[str, Any]:
    """What typer passes to ``commands.lint`` for ``bindguard lint`` with no arguments."""
    import typer
    import typer.main

    from bindguard import cli, commands

    command = typer.main.get_command(cli.app).commands["lint"]  # type: ignore[attr-defined]
    passed: dict[str, Any] = {}

    def record(**kwargs: Any) -> int:
        passed.update(kwargs)
        return 0

    with mock.patch.object(commands, "lint", record), command.make_context("lint", []) as ctx:
        try:
            command.invoke(ctx)
        except typer.Exit:
            pass
    return passed


def render() -> str:
    """The text of ``lint_options.py`` for the ``cli.lint`` of this checkout."""
    import typer.main

    from bindguard import cli

    command = typer.main.get_command(cli.app).commands["lint"]  # type: ignore[attr-defined]
    hints = typing.get_type_hints(cli.lint)
    options: dict[str, tuple[str, str]] = {}
    for param in command.params:
        if param.param_type_name == "argument":
            if param.name != "paths" or param.nargs != -1:
                raise ValueError(f"{param.name}: the fast path reads one argument, PATHS...")
            continue
        kind = _kind(param, hints[param.name])
        for word in param.opts:
            options[word] = (param.name, kind)
    defaults = {}
    for name, value in _defaults().items():
        if isinstance(value, enum.Enum):
            value = value.value  # entry converts it with the option's kind
        elif value is not None and not isinstance(value, (bool, int)):
            # entry passes a default as written, converting only a choice's value to its enum
            raise ValueError(f"{name}: a default of type {type(value).__name__} is not written by the generator")
        defaults[name] = value
    return (
        HEADER
        + "# option word -> (parameter of cli.lint and commands.lint, kind)\n"
        + "OPTIONS: dict[str, tuple[str, str]] = {\n"
        + "".join(f"    {_py(word)}: ({_py(name)}, {_py(kind)}),\n" for word, (name, kind) in options.items())
        + "}\n\n"
        + "# what typer passes for an option not given (a choice as its value: entry converts it)\n"
        + "DEFAULTS: dict[str, object] = {\n"
        + "".join(f"    {_py(name)}: {_py(value)},\n" for name, value in defaults.items())
        + "}\n"
    )


def _py(value: object) -> str:
    """A Python literal in the repository's style (double quotes)."""
    return json.dumps(value) if isinstance(value, str) else repr(value)


TARGET = Path(__file__).with_name("lint_options.py")


def main(argv: list[str] | None = None) -> int:
    text = render()
    target = Path((argv or sys.argv[1:] or [os.fspath(TARGET)])[0])
    if target.exists() and target.read_text(encoding="utf-8") == text:
        print(f"{target}: up to date")
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"{target}: written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
