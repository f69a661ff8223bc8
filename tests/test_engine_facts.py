"""What bindguard reads about an engine besides its containers (issue 28), without an engine:
dockerd's environment and firewalld from a /proc tree, /info's words, and empty host IPs on the
inspect path that ``watch`` uses."""

from __future__ import annotations

import os
from pathlib import Path

from bindguard.engine.client import EngineTarget
from bindguard.engine.containers import container_info, running_bindings
from bindguard.engine.daemon import local_host_facts
from bindguard.engine.facts import describe, engine_facts
from bindguard.engine.live import list_item
from bindguard.model import WILDCARD_V4, WILDCARD_V6

SOCKET = "/run/docker.sock"
UNIX_HEADER = "Num       RefCount Protocol Flags    Type St Inode Path\n"


def _process(proc: Path, pid: int, comm: str, environ: bytes = b"", socket_path: str | None = None,
             inode: int = 4242) -> None:
    d = proc / str(pid)
    (d / "net").mkdir(parents=True)
    (d / "fd").mkdir()
    (d / "comm").write_text(comm + "\n")
    (d / "environ").write_bytes(environ)
    table = UNIX_HEADER
    if socket_path:
        table += f"0000000000000000: 00000002 00000000 00010000 0001 01 {inode} {socket_path}\n"
        os.symlink(f"socket:[{inode}]", d / "fd" / "3")
    (d / "net" / "unix").write_text(table)


def test_dockerd_found_by_its_socket_and_only_the_risky_variable_name_kept(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    _process(proc, 10, "dockerd", b"PATH=/usr/bin\0DOCKER_INSECURE_NO_IPTABLES_RAW=1\0SECRET=hunter2\0",
             socket_path=SOCKET)
    _process(proc, 11, "dockerd", b"DOCKER_INSECURE_NO_IPTABLES_RAW=0\0", socket_path="/other.sock", inode=7)
    names, firewalld = local_host_facts(f"unix://{SOCKET}", proc=str(proc))
    assert names == ("DOCKER_INSECURE_NO_IPTABLES_RAW",)
    assert firewalld is False
    assert "hunter2" not in repr(names) and "/usr/bin" not in repr(names)
    # the other engine's dockerd, whose value is not "1" (what dockerd tests)
    assert local_host_facts("unix:///other.sock", proc=str(proc)) == ((), False)


def test_firewalld_running_and_engines_not_on_this_host(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    _process(proc, 10, "dockerd", socket_path=SOCKET)
    _process(proc, 20, "firewalld")
    assert local_host_facts(f"unix://{SOCKET}", proc=str(proc)) == ((), True)
    assert local_host_facts("tcp://10.0.0.5:2376", proc=str(proc)) == (None, None)
    assert local_host_facts("ssh://host", proc=str(proc)) == (None, None)
    # a socket no dockerd holds: its environment is unknown
    assert local_host_facts("unix:///nobody.sock", proc=str(proc)) == (None, True)


def test_info_words_rootless_desktop_and_firewall_backend() -> None:
    target = EngineTarget("e", "unix:///run/user/1000/docker.sock")
    rootless = engine_facts(target, {"Version": "20.10.24"}, {"SecurityOptions": ["name=seccomp", "name=rootless"]},
                            (), "docker")
    assert rootless.rootless and not rootless.desktop and describe(rootless) == "rootless Docker 20.10.24"
    desktop = engine_facts(target, {"Version": "28.5.2"}, {"OperatingSystem": "Docker Desktop"}, (), "docker")
    assert desktop.desktop and describe(desktop) == "Docker Desktop (Docker 28.5.2)"
    nft = engine_facts(target, {"Version": "29.0.0"}, {"FirewallBackend": {"Driver": "nftables"}}, (), "docker")
    assert nft.firewall_backend == "nftables" and describe(nft) == "Docker 29.0.0, firewall nftables"
    plain = engine_facts(target, {"Version": "28.0.0"}, {"FirewallBackend": None}, (), "docker")
    assert plain.firewall_backend == "" and not plain.rootless


def test_an_empty_host_ip_on_the_inspect_path_is_every_interface() -> None:
    """API 1.52+ may report HostIp "" (watch reads inspect answers through live.list_item)."""
    inspect = {"Id": "c1", "Name": "/web", "Config": {"Image": "nginx"}, "State": {"Status": "running"},
               "HostConfig": {"NetworkMode": "bridge"},
               "NetworkSettings": {"Ports": {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}, "Networks": {}}}
    item = list_item(inspect)
    [binding] = running_bindings(container_info(item), item["Ports"], "e")
    assert binding.host_ip == "" and set(binding.effective) == {WILDCARD_V4, WILDCARD_V6}
