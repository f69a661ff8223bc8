"""``probe --neighbour`` and ``audit --prove`` against the real engine, from a real namespace.

Every test that makes a neighbour checks that the host is left as it was:
``ip netns``, ``ip link``, ``ip rule``, ``ip route show table all`` (IPv4 and
IPv6) and ``iptables-save`` are compared before and after, restricted to what
can be ours (names ``bindguard-*``, the 198.18.0.0/15 range, the fixed
link-local pair fe80::b9:1/2), because other test sessions share the engine
and create their own networks meanwhile.  Under CI=true a missing engine,
``ip`` or root fails the test; elsewhere it is skipped with the reason.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest

from bindguard.model import Binding, EngineFacts, Location, PortRange, Subject
from bindguard.probe.neighbour import NeighbourAttempt, NeighbourVerdict, Outcome, verdict_of
from bindguard.probe.netns import DEFAULT_RANGE, NeighbourError, parse_net, pick_subnet

from peerbed import IPROUTE2, iproute2_problem, unavailable

BYPASS = NeighbourVerdict.LOOPBACK_BYPASS.value
OURS = re.compile(r"bindguard-|198\.1[89]\.|fe80::b9:")


# ------------------------------------------------------------------ pure parts
def test_pick_subnet_skips_every_used_network() -> None:
    used = [ipaddress.IPv4Network("198.18.0.0/29"), ipaddress.IPv4Network("10.0.0.0/8")]
    net = pick_subnet(used, start=0)
    assert net == ipaddress.IPv4Network("198.18.0.8/30")
    assert net.subnet_of(DEFAULT_RANGE)
    whole = [ipaddress.IPv4Network("198.18.0.0/15")]
    with pytest.raises(NeighbourError, match="no free /30"):
        pick_subnet(whole)
    # the search wraps around the range from a start near its end
    near_end = pick_subnet([ipaddress.IPv4Network("198.19.255.252/30")], start=32767)
    assert near_end == ipaddress.IPv4Network("198.18.0.0/30")


def test_parse_net_refuses_what_would_touch_the_host() -> None:
    used = [ipaddress.IPv4Network("192.0.2.0/24")]
    assert parse_net("198.18.7.0/30", used) == ipaddress.IPv4Network("198.18.7.0/30")
    assert parse_net("198.18.7.0/24", used) == ipaddress.IPv4Network("198.18.7.0/30")
    for bad, why in (("192.0.2.4/30", "overlaps 192.0.2.0/24"), ("198.18.7.0/31", "at least a /30"),
                     ("127.0.0.0/30", "not a range"), ("nope", "not an IPv4 network")):
        with pytest.raises(NeighbourError, match=why):
            parse_net(bad, used)


def _a(path: str, outcome: Outcome, ms: float, address: str = "x") -> NeighbourAttempt:
    return NeighbourAttempt(address, path, outcome, ms / 1000)


def test_verdict_order() -> None:
    C, R, T = Outcome.CONNECTED, Outcome.REFUSED, Outcome.TIMEOUT
    cases = [
        ([_a("link", C, 2), _a("loopback", C, 1)], NeighbourVerdict.REACHABLE, 2),
        ([_a("link", R, 1), _a("loopback", C, 3)], NeighbourVerdict.LOOPBACK_BYPASS, 3),
        ([_a("link", R, 1), _a("link", R, 2), _a("loopback", T, 500)], NeighbourVerdict.REFUSED, 2),
        # IPv4 dropped, IPv6 refused (published on IPv4 only): something filters it
        ([_a("link", T, 500), _a("link", R, 1), _a("loopback", T, 500)], NeighbourVerdict.FILTERED, 500),
    ]
    for attempts, verdict, ms in cases:
        got, seconds = verdict_of(attempts, 0.5)
        assert (got, round(seconds * 1000)) == (verdict, ms), attempts


# ------------------------------------------------------------- host fixtures
def _need(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"probe --neighbour tests need {reason} under CI=true", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def neighbour_host() -> None:
    """Root on Linux with iproute2 (.ci/iproute2-up.sh installs it; the test never does)."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        _need("root on Linux")
    if problem := iproute2_problem():
        unavailable(IPROUTE2, problem)


def _lines(*cmd: str) -> list[str]:
    out = subprocess.run(list(cmd), capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if OURS.search(line)]


