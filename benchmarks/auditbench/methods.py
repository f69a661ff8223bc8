"""The measured methods: bindguard as a library and as a CLI process, docker-bench-security's 5.13 approach,
the Docker SDK per-container loop, and the same audit over SSH. Each returns one timed ``Sample``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from auditbench.dockercli import DockerCLI
from auditbench.settings import SRC, BenchError


@dataclass
class Sample:
    seconds: float
    containers: int
    api_calls: int | None = None  # self-reported by the method (bindguard's count, the SDK wrapper's count)
    processes: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("NO_COLOR", "1")
    env.setdefault("PYTHONIOENCODING", "utf-8")
    return env


def m_library(url: str, include_stopped: bool) -> Sample:
    from bindguard.engine.audit import AuditSettings, audit
    from bindguard.engine.client import EngineTarget

    t0 = time.perf_counter()
    report, results = audit(AuditSettings(targets=(EngineTarget(url, url),), include_stopped=include_stopped, timeout=60))
    dt = time.perf_counter() - t0
    r = results[0]
    if r.error is not None:
        raise BenchError(f"bindguard audit (library) failed: {r.error}")
    return Sample(dt, r.containers, r.api_calls, 0,
                  {"engine_seconds": r.seconds, "findings": len(report.findings),
                   "by_rule": dict(Counter(f.code for f in report.findings))})


def m_cli(url: str, include_stopped: bool) -> Sample:
    cmd = [sys.executable, "-m", "bindguard", "audit", "--format", "json", "--timeout", "60", "--host", url]
    if include_stopped:
        cmd.append("--all")
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, env=child_env(), stdin=subprocess.DEVNULL, timeout=600,
                       start_new_session=True)
    dt = time.perf_counter() - t0
    err = p.stderr.decode("utf-8", "replace")
    if p.returncode not in (0, 1) or "Traceback (most recent call last)" in err:
        raise BenchError(f"python -m bindguard audit exited {p.returncode}: {err.strip()[-400:]}")
    try:
        data = json.loads(p.stdout)
        eng = data["engines"][0]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise BenchError(f"bindguard audit --format json output has no engines[0] ({exc}): {p.stdout[:200]!r}") from exc
    if eng.get("error"):
        raise BenchError(f"bindguard audit reported an engine error: {eng['error']}")
    return Sample(dt, int(eng["containers"]), int(eng["api_calls"]), 1,
                  {"exit": p.returncode, "findings": len(data.get("findings", [])), "engine_seconds": eng.get("seconds")})


def m_docker_bench(dk: DockerCLI, url: str | None = None) -> Sample:
    """docker-bench-security check 5.13: list running containers, then ``docker port`` each, one by one."""
    t0 = time.perf_counter()
    ps = subprocess.run(dk.cmd("ps", "--quiet", url=url), capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
    if ps.returncode != 0:
        raise BenchError(f"docker ps --quiet exited {ps.returncode}: {ps.stderr.strip()[-300:]}")
    ids = ps.stdout.split()
    wildcard = failed = bindings = 0
    for cid in ids:
        p = subprocess.run(dk.cmd("port", cid, url=url), capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
        if p.returncode != 0:
            failed += 1  # e.g. removed meanwhile by someone else; docker-bench would print nothing for it
            continue
        # docker-bench: docker port "$c" | awk '{print $3}' | cut -d ':' -f1, then compares with 0.0.0.0
        ips = [ln.split()[2].split(":")[0] for ln in p.stdout.splitlines() if len(ln.split()) >= 3]
        bindings += len(ips)
        wildcard += any(ip == "0.0.0.0" for ip in ips)
    dt = time.perf_counter() - t0
    return Sample(dt, len(ids), None, 1 + len(ids),
                  {"port_failures": failed, "bindings_listed": bindings, "containers_flagged_0.0.0.0": wildcard})


def sdk_version(url: str) -> str:
    """The API version bindguard ends up using: the engine's, capped at the SDK's default."""
    import docker
    from docker.constants import DEFAULT_DOCKER_API_VERSION
    from docker.utils import version_lt

    api = docker.APIClient(base_url=url, version="1.24", timeout=30)
    try:
        v = str(api.version(api_version=False).get("ApiVersion", "1.24"))
    finally:
        api.close()
    return DEFAULT_DOCKER_API_VERSION if version_lt(DEFAULT_DOCKER_API_VERSION, v) else v


def m_sdk_loop(url: str, version: str) -> Sample:
    import docker

    t0 = time.perf_counter()
    api = docker.APIClient(base_url=url, version=version, timeout=60)
    calls = [0]
    original = api.request

    def request(*a: Any, **k: Any) -> Any:
        calls[0] += 1
        return original(*a, **k)

    api.request = request
    try:
        ids = [c["Id"] for c in api.containers(quiet=True)]
        wildcard = bindings = 0
        for cid in ids:
            try:
                ports = (api.inspect_container(cid).get("NetworkSettings") or {}).get("Ports") or {}
            except docker.errors.NotFound:
                continue
            for binds in ports.values():
                for b in binds or []:
                    bindings += 1
                    wildcard += b.get("HostIp") in ("0.0.0.0", "::", "")
    finally:
        api.close()
    dt = time.perf_counter() - t0
    return Sample(dt, len(ids), calls[0], 0, {"bindings_listed": bindings, "wildcard_bindings": wildcard})


@dataclass
class Method:
    key: str
    label: str
    fn: Callable[[str], Sample]  # takes the engine URL (the real one, or the counting proxy's)
    remote: bool = False  # goes over SSH to the engine, never through the counting proxy


def ssh_methods(ssh_url: str | None) -> list[Method]:
    """The same audit through ``ssh … docker system dial-stdio`` to the same engine (``--ssh``)."""
    if not ssh_url:
        return []
    return [
        Method("lib_ssh", f"bindguard audit, library call, {ssh_url}", lambda u: m_library(ssh_url, False), True),
        Method("cli_ssh", f"python -m bindguard audit --format json, {ssh_url}", lambda u: m_cli(ssh_url, False), True),
    ]


def methods(dk: DockerCLI, api_version: str, ssh_url: str | None = None) -> list[Method]:
    return [
        Method("lib", "bindguard audit, library call", lambda u: m_library(u, False)),
        Method("lib_all", "bindguard audit --all, library call", lambda u: m_library(u, True)),
        Method("cli", "python -m bindguard audit --format json", lambda u: m_cli(u, False)),
        Method("cli_all", "python -m bindguard audit --all --format json", lambda u: m_cli(u, True)),
        Method("docker_bench", "docker-bench 5.13: docker ps -q + docker port xN", lambda u: m_docker_bench(dk, u)),
        Method("sdk_loop", "SDK: containers() + inspect_container xN", lambda u: m_sdk_loop(u, api_version)),
    ] + ssh_methods(ssh_url)
