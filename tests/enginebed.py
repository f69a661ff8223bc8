"""Real-Docker-engine test bed for bindguard's tests (no mocks).

Import from tests as ``from enginebed import ...``; ``tests/conftest.py``
re-exports the fixtures so any test can request them by name. The bed starts
nothing (``.ci/peers-up.sh`` does, see ``peerbed``): it uses the engine that
answers, or skips the test (FAILS it under ``CI=true``).

``engine`` (session)
    The engine bindguard and the docker CLI would use here (:func:`environment_engine`:
    ``DOCKER_HOST``, else ``DOCKER_CONTEXT`` or the CLI's current context, else
    ``unix:///var/run/docker.sock``), once it answers and holds :data:`IMAGE`.
``second_engine`` (session)
    ``"unix:///tmp/bindguard-dockerd2/docker.sock"``, a second dockerd
    (``.ci/engine-up.sh --second``), once it answers and holds :data:`IMAGE`.
``containers`` (function)
    A :class:`ContainerFactory`: ``run(name_suffix, ports=[...], network=None,
    labels={}, detach=True, start=True, command=None, engine_url=None, ...)``
    returns a :class:`Container`; every container it made is ``docker rm -f``-ed
    at teardown.
``networks`` (function)
    A :class:`NetworkFactory`: ``create(name_suffix, options={...}, ...)``
    returns the network name; removed at teardown (after ``containers``).

Everything talks to the engine through the ``docker`` CLI (``-H URL`` always
given). Host ports: :func:`free_host_port`, never a fixed one (two suites may
share the machine).
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from peerbed import ENGINE, SECOND_ENGINE, unavailable

REPO = Path(__file__).resolve().parent.parent

DEFAULT_URL = "unix:///var/run/docker.sock"
# BINDGUARD_SECOND_ENGINE: another URL for it (benchmarks/testloop_bench.py --no-engine: none)
SECOND_URL = os.environ.get("BINDGUARD_SECOND_ENGINE", "unix:///tmp/bindguard-dockerd2/docker.sock")
IMAGE = "bindguard-test/busybox:1"
NAME_PREFIX = "bindguard-test-"
# Every object the bed creates carries these labels; SESSION_LABEL's value is
# unique per Python process so a test can find exactly its own leftovers even
# while other sessions share the engine.
BED_LABEL = "org.bindguard.test"
SESSION_LABEL = "org.bindguard.test.session"
SESSION_ID = uuid.uuid4().hex[:12]
DEFAULT_COMMAND = ("busybox", "httpd", "-f", "-p", "80", "-h", "/")

engine_mark = pytest.mark.engine

__all__ = [
    "DEFAULT_URL", "SECOND_URL", "IMAGE", "NAME_PREFIX", "BED_LABEL", "SESSION_LABEL",
    "SESSION_ID", "DEFAULT_COMMAND", "EngineUnavailable", "Container", "ContainerFactory",
    "NetworkFactory", "docker", "docker_json", "inspect", "engine_answers", "environment_engine",
    "find_engine", "free_host_port", "require_free_port", "wait_http", "wait_port", "unique_name", "session_leftovers",
    "engine", "second_engine", "containers", "networks", "engine_mark",
]


class EngineUnavailable(RuntimeError):
    """No Docker engine answers (the bed never starts one)."""


def environment_engine() -> str:
    """The URL of the engine ``bindguard audit`` and the docker CLI use in this environment.

    ``DOCKER_HOST``, else ``DOCKER_CONTEXT`` or the CLI config's ``currentContext``, else the
    default socket: bindguard's own resolution (``engine.client.env_target``), so a test that runs
    bindguard without ``--host`` checks the engine the bed made its containers on. Raises
    :class:`EngineUnavailable` when the context named cannot be read.
    """
    from bindguard.engine.client import env_target
    from bindguard.errors import EngineError

    try:
        return env_target().url
    except EngineError as exc:
        raise EngineUnavailable(str(exc)) from None


# --------------------------------------------------------------------------- CLI
def docker_cli() -> str:
    exe = shutil.which("docker")
    if not exe:
        raise EngineUnavailable("no `docker` CLI on PATH (the docker.io package brings one)")
    return exe


def docker(*args: str, engine_url: str | None = None, check: bool = True,
           timeout: float = 120, input: str | bytes | None = None) -> subprocess.CompletedProcess:
    """Run ``docker -H URL ARGS...`` (URL: :func:`environment_engine` unless given); text output
    captured. Raises on failure if ``check``."""
    cmd = [docker_cli(), "-H", engine_url or environment_engine(), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          input=input, stdin=None if input is not None else subprocess.DEVNULL)
    if check and proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, cmd, proc.stdout, proc.stderr)
    return proc


def docker_json(*args: str, engine_url: str | None = None) -> Any:
    """``docker ARGS`` whose stdout is JSON (e.g. ``inspect``)."""
    return json.loads(docker(*args, engine_url=engine_url).stdout)


def inspect(ref: str, engine_url: str | None = None, kind: str = "container") -> dict:
    """``docker <kind> inspect ref`` -> the single object as a dict."""
    return docker_json(kind, "inspect", ref, engine_url=engine_url)[0]


def engine_answers(engine_url: str | None = None, timeout: float = 10) -> bool:
    try:
        return docker("info", "--format", "{{.ServerVersion}}", engine_url=engine_url,
                      check=False, timeout=timeout).returncode == 0
    except (EngineUnavailable, subprocess.TimeoutExpired, OSError):
        return False


def find_engine(second: bool = False) -> str:
    """The URL of the (second) engine once it answers and holds :data:`IMAGE`; starts nothing.

    Raises :class:`EngineUnavailable` naming what is missing.
    """
    url = SECOND_URL if second else environment_engine()
    docker_cli()
    if not engine_answers(url):
        raise EngineUnavailable(f"nothing answers on {url}")
    if not _has_image(url):
        raise EngineUnavailable(f"{url} answers but has no image {IMAGE}")
    return url


def _has_image(url: str) -> bool:
    try:
        return docker("image", "inspect", IMAGE, engine_url=url, check=False,
                      timeout=30).returncode == 0
    except (subprocess.TimeoutExpired, OSError):
        return False


def free_host_port(span: int = 1, udp: bool = False) -> int:
    """A host port P such that P..P+span-1 are free right now on 0.0.0.0 and :: (TCP, and UDP if
    ``udp``), for ``-p P:80``: never a fixed port, two suites may share the machine.

    Random in 20000-29999 (below the kernel's ephemeral range, where the engines' own random host
    ports come from), so concurrent sessions rarely pick the same; the factory's ``port_retry``
    covers the rest.
    """
    import random

    kinds = (socket.SOCK_STREAM, socket.SOCK_DGRAM) if udp else (socket.SOCK_STREAM,)
    for _ in range(200):
        base = random.randrange(20000, 30000 - span)
        try:
            for port in range(base, base + span):
                for family, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
                    for kind in kinds:
                        with socket.socket(family, kind) as s:
                            s.bind((addr, port))
        except OSError:
            continue
        return base
    raise RuntimeError(f"no {span} consecutive free host ports in 20000-29999")


def require_free_port(port: int, host: str = "127.0.0.1") -> None:
    """For the one test that must publish a fixed port (the README's flow on 62893): skip it when
    the port is taken right now (another suite on this machine), or fail it under ``CI=true``."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
            s.bind((host, port))
    except OSError as exc:
        reason = f"{host}:{port} is taken ({exc.strerror}): another test run on this machine?"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI runs alone)", pytrace=False)
        pytest.skip(reason)


