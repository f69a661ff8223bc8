"""What the engine's own host shows about dockerd, when bindguard runs there as root.

Two facts change who reaches published ports and are not in any API answer:

- ``DOCKER_INSECURE_NO_IPTABLES_RAW=1`` in dockerd's environment (Docker 28.0.2+,
  moby/moby#49621) skips the raw-table rules that 28.0.0 added (moby/moby#49325), so hosts on
  the same L2 network reach ports published on 127.0.0.1 again. Only that variable's *name* is
  kept, and only when its value is ``1`` (what dockerd tests); no value is ever kept or printed.
- firewalld running: before Docker 28.3.3 a firewalld reload removed the rules that keep
  loopback-only published ports local (CVE-2025-54388, moby/moby#50506).

The dockerd is found by its socket: the ``dockerd`` process whose open file descriptors include
the unix socket bound to the target's path (``/proc/PID/net/unix`` and ``/proc/PID/fd``), so a
second engine or a rootless one is not confused with the default. Reads are bounded; anything
unreadable means "unknown" (None), never an error.
"""

from __future__ import annotations

import os

RISKY_VARIABLES = ("DOCKER_INSECURE_NO_IPTABLES_RAW",)
ENVIRON_LIMIT = 1 << 20
UNIX_TABLE_LIMIT = 8 << 20


def local_host_facts(url: str, proc: str = "/proc") -> tuple[tuple[str, ...] | None, bool | None]:
    """(risky variables set in the engine's dockerd, firewalld running), or (None, None) when
    the engine is not a local unix socket or its dockerd cannot be read (not root)."""
    if not url.startswith("unix://") or not os.path.isdir(proc):
        return None, None
    if proc == "/proc" and os.geteuid() != 0:
        return None, None
    path = url[len("unix://"):]
    pids = _pids_named(proc, {"dockerd"})
    firewalld = bool(_pids_named(proc, {"firewalld"}))
    for pid in pids:
        if _holds_socket(proc, pid, path):
            names = _risky_variables(proc, pid)
            return names, firewalld
    return None, firewalld


def _read(path: str, limit: int) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read(limit)
    except OSError:
        return None


def _pids_named(proc: str, names: set[str]) -> list[str]:
    try:
        entries = os.listdir(proc)
    except OSError:
        return []
    out = []
    for pid in entries:
        if not pid.isdigit():
            continue
        comm = _read(os.path.join(proc, pid, "comm"), 64)
        if comm is not None and comm.decode("utf-8", "replace").strip() in names:
            out.append(pid)
    return sorted(out, key=int)


def _holds_socket(proc: str, pid: str, path: str) -> bool:
    table = _read(os.path.join(proc, pid, "net", "unix"), UNIX_TABLE_LIMIT)
    if table is None:
        return False
    inodes = set()
    for line in table.decode("utf-8", "replace").splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 8 and fields[7] == path:
            inodes.add(f"socket:[{fields[6]}]")
    if not inodes:
        return False
    fd_dir = os.path.join(proc, pid, "fd")
    try:
        fds = os.listdir(fd_dir)
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(os.path.join(fd_dir, fd)) in inodes:
                return True
        except OSError:
            continue
    return False


def _risky_variables(proc: str, pid: str) -> tuple[str, ...] | None:
    data = _read(os.path.join(proc, pid, "environ"), ENVIRON_LIMIT)
    if data is None:
        return None
    found = []
    for item in data.split(b"\0"):
        name, sep, value = item.partition(b"=")
        if sep and name.decode("utf-8", "replace") in RISKY_VARIABLES and value == b"1":
            found.append(name.decode())
    return tuple(sorted(set(found)))
