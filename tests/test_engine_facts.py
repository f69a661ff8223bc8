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


# -- lint --default-host-ip (issue 28: daemon defaults change what a file means) ----------------
def test_default_host_ip_config_key_is_validated(tmp_path: Path) -> None:
    import pytest

    from bindguard.config import load_config
    from bindguard.errors import ConfigError

    good = tmp_path / "good.toml"
    good.write_text('[tool.bindguard]\ndefault-host-ip = "[::1]"\n')
    assert load_config(str(good)).default_host_ip == "::1"
    bad = tmp_path / "bad.toml"
    bad.write_text('[tool.bindguard]\ndefault-host-ip = "localhost"\n')
    with pytest.raises(ConfigError, match="default-host-ip"):
        load_config(str(bad))


class _BridgeAPI:
    """The two calls engine_default_host_ip makes."""

    def __init__(self, options: dict[str, str]):
        self.options = options

    def request(self, *args, **kwargs) -> None:
        return None

    def version(self, api_version: bool = True) -> dict:
        return {"Version": "28.0.0", "ApiVersion": "1.48"}

    def networks(self, names=None) -> list[dict]:
        return [{"Name": "bridge", "Driver": "bridge", "Options": self.options}]

    def close(self) -> None:
        pass


def test_default_host_ip_read_from_the_engine(monkeypatch) -> None:
    from bindguard.engine import client

    target = EngineTarget("e", "unix:///var/run/docker.sock")
    for options, want in (({"com.docker.network.bridge.host_binding_ipv4": "127.0.0.1"}, "127.0.0.1"), ({}, "0.0.0.0")):
        monkeypatch.setattr(client, "connect", lambda t, timeout=5.0, o=options: client.CountingClient(_BridgeAPI(o)))
        assert client.engine_default_host_ip(target) == want


def test_lint_with_the_engine_default_told(tmp_path: Path, monkeypatch) -> None:
    from bindguard.compose.project import ProjectOptions
    from bindguard.lint import LintSettings, lint

    compose = tmp_path / "compose.yaml"
    compose.write_text('services:\n  db:\n    image: x\n    ports: ["5432:5432"]\n')
    told = lint([str(compose)], LintSettings(project=ProjectOptions(environ={}, default_host_ip="127.0.0.1"), jobs=1))
    assert not told.findings
    [untold] = lint([str(compose)], LintSettings(project=ProjectOptions(environ={}), jobs=1)).findings
    assert untold.code == "BG001" and "Docker's default assumed" in untold.message
