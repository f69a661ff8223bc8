"""Baselines: record today's findings, then report only new ones.

A finding is identified by the same fingerprint SARIF and GitLab use (file,
service, rule, normalised entry; not the line), with the file made relative
to the folder of the baseline file, so a baseline survives edits that move
lines, checkouts in other folders, and runs from another working directory
(pre-commit runs in the repository's root, CI in a job's folder, a person in
the project: issue 29).  Format 1 wrote paths relative to the working
directory of the run that wrote it; it is still read that way.
"""

from __future__ import annotations

import json
import os

from bindguard.atomic import write_atomic
from bindguard.bounded_read import read_small_file
from bindguard.errors import ConfigError
from bindguard.model import Finding, Location
from bindguard.reporters.fingerprint import fingerprint

FORMAT = "bindguard-baseline/2"
# paths relative to the working directory of the run that wrote it
FORMAT_CWD = "bindguard-baseline/1"


class Baseline(frozenset):
    """The fingerprints a baseline file records, and the folder its paths are relative to."""

    base: str

    def __new__(cls, keys=(), base: str = ".") -> Baseline:
        self = super().__new__(cls, keys)
        self.base = base
        return self


def _relative(location: Location, base: str) -> Location:
    if location.file is None:
        return location
    try:
        return location._replace(file=os.path.relpath(os.path.abspath(location.file), os.path.abspath(base)))
    except ValueError:  # another drive on Windows
        return location


def baseline_key(finding: Finding, base: str = ".") -> str:
    """The finding's fingerprint with its file relative to ``base`` (the baseline's folder)."""
    return fingerprint(finding._replace(location=_relative(finding.location, base)))


def write_baseline(path: str, findings: tuple[Finding, ...]) -> int:
    base = os.path.dirname(os.path.abspath(path))
    entries = {
        baseline_key(f, base): {
            "rule": f.code,
            "file": (_relative(f.location, base).file or "").replace(os.sep, "/"),
            "service": f.service,
            "entry": f.entry,
        }
        for f in findings
    }
    data = {"format": FORMAT, "findings": dict(sorted(entries.items()))}
    write_atomic(path, json.dumps(data, indent=2) + "\n")
    return len(entries)


def read_baseline(path: str) -> Baseline:
    try:
        data = json.loads(read_small_file(path, limit=256 * 1024 * 1024).decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError("baseline file not found", path=path) from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read baseline: {exc}", path=path) from None
    if not isinstance(data, dict) or data.get("format") not in (FORMAT, FORMAT_CWD) \
            or not isinstance(data.get("findings"), dict):
        raise ConfigError(f"not a bindguard baseline (expected format {FORMAT!r})", path=path)
    base = "." if data["format"] == FORMAT_CWD else os.path.dirname(os.path.abspath(path))
    return Baseline(data["findings"], base)
