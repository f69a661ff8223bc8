"""`bindguard audit PATHS` / `--expect`: a compose project, started by the real `docker compose up`,
confirmed service by service against the real engine (issue 21).  No mocks: the projects are
brought up with the real Compose v2 plugin (``compose`` fixture) and bindguard reads the engine
through the Docker SDK, in a child process, as a user runs it.

Project names are unique per test (other sessions share the engine) and host ports are random
(``127.0.0.1::80``), read back from the engine where a test needs the number.  Tests that need the
engine say so (the ``engine``/``compose`` fixtures mark them ``engine``); the rest run in the fast
loop.
"""

from __future__ import annotations

import json
import shutil
import socket
import time
import uuid
from pathlib import Path

import pytest

from bindguard.compose.environment import Environment
from bindguard.compose.project import ProjectLoader, ProjectOptions
from bindguard.engine.containers import container_info, running_bindings
from bindguard.engine.projects import normalize_project_name, project_name
from bindguard.engine.publishes import mismatch

from composebed import compose_config
from enginebed import IMAGE, docker, unique_name
from helpers import bindguard_cli, write

EXAMPLE = Path(__file__).resolve().parent.parent / "compose-examples" / "loopback-62893"
HTTPD = '["busybox", "httpd", "-f", "-p", "80", "-h", "/"]'


def project(tmp_path: Path, body: str, folder: str | None = None) -> Path:
    """A project folder whose (normalised) name is unique on the shared engine."""
    root = tmp_path / (folder or unique_name("i21"))
    write(root, "compose.yaml", body.replace("IMAGE", IMAGE).replace("HTTPD", HTTPD))
    return root


def audit(*args: str, env: dict[str, str] | None = None):
    """`bindguard audit ARGS --format json` against the test bed's engine; (exit code, JSON)."""
    proc = bindguard_cli("audit", "-H", "unix:///var/run/docker.sock", "--ignore", "BG011",
                         "--format", "json", *args, env=env)
    assert "Traceback" not in proc.stderr, proc.stderr
    data = json.loads(proc.stdout) if proc.stdout.strip() else None
    return proc.returncode, data, proc


def table(*args: str, env: dict[str, str] | None = None) -> str:
    """The text report as a user sees it (its table is what the report of issue 21 shows)."""
    proc = bindguard_cli("audit", "-H", "unix:///var/run/docker.sock", "--ignore", "BG011", *args, env=env)
    assert "Traceback" not in proc.stderr, proc.stderr
    print(f"$ bindguard audit {' '.join(args)}   (exit {proc.returncode})\n{proc.stdout}")
    return proc.stdout


def verdicts(data) -> dict[str, str]:
    return {(c["container"] or c["service"]): c["verdict"] for c in data["confirmations"]}


def told(f) -> set[str]:
    """A finding's code and the codes folded into it (an exposure that also drifted)."""
    return {f["rule"], *f.get("also", ())}


def codes(data) -> set[str]:
    return {code for f in data["findings"] for code in told(f)}


def host_port(container: str) -> int:
    ports = json.loads(docker("inspect", container).stdout)[0]["NetworkSettings"]["Ports"]
    return int(ports["80/tcp"][0]["HostPort"])



def test_confirmed(engine, compose, tmp_path):
    root = project(tmp_path, """
        services:
          web:
            image: IMAGE
            command: HTTPD
            ports: ["127.0.0.1::80"]
          worker:
            image: IMAGE
            command: HTTPD
        """)
    compose.up(cwd=root)
    name = root.name
    code, data, proc = audit(str(root))
    assert code == 0, proc.stdout + proc.stderr
    assert verdicts(data) == {f"{name}-web-1": "confirmed", f"{name}-worker-1": "confirmed"}
    web = next(c for c in data["confirmations"] if c["service"] == "web")
    assert web["file_says"] == ["127.0.0.1:random->80/tcp"]
    assert web["engine_says"] == [f"127.0.0.1:{host_port(name + '-web-1')}->80/tcp"]
    assert data["findings"] == []
    out = table(str(root))
    assert out.splitlines()[0].split() == ["SERVICE", "CONTAINER", "FILE", "SAYS", "ENGINE", "SAYS", "VERDICT"]
    assert "2 of 2 confirmed." in out
    # the summary names the engine as `audit` does and counts what was compared; -q is findings
    # only (none here), -q -q nothing
    last = out.rstrip().splitlines()[-1]
    assert last.startswith("No findings: every published port is on loopback (1 engine (Docker "), last
    assert last.endswith("), 2 containers, 1 published port, 0 exposed)."), last
    assert "\n\n\n" not in out  # one blank line between the table and the summary
    assert table(str(root), "-q") == "" and table(str(root), "-qq") == ""


