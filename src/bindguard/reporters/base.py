"""What every reporter receives, and the one thing it must do with it.

A reporter is a pure function of a :class:`Report`: no printing, no
environment, no clock, no current directory.  Colour and the base path are
arguments, so golden files stay byte-stable.
"""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple, Protocol

from bindguard.model import Finding, Severity


class RuleInfo(NamedTuple):
    """A rule as reporters describe it (SARIF driver rules, text legends)."""

    code: str
    name: str
    severity: Severity
    summary: str
    doc: str
    help_uri: str


class Report(NamedTuple):
    """The result of one run, sorted and counted.

    ``kind`` is ``"files"`` for lint or ``"engine"`` for audit; ``sources``
    lists every file or engine that was checked, clean ones included, so a
    JUnit report can show a passing test case per file.  ``suppressed``
    counts findings hidden by inline ignores or a baseline.
    """

    findings: tuple[Finding, ...]
    rules: tuple[RuleInfo, ...]
    kind: str = "files"
    sources: tuple[str, ...] = ()
    tool_version: str = ""
    suppressed: int = 0
    engines: tuple[dict, ...] = ()

    def counts(self) -> dict[str, int]:
        by_code = Counter(f.code for f in self.findings)
        return dict(sorted(by_code.items()))

    def severity_counts(self) -> dict[str, int]:
        by_sev = Counter(str(f.severity) for f in self.findings)
        return {str(s): by_sev.get(str(s), 0) for s in sorted(Severity, reverse=True)}

    def rule(self, code: str) -> RuleInfo | None:
        for r in self.rules:
            if r.code == code:
                return r
        return None


class Reporter(Protocol):
    """Turns a report into the text of one output format."""

    def render(self, report: Report) -> str: ...
