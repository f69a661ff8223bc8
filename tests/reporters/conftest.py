"""Shared reports for the CI-format reporter tests.

The reports are built by hand (with hand-made RuleInfo objects) rather than
by running rules, so these tests pin the output formats independently of the
rule registry and the compose loader.  Between them they cover: every
severity, a clean source, a finding without a line, a path with a space, a
message full of characters each format must escape (``%`` ``,`` ``:``
newline ``<`` ``&`` ``>`` ``"``), a rule that never fires, and engine
findings with and without a container.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bindguard.model import Finding, Location, Note, Severity
from bindguard.reporters.base import Report, RuleInfo

GOLDEN_DIR = Path(__file__).parent / "golden"
UPDATE_ENV = "BINDGUARD_UPDATE_GOLDEN"

NASTY_MESSAGE = 'web publishes 8080, 100% exposed: "0.0.0.0"\nsee <docs> & more'

RULES = (
    RuleInfo(
        code="BG000",
        name="unreadable-input",
        severity=Severity.ERROR,
        summary="The file could not be read as a compose file.",
        doc="YAML or structural errors stop a file from being checked at all.",
        help_uri="https://example.invalid/rules/BG000",
    ),
    RuleInfo(
        code="BG001",
        name="wildcard-bind",
        severity=Severity.ERROR,
        summary="Port published on every interface.",
        doc="A port bound to 0.0.0.0 or :: is reachable from every network the host is on.",
        help_uri="https://example.invalid/rules/BG001",
    ),
    RuleInfo(
        code="BG002",
        name="implicit-host-ip",
        severity=Severity.WARNING,
        summary="Port published without a host IP.",
        doc="Without a host IP Docker binds to its default, which is every interface.",
        help_uri="https://example.invalid/rules/BG002",
    ),
    RuleInfo(
        code="BG003",
        name="random-host-port",
        severity=Severity.INFO,
        summary="The engine picks the host port.",
        doc="An ephemeral host port is hard to firewall.",
        help_uri="https://example.invalid/rules/BG003",
    ),
    RuleInfo(
        code="BG004",
        name="never-fires-here",
        severity=Severity.WARNING,
        summary="A rule with no findings in these reports.",
        doc="Listed so tests can check that every rule reaches the SARIF driver.",
        help_uri="",
    ),
    RuleInfo(
        code="BG005",
        name="daemon-default-ip",
        severity=Severity.WARNING,
        summary="The daemon's default bind address is not loopback.",
        doc="dockerd's \"ip\" setting decides where ports without a host IP listen.",
        help_uri="https://example.invalid/rules/BG005",
    ),
)


def _file(path: str, line: int, column: int) -> Location:
    return Location(file=path, line=line, column=column)


def _engine(engine: str, container: str | None, cid: str | None, image: str | None) -> Location:
    return Location(engine=engine, container=container, container_id=cid, image=image)


def make_files_report() -> Report:
    findings = [
        Finding(
            code="BG001",
            severity=Severity.ERROR,
            message="db publishes 5432 on every interface",
            location=_file("compose.yml", 5, 9),
            service="db",
            fix='use "127.0.0.1:5432:5432"',
            entry="0.0.0.0:5432:5432",
            rule_name="wildcard-bind",
        ),
        Finding(
            code="BG002",
            severity=Severity.WARNING,
            message=NASTY_MESSAGE,
            location=_file("compose.yml", 12, 9),
            service="web",
            fix="127.0.0.1:8080:80, or 100% sure? add <host_ip>",
            entry="8080:80",
            rule_name="implicit-host-ip",
        ),
        Finding(
            code="BG003",
            severity=Severity.INFO,
            message="cache gets a random host port",
            location=_file("compose.yml", 20, 7),
            service="cache",
            fix="",
            entry="6379",
            rule_name="random-host-port",
        ),
        Finding(
            code="BG000",
            severity=Severity.ERROR,
            message="mapping values are not allowed here",
            location=_file("sub dir/compose.override.yml", 0, 0),
            rule_name="unreadable-input",
        ),
        Finding(
            code="BG001",
            severity=Severity.ERROR,
            message="api publishes 9000-9001/udp on every interface",
            location=_file("sub dir/compose.override.yml", 3, 11),
            service="api",
            fix="127.0.0.1:9000-9001:9000-9001/udp",
            entry="0.0.0.0:9000-9001:9000-9001/udp",
            rule_name="wildcard-bind",
        ),
    ]
    return Report(
        findings=tuple(sorted(findings, key=Finding.sort_key)),
        rules=RULES,
        kind="files",
        sources=("compose.yml", "sub dir/compose.override.yml", "clean.yml"),
        tool_version="0.1.0",
        suppressed=2,
        published_ports=6,
        exposed=3,
        baselined=1,
        notes=(
            Note(
                "network 'default' is external: its default host IP is unknown statically",
                _file("compose.yml", 20, 3),
            ),
        ),
    )


def make_engine_report() -> Report:
    findings = [
        Finding(
            code="BG001",
            severity=Severity.ERROR,
            message="postgres listens on 0.0.0.0:5432",
            location=_engine("default", "postgres", "3f2a9c1d7e4b", "postgres:16"),
            service="postgres",
            fix="recreate with -p 127.0.0.1:5432:5432",
            entry="0.0.0.0:5432->5432/tcp",
            rule_name="wildcard-bind",
        ),
        Finding(
            code="BG001",
            severity=Severity.ERROR,
            message="postgres listens on [::]:5432 (also BG010: created before compose.yaml:4 changed)",
            location=_engine("default", "postgres", "3f2a9c1d7e4b", "postgres:16"),
            service="postgres",
            fix="recreate with -p 127.0.0.1:5432:5432",
            entry="[::]:5432->5432/tcp",
            rule_name="wildcard-bind",
            also=("BG010",),  # a drift folded into the exposure (engine/remedy.py)
        ),
        Finding(
            code="BG005",
            severity=Severity.WARNING,
            message='daemon "ip" is 0.0.0.0, 100% of implicit ports are public',
            location=_engine("default", None, None, None),
            fix='set "ip": "127.0.0.1" in daemon.json',
            rule_name="daemon-default-ip",
        ),
        Finding(
            code="BG003",
            severity=Severity.INFO,
            message="web got random host port 49153",
            location=_engine("tcp://10.0.0.5:2376", "web-1", "9b8c7d6e5f4a", "nginx:1.27"),
            service="web",
            entry="127.0.0.1:49153->80/tcp",
            rule_name="random-host-port",
        ),
    ]
    return Report(
        findings=tuple(sorted(findings, key=Finding.sort_key)),
        rules=RULES,
        kind="engine",
        sources=("default", "tcp://10.0.0.5:2376", "desktop-linux"),
        tool_version="0.1.0",
        published_ports=5,
        exposed=2,
    )


def make_clean_report() -> Report:
    return Report(
        findings=(),
        rules=RULES,
        kind="files",
        sources=("compose.yml",),
        tool_version="0.1.0",
        published_ports=2,
        exposed=0,
    )


def make_weakened_report() -> Report:
    """A clean run under a config that turned the gate down (issue 25): every format says so."""
    from bindguard.weakening import Weakening

    return make_clean_report()._replace(
        weakened=Weakening(
            config=".bindguard.toml",
            fail_on="never",
            ignored=("BG001", "BG002"),
            downgraded=(("BG003", "warning", "info"),),
            env_files=("/etc/ci/creds.env", "deploy/.env"),
            outside=("/etc/ci/creds.env",),
            per_path=("for dev/*: rules turned off: BG005",),
        )
    )


REPORT_FACTORIES = {
    "files": make_files_report,
    "engine": make_engine_report,
    "clean": make_clean_report,
    "weakened": make_weakened_report,
}


@pytest.fixture
def files_report() -> Report:
    return make_files_report()


@pytest.fixture
def engine_report() -> Report:
    return make_engine_report()


@pytest.fixture
def clean_report() -> Report:
    return make_clean_report()


@pytest.fixture
def weakened_report() -> Report:
    return make_weakened_report()


@pytest.fixture(params=sorted(REPORT_FACTORIES))
def any_report(request: pytest.FixtureRequest) -> Report:
    return REPORT_FACTORIES[request.param]()


@pytest.fixture
def golden():
    """Compare text to a golden file byte for byte; rewrite it when
    ``BINDGUARD_UPDATE_GOLDEN=1``."""

    def check(name: str, text: str) -> None:
        path = GOLDEN_DIR / name
        data = text.encode("utf-8")
        if os.environ.get(UPDATE_ENV) == "1":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            return
        assert path.exists(), f"missing golden file {path}; run with {UPDATE_ENV}=1"
        expected = path.read_bytes().decode("utf-8")
        assert text == expected, (
            f"{name} differs from its golden file; inspect the diff and, if the change "
            f"is intended, rerun with {UPDATE_ENV}=1"
        )

    return check
