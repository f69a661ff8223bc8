"""A value from the environment or an env file reaches no output, whatever field holds it (issue 25).

Compose interpolates every string value of the model, keys excepted
(compose-go ``interpolation.recursiveInterpolate`` walks maps and lists and
substitutes each string; ``include`` and ``extends`` are interpolated the same
way before they are followed).  In a pull request the attacker picks which
field names which variable, so this test gives EVERY field of the Compose
specification its own variable with a unique canary value, set once from the
process environment and once from ``.env``, plus a value from an env file
outside the project that an ``include`` names, and searches stdout and stderr
of every command and format for any canary (``lint``, ``ports``, ``fix
--diff``, ``probe --compose``, ``lint -o FILE``).

The engine part brings a small project up with the real ``docker compose``
(project name from a canary, free host ports) and runs ``audit PATH``
(``--metrics-file`` is refused there), ``audit --metrics-file``, plain ``audit`` (which reads the labelled compose
files with the auditor's variables) and ``watch``.
"""

from __future__ import annotations

import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import bindguard_cli, write

TOKEN = secrets.token_hex(6)  # shared by every canary of this run: one search finds any of them

# One field per line: ``${V}`` is replaced by the field's own variable.  The
# paths follow the Compose specification (services, networks, volumes,
# configs, secrets, include, extends, name, profiles, ports short and long).
SERVICE_FIELDS = """\
    image: ${V}
    container_name: ${V}
    hostname: ${V}
    domainname: ${V}
    platform: ${V}
    pull_policy: ${V}
    restart: ${V}
    user: ${V}
    working_dir: ${V}
    stop_signal: ${V}
    stop_grace_period: ${V}
    cgroup_parent: ${V}
    ipc: ${V}
    pid: ${V}
    uts: ${V}
    userns_mode: ${V}
    isolation: ${V}
    mac_address: ${V}
    runtime: ${V}
    shm_size: ${V}
    mem_limit: ${V}
    cpus: ${V}
    command: ${V}
    entrypoint: [${V}]
    env_file: [${V}]
    environment: {A: ${V}}
    labels: {a: ${V}}
    annotations: {a: ${V}}
    extra_hosts: [${V}]
    dns: [${V}]
    dns_search: [${V}]
    cap_add: [${V}]
    devices: [${V}]
    tmpfs: [${V}]
    expose: [${V}]
    external_links: [${V}]
    links: [${V}]
    security_opt: [${V}]
    group_add: [${V}]
    volumes_from: [${V}]
    depends_on: [${V}]
    sysctls: {a: ${V}}
    ulimits: {nofile: ${V}}
    logging: {driver: ${V}, options: {a: ${V}}}
    healthcheck: {test: [CMD, ${V}], interval: ${V}}
    build: {context: ${V}, dockerfile: ${V}, target: ${V}, args: {a: ${V}}, labels: {a: ${V}}}
    deploy: {labels: {a: ${V}}, mode: ${V}, resources: {limits: {memory: ${V}}}}
    volumes: [${V}, {type: bind, source: ${V}, target: ${V}}]
    secrets: [${V}, {source: ${V}, target: ${V}}]
    configs: [${V}, {source: ${V}, target: ${V}}]
    network_mode: ${V}
    profiles: [${V}]
    x-extension: ${V}
"""

PORT_FIELDS = """\
      - ${V}
      - "${V}:80"
      - "127.0.0.1:${V}:80"
      - "127.0.0.1:8080:${V}"
      - "127.0.0.1:8081:80/${V}"
      - "${V}:8082:80"
      - {target: 80, published: "8083", host_ip: 127.0.0.1, name: "${V}", app_protocol: "${V}"}
      - {target: 80, published: "8084", host_ip: 127.0.0.1, mode: "${V}"}
      - {target: 80, published: "8085", host_ip: "${V}"}
      - {target: 80, published: "${V}", host_ip: 127.0.0.1}
      - {target: "${V}", published: "8086", host_ip: 127.0.0.1}
      - {target: 80, published: "8087", host_ip: 127.0.0.1, protocol: "${V}"}
"""

TOP_FIELDS = """\
name: ${V}
include:
  - ${V}
  - path: ${V}
  - path: [inner.yaml]
    project_directory: ${V}
    env_file: OUTSIDE
networks:
  front:
    driver: ${V}
    name: ${V}
    labels: {a: ${V}}
    driver_opts:
      com.docker.network.bridge.host_binding_ipv4: ${V}
      com.docker.network.bridge.gateway_mode_ipv4: ${V}
      com.docker.network.bridge.name: ${V}
    ipam: {driver: ${V}, config: [{subnet: ${V}, gateway: ${V}}]}
  outside:
    external: true
    name: ${V}
volumes:
  data: {driver: ${V}, name: ${V}, labels: {a: ${V}}, driver_opts: {device: ${V}}}
configs:
  conf: {file: ${V}, name: ${V}}
  env: {environment: ${V}}
  inline: {content: ${V}}
secrets:
  token: {file: ${V}, name: ${V}}
  fromenv: {environment: ${V}}
"""

