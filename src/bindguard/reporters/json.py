"""``--format json``: the findings as data, for scripts and other tools."""

from __future__ import annotations

import json

from bindguard.model import Finding
from bindguard.reporters.base import Report, rule_url


def finding_dict(f: Finding) -> dict[str, object]:
    loc = f.location
    data: dict[str, object] = {
        "rule": f.code,
        "name": f.rule_name,
        "severity": str(f.severity),
        "file": loc.file,
        "line": loc.line or None,
        "column": loc.column or None,
        "service": f.service,
        "services": list(f.service_names),  # every service a shared (anchored) entry publishes for
        "message": f.message,
        "fix": f.fix or None,
        "fixable": f.fixable,  # bindguard fix rewrites the entry: the hint is that rewrite
        "entry": f.entry or None,
        "resolved": f.resolved or None,
    }
    if loc.engine is not None:
        data.update(
            engine=loc.engine,
            container=loc.container,
            container_id=loc.container_id,
            image=loc.image,
            also=list(f.also),  # codes folded into this finding (an exposure that also drifted: BG010)
        )
    return data


class JsonReporter:
    def render(self, report: Report) -> str:
        data: dict[str, object] = {
            "version": report.tool_version,
            "kind": report.kind,
            "findings": [{**finding_dict(f), "url": rule_url(report, f.code)} for f in report.findings],
            "summary": {
                "findings": len(report.findings),
                "by_rule": report.counts(),
                "by_severity": report.severity_counts(),
                "sources": len(report.sources),
                "published_ports": report.published_ports,
                "exposed": report.exposed,
                "suppressed": report.suppressed,
                "baselined": report.baselined,
                "fixable": sum(f.fixable for f in report.findings),
            },
            "notes": [
                {"file": n.location.file, "line": n.location.line or None, "message": n.message}
                for n in report.notes
            ],
        }
        if report.profiles:
            from bindguard.profilescope import as_json

            data["summary"]["profiles"] = [as_json(scope) for scope in report.profiles]  # type: ignore[index]
        if report.weakened is not None:  # which config file turned the gate down, and how (issue 25)
            data["weakened"] = report.weakened.as_dict()
        if report.kind == "engine":
            data["engines"] = list(report.engines)
        if report.confirmations:
            data["confirmations"] = list(report.confirmations)
        return json.dumps(data, indent=2) + "\n"


def statistics_json(report: Report) -> str:
    """``--statistics --output-format json``: one object per rule, most frequent first (as ruff)."""
    counts = report.counts()
    rows = []
    for code, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        rule = report.rule(code)
        rows.append({
            "code": code,
            "name": rule.name if rule else "",
            "count": n,
            "fixable": sum(f.fixable for f in report.findings if f.code == code),
        })
    return json.dumps(rows, indent=2) + "\n"
