"""Assembling a :class:`~bindguard.reporters.base.Report` from a run's findings.

``lint``, ``audit`` and ``audit PATHS`` each end with findings and counts;
this turns them into the one value every reporter renders (sorted findings,
the rule list with documentation URLs, the tool version).  It lives with the
reporters, not with ``lint``, so that the engine path does not import the
lint path to report (issue 26).
"""

from bindguard import __version__
from bindguard.model import Finding, Note
from bindguard.reporters.base import Report, RuleInfo
from bindguard.rules import RULES, help_uri


def rule_infos() -> tuple[RuleInfo, ...]:
    """Every rule as reporters describe it."""
    return tuple(
        RuleInfo(
            code=code,
            name=rule.name,
            severity=rule.severity,
            summary=rule.summary,
            doc=rule.doc.strip(),
            help_uri=help_uri(code),
        )
        for code, rule in RULES.items()
    )


def make_report(
    findings: list[Finding],
    kind: str,
    sources: tuple[str, ...],
    suppressed: int = 0,
    engines: tuple[dict, ...] = (),
    published_ports: int | None = None,
    exposed: int = 0,
    baselined: int = 0,
    notes: tuple[Note, ...] = (),
) -> Report:
    """The report of one run: ``kind`` is ``"files"`` (lint) or ``"engine"`` (audit)."""
    return Report(
        findings=tuple(sorted(findings, key=Finding.sort_key)),
        rules=rule_infos(),
        kind=kind,
        sources=sources,
        tool_version=__version__,
        suppressed=suppressed,
        engines=engines,
        published_ports=published_ports,
        exposed=exposed,
        baselined=baselined,
        notes=notes,
    )
