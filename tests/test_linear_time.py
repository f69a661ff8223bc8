"""Every parser runs in linear time on any input (issue 14).

Each parser's worst case (``benchmarks/worst_cases.py``: inline ignore
directives, trailing comments, interpolation nesting and count, port strings,
dotenv lines, config values) is linted at 1 MB and must cost at most
``FACTOR`` times a plain 1 MB compose file linted in the same run.  The
measure is this process's CPU time (best of several runs), so other load on
the machine hardly matters, and it is a ratio, never an absolute time.  Before
issue 14 these ratios went from 5 to well over 40 (``benchmarks/RESULTS.md``);
linear code keeps them near or below 1.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

SIZE = 1_000_000
FACTOR = 2.5
# A case whose every entry is a finding does more work per byte than the plain file, whose
# entries are clean: each exposed entry is also a fix hint, decided and proven as `fix` would
# (about 2.5x a clean entry, linear). Counting lines from the top for each hint's region made
# it 8.6x at 1 MB and growing with the size; its own bound still catches that.
FACTORS = {"every entry exposed (fix hints)": 4.0}

_spec = importlib.util.spec_from_file_location(
    "worst_cases", Path(__file__).resolve().parent.parent / "benchmarks" / "worst_cases.py"
)
worst_cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(worst_cases)


@pytest.fixture(scope="module")
def plain_seconds(tmp_path_factory: pytest.TempPathFactory) -> float:
    folder = str(tmp_path_factory.mktemp("plain"))
    paths, config = worst_cases.plain(folder, SIZE)
    assert os.path.getsize(paths[0]) >= SIZE
    return worst_cases.lint_cpu_seconds(paths, config, repeat=2)


@pytest.mark.parametrize("name", list(worst_cases.CASES))
def test_worst_case_within_a_constant_factor_of_a_plain_file(
    name: str, plain_seconds: float, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("A", "B"):
        monkeypatch.delenv(variable, raising=False)
    paths, config = worst_cases.CASES[name](str(tmp_path), SIZE)
    written = sum(os.path.getsize(p) for p in tmp_path.iterdir() if p.is_file())
    assert written >= SIZE * 0.9, "the worst case must be as large as the plain file"
    factor = FACTORS.get(name, FACTOR)
    seconds = worst_cases.lint_cpu_seconds(paths, config, repeat=1)
    if seconds > factor * plain_seconds:  # best of three before calling it a failure
        seconds = min(seconds, worst_cases.lint_cpu_seconds(paths, config, repeat=2))
    assert seconds <= factor * plain_seconds, (
        f"{name}: {seconds:.3f} s of CPU against {plain_seconds:.3f} s for a plain 1 MB file "
        f"({seconds / plain_seconds:.1f}x, at most {factor}x)"
    )


def test_worst_cases_are_reported_not_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hostile inputs are read to the end: each becomes findings or one error, never a crash."""
    from bindguard.config import load_config
    from bindguard.errors import ConfigError
    from bindguard.lint import lint
    from bindguard.settings import CliOptions, lint_settings

    monkeypatch.delenv("A", raising=False)
    monkeypatch.delenv("B", raising=False)
    codes = {}
    for index, (name, case) in enumerate(worst_cases.CASES.items()):
        folder = tmp_path / str(index)
        folder.mkdir()
        paths, config = case(str(folder), 20_000)
        try:
            settings, _ = lint_settings(CliOptions(jobs=1), load_config(config, no_config=config is None))
            report = lint(paths, settings)
        except ConfigError as exc:
            codes[name] = {"config: " + exc.key}
            continue
        codes[name] = {f.code for f in report.findings}
    assert "BG007" in codes["interpolation nesting"]  # nested too deeply
    assert "BG007" in codes["port string (colons)"]
    assert "BG000" in codes["dotenv unterminated quote"]
    assert codes["ignore directives (many #)"] == set()  # the directive at the end still applies
    assert codes["trailing comment (blanks)"] == set()
    assert codes["every entry exposed (fix hints)"] == {"BG001"}
    assert codes["include fan-out (17 files x 10)"] == set()  # a repeated include is no conflict
    assert codes["dotenv values doubling"] == {"BG000"}  # refused at the line that crosses the bound
    assert codes["compose entries reusing a big value"] == {"BG007"}  # each entry refused, none copied
    (refused,) = codes["config values (globs)"]
    assert refused in ("config: exclude", "config: overrides[0].paths")


# Issue 25: inputs that multiplied work rather than slowing a parser (includes that fan out,
# env values that double).  Their memory is bounded too: the peak of Python allocations
# (tracemalloc) during the lint, against the plain file of the same size in the same run.
AMPLIFIERS = (
    "include fan-out (17 files x 10)",
    "dotenv values doubling",
    "dotenv big value reused",
    "compose entries reusing a big value",
)
MEMORY_SIZE = 200_000
MEMORY_FACTOR = 2.0


def _lint_peak_bytes(name: str, folder: str) -> int:
    import tracemalloc

    from bindguard.config import load_config
    from bindguard.lint import lint
    from bindguard.settings import CliOptions, lint_settings

    paths, config = worst_cases.CASES.get(name, worst_cases.plain)(folder, MEMORY_SIZE)
    settings, _ = lint_settings(CliOptions(jobs=1), load_config(config, no_config=config is None))
    tracemalloc.start()
    try:
        lint(paths, settings)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture(scope="module")
def plain_peak(tmp_path_factory: pytest.TempPathFactory) -> int:
    return _lint_peak_bytes("plain", str(tmp_path_factory.mktemp("plain-peak")))


@pytest.mark.parametrize("name", AMPLIFIERS)
def test_amplifying_inputs_keep_memory_within_a_constant_factor(
    name: str, plain_peak: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("A", raising=False)
    peak = _lint_peak_bytes(name, str(tmp_path))
    assert peak <= MEMORY_FACTOR * plain_peak, (
        f"{name}: peak {peak / 1e6:.1f} MB against {plain_peak / 1e6:.1f} MB for a plain "
        f"{MEMORY_SIZE:,}-byte file (at most {MEMORY_FACTOR}x)"
    )
