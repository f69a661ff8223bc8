"""Text from files and engines is escaped in every output, stderr included (issue 14).

* an engine (a real HTTP front, as an attacker's engine would answer) whose
  error message carries ``\\x1b]2;...\\a``: the one stderr line shows it
  escaped;
* container labels (the compose service name) with escape sequences and
  newlines, from the real engine, in every format;
* a compose file named ``compose\\n::error file=README.md::X\\n.yaml``: the
  ``github`` format makes exactly one annotation, and nothing on stdout or
  stderr starts a line GitHub would read as a workflow command.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bindguard.reporters.github import escape_data, escape_property

from enginebed import free_host_port
from helpers import bindguard_cli, error_engine, write

FORMATS = ["text", "json", "sarif", "github", "junit", "gitlab"]
HOSTILE = "\x1b]2;owned\x07\x1b[2J\x9b31m"
INJECTION = "\n::error file=README.md::X\n"


def _no_raw_controls(text: str) -> None:
    for char in ("\x1b", "\x07", "\x9b"):
        assert char not in text, repr(text[:300])


def _no_injected_command(text: str) -> None:
    assert not any(line.startswith("::error file=README.md") for line in text.splitlines()), text


@pytest.fixture
def hostile_engine() -> Iterator[str]:
    with error_engine(f"boom {HOSTILE} {INJECTION} end") as url:
        yield url


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("how", ["--host", "DOCKER_HOST"])
def test_engine_error_is_escaped_on_stderr(hostile_engine: str, fmt: str, how: str) -> None:
    args = ["audit", "--format", fmt, "--timeout", "5"]
    env = {}
    if how == "--host":
        args += ["--host", hostile_engine]
    else:
        env["DOCKER_HOST"] = hostile_engine
    result = bindguard_cli(*args, env=env)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith("bindguard: ") and result.stderr.count("\n") == 1, repr(result.stderr)
    assert "boom" in result.stderr and "\\x1b]2;owned\\x07" in result.stderr
    _no_raw_controls(result.stdout + result.stderr)
    _no_injected_command(result.stdout + result.stderr)


@pytest.mark.parametrize("fmt", FORMATS)
def test_engine_labels_are_escaped_in_every_format(engine, containers, fmt: str) -> None:
    port = free_host_port()
    c = containers.run(
        "escape", ports=[f"{port}:80"], labels={"com.docker.compose.service": f"web{HOSTILE}{INJECTION}x"}
    )
    result = bindguard_cli("audit", "--host", engine, "--format", fmt)
    assert result.returncode == 1, result.stderr
    assert c.name in result.stdout or str(port) in result.stdout
    _no_raw_controls(result.stdout + result.stderr)
    _no_injected_command(result.stdout + result.stderr)


@pytest.fixture
def injected_name(tmp_path: Path) -> Path:
    return write(tmp_path, f"compose{INJECTION}.yaml", 'services:\n  web:\n    ports: ["8080:80"]\n')


@pytest.mark.parametrize("fmt", FORMATS)
def test_file_name_cannot_add_an_annotation(injected_name: Path, fmt: str) -> None:
    result = bindguard_cli("lint", "--format", fmt, str(injected_name))
    assert result.returncode == 1, result.stderr
    _no_injected_command(result.stdout + result.stderr)
    _no_raw_controls(result.stdout + result.stderr)
    if fmt == "github":
        lines = result.stdout.splitlines()
        assert len(lines) == 1 and lines[0].startswith("::error file=")
        assert "%0A%3A%3Aerror file=README.md%3A%3AX%0A" in lines[0]


def test_missing_path_with_a_newline_is_one_stderr_line(tmp_path: Path) -> None:
    result = bindguard_cli("lint", str(tmp_path / f"nope{INJECTION}{HOSTILE}.yaml"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, repr(result.stderr)
    _no_injected_command(result.stderr)
    _no_raw_controls(result.stderr)


@pytest.mark.parametrize(
    "text, data, prop",
    [
        ("100%", "100%25", "100%25"),
        ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
        ("file:a,b", "file:a,b", "file%3Aa%2Cb"),
        ("%0A", "%250A", "%250A"),  # % first: an escape in the input stays text
        ("x\x1by", "x\\x1by", "x\\x1by"),
    ],
)
def test_github_escaping_follows_the_toolkit(text: str, data: str, prop: str) -> None:
    assert escape_data(text) == data
    assert escape_property(text) == prop