def test_drift_after_editing_the_file(engine, compose, tmp_path):
    root = project(tmp_path, """
        services:
          web:
            image: IMAGE
            command: HTTPD
            ports: ["80"]
        """)
    compose.up(cwd=root)
    container = f"{root.name}-web-1"
    # the file is fixed, the container is not recreated: wider than the file
    write(root, "compose.yaml", (root / "compose.yaml").read_text().replace('["80"]', '["127.0.0.1::80"]'))
    code, data, _ = audit(str(root))
    assert code == 1 and verdicts(data) == {container: "drift"}
    drift = [f for f in data["findings"] if "BG010" in told(f)]
    # one per published address (old engines give 0.0.0.0 and :: different random ports), each
    # the exposure as audit reports it with the drift folded in: the port is not said twice
    assert len(drift) == len(data["confirmations"][0]["engine_says"])
    assert all(f["rule"] == "BG001" and f["also"] == ["BG010"] for f in drift)
    assert all("changed to '127.0.0.1::80')" in f["message"] for f in drift)
    # a Compose container's hint names the file and recreates it, never `docker run -p`
    assert all("already publishes it" in f["fix"] and "--force-recreate web" in f["fix"] for f in drift)
    # the summary counts what was compared
    assert data["engines"][0]["containers"] == 1 and data["summary"]["published_ports"] == len(drift)
    table(str(root))
    # edited again: the file now also publishes 81, which the container does not
    text = (root / "compose.yaml").read_text()
    write(root, "compose.yaml", text.replace('["127.0.0.1::80"]', '["80", "127.0.0.1::81"]'))
    code, data, _ = audit(str(root))
    assert code == 1 and verdicts(data) == {container: "drift"}
    [finding] = [f for f in data["findings"] if f["rule"] == "BG010"]
    assert "127.0.0.1:random->81/tcp" in finding["message"] and "does not" in finding["message"]
    table(str(root))


def test_drift_after_compose_run_service_ports(engine, compose, tmp_path):
    root = project(tmp_path, """
        services:
          web:
            image: IMAGE
            command: HTTPD
            ports: ["${WEB_BIND:-127.0.0.1}::80"]
        """)
    compose.up(cwd=root)
    try:
        # one-off containers: the first as the file says, the second with another environment
        compose("run", "-d", "--service-ports", "web", cwd=root)
        compose("run", "-d", "--service-ports", "web", cwd=root, env={"WEB_BIND": "0.0.0.0"})
        code, data, _ = audit(str(root))
        assert code == 1
        rows = data["confirmations"]
        assert sorted((r["oneoff"], r["verdict"]) for r in rows) == [
            (False, "confirmed"), (True, "confirmed"), (True, "drift")
        ]
        wide = next(r for r in rows if r["verdict"] == "drift")
        assert wide["engine_says"][0].startswith("0.0.0.0:") and "-run-" in wide["container"]
        assert {c for f in data["findings"] if f["container"] == wide["container"] for c in told(f)} >= {"BG010", "BG002"}
        assert "(run)" in table(str(root))
    finally:
        run_containers = docker("ps", "-aq", "--filter", f"label=com.docker.compose.project={root.name}",
                                "--filter", "label=com.docker.compose.oneoff=True").stdout.split()
        if run_containers:
            docker("rm", "-f", *run_containers, check=False)


