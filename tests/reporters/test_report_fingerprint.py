"""Fingerprints identify a finding by what and where logically, never by line."""

from __future__ import annotations

import re

from bindguard.model import Finding, Location, Severity
from bindguard.reporters.fingerprint import fingerprint, unique_fingerprints

BASE = Finding(
    code="BG001",
    severity=Severity.ERROR,
    message="db publishes 5432 on every interface",
    location=Location(file="compose.yml", line=5, column=9),
    service="db",
    fix="127.0.0.1:5432:5432",
    entry="0.0.0.0:5432:5432",
)

ENGINE = Finding(
    code="BG001",
    severity=Severity.ERROR,
    message="postgres listens on 0.0.0.0:5432",
    location=Location(engine="default", container="postgres", container_id="abc", image="pg"),
    service="postgres",
    entry="0.0.0.0:5432->5432/tcp",
)


def _with(finding: Finding, **changes) -> Finding:
    return finding._replace(**changes)


def _moved(finding: Finding, **loc) -> Finding:
    return _with(finding, location=finding.location._replace(**loc))


def test_shape() -> None:
    assert re.fullmatch(r"[0-9a-f]{32}", fingerprint(BASE))
    assert fingerprint(BASE) == fingerprint(_with(BASE))  # deterministic


def test_survives_line_and_column_moves() -> None:
    assert fingerprint(_moved(BASE, line=42, column=3)) == fingerprint(BASE)


def test_ignores_presentation() -> None:
    """Message wording, fix hint and severity may change between versions."""
    changed = _with(BASE, message="reworded", fix="other", severity=Severity.WARNING)
    assert fingerprint(changed) == fingerprint(BASE)


def test_path_separators_normalised() -> None:
    a = _moved(BASE, file="deploy/compose.yml")
    assert fingerprint(_moved(BASE, file="deploy\\compose.yml")) == fingerprint(a)
    assert fingerprint(_moved(BASE, file="./deploy/compose.yml")) == fingerprint(a)


def test_identity_fields_matter() -> None:
    fps = {
        fingerprint(BASE),
        fingerprint(_with(BASE, entry="0.0.0.0:5433:5432")),
        fingerprint(_with(BASE, service="db2")),
        fingerprint(_with(BASE, code="BG002")),
        fingerprint(_moved(BASE, file="other.yml")),
    }
    assert len(fps) == 5


def test_engine_identity() -> None:
    assert fingerprint(ENGINE) == fingerprint(
        _moved(ENGINE, container_id="new-id-after-recreate", image="pg:17")
    )
    assert fingerprint(ENGINE) != fingerprint(_moved(ENGINE, container="other"))
    assert fingerprint(ENGINE) != fingerprint(_moved(ENGINE, engine="remote"))
    assert fingerprint(ENGINE) != fingerprint(_with(ENGINE, entry="[::]:5432->5432/tcp"))


def test_file_and_engine_cannot_collide() -> None:
    as_file = _with(ENGINE, location=Location(file="default", line=1, column=1))
    assert fingerprint(as_file) != fingerprint(ENGINE)


def test_separator_prevents_field_shifting() -> None:
    a = _with(BASE, service="ab", entry="c")
    b = _with(BASE, service="a", entry="bc")
    assert fingerprint(a) != fingerprint(b)


def test_unique_fingerprints() -> None:
    twin = _moved(BASE, line=30)
    other = _with(BASE, entry="1.2.3.4:80:80")
    fps = unique_fingerprints([BASE, twin, other, twin])
    assert len(set(fps)) == 4
    assert fps[0] == fingerprint(BASE)
    assert fps[2] == fingerprint(other)
    # deterministic: same input, same output
    assert fps == unique_fingerprints([BASE, twin, other, twin])
    assert unique_fingerprints([]) == []
