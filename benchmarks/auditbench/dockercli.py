"""The ``docker`` CLI wrapper and the container listing/removal built on it (the setup, the leftover check
and the teardown all go through these)."""

from __future__ import annotations

import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

from auditbench.settings import LABEL, PREFIX, BenchError


class DockerCLI:
    """``docker -H URL ...`` with text output. Children get their own session, so a Ctrl-C in the terminal
    reaches only this script, which then stops cleanly instead of killing a ``docker run`` halfway."""

    def __init__(self, url: str):
        exe = shutil.which("docker")
        if not exe:
            raise BenchError("no `docker` CLI on PATH (run: bash .ci/engine-up.sh)")
        self.exe = exe
        self.url = url

    def cmd(self, *args: str, url: str | None = None) -> list[str]:
        return [self.exe, "-H", url or self.url, *args]

    def run(self, *args: str, timeout: float = 120, check: bool = True, url: str | None = None) -> subprocess.CompletedProcess:
        cmd = self.cmd(*args, url=url)
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
                               start_new_session=True)
        except subprocess.TimeoutExpired as exc:
            raise BenchError(f"timed out after {timeout:.0f} s: docker {' '.join(args[:6])}") from exc
        if check and p.returncode != 0:
            raise BenchError(f"docker {' '.join(args[:8])} exited {p.returncode}: {p.stderr.strip()[-400:]}")
        return p


def list_containers(dk: DockerCLI, *filters: str) -> list[dict[str, str]]:
    args = ["ps", "-a", "--no-trunc", "--format", "{{.ID}}\t{{.Names}}\t{{.State}}\t{{.Label \"" + LABEL + "\"}}"]
    for f in filters:
        args += ["--filter", f]
    out = dk.run(*args).stdout
    rows = []
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) >= 3:
            rows.append({"id": parts[0], "name": parts[1], "state": parts[2], "label": parts[3] if len(parts) > 3 else ""})
    return rows


def leftovers(dk: DockerCLI) -> tuple[list[dict], list[dict]]:
    """(containers labelled org.bindguard.bench, containers named bindguard-bench-* without that label)."""
    labelled = list_containers(dk, f"label={LABEL}")
    ids = {c["id"] for c in labelled}
    named = [c for c in list_containers(dk, f"name={PREFIX}") if c["name"].startswith(PREFIX) and c["id"] not in ids]
    return labelled, named


def remove_ids(dk: DockerCLI, ids: list[str], jobs: int) -> list[str]:
    """``docker rm -f -v`` in batches, a few batches at a time. Returns error lines."""
    errors: list[str] = []
    batches = [ids[i:i + 25] for i in range(0, len(ids), 25)]
    if not batches:
        return errors
    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(batches)))) as pool:
        for p in pool.map(lambda b: dk.run("rm", "-f", "-v", *b, timeout=300, check=False), batches):
            if p.returncode != 0:
                errors += [ln for ln in p.stderr.strip().splitlines() if "No such container" not in ln]
    return errors


def remove_by_label(dk: DockerCLI, label_filter: str, jobs: int, rounds: int = 6) -> tuple[int, list[str]]:
    """Remove every container matching ``label_filter``; list again until none is left, because a create that
    was in flight when we were interrupted can still land after the first listing."""
    removed = 0
    errors: list[str] = []
    for n in range(rounds):
        ids = [c["id"] for c in list_containers(dk, label_filter)]
        if not ids:
            return removed, []
        errors = remove_ids(dk, ids, jobs)
        removed += len(ids)
        time.sleep(0.5 if n else 0.2)
    left = [c["name"] for c in list_containers(dk, label_filter)]
    return removed, errors + ([f"still present: {' '.join(left)}"] if left else [])
