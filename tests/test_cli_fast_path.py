"""``bindguard lint`` without typer (``entry.lint_params``) means what typer means, or steps aside.

The fast path's parser answers only when it understands every word; then it
must hand ``commands.lint`` exactly the values typer's ``lint`` command
hands it.  Hypothesis builds command lines from the lint options (valid and
invalid values, repeats, ``=`` forms, ``-qq``, paths among options, ``-``,
unknown options, ``--help``) and each is also parsed by click, through the
real typer command: where click refuses one, the fast parser must have
declined it; where the fast parser answers, click's values and the values
typer passes on must be the same, type for type.  Then both paths run as
processes on the same command lines and must print the same bytes.
"""

from __future__ import annotations

import contextlib
import enum
import io
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
import typer
import typer.main
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

try:  # typer 0.28 vendors click; the lowest typer we support (0.16) uses the click package
    from typer._click.exceptions import ClickException
except ImportError:
    from click.exceptions import ClickException  # type: ignore[no-redef,import-not-found,unused-ignore]

from bindguard import cli, commands, entry, lint_options, lint_options_gen

from helpers import write

ROOT = Path(__file__).resolve().parent.parent
LINT = typer.main.get_command(cli.app).commands["lint"]  # type: ignore[attr-defined]

READABLE = str(ROOT / "README.md")
UNREADABLE = str(ROOT / "CHANGELOG.md")  # made unreadable for both parsers by _unreadable_changelog
FOLDER = str(ROOT / "src")


def _unreadable_changelog():
    """``os.access`` says CHANGELOG.md cannot be read (root can read everything, so pretend)."""
    real = os.access

    def access(path, mode, *args, **kwargs):
        if os.fspath(path) == UNREADABLE:
            return False
        return real(path, mode, *args, **kwargs)

    return mock.patch.object(os, "access", access)


# -- the vocabulary ---------------------------------------------------------------------------
TEXTS = st.sampled_from(["BG001", "BG001,BG002", "bg00", "web=127.0.0.1:80", "10.0.0.0/8", "x y", "é", "-x", "", "="])
PATH_VALUES = st.sampled_from(["out.json", "r.sarif", READABLE, UNREADABLE, FOLDER, "-", "", "--help", "a=b"])
CHOICE_VALUES = {
    "format": st.sampled_from([*(f.value for f in commands.Format), "nope", "JSON", "", "-", "--help"]),
    "fail-on": st.sampled_from([*(f.value for f in commands.FailOn), "warn", "Error", ""]),
    "color": st.sampled_from(["auto", "always", "never", "yes", ""]),
    "int": st.sampled_from(["1", "0", "007", "12", "+1", "-1", " 2", "2_0", "x", "\u0663", "", "99999999999999999999"]),
}
VALUED = {
    "--output-format": CHOICE_VALUES["format"],
    "--format": CHOICE_VALUES["format"],
    "--output": PATH_VALUES,
    "-o": PATH_VALUES,
    "--fail-on": CHOICE_VALUES["fail-on"],
    "--allow": TEXTS,
    "--select": TEXTS,
    "--ignore": TEXTS,
    "--expect": TEXTS,
    "--file": TEXTS,
    "-f": TEXTS,
    "--env-file": TEXTS,
    "--profile": TEXTS,
    "--exclude": TEXTS,
    "--include": TEXTS,
    "--jobs": CHOICE_VALUES["int"],
    "-j": CHOICE_VALUES["int"],
    "--config": PATH_VALUES,
    "--baseline": PATH_VALUES,
    "--write-baseline": PATH_VALUES,
    "--color": CHOICE_VALUES["color"],
    "--stdin-filename": TEXTS,
    "--default-host-ip": TEXTS,
}
FLAGS = ["--swarm", "--no-config", "--show-values", "--statistics", "--quiet", "-q", "-qq", "-qqq"]
# words typer knows better: help, version, the end of options, near misses, clusters, flags with values
ODD = ["--help", "-h", "--version", "-V", "--", "--bogus", "--form", "---format", "-x", "-qx", "-qh", "-oout",
       "-j2", "-fa.yml", "--quiet=1", "--swarm=true", "--no-swarm", "--Format", "-", "--select", "-o"]
