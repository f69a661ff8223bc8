"""Start-up cost of ``bindguard lint``, kept down by structure, not by a stopwatch.

Issue 8 gives ``bindguard lint one-file.yaml`` twice the time of
``python -c "import yaml"``; the benchmarks measure that.  Tests never assert
on wall-clock time, so these check the things that made the difference:
what gets imported (not typer, not click: a plain ``lint`` command line
never reaches them, ``entry.py``), how many classes are built the expensive
way, whether typing has to compile annotation strings, and that typer, when
it runs, builds only the command that runs.  Each check runs the real entry
point (``python -m bindguard``, which is the console script's function) in a
fresh process.
"""

import json
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from bindguard import cli

ROOT = Path(__file__).resolve().parent.parent

# The compose loader's mutable builders are Records (compose/record.py), not dataclasses: importing
# dataclasses imports inspect (about 7 ms) and a dataclass costs about 0.3-0.5 ms to define; value types
# are NamedTuples.  No dataclass is defined on the lint path.

# Imported by nothing that `lint` needs; each costs milliseconds.
HEAVY = ("rich", "docker", "requests", "psutil", "multiprocessing", "concurrent", "tomllib", "hashlib", "json", "xml",
         "prometheus_client", "dataclasses", "inspect", "tempfile")
# What a plain `lint` command line does not need at all: entry.py parses it without typer (and its click).
CLI_FRAMEWORK = ("typer", "click")

_PROBE = textwrap.dedent(
    """
    import dataclasses, gc, runpy, sys, typing
    import yaml  # its own start-up is not ours to count
    made, refs = [], []
    process_class = dataclasses._process_class
    def counting(cls, *args):
        made.append(cls.__module__ + "." + cls.__qualname__)
        return process_class(cls, *args)
    dataclasses._process_class = counting
    forward_init = typing.ForwardRef.__init__
    def forward(self, arg, *args, **kwargs):
        refs.append(arg)
        return forward_init(self, arg, *args, **kwargs)
    typing.ForwardRef.__init__ = forward
    for name in [m for m in sys.modules if m == "json" or m.startswith("json.")]:
        del sys.modules[name]  # the probe's own; lint must not need it
    before = set(sys.modules)
    sys.argv = ["bindguard", "lint", *sys.argv[1:]]
    code = None
    try:
        runpy.run_module("bindguard", run_name="__main__", alter_sys=True)  # python -m bindguard
    except SystemExit as exc:
        code = exc.code
    modules = sorted(set(sys.modules) - before)
    import json
    sys.stderr.write("\\nPROBE " + json.dumps({
        "code": code,
        "dataclasses": made,
        "forward_refs": refs,
        "frozen": gc.get_freeze_count(),
        "threshold": gc.get_threshold(),
        "modules": modules,
    }))
    """
)


def _probe(tmp_path, *args: str) -> dict:
    (tmp_path / "compose.yaml").write_text('services:\n  db:\n    ports: ["5432:5432", "127.0.0.1:80:80"]\n')
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, *args, str(tmp_path / "compose.yaml")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    probe = json.loads(result.stderr.rsplit("\nPROBE ", 1)[1])
    if probe["code"] in (0, 1):
        assert result.stdout, result.stderr  # the report was written
    return probe


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_lint_one_file_imports_only_what_it_needs(tmp_path, fmt):
    probe = _probe(tmp_path, "--format", fmt, "--no-config")
    assert probe["code"] == 1  # BG001 on 5432
    loaded = {m.split(".")[0] for m in probe["modules"]}
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    assert not loaded & set(CLI_FRAMEWORK), sorted(m for m in probe["modules"] if m.split(".")[0] in CLI_FRAMEWORK)
    assert "bindguard.cli" not in probe["modules"]


@pytest.mark.parametrize("args", [
    ["-q", "--select", "BG001,BG002", "--no-config"],
    ["--format=json", "--fail-on", "error", "--no-config", "-o", "report.json"],
])
def test_lint_with_options_stays_off_typer(tmp_path, args):
    probe = _probe(tmp_path, *args)
    assert probe["code"] in (0, 1)
    assert not {m.split(".")[0] for m in probe["modules"]} & set(CLI_FRAMEWORK)


def test_what_typer_would_refuse_still_goes_through_typer(tmp_path):
    probe = _probe(tmp_path, "--format", "nope")
    assert probe["code"] == 2
    assert "typer" in probe["modules"] and "bindguard.cli" in probe["modules"]


def test_the_console_script_and_python_m_run_the_entry_point():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"bindguard": "bindguard.entry:main"}
    assert "from bindguard.entry import main" in (ROOT / "src" / "bindguard" / "__main__.py").read_text()


def test_lint_path_defines_no_value_dataclass_and_compiles_no_annotation(tmp_path):
    probe = _probe(tmp_path, "--no-config")
    assert probe["dataclasses"] == []
    # A NamedTuple in a module with `from __future__ import annotations` makes
    # typing compile each field's annotation; typer does the same for the
    # command's parameters.
    assert probe["forward_refs"] == []


def test_lint_tunes_the_collector_for_a_batch_run(tmp_path):
    """Rare collections while linting; what the last collection at exit would walk is frozen."""
    probe = _probe(tmp_path, "--no-config")
    assert probe["threshold"][0] >= 100_000
    assert probe["frozen"] > 10_000


def test_only_the_invoked_command_is_built():
    lean = cli._command_app(["lint", "x.yaml"])
    assert [c.callback.__name__ for c in lean.registered_commands] == ["lint"]
    assert len(cli.app.registered_commands) > 1  # the shared app is untouched
    for argv in ([], ["--help"], ["--version"], ["no-such-command"]):
        assert cli._command_app(argv) is cli.app


def test_command_help_is_the_same_either_way():
    from typer.testing import CliRunner

    runner = CliRunner()
    full = runner.invoke(cli.app, ["lint", "--help"], prog_name="bindguard")
    lean = runner.invoke(cli._command_app(["lint"]), ["lint", "--help"], prog_name="bindguard")
    assert full.exit_code == lean.exit_code == 0
    assert full.output == lean.output and "--format" in full.output


def test_the_loaders_records_compare_print_and_copy_like_dataclasses():
    from bindguard.compose.services import PortItem, ServiceDef
    from bindguard.model import Location

    here = Location(file="compose.yaml", line=2, column=3)
    web = ServiceDef("web", "compose.yaml", ".", here)
    assert web == ServiceDef("web", "compose.yaml", ".", here) and web != ServiceDef("db", "compose.yaml", ".", here)
    assert web.ports == [] and web.ports is not ServiceDef("x", "f", ".", here).ports  # a fresh list each
    assert repr(web).startswith("ServiceDef(name='web', file='compose.yaml', base_dir='.', location=Location(")
    moved = web.replace(name="api", extends=None)
    assert (moved.name, web.name, moved.ports is web.ports) == ("api", "web", True)  # shallow, as dataclasses.replace
    with pytest.raises(TypeError):
        web.replace(nope=1)
    with pytest.raises(TypeError):
        hash(web)
    assert "lookup" not in repr(PortItem(None, "f", "."))  # type: ignore[arg-type]
