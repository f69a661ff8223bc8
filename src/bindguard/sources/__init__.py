"""Every kind of file that publishes ports, and which of them a run reads.

A compose file is one place where a repository tells Docker or Podman to
publish a port; GitHub workflow ``services:``, dev containers, Podman Quadlet
units, kind cluster configs and pod specs are others, and each defaults to
every interface just the same (issue 27).  Each kind is a *source*: a module
in this package that finds its files in a folder (by name, or by a cheap
sniff of the text) and reads one file into the one port model
(:mod:`bindguard.model`: Bindings, Services, Problems at file:line:col, with
``Location.source`` naming the kind), parsing every port with the one parser
of port syntax (:mod:`bindguard.ports`).  Rules, ``fix`` and reporters read
only those values.

This module is imported on every folder walk, so it holds only the
selection and the name/content tests; a source's reader is imported when
one of its files is read (:func:`read`), so a folder of compose files pays
for none of them.
"""

from __future__ import annotations

import os
import re

COMPOSE = "compose"
# Selector words in the order they are documented; every one is implemented.
KINDS = (COMPOSE, "shell", "workflows", "devcontainer", "quadlet", "kind", "pods")
# What `lint` reads when neither --sources nor the config's `sources` says:
# every kind, because a repository's CI should see every place a port is
# published, and each of these defaults to every interface.
DEFAULT = frozenset(KINDS)
_READERS = {
    "shell": "bindguard.sources.shell",
    "workflows": "bindguard.sources.workflows",
    "devcontainer": "bindguard.sources.devcontainer",
    "quadlet": "bindguard.sources.quadlet",
    "kind": "bindguard.sources.kube",
    "pods": "bindguard.sources.kube",
}
YAML_SUFFIXES = (".yml", ".yaml")
QUADLET_SUFFIXES = (".container", ".pod")
SHELL_SUFFIXES = (".sh", ".bash")
SHELL_NAMES = frozenset({"Makefile", "makefile", "GNUmakefile", "justfile", ".justfile", ".gitlab-ci.yml",
                         ".gitlab-ci.yaml"})
_SHELLS = (b"sh", b"bash", b"dash", b"ash", b"ksh", b"mksh")
SNIFF_LIMIT = 4 * 1024 * 1024  # larger YAML is not sniffed for a `kind:` key

# `kind: X` at the start of a line (a top-level key of some document).
_KIND_KEY = re.compile(rb"^kind[ \t]*:[ \t]*[\"']?([A-Za-z]+)", re.M)
WORKLOAD_KINDS = frozenset(
    {"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob"}
)
_WORKFLOW_KEYS = (b"\njobs:", b"\non:", b"\n\"on\":", b"\n'on':", b"\ntrue:")


def parse_sources(words) -> frozenset[str]:
    """The kinds named by ``--sources``/``sources`` (repeated and/or comma-separated).

    ``all`` names every kind.  An unknown word raises ValueError naming the
    known ones (the caller turns it into a ConfigError for its option or key).
    """
    chosen: set[str] = set()
    for item in words:
        for word in str(item).split(","):
            word = word.strip().lower()
            if not word:
                continue
            if word == "all":
                chosen.update(KINDS)
            elif word in KINDS:
                chosen.add(word)
            else:
                raise ValueError(f"unknown source {word!r} (known: {', '.join(KINDS)}, all)")
    if not chosen:
        raise ValueError(f"no source named (known: {', '.join(KINDS)}, all)")
    return frozenset(chosen)


def _parts(path: str) -> list[str]:
    return os.path.normpath(path).replace(os.sep, "/").split("/")


def is_workflow_path(path: str) -> bool:
    parts = _parts(path)
    return (
        len(parts) >= 3 and parts[-3] == ".github" and parts[-2] == "workflows"
        and parts[-1].lower().endswith(YAML_SUFFIXES)
    )


def is_devcontainer_path(path: str) -> bool:
    """``.devcontainer.json``, ``.devcontainer/devcontainer.json`` or
    ``.devcontainer/<folder>/devcontainer.json`` (the spec's three places)."""
    parts = _parts(path)
    name = parts[-1]
    if name == ".devcontainer.json":
        return True
    if name != "devcontainer.json":
        return False
    return len(parts) >= 2 and (parts[-2] == ".devcontainer" or (len(parts) >= 3 and parts[-3] == ".devcontainer"))


def _head(path: str, read: list[bytes] | None = None) -> bytes:
    """The file, if it is at most ``SNIFF_LIMIT`` bytes (else, or unreadable: nothing); ``read``
    receives it."""
    from bindguard.bounded_read import read_small_file

    try:
        data = read_small_file(path, SNIFF_LIMIT)
    except (OSError, ValueError):
        return b""
    if read is not None:
        read.append(data)
    return data


