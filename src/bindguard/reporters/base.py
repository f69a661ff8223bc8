"""What every reporter receives, and the one thing it must do with it.

A reporter is a pure function of a :class:`Report`: no printing, no
environment, no clock, no current directory.  Colour and the base path are
arguments, so golden files stay byte-stable.  The helpers at the end are
the presentation rules several formats share.
"""

from collections import Counter
from typing import NamedTuple, Protocol

from bindguard.model import Finding, Note, Severity
from bindguard.weakening import Weakening


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
    JUnit report can show a passing test case per file.  ``published_ports``
    counts the port entries checked (``None``: not counted) and ``exposed``
    those not on loopback, so no summary claims more than was checked
    (issue 20).  ``baselined`` is the part of ``suppressed`` the baseline
    hid; ``notes`` are explanations shared by several findings, said once.
    ``suppressed``
    counts findings hidden by inline ignores or a baseline.  ``weakened``
    says which config file turned the gate down and how.
    """

    findings: tuple[Finding, ...]
    rules: tuple[RuleInfo, ...]
    kind: str = "files"
    sources: tuple[str, ...] = ()
    tool_version: str = ""
    suppressed: int = 0
    engines: tuple[dict, ...] = ()
    published_ports: int | None = None
    exposed: int = 0
    baselined: int = 0
    notes: tuple[Note, ...] = ()
    profiles: tuple = ()  # ProfileScope per distinct profile selection (profilescope.py)
    # ``audit PATHS``/``--expect``: one verdict per container or service (engine/confirm.py)
    confirmations: tuple[dict, ...] = ()
    services: int | None = None  # services checked (lint); None: not counted
    # said on stderr, not in the report: an --exclude pattern that matched nothing (before the
    # report), and paths that could not be read while others were checked (after it; exit 2)
    warnings: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    # how the config file turned the gate down (fail-on, rules off or lowered, env files):
    # every format states it (weakening.py, issue 25)
    weakened: Weakening | None = None
    # Files whose lines a report may quote (``full``): compose files under the given paths,
    # read as text (bindguard.reach).  Empty: quote nothing.
    quotable: tuple[str, ...] = ()

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


def normalise_path(path: str) -> str:
    """A path with forward slashes and no leading ``./``.

    Deliberately *not* resolved against the filesystem or made absolute: the
    path stays as the user gave it, so the same checkout yields the same
    fingerprints on every machine.
    """
    text = path.replace("\\", "/")
    while text.startswith("./"):
        text = text[2:].lstrip("/")
    return text or "."


def display_path(path: str, base_path: str | None = None) -> str:
    """The path a report should show: normalised, and relative to ``base_path``
    when it lies under it (otherwise unchanged)."""
    text = normalise_path(path)
    if base_path:
        base = normalise_path(base_path).rstrip("/")
        if base in ("", "."):
            return text
        if text == base:
            return "."
        if text.startswith(base + "/"):
            return normalise_path(text[len(base) + 1 :])
    return text


def message_text(finding: Finding) -> str:
    """The finding message with its fix hint, as one human-readable string."""
    if finding.fix:
        return f"{finding.message} (fix: {finding.fix})"
    return finding.message


def rule_url(report: Report, code: str) -> str | None:
    """The documentation URL of a rule, as the report's rule list gives it (None if unknown)."""
    rule = report.rule(code)
    return rule.help_uri if rule is not None and rule.help_uri else None


def with_docs_url(report: Report, template: str | None) -> Report:
    """The report with every rule's URL taken from ``docs-url``.

    ``template`` holds ``{code}`` (``https://docs.example/rules/{code}/``) or
    is a base that ``CODE.md`` is added to, like the default
    ``.../docs/rules/``.  None keeps the default URLs.
    """
    if not template:
        return report
    base = template if "{code}" in template else template.rstrip("/") + "/{code}.md"
    return report._replace(rules=tuple(r._replace(help_uri=base.replace("{code}", r.code)) for r in report.rules))