# positional words, some of them also valid option values (a misread option would swallow them)
GOOD_VALUES = st.sampled_from(["json", "never", "2", "always", "BG001", "out.json"])
PATHS = st.sampled_from(["compose.yaml", "a.yml", "b.yml", ".", "-", "dir/x.yaml", "lint", "é.yml", "", "json", "never", "2"])


@st.composite
def option(draw) -> list[str]:
    kind = draw(st.sampled_from(["valued", "valued", "valued", "flag", "odd", "path", "path"]))
    if kind == "flag":
        return [draw(st.sampled_from(FLAGS))]
    if kind == "odd":  # often with a word after it that some option would take as its value
        return [draw(st.sampled_from(ODD)), *draw(st.lists(GOOD_VALUES, max_size=1))]
    if kind == "path":
        return [draw(PATHS)]
    name = draw(st.sampled_from(sorted(VALUED)))
    value = draw(VALUED[name])
    if name.startswith("--") and draw(st.booleans()):
        return [f"{name}={value}"]
    return [name, value]


ARGVS = st.lists(option(), max_size=8).map(lambda parts: [word for part in parts for word in part])
TRUNCATED = ARGVS.flatmap(lambda argv: st.integers(0, len(argv)).map(lambda n: argv[:n]))  # a value may go missing


