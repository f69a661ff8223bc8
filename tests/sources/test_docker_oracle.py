"""The docker CLI is the oracle for ``docker run``/``create`` arguments (issue 27).

Each case is a line of shell, as a script would hold it.  bindguard's shell
source reads it into Bindings; the real ``sh`` then runs the same line with
``docker create`` against the local engine (a clean environment, so only
what the line itself assigns or defaults decides), and the container's
``HostConfig.PortBindings`` must hold exactly the same host addresses and
ports.  A line Docker refuses must be a BG007 problem for bindguard.
``docker create`` allocates no host port, so fixed port numbers are safe on
the shared engine; every container is named ``sources-...`` and removed.
"""

from __future__ import annotations

import json
import subprocess
import uuid

import pytest

from bindguard.sources.shell import ShellText, analyse

from enginebed import DEFAULT_URL, IMAGE, docker, docker_cli

pytestmark = pytest.mark.engine

CASES = [
    "-p 8080:80",
    "-p 127.0.0.1:8081:80",
    "-p=8082:80",
    "-p8083:80",
    "--publish 8084:80",
    "--publish=127.0.0.1:8085:80/udp",
    "-itp 8086:80",
    "-p '[::1]:8087:80'",
    "-p [::]:8088:80",
    "-p 8089-8090:80-81",
    "-p 8091-8095:80",
    "-p 80",
    "-p 127.0.0.1::80",
    "-p 0.0.0.0:8096:80/sctp",
    "-e X=-p -p 8097:80",
    "-p \"${HOST:-127.0.0.1}:8098:80\"",
    "-p \"${HOST}:8099:80\"",
    "-p \"${HOST-0.0.0.0}:8100:80\" -p 8101:80",
    "--rm -p 8102:80 --publish 127.0.0.1:8103:81",
    "-p 8104:80 \\\n  -p 127.0.0.1:8105:81",
    "-p 70000:80",
    "-p 8106:80/xyz",
    "-p 1.2.3:8107:80",
]
ASSIGNED = {"-p \"${HOST}:8099:80\"": "HOST=127.0.0.1; "}


def _expected(bindings) -> set[tuple[str, str, str]]:
    out = set()
    for b in bindings:
        proto = b.protocol
        containers = range(b.container_ports.start, b.container_ports.end + 1)
        if b.host_ports is None:
            out |= {(f"{c}/{proto}", b.host_ip, "") for c in containers}
        elif b.container_ports.size == 1 and b.host_ports.size > 1:
            out.add((f"{b.container_ports.start}/{proto}", b.host_ip, str(b.host_ports)))
        else:
            out |= {(f"{c}/{proto}", b.host_ip, str(h))
                    for c, h in zip(containers, range(b.host_ports.start, b.host_ports.end + 1), strict=True)}
    return out


def _actual(port_bindings: dict) -> set[tuple[str, str, str]]:
    return {(port, item["HostIp"], item["HostPort"]) for port, items in (port_bindings or {}).items()
            for item in items or ()}


@pytest.mark.parametrize("args", CASES)
def test_docker_create_binds_what_bindguard_reads(engine, args):
    name = f"sources-oracle-{uuid.uuid4().hex[:10]}"
    line = f"{ASSIGNED.get(args, '')}docker create --name {name} {args} {IMAGE}"
    services, problems = analyse("case.sh", ShellText(line))
    ours = [b for s in services for b in s.bindings]
    invalid = [p for p in problems if p.code == "BG007"]
    script = f"{ASSIGNED.get(args, '')}\"$DOCKER\" -H {DEFAULT_URL} create --name {name} {args} {IMAGE}"
    env = {"PATH": "/usr/bin:/bin", "DOCKER": docker_cli()}
    try:
        result = subprocess.run(["sh", "-c", script], env=env, capture_output=True, text=True, timeout=60)
        if invalid:
            assert result.returncode != 0, (args, "docker accepted what bindguard calls invalid", result.stdout)
            assert not ours
            return
        assert result.returncode == 0, (args, result.stderr)
        created = json.loads(docker("container", "inspect", name).stdout)[0]
        assert _actual(created["HostConfig"]["PortBindings"]) == _expected(ours), args
    finally:
        docker("rm", "-f", name, check=False)


COMPOSE_RUN_CASES = [
    "-d --rm -p 127.0.0.1:{a}:80 --publish {b}:81",
    "-d -T --no-deps -e X=-p -p {a}:80",
    "--detach --name bgrun-{tag} -l x=y --publish=[::1]:{a}:80/udp",
]


@pytest.mark.parametrize("options", COMPOSE_RUN_CASES)
def test_compose_run_publishes_what_bindguard_reads(compose, tmp_path, options):
    """``docker compose run -p`` in a script (issue 27's shell source): the real Compose runs the
    one-off container, and its ``PortBindings`` are what bindguard read from the line."""
    from watchbed import free_port

    tag = uuid.uuid4().hex[:8]
    opts = options.format(a=free_port(), b=free_port(), tag=tag).split()
    (tmp_path / "compose.yaml").write_text(
        f"services:\n  web:\n    image: {IMAGE}\n    command: [busybox, httpd, -f, -p, '80', -h, /]\n")
    project = f"bgrun{tag}"
    compose._projects.append((["-p", project], str(tmp_path), {}))  # taken down after the test
    ran = compose("-p", project, "run", *opts, "web", cwd=tmp_path)
    container = ran.stdout.strip().splitlines()[-1]
    try:
        created = json.loads(docker("container", "inspect", container).stdout)[0]
    finally:
        docker("rm", "-f", container, check=False)  # `compose down` leaves a one-off container
    services, problems = analyse("run.sh", ShellText(f"docker compose -p {project} run {' '.join(opts)} web"))
    assert problems == [] and [s.name for s in services] == [f"bgrun-{tag}" if "--name" in options else "web"]
    assert _actual(created["HostConfig"]["PortBindings"]) == _expected(services[0].bindings), options
