"""SARIF output must validate against the official schema and mean the right thing.

The schema is vendored (``tests/schemas/sarif-schema-2.1.0.json``, byte for
byte from oasis-tcs/sarif-spec, see ``/work/shared/schemas/README.md``) so
validation needs no network: every ``$ref`` in it is local, and the format
checkers used here are plain functions.  The schema declares Draft 4; the
installed jsonschema checks ``uri`` only when the optional ``rfc3987`` package
is present, so the test adds its own offline ``uri`` / ``uri-reference``
checks (RFC 3986 character set, scheme required for ``uri``) -- otherwise an
unencoded space in a path would pass unnoticed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from bindguard.model import Finding, Location, Severity
from bindguard.reporters.base import Report
from bindguard.reporters.fingerprint import FINGERPRINT_KEY, fingerprint
from bindguard.reporters.sarif import SARIF_SCHEMA_URI, SarifReporter

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schemas" / "sarif-schema-2.1.0.json"

_URI_CHARS = re.compile(r"^(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


def _format_checker() -> jsonschema.FormatChecker:
    checker = jsonschema.FormatChecker()

    @checker.checks("uri-reference")
    def _uri_reference(value: object) -> bool:
        return not isinstance(value, str) or bool(_URI_CHARS.match(value))

    @checker.checks("uri")
    def _uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        return bool(_URI_CHARS.match(value)) and bool(_SCHEME.match(value))

    return checker


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    assert cls is jsonschema.Draft4Validator  # what the schema declares
    cls.check_schema(schema)
    return cls(schema, format_checker=_format_checker())


def _validate(validator, text: str) -> dict:
    doc = json.loads(text)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors
    )
    return doc


def test_format_checker_is_strict(validator) -> None:
    """The offline checkers really reject bad URIs (guards the guard)."""
    bad = {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "x", "informationUri": "not a uri"}},
                "results": [
                    {
                        "message": {"text": "m"},
                        "locations": [
                            {"physicalLocation": {"artifactLocation": {"uri": "a b.yml"}}}
                        ],
                    }
                ],
            }
        ],
    }
    messages = [e.message for e in validator.iter_errors(bad)]
    assert any("'not a uri'" in m for m in messages)
    assert any("'a b.yml'" in m for m in messages)


def test_validates_against_schema(validator, any_report: Report) -> None:
    _validate(validator, SarifReporter().render(any_report))


def test_validates_with_absolute_paths_and_base(validator, files_report: Report) -> None:
    report = Report(
        findings=tuple(
            Finding(
                code=f.code,
                severity=f.severity,
                message=f.message,
                location=Location(file="/home/ci/repo/" + f.location.file, line=f.location.line,
                                  column=f.location.column),
                service=f.service,
                fix=f.fix,
                entry=f.entry,
                rule_name=f.rule_name,
            )
            for f in files_report.findings
        )
        + (
            Finding(
                code="BG001",
                severity=Severity.ERROR,
                message="outside the base",
                location=Location(file="/etc/compose/x y.yml", line=1, column=1),
            ),
            Finding(
                code="BG001",
                severity=Severity.ERROR,
                message="windows path",
                location=Location(file="C:\\work\\compose.yml", line=2, column=3),
            ),
        ),
        rules=files_report.rules,
        sources=files_report.sources,
        tool_version="0.1.0",
    )
    doc = _validate(validator, SarifReporter(base_path="/home/ci/repo/").render(report))
    run = doc["runs"][0]
    assert run["originalUriBaseIds"] == {"SRCROOT": {"uri": "file:///home/ci/repo/"}}
    artifacts = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]
    assert {"uri": "compose.yml", "uriBaseId": "SRCROOT"} in artifacts
    assert {"uri": "sub%20dir/compose.override.yml", "uriBaseId": "SRCROOT"} in artifacts
    assert {"uri": "file:///etc/compose/x%20y.yml"} in artifacts
    assert {"uri": "file:///C:/work/compose.yml"} in artifacts


def test_header_and_driver(files_report: Report) -> None:
    doc = json.loads(SarifReporter().render(files_report))
    assert doc["$schema"] == SARIF_SCHEMA_URI
    assert doc["version"] == "2.1.0"
    assert len(doc["runs"]) == 1
    driver = doc["runs"][0]["tool"]["driver"]
    assert driver["name"] == "bindguard"
    assert driver["version"] == "0.1.0"
    assert driver["informationUri"].startswith("https://")


def test_every_rule_is_listed(files_report: Report) -> None:
    rules = json.loads(SarifReporter().render(files_report))["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.code for r in files_report.rules]
    for descriptor, info in zip(rules, files_report.rules, strict=True):
        assert descriptor["name"] == info.name
        assert descriptor["shortDescription"]["text"] == info.summary
        assert descriptor["fullDescription"]["text"] == info.doc
        assert descriptor.get("helpUri", "") == info.help_uri
        assert descriptor["defaultConfiguration"]["level"] == {
            Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"
        }[info.severity]
        assert "security" in descriptor["properties"]["tags"]


def test_results(files_report: Report) -> None:
    run = json.loads(SarifReporter().render(files_report))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert len(results) == len(files_report.findings)
    for result, finding in zip(results, files_report.findings, strict=True):
        assert result["ruleId"] == finding.code
        assert rules[result["ruleIndex"]]["id"] == finding.code
        assert result["level"] == {"error": "error", "warning": "warning", "info": "note"}[
            str(finding.severity)
        ]
        assert result["message"]["text"].startswith(finding.message)
        if finding.fix:
            assert finding.fix in result["message"]["text"]
        assert result["partialFingerprints"][FINGERPRINT_KEY] == fingerprint(finding)
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uriBaseId"] == "SRCROOT"
        if finding.location.line:
            assert physical["region"] == {
                "startLine": finding.location.line,
                "startColumn": finding.location.column,
            }
        else:
            assert "region" not in physical
    assert run["columnKind"] == "unicodeCodePoints"


def test_engine_locations(engine_report: Report) -> None:
    results = json.loads(SarifReporter().render(engine_report))["runs"][0]["results"]
    by_uri = {}
    for r in results:
        loc = r["locations"][0]
        assert "uriBaseId" not in loc["physicalLocation"]["artifactLocation"]
        assert "region" not in loc["physicalLocation"]
        by_uri.setdefault(loc["physicalLocation"]["artifactLocation"]["uri"], []).append(loc)
    assert set(by_uri) == {
        "docker://default",
        "docker://default/postgres",
        "docker://tcp%3A%2F%2F10.0.0.5%3A2376/web-1",
    }
    postgres = by_uri["docker://default/postgres"][0]["logicalLocations"]
    assert postgres == [
        {"name": "postgres", "fullyQualifiedName": "default/postgres", "kind": "resource"}
    ]
    props = [r.get("properties", {}) for r in results]
    assert {"service": "postgres", "entry": "0.0.0.0:5432->5432/tcp",
            "containerId": "3f2a9c1d7e4b", "image": "postgres:16"} in props


def test_unknown_rule_gets_a_descriptor(validator) -> None:
    report = Report(
        findings=(
            Finding(
                code="BG099",
                severity=Severity.WARNING,
                message="from a rule the registry does not know",
                location=Location(file="compose.yml", line=1, column=1),
                rule_name="mystery",
            ),
        ),
        rules=(),
    )
    doc = _validate(validator, SarifReporter().render(report))
    run = doc["runs"][0]
    assert run["tool"]["driver"]["rules"][0]["id"] == "BG099"
    assert run["results"][0]["ruleIndex"] == 0
    assert "version" not in run["tool"]["driver"]  # empty tool_version is omitted


def test_custom_base_uri_id(files_report: Report) -> None:
    run = json.loads(SarifReporter(base_uri_id="PROJECT").render(files_report))["runs"][0]
    bases = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"]
        for r in run["results"]
    }
    assert bases == {"PROJECT"}
    assert "originalUriBaseIds" not in run  # no base path given: nothing to declare


def test_colliding_fingerprints_are_disambiguated(files_report: Report) -> None:
    twin = Finding(
        code="BG000",
        severity=Severity.ERROR,
        message="another YAML error",
        location=Location(file="sub dir/compose.override.yml", line=9, column=1),
    )
    report = Report(findings=files_report.findings + (twin,), rules=files_report.rules)
    results = json.loads(SarifReporter().render(report))["runs"][0]["results"]
    fps = [r["partialFingerprints"][FINGERPRINT_KEY] for r in results]
    assert len(set(fps)) == len(fps)