# The same project under another file: services that extend through a variable,
# and a second network pair so the "different default host IPs" wording runs.
OTHER_SERVICES = """\
  child:
    extends: {file: ${V}, service: ${V}}
    ports: ["127.0.0.1:9000:80"]
  short:
    extends: ${V}
  netted:
    networks: [front, ${V}]
    ports: ["9001:80"]
  mapped:
    networks: {front: {aliases: [${V}], ipv4_address: ${V}}}
"""

# A file an include reaches, interpolated with an env file outside the project.
INNER = """\
services:
  inner:
    network_mode: "${aws_secret_access_key}"
    profiles: ["${aws_secret_access_key}"]
    extends: {file: "${aws_secret_access_key}", service: x}
    networks: [inner_net, "${aws_secret_access_key}"]
    ports:
      - "${aws_secret_access_key}:80:80"
      - {target: 80, published: "9100", host_ip: 127.0.0.1, name: "${aws_secret_access_key}"}
      - "9101:80"
networks:
  inner_net:
    driver_opts: {com.docker.network.bridge.host_binding_ipv4: "127.0.0.1"}
"""


def _fill(template: str, names: list[str]) -> str:
    """Each ``${V}`` of ``template`` as ``"${CANARY_<n>}"`` (quoted: flow mappings), a new variable each time."""

    def one(match: re.Match) -> str:
        names.append(f"CANARY_{len(names):03d}")
        inside = match.start() > 0 and template[match.start() - 1] not in " [{,"  # part of a quoted string
        return ("${%s}" if inside else '"${%s}"') % names[-1]

    return re.sub(r"\$\{V\}", one, template)


def canary(name: str) -> str:
    """A value that is no IP address and no port number, so it may never be printed."""
    return f"cnry{TOKEN}{name.rsplit('_', 1)[-1]}"


def build_project(root: Path, outside: Path) -> dict[str, str]:
    """The project with one variable per field; returns every variable's canary value."""
    names: list[str] = []
    top = _fill(TOP_FIELDS, names).replace("OUTSIDE", str(outside / "creds"))
    web = _fill(SERVICE_FIELDS, names)
    ports = _fill(PORT_FIELDS, names)
    others = _fill(OTHER_SERVICES, names)
    write(root, "compose.yaml", f"{top}services:\n  web:\n{web}    ports:\n{ports}{others}")
    write(root, "inner.yaml", INNER)
    write(outside, "creds", f"aws_secret_access_key={canary('AWS_0')}\n")
    return {name: canary(name) for name in names}


def find_canary(text: str, values: dict[str, str]) -> list[str]:
    """The variables whose canary (or a 6-character piece of the run's token) is in ``text``."""
    leaked = [name for name, value in values.items() if value in text]
    if not leaked and TOKEN[:6] in text:
        leaked = ["(a piece of a canary)"]
    return leaked


def _context(text: str) -> str:
    at = text.find(TOKEN[:6])
    return text[max(0, at - 200) : at + 80]