def unique_name(suffix: str) -> str:
    suffix = "".join(c if c.isalnum() or c in "_.-" else "-" for c in suffix).strip("-.") or "c"
    return f"{NAME_PREFIX}{suffix}-{uuid.uuid4().hex[:8]}"


def session_leftovers(engine_url: str | None = None, kind: str = "container") -> list[str]:
    """Names of containers (or networks) this Python session created that still exist."""
    flt = f"label={SESSION_LABEL}={SESSION_ID}"
    if kind == "container":
        out = docker("ps", "-a", "--filter", flt, "--format", "{{.Names}}", engine_url=engine_url).stdout
    else:
        out = docker("network", "ls", "--filter", flt, "--format", "{{.Name}}", engine_url=engine_url).stdout
    return [line for line in out.splitlines() if line]


# ------------------------------------------------------------------- containers
@dataclass
class Container:
    """A container the factory made. ``id`` is the full id ("" for detach=False runs that failed)."""

    id: str
    name: str
    engine_url: str
    ports: list[str] = field(default_factory=list)
    output: str = ""          # stdout of `docker run` when detach=False

    def inspect(self) -> dict:
        return inspect(self.name, self.engine_url)

    def published(self) -> dict:
        """``NetworkSettings.Ports`` of the running container, e.g.
        ``{"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}, {"HostIp": "::", ...}]}``."""
        return self.inspect()["NetworkSettings"]["Ports"] or {}

    def host_port(self, container_port: str = "80/tcp", host_ip: str | None = None) -> int:
        """First published host port for ``container_port`` (optionally on ``host_ip``)."""
        for b in self.published().get(container_port) or []:
            if host_ip is None or b["HostIp"] == host_ip:
                return int(b["HostPort"])
        raise LookupError(f"{self.name}: {container_port} not published"
                          + (f" on {host_ip}" if host_ip else ""))

    def start(self) -> None:
        docker("start", self.name, engine_url=self.engine_url)

    def stop(self, timeout: int = 1) -> None:
        docker("stop", "-t", str(timeout), self.name, engine_url=self.engine_url)

    def logs(self) -> str:
        p = docker("logs", self.name, engine_url=self.engine_url, check=False)
        return p.stdout + p.stderr


