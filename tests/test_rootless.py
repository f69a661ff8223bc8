"""audit, audit PATH, probe, probe --neighbour and watch on a real rootless Docker engine (issue 28).

The engine is started by ``.ci/rootless-up.sh`` (called from ``.ci/run``; never by a test): user
``bgrl``, rootlesskit + slirp4netns, socket ``unix:///run/user/UID/docker.sock``. Without it these
tests skip with one line naming the script, or fail under ``CI=true``.
"""

from __future__ import annotations

import json
import os
import pwd
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from peerbed import ROOTLESS_ENGINE, unavailable
from watchbed import WatchProcess

REPO = Path(__file__).resolve().parents[1]
IMAGE = "bindguard-test/busybox:1"
USER = os.environ.get("BINDGUARD_ROOTLESS_USER", "bgrl")
PREFIX = f"engines-rl-{uuid.uuid4().hex[:6]}"

pytestmark = pytest.mark.engine


def _unavailable(reason: str) -> None:
    unavailable(ROOTLESS_ENGINE, reason)  # skips, or fails under CI=true, and is named once at the end


@pytest.fixture(scope="module")
def rootless() -> str:
    """The rootless engine's URL, when it answers and holds the test image."""
    try:
        uid = pwd.getpwnam(USER).pw_uid
    except KeyError:
        _unavailable(f"no user {USER}")
    url = f"unix:///run/user/{uid}/docker.sock"
    proc = subprocess.run(["docker", "-H", url, "image", "inspect", IMAGE], capture_output=True, text=True)
    if proc.returncode != 0:
        _unavailable(f"{url} does not answer or has no {IMAGE}")
    return url


