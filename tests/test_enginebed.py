"""Smoke tests for the real-engine test bed (tests/enginebed.py, .ci/engine-up.sh)."""

from __future__ import annotations

import socket
import subprocess

import pytest

from enginebed import (
    IMAGE,
    NAME_PREFIX,
    SECOND_URL,
    ContainerFactory,
    docker,
    engine_answers,
    environment_engine,
    free_host_port,
    inspect,
    session_leftovers,
    wait_http,
)

pytestmark = pytest.mark.engine


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def test_engine_answers_and_has_image(engine):
    assert engine == environment_engine()
    info = docker("info", "--format", "{{json .}}", engine_url=engine).stdout
    assert '"ServerVersion"' in info
    assert inspect(IMAGE, engine, kind="image")["Id"].startswith("sha256:")


def test_loopback_publish_answers_http(containers):
    port = free_host_port()
    c = containers.run("loopback", ports=[f"127.0.0.1:{port}:80"])
    assert c.name.startswith(NAME_PREFIX)
    assert c.published() == {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(port)}]}
    assert wait_http("127.0.0.1", port, timeout=15) == 200


def test_all_interfaces_publish_shows_wildcards(containers):
    port = free_host_port()
    c = containers.run("wildcard", ports=[f"{port}:80"])
    bindings = c.published()["80/tcp"]
    ips = {b["HostIp"] for b in bindings}
    assert "0.0.0.0" in ips
    # Docker >= 20.10 also publishes on [::] when the host has IPv6; if it does,
    # it must be the IPv6 wildcard and the same port.
    assert ips <= {"0.0.0.0", "::"}
    assert {b["HostPort"] for b in bindings} == {str(port)}
    # what was asked for (no host IP) is kept separately from what was bound
    assert c.inspect()["HostConfig"]["PortBindings"] == {"80/tcp": [{"HostIp": "", "HostPort": str(port)}]}
    assert wait_http("127.0.0.1", port, timeout=15) == 200
    if "::" in ips and _ipv6_loopback():
        assert wait_http("::1", port, timeout=15) == 200


def test_container_port_only_gets_random_host_port(containers):
    c = containers.run("random", ports=["80"])
    bindings = c.published()["80/tcp"]
    port = int(bindings[0]["HostPort"])
    assert port > 0
    assert {b["HostIp"] for b in bindings} >= {"0.0.0.0"}
    assert c.inspect()["HostConfig"]["PortBindings"] == {"80/tcp": [{"HostIp": "", "HostPort": ""}]}
    assert wait_http("127.0.0.1", port, timeout=15) == 200


def test_host_network_container_listens_directly(containers):
    port = free_host_port()
    c = containers.run("hostnet", network="host",
                       command=["busybox", "httpd", "-f", "-p", f"127.0.0.1:{port}", "-h", "/"])
    data = c.inspect()
    assert data["HostConfig"]["NetworkMode"] == "host"
    assert not data["NetworkSettings"]["Ports"]        # nothing "published" ...
    assert wait_http("127.0.0.1", port, timeout=15) == 200   # ... yet it listens on the host


def test_created_container_keeps_port_bindings(containers):
    tcp = free_host_port()
    udp = free_host_port()
    c = containers.run("created", ports=[f"0.0.0.0:{tcp}:80", f"127.0.0.1:{udp}:80/udp"], start=False)
    data = c.inspect()
    assert data["State"]["Status"] == "created"
    assert data["HostConfig"]["PortBindings"] == {
        "80/tcp": [{"HostIp": "0.0.0.0", "HostPort": str(tcp)}],
        "80/udp": [{"HostIp": "127.0.0.1", "HostPort": str(udp)}],
    }
    assert not data["NetworkSettings"]["Ports"]        # nothing bound while not running


def test_network_host_binding_ipv4_option(containers, networks):
    port = free_host_port()
    net = networks.create("lo-only", options={"com.docker.network.bridge.host_binding_ipv4": "127.0.0.1"})
    opts = inspect(net, kind="network")["Options"]
    assert opts["com.docker.network.bridge.host_binding_ipv4"] == "127.0.0.1"
    c = containers.run("on-lo-net", ports=[f"{port}:80"], network=net)
    assert c.published() == {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(port)}]}
    assert wait_http("127.0.0.1", port, timeout=15) == 200


def test_userland_proxy_is_the_listener(containers):
    """docker-proxy (a separate process) owns the listening socket of a published port."""
    port = free_host_port()
    containers.run("proxy", ports=[f"127.0.0.1:{port}:80"])
    wait_http("127.0.0.1", port, timeout=15)
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    assert any("docker-proxy" in line and f"-host-port {port}" in line for line in out.splitlines())


def test_foreground_run_and_labels(containers):
    c = containers.run("fg", command="echo hello-from-bed", detach=False, labels={"team": "bindguard"})
    assert c.output.strip() == "hello-from-bed"
    assert c.inspect()["Config"]["Labels"]["team"] == "bindguard"


def test_second_engine_runs_a_container(second_engine, containers):
    port = free_host_port()
    assert second_engine == SECOND_URL
    assert docker("info", "--format", "{{.DockerRootDir}}", engine_url=second_engine).stdout.strip() \
        == "/tmp/bindguard-dockerd2/data"
    c = containers.run("second", ports=[f"127.0.0.1:{port}:80"], engine_url=second_engine)
    assert c.engine_url == second_engine
    assert c.published() == {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(port)}]}
    assert wait_http("127.0.0.1", port, timeout=15) == 200
    # the default engine does not see it
    assert docker("ps", "-aq", "--filter", f"name={c.name}").stdout.strip() == ""


def test_second_engine_networks(second_engine, containers, networks):
    port = free_host_port()
    net = networks.create("lo2", options={"com.docker.network.bridge.host_binding_ipv4": "127.0.0.1"},
                          engine_url=second_engine)
    c = containers.run("second-net", ports=[f"{port}:80"], network=net, engine_url=second_engine)
    assert c.published() == {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(port)}]}
    assert wait_http("127.0.0.1", port, timeout=15) == 200


def test_factory_cleanup_removes_everything(engine):
    f = ContainerFactory(engine)
    names = [f.run("cleanup-a").name, f.run("cleanup-b", start=False).name]
    assert set(names) <= set(session_leftovers(engine))
    assert f.cleanup() == []
    left = docker("ps", "-a", "--filter", f"name={NAME_PREFIX}", "--format", "{{.Names}}").stdout.split()
    assert not set(names) & set(left)


def test_zz_no_bed_leftovers_after_fixture_teardown(engine):
    """Runs last in this module: every earlier test's containers/networks are gone."""
    for url in [engine] + ([SECOND_URL] if engine_answers(SECOND_URL) else []):
        assert session_leftovers(url) == [], url
        assert session_leftovers(url, kind="network") == [], url
