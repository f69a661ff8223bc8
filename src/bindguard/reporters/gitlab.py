"""GitLab Code Quality report (a Code Climate issue list), for merge-request widgets.

GitLab reads ``artifacts:reports:codequality`` as a JSON array of issues and
requires ``description``, ``check_name``, ``fingerprint``, ``severity``,
``location.path`` and ``location.lines.begin``.  It compares fingerprints
between the source and target branch to show "new" and "fixed" issues, and it
drops or mis-counts issues whose fingerprints repeat within one report, so
fingerprints here come from
:func:`~bindguard.reporters.fingerprint.unique_fingerprints`: line-independent
and unique per report.

Severity mapping (GitLab's scale is info, minor, major, critical, blocker):

* ``error`` -> ``critical``: a port reachable from the network is a security
  exposure, which GitLab's widget should rank above ordinary code smells;
  ``blocker`` is left for "the build cannot proceed", which is ``--fail-on``'s
  decision, not this file's.
* ``warning`` -> ``major``
* ``info`` -> ``info``

Engine findings (``audit``) have no file; GitLab still needs a path, so they
use ``docker/<engine>/<container>`` (segments percent-encoded, so an engine
endpoint like ``unix:///var/run/docker.sock`` stays one segment) with
``lines.begin`` 1.  Such a path matches no file in the diff, so GitLab lists
the issue in the widget without linking a line -- which is the truth.

``type`` and ``categories`` are the optional Code Climate fields; the
description includes the fix hint because it is the only text GitLab shows.
"""

from __future__ import annotations

import json
from typing import Any

from bindguard.model import Finding, Severity
from bindguard.reporters.base import Report, display_path, message_text, rule_url
from bindguard.reporters.fingerprint import engine_segment, unique_fingerprints

__all__ = ["GitlabReporter", "gitlab_severity"]

_SEVERITY = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.INFO: "info"}


def gitlab_severity(severity: Severity) -> str:
    return _SEVERITY[severity]


class GitlabReporter:
    """Renders the Code Quality JSON array."""

    def __init__(self, base_path: str | None = None) -> None:
        self.base_path = base_path

    def _path_and_line(self, finding: Finding) -> tuple[str, int]:
        loc = finding.location
        if loc.file is not None:
            return display_path(loc.file, self.base_path), max(loc.line, 1)
        segments = ["docker", engine_segment(loc.engine or "unknown")]
        if loc.container:
            segments.append(engine_segment(loc.container))
        return "/".join(segments), 1

    def _issue(self, finding: Finding, fp: str, url: str | None = None) -> dict[str, Any]:
        path, line = self._path_and_line(finding)
        description = message_text(finding)
        if finding.location.file is None:
            description = f"{finding.location}: {description}"
        return {
            "type": "issue",
            "description": description,
            "check_name": finding.code,
            "categories": ["Security"],
            "fingerprint": fp,
            "severity": gitlab_severity(finding.severity),
            "location": {"path": path, "lines": {"begin": line}},
            # Code Climate's optional Markdown body: the rule's documentation
            **({"content": {"body": f"[{finding.code} documentation]({url})"}, "url": url} if url else {}),
        }

    def _weakened(self, report: Report) -> dict[str, Any]:
        """An entry on the config file that turned the gate down (issue 25): the merge
        request's Code Quality widget is the one place a GitLab user reads."""
        import hashlib

        weak = report.weakened
        assert weak is not None
        weak = weak._replace(config=display_path(weak.config, self.base_path))
        sentence = weak.sentence()
        return {
            "type": "issue",
            "description": sentence,
            "check_name": "bindguard-config",
            "categories": ["Security"],
            "fingerprint": hashlib.sha256(sentence.encode("utf-8")).hexdigest(),
            "severity": "major",
            "location": {"path": weak.config, "lines": {"begin": 1}},
        }

    def render(self, report: Report) -> str:
        fingerprints = unique_fingerprints(report.findings)
        issues = [self._issue(f, fp, rule_url(report, f.code)) for f, fp in zip(report.findings, fingerprints, strict=True)]
        if report.weakened is not None:
            issues.append(self._weakened(report))
        return json.dumps(issues, indent=2) + "\n"
