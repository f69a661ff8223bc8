"""Values from the environment and env files never appear in any output (issue 14).

Each leak path of the issue is run through the real CLI in every format, and
stdout and stderr are searched for the secret: a port entry built from
``${SECRET_TOKEN}`` (set in the environment, or in ``.env``), long syntax,
an env file with an unterminated quote, an ``include`` whose ``env_file`` lies
outside the project, and ``audit``'s drift finding interpolated from the
auditor's environment.  ``--show-values`` brings the values back.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from enginebed import free_host_port
from helpers import bindguard_cli, write

FORMATS = ["text", "json", "sarif", "github", "junit", "gitlab"]
SECRET = "ghp_9f8e7d6c5b4a3210SECRET"


def outputs(*args: str, env: dict[str, str] | None = None) -> tuple[str, object]:
    result = bindguard_cli(*args, env=env)
    assert result.returncode in (0, 1), result.stderr
    return result.stdout + result.stderr, result


def assert_hidden(text: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in text
        assert secret[4:20] not in text  # not a piece of it either


@pytest.fixture
def token_in_entry(tmp_path: Path) -> Path:
    write(
        tmp_path,
        "compose.yaml",
        'services:\n  web:\n    image: nginx\n    ports:\n'
        '      - "${SECRET_TOKEN}:80"\n'
        "      - target: 81\n        host_ip: ${SECRET_TOKEN}\n"
        '      - "${HOST_PART}:82"\n',
    )
    return tmp_path


@pytest.mark.parametrize("fmt", FORMATS)
def test_token_from_the_environment(token_in_entry: Path, fmt: str) -> None:
    text, _ = outputs(
        "lint", "--format", fmt, str(token_in_entry),
        env={"SECRET_TOKEN": SECRET, "HOST_PART": SECRET + ":8080"},
    )
    assert_hidden(text, SECRET)
    if fmt in ("text", "json", "github"):
        assert "SECRET_TOKEN set in the environment" in text
        assert "${SECRET_TOKEN}:80" in text  # the entry as written
        assert "<value of SECRET_TOKEN>" in text
        assert "HOST_PART set in the environment" in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_token_from_the_env_file(token_in_entry: Path, fmt: str) -> None:
    write(token_in_entry, ".env", f"# secrets\nOTHER=1\nSECRET_TOKEN={SECRET}\nHOST_PART='{SECRET}:1'\n")
    text, _ = outputs("lint", "--format", fmt, str(token_in_entry))
    assert_hidden(text, SECRET)
    if fmt in ("text", "json"):
        assert ".env:3" in text and "SECRET_TOKEN set in" in text
        assert "HOST_PART set in" in text and ".env:4" in text


def test_json_entry_is_as_written_and_resolved_follows_the_rule(tmp_path: Path) -> None:
    write(
        tmp_path,
        "compose.yaml",
        'services:\n  web:\n    image: nginx\n    ports:\n'
        '      - "${ADDR}:${PORT}:80"\n'
        '      - "${BOTH}:81"\n',
    )
    env = {"ADDR": "0.0.0.0", "PORT": "8080", "BOTH": "0.0.0.0:" + "9090"}
    text, _ = outputs("lint", "--format", "json", str(tmp_path), env=env)
    findings = {f["line"]: f for f in json.loads(text[: text.rindex("}") + 1])["findings"]}
    assert findings[5]["entry"] == "${ADDR}:${PORT}:80"
    assert findings[5]["resolved"] == "0.0.0.0:8080:80"  # an IP and a port may be printed
    assert findings[6]["entry"] == "${BOTH}:81"
    assert findings[6]["resolved"] == "<value of BOTH>:81"  # "0.0.0.0:9090" is neither
    # --show-values restores the interpolated entry
    text, _ = outputs("lint", "--format", "json", "--show-values", str(tmp_path), env=env)
    findings = {f["line"]: f for f in json.loads(text[: text.rindex("}") + 1])["findings"]}
    assert findings[6]["entry"] == "0.0.0.0:9090:81"


def test_show_values_restores_messages(token_in_entry: Path) -> None:
    text, _ = outputs("lint", "--show-values", str(token_in_entry), env={"SECRET_TOKEN": SECRET})
    assert SECRET in text


def test_ports_command_hides_and_shows_values(tmp_path: Path) -> None:
    write(tmp_path, "compose.yaml", 'services:\n  web:\n    image: nginx\n    ports: ["${BOTH}:81"]\n')
    env = {"BOTH": "0.0.0.0:9090"}  # valid as part of an entry, but neither an address nor a port
    text, _ = outputs("ports", str(tmp_path), env=env)
    assert "0.0.0.0:9090" not in text  # the table shows the address and the port, each valid
    text, _ = outputs("ports", "--format", "json", str(tmp_path), env=env)
    assert "0.0.0.0:9090" not in text and '"entry": "<value of BOTH>:81"' in text
    text, _ = outputs("ports", "--format", "json", "--show-values", str(tmp_path), env=env)
    assert "0.0.0.0:9090:81" in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_unterminated_quote_in_env_file(tmp_path: Path, fmt: str) -> None:
    write(tmp_path, "compose.yaml", 'services:\n  web:\n    image: nginx\n    ports: ["127.0.0.1:8080:80"]\n')
    write(tmp_path, ".env", f"A=1\nTOKEN='{SECRET}\nB=2\n")
    text, result = outputs("lint", "--format", fmt, str(tmp_path))
    assert result.returncode == 1
    assert_hidden(text, SECRET)
    if fmt in ("text", "json"):
        assert "unterminated quoted value of" in text and "TOKEN" in text and ".env" in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_env_file_given_on_the_command_line(tmp_path: Path, fmt: str) -> None:
    write(tmp_path, "compose.yaml", 'services:\n  web:\n    image: nginx\n    ports: ["${TOKEN}:80"]\n')
    env_file = write(tmp_path, "ci.env", f"TOKEN={SECRET}\nBAD=${{X:?{SECRET}}}\n")
    text, _ = outputs("lint", "--format", fmt, "--env-file", str(env_file), str(tmp_path))
    assert_hidden(text, SECRET)


@pytest.mark.parametrize("fmt", FORMATS)
def test_include_env_file_outside_the_project(tmp_path: Path, fmt: str) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    write(outside, "secrets.env", f"INC_TOKEN={SECRET}\nBROKEN=\"{SECRET}\n")
    project = tmp_path / "project"
    project.mkdir()
    write(project, "sub.yaml", 'services:\n  api:\n    image: nginx\n    ports: ["${INC_TOKEN}:80"]\n')
    write(
        project,
        "compose.yaml",
        f"include:\n  - path: sub.yaml\n    env_file: {outside / 'secrets.env'}\n",
    )
    text, result = outputs("lint", "--format", fmt, str(project))
    assert result.returncode == 1
    assert_hidden(text, SECRET)
    if fmt == "text":
        assert 'unterminated quoted value of "BROKEN"' in text


def test_include_env_file_values_are_named_by_file_and_line(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env_file = write(outside, "secrets.env", f"A=1\nB=2\nINC_TOKEN={SECRET}\n")
    project = tmp_path / "project"
    project.mkdir()
    write(project, "sub.yaml", 'services:\n  api:\n    image: nginx\n    ports: ["${INC_TOKEN}:80"]\n')
    write(project, "compose.yaml", f"include:\n  - path: sub.yaml\n    env_file: {env_file}\n")
    text, _ = outputs("lint", str(project))
    assert_hidden(text, SECRET)
    assert f"INC_TOKEN set in {env_file}:3" in text


def test_required_variable_message_hides_nested_values(tmp_path: Path) -> None:
    write(
        tmp_path,
        "compose.yaml",
        'services:\n  web:\n    image: nginx\n    ports: ["${UNSET_ONE:?ask ${SECRET_TOKEN}}:80"]\n',
    )
    text, _ = outputs("lint", "--format", "json", str(tmp_path), env={"SECRET_TOKEN": SECRET})
    assert_hidden(text, SECRET)
    assert "<value of SECRET_TOKEN>" in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_audit_drift_hides_the_auditors_environment(engine, containers, tmp_path: Path, fmt: str) -> None:
    """The compose file a container was made from is read with the auditor's variables."""
    port = free_host_port()
    compose = write(
        tmp_path, "compose.yaml", 'services:\n  db:\n    ports:\n      - "${DRIFT_SPEC}:80"\n'
    )
    labels = {
        "com.docker.compose.project": "bgsecret",
        "com.docker.compose.service": "db",
        "com.docker.compose.project.working_dir": str(tmp_path),
        "com.docker.compose.project.config_files": str(compose),
    }
    c = containers.run("secretdrift", ports=[f"{port}:80"], labels=labels)
    secret = f"127.0.0.2:{port}"  # a whole value that is neither an address nor a port
    text, result = outputs("audit", "--host", engine, "--format", fmt, env={"DRIFT_SPEC": secret})
    assert result.returncode == 1, text
    assert c.name in text or fmt in ("sarif", "gitlab", "junit")
    assert secret not in text
    if fmt == "text":
        assert "<value of DRIFT_SPEC>:80" in text  # BG010 quotes the file's entry as it may be shown
    if fmt == "json":
        # the exposure with the drift folded in (also: BG010) quotes the file's entry too
        drift = [f for f in json.loads(result.stdout)["findings"]
                 if "BG010" in (f["rule"], *f["also"]) and f["container"] == c.name]
        assert drift and all("<value of DRIFT_SPEC>:80" in f["message"] for f in drift)
        assert all(secret not in f["message"] + (f["fix"] or "") for f in drift)
    shown, _ = outputs("audit", "--host", engine, "--show-values", env={"DRIFT_SPEC": secret})
    assert secret in shown