def host_state() -> dict[str, list[str]]:
    """What of the host could be a neighbour's: names, our range, rules mentioning either."""
    return {
        "netns": _lines("ip", "netns", "list"),
        "link": _lines("ip", "-o", "link", "show"),
        "rule4": _lines("ip", "-4", "rule", "show"),
        "rule6": _lines("ip", "-6", "rule", "show"),
        "route4": _lines("ip", "-4", "route", "show", "table", "all"),
        "route6": _lines("ip", "-6", "route", "show", "table", "all"),
        "addr": _lines("ip", "-o", "addr", "show"),
        "iptables": _lines("iptables-save"),
        "ip6tables": _lines("ip6tables-save"),
    }


@pytest.fixture
def unchanged_host(neighbour_host, engine):
    """Reap old leftovers, snapshot, run the test, and check nothing of ours remains."""
    from bindguard.probe.netns import reap_leftovers

    reap_leftovers()
    before = host_state()
    yield before
    after = host_state()
    assert after == before, f"left behind: {json.dumps({k: v for k, v in after.items() if v != before[k]}, indent=1)}"


def bindguard(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
    env["NO_COLOR"] = "1"
    return subprocess.run([sys.executable, "-m", "bindguard", *args], capture_output=True, text=True,
                          env=env, timeout=timeout, stdin=subprocess.DEVNULL)


def neighbour_json(*args: str) -> tuple[int, dict]:
    proc = bindguard("probe", "--neighbour", "--timeout", "1", "--format", "json", *args)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout)["neighbour"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("0.0.0.0", 0))
        return s.getsockname()[1]


def engine_major() -> int:
    from enginebed import docker

    version = docker("version", "--format", "{{.Server.Version}}").stdout.strip()
    return int(version.split(".")[0])


def _published(containers, spec: str):
    from enginebed import wait_port

    c = containers.run("neighbour", ports=[spec])
    port = c.host_port("80/tcp")
    wait_port("127.0.0.1", port, timeout=20)
    return c, port


# -------------------------------------------------------------- real probes
def test_loopback_published_port_is_reached_through_the_nat_bypass(unchanged_host, containers) -> None:
    c, port = _published(containers, "127.0.0.1::80")
    code, seen = neighbour_json(str(port))
    (result,) = seen["ports"]
    link = [a for a in result["attempts"] if a["path"] == "link" and "." in a["address"]]
    assert link[0]["outcome"] == "refused"  # nothing for it on the host's link address
    if engine_major() < 28:
        assert result["verdict"] == BYPASS, result
        assert code == 1
        assert result["container"].startswith(c.name)
    else:  # Docker 28 drops it: the bypass is closed
        assert result["verdict"] in ("refused", "filtered (timeout)"), result
    assert seen["namespace"].startswith("bindguard-")
    assert ipaddress.IPv4Address(seen["neighbour_address"]) in DEFAULT_RANGE
    assert any(cmd.endswith("rule del pref 0") for cmd in seen["commands"])


def test_all_interfaces_port_is_reachable(unchanged_host, containers) -> None:
    _, port = _published(containers, "0.0.0.0::80")
    code, seen = neighbour_json(str(port))
    (result,) = seen["ports"]
    assert result["verdict"] == NeighbourVerdict.REACHABLE.value, result
    assert code == 1


def test_docker_user_drop_is_filtered(unchanged_host, containers) -> None:
    from bindguard.probe.netns import pick_subnet, used_networks

    _, port = _published(containers, "0.0.0.0::80")
    net = str(pick_subnet(used_networks()))
    # Only our neighbour's /30 is dropped: no other traffic of this host is touched.
    rule = ["DOCKER-USER", "-s", net, "-j", "DROP"]
    subprocess.run(["iptables", "-I", *rule], check=True)
    try:
        code, seen = neighbour_json("--neighbour-net", net, str(port))
    finally:
        subprocess.run(["iptables", "-D", *rule], check=True)
    (result,) = seen["ports"]
    assert result["verdict"] == NeighbourVerdict.FILTERED.value, result
    assert seen["host_address"] == str(ipaddress.IPv4Network(net).network_address + 1)
    assert code == 0


def test_port_nobody_listens_on_is_refused(unchanged_host) -> None:
    port = free_port()
    code, seen = neighbour_json(str(port))
    (result,) = seen["ports"]
    assert result["verdict"] == NeighbourVerdict.REFUSED.value, result
    assert result["seconds"] < 1.0  # decided by a reset, not by the timeout
    assert code == 0