# -- what typer would do ----------------------------------------------------------------------
def typer_values(argv: list[str]):
    """click's parse of the real typer ``lint`` command, and the values typer passes on; None if click refuses."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            ctx = LINT.make_context("lint", list(argv), resilient_parsing=False)
        except (ClickException, typer.Exit):  # usage errors, and --help (which exits)
            return None
        passed: dict = {}

        def capture(**kwargs) -> int:
            passed.update(kwargs)
            return 0

        with mock.patch.object(commands, "lint", capture), ctx, pytest.raises(typer.Exit):
            LINT.invoke(ctx)
    return ctx.params, passed


def as_click_params(params: dict) -> dict:
    """The fast parser's values in the shape of click's ``ctx.params`` (before typer converts them)."""
    raw = {}
    for name, value in params.items():
        if isinstance(value, list):
            value = tuple(value)
        elif value is None and name in MULTIPLE:
            value = ()
        elif isinstance(value, enum.Enum):
            value = value.value
        elif isinstance(value, Path):
            value = str(value)
        raw[name] = value
    return raw


MULTIPLE = {p.name for p in LINT.params if getattr(p, "multiple", False) or p.nargs == -1}


def typed(values: dict) -> dict:
    """Values with their types, so that Format.json is not taken for "json", nor True for 1."""
    return {k: (type(v), v) for k, v in values.items()}


def check_parity(argv: list[str]) -> dict | None:
    with _unreadable_changelog():
        fast = entry.lint_params(["lint", *argv], {})
        expected = typer_values(argv)
    if expected is None:
        assert fast is None, f"click refuses {argv!r}, the fast parser took it: {fast!r}"
        return None
    if fast is not None:
        click_params, passed = expected
        assert as_click_params(fast) == click_params, argv
        assert typed(fast) == typed(passed), argv
    return fast


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TRUNCATED)
@example(["compose.yaml"])
@example(["--format", "json", "."])
@example(["-q", "--select", "BG001,BG002", "a.yml", "b.yml"])
@example(["-", "--stdin-filename", "x.yml"])
@example(["--output", UNREADABLE, "x"])
@example(["-j", "\u0663"])
@example(["--select"])
def test_the_fast_parser_agrees_with_click_or_declines(argv):
    check_parity(argv)


NAMES = sorted({*VALUED, *FLAGS, *ODD})
VALUES = sorted({"json", "never", "2", "always", "BG001", "out.json", "compose.yaml", READABLE, UNREADABLE, FOLDER,
                 "-", "", "nope", "JSON", "+1", "-1", " 2", "\u0663", "x y", "=", "-x", "--help"})


@pytest.mark.parametrize("name", NAMES)
def test_every_option_word_with_every_value_word(name):
    """Each word of the vocabulary before, after, and glued with ``=`` to each value word."""
    for value in VALUES:
        for argv in ([name, value], [value, name], [f"{name}={value}"], [name, value, name, value]):
            check_parity(argv)


def test_the_generated_command_lines_take_both_paths():
    """The property above is only worth something if both outcomes come up often."""
    taken = []

    @settings(max_examples=300, derandomize=True, database=None)
    @given(ARGVS)
    def collect(argv):
        taken.append(entry.lint_params(["lint", *argv], {}) is not None)

    collect()
    assert taken.count(True) > 30 and taken.count(False) > 30, (taken.count(True), taken.count(False))


@pytest.mark.parametrize("argv", [
    ["compose.yaml"],
    [],
    ["--format", "json", "."],
    ["-q", "--select", "BG001,BG002", "a.yml", "b.yml"],
    ["-", "--stdin-filename", "x.yml"],
    ["-qq", "--output-format=sarif", "-o", "r.sarif", "--fail-on=error", "x", "--select", "BG001", "--select", "BG002"],
    ["-f", "a.yml", "-f", "b.yml", "--env-file", ".env", "--profile", "debug", "-j", "2", "--no-config"],
    ["--color", "never", "--statistics", "--show-values", "--swarm", "--exclude", "vendor/*", "--include", "*.yml", "."],
    ["--config", READABLE, "--baseline", "b.json", "--write-baseline", "b.json", "--expect", "web=127.0.0.1:80"],
])
def test_plain_command_lines_take_the_fast_path(argv):
    assert check_parity(argv) is not None


@pytest.mark.parametrize("argv", [
    ["--help"], ["-h"], ["x", "--help"], ["--bogus"], ["--format", "nope", "x"], ["--format"], ["--version"],
    ["--", "x"], ["--format", "json", "--format", "sarif"], ["--format", "json", "--output-format", "json"],
    ["-j", "two"], ["-j2"], ["-oout.json"], ["-qx"], ["--swarm", "--swarm"], ["--quiet=2"], ["--select", "-x"],
    ["--output", UNREADABLE],
])
def test_anything_else_goes_to_typer(argv):
    check_parity(argv)
    with _unreadable_changelog():
        assert entry.lint_params(["lint", *argv], {}) is None


@pytest.mark.parametrize("argv", [[], ["--version"], ["ports", "x"], ["--no-color", "lint", "x"], ["Lint", "x"]])
def test_other_commands_go_to_typer(argv):
    assert entry.lint_params(argv, {}) is None


def test_shell_completion_goes_to_typer():
    assert entry.lint_params(["lint", "x"], {"_BINDGUARD_COMPLETE": "complete_bash"}) is None
    assert entry.lint_params(["lint", "x"], {"_BINDGUARD_COMPLETE_X": ""}) is None
    assert entry.lint_params(["lint", "x"], {"PATH": "/bin", "COMP_WORDS": "bindguard lint"}) is not None


def test_on_windows_words_click_would_expand_go_to_typer(monkeypatch):
    monkeypatch.setattr(entry.os, "name", "nt")
    assert entry.lint_params(["lint", "*.yml"], {}) is None
    assert entry.lint_params(["lint", "~/compose.yaml"], {}) is None
    assert entry.lint_params(["lint", "compose.yaml"], {}) is not None


# -- both paths, as processes -----------------------------------------------------------------
TYPER_PATH = "import sys; from bindguard.cli import run; sys.argv[0] = 'bindguard'; run()"


def both(args: list[str], cwd: Path, stdin: str = "", **env: str):
    """(exit code, stdout, stderr) of ``python -m bindguard`` and of the typer app on the same words."""
    environ = {**os.environ, "NO_COLOR": "1", **env}
    environ.pop("BINDGUARD_DEBUG", None)
    runs = [
        subprocess.run([sys.executable, *prefix, *args], cwd=cwd, input=stdin.encode(), capture_output=True, env=environ)
        for prefix in (["-m", "bindguard"], ["-c", TYPER_PATH])
    ]
    return [(r.returncode, r.stdout, r.stderr) for r in runs]


@pytest.mark.parametrize("args", [
    ["lint", "compose.yaml"],
    ["lint", "--format", "full", "."],
    ["lint", "--format", "github", "compose.yaml", "--fail-on", "never"],
    ["lint", "--format=json", "-q", "."],
    ["lint", "-qq", "."],
    ["lint", "--statistics", "--select", "BG001", "."],
    ["lint", "--select", "BG999", "."],  # unknown code: exit 2
    ["lint", "--select", "BG010", "."],  # a code lint cannot run
    ["lint", "nope.yaml"],
    ["lint", "-", "compose.yaml"],
    ["lint", "-", "--stdin-filename", "in.yml"],
    ["lint", "--output", "missing/dir/r.json", "."],
    ["lint", "--write-baseline", "base.json", "."],
    ["lint", "--baseline", "nope.json", "."],
    ["lint", "--config", "nope.toml", "."],
    ["lint", "-j", "0", "."],
    ["lint", "--color", "always", "."],
    ["lint", "caf\u00e9.yaml"],
    ["lint", "--default-host-ip", "127.0.0.1", "."],
    ["lint", "--default-host-ip", "nope", "."],  # not an address: exit 2
])
def test_both_paths_print_the_same(tmp_path, args):
    write(tmp_path, "compose.yaml", 'services:\n  db:\n    ports: ["5432:5432", "127.0.0.1:80:80"]\n')
    stdin = 'services:\n  s:\n    ports: ["80:80"]\n'
    fast, slow = both(args, tmp_path, stdin)
    assert fast == slow
    assert entry.lint_params(args, {}) is not None  # the first one really was the fast path


def test_both_paths_write_the_same_bytes_on_an_ascii_stderr(tmp_path):
    """click re-wraps an ASCII stderr as UTF-8 with errors=replace; commands.say does the same."""
    fast, slow = both(["lint", "caf\u00e9-\udcff.yaml"], tmp_path, PYTHONIOENCODING="ascii")
    assert fast == slow and fast[0] == 2 and "caf\u00e9".encode() in fast[2]


# -- the table is generated from the one declaration ------------------------------------------
def test_the_fast_path_table_is_generated_from_cli_lint():
    """``lint_options.py`` is what the generator writes for today's ``cli.lint`` (issue 26)."""
    text = Path(lint_options.__file__).read_text(encoding="utf-8")
    assert text == lint_options_gen.render(), "stale: run python -m bindguard.lint_options_gen"