_PORT_BUSY = ("port is already allocated", "address already in use")


class ContainerFactory:
    """Creates containers from :data:`IMAGE` and removes them all on :meth:`cleanup`."""

    def __init__(self, default_engine_url: str | None = None):
        self.default_engine_url = default_engine_url or environment_engine()
        self.created: list[Container] = []

    def run(self, name_suffix: str = "c", ports: Sequence[str] = (), network: str | None = None,
            labels: Mapping[str, str] | None = None, detach: bool = True, start: bool = True,
            command: Sequence[str] | str | None = None, engine_url: str | None = None,
            extra_args: Sequence[str] = (), timeout: float = 120,
            port_retry: float = 30) -> Container:
        """``docker run``/``docker create`` a bed container.

        ports:      ``-p`` strings, e.g. ``"127.0.0.1:62893:80"``, ``"8080:80"``, ``"80"``.
        network:    ``--network`` value (``"host"``, ``"none"``, a user network name).
        command:    defaults to ``busybox httpd -f -p 80 -h /``; a str is run by ``sh -c``.
        detach:     False runs in the foreground (command must exit); stdout in ``.output``.
        start:      False only creates it (``docker create``): PortBindings without a running port.
        extra_args: any other ``docker run`` flags, placed before the image.
        port_retry: seconds to keep retrying while a fixed host port is taken
                    (other test sessions share the engine); 0 to fail at once.
        """
        url = engine_url or self.default_engine_url
        name = unique_name(name_suffix)
        args: list[str] = ["run" if start else "create", "--name", name,
                           "--label", f"{BED_LABEL}=1", "--label", f"{SESSION_LABEL}={SESSION_ID}"]
        if start and detach:
            args.append("-d")
        for k, v in (labels or {}).items():
            args += ["--label", f"{k}={v}"]
        for p in ports:
            args += ["-p", p]
        if network:
            args += ["--network", network]
        args += list(extra_args)
        args.append(IMAGE)
        if command is None:
            args += DEFAULT_COMMAND
        elif isinstance(command, str):
            args += ["sh", "-c", command]
        else:
            args += list(command)
        # Record the name first: even a failed `docker run` can leave a created container.
        c = Container(id="", name=name, engine_url=url, ports=list(ports))
        self.created.append(c)
        deadline = time.monotonic() + port_retry
        while True:
            proc = docker(*args, engine_url=url, check=False, timeout=timeout)
            if proc.returncode == 0 or time.monotonic() > deadline or not any(
                    m in proc.stderr for m in _PORT_BUSY):
                break
            # A fixed host port held by another test run sharing this machine: the
            # failed `run` left a created container under our name; drop it and retry.
            docker("rm", "-f", name, engine_url=url, check=False)
            time.sleep(0.5)
        if proc.returncode != 0:
            raise RuntimeError(f"docker {' '.join(args)} failed ({proc.returncode}): "
                               f"{proc.stderr.strip()}")
        if start and not detach:
            c.output = proc.stdout
            c.id = inspect(name, url)["Id"]
        else:
            c.id = proc.stdout.strip().splitlines()[-1]
        return c

    __call__ = run

    def cleanup(self) -> list[str]:
        """``docker rm -f -v`` everything made; returns names that could not be removed."""
        failed: list[str] = []
        by_engine: dict[str, list[str]] = {}
        for c in self.created:
            by_engine.setdefault(c.engine_url, []).append(c.name)
        for url, names in by_engine.items():
            if not engine_answers(url, timeout=5):
                continue  # engine gone (e.g. second engine stopped): nothing left to remove
            docker("rm", "-f", "-v", *names, engine_url=url, check=False)
            left = set(docker("ps", "-a", "--filter", f"label={SESSION_LABEL}={SESSION_ID}",
                              "--format", "{{.Names}}", engine_url=url, check=False).stdout.split())
            failed += [n for n in names if n in left]
        self.created = []
        return failed