def test_not_running(engine, compose, tmp_path):
    root = project(tmp_path, """
        services:
          web:
            image: IMAGE
            command: HTTPD
            ports: ["127.0.0.1::80"]
          db:
            image: IMAGE
            command: HTTPD
            ports: ["127.0.0.1::80"]
        """)
    compose.up(cwd=root)
    compose("stop", "-t", "1", "db", cwd=root)
    code, data, _ = audit(str(root))
    assert code == 1
    assert verdicts(data) == {f"{root.name}-web-1": "confirmed", "db": "not running"}
    [bg016] = [f for f in data["findings"] if f["rule"] == "BG016"]
    assert bg016["severity"] == "warning" and bg016["line"] == 6
    table(str(root))
    code, data, _ = audit(str(root), "--allow-stopped")
    assert code == 0 and verdicts(data)["db"] == "not running (allowed)"
    assert [f["severity"] for f in data["findings"]] == ["info"]
    table(str(root), "--allow-stopped")


def test_replicas_are_confirmed_each(engine, compose, tmp_path):
    root = project(tmp_path, """
        services:
          web:
            image: IMAGE
            command: HTTPD
            deploy: {replicas: 2}
            ports: ["127.0.0.1::80"]
        """)
    compose.up(cwd=root)
    code, data, _ = audit(str(root))
    assert code == 0
    assert verdicts(data) == {f"{root.name}-web-1": "confirmed", f"{root.name}-web-2": "confirmed"}
    # the engine cost is the whole-engine audit's: version, networks, one container list
    _, whole, _ = audit()
    assert data["engines"][0]["api_calls"] == whole["engines"][0]["api_calls"]
    # one replica recreated wider by hand (same labels, as a stale container would have)
    docker("rm", "-f", f"{root.name}-web-2")
    labels = json.loads(docker("inspect", f"{root.name}-web-1").stdout)[0]["Config"]["Labels"]
    args = [a for k, v in labels.items() if k.startswith("com.docker.compose.") for a in ("--label", f"{k}={v}")]
    docker("run", "-d", "--name", f"{root.name}-web-2", *args, "-p", "80", IMAGE, *json.loads(HTTPD))
    code, data, _ = audit(str(root))
    assert code == 1
    assert verdicts(data) == {f"{root.name}-web-1": "confirmed", f"{root.name}-web-2": "drift"}
    table(str(root))


def test_expect_met_and_missed(engine, compose, tmp_path):
    root = project(tmp_path, """
        services:
          web:
            image: IMAGE
            command: HTTPD
            ports: ["127.0.0.1::80"]
        """)
    compose.up(cwd=root)
    container = f"{root.name}-web-1"
    port = host_port(container)
    code, data, _ = audit(str(root), "--expect", f"web=127.0.0.1:{port}")
    assert code == 0 and verdicts(data) == {container: "confirmed"}
    table(str(root), "--expect", f"web=127.0.0.1:{port}")
    other = port + 1 if port < 65535 else port - 1
    code, data, _ = audit(str(root), "--expect", f"web=127.0.0.1:{other}")
    assert code == 1 and verdicts(data) == {container: "expect missed"}
    [bg009] = [f for f in data["findings"] if f["rule"] == "BG009"]
    assert f"should publish 127.0.0.1:{other} but publishes 127.0.0.1 port {port}/tcp" in bg009["message"]
    table(str(root), "--expect", f"web=127.0.0.1:{other}")
    # without PATHS: the container name (or the service label) names it, on the whole engine
    code, data, _ = audit("--expect", f"{container}=127.0.0.1:{port}")
    assert verdicts(data) == {container: "confirmed"}
    code, data, _ = audit("--expect", f"{container}=[::1]:{port}")
    assert verdicts(data) == {container: "expect missed"} and code == 1
    code, data, _ = audit(str(root), "--expect", "typo=127.0.0.1:1")
    assert code == 1 and verdicts(data) == {container: "confirmed", "typo": "expect missed"}
    code, data, _ = audit("--expect", f"{root.name}-nothing=127.0.0.1:{port}")
    assert code == 1 and [c["verdict"] for c in data["confirmations"]] == ["expect missed"]
    # `expect` in the config file does the same; SARIF carries the verdicts too
    config = write(tmp_path, "bindguard.toml", f'[tool.bindguard.expect]\nweb = "127.0.0.1:{port}"\n')
    code, data, _ = audit(str(root), "--config", str(config))
    assert code == 0 and [c["expected"] for c in data["confirmations"]] == [f"127.0.0.1:{port}"]
    proc = bindguard_cli("audit", "-H", "unix:///var/run/docker.sock", "--ignore", "BG011",
                         "--config", str(config), "--format", "sarif", str(root))
    run = json.loads(proc.stdout)["runs"][0]
    assert proc.returncode == 0 and run["results"] == []
    assert [(c["container"], c["verdict"]) for c in run["properties"]["confirmations"]] == [(container, "confirmed")]


