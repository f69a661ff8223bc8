"""JUnit XML, for CI systems that only understand test results (Jenkins, GitLab, Azure).

Layout decision -- one passing test case per clean source, one failing test
case per finding:

* Each source in ``report.sources`` that has no findings becomes one
  ``<testcase classname="<path>" name="<path>"/>`` that passes, so the test
  count shows what was checked, not only what failed.
* Each finding becomes its own ``<testcase classname="<path>"
  name="<path>:<line>:<col> <code>">`` holding exactly one
  ``<failure type="<code>" message="...">``.  A source with findings gets no
  extra file-level case.

Why not several ``<failure>`` elements in one per-file test case: the common
JUnit schemas allow at most one failure per test case and most consumers
(Jenkins, GitLab) silently show only the first.  Why not a failing file-level
case *and* per-finding cases: every dirty file would be counted twice.  With
this layout ``failures`` equals the number of findings and ``tests`` equals
clean sources plus findings; ``classname`` groups a file's findings together
in CI UIs.

Engine reports (``audit``) use the same layout with the engine as the
source: a clean engine is one passing case named after it, and each finding
is a case with ``classname="<engine>"`` and ``name="<engine>/<container>
<code> <entry>"`` (the entry distinguishes two ports of one container, since
engine findings have no line numbers).

Every finding is a failure whatever its severity: whether a severity fails
the build is the job of ``--fail-on`` and the exit code, not of this file.

Deterministic: no timestamps, hostnames or durations; attribute order is
fixed; characters XML 1.0 cannot carry (control characters) are replaced by
U+FFFD, so a hostile message can never make the document unparsable.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from bindguard.ansi import printable
from bindguard.model import Finding, Location
from bindguard.reporters.base import Report, display_path, message_text

__all__ = ["JunitReporter"]

_XML_INVALID = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _XML_INVALID.sub("\ufffd", text)


class JunitReporter:
    """Renders one ``<testsuite name="bindguard">`` document."""

    def __init__(self, base_path: str | None = None) -> None:
        self.base_path = base_path

    def _source_key(self, finding: Finding) -> str:
        loc = finding.location
        if loc.file is not None:
            return display_path(loc.file, self.base_path)
        return loc.engine or "unknown"

    def _place(self, loc: Location) -> str:
        """``file:line:column`` as far as the location knows them (a file's location)."""
        where = display_path(loc.file or "", self.base_path)
        if loc.line > 0:
            where += f":{loc.line}"
            if loc.column > 0:
                where += f":{loc.column}"
        return where

    def _case_name(self, finding: Finding) -> str:
        loc = finding.location
        if loc.file is not None:
            return f"{self._place(loc)} {finding.code}"
        where = str(loc)
        name = f"{where} {finding.code}"
        return f"{name} {finding.entry}" if finding.entry else name

    def _detail(self, finding: Finding, report: Report) -> str:
        loc = finding.location
        lines: list[str] = []
        if loc.file is not None:
            lines.append(f"location: {self._place(loc)}")
        else:
            lines.append(f"engine: {loc.engine or 'unknown'}")
            if loc.container:
                lines.append(f"container: {loc.container}")
            if loc.container_id:
                lines.append(f"container id: {loc.container_id}")
            if loc.image:
                lines.append(f"image: {loc.image}")
        if finding.service:
            lines.append(f"service: {', '.join(finding.service_names)}")
        if finding.entry:
            lines.append(f"entry: {finding.entry}")
        lines.append(f"severity: {finding.severity}")
        rule = report.rule(finding.code)
        name = finding.rule_name or (rule.name if rule else "")
        lines.append(f"rule: {finding.code} {name}".rstrip())
        lines.append(f"message: {finding.message}")
        if finding.fix:
            lines.append(f"fix: {finding.fix}")
        if rule and rule.help_uri:
            lines.append(f"help: {rule.help_uri}")
        # one line per field: a newline or escape sequence in a file name, entry or
        # engine text is shown escaped (a CI log must not read it as a command)
        return "\n".join(printable(line) for line in lines) + "\n"

    def render(self, report: Report) -> str:
        groups: dict[str, list[Finding]] = {}
        for source in report.sources:
            key = display_path(source, self.base_path) if report.kind == "files" else source
            groups.setdefault(key, [])
        for finding in report.findings:
            groups.setdefault(self._source_key(finding), []).append(finding)

        tests = sum(max(1, len(found)) for found in groups.values())
        failures = len(report.findings)
        suite = ET.Element(
            "testsuite",
            {
                "name": "bindguard",
                "tests": str(tests),
                "failures": str(failures),
                "errors": "0",
                "skipped": "0",
            },
        )
        properties = ET.SubElement(suite, "properties")
        ET.SubElement(properties, "property", {"name": "kind", "value": report.kind})
        if report.tool_version:
            ET.SubElement(
                properties, "property", {"name": "version", "value": report.tool_version}
            )
        ET.SubElement(
            properties, "property", {"name": "suppressed", "value": str(report.suppressed)}
        )
        if report.weakened is not None:  # which config file turned the gate down, and how (issue 25)
            weak = report.weakened._replace(config=display_path(report.weakened.config, self.base_path))
            ET.SubElement(properties, "property", {"name": "weakened", "value": _clean(weak.sentence())})

        for key, found in groups.items():
            if not found:
                ET.SubElement(suite, "testcase", {"classname": _clean(key), "name": _clean(key)})
                continue
            for finding in found:
                case = ET.SubElement(
                    suite,
                    "testcase",
                    {"classname": _clean(key), "name": _clean(self._case_name(finding))},
                )
                failure = ET.SubElement(
                    case,
                    "failure",
                    {"type": finding.code, "message": _clean(message_text(finding))},
                )
                failure.text = _clean(self._detail(finding, report))

        ET.indent(suite, space="  ")
        body = ET.tostring(suite, encoding="unicode", short_empty_elements=True)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
