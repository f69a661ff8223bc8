"""The README's commands are run as a user would run them, so its first screen stays true.

Every ``bindguard ...`` line of a ``sh`` block, and every inline ``bindguard ...``
that names ``compose-examples/``, is executed from the repository root; the
``text`` block after a one-command ``sh`` block must be exactly what that
command prints.  ``audit`` and ``probe`` need an engine (``engine`` marker).
Install lines are checked, not run (they fetch from the network): they must
name this repository and never the unpublished ``pip install bindguard``.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from bindguard.reporters.sarif import DEFAULT_INFORMATION_URI

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
NEEDS_ENGINE = ("audit", "probe")


def _blocks() -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(README)]


def _command(line: str) -> str | None:
    line = re.split(r"\s+#\s", line.strip(), maxsplit=1)[0].strip()
    return line if line.startswith("bindguard ") else None


def _commands() -> list[str]:
    found = [c for lang, body in _blocks() if lang == "sh" for c in map(_command, body.splitlines()) if c]
    prose = FENCE.sub("", README)
    found += [c for c in re.findall(r"`(bindguard [^`]+)`", prose) if "compose-examples" in c]
    return list(dict.fromkeys(found))


def _samples() -> list[tuple[str, str]]:
    """(command, expected output) for each sh block with one command followed by a text block."""
    blocks = _blocks()
    out = []
    for (lang, body), (next_lang, next_body) in zip(blocks, blocks[1:], strict=False):
        commands = [c for c in map(_command, body.splitlines()) if c]
        alone = len([line for line in body.splitlines() if line.strip()]) == 1  # no set-up steps first
        if lang == "sh" and next_lang == "text" and len(commands) == 1 and alone:
            out.append((commands[0], next_body))
    return out


def _param(command: str):
    marks = [pytest.mark.engine] if shlex.split(command)[1] in NEEDS_ENGINE else []
    return pytest.param(command, marks=marks, id=command)


def _run(command: str) -> subprocess.CompletedProcess:
    args = shlex.split(command)
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR",)}
    env["NO_COLOR"] = "1"
    return subprocess.run([sys.executable, "-m", "bindguard", *args[1:]], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=300)


def test_the_readme_has_runnable_commands_and_a_sample():
    commands = _commands()
    assert any(c.startswith("bindguard lint compose-examples/") for c in commands)
    assert any(c.split()[1] == "audit" for c in commands)
    assert _samples(), "the first screen shows a command and its output"


@pytest.mark.parametrize("command", [_param(c) for c in _commands()])
def test_readme_command_runs(command: str, request):
    if shlex.split(command)[1] in NEEDS_ENGINE:
        request.getfixturevalue("engine")
    result = _run(command)
    assert result.returncode in (0, 1), (command, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stdout.strip(), command
    if command.startswith("bindguard lint compose-examples/"):
        assert result.returncode == 1  # the README says so: the examples are exposed on purpose


@pytest.mark.parametrize("command, expected", _samples())
def test_readme_sample_output_is_what_bindguard_prints(command: str, expected: str):
    assert _run(command).stdout == expected


def test_install_lines_work_without_pypi():
    text = "\n".join(body for lang, body in _blocks() if lang in ("sh", "yaml"))
    assert not re.search(r"pip install bindguard\b", text), "bindguard is not on PyPI"
    urls = re.findall(r"git\+(https://\S+?)(?:@[\w.]+)?[\"'\s]", text + "\n")
    assert urls and all(u == DEFAULT_INFORMATION_URI for u in urls), urls
    for tool in ("pipx install git+", "pip install git+", "pip install .", "pip wheel"):
        assert tool in text, tool


def test_one_exit_code_table_names_every_command():
    from bindguard.cli import app

    table = README[README.index("### Exit codes"):]
    table = table[: table.index("\n\n", table.index("| ---"))]
    names = {c.name or c.callback.__name__ for c in app.registered_commands}
    rows = set(re.findall(r"^\| `(\w+)", table, re.M))
    assert names <= rows, names - rows
