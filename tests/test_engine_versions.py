"""API version negotiation against engines newer and older than this one.

Docker 29 refuses clients below API 1.44 ("client version 1.24 is too old.
Minimum supported API version is 1.44, please upgrade your client to a newer
version"), and engines older than API 1.24 are refused by the SDK.  The engine
bed runs an older dockerd, so an HTTP front in front of it plays the part of
the other engine: it answers ``/version`` with that engine's versions, refuses
versioned paths below its minimum with that engine's error, and passes the
rest to the real engine at the version the real engine speaks.
"""

from __future__ import annotations

import http.client
import http.server
import json
import re
import socket
import threading
from collections.abc import Iterator

import pytest

from bindguard.engine.client import EngineTarget, connect, negotiate
from bindguard.errors import EngineError

from enginebed import free_host_port
from helpers import bindguard_cli as _cli


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float = 30):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


def _front(engine_socket: str, real_api: str, api: str, min_api: str, version: str | None):
    """A handler class for an engine that says it speaks ``min_api``..``api`` (and is ``version``)."""
    minimum = tuple(int(x) for x in min_api.split("."))

    class Front(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        paths: list[str] = []

        def log_message(self, *args) -> None:
            pass

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            Front.paths.append(self.path)
            path = self.path
            match = re.match(r"/v(\d+)\.(\d+)(/.*)", path)
            if match:
                asked = (int(match[1]), int(match[2]))
                if asked < minimum:
                    message = (
                        f"client version {match[1]}.{match[2]} is too old. Minimum supported API version "
                        f"is {min_api}, please upgrade your client to a newer version"
                    )
                    return self._answer(400, json.dumps({"message": message}).encode())
                path = f"/v{real_api}{match[3]}"
            conn = _UnixConnection(engine_socket)
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                status, body = response.status, response.read()
            finally:
                conn.close()
            if path.endswith("/version") and status == 200:
                data = json.loads(body)
                data.update(ApiVersion=api, MinAPIVersion=min_api)
                if version:
                    data["Version"] = version
                body = json.dumps(data).encode()
            self._answer(status, body)

    return Front


@pytest.fixture
def engine_as(engine: str) -> Iterator:
    """``engine_as(api, min_api[, version])`` -> (tcp URL, paths asked) of a front playing that engine."""
    if not engine.startswith("unix://"):
        pytest.skip(f"the version front needs a unix-socket engine, not {engine}")
    sock = engine[len("unix://"):]
    conn = _UnixConnection(sock)
    conn.request("GET", "/version")
    real_api = json.loads(conn.getresponse().read())["ApiVersion"]
    conn.close()
    servers = []

    def start(api: str, min_api: str, version: str | None = None):
        handler = _front(sock, real_api, api, min_api, version)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"tcp://127.0.0.1:{server.server_address[1]}", handler.paths

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _sdk_newest() -> str:
    """The newest API version the installed Docker SDK speaks (public constant, not a guess:
    SDK 7.1 says 1.44, 7.2 says 1.45). The fronts below play engines newer than that."""
    from docker.constants import DEFAULT_DOCKER_API_VERSION

    return DEFAULT_DOCKER_API_VERSION


def test_audit_of_a_docker_29_engine(engine_as, containers):
    port = free_host_port()
    url, paths = engine_as("1.52", "1.44")
    c = containers.run("v29", ports=[f"{port}:80"])
    result = _cli("audit", "--host", url, "--format", "json", "--timeout", "10")
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert [(e["api_version"], e["error"]) for e in data["engines"]] == [("1.52", None)]
    assert any(f["container"] == c.name and f["rule"] == "BG001" for f in data["findings"])
    assert paths[0] == "/version" and all(p.startswith(f"/v{_sdk_newest()}/") for p in paths[1:]), paths


def test_probe_engine_lookup_of_a_docker_29_engine(engine_as, containers):
    port = free_host_port()
    url, paths = engine_as("1.52", "1.44")
    containers.run("v29p", ports=[f"127.0.0.1:{port}:80"])
    result = _cli("probe", "--engine", "--host", url, "--format", "json", "--timeout", "0.3")
    assert result.returncode in (0, 1), result.stderr
    assert str(port) in result.stdout
    assert paths[0] == "/version" and all(p.startswith(f"/v{_sdk_newest()}/") for p in paths[1:]), paths


def test_negotiation_takes_the_newest_version_both_speak(engine_as):
    url, _ = engine_as("1.41", "1.12")  # an engine older than the SDK: its own version
    client = connect(EngineTarget(url, url), timeout=10)
    assert negotiate(client, EngineTarget(url, url))["ApiVersion"] == "1.41"
    assert client.api.api_version == "1.41"
    url, _ = engine_as("1.52", "1.44")  # newer: the SDK's newest
    client = connect(EngineTarget(url, url), timeout=10)
    negotiate(client, EngineTarget(url, url))
    assert client.api.api_version == _sdk_newest()


def test_an_engine_older_than_api_1_24_is_one_line_exit_2(engine_as):
    url, _ = engine_as("1.23", "1.12")
    result = _cli("audit", "--host", url, "--timeout", "10")
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "engine API 1.23 is too old" in result.stderr and url in result.stderr
    with pytest.raises(EngineError, match="too old"):
        negotiate(connect(EngineTarget(url, url), timeout=10), EngineTarget(url, url))


def test_gateway_modes_count_only_on_engines_that_apply_them(engine, engine_as, networks, containers):
    """BG014 per container on Docker 27+; the bed's older engine keeps the option but ignores it."""
    port = free_host_port()
    routed = networks.create("routed", options={"com.docker.network.bridge.gateway_mode_ipv4": "routed"})
    open_ = networks.create("unprot", options={"com.docker.network.bridge.gateway_mode_ipv4": "nat-unprotected"})
    web = containers.run("gw-web", ports=[f"127.0.0.1:{port}:80"], network=routed)
    db = containers.run("gw-db", network=open_)  # nothing published: still open
    quiet = containers.run("gw-quiet", network=routed)  # routed, nothing published: closed

    def bg014(url: str) -> set[tuple[str, int]]:
        result = _cli("audit", "--host", url, "--format", "json", "--timeout", "10")
        assert result.returncode in (0, 1), result.stderr
        mine = {web.name, db.name, quiet.name}
        return {(f["container"], f["line"]) for f in json.loads(result.stdout)["findings"]
                if f["rule"] == "BG014" and f["container"] in mine}

    url, _ = engine_as("1.52", "1.44", "29.0.0")
    got = bg014(url)
    assert {name for name, _ in got} == {web.name, db.name}
    assert bg014(engine) == set()  # the real engine is older than 27
