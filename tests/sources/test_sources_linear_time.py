"""The new sources' parsers run in linear time (issue 27, in the style of tests/test_linear_time.py).

Each crafted 1 MB script, unit file, dev container or Makefile is linted and
must cost at most ``FACTOR`` times a plain 1 MB compose file linted in the
same run (CPU time of this process, best of several runs: a ratio, never an
absolute time).  Every case is also read to the end: it yields findings or a
BG000, never a crash.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from pathlib import Path

import pytest

SIZE = 1_000_000
FACTOR = 2.5
# Cases whose every line is a finding (each one is also a message and a sort key), and a Makefile
# whose every `$(shell ...)` is a template expression the shell then sees as an expansion of its own:
# linear (4x the size costs about 4x), with a larger constant than a clean compose file.
FACTORS = {"Makefile: doubling variables": 4.0, "Makefile: make functions in one word": 4.0,
           # each line is read twice: as a line, and as the script its `sh -c` runs
           "script: sh -c on every line": 4.0, "script: sh -c in sh -c in sh -c": 4.0,
           "script: thousands of exports, then sh -c on every line": 4.0,
           # read up to the file's own size again, then every line is an unresolved finding
           "script: a big value run by sh -c on every line": 6.0}

_spec = importlib.util.spec_from_file_location(
    "worst_cases", Path(__file__).resolve().parent.parent.parent / "benchmarks" / "worst_cases.py"
)
worst_cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(worst_cases)


def _repeat(unit: str, size: int) -> str:
    return unit * (size // len(unit) + 1)


def _write(folder: str, name: str, text: str) -> list[str]:
    path = os.path.join(folder, name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return [path]


CASES: dict[str, Callable[[str, int], list[str]]] = {
    # shell
    "script: many docker run lines": lambda d, n: _write(d, "run.sh", _repeat(
        'docker run -d -p "${HOST:-127.0.0.1}:8080:80" --name web nginx\n', n)),
    # distinct host ports: 40,000 claims of one port are BG005's own (quadratic) worst case, not the parser's
    "script: one command continued over every line": lambda d, n: _write(d, "one.sh", "docker run \\\n" + "".join(
        f"  -p 127.0.0.1:{1 + i % 65000}:80 \\\n" for i in range(n // 24)) + "  nginx\n"),
    "script: nested defaults": lambda d, n: _write(d, "nest.sh", "docker run -p " + "${A:-" * (n // 6)
                                                  + "127.0.0.1:1:1" + "}" * (n // 6) + " img\n"),
    "script: chain of assignments": lambda d, n: _write(d, "chain.sh", "A0=127.0.0.1\n" + "".join(
        f"A{i}=$A{i - 1}\n" for i in range(1, n // 12)) + f'docker run -p "$A{n // 12 - 1}:1:1" img\n'),
    "script: one long line of non-ASCII words": lambda d, n: _write(d, "wide.sh", "docker run " + _repeat(
        "-e Ä=ö ", n) + "-p 1:1 img\n"),
    "script: unclosed quote": lambda d, n: _write(d, "quote.sh", 'docker run -p "' + _repeat("1:1 \\\" ", n)),
    "script: sh -c on every line": lambda d, n: _write(d, "shc.sh", _repeat(
        "sh -c 'docker run -p 127.0.0.1:8080:80 web'\n", n)),
    "script: sh -c in sh -c in sh -c": lambda d, n: _write(d, "nested.sh", _repeat(
        "sh -c 'bash -c \"sh -c \\\"docker run -p 127.0.0.1:7:7 z\\\"\"'\n", n)),
    "script: a big value run by sh -c on every line": lambda d, n: _write(d, "big.sh", 'X="' + _repeat(
        "docker run -p 127.0.0.1:1:1 img; ", n // 2) + '"\n' + _repeat('sh -c "$X"\n', n // 2)),
    "script: thousands of exports, then sh -c on every line": lambda d, n: _write(d, "env.sh", "".join(
        f"export A{i}=127.0.0.1\n" for i in range(n // 40)) + _repeat(
        "sh -c 'docker run -p ${A1:-0.0.0.0}:1:1 x'\n", n // 2)),
    # Makefile and CI files
    "Makefile: doubling variables": lambda d, n: _write(d, "Makefile", "A0 = 1\n" + "".join(
        f"A{i} = $(A{i - 1})$(A{i - 1})\n" for i in range(1, 40)) + "run:\n" + _repeat(
        "\tdocker run -p $(A39):80 img\n", n)),
    "Makefile: unclosed references": lambda d, n: _write(d, "Makefile", "run:\n\tdocker run -p " + _repeat(
        "$(A", n) + " img\n"),
    "Makefile: make functions in one word": lambda d, n: _write(d, "Makefile", "run:\n\tdocker run -p " + _repeat(
        "$(shell a)", n) + " img\n"),
    "workflow: unclosed expressions": lambda d, n: _write(d, "ci.yml", "on: push\njobs:\n  a:\n    steps:\n"
                                                         "      - run: docker run -p " + _repeat("${{ a ", n) + "\n"),
    # structured sources
    "devcontainer: long appPort array": lambda d, n: _write(d, "devcontainer.json", '{"appPort": [' + "".join(
        f'"127.0.0.1:{1 + i % 65000}:80", // c\n' for i in range(n // 26)) + '"1:1",]}'),
    "devcontainer: nesting": lambda d, n: _write(d, "devcontainer.json", '{"x": ' + "[" * (n // 2) + "]" * (n // 2) + "}"),
    "devcontainer: unclosed comment": lambda d, n: _write(d, "devcontainer.json", '{"appPort": 1 /*' + _repeat(
        "/* * / ", n)),
    "devcontainer: escapes in a string": lambda d, n: _write(d, "devcontainer.json", '{"appPort": "' + _repeat(
        "\\\\\\u0041", n) + '"}'),
    "quadlet: many PublishPort lines": lambda d, n: _write(d, "web.container", "[Container]\n" + _repeat(
        "PublishPort=127.0.0.1:8080:80\n", n)),
    "quadlet: one line continued": lambda d, n: _write(d, "web.container", "[Container]\nPublishPort=1:1 \\\n"
                                                      + _repeat("  x \\\n", n) + "\n"),
    "pods: many containers": lambda d, n: _write(d, "pod.yaml", "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n"
                                                + _repeat("  - name: c\n    ports:\n    - {containerPort: 80, hostPort: 80,"
                                                          " hostIP: 127.0.0.1}\n", n)),
}


@pytest.fixture(scope="module")
def plain_seconds(tmp_path_factory: pytest.TempPathFactory) -> float:
    folder = str(tmp_path_factory.mktemp("plain"))
    paths, config = worst_cases.plain(folder, SIZE)
    return worst_cases.lint_cpu_seconds(paths, config, repeat=2)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_source_worst_case_within_a_constant_factor(name: str, plain_seconds: float, tmp_path: Path) -> None:
    paths = CASES[name](str(tmp_path), SIZE)
    assert sum(os.path.getsize(p) for p in paths) >= SIZE * 0.9
    factor = FACTORS.get(name, FACTOR)
    seconds = worst_cases.lint_cpu_seconds(paths, None, repeat=1)
    if seconds > factor * plain_seconds:
        seconds = min(seconds, worst_cases.lint_cpu_seconds(paths, None, repeat=2))
    assert seconds <= factor * plain_seconds, (
        f"{name}: {seconds:.3f} s of CPU against {plain_seconds:.3f} s for a plain 1 MB file "
        f"({seconds / plain_seconds:.1f}x, at most {factor}x)"
    )


@pytest.mark.parametrize("name", list(CASES))
def test_source_worst_cases_are_read_to_the_end(name: str, tmp_path: Path) -> None:
    from bindguard.lint import LintSettings, lint

    paths = CASES[name](str(tmp_path), 20_000)
    report = lint(paths, LintSettings(jobs=1))
    assert report.sources, name
    if name == "Makefile: unclosed references":  # make stops at an unterminated `$(`: so does bindguard
        assert [f.code for f in report.findings] == ["BG000"]
