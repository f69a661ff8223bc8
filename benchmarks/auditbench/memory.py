"""Memory measurement: ``free -m``, the engine daemons' RSS, and what can be pinned on this run's containers
(their shims' and docker-proxies' PSS, their memory cgroups)."""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from typing import Any

from auditbench.dockercli import DockerCLI, list_containers
from auditbench.settings import DEFAULT_URL, RUN_LABEL


def free_m() -> dict[str, Any]:
    """``free -m``'s Mem: line as a dict (MB), falling back to /proc/meminfo."""
    try:
        out = subprocess.run(["free", "-m"], capture_output=True, text=True, timeout=10).stdout
        lines = out.splitlines()
        heads = lines[0].split()
        mem = next(ln for ln in lines if ln.startswith("Mem:")).split()[1:]
        d: dict[str, Any] = {h.replace("/", "_"): int(v) for h, v in zip(heads, mem, strict=False)}
        d["source"] = "free -m"
        return d
    except (OSError, StopIteration, IndexError, ValueError, subprocess.TimeoutExpired):
        info = {}
        with open("/proc/meminfo", encoding="ascii") as fh:
            for ln in fh:
                k, v = ln.split(":", 1)
                info[k] = int(v.split()[0]) // 1024
        return {"total": info["MemTotal"], "free": info["MemFree"], "available": info.get("MemAvailable"),
                "used": info["MemTotal"] - info["MemFree"] - info.get("Buffers", 0) - info.get("Cached", 0),
                "source": "/proc/meminfo"}


def _proc_kb(pid: str) -> int:
    """Proportional set size of a process in kB (shared pages split between sharers), else its RSS."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii", errors="replace") as fh:
            for ln in fh:
                if ln.startswith("Pss:"):
                    return int(ln.split()[1])
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            return next((int(ln.split()[1]) for ln in fh if ln.startswith("VmRSS:")), 0)
    except (OSError, ValueError):
        return 0


def _procs() -> list[tuple[str, list[str], str]]:
    """(pid, argv, ppid) of every process we can read."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                argv = [a.decode("utf-8", "replace") for a in fh.read().split(b"\0") if a]
            with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as fh:
                ppid = fh.read().rsplit(")", 1)[1].split()[1]
        except (OSError, IndexError):
            continue
        if argv:
            out.append((pid, argv, ppid))
    return out


def _arg(argv: list[str], flag: str) -> str | None:
    try:
        return argv[argv.index(flag) + 1]
    except (ValueError, IndexError):
        return None


def _cgroup_bytes(cid: str) -> int | None:
    for path in (f"/sys/fs/cgroup/memory/docker/{cid}/memory.usage_in_bytes",          # v1, cgroupfs driver
                 f"/sys/fs/cgroup/memory/system.slice/docker-{cid}.scope/memory.usage_in_bytes",  # v1, systemd
                 f"/sys/fs/cgroup/docker/{cid}/memory.current",                         # v2, cgroupfs
                 f"/sys/fs/cgroup/system.slice/docker-{cid}.scope/memory.current"):     # v2, systemd
        try:
            with open(path, encoding="ascii") as fh:
                return int(fh.read().strip())
        except (OSError, ValueError):
            continue
    return None


def fleet_memory(dk: DockerCLI, run_id: str, url: str) -> dict[str, Any]:
    """Memory that can be pinned on this run's containers, whatever else the (shared) machine is doing:
    the PSS of their containerd shims and docker-proxy processes, and their memory cgroups. Plus the RSS of
    the engine's dockerd and containerd (they grow with the number of containers)."""
    ids = [c["id"] for c in list_containers(dk, f"label={RUN_LABEL}={run_id}", "status=running")]
    idset, pairs = set(ids), set()
    for i in range(0, len(ids), 100):
        for d in json.loads(dk.run("inspect", *ids[i:i + 100]).stdout or "[]"):
            ns = d.get("NetworkSettings") or {}
            ips = {ns.get("IPAddress")} | {n.get("IPAddress") for n in (ns.get("Networks") or {}).values()}
            for binds in (ns.get("Ports") or {}).values():
                for b in binds or []:
                    pairs |= {(ip, str(b.get("HostPort"))) for ip in ips if ip}
    procs = _procs()
    kb = Counter()
    count = Counter()
    for pid, argv, _ in procs:
        exe = os.path.basename(argv[0])
        if exe.startswith("containerd-shim") and _arg(argv, "-id") in idset:
            kb["shims"] += _proc_kb(pid)
            count["shims"] += 1
        elif exe == "docker-proxy" and (_arg(argv, "-container-ip"), _arg(argv, "-host-port")) in pairs:
            kb["proxies"] += _proc_kb(pid)
            count["proxies"] += 1
    cg = [b for b in (_cgroup_bytes(c) for c in ids) if b is not None]
    return {
        "containers": len(ids),
        "shims": count["shims"], "shims_pss_mb": round(kb["shims"] / 1024, 1),
        "proxies": count["proxies"], "proxies_pss_mb": round(kb["proxies"] / 1024, 1),
        "cgroups": len(cg), "cgroups_mb": round(sum(cg) / 2**20, 1),
        "total_mb": round(kb["shims"] / 1024 + kb["proxies"] / 1024 + sum(cg) / 2**20, 1),
    }


def daemon_rss(url: str) -> dict[str, int | None]:
    """RSS (MB) of the dockerd serving ``url`` (found by its --host argument) and of its containerd child."""
    procs = _procs()
    dockerd = next((pid for pid, argv, _ in procs if os.path.basename(argv[0]) == "dockerd"
                    and (_arg(argv, "--host") or _arg(argv, "-H") or DEFAULT_URL) == url), None)
    containerd = next((pid for pid, argv, ppid in procs if ppid == dockerd and os.path.basename(argv[0]) == "containerd"),
                      None) if dockerd else None

    def rss(pid: str | None) -> int | None:
        if pid is None:
            return None
        try:
            with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
                return next((int(ln.split()[1]) // 1024 for ln in fh if ln.startswith("VmRSS:")), None)
        except OSError:
            return None

    return {"dockerd_rss_mb": rss(dockerd), "containerd_rss_mb": rss(containerd)}


def memory_snapshot(label: str, url: str, dk: DockerCLI | None = None, run_id: str | None = None) -> dict[str, Any]:
    snap: dict[str, Any] = {"when": label, "free_m": free_m(), "daemons": daemon_rss(url)}
    if dk is not None and run_id is not None:
        snap["fleet"] = fleet_memory(dk, run_id, url)
    return snap


def fmt_mem(s: dict[str, Any]) -> str:
    m, d = s["free_m"], s["daemons"]
    text = (f"free -m: used {m.get('used', '?')} MB, free {m.get('free', '?')} MB, available {m.get('available', '?')} MB; "
            f"dockerd {d['dockerd_rss_mb'] if d['dockerd_rss_mb'] is not None else '?'} MB RSS, "
            f"containerd {d['containerd_rss_mb'] if d['containerd_rss_mb'] is not None else '?'} MB RSS")
    f = s.get("fleet")
    if f:
        text += (f"\n                       bench containers: {f['shims']} shims {f['shims_pss_mb']} MB PSS + "
                 f"{f['proxies']} docker-proxy {f['proxies_pss_mb']} MB PSS + {f['cgroups']} memory cgroups "
                 f"{f['cgroups_mb']} MB = {f['total_mb']} MB "
                 f"({f['total_mb'] / max(1, f['containers']):.2f} MB per running container)")
    return text
