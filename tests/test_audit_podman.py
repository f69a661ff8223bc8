"""`bindguard audit` against Podman's Docker-compatible API, next to Docker (no mocks).

The same ``docker run`` commands (the docker CLI, the same flags and image; Podman's containers
only add the ulimits they need here) create one container per case on the shared Docker engine
and on a rootful Podman service (``.ci/podman-up.sh``, via the ``podman`` fixture). Audit must
find the same exposures on both. Where the engines really differ (Podman publishes an entry
without host IP on IPv4 only) the message must say what the engine does, checked against the
sockets that are really listening.
"""

from __future__ import annotations

import socket
import subprocess

import psutil
import pytest

from bindguard.engine.audit import AuditSettings, audit
from bindguard.engine.client import EngineTarget
from bindguard.ports import parse_short

from enginebed import docker, wait_http
from servicebed import free_pair

# case -> (docker run arguments with {p}/{q} for two consecutive free host ports, expected exposures)
# an exposure: (rule, host IP as written, protocol, container port, host port: "p"/"q"/"random")
CASES = {
    "no host IP (-p P:80)": (dict(ports=["{p}:80"]), {("BG001", "", "tcp", 80, "p")}),
    "explicit 0.0.0.0": (dict(ports=["0.0.0.0:{p}:80"]), {("BG002", "0.0.0.0", "tcp", 80, "p")}),
    "127.0.0.1": (dict(ports=["127.0.0.1:{p}:80"]), set()),
    "[::1]": (dict(ports=["[::1]:{p}:80"]), set()),
    "port range P-Q:80-81": (dict(ports=["{p}-{q}:80-81"]),
                             {("BG001", "", "tcp", 80, "p"), ("BG001", "", "tcp", 81, "q")}),
    "udp": (dict(ports=["{p}:80/udp"]), {("BG001", "", "udp", 80, "p")}),
    "random host port (-p 80)": (dict(ports=["80"]), {("BG001", "", "tcp", 80, "random")}),
    "--network host": (dict(network="host", command="sleep 300"), {("BG004", "", "", 0, "")}),
    "stopped, --all": (dict(ports=["{p}:80"], start=False), {("BG001", "", "tcp", 80, "p")}),
}


def exposures(findings, name: str, base: int) -> set[tuple]:
    out = set()
    for f in findings:
        if f.location.container != name:
            continue
        if f.code == "BG004":
            out.add((f.code, "", "", 0, ""))
            continue
        spec = parse_short(f.entry)
        for i in range(spec.container_ports.size):
            port = spec.container_ports.start + i
            if spec.host_ports is None:
                where = "random"
            else:
                where = {base: "p", base + 1: "q"}.get(spec.host_ports.start + i, "random")
            out.add((f.code, spec.host_ip, spec.protocol, port, where))
    return out


def run_case(factory, args: dict, base: int):
    args = dict(args)
    args["ports"] = [p.format(p=base, q=base + 1) for p in args.get("ports", [])]
    return factory.run("pm", **args)


def audit_all(url: str):
    report, results = audit(AuditSettings(targets=(EngineTarget(url, url),), include_stopped=True))
    assert results[0].error is None, results[0].error
    return report, results[0]


def test_same_exposures_on_docker_and_podman(engine, podman, containers, podman_containers):
    made = {}
    for case, (args, _) in CASES.items():
        for kind, factory in (("docker", containers), ("podman", podman_containers)):
            base = free_pair()
            made[case, kind] = (run_case(factory, args, base), base)
    docker_report, _ = audit_all(engine)
    podman_report, podman_result = audit_all(podman)
    rows = []
    for case, (_, expected) in CASES.items():
        got = {}
        for kind, report in (("docker", docker_report), ("podman", podman_report)):
            c, base = made[case, kind]
            got[kind] = exposures(report.findings, c.name, base)
        rows.append((case, got["docker"], got["podman"]))
        assert got["docker"] == expected, (case, "docker", got["docker"])
        assert got["podman"] == expected, (case, "podman", got["podman"])
    assert podman_result.version.startswith(("4.", "5.")) and podman_result.api_version
    print("\ncase | docker | podman")
    for case, d, p in rows:
        print(f"{case} | {sorted(d)} | {sorted(p)}")


def _listening(port: int, proto: str = "tcp") -> set[str]:
    kind = "tcp" if proto == "tcp" else "udp"
    return {c.laddr.ip for c in psutil.net_connections(kind=kind)
            if c.laddr and c.laddr.port == port and (proto == "udp" or c.status == psutil.CONN_LISTEN)}


@pytest.mark.parametrize("kind", ["docker", "podman"])
def test_claimed_addresses_are_the_listening_ones(kind, engine, podman, containers, podman_containers):
    """BG001's "(0.0.0.0, ::)" on Docker, "(0.0.0.0)" on Podman: what the sockets say."""
    url, factory = (engine, containers) if kind == "docker" else (podman, podman_containers)
    base = free_pair()
    c = factory.run("claim", ports=[f"{base}:80"])
    report, _ = audit(AuditSettings(targets=(EngineTarget(url, url),)))
    (f,) = [f for f in report.findings if f.location.container == c.name]
    claimed = set(f.message.split("all interfaces (", 1)[1].split(")", 1)[0].split(", "))
    assert wait_http("127.0.0.1", base) == 200
    assert claimed == _listening(base), (f.message, _listening(base))
    assert claimed == ({"0.0.0.0", "::"} if kind == "docker" else {"0.0.0.0"})
    if kind == "podman":
        with pytest.raises(OSError):  # nothing on IPv6: the claim is not just a label
            socket.create_connection(("::1", base), timeout=2).close()
        assert "Podman" in f.message


