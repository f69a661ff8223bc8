"""The TLS environment read exactly as Docker reads it (issue 14), against the real TLS front.

``DOCKER_TLS_VERIFY`` set to anything but "" means verify (``0`` too), as
docker-py's ``kwargs_from_env`` and docker/cli's ``os.Getenv(...) != ""``
read it; ``DOCKER_CERT_PATH`` alone is TLS without verification, as
``docker.from_env()`` does, and the report says so (BG011); ``--host
tcp://...`` applies ``DOCKER_TLS_VERIFY``/``DOCKER_TLS``/``DOCKER_CERT_PATH``
like the docker CLI.  The front (``tests/test_engine_tls.py``) demands a client
certificate from the test CA; a certificate folder whose ``ca.pem`` is
another CA's ("rogue") only works when the engine is *not* verified.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bindguard.engine.client import cli_host_target, sdk_tls_environment
from test_engine_tls import pki, tls_engine  # noqa: F401  (fixtures)

from helpers import bindguard_cli

UNVERIFIED = "without verifying its certificate"


@pytest.fixture
def rogue_ca_folder(pki: Path, tmp_path: Path) -> Path:  # noqa: F811
    """The right client certificate, but a CA bundle that does not know the engine."""
    folder = tmp_path / "rogue-ca"
    folder.mkdir()
    for name in ("cert.pem", "key.pem"):
        shutil.copy(pki / "client" / name, folder / name)
    shutil.copy(pki / "rogue" / "ca.pem", folder / "ca.pem")
    return folder


def _run(args: list[str], env: dict[str, str], fmt: str = "json"):
    return bindguard_cli("audit", "--format", fmt, "--timeout", "10", *args, env=env)


def _engine_reached(result, host: str) -> bool:
    if result.returncode == 2:
        return False
    data = json.loads(result.stdout)
    return [(e["name"], e["error"]) for e in data["engines"]] == [(host, None)]


def _unverified_note(result) -> bool:
    data = json.loads(result.stdout)
    return any(f["rule"] == "BG011" and UNVERIFIED in f["message"] for f in data["findings"])


@pytest.mark.parametrize(
    "tls_verify, folder, reached, note",
    [
        ("1", "client", True, False),
        ("0", "client", True, False),  # "0" is non-empty: verify, and the CA is right
        ("0", "rogue", False, False),  # "0" still verifies: the rogue CA must fail (it used to pass)
        ("false", "rogue", False, False),
        ("", "client", True, True),  # empty is unset: DOCKER_CERT_PATH alone, TLS without verifying
        (None, "client", True, True),  # DOCKER_CERT_PATH alone (SDK from_env)
        (None, "rogue", True, True),  # no verification, so a CA that does not know the engine passes
    ],
)
@pytest.mark.parametrize("how", ["DOCKER_HOST", "--host"])
def test_tls_variable_matrix(tls_engine, pki, rogue_ca_folder, tls_verify, folder, reached, note, how):  # noqa: F811
    cert_path = pki / "client" if folder == "client" else rogue_ca_folder
    env = {"DOCKER_CERT_PATH": str(cert_path)}
    if tls_verify is not None:
        env["DOCKER_TLS_VERIFY"] = tls_verify
    args: list[str] = []
    if how == "DOCKER_HOST":
        env["DOCKER_HOST"] = tls_engine
    else:
        args = ["--host", tls_engine]
        if not tls_verify:
            # the CLI turns TLS on only with DOCKER_TLS or DOCKER_TLS_VERIFY, never DOCKER_CERT_PATH alone
            env["DOCKER_TLS"] = "1"
    result = _run(args, env)
    assert _engine_reached(result, tls_engine) is reached, (result.stdout[-500:], result.stderr)
    if reached:
        assert _unverified_note(result) is note
    else:
        assert result.stderr.startswith("bindguard: ") and "TLS failure" in result.stderr
        assert result.stderr.count("\n") == 1


def test_host_flag_uses_the_tls_environment_not_a_misleading_dockerd_message(tls_engine, pki):  # noqa: F811
    env = {"DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(pki / "client")}
    result = _run(["--host", tls_engine], env)
    assert _engine_reached(result, tls_engine), result.stderr
    # without the TLS variables the CLI speaks plain HTTP to the TLS port: an error, and never
    # the claim that no dockerd is running
    result = _run(["--host", tls_engine], {})
    assert result.returncode == 2
    assert "is dockerd running" not in result.stderr


def test_text_says_the_engine_was_not_verified(tls_engine, pki):  # noqa: F811
    env = {"DOCKER_HOST": tls_engine, "DOCKER_CERT_PATH": str(pki / "client")}
    result = _run([], env, fmt="text")
    assert result.returncode in (0, 1), result.stderr
    assert "BG011" in result.stdout and UNVERIFIED in result.stdout


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"DOCKER_TLS_VERIFY": "1"},
        {"DOCKER_TLS_VERIFY": "0"},
        {"DOCKER_TLS_VERIFY": "false"},
        {"DOCKER_TLS_VERIFY": ""},
        {"DOCKER_CERT_PATH": "{certs}"},
        {"DOCKER_CERT_PATH": ""},
        {"DOCKER_TLS_VERIFY": "0", "DOCKER_CERT_PATH": "{certs}"},
        {"DOCKER_TLS_VERIFY": "", "DOCKER_CERT_PATH": "{certs}"},
    ],
)
def test_environment_read_as_the_sdk_reads_it(environ, monkeypatch, tmp_path):
    """The same answer as docker-py's own kwargs_from_env, from the SDK installed here."""
    from docker.tls import TLSConfig
    from docker.utils import kwargs_from_env

    # the SDK checks that the files exist: give both folders (HOME/.docker and a cert path) some
    for folder in (tmp_path / ".docker", tmp_path / "certs"):
        folder.mkdir()
        for name in ("ca.pem", "cert.pem", "key.pem"):
            (folder / name).write_text("")
    environ = {k: v.replace("{certs}", str(tmp_path / "certs")) for k, v in environ.items()}
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("DOCKER_CONFIG", raising=False)
    sdk = kwargs_from_env(environment=environ)
    verify, cert_path = sdk_tls_environment(environ)
    tls = sdk.get("tls")
    assert (cert_path is not None or verify) == isinstance(tls, TLSConfig)
    if isinstance(tls, TLSConfig):
        assert bool(tls.verify) == verify
        expected = environ.get("DOCKER_CERT_PATH") or str(tmp_path / ".docker")
        assert tls.cert[0] == str(Path(expected) / "cert.pem")
        assert cert_path == expected


@pytest.mark.parametrize(
    "environ, tls, verify",
    [
        ({}, False, False),
        ({"DOCKER_TLS_VERIFY": "0"}, True, True),
        ({"DOCKER_TLS_VERIFY": ""}, False, False),
        ({"DOCKER_TLS": "1"}, True, False),
        ({"DOCKER_TLS": "0"}, True, False),
        ({"DOCKER_CERT_PATH": "/certs"}, False, False),  # the CLI needs DOCKER_TLS(_VERIFY) for TLS
    ],
)
def test_host_flag_reads_the_cli_variables(environ, tls, verify):
    target = cli_host_target("tcp://127.0.0.1:2376", environ)
    assert (target.tls, target.tls_verify) == (tls, verify)
    assert not cli_host_target("unix:///var/run/docker.sock", {"DOCKER_TLS_VERIFY": "1"}).tls
