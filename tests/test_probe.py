"""Tests for ``bindguard.probe`` against real sockets on this host.

Why real sockets: the probe's whole point is to report what the kernel does,
so the tests open listeners on 127.0.0.1, ::1 and 0.0.0.0 (on free ephemeral
ports, never 62893 or 8080, which other work on this machine uses) and check
that the probe finds them, names this test process as the owner, and that
connections answer where they should and nowhere else.  Only what a test
cannot produce for real (no root, a hidden socket table, a hook that fails)
is simulated with monkeypatch.  Nothing here needs or uses a Docker engine.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pytest

from bindguard import probe as P
from bindguard.probe import ProbeVerdict, Target, parse_target, probe, render_json, render_text

AVOID = {62893, 8080}
TIMEOUT = 0.3


def _has_v6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


HAS_V6 = _has_v6_loopback()
needs_v6 = pytest.mark.skipif(not HAS_V6, reason="no IPv6 loopback on this host")


def _bind(family: int, address: str, kind: int = socket.SOCK_STREAM) -> socket.socket:
    """A socket bound to a free port that is not one of the ports others use."""
    for _ in range(20):
        s = socket.socket(family, kind)
        if family == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1 if address != "::" else 0)
        s.bind((address, 0))
        if s.getsockname()[1] not in AVOID:
            return s
        s.close()
    raise RuntimeError("no free port")


@contextlib.contextmanager
def listener(address: str, kind: int = socket.SOCK_STREAM):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    s = _bind(family, address, kind)
    if kind == socket.SOCK_STREAM:
        s.listen(16)
    try:
        yield s.getsockname()[1]
    finally:
        s.close()


def free_port() -> int:
    """A port nothing listens on, on any address (it may be taken later, rarely)."""
    for _ in range(20):
        with socket.socket(socket.AF_INET6 if HAS_V6 else socket.AF_INET) as s:
            if HAS_V6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            s.bind(("::" if HAS_V6 else "0.0.0.0", 0))
            port = s.getsockname()[1]
        if port not in AVOID:
            return port
    raise RuntimeError("no free port")


@contextlib.contextmanager
def serving(handler, address: str = "127.0.0.1"):
    """A TCP listener on a thread that runs ``handler(conn)`` for each connection."""
    with listener(address) as port:
        pass  # only to pick a port; rebind below with the real server socket
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    srv = socket.socket(family, socket.SOCK_STREAM)
    srv.bind((address, port))
    srv.listen(16)
    srv.settimeout(0.1)
    stop = threading.Event()
    held: list[socket.socket] = []

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except (TimeoutError, OSError):
                continue
            held.append(conn)
            threading.Thread(target=handler, args=(conn,), daemon=True).start()

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    try:
        yield port
    finally:
        stop.set()
        t.join(2)
        srv.close()
        for c in held:
            with contextlib.suppress(OSError):
                c.close()


def attempts(result, outcome: str | None = None):
    return [a for a in result.reachability if outcome is None or a.outcome == outcome]


MY_NAME = psutil.Process().name()


# --------------------------------------------------------------------------
# parse_target
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("62893", Target(62893)),
        ("127.0.0.1:62893", Target(62893, "127.0.0.1")),
        ("[::1]:62893", Target(62893, "::1")),
        ("0.0.0.0:80", Target(80, "0.0.0.0")),
        ("53/udp", Target(53, None, "udp")),
        ("[::1]:53/UDP", Target(53, "::1", "udp")),
        ("127.0.0.1:443/tcp", Target(443, "127.0.0.1")),
        ("  5432 ", Target(5432)),
        ("[0:0:0:0:0:0:0:1]:22", Target(22, "::1")),
        ("[::]:80", Target(80, "::")),
    ],
)
def test_parse_target_accepts(text, expected):
    assert parse_target(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0", "out of range"),
        ("65536", "out of range"),
        ("127.0.0.1:70000", "out of range"),
        ("localhost:80", "hostnames are not accepted"),
        ("example.com:443", "hostnames are not accepted"),
        ("999.1.1.1:80", "not a valid IP address"),
        ("::1:80", "brackets"),
        ("[::1]", "missing port"),
        ("[::1:80", "missing ']'"),
        ("[fe80::zz]:80", "not a valid IP address"),
        ("[nope]:80", "hostnames are not accepted"),
        ("80/sctp", "unknown protocol"),
        ("", "empty target"),
        ("http", "not a port number"),
        ("-1", "not a port number"),
        (":80", "missing address"),
        ("127.0.0.1:", "missing port"),
    ],
)
def test_parse_target_rejects(text, message):
    with pytest.raises(ValueError, match=message):
        parse_target(text)


@pytest.mark.parametrize("text", ["62893", "127.0.0.1:62893", "[::1]:62893", "0.0.0.0:80/udp"])
def test_target_round_trips_through_str(text):
    assert str(parse_target(text)) == text


def test_target_rejects_bad_fields_directly():
    with pytest.raises(ValueError):
        Target(0)
    with pytest.raises(ValueError):
        Target(80, "localhost")
    with pytest.raises(ValueError):
        Target(80, None, "sctp")


# --------------------------------------------------------------------------
# Real listeners: verdict, owner, reachability
# --------------------------------------------------------------------------


def test_loopback_listener_is_loopback_only_and_owned_by_us():
    with listener("127.0.0.1") as port:
        (r,) = probe([parse_target(f"127.0.0.1:{port}")], timeout=TIMEOUT)
    assert r.verdict is ProbeVerdict.LOOPBACK_ONLY
    assert [s.endpoint for s in r.sockets] == [f"127.0.0.1:{port}"]
    (owner,) = r.sockets[0].owners
    assert owner.pid == os.getpid()
    assert owner.name == MY_NAME
    assert owner.user == psutil.Process().username()
    assert owner.cmdline == tuple(psutil.Process().cmdline())
    by_addr = {a.address: a.outcome for a in r.reachability}
    assert by_addr["127.0.0.1"] == "answered"
    assert not [a for a in attempts(r, "answered") if not a.loopback]
    assert P.HOST_PATH_CAVEAT not in r.notes  # nothing but loopback answered


def test_port_only_target_finds_the_same_listener():
    with listener("127.0.0.1") as port:
        (r,) = probe([str(port)], timeout=TIMEOUT)  # strings are parsed
    assert r.target == Target(port)
    assert r.verdict is ProbeVerdict.LOOPBACK_ONLY
    assert r.sockets[0].owners[0].pid == os.getpid()


@needs_v6
def test_ipv6_loopback_listener():
    with listener("::1") as port:
        (r,) = probe([parse_target(f"[::1]:{port}")], timeout=TIMEOUT)
    assert r.verdict is ProbeVerdict.LOOPBACK_ONLY
    assert r.sockets[0].family == "IPv6"
    assert r.sockets[0].owners[0].pid == os.getpid()
    by_addr = {a.address: a.outcome for a in r.reachability}
    assert by_addr["::1"] == "answered"
    assert by_addr["127.0.0.1"] == "refused"
    assert not [a for a in attempts(r, "answered") if not a.loopback]


def test_wildcard_listener_is_all_interfaces_and_answers_on_host_addresses():
    with listener("0.0.0.0") as port:
        (r,) = probe([parse_target(f"0.0.0.0:{port}")], timeout=TIMEOUT)
    assert r.verdict is ProbeVerdict.ALL_INTERFACES
    assert r.sockets[0].scope == "all-interfaces"
    assert r.sockets[0].owners[0].pid == os.getpid()
    by_addr = {a.address: a.outcome for a in r.reachability}
    assert by_addr["127.0.0.1"] == "answered"
    if HAS_V6:
        assert by_addr["::1"] == "refused"  # an IPv4 socket does not take IPv6
    v4_others = [a for a in r.reachability if not a.loopback and ":" not in a.address]
    # Interfaces may come and go (an engine starting in parallel): ignore errors.
    assert all(a.outcome == "answered" for a in v4_others if a.outcome != "error")
    if any(a.outcome == "answered" for a in v4_others):
        assert P.HOST_PATH_CAVEAT in r.notes
    assert "every interface" in r.summary


def test_only_this_hosts_addresses_are_ever_tried():
    own = {"127.0.0.1", "::1"}
    for entries in psutil.net_if_addrs().values():
        own |= {str(e.address) for e in entries}
    with listener("0.0.0.0") as port:
        (r,) = probe([parse_target(f"203.0.113.7:{port}")], timeout=TIMEOUT)
    tried = {a.address for a in r.reachability}
    assert "203.0.113.7" not in tried
    assert tried <= own
    assert any("not an address of this host" in n for n in r.notes)
    # 0.0.0.0 would accept on that address if the host had it: say so honestly.
    assert r.verdict is ProbeVerdict.ALL_INTERFACES


@needs_v6
def test_address_target_only_counts_sockets_that_accept_it():
    with listener("0.0.0.0") as port:
        (r,) = probe([parse_target(f"[::1]:{port}")], timeout=TIMEOUT)
    assert r.verdict is ProbeVerdict.NOT_LISTENING
    assert r.sockets == ()
    assert any(f"not accepting on ::1: 0.0.0.0:{port}" in n for n in r.notes)


@needs_v6
def test_dual_stack_wildcard_covers_ipv4():
    with listener("::") as port:
        (r,) = probe([parse_target(f"127.0.0.1:{port}")], timeout=TIMEOUT)
    assert r.verdict is ProbeVerdict.ALL_INTERFACES
    assert r.sockets[0].dual_stack
    assert any("'::' covers IPv4 too on Linux by default" in n for n in r.notes)
    by_addr = {a.address: a.outcome for a in r.reachability}
    assert by_addr["127.0.0.1"] == "answered"
    assert by_addr["::1"] == "answered"


def test_not_listening_says_service_not_running():
    port = free_port()
    (r,) = probe([Target(port)], timeout=TIMEOUT)
    assert r.verdict is ProbeVerdict.NOT_LISTENING
    assert r.sockets == ()
    assert "service not running" in r.summary
    assert not attempts(r, "answered")
    assert attempts(r)[0].address == "127.0.0.1"
    assert attempts(r)[0].outcome == "refused"


def test_not_listening_with_container_hint_means_nat_only():
    port = free_port()
    calls = []

    def lookup(p: int, proto: str) -> str | None:
        calls.append((p, proto))
        return "compose-web-1 (nginx:1.27)"

    (r,) = probe([Target(port)], timeout=TIMEOUT, container_lookup=lookup)
    assert calls == [(port, "tcp")]
    assert r.verdict is ProbeVerdict.NOT_LISTENING
    assert "published through NAT only: no socket, check the engine" in r.summary
    assert r.container == "compose-web-1 (nginx:1.27)"


def test_container_lookup_is_not_asked_about_ordinary_listeners():
    calls = []

    def lookup(p: int, proto: str) -> str | None:
        calls.append((p, proto))
        return "should not be used"

    with listener("127.0.0.1") as port:
        (r,) = probe([Target(port)], timeout=TIMEOUT, container_lookup=lookup)
    assert calls == []
    assert r.container is None


def test_failing_container_lookup_is_a_note_not_a_crash():
    def lookup(p: int, proto: str) -> str | None:
        raise RuntimeError("engine went away")

    (r,) = probe([Target(free_port())], timeout=TIMEOUT, container_lookup=lookup)
    assert "service not running" in r.summary
    assert "container lookup failed: engine went away" in r.notes


def test_udp_socket_is_found_and_not_connected_to():
    with listener("127.0.0.1", socket.SOCK_DGRAM) as port:
        (r,) = probe([parse_target(f"127.0.0.1:{port}/udp")], free=True, http=True, timeout=TIMEOUT)
    assert r.verdict is ProbeVerdict.LOOPBACK_ONLY
    assert r.sockets[0].protocol == "udp"
    assert r.sockets[0].owners[0].pid == os.getpid()
    assert r.reachability == ()
    assert any("UDP has no handshake" in n for n in r.notes)
    assert r.http is not None and r.http.outcome == "skipped"
    assert r.free is not None and not r.free.free
    assert f"pid {os.getpid()}" in r.free.detail


def test_tcp_probe_ignores_a_udp_socket_on_the_same_port():
    with listener("127.0.0.1", socket.SOCK_DGRAM) as port:
        (r,) = probe([Target(port)], timeout=TIMEOUT)
    assert r.verdict is ProbeVerdict.NOT_LISTENING


# --------------------------------------------------------------------------
# docker-proxy, for real: a process that is named docker-proxy
# --------------------------------------------------------------------------


@pytest.fixture
def fake_docker_proxy():
    """Run this Python under the name ``docker-proxy`` with proxy-like arguments."""
    with tempfile.TemporaryDirectory() as tmp:
        exe = Path(tmp) / "docker-proxy"
        exe.symlink_to(sys.executable)
        script = (
            "import socket, sys\n"
            "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()\n"
            "print(s.getsockname()[1], flush=True)\n"
            "sys.stdin.read()\n"
        )
        proc = subprocess.Popen(
            [str(exe), "-c", script, "-proto", "tcp", "-container-ip", "172.17.0.9",
             "-container-port", "80"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        try:
            line = proc.stdout.readline()
            if not line.strip().isdigit() or psutil.Process(proc.pid).name() != "docker-proxy":
                pytest.skip("cannot run a process named docker-proxy here")
            yield proc.pid, int(line)
        finally:
            proc.stdin.close()
            proc.wait(5)


def test_docker_proxy_owner_is_named_through_the_hook(fake_docker_proxy):
    pid, port = fake_docker_proxy
    calls = []

    def lookup(p: int, proto: str) -> str | None:
        calls.append((p, proto))
        return "compose-db-1"

    (r,) = probe([Target(port)], timeout=TIMEOUT, container_lookup=lookup)
    (owner,) = r.sockets[0].owners
    assert owner.pid == pid
    assert owner.is_docker_proxy
    assert owner.container == "compose-db-1"
    assert r.container == "compose-db-1"
    assert calls == [(port, "tcp")]
    assert "docker-proxy forwards it to compose-db-1" in r.summary
    assert "-> compose-db-1" in render_text([r])


def test_docker_proxy_without_hook_uses_its_command_line(fake_docker_proxy):
    _, port = fake_docker_proxy
    (r,) = probe([Target(port)], timeout=TIMEOUT)
    assert r.container == "container at 172.17.0.9:80"


# --------------------------------------------------------------------------
# --http
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "reason"), [(404, "Not Found"), (200, "OK")])
def test_http_reports_the_status_line(code, reason):
    class Handler(http.server.BaseHTTPRequestHandler):
        seen: list[str] = []

        def do_HEAD(self):  # noqa: N802 - http.server's naming
            Handler.seen.append(self.headers.get("Host", ""))
            self.send_response(code)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        (r,) = probe([Target(port, "127.0.0.1")], http=True, timeout=1.0)
    finally:
        server.shutdown()
        server.server_close()
    assert r.http is not None
    assert r.http.outcome == "responding"
    assert r.http.status == code
    assert r.http.status_line.startswith(f"HTTP/1.0 {code}")
    assert r.http.summary == f"responding with {code} {reason}"
    assert r.http.address == "127.0.0.1"
    assert Handler.seen == [f"127.0.0.1:{port}"]


def test_http_on_a_silent_listener_is_not_responding():
    with listener("127.0.0.1") as port:  # never accepts, never answers
        (r,) = probe([Target(port)], http=True, timeout=TIMEOUT)
    assert r.http.outcome == "not-responding"
    assert r.http.summary.startswith("service not responding")
    assert "no HTTP answer within" in r.http.detail  # the timeout ended it, not the peer


def test_http_on_an_accepting_but_mute_listener():
    def mute(conn):
        time.sleep(2)

    with serving(mute) as port:
        (r,) = probe([Target(port)], http=True, timeout=TIMEOUT)
    assert r.http.outcome == "not-responding"
    assert "service not responding" in r.http.summary


def test_http_on_a_listener_that_hangs_up():
    def hang_up(conn):
        conn.close()

    with serving(hang_up) as port:
        (r,) = probe([Target(port)], http=True, timeout=1.0)
    assert r.http.outcome == "not-responding"
    assert r.http.detail in {
        "connection closed without an answer",
        "connection reset without an answer",
    }


def test_http_on_a_non_http_service():
    def banner(conn):
        conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")

    with serving(banner) as port:
        (r,) = probe([Target(port)], http=True, timeout=1.0)
    assert r.http.outcome == "not-http"
    assert "SSH-2.0" in r.http.detail


def test_http_is_skipped_when_nothing_answers():
    (r,) = probe([Target(free_port())], http=True, timeout=TIMEOUT)
    assert r.http.outcome == "skipped"


# --------------------------------------------------------------------------
# --free
# --------------------------------------------------------------------------


def test_free_on_a_free_port():
    port = free_port()
    (r,) = probe([Target(port)], free=True, timeout=TIMEOUT)
    assert r.free is not None
    assert r.free.free
    assert r.free.address == "127.0.0.1"
    assert f"127.0.0.1:{port}" in r.free.detail


@pytest.mark.parametrize("address", ["127.0.0.1", "0.0.0.0"])
def test_free_on_a_held_port_names_the_holder(address):
    with listener(address) as port:
        (r,) = probe([Target(port)], free=True, timeout=TIMEOUT)
    assert not r.free.free
    assert r.free.detail.startswith(f"port already in use by pid {os.getpid()} ({MY_NAME}")
    assert [h.pid for h in r.free.holders] == [os.getpid()]


@needs_v6
def test_free_on_ipv6_loopback_target_binds_ipv6_loopback():
    with listener("::1") as port:
        (r,) = probe([parse_target(f"[::1]:{port}")], free=True, timeout=TIMEOUT)
    assert r.free.address == "::1"
    assert not r.free.free


# --------------------------------------------------------------------------
# What an unprivileged user cannot see
# --------------------------------------------------------------------------


def test_owner_hidden_when_process_access_is_denied(monkeypatch):
    def denied(pid=None):
        raise psutil.AccessDenied(pid)

    monkeypatch.setattr(psutil, "Process", denied)
    with listener("127.0.0.1") as port:
        (r,) = probe([Target(port)], free=True, timeout=TIMEOUT)
    (owner,) = r.sockets[0].owners
    assert owner.pid == os.getpid()
    assert owner.name is None
    assert owner.hidden == P.OWNER_HIDDEN
    assert any("run as root to see other users' processes" in n for n in r.notes)
    assert "run as root" in r.free.detail
    assert r.verdict is ProbeVerdict.LOOPBACK_ONLY


def test_socket_without_pid_as_non_root(monkeypatch):
    real = psutil.net_connections

    def no_pids(kind="inet"):
        return [c._replace(pid=None) for c in real(kind)]

    monkeypatch.setattr(psutil, "net_connections", no_pids)
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with listener("127.0.0.1") as port:
        (r,) = probe([Target(port)], free=True, timeout=TIMEOUT)
    (owner,) = r.sockets[0].owners
    assert owner.pid is None
    assert owner.hidden == P.OWNER_HIDDEN
    assert P.OWNER_HIDDEN in r.notes
    assert "a process we cannot see" in r.free.detail
    assert "owner hidden: run as root" in render_text([r])


def test_hidden_socket_table_falls_back_to_own_sockets(monkeypatch):
    def denied(kind="inet"):
        raise psutil.AccessDenied()

    monkeypatch.setattr(psutil, "net_connections", denied)
    with listener("127.0.0.1") as port:
        mine, other = probe([Target(port), Target(free_port())], timeout=TIMEOUT)
    assert mine.verdict is ProbeVerdict.LOOPBACK_ONLY
    assert mine.sockets[0].owners[0].pid == os.getpid()
    assert other.verdict is ProbeVerdict.UNKNOWN
    assert P.TABLE_HIDDEN in other.notes


def test_down_interfaces_are_not_tried(monkeypatch):
    real = psutil.net_if_stats

    def all_down_but_lo():
        return {
            name: st._replace(isup=False) if "loopback" not in st.flags and name != "lo" else st
            for name, st in real().items()
        }

    monkeypatch.setattr(psutil, "net_if_stats", all_down_but_lo)
    with listener("0.0.0.0") as port:
        (r,) = probe([Target(port)], timeout=TIMEOUT)
    assert all(a.loopback for a in r.reachability)


# --------------------------------------------------------------------------
# Rendering and API edges
# --------------------------------------------------------------------------


def test_render_text_escapes_what_other_processes_chose():
    """A listener's command line is written by whoever started it: no escape sequence gets through."""
    code = (
        "import socket, sys, time\n"
        "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()\n"
        "print(s.getsockname()[1], flush=True); time.sleep(60)\n"
    )
    evil = "\x1b]0;pwned\x07\x1b[31mred\nfake line\x9b2J"  # argv[0] is whatever the parent says
    proc = subprocess.Popen([evil, "-c", code], executable=sys.executable, stdout=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline())
        (r,) = probe([Target(port)], timeout=TIMEOUT)
    finally:
        proc.kill()
        proc.wait()
    text = render_text([r], color=True)
    assert f"pid {proc.pid}" in text
    assert "\x07" not in text and "\x9b" not in text and "\x1b]0;" not in text and "\x1b[31mred" not in text
    assert "\\x1b]0;pwned\\x07\\x1b[31mred\\x0afake line" in text


