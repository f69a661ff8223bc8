"""Stable identities for findings, shared by the CI report formats.

Code-scanning services (GitHub via SARIF ``partialFingerprints``, GitLab Code
Quality via ``fingerprint``) use a fingerprint to decide whether a finding in
this run is the same one they saw in the last run.  If the identity included
the line number, adding a comment at the top of a compose file would close
every alert and open an identical new one.  So the identity is *what* is
wrong and *where, logically*: the file (or engine and container), the
service, the rule code and the normalised port entry -- never the line or
column.

GitLab additionally rejects duplicate fingerprints within one report, and two
findings can legitimately share an identity (two YAML errors in one file, the
same port entry written twice in one service).  :func:`unique_fingerprints`
disambiguates those by occurrence order, which is deterministic because a
:class:`~bindguard.reporters.base.Report` is sorted; the first occurrence
keeps the plain fingerprint so the common, collision-free case is identical
to :func:`fingerprint`.

Path helpers live here too because every reporter must spell a file the same
way its fingerprint does.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from urllib.parse import quote

from bindguard.model import Finding, Location
from bindguard.reporters.base import display_path, normalise_path

__all__ = [
    "FINGERPRINT_KEY",
    "fingerprint",
    "unique_fingerprints",
    "normalise_path",
    "display_path",
    "is_absolute",
    "engine_segment",
]

#: The ``partialFingerprints`` key in SARIF; bump the version if the recipe
#: below ever changes, so services do not match old and new identities.
FINGERPRINT_KEY = "bindguardFingerprint/v1"

_DIGEST_CHARS = 32
_SEP = "\x1f"  # unit separator: cannot appear in a path, name, code or entry

_WINDOWS_ABS = re.compile(r"^[A-Za-z]:/")


def is_absolute(path: str) -> bool:
    """Whether a normalised path is absolute (POSIX ``/x`` or Windows ``C:/x``)."""
    return path.startswith("/") or bool(_WINDOWS_ABS.match(path))


def engine_segment(name: str) -> str:
    """An engine or container name made safe as one URI/path segment.

    Engine names may be endpoints such as ``unix:///var/run/docker.sock``;
    percent-encoding keeps ``docker/<engine>/<container>`` unambiguous while
    leaving ordinary names (``default``, ``desktop-linux``) readable.
    """
    return quote(name, safe="", errors="surrogateescape")


def _identity(finding: Finding) -> tuple[str, ...]:
    loc: Location = finding.location
    if loc.file is not None:
        return (
            "file",
            normalise_path(loc.file),
            finding.service or "",
            finding.code,
            finding.entry,
        )
    return (
        "engine",
        loc.engine or "",
        loc.container or "",
        finding.code,
        finding.entry,
    )


def _digest(text: str) -> str:
    # surrogateescape: file names that are not UTF-8 arrive as lone surrogates
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:_DIGEST_CHARS]


def fingerprint(finding: Finding) -> str:
    """A 32-hex-digit identity of a finding that survives line and column moves."""
    return _digest(_SEP.join(_identity(finding)))


def unique_fingerprints(findings: Iterable[Finding]) -> list[str]:
    """One fingerprint per finding, in order, with no two alike.

    The first finding with a given identity gets :func:`fingerprint`; the
    n-th repeat (n >= 2) gets the digest of the identity plus ``#n``.  The
    loop guards against the (astronomically unlikely) case of a derived digest
    equalling another finding's plain one.
    """
    seen: set[str] = set()
    occurrences: dict[str, int] = {}
    result: list[str] = []
    for finding in findings:
        base = fingerprint(finding)
        candidate = base
        count = occurrences.get(base, 0)
        while candidate in seen:
            count += 1
            candidate = _digest(f"{base}#{count + 1}")
        occurrences[base] = count
        seen.add(candidate)
        result.append(candidate)
    return result
