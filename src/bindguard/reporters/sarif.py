"""SARIF 2.1.0, the format code-scanning services (GitHub, Azure DevOps, IDEs) ingest.

Why these choices:

* **Every rule is listed** in ``tool.driver.rules``, not only the ones that
  fired: GitHub shows rule help from the driver, and a stable rule table keeps
  ``ruleIndex`` meaningful across runs.  A finding whose code is missing from
  ``report.rules`` (a registry out of step with the runner) still gets a
  minimal descriptor appended, so ``ruleIndex`` never points nowhere.
* **File locations are relative URIs with a** ``uriBaseId`` (``SRCROOT`` by
  default).  Code scanning resolves them against the checkout, so the same
  report is valid on any machine.  When the reporter is given a ``base_path``
  it makes paths under it relative and declares the base in
  ``originalUriBaseIds``; a path outside it becomes an absolute ``file://``
  URI without a base id.  Paths are percent-encoded so a space or a ``:`` in
  a file name still yields a valid URI reference.
* **Engine locations** (``audit``) have no file.  They get a physical
  location whose ``artifactLocation.uri`` is ``docker://<engine>/<container>``
  (segments percent-encoded; no ``uriBaseId`` since the URI is absolute and
  no region since there are no lines) plus a ``logicalLocation`` of kind
  ``resource`` naming the container as ``<engine>/<container>``.  Container
  id and image go into ``result.properties``.
* **Columns are Unicode code points** (``run.columnKind``): that is what the
  YAML parser counts, while SARIF's default is UTF-16 code units.
* ``partialFingerprints`` carries the line-independent fingerprint (see
  :mod:`bindguard.reporters.fingerprint`), de-duplicated within the run so two
  genuinely distinct results are never merged into one alert.
* ``properties.security-severity`` on rules lets GitHub show a
  critical/high/medium/low badge; the numbers are a fixed mapping of the
  rule's default severity.

The reporter is pure: base path and information URI are constructor
arguments, output depends only on the report, and the JSON is indented with
keys in insertion order so golden files are readable and byte-stable.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from bindguard.model import Finding, Note, Severity
from bindguard.reporters.base import Report, RuleInfo, message_text
from bindguard.reporters.fingerprint import (
    FINGERPRINT_KEY,
    display_path,
    engine_segment,
    is_absolute,
    normalise_path,
    unique_fingerprints,
)

__all__ = ["SarifReporter", "SARIF_SCHEMA_URI", "SARIF_VERSION", "sarif_level", "message_text"]

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
    "sarif-schema-2.1.0.json"
)
DEFAULT_INFORMATION_URI = "https://github.com/bindguard/bindguard"

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_SECURITY_SEVERITY = {Severity.ERROR: "8.0", Severity.WARNING: "5.0", Severity.INFO: "2.0"}
_TAGS = ["security", "docker", "network"]


def sarif_level(severity: Severity) -> str:
    """SARIF has no "info" level; ``note`` is its lowest problem level."""
    return _LEVELS[severity]


def _uri_path(path: str) -> str:
    # quote() leaves unreserved characters and "/" alone and encodes ":" so a
    # relative path like "a:b.yml" is not misread as a URI scheme.
    return quote(path, safe="/", errors="surrogateescape")


def _file_uri(path: str) -> str:
    """An absolute ``file://`` URI for an absolute, normalised path."""
    if not path.startswith("/"):  # Windows drive path, C:/...
        return "file:///" + quote(path, safe="/:", errors="surrogateescape")
    return "file://" + quote(path, safe="/", errors="surrogateescape")