def test_project_started_with_p_from_another_folder(engine, compose, tmp_path):
    root = project(tmp_path, """
        services:
          web:
            image: IMAGE
            command: HTTPD
            ports: ["127.0.0.1::80"]
        """)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    name = unique_name("i21-p").lower()
    compose.up("-f", str(root / "compose.yaml"), "-p", name, cwd=elsewhere)
    code, data, _ = audit(str(root), "-p", name)
    assert code == 0 and verdicts(data) == {f"{name}-web-1": "confirmed"}
    table(str(root), "-p", name)
    # without -p the project is the folder's: nothing of it runs
    code, data, _ = audit(str(root))
    assert code == 1 and verdicts(data) == {"web": "not running"}
    # COMPOSE_PROJECT_NAME names it as -p does
    code, data, _ = audit(str(root), env={"COMPOSE_PROJECT_NAME": name})
    assert code == 0 and verdicts(data) == {f"{name}-web-1": "confirmed"}
    code, _, proc = audit(str(root), "-p", "Not_Normal")
    assert code == 2 and "invalid project name 'Not_Normal'" in proc.stderr and len(proc.stderr.splitlines()) == 1


def test_profile_that_is_off(engine, compose, tmp_path):
    root = project(tmp_path, """
        services:
          web:
            image: IMAGE
            command: HTTPD
            ports: ["127.0.0.1::80"]
          debug:
            image: IMAGE
            command: HTTPD
            profiles: [debug]
            ports: ["0.0.0.0::80"]
        """)
    compose.up(cwd=root)
    code, data, _ = audit(str(root))
    assert code == 0 and verdicts(data) == {f"{root.name}-web-1": "confirmed", "debug": "profile off"}
    table(str(root))
    code, data, _ = audit(str(root), "--profile", "debug")
    assert code == 1 and verdicts(data)["debug"] == "not running"
    code, data, _ = audit(str(root), env={"COMPOSE_PROFILES": "debug"})
    assert code == 1 and verdicts(data)["debug"] == "not running"


def test_readme_flow(engine, compose, tmp_path):
    """compose-examples/loopback-62893 exactly as the README runs it (another image, another
    project name, so that concurrent sessions do not collide; 62893 must be free)."""
    root = tmp_path / "loopback-62893"
    shutil.copytree(EXAMPLE, root)
    env = {"BINDGUARD_EXAMPLE_IMAGE": IMAGE, "COMPOSE_PROJECT_NAME": unique_name("i21-readme").lower()}
    container = f"{env['COMPOSE_PROJECT_NAME']}-web-1"
    for _attempt in range(30):
        # `up` may exit 0 with the container left "Created" when the port is taken (Docker 20.10)
        compose.up(cwd=root, env=env, check=False)
        state = docker("inspect", "-f", "{{.State.Running}}", container, check=False).stdout.strip()
        if state == "true":
            break
        compose("down", "-t", "1", cwd=root, env=env, check=False)
        time.sleep(1)
    else:
        pytest.fail("127.0.0.1:62893 stayed busy for 30 s")
    code, data, _ = audit(str(root), "--expect", "web=127.0.0.1:62893", env=env)
    assert code == 0, data
    assert data["confirmations"][0]["engine_says"] == ["127.0.0.1:62893->80/tcp"]
    table(str(root), "--expect", "web=127.0.0.1:62893", env=env)


# -- values from the environment never reach the output (issues 25 and 26) ------------------
FORMATS = ("full", "json", "sarif", "github", "junit", "gitlab")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def canary() -> str:
    """A value that can also be a project name, unique to this run."""
    return f"engine-one-canary-{uuid.uuid4().hex[:10]}"