def test_render_text_reads_like_a_diagnosis():
    with listener("127.0.0.1") as port:
        results = probe([Target(port), Target(free_port())], free=True, timeout=TIMEOUT)
    text = render_text(results)
    assert f"{port}  loopback-only" in text
    assert "not-listening" in text and "service not running" in text
    assert f"pid {os.getpid()} {MY_NAME}" in text
    assert "reach   answered: 127.0.0.1" in text
    assert "from this host itself" in text and "firewall" in text
    assert "\x1b[" not in text
    assert "\x1b[32mloopback-only" in render_text(results, color=True)


def test_render_json_round_trips():
    with listener("127.0.0.1") as port:
        results = probe([Target(port)], http=True, free=True, timeout=TIMEOUT)
    data = json.loads(render_json(results))
    (r,) = data["results"]
    assert r["verdict"] == "loopback-only"
    assert r["target"] == {"text": str(port), "address": None, "port": port, "protocol": "tcp"}
    assert r["sockets"][0]["owners"][0]["pid"] == os.getpid()
    assert r["reachability"][0] == {
        "address": "127.0.0.1", "interface": "lo", "loopback": True,
        "outcome": "answered", "detail": "",
    }
    assert r["http"]["outcome"] == "not-responding"
    assert r["free"]["free"] is False
    assert "firewall" in data["caveat"]
    assert results[0].to_dict() == r


def test_results_are_frozen():
    (r,) = probe([Target(free_port())], timeout=TIMEOUT)
    with pytest.raises(AttributeError):
        r.verdict = ProbeVerdict.ALL_INTERFACES  # type: ignore[misc]


def test_timeout_must_be_positive():
    with pytest.raises(ValueError, match="timeout"):
        probe([Target(1)], timeout=0)


def test_importing_probe_does_not_import_psutil():
    import bindguard

    src = Path(bindguard.__file__).resolve().parents[1]  # wherever bindguard came from
    code = (
        "import sys, bindguard.probe as p; p.parse_target('127.0.0.1:80'); "
        "print('psutil' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
