"""Baselines: record today's findings, then report only new ones.

A finding is identified by the same fingerprint SARIF and GitLab use (file,
service, rule, normalised entry; not the line), with the file made relative
to the current directory, so a baseline survives edits that move lines and
checkouts in other folders.
"""

from __future__ import annotations

import json
import os

from bindguard.atomic import write_atomic
from bindguard.bounded_read import read_small_file
from bindguard.errors import ConfigError
from bindguard.model import Finding, Location
from bindguard.reporters.fingerprint import fingerprint

FORMAT = "bindguard-baseline/1"


def _relative(location: Location) -> Location:
    if location.file is None or not os.path.isabs(location.file):
        return location
    try:
        return location._replace(file=os.path.relpath(location.file))
    except ValueError:  # another drive on Windows
        return location


def baseline_key(finding: Finding) -> str:
    return fingerprint(finding._replace(location=_relative(finding.location)))


def write_baseline(path: str, findings: tuple[Finding, ...]) -> int:
    entries = {
        baseline_key(f): {
            "rule": f.code,
            "file": (f.location.file or "").replace(os.sep, "/"),
            "service": f.service,
            "entry": f.entry,
        }
        for f in findings
    }
    data = {"format": FORMAT, "findings": dict(sorted(entries.items()))}
    write_atomic(path, json.dumps(data, indent=2) + "\n")
    return len(entries)


def read_baseline(path: str) -> frozenset[str]:
    try:
        data = json.loads(read_small_file(path, limit=256 * 1024 * 1024).decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError("baseline file not found", path=path) from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read baseline: {exc}", path=path) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("findings"), dict):
        raise ConfigError(f"not a bindguard baseline (expected format {FORMAT!r})", path=path)
    return frozenset(data["findings"])
