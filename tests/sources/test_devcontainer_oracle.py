"""The reference dev containers CLI is the oracle for what ``appPort`` and ``runArgs`` publish (issue 27).

Each case is a ``devcontainer.json``.  bindguard's devcontainer source reads it into
Bindings; ``devcontainer up`` (npm ``@devcontainers/cli``, installed by
``.ci/devcontainer-up.sh``) then starts the dev container on the test bed's engine
from the local image, and the container's ``HostConfig.PortBindings`` must hold
exactly the addresses and ports bindguard read.  The container publishes for real,
so every host port is a free one; each container carries a label of its own and is
removed afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from bindguard.sources import read

from enginebed import IMAGE, docker, free_host_port
from peerbed import DEVCONTAINER_CLI, require_tool

pytestmark = pytest.mark.engine

# {P0}, {P1}, ... are free host ports; each case is the part of devcontainer.json after "image"
CASES = [
    '"appPort": {P0}',
    '"appPort": "{P0}:80"',
    '"appPort": [{P0}, "127.0.0.1:{P1}:80", "{P2}:81"]',
    '"runArgs": ["-p", "{P0}:82", "--publish=127.0.0.1:{P1}:83"]',
    '"runArgs": ["--publish", "127.0.0.1:{P0}:84/udp", "-p{P1}:85"]',
    '// a comment, and a trailing comma\n  "appPort": ["{P0}:86",], "runArgs": ["-p", "[::1]:{P1}:87"],',
    '"forwardPorts": [3000], "appPort": [{P0}]',
]


def _ours(path: Path) -> set[tuple[str, str, str]]:
    subject, _ = read("devcontainer", str(path))
    assert not [p for p in subject.problems if p.code in ("BG000", "BG007")], subject.problems
    out = set()
    for b in subject.bindings:
        containers = range(b.container_ports.start, b.container_ports.end + 1)
        hosts = range(b.host_ports.start, b.host_ports.end + 1) if b.host_ports else [None] * len(containers)
        out |= {(f"{c}/{b.protocol}", b.host_ip, str(h) if h else "") for c, h in zip(containers, hosts, strict=True)}
    return out


def _theirs(port_bindings: dict) -> set[tuple[str, str, str]]:
    return {(port, item["HostIp"], item["HostPort"]) for port, items in (port_bindings or {}).items()
            for item in items or ()}


@pytest.mark.parametrize("case", CASES)
def test_devcontainer_up_publishes_what_bindguard_reads(engine, tmp_path, case):
    cli = require_tool("devcontainer", DEVCONTAINER_CLI)
    ports = {f"P{i}": free_host_port() for i in range(3)}
    body = case.format(**ports)
    folder = tmp_path / "ws"
    (folder / ".devcontainer").mkdir(parents=True)
    config = folder / ".devcontainer" / "devcontainer.json"
    config.write_text("{\n" + f'  "image": "{IMAGE}",\n  "overrideCommand": true,\n  {body}\n' + "}\n")
    label = f"bindguard.test=sources-dc-{uuid.uuid4().hex[:10]}"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DOCKER_HOST": engine, "HOME": str(tmp_path)}
    docker_path = shutil.which("docker")
    assert docker_path, "the docker CLI (the dev containers CLI drives it)"
    try:
        result = subprocess.run(
            [cli, "up", "--workspace-folder", str(folder), "--id-label", label, "--docker-path", docker_path],
            capture_output=True, text=True, timeout=180, env=env, stdin=subprocess.DEVNULL,
        )
        assert result.returncode == 0, (case, result.stdout[-2000:], result.stderr[-2000:])
        ids = docker("ps", "-aq", "--filter", f"label={label}", engine_url=engine).stdout.split()
        assert len(ids) == 1, ids
        created = json.loads(docker("container", "inspect", ids[0], engine_url=engine).stdout)[0]
        assert _theirs(created["HostConfig"]["PortBindings"]) == _ours(config), case
    finally:
        for cid in docker("ps", "-aq", "--filter", f"label={label}", engine_url=engine, check=False).stdout.split():
            docker("rm", "-f", cid, engine_url=engine, check=False)
