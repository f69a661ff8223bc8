#!/usr/bin/env python3
"""Print a pip constraints file pinning every direct dependency to its lower bound.

CI installs the project twice, each time in a new virtual environment: once with the newest
versions its ranges allow (what a newcomer gets today) and once with these pins (what a user
with an older, still-allowed version gets). A lower bound that fails its tests is raised in
``pyproject.toml``, never worked around: it is a promise to users.

Reads ``[project.dependencies]`` and every ``[project.optional-dependencies]`` extra; each
requirement must name a ``>=`` bound (the script fails naming the one that does not).

    python .ci/lowest-constraints.py > lowest.txt
    pip install -c lowest.txt '.[test]'
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
# name, optional [extras], then the version specifiers up to an environment marker
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*([^;]*)")


def lower_bound(requirement: str) -> tuple[str, str]:
    """``'typer>=0.12,<0.29'`` -> ``('typer', '0.12')``; a requirement without ``>=`` is an error."""
    match = REQUIREMENT.match(requirement)
    if not match:
        raise ValueError(f"cannot read requirement {requirement!r}")
    name, specifiers = match.group(1), match.group(2)
    for spec in specifiers.split(","):
        spec = spec.strip()
        if spec.startswith(">="):
            return name, spec[2:].strip()
    raise ValueError(f"requirement {requirement!r} has no '>=' lower bound")


def constraints(pyproject: Path = PYPROJECT) -> list[str]:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    requirements = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        requirements.extend(extra)
    pins: dict[str, str] = {}
    for requirement in requirements:
        name, version = lower_bound(requirement)
        key = re.sub(r"[-_.]+", "-", name).lower()
        if pins.get(key, version) != version:
            raise ValueError(f"{name} has two lower bounds: {pins[key]} and {version}")
        pins[key] = version
    return [f"{name}=={version}" for name, version in sorted(pins.items())]


def main() -> int:
    try:
        lines = constraints()
    except (OSError, ValueError, KeyError) as exc:
        print(f"lowest-constraints: {exc}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