def test_engine_risk_notes_are_engine_specific(engine, podman):
    docker_report, _ = audit_all(engine)
    podman_report, result = audit_all(podman)
    risk = lambda report: [f.message for f in report.findings if f.code == "BG011"]  # noqa: E731
    assert any("older than 28.0.0" in m for m in risk(docker_report))  # the shared engine is 20.10
    assert not any("28.0.0" in m for m in risk(podman_report)), risk(podman_report)


def test_podman_costs_one_more_list_and_inspects_only_network_less_containers(engine, podman, podman_containers):
    _, before = audit_all(podman)
    base = free_pair()
    for i in range(3):
        podman_containers.run(f"calls{i}", ports=[f"127.0.0.1:{base + i if i < 2 else base}:8{i}"] if i < 2 else ["80"])
    _, more = audit_all(podman)
    assert more.containers == before.containers + 3
    assert more.api_calls == before.api_calls  # constant, plus one inspect per host-mode container
    podman_containers.run("calls-host", network="host", command="sleep 300")
    _, host = audit_all(podman)
    assert host.api_calls == before.api_calls + 1
    network_less = 0
    for line in docker("ps", "-a", "--format", "{{.Names}}", engine_url=podman).stdout.split():
        mode = docker("inspect", "--format", "{{.HostConfig.NetworkMode}}", line, engine_url=podman,
                      check=False).stdout.strip()
        network_less += mode in ("host", "none") or mode.startswith("container:")
    # version, networks, containers, Podman's own list, /info (rootless or not)
    assert host.api_calls == 5 + network_less


def test_docker_still_publishes_with_podman_up(engine, podman, containers, podman_containers):
    """Podman's CNI iptables chains must not break the shared Docker engine's publishing."""
    podman_containers.run("neighbour", ports=[f"127.0.0.1:{free_pair()}:80"])
    base = free_pair()
    c = containers.run("still-publishes", ports=[f"127.0.0.1:{base}:80"])
    assert wait_http("127.0.0.1", base, timeout=20) == 200
    rules = subprocess.run(["iptables", "-t", "nat", "-S", "DOCKER"], capture_output=True, text=True)
    assert rules.returncode == 0 and f"--dport {base}" in rules.stdout, rules.stdout + rules.stderr
    assert c.host_port("80/tcp", "127.0.0.1") == base


def test_expect_reads_podman_as_audit_does(podman, podman_containers):
    """`audit --expect` reads the engine with audit's own reader (issue 26): Podman's facts, so
    no Docker-only BG011, and Podman's bindings (IPv4 only), so the same findings as `audit`."""
    from bindguard.engine.confirm import ConfirmSettings, confirm
    from bindguard.lint import LintSettings
    from bindguard.rules.options import Expectation, RuleOptions
    from bindguard.runner import RuleSelection

    base = free_pair()
    c = podman_containers.run("expect", ports=[f"{base}:80"])
    target = EngineTarget(podman, podman)
    plain, _ = audit(AuditSettings(targets=(target,)))
    selection = RuleSelection(options=RuleOptions(expect=(Expectation(c.name, "0.0.0.0", base),)))
    outcome = confirm([target], ConfirmSettings(lint=LintSettings(selection=selection), environ={}))

    def about(report) -> list[tuple[str, str]]:
        """The engine's own findings and the container's."""
        return sorted((f.code, f.message) for f in report.findings if f.location.container in (None, c.name))

    assert not [f for f in outcome.report.findings if f.code == "BG011"], about(outcome.report)
    assert about(outcome.report) == about(plain)
    assert [f.code for f in outcome.report.findings if f.location.container == c.name] == ["BG001"]
    # Podman publishes it on 0.0.0.0 only, as expected: met, and exposed
    [row] = outcome.rows
    assert row.container == c.name and row.verdict == "exposed", row


def test_expect_reads_recorded_podman_as_audit_does():
    """The same without an engine (fast loop): Podman 4.3's recorded answers replayed through
    `audit` and `audit --expect`; both read it with one reader, so the same engine facts (no
    Docker-only BG011), the same bindings (IPv4 only, ranges from Podman's own list), the same words."""
    from bindguard.engine.confirm import ConfirmSettings, confirm
    from bindguard.lint import LintSettings
    from bindguard.rules.options import Expectation, RuleOptions
    from bindguard.runner import RuleSelection
    from rules.engine_replay import ENGINES, load, replaying, target_of

    fixture = ENGINES / "podman-4.3-rootful.json"
    data = load(fixture)
    target = target_of(data)
    wants = (Expectation("engines-fx-pm-wide", "0.0.0.0", 59629), Expectation("engines-fx-pm-range", "127.0.0.1", 1))
    with replaying(data, fixture.parent):
        plain, _ = audit(AuditSettings(targets=(target,), environ={}))
        outcome = confirm([target], ConfirmSettings(
            lint=LintSettings(selection=RuleSelection(options=RuleOptions(expect=wants))), environ={}))
    said = lambda report: sorted((f.code, str(f.location), f.message) for f in report.findings)  # noqa: E731
    assert said(outcome.report) == sorted([*said(plain), *(
        (f.code, str(f.location), f.message) for f in outcome.report.findings if f.code == "BG009")])
    assert not [f for f in outcome.report.findings if f.code == "BG011"]
    rows = {r.container: (r.verdict, r.engine_says) for r in outcome.rows}
    # IPv4 only, as Podman publishes it: the expectation on 0.0.0.0 is met (and exposed)
    assert rows["engines-fx-pm-wide"] == ("exposed", ("0.0.0.0:59629->80/tcp",))
    # the range comes from Podman's own list, which the compat list lacks
    assert rows["engines-fx-pm-range"] == ("expect missed", ("127.0.0.1:18561-18562->80-81/tcp",))
