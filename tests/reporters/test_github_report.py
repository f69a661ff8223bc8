"""GitHub workflow commands: one line per finding, escaped so nothing leaks."""

from __future__ import annotations

from bindguard.model import Finding, Location, Severity
from bindguard.reporters.base import Report
from bindguard.reporters.github import GithubReporter, escape_data, escape_property


def test_escape_rules() -> None:
    assert escape_data("100%\r\nx: a, b") == "100%25%0D%0Ax: a, b"
    assert escape_property("100%\r\nx: a, b") == "100%25%0D%0Ax%3A a%2C b"
    # "%" first: an existing escape sequence is not left to be decoded later.
    assert escape_data("%0A") == "%250A"


def test_one_line_per_finding(files_report: Report) -> None:
    text = GithubReporter().render(files_report)
    lines = text.splitlines()
    # one line per finding, then one ::notice per shared note (said once)
    assert len(lines) == len(files_report.findings) + len(files_report.notes)
    assert text.endswith("\n")
    assert lines[0] == (
        "::error file=compose.yml,line=5,col=9,title=BG001 wildcard-bind"
        '::db publishes 5432 on every interface (fix: use "127.0.0.1:5432:5432")'
    )


def test_severity_commands(files_report: Report) -> None:
    lines = GithubReporter().render(files_report).splitlines()
    commands = [line.split(" ", 1)[0] for line in lines]
    expected = {"error": "::error", "warning": "::warning", "info": "::notice"}
    notes = ["::notice"] * len(files_report.notes)
    assert commands == [expected[str(f.severity)] for f in files_report.findings] + notes


def test_nasty_message_is_escaped(files_report: Report) -> None:
    line = next(
        line for line in GithubReporter().render(files_report).splitlines() if "BG002" in line
    )
    assert line == (
        "::warning file=compose.yml,line=12,col=9,title=BG002 implicit-host-ip"
        '::web publishes 8080, 100%25 exposed: "0.0.0.0"%0Asee <docs> & more'
        " (fix: 127.0.0.1:8080:80, or 100%25 sure? add <host_ip>)"
    )


def test_line_zero_and_property_escaping() -> None:
    report = Report(
        findings=(
            Finding(
                code="BG000",
                severity=Severity.ERROR,
                message="bad",
                location=Location(file="dir\\we,ird:name.yml"),
            ),
        ),
        rules=(),
    )
    assert GithubReporter().render(report) == (
        "::error file=dir/we%2Cird%3Aname.yml,title=BG000::bad\n"
    )


def test_base_path_makes_paths_relative() -> None:
    report = Report(
        findings=(
            Finding(
                code="BG001",
                severity=Severity.INFO,
                message="m",
                location=Location(file="/repo/a/compose.yml", line=1, column=2),
            ),
        ),
        rules=(),
    )
    assert GithubReporter(base_path="/repo").render(report) == (
        "::notice file=a/compose.yml,line=1,col=2,title=BG001::m\n"
    )


def test_engine_findings_have_no_file(engine_report: Report) -> None:
    lines = GithubReporter().render(engine_report).splitlines()
    assert len(lines) == len(engine_report.findings)
    assert all("file=" not in line for line in lines)
    assert (
        "::error title=BG001 wildcard-bind::default/postgres: postgres listens on "
        "0.0.0.0:5432 (fix: recreate with -p 127.0.0.1:5432:5432)"
    ) in lines
    assert any(line.startswith("::warning title=BG005 daemon-default-ip::default: ") for line in lines)


def test_clean_report_is_empty(clean_report: Report) -> None:
    assert GithubReporter().render(clean_report) == ""
