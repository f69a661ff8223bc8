"""`bindguard audit` of an engine behind mutual TLS, as `dockerd --tlsverify` serves it.

The engine is the real one from the engine bed; in front of it runs a TLS
listener that demands a client certificate signed by the test CA (what
dockerd's ``--tlsverify --tlscacert`` does) and passes the bytes through to
the engine's socket.  Certificates are made with the openssl command for
each test session: a CA, a server certificate for 127.0.0.1, a client
certificate, and a second, unrelated CA with its own client certificate.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bindguard.engine.client import EngineTarget, connect
from bindguard.errors import EngineError

from enginebed import free_host_port
from helpers import bindguard_cli

OPENSSL = shutil.which("openssl")


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run([OPENSSL, *args], cwd=cwd, check=True, capture_output=True)


def _authority(folder: Path, name: str) -> None:
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={name}",
             "-keyout", "ca-key.pem", "-out", "ca.pem", cwd=folder)


def _issue(folder: Path, ca: Path, name: str, extensions: str) -> None:
    """key.pem + cert.pem in ``folder``, signed by the CA in ``ca``."""
    (folder / "ext.cnf").write_text(extensions)
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}", "-keyout", "key.pem",
             "-out", "req.csr", cwd=folder)
    _openssl("x509", "-req", "-in", "req.csr", "-CA", str(ca / "ca.pem"), "-CAkey", str(ca / "ca-key.pem"),
             "-CAcreateserial", "-days", "2", "-extfile", "ext.cnf", "-out", "cert.pem", cwd=folder)


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> Path:
    """ca/, server/, client/ (ca.pem + cert.pem + key.pem, as DOCKER_CERT_PATH wants) and rogue/."""
    if OPENSSL is None:
        if os.environ.get("CI") == "true":
            pytest.fail("openssl is required under CI=true", pytrace=False)
        pytest.skip("no openssl command to make test certificates")
    root = tmp_path_factory.mktemp("pki")
    for sub in ("ca", "server", "client", "rogue", "rogue-client"):
        (root / sub).mkdir()
    _authority(root / "ca", "bindguard test CA")
    _issue(root / "server", root / "ca", "localhost",
           "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
    _issue(root / "client", root / "ca", "client", "extendedKeyUsage=clientAuth\n")
    shutil.copy(root / "ca" / "ca.pem", root / "client" / "ca.pem")
    _authority(root / "rogue", "another CA")
    _issue(root / "rogue-client", root / "rogue", "intruder", "extendedKeyUsage=clientAuth\n")
    shutil.copy(root / "ca" / "ca.pem", root / "rogue-client" / "ca.pem")  # trusts the server, is not trusted
    return root


def _pump(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


@pytest.fixture
def tls_engine(engine: str, pki: Path) -> Iterator[str]:
    """tcp://127.0.0.1:PORT: mutual TLS in front of the real engine's unix socket."""
    if not engine.startswith("unix://"):
        pytest.skip(f"the TLS front needs a unix-socket engine, not {engine}")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki / "server" / "cert.pem", pki / "server" / "key.pem")
    context.load_verify_locations(pki / "ca" / "ca.pem")
    context.verify_mode = ssl.CERT_REQUIRED
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                raw, _ = listener.accept()
            except OSError:
                return
            try:
                client = context.wrap_socket(raw, server_side=True)
            except (ssl.SSLError, OSError):
                raw.close()  # a client the CA did not sign: the handshake fails
                continue
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(engine[len("unix://"):])
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(a, b), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{port}"
    finally:
        stop.set()
        listener.close()


def _audit(host: str, cert_path: Path, other_bundle: Path) -> subprocess.CompletedProcess:
    """The CLI, configured the docker CLI's way; a shell-wide CA bundle that does not
    know the engine's CA is set too, as in many corporate shells: it must not matter."""
    env = {
        "DOCKER_HOST": host,
        "DOCKER_CONFIG": str(cert_path),
        "DOCKER_TLS_VERIFY": "1",
        "DOCKER_CERT_PATH": str(cert_path),
        "REQUESTS_CA_BUNDLE": str(other_bundle),
        "CURL_CA_BUNDLE": str(other_bundle),
    }
    return bindguard_cli("audit", "--format", "json", "--timeout", "10", env=env)


def test_audit_over_mutual_tls(tls_engine, pki, containers):
    port = free_host_port()
    c = containers.run("tls", ports=[f"{port}:80"])
    result = _audit(tls_engine, pki / "client", pki / "rogue" / "ca.pem")
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert [(e["name"], e["error"]) for e in data["engines"]] == [(tls_engine, None)]
    assert {(f["container"], f["rule"]) for f in data["findings"] if f["container"] == c.name} == {(c.name, "BG001")}


def test_library_client_over_mutual_tls(tls_engine, pki, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(pki / "rogue" / "ca.pem"))
    target = EngineTarget(tls_engine, tls_engine, tls_verify=True, cert_path=str(pki / "client"))
    client = connect(target, timeout=10)
    assert client.api.version()["ApiVersion"]


@pytest.mark.parametrize(
    "case, needle",
    [
        ("untrusted-client", "TLS failure"),  # the engine refuses a certificate from another CA
        ("no-client-cert", "TLS failure"),  # --tlsverify engines demand one
        ("server-not-trusted", "TLS failure"),  # our CA bundle does not know the server's CA
        ("missing-folder", "TLS certificate folder"),
        ("missing-ca", "needs the CA certificate"),
        ("cert-without-key", "without its pair"),
    ],
)
def test_tls_failures_are_one_line_exit_2(tls_engine, pki, tmp_path, case, needle):
    folder: Path | None = tmp_path / "certs"
    folder.mkdir()
    client = pki / "client"
    if case == "untrusted-client":
        folder = pki / "rogue-client"
    elif case == "no-client-cert":
        shutil.copy(client / "ca.pem", folder / "ca.pem")
    elif case == "server-not-trusted":
        for name in ("cert.pem", "key.pem"):
            shutil.copy(client / name, folder / name)
        shutil.copy(pki / "rogue" / "ca.pem", folder / "ca.pem")
    elif case == "missing-folder":
        folder = tmp_path / "nowhere"
    elif case == "missing-ca":
        for name in ("cert.pem", "key.pem"):
            shutil.copy(client / name, folder / name)
    elif case == "cert-without-key":
        for name in ("cert.pem", "ca.pem"):
            shutil.copy(client / name, folder / name)
    result = _audit(tls_engine, folder, pki / "ca" / "ca.pem")  # trusting the bundle must not help either
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("bindguard: ")
    assert tls_engine in result.stderr and needle in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_tls_errors_name_the_file_in_the_library_too(tmp_path):
    target = EngineTarget("tcp://127.0.0.1:9", "tcp://127.0.0.1:9", tls_verify=True, cert_path=str(tmp_path))
    with pytest.raises(EngineError, match="ca.pem"):
        connect(target)
