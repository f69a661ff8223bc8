"""Every finding of every rule, in every mode, has a hint (issue 26: findings built in one place).

A finding is made only by ``runner.stamp`` (through ``runner.check`` or
``runner.stamp_all``), which falls back to a manual rule's reason when the
rule gives no hint of its own.  A finding built elsewhere (BG009 for an
``--expect`` of a service no linted file defines used to carry ``"fix":
null``) has no such fallback, so this checks every finding the fixtures
produce, with all rules selected and with only the fixture's rule, and the
pure engine path (``watch``'s LiveEngine: the rules over a Subject built from
inspect documents, drift included) without an engine.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_fixtures import _fixture_files, _settings

from bindguard.engine.live import LiveEngine
from bindguard.lint import LintSettings, lint
from bindguard.model import EngineFacts, Finding, Subject
from bindguard.rules import RULES
from bindguard.rules.options import RuleOptions, parse_expectation
from bindguard.runner import RuleSelection

from helpers import bindguard_cli, write


def _without_hint(findings) -> list[Finding]:
    return [f for f in findings if not (f.fix or "").strip()]


@pytest.mark.parametrize("path", _fixture_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_lint_finding_has_a_hint(path: Path) -> None:
    own = _settings(path, path.parent.name)
    everything = own._replace(selection=own.selection._replace(select=None))
    for settings in (own, everything):
        report = lint([str(path)], settings)
        assert not _without_hint(report.findings), _without_hint(report.findings)


def test_the_fixtures_reach_every_lint_rule() -> None:
    """The test above is worth something only if every rule that lint runs fired in it."""
    seen: set[str] = set()
    for path in _fixture_files():
        seen |= {f.code for f in lint([str(path)], _settings(path, path.parent.name)).findings}
    assert {c for c, r in RULES.items() if r.runs_in("lint")} <= seen


def test_expect_for_an_undefined_service_is_stamped_like_any_finding(tmp_path: Path) -> None:
    """BG009 for ``--expect nosuch=...`` is worded by its rule and stamped by the runner."""
    write(tmp_path, "compose.yaml", 'services:\n  web:\n    ports: ["127.0.0.1:80:80"]\n')
    settings = LintSettings(
        selection=RuleSelection(options=RuleOptions(expect=(parse_expectation("nosuch=127.0.0.1:80"),)))
    )
    [finding] = [f for f in lint([str(tmp_path)], settings).findings if f.code == "BG009"]
    assert finding.message == "service 'nosuch' should publish 127.0.0.1:80 but no linted file defines it"
    assert finding.fix and "nosuch" in finding.fix
    assert finding.rule_name == "expected-binding-missing" and finding.entry
    result = bindguard_cli("lint", "--expect", "nosuch=127.0.0.1:80", "--format", "json", str(tmp_path))
    [row] = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "BG009"]
    assert row["fix"], row
    # its severity is the configured one, like every finding of a selected rule
    lowered = settings._replace(selection=settings.selection._replace(severity=(("BG009", "warning"),)))
    [finding] = [f for f in lint([str(tmp_path)], lowered).findings if f.code == "BG009"]
    assert str(finding.severity) == "warning"


ENGINE = "unix:///x.sock"


def _inspect(cid: str, name: str, ports: dict, labels: dict | None = None, network: str = "bridge") -> dict:
    return {
        "Id": cid,
        "Name": f"/{name}",
        "State": {"Status": "running"},
        "Config": {"Image": "img:1", "Labels": labels or {}},
        "HostConfig": {"NetworkMode": network, "PortBindings": {}},
        "NetworkSettings": {"Networks": {network: {}}, "Ports": ports},
    }


def _published(ip: str, port: str) -> dict:
    return {"80/tcp": [{"HostIp": ip, "HostPort": port}]}


def test_every_engine_finding_has_a_hint(tmp_path: Path) -> None:
    """The audit's rules over an engine Subject, made from inspect documents as ``watch`` makes it."""
    compose = write(tmp_path, "compose.yaml", 'services:\n  db:\n    ports: ["127.0.0.1:18080:80"]\n')
    labels = {
        "com.docker.compose.project": "hints",
        "com.docker.compose.service": "db",
        "com.docker.compose.project.working_dir": str(tmp_path),
        "com.docker.compose.project.config_files": str(compose),
    }
    gone = {**labels, "com.docker.compose.project.config_files": str(tmp_path / "gone.yaml")}
    live = LiveEngine(ENGINE, RuleSelection(), include_stopped=True, drift=True, environ={})
    live.load(Subject(sources=(ENGINE,), engine=EngineFacts(ENGINE, ENGINE, version="20.10.0", tls_unverified=True)))
    live.apply_inspect("c1", _inspect("c1", "wide", _published("0.0.0.0", "8080")))
    live.apply_inspect("c2", _inspect("c2", "specific", _published("10.1.2.3", "8081")))
    live.apply_inspect("c3", _inspect("c3", "hostnet", {}, network="host"))
    live.apply_inspect("c4", _inspect("c4", "drifted", _published("127.0.0.1", "18081"), labels))
    live.apply_inspect("c5", _inspect("c5", "orphan", _published("127.0.0.1", "18082"), gone))
    codes = {c for f in live.findings for c in (f.code, *f.also)}
    assert {"BG002", "BG003", "BG004", "BG010", "BG011"} <= codes, codes
    assert not _without_hint(live.findings), _without_hint(live.findings)
