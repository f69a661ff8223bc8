"""Findings per rule over ../shared/corpus/real, as peers see it and as bindguard does.

``literal``: each file alone, variables left as written (what a per-file,
literal linter sees: ``${BIND:-127.0.0.1}`` is not an address).
``project``: bindguard's view: interpolation (empty environment, so only
defaults and ``.env`` files count), override files, extends, include.
Run: ``python benchmarks/corpus_stats.py [CORPUS]``.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from unittest import mock

from bindguard.compose.interpolate import Interpolated
from bindguard.compose.project import ProjectOptions
from bindguard.lint import LintSettings, lint

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "corpus" / "real"


def counts(paths: list[str]) -> Counter:
    report = lint(paths, LintSettings(project=ProjectOptions(environ={})))
    return Counter(f.code for f in report.findings)


def main() -> None:
    files = sorted(str(p) for p in CORPUS.rglob("*") if p.suffix in (".yml", ".yaml"))
    literal_interp = lambda text, lookup: Interpolated(text, (), ())  # noqa: E731
    with mock.patch("bindguard.compose.bindings.interpolate", literal_interp), mock.patch(
        "bindguard.compose.project.interpolate", literal_interp
    ):
        literal = counts(files)
    project = counts(files)
    folders = counts([str(CORPUS)])
    codes = sorted(set(literal) | set(project) | set(folders))
    print(f"{len(files)} files")
    print(f"{'rule':6} {'literal':>8} {'project':>8} {'folders':>8}")
    for code in codes:
        print(f"{code:6} {literal[code]:8} {project[code]:8} {folders[code]:8}")
    print(f"{'total':6} {sum(literal.values()):8} {sum(project.values()):8} {sum(folders.values()):8}")


if __name__ == "__main__":
    main()