LINT_FORMATS = ["concise", "full", "json", "sarif", "github", "junit", "gitlab"]
COMMANDS = (
    [("lint", "--output-format", f) for f in LINT_FORMATS]
    + [("lint", "--statistics"), ("ports",), ("ports", "--format", "json"), ("fix", "--diff")]
    # probe connects to the file's published ports on this host (refused: nothing listens)
    + [("probe", "--compose"), ("probe", "--format", "json", "--compose")]
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    base = tmp_path_factory.mktemp("canary")
    root = base / "project"
    values = build_project(root, base / "outside")
    return root, values


@pytest.mark.parametrize("source", ["environ", "dotenv"])
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_no_canary_in_any_output(project, tmp_path: Path, source: str, command: tuple[str, ...]) -> None:
    root, values = project
    work = tmp_path / "p"
    subprocess.run(["cp", "-r", str(root), str(work)], check=True)
    env = {}
    if source == "environ":
        env = dict(values)
    else:
        write(work, ".env", "".join(f"{k}={v}\n" for k, v in values.items()))
    result = bindguard_cli(*command, str(work / "compose.yaml"), env=env)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result.stdout + result.stderr
    out = result.stdout + result.stderr
    everything = {**values, "aws_secret_access_key": canary("AWS_0")}
    assert not find_canary(out, everything), _context(out)
    if command[0] == "lint" and "--statistics" not in command:
        assert "value of CANARY_" in out  # the redacted form is said (junit escapes the "<")


def test_the_canary_test_can_fail(project, tmp_path: Path) -> None:
    """--show-values prints values: the search finds them, so the assertions above can fail."""
    root, values = project
    result = bindguard_cli("lint", "--show-values", str(root / "compose.yaml"), env=values)
    assert find_canary(result.stdout + result.stderr, values)


def test_output_file_holds_no_canary(project, tmp_path: Path) -> None:
    root, values = project
    for fmt in ("json", "sarif", "full"):
        out = tmp_path / f"report.{fmt}"
        result = bindguard_cli("lint", "--output-format", fmt, "-o", str(out), str(root / "compose.yaml"), env=values)
        assert result.returncode in (0, 1), result.stderr
        assert not find_canary(out.read_text() + result.stdout + result.stderr, values), _context(out.read_text())


# -- with the engine ---------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


ENGINE_PROJECT = """\
name: ${CANARY_NAME}
services:
  web:
    image: IMAGE
    command: ["busybox", "httpd", "-f", "-p", "80", "-h", "/"]
    hostname: ${CANARY_HOST}
    labels: {note: "${CANARY_LABEL}"}
    environment: {TOKEN: "${CANARY_ENV}"}
    ports:
      - {target: 80, published: "PORT", host_ip: 127.0.0.1, name: "${CANARY_PORTNAME}"}
      - "${CANARY_BIND:-127.0.0.1}:PORT2:80"
  idle:
    image: IMAGE
    command: ["busybox", "sleep", "600"]
    labels: {note: "${CANARY_LABEL2}"}
"""


@pytest.fixture
def running(engine, compose, tmp_path: Path):
    """The engine project up with canaries from the environment and from ``.env``; taken down after."""
    from enginebed import IMAGE

    root = tmp_path / "redact-canary"
    port, port2 = free_port(), free_port()
    body = ENGINE_PROJECT.replace("IMAGE", IMAGE).replace("PORT2", str(port2)).replace("PORT", str(port))
    write(root, "compose.yaml", body)
    # the project name must be a valid compose name: lower case, digits, dashes
    name = f"redact-cnry{TOKEN}-name"
    write(root, ".env", f"CANARY_NAME={name}\nCANARY_LABEL2={canary('L2_1')}\n")
    env = {k: canary(k) for k in ("CANARY_HOST", "CANARY_LABEL", "CANARY_ENV", "CANARY_PORTNAME")}
    env["CANARY_BIND"] = "127.0.0.1"  # an address may be printed: it explains the verdict
    compose.up(cwd=root, env=env)
    compose("rm", "-sf", "idle", cwd=root, env=env)  # BG016: a service with no running container
    # the file now says another port: BG010 (the container was created from an older file)
    write(root, "compose.yaml", body.replace(f'published: "{port}"', f'published: "{free_port()}"'))
    values = {**env, "CANARY_NAME": name, "CANARY_LABEL2": canary("L2_1")}
    del values["CANARY_BIND"]
    return root, env, values


def engine_names_removed(text: str, project: str) -> str:
    """``text`` without the container names the engine reports (``PROJECT-SERVICE-N``).

    The engine names a Compose container after its project, so a project
    name from ``${VAR}`` is part of what the engine says; a container is
    named by its name in every report.  The project name on its own (BG016's
    message, the ``-p`` of a hint, a confirmation row) must not appear.
    """
    return re.sub(re.escape(project) + r"[-_][A-Za-z0-9_.-]+[-_]\d+", "<container>", text)


AUDIT_FORMATS = ["concise", "full", "json", "sarif", "github", "junit", "gitlab"]


def test_audit_path_prints_no_canary(engine, running, tmp_path: Path) -> None:
    root, env, values = running
    for fmt in AUDIT_FORMATS:
        result = bindguard_cli("audit", "-H", engine, "--output-format", fmt, str(root), env=env)
        assert result.returncode in (0, 1), result.stdout + result.stderr
        out = result.stdout + result.stderr
        if fmt == "json":
            # the run reached what the canaries could leak through: a missing service, a drifted port
            assert {"BG016", "BG010"} <= set(re.findall(r"BG0\d\d", out)), out
        out = engine_names_removed(out, values["CANARY_NAME"])
        assert not find_canary(out, values), f"audit PATH --output-format {fmt}: {_context(out)}"


def test_plain_audit_and_watch_print_no_canary(engine, running, tmp_path: Path) -> None:
    """Without PATH the compose files named by the containers' labels are read with the auditor's variables."""
    root, env, values = running
    for fmt in ("concise", "json", "sarif"):
        metrics = tmp_path / f"metrics-{fmt}.prom"
        result = bindguard_cli("audit", "-H", engine, "--output-format", fmt, "--metrics-file", str(metrics), env=env)
        assert result.returncode in (0, 1), result.stdout + result.stderr
        out = result.stdout + result.stderr + (metrics.read_text() if metrics.exists() else "")
        out = engine_names_removed(out, values["CANARY_NAME"])
        assert not find_canary(out, values), f"audit --output-format {fmt}: {_context(out)}"
    for fmt in ("text", "json"):
        import os

        base = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
        proc = subprocess.Popen(
            [sys.executable, "-m", "bindguard", "watch", "-H", engine, "--format", fmt],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**base, "NO_COLOR": "1", "DOCKER_CONFIG": "/nonexistent", **env},
        )
        time.sleep(4)  # the first full audit; the output is searched, the time is not asserted
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=30)
        out = engine_names_removed(stdout + stderr, values["CANARY_NAME"])
        assert not find_canary(out, values), f"watch --format {fmt}: {_context(out)}"
