"""The checks before anything is started: the engine answers and has the image, bindguard imports, there is
memory to spare, and no bench containers are left from another run. A failed check is one stderr line
(or a short hint block) and exit 2."""

from __future__ import annotations

import sys
from argparse import Namespace

from auditbench.dockercli import DockerCLI, leftovers, remove_by_label
from auditbench.memory import free_m
from auditbench.settings import IMAGE, LABEL, PREFIX, SRC, BenchError


def preflight(dk: DockerCLI) -> dict[str, str]:
    p = dk.run("version", "--format", "{{.Server.Version}}|{{.Server.APIVersion}}|{{.Client.Version}}",
               timeout=20, check=False)
    if p.returncode != 0:
        raise BenchError(f"the Docker engine at {dk.url} does not answer ({p.stderr.strip()[-200:]}).\n"
                         "  Start it with: bash .ci/engine-up.sh   (run.py: use --no-audit to skip this benchmark)")
    server, api, client = ([x.strip() for x in p.stdout.strip().split("|")] + ["?", "?", "?"])[:3]
    if dk.run("image", "inspect", IMAGE, "--format", "{{.Id}}", check=False).returncode != 0:
        raise BenchError(f"image {IMAGE} is missing on {dk.url}. Build it with: bash .ci/engine-up.sh")
    try:
        import bindguard  # noqa: F401
        from bindguard.engine.audit import audit  # noqa: F401
    except ImportError as exc:
        raise BenchError(f"bindguard's audit cannot be imported from {SRC}: {exc}") from exc
    return {"server": server, "api": api, "client": client}


def connect(host: str) -> tuple[DockerCLI, dict[str, str]] | None:
    """The docker CLI wrapper and the engine/client versions, or None (the error printed) if unusable."""
    try:
        dk = DockerCLI(host)
        return dk, preflight(dk)
    except BenchError as exc:
        print(f"audit_bench: error: {exc}", file=sys.stderr)
        return None


def enough_memory(args: Namespace) -> bool:
    avail = free_m().get("available")
    if isinstance(avail, int) and avail < args.min_available_mb:
        print(f"audit_bench: error: only {avail} MB of memory is available (free -m), this run wants "
              f"{args.min_available_mb} MB (about 5 MB per busybox container with its shim and docker-proxy, plus "
              "headroom). Wait for other work to finish, use fewer --containers, or lower --min-available-mb.",
              file=sys.stderr)
        return False
    return True


def no_leftovers(dk: DockerCLI, args: Namespace) -> bool:
    """True when no bench containers exist (after removing labelled ones if ``--remove-leftovers``)."""
    labelled, named = leftovers(dk)
    if named:
        print(f"audit_bench: error: {len(named)} container(s) named {PREFIX}* without the {LABEL} label exist "
              f"({', '.join(c['name'] for c in named[:8])}{' ...' if len(named) > 8 else ''}).\n"
              "  They were not made by this script, so it will not touch them: rename or remove them, then rerun.",
              file=sys.stderr)
        return False
    if labelled:
        names = ", ".join(c["name"] for c in labelled[:8]) + (" ..." if len(labelled) > 8 else "")
        if not args.remove_leftovers:
            print(f"audit_bench: error: {len(labelled)} container(s) from an earlier (or a concurrent) benchmark run "
                  f"still exist: {names}\n"
                  f"  Remove them first:  docker rm -f -v $(docker ps -aq --filter label={LABEL})\n"
                  "  or rerun with --remove-leftovers (make sure no other audit_bench.py is running).", file=sys.stderr)
            return False
        print(f"removing {len(labelled)} leftover bench container(s): {names}")
        _, errs = remove_by_label(dk, f"label={LABEL}", args.jobs)
        if errs:
            print("audit_bench: error: could not remove leftovers:\n  " + "\n  ".join(errs[:10]), file=sys.stderr)
            return False
    return True