# -- issue 25: every interpolated setting, not only port entries --------------------------

ATTACKS = {
    "extends-file": ('services:\n  web:\n    extends: {file: "${DEPLOY_TOKEN}", service: x}\n',
                     "extends file not found: ", "<value of DEPLOY_TOKEN>"),
    "include-path": ('include: ["${DEPLOY_TOKEN}"]\nservices: {}\n',
                     "included file not found: ", "<value of DEPLOY_TOKEN>"),
    "host-binding-ipv4": (
        'services:\n  web:\n    ports: ["8080:80"]\nnetworks:\n  default:\n    driver_opts:\n'
        '      com.docker.network.bridge.host_binding_ipv4: "${DEPLOY_TOKEN}"\n',
        "host IP '<value of DEPLOY_TOKEN>' is invalid: it comes from DEPLOY_TOKEN set in the environment",
        "host_binding_ipv4"),
    "profiles": ('services:\n  web:\n    profiles: ["${DEPLOY_TOKEN}"]\n    ports: ["127.0.0.1:80:80"]\n',
                 "profiles <value of DEPLOY_TOKEN>", ""),
    "long-syntax-name": (
        'services:\n  web:\n    ports:\n      - {target: 80, published: "8080", name: "${DEPLOY_TOKEN}"}\n',
        "8080", ""),
    "undefined-network": (
        'services:\n  web:\n    networks: [front, "${DEPLOY_TOKEN}"]\n    ports: ["8080:80"]\n'
        'networks:\n  front:\n    driver_opts: {com.docker.network.bridge.host_binding_ipv4: 127.0.0.1}\n',
        "1 undefined network", ""),
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_no_interpolated_setting_prints_its_value(tmp_path: Path, attack: str, fmt: str) -> None:
    """``extends: {file: ${DEPLOY_TOKEN}}`` printed "extends file not found: ./ghp_..." (issue 25)."""
    body, said, also = ATTACKS[attack]
    write(tmp_path, "compose.yaml", body)
    text, _ = outputs("lint", "--format", fmt, str(tmp_path), env={"DEPLOY_TOKEN": SECRET})
    assert_hidden(text, SECRET)
    ports, _ = outputs("ports", "--format", "json", str(tmp_path), env={"DEPLOY_TOKEN": SECRET})
    assert_hidden(ports, SECRET)
    if fmt == "json" and attack != "undefined-network":
        assert said in text and also in text
    if attack == "undefined-network":
        assert said in ports  # the origin of the default address counts what it does not name


def test_include_env_file_that_is_no_env_file(tmp_path: Path) -> None:
    """An ``include``'s ``env_file`` may name any readable file: a bare token line is not quoted."""
    token_file = write(tmp_path / "elsewhere", "token", f"{SECRET}+ci\n")  # "+": no name character
    write(tmp_path / "project", "sub.yaml", 'services:\n  api:\n    ports: ["127.0.0.1:80:80"]\n')
    write(tmp_path / "project", "compose.yaml", f"include:\n  - path: sub.yaml\n    env_file: {token_file}\n")
    text, result = outputs("lint", "--format", "json", str(tmp_path / "project"))
    assert result.returncode == 1 and "unexpected character" in text
    assert_hidden(text, SECRET)


def test_include_env_file_named_through_a_variable(tmp_path: Path) -> None:
    """The env file's own path, when it comes from ``${VAR}``, is named as ``<value of VAR>``."""
    write(tmp_path, "sub.yaml", 'services:\n  api:\n    ports: ["127.0.0.1:80:80"]\n')
    write(tmp_path, "compose.yaml", 'include:\n  - path: sub.yaml\n    env_file: "${DEPLOY_TOKEN}"\n')
    text, _ = outputs("lint", "--format", "json", str(tmp_path), env={"DEPLOY_TOKEN": SECRET})
    assert_hidden(text, SECRET)
    assert "<value of DEPLOY_TOKEN>" in text


def test_show_values_prints_interpolated_settings(tmp_path: Path) -> None:
    write(tmp_path, "compose.yaml", ATTACKS["extends-file"][0])
    text, _ = outputs("lint", "--show-values", str(tmp_path), env={"DEPLOY_TOKEN": SECRET})
    assert f"extends file not found: {tmp_path}/{SECRET}" in text


def test_profile_named_through_a_variable_reads_as_selected(tmp_path: Path) -> None:
    """``profiles: [${PROF}]`` selected by COMPOSE_PROFILES: named masked, and not as unused or skipped."""
    write(tmp_path, "compose.yaml", 'services:\n  a:\n    profiles: ["${PROF}"]\n    ports: ["127.0.0.1:80:80"]\n'
          '  b:\n    profiles: [other]\n    ports: ["127.0.0.1:81:80"]\n')
    text, _ = outputs("lint", str(tmp_path), env={"PROF": SECRET, "COMPOSE_PROFILES": f"{SECRET},zzz"})
    assert_hidden(text, SECRET)
    assert ("Profiles: <value of PROF>; 1 name no service uses (not shown: a value from the environment; "
            "--show-values names it) (from COMPOSE_PROFILES)") in text
    assert "services only in profiles other were not checked" in text


@pytest.mark.parametrize("how", ["include", "extends"])
def test_a_file_an_interpolated_path_reaches_is_named_by_that_path_masked(tmp_path: Path, how: str) -> None:
    """``include: [${DIR}/inner.yaml]`` that exists: its findings, hints, sources and port rows
    name it ``<value of DIR>/inner.yaml``, never the directory the value spells (issue 25)."""
    (tmp_path / SECRET).mkdir()
    write(tmp_path / SECRET, "inner.yaml", 'services:\n  x:\n    image: y\n    ports: ["80:80"]\n')
    if how == "include":
        top = 'include:\n  - ${DIR}/inner.yaml\nservices:\n  a:\n    image: x\n'
    else:
        top = 'services:\n  a:\n    extends: {file: "${DIR}/inner.yaml", service: x}\n'
    write(tmp_path, "compose.yaml", top)
    env = {"DIR": SECRET}
    target = str(tmp_path / "compose.yaml")  # only this file is checked: inner.yaml is reached
    for fmt in ("concise", "full", "json", "sarif", "junit", "gitlab", "github"):
        text, result = outputs("lint", "--no-config", "--output-format", fmt, target, env=env)
        assert_hidden(text, SECRET)
        assert "value of DIR" in text, (fmt, text)
    for args in (("ports",), ("ports", "--format", "json")):
        text, _ = outputs(*args, "--no-config", target, env=env)
        assert_hidden(text, SECRET)
        assert "value of DIR" in text
