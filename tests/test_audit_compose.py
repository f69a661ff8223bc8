"""Drift (BG010) on containers made by the real `docker compose up` (no hand-made labels).

The ``compose`` fixture runs the real Docker Compose v2 plugin against the shared engine, so the
labels audit reads (project, service, working folder, config files) are the ones Compose
writes: override files, ``.env``, profiles, and ``-f`` from another folder included. Each project
gets its own ``bindguard-test-…`` name and is taken down at teardown.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from bindguard.engine.audit import AuditSettings, audit
from bindguard.engine.client import EngineTarget
from bindguard.runner import RuleSelection

from servicebed import free_pair


def project_name() -> str:
    return f"bindguard-test-{uuid.uuid4().hex[:10]}"


def found(engine: str, container: str, selection: RuleSelection | None = None) -> list:
    report, results = audit(AuditSettings(targets=(EngineTarget(engine, engine),), selection=selection or RuleSelection()))
    assert results[0].error is None, results[0].error
    return [f for f in report.findings if f.location.container == container]


def codes(findings) -> set[tuple[str, str | None]]:
    """(code, service) of each finding, and of each code folded into one (``Finding.also``)."""
    return {(code, f.service) for f in findings for code in (f.code, *f.also)}


@pytest.mark.slow  # ~12 s alone: three `docker compose up` on the real engine
def test_drift_after_editing_the_file(engine, compose, tmp_path):
    p, name = free_pair(), project_name()
    file = tmp_path / "compose.yaml"
    file.write_text(f'services:\n  web:\n    image: bindguard-test/busybox:1\n'
                    f'    command: ["busybox", "httpd", "-f", "-p", "80", "-h", "/"]\n'
                    f'    ports:\n      - "{p}:80"\n')
    compose.up("-p", name, cwd=tmp_path)
    web = f"{name}-web-1"
    assert codes(found(engine, web)) == {("BG001", "web")}  # as written: no drift
    file.write_text(file.read_text().replace(f'"{p}:80"', f'"127.0.0.1:{p}:80"'))
    # exposed AND drifted: one finding, the exposure, with the drift's reason (issue 16)
    (told,) = found(engine, web)
    assert (told.code, told.also) == ("BG001", ("BG010",))
    assert f"(also BG010: created before {file}:6 changed to '127.0.0.1:{p}:80')" in told.message
    assert "--force-recreate web" in told.fix and "already publishes it" in told.fix
    # without the exposure rule the drift still stands on its own: nothing is hidden
    (bg010,) = found(engine, web, RuleSelection(ignore=frozenset({"BG001"})))
    assert bg010.code == "BG010" and "wider than the file now says" in bg010.message and not bg010.also
    assert bg010.fix == told.fix
    compose.up("-p", name, cwd=tmp_path)  # recreated from the edited file
    assert found(engine, web) == []
    file.unlink()
    (gone,) = found(engine, web)
    assert gone.code == "BG010" and "can no longer be found" in gone.message


def test_override_file_is_part_of_the_project(engine, compose, tmp_path):
    p, name = free_pair(), project_name()
    (tmp_path / "compose.yaml").write_text(
        'services:\n  web:\n    image: bindguard-test/busybox:1\n'
        '    command: ["busybox", "httpd", "-f", "-p", "80", "-h", "/"]\n'
        f'    ports: ["127.0.0.1:{p}:80"]\n')
    override = tmp_path / "compose.override.yaml"
    override.write_text(f'services:\n  web:\n    ports: ["{p + 1}:81"]\n')
    compose.up("-p", name, cwd=tmp_path)
    web = f"{name}-web-1"
    only = found(engine, web)
    # the override's wide port is reported, and not as drift: the override was read too
    assert codes(only) == {("BG001", "web")} and f"{p + 1}" in only[0].message
    override.write_text(f'services:\n  web:\n    ports: ["127.0.0.1:{p + 1}:81"]\n')
    assert codes(found(engine, web)) == {("BG001", "web"), ("BG010", "web")}


def test_dotenv_decides_the_declared_address(engine, compose, tmp_path):
    p, name = free_pair(), project_name()
    (tmp_path / "compose.yaml").write_text(
        'services:\n  web:\n    image: bindguard-test/busybox:1\n'
        '    command: ["busybox", "httpd", "-f", "-p", "80", "-h", "/"]\n'
        f'    ports: ["${{BIND_IP:-127.0.0.1}}:{p}:80"]\n')
    dotenv = tmp_path / ".env"
    dotenv.write_text("BIND_IP=0.0.0.0\n")
    compose.up("-p", name, cwd=tmp_path)
    web = f"{name}-web-1"
    # .env read: the file says 0.0.0.0 like the container (without it, 127.0.0.1 would be drift)
    assert codes(found(engine, web)) == {("BG002", "web")}
    dotenv.write_text("BIND_IP=127.0.0.1\n")
    assert codes(found(engine, web)) == {("BG002", "web"), ("BG010", "web")}


def test_profile_service_is_still_defined(engine, compose, tmp_path):
    p, name = free_pair(), project_name()
    (tmp_path / "compose.yaml").write_text(
        'services:\n  web:\n    image: bindguard-test/busybox:1\n'
        '    command: ["busybox", "httpd", "-f", "-p", "80", "-h", "/"]\n'
        f'    ports: ["127.0.0.1:{p}:80"]\n'
        '  debug:\n    image: bindguard-test/busybox:1\n    profiles: ["debug"]\n'
        '    command: ["busybox", "httpd", "-f", "-p", "80", "-h", "/"]\n'
        f'    ports: ["{p + 1}:80"]\n')
    compose.up("-p", name, "--profile", "debug", cwd=tmp_path)
    assert found(engine, f"{name}-web-1") == []
    debug = found(engine, f"{name}-debug-1")
    # started with --profile debug: the service is defined (under a profile), so no "no longer defined"
    assert codes(debug) == {("BG001", "debug")}, [f.message for f in debug]


def test_project_started_with_f_from_another_folder(engine, compose, tmp_path):
    p, name = free_pair(), project_name()
    project = tmp_path / "deploy" / "app"
    project.mkdir(parents=True)
    elsewhere = tmp_path / "ops"
    elsewhere.mkdir()
    file = project / "stack.yaml"  # not a default name: only reachable through -f
    file.write_text('services:\n  api:\n    image: bindguard-test/busybox:1\n'
                    '    command: ["busybox", "httpd", "-f", "-p", "80", "-h", "/"]\n'
                    f'    ports: ["{p}:80"]\n')
    compose.up("-p", name, "-f", str(Path("..") / "deploy" / "app" / "stack.yaml"), cwd=elsewhere)
    api = f"{name}-api-1"
    assert codes(found(engine, api)) == {("BG001", "api")}  # the file was found through the labels
    file.write_text(file.read_text().replace(f'"{p}:80"', f'"127.0.0.1:{p}:80"'))
    (drift,) = found(engine, api)
    assert drift.also == ("BG010",) and f"created before {file}:" in drift.message
