"""GitLab Code Quality: required fields present, fingerprints unique per report."""

from __future__ import annotations

import json

from bindguard.model import Finding, Location, Severity
from bindguard.reporters.base import Report
from bindguard.reporters.fingerprint import fingerprint
from bindguard.reporters.gitlab import GitlabReporter

REQUIRED = {"description", "check_name", "fingerprint", "severity", "location"}


def test_required_fields(any_report: Report) -> None:
    issues = json.loads(GitlabReporter().render(any_report))
    assert isinstance(issues, list)
    # one issue per finding, and one naming the config that weakened the gate (issue 25)
    assert len(issues) == len(any_report.findings) + (any_report.weakened is not None)
    for issue in issues:
        assert REQUIRED <= issue.keys()
        assert isinstance(issue["location"]["path"], str) and issue["location"]["path"]
        assert isinstance(issue["location"]["lines"]["begin"], int)
        assert issue["location"]["lines"]["begin"] >= 1
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}


def test_severity_mapping_and_fields(files_report: Report) -> None:
    issues = json.loads(GitlabReporter().render(files_report))
    mapping = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.INFO: "info"}
    for issue, finding in zip(issues, files_report.findings, strict=True):
        assert issue["severity"] == mapping[finding.severity]
        assert issue["check_name"] == finding.code
        assert issue["location"]["path"] == finding.location.file
        assert issue["location"]["lines"]["begin"] == max(finding.location.line, 1)
        assert issue["description"].startswith(finding.message)


def test_fingerprints_unique_even_for_identical_findings(files_report: Report) -> None:
    twin = Finding(
        code="BG000",
        severity=Severity.ERROR,
        message="another YAML error",
        location=Location(file="sub dir/compose.override.yml", line=7, column=1),
    )
    report = Report(findings=files_report.findings + (twin, twin), rules=files_report.rules)
    fps = [i["fingerprint"] for i in json.loads(GitlabReporter().render(report))]
    assert len(fps) == len(set(fps)) == len(report.findings)
    # the first of each identity keeps the plain, line-independent fingerprint
    assert fps[: len(files_report.findings)] == [fingerprint(f) for f in files_report.findings]


def test_engine_paths(engine_report: Report) -> None:
    issues = json.loads(GitlabReporter().render(engine_report))
    paths = {i["location"]["path"] for i in issues}
    assert paths == {"docker/default", "docker/default/postgres",
                     "docker/tcp%3A%2F%2F10.0.0.5%3A2376/web-1"}
    assert {i["location"]["lines"]["begin"] for i in issues} == {1}
    fps = [i["fingerprint"] for i in issues]
    assert len(set(fps)) == len(fps)  # two ports of one container stay distinct


def test_clean_report_is_empty_list(clean_report: Report) -> None:
    assert GitlabReporter().render(clean_report) == "[]\n"