class NetworkFactory:
    """Creates user-defined networks (bridge by default) and removes them on :meth:`cleanup`."""

    def __init__(self, default_engine_url: str | None = None):
        self.default_engine_url = default_engine_url or environment_engine()
        self.created: list[tuple[str, str]] = []   # (engine_url, name)

    def create(self, name_suffix: str = "net", options: Mapping[str, str] | None = None,
               driver: str = "bridge", ipv6: bool = False, subnet: str | None = None,
               internal: bool = False, labels: Mapping[str, str] | None = None,
               engine_url: str | None = None, extra_args: Sequence[str] = ()) -> str:
        """``docker network create``; returns the network name.

        options: ``-o`` driver options, e.g.
        ``{"com.docker.network.bridge.host_binding_ipv4": "127.0.0.1"}``.
        ipv6:    also pass ``--ipv6`` (give an IPv6 ``subnet``, e.g. ``"fd42:b1d::/64"``).
        """
        url = engine_url or self.default_engine_url
        name = unique_name(name_suffix)
        args = ["network", "create", "--driver", driver,
                "--label", f"{BED_LABEL}=1", "--label", f"{SESSION_LABEL}={SESSION_ID}"]
        for k, v in (options or {}).items():
            args += ["-o", f"{k}={v}"]
        for k, v in (labels or {}).items():
            args += ["--label", f"{k}={v}"]
        if ipv6:
            args.append("--ipv6")
        if subnet:
            args += ["--subnet", subnet]
        if internal:
            args.append("--internal")
        args += list(extra_args)
        args.append(name)
        proc = docker(*args, engine_url=url, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"docker {' '.join(args)} failed: {proc.stderr.strip()}")
        self.created.append((url, name))
        return name

    __call__ = create

    def cleanup(self) -> list[str]:
        failed: list[str] = []
        for url, name in reversed(self.created):
            if not engine_answers(url, timeout=5):
                continue
            # bed containers still attached (e.g. a test's own leftovers) would block removal
            try:
                attached = inspect(name, url, kind="network").get("Containers") or {}
            except (subprocess.CalledProcessError, json.JSONDecodeError, IndexError):
                continue
            ours = [c["Name"] for c in attached.values() if c.get("Name", "").startswith(NAME_PREFIX)]
            if ours:
                docker("rm", "-f", "-v", *ours, engine_url=url, check=False)
            if docker("network", "rm", name, engine_url=url, check=False).returncode != 0:
                failed.append(name)
        self.created = []
        return failed


# ---------------------------------------------------------------------- waiting
def wait_port(host: str, port: int, timeout: float = 10.0) -> None:
    """Wait until a TCP connect to host:port succeeds; TimeoutError otherwise."""
    host = host.strip("[]")
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError as exc:
            last = exc
            time.sleep(0.1)
    raise TimeoutError(f"{host}:{port} not accepting connections after {timeout}s: {last}")


def wait_http(host: str, port: int, timeout: float = 10.0, path: str = "/") -> int:
    """Wait until ``GET http://host:port/path`` gets any HTTP answer; return its status.

    ``host`` may be IPv6 (``"::1"`` or ``"[::1]"``). A connection that docker-proxy
    accepts but closes (backend not listening yet) is retried. Raises TimeoutError.
    """
    host = host.strip("[]")
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection(host, port, timeout=2)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            resp.read()
            return resp.status
        except (OSError, http.client.HTTPException) as exc:
            last = exc
            time.sleep(0.1)
        finally:
            conn.close()
    raise TimeoutError(f"no HTTP answer from {host}:{port}{path} after {timeout}s: {last!r}")


# ---------------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def engine() -> Iterator[str]:
    """URL of the engine of this environment (:func:`environment_engine`); skip without one."""
    try:
        url = find_engine(second=False)
    except EngineUnavailable as exc:
        unavailable(ENGINE, str(exc))
    yield url


@pytest.fixture(scope="session")
def second_engine() -> Iterator[str]:
    """URL of a second, independent dockerd (``.ci/engine-up.sh --second`` starts it)."""
    try:
        url = find_engine(second=True)
    except EngineUnavailable as exc:
        unavailable(SECOND_ENGINE, str(exc))
    yield url


@pytest.fixture
def networks(engine: str) -> Iterator[NetworkFactory]:
    f = NetworkFactory(engine)
    yield f
    failed = f.cleanup()
    if failed:
        pytest.fail(f"could not remove bed networks: {failed}", pytrace=False)


@pytest.fixture
def containers(engine: str, networks: NetworkFactory) -> Iterator[ContainerFactory]:
    # depends on `networks` so containers are removed before the networks they use
    f = ContainerFactory(engine)
    yield f
    failed = f.cleanup()
    if failed:
        pytest.fail(f"could not remove bed containers: {failed}", pytrace=False)


def pytest_collection_modifyitems(items: Iterable[pytest.Item]) -> None:
    """Every test that uses an engine fixture gets ``@pytest.mark.engine``."""
    wanted = {"engine", "second_engine", "containers", "networks"}
    for item in items:
        if wanted & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.engine)
