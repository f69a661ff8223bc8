"""The JSON results file: its opening entries (arguments, machine, engine, commit) and writing it."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from argparse import Namespace
from pathlib import Path
from typing import Any

from auditbench.settings import REPO


def new_results(args: Namespace, versions: dict[str, str]) -> dict[str, Any]:
    return {
        "args": {k_: v for k_, v in vars(args).items()},
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
                    "engine": versions, "commit": git_commit()},
        "memory": [],
    }


def write_results(results: dict[str, Any], out_path: Path) -> None:
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"results: {rel(out_path)}")


def git_commit() -> str:
    try:
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "src"], capture_output=True,
                               text=True).stdout.strip()
        return (head or "?") + ("+dirty-src" if dirty else "")
    except OSError:
        return "?"


def rel(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(REPO))
    except ValueError:
        return str(p)
