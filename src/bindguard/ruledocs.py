"""Rule documentation pages, generated from the rule modules' docstrings.

The docstring is the single source: ``bindguard rules CODE`` prints it, SARIF
uses it as ``fullDescription`` and points ``helpUri`` at the page written
here, and a test fails when a page under ``docs/rules/`` is missing or stale.
Regenerate with ``python -m bindguard.ruledocs docs/rules``.
"""

from __future__ import annotations

import os
import sys

from bindguard.rules import RULES

REQUIRED_HEADINGS = (
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "Use instead:",
    "## Fix",
    "## Options",
    "## References",
)


def page(code: str) -> str:
    rule = RULES[code]
    doc = rule.doc.strip()
    meta = (
        f"\n\n---\nSeverity: {rule.severity} · Scope: "
        f"{rule.scope_text} · Since: {rule.since}\n"
    )
    return doc + meta


def missing_headings(code: str) -> list[str]:
    doc = RULES[code].doc
    missing = [h for h in REQUIRED_HEADINGS if h not in doc]
    title = f"# {code} {RULES[code].name}"
    if not doc.strip().startswith(title):
        missing.insert(0, title)
    return missing


def index() -> str:
    lines = ["# bindguard rules", "", "| code | name | severity | summary |", "| --- | --- | --- | --- |"]
    for code, rule in RULES.items():
        lines.append(f"| [{code}]({code}.md) | {rule.name} | {rule.severity} | {rule.summary} |")
    return "\n".join(lines) + "\n"


def pages() -> dict[str, str]:
    out = {f"{code}.md": page(code) for code in RULES}
    out["README.md"] = index()
    return out


def write_all(directory: str) -> None:
    os.makedirs(directory, exist_ok=True)
    for name, text in pages().items():
        with open(os.path.join(directory, name), "w", encoding="utf-8") as fh:
            fh.write(text)


def stale(directory: str) -> list[str]:
    """Pages in ``directory`` that differ from what the rule docstrings generate (or are missing)."""
    out = []
    for name, text in pages().items():
        try:
            with open(os.path.join(directory, name), encoding="utf-8") as fh:
                if fh.read() == text:
                    continue
        except OSError:
            pass
        out.append(name)
    return out


def main(argv: list[str]) -> int:
    """``python -m bindguard.ruledocs [--check] [DIR]``: write the pages, or (``--check``) list
    the stale ones and exit 1, as the repository's pre-commit hook does."""
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    directory = args[0] if args else "docs/rules"
    if check:
        names = stale(directory)
        for name in names:
            print(f"{os.path.join(directory, name)} is stale: run python -m bindguard.ruledocs {directory}")
        return 1 if names else 0
    write_all(directory)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