def every_output(root: Path, env: dict[str, str], *extra: str) -> str:
    """stdout and stderr of `audit ROOT` in every format, the text table included."""
    out = []
    for fmt in FORMATS:
        proc = bindguard_cli("audit", "-H", "unix:///var/run/docker.sock", "--format", fmt, str(root), *extra,
                             env=env)
        assert "Traceback" not in proc.stderr, proc.stderr
        assert proc.returncode in (0, 1), proc.stderr
        out.append(proc.stdout + proc.stderr)
    return "\n".join(out)


@pytest.mark.parametrize("where", ["environment", ".env", "name: ${N}"])
def test_project_name_from_the_environment_is_a_value(engine, tmp_path, where):
    """A project named by COMPOSE_PROJECT_NAME (or a `name:` from a variable) is named by a value from
    the environment: the BG016 message, its hint and the confirmation row show `<value of NAME>`."""
    secret = canary()
    root = tmp_path / f"engine-one-{uuid.uuid4().hex[:8]}"
    body = 'services:\n  web:\n    image: x\n    ports: ["127.0.0.1::80"]\n'
    env: dict[str, str] = {}
    if where == "environment":
        env["COMPOSE_PROJECT_NAME"], variable = secret, "COMPOSE_PROJECT_NAME"
    elif where == ".env":
        write(root, ".env", f"COMPOSE_PROJECT_NAME={secret}\n")
        variable = "COMPOSE_PROJECT_NAME"
    else:
        body = "name: ${N}\n" + body
        env["N"], variable = secret, "N"
    write(root, "compose.yaml", body)
    code, data, proc = audit(str(root), env=env)
    assert code == 1 and verdicts(data) == {"web": "not running"}
    [bg016] = [f for f in data["findings"] if f["rule"] == "BG016"]
    shown = f"<value of {variable}>"
    assert f"compose project {shown!r}" in bg016["message"] and f"-p {shown} up -d web" in bg016["fix"]
    assert data["confirmations"][0]["project"] == shown
    assert secret not in every_output(root, env) + table(str(root), env=env)
    # --show-values prints it, as everywhere else
    code, data, _ = audit(str(root), "--show-values", env=env)
    assert data["confirmations"][0]["project"] == secret


def test_entries_from_the_environment_are_masked_in_drift(engine, compose, tmp_path):
    """BG010's words for a file that changed after `up`: the entries as written, values masked (a
    long-syntax `name: ${TOKEN}` once printed the token in every format)."""
    root = tmp_path / f"engine-one-{uuid.uuid4().hex[:8]}"
    write(root, "compose.yaml", f"""
        services:
          web:
            image: {IMAGE}
            command: {HTTPD}
            ports: ["127.0.0.1::80"]
        """)
    secret = canary()
    env = {"TOKEN": secret, "BIND": "127.0.0.1", "HP": str(free_port()), "PROTO": "tcp"}
    compose.up(cwd=root, env=env)  # the environment `down` needs to read the edited file
    write(root, "compose.yaml", f"""
        services:
          web:
            image: {IMAGE}
            command: {HTTPD}
            ports:
              - {{target: 80, published: "${{HP}}", host_ip: "${{BIND}}", name: "${{TOKEN}}"}}
              - {{target: 81, host_ip: 127.0.0.1, name: "${{TOKEN}}", protocol: "${{PROTO}}"}}
        """)
    code, data, _ = audit(str(root), env=env)
    assert code == 1 and verdicts(data) == {f"{root.name}-web-1": "drift"}
    drift = sorted(f["message"] for f in data["findings"] if f["rule"] == "BG010")
    assert len(drift) == 2, drift
    assert all("name: <value of TOKEN>" in m for m in drift), drift
    assert any(f"they say '{{host_ip: 127.0.0.1, published: {env['HP']}, target: 80" in m for m in drift), drift
    assert any(m.startswith("the compose files publish 127.0.0.1:random->81/tcp") for m in drift), drift
    assert all("protocol: <value of PROTO>" in m for m in drift if "->81/tcp" in m), drift
    assert secret not in every_output(root, env) + table(str(root), env=env)