def test_text_output_table(unchanged_host) -> None:
    port = free_port()
    proc = bindguard("probe", "--neighbour", str(port), f"{port}/udp")
    assert proc.returncode == 0, proc.stderr
    assert re.search(rf"^{port}\s+refused\s+\d+\.\d ms\s+-$", proc.stdout, re.M), proc.stdout
    assert f"not probed: {port}/udp" in proc.stdout
    assert "the neighbour was removed" in proc.stdout


def _wait_namespace(proc: subprocess.Popen, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        names = [n for n in os.listdir("/run/netns") if n.startswith("bindguard-")] \
            if os.path.isdir("/run/netns") else []
        links = _lines("ip", "-o", "link", "show")
        if names and any(names[0] in line for line in links):
            return names[0]
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    raise AssertionError("the probe never created its namespace")


def _slow_probe() -> subprocess.Popen:
    # 127.0.0.1 to a port nobody listens on is dropped as martian on the host:
    # that attempt waits for the whole --timeout while the namespace exists.
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
    return subprocess.Popen([sys.executable, "-m", "bindguard", "probe", "--neighbour", "--timeout", "60",
                             str(free_port())], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


def test_sigkill_halfway_then_next_run_removes_the_leftovers(unchanged_host) -> None:
    proc = _slow_probe()
    try:
        name = _wait_namespace(proc)
        time.sleep(0.2)
    finally:
        proc.kill()
        proc.communicate()
    # killed: its namespace and veth are still there
    assert name in os.listdir("/run/netns")
    assert any(name in line for line in _lines("ip", "-o", "link", "show"))
    again = bindguard("probe", "--neighbour", "--timeout", "0.5", str(free_port()))
    assert again.returncode == 0, again.stderr
    assert f"removed a leftover of an earlier run: namespace {name}" in again.stdout
    # and unchanged_host checks that nothing at all is left


def test_sigterm_halfway_removes_everything_at_once(unchanged_host) -> None:
    proc = _slow_probe()
    try:
        name = _wait_namespace(proc)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 2
    assert err.strip().splitlines() == [
        "bindguard: probe --neighbour interrupted by SIGTERM; the neighbour namespace and veth were removed"
    ]
    assert name not in os.listdir("/run/netns")


def test_refused_without_root_in_one_line(neighbour_host) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
    for args in (["probe", "--neighbour", "80"], ["audit", "--prove"]):
        proc = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                               sys.executable, "-m", "bindguard", *args],
                              capture_output=True, text=True, env=env, cwd="/")
        assert proc.returncode == 2, (proc.stdout, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert "needs root" in proc.stderr


# ------------------------------------------------------------- audit --prove
def test_audit_prove_turns_bg011_into_evidence(unchanged_host, containers) -> None:
    c, port = _published(containers, "127.0.0.1::80")
    proc = bindguard("audit", "--prove", "--select", "BG015", "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    mine = [f for f in report["findings"] if c.name in json.dumps(f)]
    if engine_major() < 28:
        assert [f["rule"] for f in mine] == ["BG015"], mine
        assert f"127.0.0.1:{port}" in mine[0]["message"]
        assert f"port {port}: {BYPASS}" in proc.stderr
    else:
        assert mine == []
    (summary,) = report["engines"]
    assert any(p["port"] == port for p in summary["neighbour"]["ports"])


def test_audit_prove_notes_a_blocked_bypass(unchanged_host, containers) -> None:
    """An old engine whose bypass a raw-table rule blocks: a note, no BG015."""
    from bindguard.engine.audit import AuditSettings, audit
    from bindguard.engine.client import EngineTarget
    from bindguard.probe.netns import pick_subnet, used_networks
    from bindguard.probe.proof import make_prover
    from bindguard.runner import RuleSelection

    c, port = _published(containers, "127.0.0.1::80")
    net = str(pick_subnet(used_networks()))
    rule = ["PREROUTING", "-s", net, "-d", "127.0.0.0/8", "-j", "DROP"]
    subprocess.run(["iptables", "-t", "raw", "-I", *rule], check=True)
    try:
        report, (result,) = audit(AuditSettings(
            targets=(EngineTarget("local", "unix:///var/run/docker.sock"),),
            selection=RuleSelection(select=frozenset({"BG015"})),
            drift=False,
            prove=make_prover(timeout=1.0, net_text=net),
        ))
    finally:
        subprocess.run(["iptables", "-t", "raw", "-D", *rule], check=True)
    assert not [f for f in report.findings if f.location.container == c.name]
    mine = [p for p in result.neighbour["ports"] if p["port"] == port]
    assert mine and mine[0]["verdict"] in ("refused", "filtered (timeout)")
    if engine_major() < 28:
        assert any("the bypass is blocked on this host" in n for n in result.notes), result.notes


def test_prove_skips_remote_engines() -> None:
    from bindguard.probe.proof import make_prover

    b = Binding("web", "127.0.0.1", PortRange(8080, 8080), PortRange(80, 80), "tcp",
                Location(engine="remote"), "127.0.0.1:8080:80")
    from bindguard.model import Service

    subject = Subject(services=(Service("web", Location(engine="remote"), bindings=(b,)),),
                      engine=EngineFacts("remote", "tcp://10.0.0.5:2376", version="20.10.24"))
    proofs, notes, summary = make_prover(0.5)(subject, "tcp://10.0.0.5:2376")
    assert proofs == () and summary is None
    assert notes == ["remote: not proven: the engine is not on this host, and a neighbour "
                     "of this host proves nothing about it"]


def test_a_step_failing_halfway_leaves_nothing(unchanged_host, monkeypatch) -> None:
    """Each set-up command in turn fails (fault injection): the run stops with that one
    error and what the earlier commands created is gone."""
    from bindguard.probe import netns

    real = netns.ip
    for failing in range(1, 40):
        calls = {"build": 0}

        def flaky(*args, check=True, calls=calls, failing=failing, **kw):
            # set-up commands: not the JSON listings, not the removals
            if args[:1] != ("-j",) and args[:2] not in (("link", "del"), ("netns", "del")):
                calls["build"] += 1
                if calls["build"] == failing:
                    raise netns.NeighbourError(f"injected failure at step {failing}: ip {' '.join(args)}")
            return real(*args, check=check, **kw)

        monkeypatch.setattr(netns, "ip", flaky)
        try:
            with netns.Neighbour():
                pass
        except netns.NeighbourError as exc:
            assert f"injected failure at step {failing}" in str(exc)
        else:
            assert calls["build"] < failing, "the failure was injected but nothing noticed"
            break
        finally:
            monkeypatch.setattr(netns, "ip", real)
        assert host_state() == unchanged_host, f"left behind after a failure at step {failing}"
    else:
        raise AssertionError("set-up never completed")
    assert failing > 10  # the set-up really has that many steps, each one was failed once


def test_compose_ports_are_probed(unchanged_host, tmp_path) -> None:
    """--compose PATH: the host ports the project publishes (here nothing runs them: refused)."""
    a, b = free_port(), free_port()
    (tmp_path / "compose.yaml").write_text(
        f'services:\n  web:\n    image: x\n    ports: ["127.0.0.1:{a}:80", "{b}:81", "{b}:81/udp"]\n')
    code, seen = neighbour_json("--compose", str(tmp_path))
    assert {(p["port"], p["verdict"]) for p in seen["ports"]} == {(a, "refused"), (b, "refused")}
    assert seen["skipped"] == [f"{b}/udp (a connect proves nothing for UDP)"]
    assert code == 0


def test_a_binding_is_judged_by_its_own_address_family() -> None:
    """127.0.0.1:P of one container and [::]:P of another: IPv6 answering is not BG015's business."""
    from bindguard.probe.neighbour import NeighbourPort, NeighbourReport
    from bindguard.probe.proof import proofs_for

    def binding(ip: str) -> Binding:
        return Binding("s", ip, PortRange(9000, 9000), PortRange(80, 80), "tcp", Location(engine="e"), "x")

    attempts = (_a("link", Outcome.REFUSED, 1, "198.18.0.1"),
                _a("loopback", Outcome.TIMEOUT, 500, "127.0.0.1"),
                _a("link", Outcome.CONNECTED, 2, "fe80::b9:1%bg-neighbour"),
                _a("loopback", Outcome.TIMEOUT, 500, "::1"))
    port = NeighbourPort(9000, NeighbourVerdict.REACHABLE, 0.002, attempts)
    report = NeighbourReport("bindguard-x", "198.18.0.2", "198.18.0.1", True, 0.5, (port,))
    from bindguard.model import Service

    subject = Subject(services=(Service("s", Location(engine="e"),
                                        bindings=(binding("127.0.0.1"), binding("::"), binding(""))),))
    got = [(p.binding.host_ip, p.verdict, p.answered) for p in proofs_for(subject, report)]
    assert got == [("127.0.0.1", "refused", False), ("::", "reachable from neighbour", True),
                   ("", "reachable from neighbour", True)]