class SarifReporter:
    """Renders a report as one SARIF 2.1.0 log with a single run."""

    def __init__(
        self,
        base_uri_id: str = "SRCROOT",
        base_path: str | None = None,
        information_uri: str = DEFAULT_INFORMATION_URI,
    ) -> None:
        self.base_uri_id = base_uri_id
        self.base_path = base_path
        self.information_uri = information_uri

    # -- rules ---------------------------------------------------------------

    def _rule_descriptor(self, rule: RuleInfo) -> dict[str, Any]:
        descriptor: dict[str, Any] = {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary or rule.name or rule.code},
            "fullDescription": {"text": rule.doc or rule.summary or rule.code},
        }
        if rule.help_uri:
            descriptor["helpUri"] = rule.help_uri
        descriptor["help"] = {"text": rule.doc or rule.summary or rule.code}
        descriptor["defaultConfiguration"] = {"level": sarif_level(rule.severity)}
        descriptor["properties"] = {
            "tags": list(_TAGS),
            "security-severity": _SECURITY_SEVERITY[rule.severity],
        }
        return descriptor

    def _rules(self, report: Report) -> tuple[list[dict[str, Any]], dict[str, int]]:
        descriptors: list[dict[str, Any]] = []
        index: dict[str, int] = {}
        for rule in report.rules:
            if rule.code in index:
                continue
            index[rule.code] = len(descriptors)
            descriptors.append(self._rule_descriptor(rule))
        for finding in report.findings:
            if finding.code in index:
                continue
            index[finding.code] = len(descriptors)
            minimal: dict[str, Any] = {"id": finding.code}
            if finding.rule_name:
                minimal["name"] = finding.rule_name
            minimal["shortDescription"] = {"text": finding.rule_name or finding.code}
            descriptors.append(minimal)
        return descriptors, index

    # -- locations -----------------------------------------------------------

    def _file_location(self, finding: Finding) -> dict[str, Any]:
        loc = finding.location
        assert loc.file is not None
        path = display_path(loc.file, self.base_path)
        if is_absolute(path):
            artifact: dict[str, Any] = {"uri": _file_uri(path)}
        else:
            artifact = {"uri": _uri_path(path), "uriBaseId": self.base_uri_id}
        physical: dict[str, Any] = {"artifactLocation": artifact}
        if loc.line > 0:
            region: dict[str, Any] = {"startLine": loc.line}
            if loc.column > 0:
                region["startColumn"] = loc.column
            physical["region"] = region
        return {"physicalLocation": physical}

    @staticmethod
    def _engine_location(finding: Finding) -> dict[str, Any]:
        loc = finding.location
        engine = loc.engine or "unknown"
        segments = [engine_segment(engine)]
        names = [engine]
        if loc.container:
            segments.append(engine_segment(loc.container))
            names.append(loc.container)
        location: dict[str, Any] = {
            "physicalLocation": {
                "artifactLocation": {"uri": "docker://" + "/".join(segments)}
            },
            "logicalLocations": [
                {
                    "name": loc.container or engine,
                    "fullyQualifiedName": "/".join(names),
                    "kind": "resource",
                }
            ],
        }
        return location

    def _location(self, finding: Finding) -> dict[str, Any]:
        if finding.location.file is not None:
            return self._file_location(finding)
        return self._engine_location(finding)

    # -- results -------------------------------------------------------------

    def _result(
        self, finding: Finding, rule_index: int, fp: str
    ) -> dict[str, Any]:
        result: dict[str, Any] = {
            "ruleId": finding.code,
            "ruleIndex": rule_index,
            "level": sarif_level(finding.severity),
            "message": {"text": message_text(finding)},
            "locations": [self._location(finding)],
            "partialFingerprints": {FINGERPRINT_KEY: fp},
        }
        properties: dict[str, Any] = {}
        if finding.service:
            properties["service"] = finding.service
            if len(finding.service_names) > 1:
                properties["services"] = list(finding.service_names)
        if finding.entry:
            properties["entry"] = finding.entry
        if finding.resolved:
            properties["resolved"] = finding.resolved
        if finding.also:
            properties["alsoRuleIds"] = list(finding.also)
        loc = finding.location
        if loc.file is None:
            if loc.container_id:
                properties["containerId"] = loc.container_id
            if loc.image:
                properties["image"] = loc.image
        if properties:
            result["properties"] = properties
        if finding.fix_edit is not None and loc.file is not None:
            result["fixes"] = [self._fix(finding)]
        return result

    def _fix(self, finding: Finding) -> dict[str, Any]:
        """``bindguard fix``'s own replacement, which GitHub shows as a suggested change."""
        edit = finding.fix_edit
        assert edit is not None
        artifact = self._file_location(finding)["physicalLocation"]["artifactLocation"]
        return {
            "description": {"text": finding.fix},
            "artifactChanges": [
                {
                    "artifactLocation": artifact,
                    "replacements": [
                        {
                            "deletedRegion": {
                                "startLine": edit.start_line,
                                "startColumn": edit.start_column,
                                "endLine": edit.end_line,
                                "endColumn": edit.end_column,
                            },
                            "insertedContent": {"text": edit.text},
                        }
                    ],
                }
            ],
        }

    def _note(self, note: Note) -> dict[str, Any]:
        """A note several results share, as a SARIF notification (said once)."""
        out: dict[str, Any] = {"level": "note", "message": {"text": note.message}}
        if note.location.file is not None:
            out["locations"] = [
                self._file_location(Finding("", Severity.INFO, note.message, note.location))
            ]
        return out

    def document(self, report: Report) -> dict[str, Any]:
        """The SARIF log as plain data (what :meth:`render` serialises)."""
        rules, index = self._rules(report)
        driver: dict[str, Any] = {"name": "bindguard"}
        if report.tool_version:
            driver["version"] = report.tool_version
        driver["informationUri"] = self.information_uri
        driver["rules"] = rules

        fingerprints = unique_fingerprints(report.findings)
        results = [
            self._result(f, index[f.code], fp)
            for f, fp in zip(report.findings, fingerprints, strict=True)
        ]

        run: dict[str, Any] = {"tool": {"driver": driver}}
        if self.base_path and is_absolute(normalise_path(self.base_path)):
            base = normalise_path(self.base_path).rstrip("/") + "/"
            run["originalUriBaseIds"] = {self.base_uri_id: {"uri": _file_uri(base)}}
        run["columnKind"] = "unicodeCodePoints"
        if report.notes:
            run["invocations"] = [
                {
                    "executionSuccessful": True,
                    "toolExecutionNotifications": [self._note(n) for n in report.notes],
                }
            ]
        run["results"] = results
        run["properties"] = {"kind": report.kind, "suppressed": report.suppressed}
        if report.confirmations:
            run["properties"]["confirmations"] = list(report.confirmations)
        if report.weakened is not None:
            # which config file turned the gate down, and how (issue 25): in the run's
            # properties, and as a warning notification that code scanning shows
            weak = report.weakened._replace(config=display_path(report.weakened.config, self.base_path))
            run["properties"]["weakened"] = weak.as_dict()
            run.setdefault("invocations", [{"executionSuccessful": True, "toolExecutionNotifications": []}])
            run["invocations"][0]["toolExecutionNotifications"].append(
                {"level": "warning", "message": {"text": weak.sentence()}}
            )
        return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}

    def render(self, report: Report) -> str:
        return json.dumps(self.document(report), indent=2, sort_keys=False) + "\n"