def _docker(url: str, *args: str) -> str:
    proc = subprocess.run(["docker", "-H", url, *args], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def _free_port() -> int:
    """A port free on every IPv4 and IPv6 address (rootlesskit binds both for a bare entry)."""
    while True:
        with socket.socket(socket.AF_INET6) as s6:
            s6.bind(("::", 0))
            port = s6.getsockname()[1]
        with socket.socket() as s4:
            try:
                s4.bind(("0.0.0.0", port))
            except OSError:
                continue
        return port


@pytest.fixture(scope="module")
def published(rootless: str) -> Iterator[dict[str, tuple[str, int]]]:
    """Two httpd containers on the rootless engine: one on every interface, one on 127.0.0.1."""
    made = {}
    for kind, spec in (("wide", "{port}:80"), ("loop", "127.0.0.1:{port}:80")):
        port = _free_port()
        name = f"{PREFIX}-{kind}"
        _docker(rootless, "run", "-d", "--name", name, "-p", spec.format(port=port), IMAGE, "httpd", "-f", "-p", "80")
        made[kind] = (name, port)
    yield made
    for name, _ in made.values():
        subprocess.run(["docker", "-H", rootless, "rm", "-f", name], capture_output=True)


def _bindguard(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
    return subprocess.run([sys.executable, "-m", "bindguard", *args], capture_output=True, text=True, timeout=180,
                          env={**base, "NO_COLOR": "1", "DOCKER_CONFIG": "/nonexistent", **(env or {})}, cwd=cwd)


def _audit_json(url: str, *args: str, env: dict[str, str] | None = None) -> dict:
    proc = _bindguard("audit", "--no-config", "--format", "json", *args, env=env)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def _mine(data: dict) -> list[dict]:
    return [f for f in data["findings"] if PREFIX in json.dumps(f)]


def test_audit_recognises_rootless_and_warns_only_about_the_wide_port(rootless, published) -> None:
    data = _audit_json(rootless, env={"DOCKER_HOST": rootless})
    engine = data["engines"][0]
    assert engine["error"] is None and engine["engine"].startswith("rootless Docker ")
    # no "L2 neighbours reach 127.0.0.1": rootlesskit listens with real sockets (see the neighbour test)
    assert not any("L2" in f["message"] for f in data["findings"])
    wide, loop = published["wide"], published["loop"]
    flagged = _mine(data)
    assert flagged and all(wide[0] in json.dumps(f) for f in flagged)
    assert all(f["rule"] == "BG001" for f in flagged)
    assert not any(loop[0] in json.dumps(f) for f in data["findings"])
    text = _bindguard("audit", "--no-config", env={"DOCKER_HOST": rootless}).stdout.splitlines()[-1]
    assert "in 1 engine (rootless Docker " in text, text


def test_a_rootless_docker_context_and_host_flag_reach_the_same_engine(rootless, published, tmp_path) -> None:
    config = tmp_path / "docker-config"
    subprocess.run(["docker", "--config", str(config), "context", "create", "rootless", "--docker",
                    f"host={rootless}"], check=True, capture_output=True)
    by_context = _audit_json(rootless, "--context", "rootless", env={"DOCKER_CONFIG": str(config)})
    by_host = _audit_json(rootless, "--host", rootless)
    for data in (by_context, by_host):
        assert data["engines"][0]["engine"].startswith("rootless Docker ")
        assert {f["rule"] for f in _mine(data)} == {"BG001"}
    assert by_context["engines"][0]["name"] == "rootless"


def test_audit_path_confirms_a_compose_service_on_rootless(rootless, tmp_path) -> None:
    project = f"{PREFIX}-proj"
    folder = tmp_path / project
    folder.mkdir()
    (folder / "compose.yaml").write_text(
        f"services:\n  web:\n    image: {IMAGE}\n    ports:\n      - \"127.0.0.1::80\"\n", encoding="utf-8")
    labels = {
        "com.docker.compose.project": project, "com.docker.compose.service": "web",
        "com.docker.compose.container-number": "1", "com.docker.compose.oneoff": "False",
        "com.docker.compose.project.config_files": str(folder / "compose.yaml"),
        "com.docker.compose.project.working_dir": str(folder),
    }
    name = f"{project}-web-1"
    args = [a for k, v in labels.items() for a in ("--label", f"{k}={v}")]
    _docker(rootless, "run", "-d", "--name", name, *args, "-p", "127.0.0.1::80", IMAGE, "httpd", "-f", "-p", "80")
    try:
        proc = _bindguard("audit", "--no-config", "--format", "json", str(folder), env={"DOCKER_HOST": rootless})
        assert proc.returncode == 0, proc.stdout + proc.stderr
        data = json.loads(proc.stdout)
        assert not data["findings"]  # confirmed, and no false BG011 on rootless
    finally:
        subprocess.run(["docker", "-H", rootless, "rm", "-f", name], capture_output=True)


def test_probe_names_rootlesskit_and_the_container(rootless, published) -> None:
    if os.geteuid() != 0:
        pytest.skip("rootlesskit's sockets belong to another user: run as root to see their owner")
    name, port = published["loop"]
    proc = _bindguard("probe", "--format", "json", str(port), env={"DOCKER_HOST": "unix:///nonexistent.sock"})
    assert proc.returncode in (0, 1), proc.stderr
    result = json.loads(proc.stdout)["results"][0]
    owners = [o for s in result["sockets"] for o in s["owners"]]
    assert owners and all(o["name"] == "rootlesskit" for o in owners)
    # tied to the container through the user's own engine, though DOCKER_HOST names another
    assert all(name in (o.get("container") or "") for o in owners)
    assert result["verdict"] == "loopback-only"


def _neighbour_ready() -> str | None:
    from bindguard.probe.netns import refusal

    return refusal()


def test_probe_neighbour_measures_rootless_loopback_as_unreachable(rootless, published) -> None:
    why = _neighbour_ready()
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(why, pytrace=False)
        pytest.skip(why)
    (_, wide), (_, loop) = published["wide"], published["loop"]
    proc = _bindguard("probe", "--neighbour", "--format", "json", str(wide), str(loop),
                      env={"DOCKER_HOST": rootless})
    assert proc.returncode in (0, 1), proc.stderr
    verdicts = {r["port"]: r["verdict"] for r in json.loads(proc.stdout)["neighbour"]["ports"]}
    assert verdicts[wide] == "reachable from neighbour"
    # the pre-28 bypass of rootful Docker does not exist here: the neighbour's packets to
    # 127.0.0.1 reach no socket (rootlesskit's listens on the host's loopback, not DNATed)
    assert verdicts[loop] in ("refused", "filtered (timeout)"), verdicts


def test_watch_reports_a_new_wide_container_on_rootless(rootless) -> None:
    w = WatchProcess("--format", "json", "--host", rootless)
    name = f"{PREFIX}-watch"
    try:
        w.up(rootless)
        _docker(rootless, "run", "-d", "--name", name, "-p", f"{_free_port()}:80", IMAGE, "httpd", "-f", "-p", "80")
        record = w.record("new", name, "BG001")
        assert record["finding"]["rule"] == "BG001"
        assert not any("L2" in (r["finding"].get("message") or "") for r in w.records)
    finally:
        subprocess.run(["docker", "-H", rootless, "rm", "-f", name], capture_output=True)
        w.kill()