# -- the parts without an engine -------------------------------------------------------------
@pytest.mark.parametrize(
    "folder, body, env",
    [
        ("My Proj.Dir", "services:\n  web:\n    image: x\n", {}),
        ("__lead", "services:\n  web:\n    image: x\n", {}),
        ("f", "name: Sec-Ond!\nservices:\n  web:\n    image: x\n", {}),
        ("f", 'name: "${N:-Zed}"\nservices:\n  web:\n    image: x\n', {}),
        ("f", 'name: "${N:-Zed}"\nservices:\n  web:\n    image: x\n', {"N": "From.Env"}),
        ("f", "name: yaml\nservices:\n  web:\n    image: x\n", {"COMPOSE_PROJECT_NAME": "fromenv"}),
    ],
)
def test_project_name_as_compose_finds_it(tmp_path, folder, body, env):
    root = tmp_path / folder
    path = write(root, "compose.yaml", body)
    rc, data, err = compose_config([path], root, env)
    assert rc == 0, err
    loader = ProjectLoader(ProjectOptions(environ=dict(env)))
    loader.load([str(path)], str(root))
    got = project_name(None, Environment.for_project(str(root), (), dict(env)), loader.project_name, str(root))
    assert got == data["name"]


def test_last_name_wins_and_dotenv_names_the_project(tmp_path):
    a = write(tmp_path, "a.yml", "name: first\nservices:\n  web:\n    image: x\n")
    b = write(tmp_path, "b.yml", "name: second\n")
    rc, data, err = compose_config([a, b], tmp_path, {})
    loader = ProjectLoader(ProjectOptions(environ={}))
    loader.load([str(a), str(b)], str(tmp_path))
    assert rc == 0 and data["name"] == loader.project_name == "second"
    write(tmp_path, ".env", "COMPOSE_PROJECT_NAME=fromdotenv\n")
    rc, data, err = compose_config([a, b], tmp_path, {})
    env = Environment.for_project(str(tmp_path), (), {})
    assert data["name"] == project_name(None, env, loader.project_name, str(tmp_path)) == "fromdotenv"
    assert normalize_project_name("-_A b.C") == "abc"


def _engine_ports(*ports: tuple[str, int, int]) -> list:
    """Running bindings from the container list's ``Ports`` shape."""
    item = {"Id": "x", "Names": ["/c"], "State": "running", "Labels": {}}
    info = container_info(item)
    return running_bindings(info, [{"IP": ip, "PublicPort": pub, "PrivatePort": priv, "Type": "tcp"}
                                   for ip, pub, priv in ports], "e")


@pytest.mark.parametrize(
    "entry, published, drift",
    [
        ("127.0.0.1:8000-8001:80-81", [("127.0.0.1", 8000, 80), ("127.0.0.1", 8001, 81)], False),
        ("127.0.0.1:8000-8001:80-81", [("127.0.0.1", 8001, 80), ("127.0.0.1", 8000, 81)], True),
        ("127.0.0.1:8000-8010:80", [("127.0.0.1", 8007, 80)], False),
        ("127.0.0.1:8000-8010:80", [("127.0.0.1", 8011, 80)], True),
        ("127.0.0.1::80", [("127.0.0.1", 40001, 80)], False),
        ("127.0.0.1::80", [("0.0.0.0", 40001, 80)], True),
        ("80", [("0.0.0.0", 40001, 80), ("::", 40001, 80)], False),
        ("80", [("0.0.0.0", 40001, 80)], False),  # an engine without IPv6
        ("0.0.0.0:80:80", [("0.0.0.0", 80, 80), ("::", 80, 80)], True),
        ("[::1]:80:80", [("::1", 80, 80)], False),
        ("127.0.0.1:80:80", [], True),
    ],
)
def test_what_counts_as_the_same(tmp_path, entry, published, drift):
    path = write(tmp_path, "compose.yaml", f'services:\n  web:\n    ports: ["{entry}"]\n')
    [service] = ProjectLoader(ProjectOptions(environ={})).load([str(path)]).services
    found = mismatch(service.bindings, tuple(_engine_ports(*published)), oneoff=False)
    assert bool(found.unexplained or found.unpublished) is drift


