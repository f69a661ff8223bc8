"""Runs the enabled rules over a Subject and stamps code and severity.

Rules only yield Violations; which rules run, at what severity, is decided
here from the validated configuration, so a rule never reads config itself
beyond its own options.
"""

from collections.abc import Iterable
from typing import NamedTuple

from bindguard.model import Binding, Finding, Severity, Subject, Violation
from bindguard.rules import RULES, get
from bindguard.rules.contract import Rule
from bindguard.rules.options import RuleOptions


class _Selection(NamedTuple):
    select: frozenset[str] | None = None
    ignore: frozenset[str] = frozenset()
    severity: tuple[tuple[str, Severity], ...] = ()
    options: RuleOptions = RuleOptions()


class RuleSelection(_Selection):
    """Which rules run and at what severity (``select``/``ignore``/``severity``).

    Unknown codes are a config error, raised when the selection is made.
    """

    __slots__ = ()

    def __new__(cls, *args, **kwargs) -> "RuleSelection":
        self = super().__new__(cls, *args, **kwargs)
        for code in (*(self.select or ()), *self.ignore, *(c for c, _ in self.severity)):
            get(code)
        return self

    def enabled(self) -> list[Rule]:
        return [
            rule
            for code, rule in RULES.items()
            if (self.select is None or code in self.select) and code not in self.ignore
        ]

    def severity_of(self, rule: Rule) -> Severity:
        for code, sev in self.severity:
            if code == rule.code:
                return sev
        return rule.severity


COMMANDS = ("lint", "audit")


def commands_of(rule: Rule) -> list[str]:
    return [c for c in COMMANDS if rule.runs_in(c)]


def runnable(selection: RuleSelection, command: str, named: frozenset[str] = frozenset()) -> list[str]:
    """Warnings for the codes in ``named`` that ``command`` cannot run.

    A selection under which no rule at all can fire would print a clean
    report having checked nothing (issue 20): that is a ConfigError.
    """
    from bindguard.errors import ConfigError

    enabled = selection.enabled()
    if not enabled:
        raise ConfigError(f"no rule left to run in `bindguard {command}`", key="--select/--ignore")
    if not any(r.runs_in(command) for r in enabled):
        idle = ", ".join(f"{r.code} ({' '.join(commands_of(r)) or 'no command'} only)" for r in enabled)
        raise ConfigError(f"no selected rule runs in `bindguard {command}`: {idle}", key="--select")
    return [
        f"warning: --select {code}: `bindguard {command}` cannot run it "
        f"({' '.join(commands_of(RULES[code])) or 'no command'} only); skipped"
        for code in sorted(named)
        if code in RULES and not RULES[code].runs_in(command)
    ]


def _items(subject: Subject, scope: str) -> Iterable[object]:
    if scope == "binding":
        return subject.bindings
    if scope == "service":
        return subject.services
    if scope == "problem":
        return subject.problems
    if scope == "project":
        return (subject,)
    if scope == "engine":
        return (subject.engine,) if subject.engine is not None else ()
    if scope == "drift":
        return subject.comparisons
    if scope == "engine-proof":
        return subject.proofs
    return ()


def check(subject: Subject, selection: RuleSelection) -> list[Finding]:
    """Every finding for one subject (a compose project or an engine)."""
    findings: list[Finding] = []
    for rule in selection.enabled():
        severity = selection.severity_of(rule)
        for scope in rule.scope:
            for item in _items(subject, scope):
                for v in rule.check(item, selection.options):
                    findings.append(stamp(rule, _severity(rule, severity, v), v, item))
    return findings


def _severity(rule: Rule, configured: Severity, v: Violation) -> Severity:
    """A violation's own (lower) severity, unless the user configured the rule's."""
    return v.severity if v.severity is not None and configured == rule.severity else configured


def stamp_all(selection: RuleSelection, code: str, violations: Iterable[Violation]) -> list[Finding]:
    """Findings of rule ``code`` made outside :func:`check`; none when the rule is not selected.

    Inline ignores (BG012/BG013, ``ignores.py``), an ``--expect`` for a
    service no linted file defines (BG009, ``lint.py``) and the confirmation
    of ``audit PATHS`` yield their Violations here, worded by their rule
    modules, so they are stamped exactly as :func:`check` stamps.
    """
    rule = RULES[code]
    if rule not in selection.enabled():
        return []
    severity = selection.severity_of(rule)
    return [stamp(rule, _severity(rule, severity, v), v) for v in violations]


def stamp(rule: Rule, severity: Severity, v: Violation, item: object = None) -> Finding:
    """One violation as a finding: code, severity and name stamped, the hint never empty.

    The one place a Finding is made: ``check`` and ``stamp_all`` here, and
    the confirmation of ``audit PATHS``, go through it, so a manual rule's
    reason and the written/resolved split of an entry are the same everywhere.
    """
    entry, resolved = v.entry, ""
    if isinstance(item, Binding) and item.resolved:
        # An interpolated entry: the report shows it as written, and the
        # resolved form only as far as it may be printed (issue 14).
        entry, resolved = item.raw, item.resolved
    return Finding(
        code=rule.code,
        severity=severity,
        message=v.message,
        location=v.location,
        service=v.service,
        # A rule fix never rewrites names its reason, so every finding has a hint.
        fix=v.fix or ("" if rule.fix is None or rule.fix.auto else rule.fix.message),
        entry=entry,
        rule_name=rule.name,
        resolved=resolved,
    )
