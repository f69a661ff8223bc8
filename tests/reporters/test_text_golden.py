"""Golden files for the people formats (concise, full) at a fixed width.

A terminal of 80 columns wraps messages at word boundaries with a hanging
indent; 200 columns keeps each finding on one line.  Widths are arguments
of the reporter, so these files do not depend on the terminal running the
tests.  Rewrite with ``BINDGUARD_UPDATE_GOLDEN=1`` and review ``git diff``.
"""

from __future__ import annotations

import pytest

from bindguard.model import Finding, Location, Severity
from bindguard.reporters.text import TextReporter

# The source lines the CLI would read for the files report (see conftest.py).
LINES = {
    ("compose.yml", 5): '      - "0.0.0.0:5432:5432"',
    ("compose.yml", 12): "      - 8080:80  # web",
    ("compose.yml", 20): "    - 6379",
    ("sub dir/compose.override.yml", 3): "      - 0.0.0.0:9000-9001:9000-9001/udp",
}
LONG = Finding(
    code="BG001",
    severity=Severity.ERROR,
    message="host port 5432/tcp listens on all interfaces (0.0.0.0, ::): no host IP given, "
    "so Docker publishes on every interface",
    location=Location(file="deploy/production/compose.yaml", line=12, column=9),
    service="database",
    fix='use "127.0.0.1:5432:5432", or set host_ip: 127.0.0.1 in the long syntax, '
    'or remove the port when nothing outside needs it',
    entry="5432:5432",
    rule_name="wildcard-bind",
)


def _with_long(report):
    return report._replace(findings=report.findings + (LONG,))


@pytest.mark.parametrize("width", [80, 200])
@pytest.mark.parametrize("style", ["concise", "full"])
@pytest.mark.parametrize("report_name", ["files", "engine", "clean", "weakened"])
def test_text_golden(style: str, width: int, report_name: str, golden, request) -> None:
    report = request.getfixturevalue(f"{report_name}_report")
    if report_name == "files":
        report = _with_long(report)
    lines = {**LINES, ("deploy/production/compose.yaml", 12): '      - "5432:5432"'}
    text = TextReporter(full=style == "full", width=width, lines=lines).render(report)
    golden(f"{report_name}.{style}-{width}.txt", text)


@pytest.mark.parametrize("width", [80, 200])
@pytest.mark.parametrize("style", ["concise", "full"])
def test_lines_fit_the_width(style: str, width: int, files_report) -> None:
    """Every line fits, except a single word longer than the room (a path, a URL)."""
    text = TextReporter(full=style == "full", width=width, lines=LINES).render(_with_long(files_report))
    for line in text.splitlines():
        if len(line) > width:
            assert " " not in line.strip().split(" ", 1)[-1] or len(line.split()[-1]) > width // 2, line


def test_wrapped_lines_hang_and_unwrapped_stay_whole(files_report) -> None:
    report = _with_long(files_report)
    narrow = TextReporter(width=80).render(report).splitlines()
    wide = TextReporter(width=None).render(report).splitlines()
    first = next(i for i, line in enumerate(narrow) if line.startswith("deploy/production"))
    assert narrow[first + 1].startswith("    ") and not narrow[first + 1].startswith("     ")
    # piped output: one line per finding, location first, so grep keeps it
    assert sum(1 for line in wide if line.startswith("deploy/production/compose.yaml:12:9: BG001 [database] ")) == 1
    assert sum(": BG00" in line for line in wide) == len(report.findings)


def test_concise_line_format(files_report, engine_report) -> None:
    files = TextReporter().render(files_report).splitlines()
    assert "compose.yml:5:9: BG001 [db] db publishes 5432 on every interface" in files
    assert "sub dir/compose.override.yml: BG000 mapping values are not allowed here" in files
    engine = TextReporter().render(engine_report).splitlines()
    assert "default/postgres: BG001 postgres listens on 0.0.0.0:5432" in engine  # service = container: once
    assert not any(line.startswith("-") or line.startswith(" -") for line in engine)


def test_full_caret_sits_under_the_entry(files_report) -> None:
    text = TextReporter(full=True, lines=LINES).render(files_report).splitlines()
    i = text.index('5 |       - "0.0.0.0:5432:5432"')
    assert text[i + 1] == "  |         " + "^" * len('"0.0.0.0:5432:5432"')
    assert "  = fix: use \"127.0.0.1:5432:5432\"" in text
    assert "  = docs: https://example.invalid/rules/BG001" in text


def test_quiet_and_statistics(files_report) -> None:
    assert TextReporter(quiet=2).render(files_report) == ""
    quiet = TextReporter(quiet=1).render(files_report)
    assert "in 3 files" not in quiet and quiet.count("\n") == len(files_report.findings)
    stats = TextReporter(statistics=True).render(files_report).splitlines()
    assert stats[0] == "2  BG001  wildcard-bind"
    assert stats[-1].startswith("5 findings (3 errors, 1 warning, 1 info) in 3 files, 6 published ports, 3 exposed.")


def test_plurals_in_the_summary(files_report) -> None:
    one = files_report._replace(
        findings=files_report.findings[:1], sources=("a.yml",), services=1, published_ports=1, exposed=1,
        baselined=1, suppressed=2,
    )
    assert TextReporter().render(one).splitlines()[-1] == (
        "1 finding (1 error) in 1 file, 1 service, 1 published port, 1 exposed."
        " 1 known finding suppressed by the baseline. 1 suppressed by inline ignores."
    )
    none = one._replace(findings=(), suppressed=0, exposed=0, baselined=0)
    assert TextReporter().render(none).splitlines()[-1].startswith("No findings: every published port is on loopback (1 file")
    unknown = none._replace(published_ports=None)
    assert "every published port" not in TextReporter().render(unknown)
    nothing = none._replace(published_ports=0)
    assert TextReporter().render(nothing).splitlines()[-1].startswith("No findings: no published ports")