def test_one_name_per_parameter_everywhere():
    """cli.lint's parameters are commands.lint's keywords (cli.lint passes locals()) and the table's defaults."""
    import inspect

    declared = list(inspect.signature(cli.lint).parameters)
    keywords = [p.name for p in inspect.signature(commands.lint).parameters.values() if p.kind is p.KEYWORD_ONLY]
    assert declared == keywords == list(lint_options.DEFAULTS)
    assert {name for name, _ in lint_options.OPTIONS.values()} == set(declared) - {"paths"}


def test_a_new_option_makes_the_table_stale(monkeypatch):
    """The staleness check can fail: an option added to cli.lint shows in what the generator writes."""
    app = typer.Typer()

    @app.command()
    def lint(  # the real signature plus one option
        paths: list[str] | None = cli.PathsArg,
        verbose: bool = typer.Option(False, "--verbose", "-v"),
        budget: int = typer.Option(3, "--budget"),
    ) -> None:
        raise typer.Exit(commands.lint(**locals()))

    @app.command()
    def other() -> None:
        """A second command, so that typer keeps the command names."""

    monkeypatch.setattr(cli, "app", app)
    monkeypatch.setattr(cli, "lint", lint)
    text = lint_options_gen.render()
    assert '"--verbose": ("verbose", "flag"),' in text and '"-v": ("verbose", "flag"),' in text
    assert '"--budget": ("budget", "int"),' in text and '"budget": 3,' in text


def test_the_generator_refuses_what_the_fast_path_does_not_mirror(monkeypatch):
    app = typer.Typer()

    @app.command()
    def lint(jobs: int = typer.Option(1, "--jobs", min=1)) -> None:  # an IntRange: typer checks the bounds
        raise typer.Exit(0)

    @app.command()
    def other() -> None:
        """A second command, so that typer keeps the command names."""

    monkeypatch.setattr(cli, "app", app)
    monkeypatch.setattr(cli, "lint", lint)
    with pytest.raises(ValueError, match="jobs"):
        lint_options_gen.render()
