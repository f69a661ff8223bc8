"""JUnit XML parses back, counts add up, clean sources pass, text survives escaping."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from bindguard.model import Finding, Location, Severity
from bindguard.reporters.base import Report
from bindguard.reporters.junit import JunitReporter


def _parse(report: Report, **kwargs) -> ET.Element:
    text = JunitReporter(**kwargs).render(report)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text.encode("utf-8"))


def test_suite_counts(any_report: Report) -> None:
    suite = _parse(any_report)
    assert suite.tag == "testsuite"
    assert suite.get("name") == "bindguard"
    cases = suite.findall("testcase")
    failures = suite.findall("testcase/failure")
    assert int(suite.get("tests")) == len(cases)
    assert int(suite.get("failures")) == len(failures) == len(any_report.findings)
    assert suite.get("errors") == "0"
    assert suite.get("skipped") == "0"
    assert all(len(case.findall("failure")) <= 1 for case in cases)


def test_files_layout(files_report: Report) -> None:
    suite = _parse(files_report)
    cases = [(c.get("classname"), c.get("name"), c.find("failure")) for c in suite.iter("testcase")]
    # the clean file is one passing case named after itself
    assert ("clean.yml", "clean.yml", None) in cases
    # dirty files have only per-finding cases, grouped by classname
    names = [name for _, name, _ in cases]
    assert "compose.yml" not in names
    assert names == [
        "compose.yml:5:9 BG001",
        "compose.yml:12:9 BG002",
        "compose.yml:20:7 BG003",
        "sub dir/compose.override.yml BG000",
        "sub dir/compose.override.yml:3:11 BG001",
        "clean.yml",
    ]
    assert {classname for classname, _, f in cases if f is not None} == {
        "compose.yml",
        "sub dir/compose.override.yml",
    }


def test_failure_content_round_trips(files_report: Report) -> None:
    suite = _parse(files_report)
    finding = next(f for f in files_report.findings if f.code == "BG002")
    failure = next(
        c.find("failure") for c in suite.iter("testcase") if c.get("name").endswith("BG002")
    )
    assert failure.get("type") == "BG002"
    # attribute newlines are encoded as &#10;, so they survive parsing
    assert failure.get("message") == f"{finding.message} (fix: {finding.fix})"
    assert "location: compose.yml:12:9" in failure.text
    assert "service: web" in failure.text
    assert f"fix: {finding.fix}" in failure.text
    assert "help: https://example.invalid/rules/BG002" in failure.text


def test_engine_layout(engine_report: Report) -> None:
    suite = _parse(engine_report)
    cases = [(c.get("classname"), c.get("name"), c.find("failure") is not None)
             for c in suite.iter("testcase")]
    assert cases == [
        ("default", "default BG005", True),
        ("default", "default/postgres BG001 0.0.0.0:5432->5432/tcp", True),
        ("default", "default/postgres BG001 [::]:5432->5432/tcp", True),
        ("tcp://10.0.0.5:2376", "tcp://10.0.0.5:2376/web-1 BG003 127.0.0.1:49153->80/tcp", True),
        ("desktop-linux", "desktop-linux", False),
    ]
    detail = suite.find("testcase/failure").text
    assert "engine: default" in detail


def test_control_characters_cannot_break_xml() -> None:
    report = Report(
        findings=(
            Finding(
                code="BG001",
                severity=Severity.ERROR,
                message="bell \x07 escape \x1b[31m nul \x00 ]]> end",
                location=Location(file="a.yml", line=1, column=1),
            ),
        ),
        rules=(),
        sources=("a.yml",),
    )
    failure = _parse(report).find("testcase/failure")
    assert failure.get("message") == "bell \ufffd escape \ufffd[31m nul \ufffd ]]> end"


def test_deterministic_no_timestamps(files_report: Report) -> None:
    text = JunitReporter().render(files_report)
    assert text == JunitReporter().render(files_report)
    assert "timestamp" not in text and "hostname" not in text and "time=" not in text