def yaml_kind(data: bytes) -> str | None:
    """``pods`` or ``kind`` for YAML whose documents declare such a ``kind:``, else None."""
    if b"kind" not in data:
        return None
    found = None
    for match in _KIND_KEY.finditer(data):
        word = match.group(1).decode("ascii")
        if word in WORKLOAD_KINDS:
            return "pods"
        if word == "Cluster" and b"kind.x-k8s.io" in data:
            found = "kind"
    return found


def looks_like_workflow(data: bytes) -> bool:
    text = b"\n" + data
    return b"\njobs:" in text and any(k in text for k in _WORKFLOW_KEYS if k != b"\njobs:")


class Finder:
    """Which selected source, other than compose, a file found in a folder walk belongs to.

    Called for each file the compose rules did not take; name tests come
    first, and only ``.yml``/``.yaml`` files are read (to sniff ``kind:``),
    so a walk over compose files reads nothing more than it did.
    ``found`` maps each path it took to its kind.
    """

    def __init__(self, kinds: frozenset[str]) -> None:
        self.kinds = kinds
        self.found: dict[str, str] = {}
        self.read: dict[str, bytes] = {}  # the bytes of the files taken by a sniff, for their reader

    def data(self, path: str) -> bytes | None:
        """The bytes the sniff read of ``path`` (once: the reader parses them), or None."""
        return self.read.pop(os.path.normpath(path), None)

    def __call__(self, path: str, name: str, data: bytes | None = None) -> bool:
        """Take ``path`` if it is a file of a selected source; ``data``: its bytes if already read."""
        kind = self.kind_by_name(path, name)
        if kind is None and name.lower().endswith(YAML_SUFFIXES) and self.kinds & {"kind", "pods"}:
            data = _head(path) if data is None else data
            kind = yaml_kind(data)
            if kind in self.kinds:
                self.read[os.path.normpath(path)] = data
        elif kind is None and "." not in name and "shell" in self.kinds and has_shell_shebang(path):
            kind = "shell"
        if kind is None or kind not in self.kinds:
            return False
        self.found[os.path.normpath(path)] = kind
        return True

    def kind_by_name(self, path: str, name: str) -> str | None:
        lower = name.lower()
        if lower.endswith(SHELL_SUFFIXES) or name in SHELL_NAMES or lower.endswith(".mk"):
            return "shell"
        if lower.endswith(QUADLET_SUFFIXES):
            return "quadlet"
        if lower.endswith(".json"):
            return "devcontainer" if is_devcontainer_path(path) else None
        if lower.endswith(YAML_SUFFIXES) and is_workflow_path(path):
            return "workflows"
        return None


def has_shell_shebang(path: str) -> bool:
    """Does the file start with ``#!`` naming a POSIX-like shell (``/bin/sh``, ``env bash``)?

    Only the first 128 bytes are read, and only for files without a dot in their name.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    try:
        import stat

        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        head = os.read(fd, 128)
    except OSError:
        return False
    finally:
        os.close(fd)
    if not head.startswith(b"#!"):
        return False
    words = head[2:].split(b"\n", 1)[0].split()
    if not words:
        return False
    program = words[0].rsplit(b"/", 1)[-1]
    if program == b"env" and len(words) > 1:
        program = next((w for w in words[1:] if not w.startswith(b"-")), b"")
    return program in _SHELLS


def kind_of_named(path: str, read: list[bytes] | None = None) -> str:
    """The kind of a file named on the command line: as it is, whatever its name.

    By name first (workflow folder, devcontainer names, Quadlet suffixes),
    then by content: YAML with a workload or kind ``kind:``, YAML with
    top-level ``jobs:`` and ``on:`` (a workflow kept elsewhere), JSON with
    dev container keys.  Anything else is read as a compose file, as before.
    ``read`` receives the whole file when its content was looked at (a file
    larger than ``SNIFF_LIMIT`` is not), so that it is not read twice.
    """
    name = os.path.basename(path)
    kind = Finder(frozenset(KINDS)).kind_by_name(path, name)
    if kind is not None:
        return kind
    lower = name.lower()
    if "." not in name and has_shell_shebang(path):
        return "shell"
    if lower.endswith(YAML_SUFFIXES):
        data = _head(path, read)
        return yaml_kind(data) or ("workflows" if looks_like_workflow(data) else COMPOSE)
    if lower.endswith(".json"):
        data = _head(path, read)
        if b'"services"' not in data and any(
            k in data for k in (b'"appPort"', b'"runArgs"', b'"forwardPorts"', b'"dockerComposeFile"')
        ):
            return "devcontainer"
    return COMPOSE


def read(kind: str, path: str, data: bytes | None = None):
    """One file of ``kind`` as ``(Subject, text)``: the text is for inline ignores.

    ``data``: the file's bytes when a sniff read them already (YAML sources parse those).
    """
    import importlib

    name = _READERS[kind]
    if kind == "shell" and (os.path.basename(path) in SHELL_NAMES or path.endswith(".mk")):
        name = "bindguard.sources.embedded"  # shell inside a Makefile, justfile or GitLab CI file
    module = importlib.import_module(name)
    return module.read(path, data) if data is not None and kind in ("kind", "pods") else module.read(path)