def test_one_project_per_name(tmp_path):
    """A folder's other compose files (compose.prod.yaml) are not a second copy of its project."""
    from bindguard.engine.confirm import ConfirmSettings
    from bindguard.engine.confirm import project_list as load_projects
    from bindguard.errors import ConfigError
    from bindguard.lint import LintSettings

    root = tmp_path / "shop"
    write(root, "compose.yaml", 'services:\n  web:\n    ports: ["127.0.0.1::80"]\n')
    write(root, "compose.prod.yaml", 'services:\n  web:\n    ports: ["8080:80"]\n')
    write(tmp_path / "other", "compose.yaml", "name: Other.Name\nservices:\n  db: {}\n")
    lint = LintSettings(project=ProjectOptions(environ={}))
    projects = load_projects(ConfirmSettings(paths=(str(tmp_path),), lint=lint, environ={}))
    assert sorted((p.name, [Path(f).name for f in p.files]) for p in projects) == [
        ("othername", ["compose.yaml"]), ("shop", ["compose.yaml"])
    ]
    with pytest.raises(ConfigError, match="names one project, but the paths hold"):
        load_projects(ConfirmSettings(paths=(str(tmp_path),), lint=lint, project_name="x", environ={}))
    [named] = load_projects(ConfirmSettings(paths=(str(root),), lint=lint, project_name="x", environ={}))
    assert named.name == "x" and [Path(f).name for f in named.files] == ["compose.yaml"]
    with pytest.raises(ConfigError, match=r"COMPOSE_PROJECT_NAME: invalid project name:"):
        load_projects(ConfirmSettings(paths=(str(root),), lint=lint, environ={"COMPOSE_PROJECT_NAME": "Sec.ret"}))


def test_bg010_words_every_exact_drift_with_values_masked(tmp_path):
    """`audit PATHS`' drift (Comparison.exact) is worded by the BG010 rule and stamped by the runner:
    another host port, a file port the container lacks, a service gone; entries as written, values
    from the environment masked, never in the message, the hint or the entry."""
    from bindguard.engine.drift import pair
    from bindguard.model import Comparison, Subject
    from bindguard.runner import RuleSelection, check

    secret = canary()
    path = write(tmp_path, "compose.yaml", """
        services:
          web:
            ports:
              - {target: 80, published: "8080", host_ip: 127.0.0.1, name: "${TOKEN}"}
              - {target: 81, host_ip: 127.0.0.1, name: "${TOKEN}"}
        """)
    [service] = ProjectLoader(ProjectOptions(environ={"TOKEN": secret})).load([str(path)]).services
    running = tuple(_engine_ports(("127.0.0.1", 40001, 80), ("127.0.0.1", 40002, 82)))
    found = mismatch(service.bindings, running, oneoff=False)
    assert len(found.unexplained) == 2 and [e.container_ports.start for e in found.unpublished] == [80, 81]
    info = container_info({"Id": "x", "Names": ["/p-web-1"], "State": "running",
                           "Labels": {"com.docker.compose.project": "p", "com.docker.compose.service": "web"}})
    files = (str(path),)
    compared = [c._replace(exact=True) for c in pair(info, found.unexplained, service, files)]
    compared.append(Comparison(None, (found.unpublished[1],), info.location("e"), "web", "p", files, exact=True))
    compared.append(Comparison(None, (), info.location("e"), "gone", "p", files, service_defined=False, exact=True))
    findings = check(Subject(comparisons=tuple(compared)), RuleSelection(select=frozenset({"BG010"})))
    messages = sorted(f.message for f in findings)
    assert [m.split(" ", 3)[:3] for m in messages] == [
        ["container", "publishes", "127.0.0.1:40001->80/tcp,"],
        ["service", "'gone'", "is"],
        ["the", "compose", "files"],
        ["the", "compose", "files"],
    ]
    assert "they say '{host_ip: 127.0.0.1, published: 8080, target: 80, name: <value of TOKEN>}'" in messages[0]
    assert messages[2].startswith("the compose files no longer publish container port 82/tcp, but the container "
                                  "still publishes it on 127.0.0.1 port 40002/tcp")
    assert "127.0.0.1:random->81/tcp ('{host_ip: 127.0.0.1, target: 81, name: <value of TOKEN>}'" in messages[3]
    assert all(f.fix and f.code == "BG010" and f.rule_name for f in findings)
    assert secret not in repr(findings)
