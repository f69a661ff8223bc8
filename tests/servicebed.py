"""The other engines' peers for the audit tests: a throwaway sshd and a rootful Podman service.

``.ci/sshd-up.sh`` and ``.ci/podman-up.sh`` start them (``.ci/peers-up.sh`` runs both); the
fixtures only check that they answer, and skip (FAIL under ``CI=true``) when they do not, as the
engine fixtures do (see ``peerbed``).

``sshd`` (session)
    An :class:`SSHBed`: sshd on 127.0.0.1 (keys only, its own host key, user keys and
    known_hosts, see the script's header), reaching the local engine through
    ``docker system dial-stdio``. ``env()`` puts the bed's ``ssh`` wrapper (``ssh -F`` the bed's
    client config) first on PATH, for the docker CLI and for bindguard alike.
``podman`` (session)
    The URL of the Podman API socket, holding ``bindguard-test/busybox:1``.
``podman_containers`` (function)
    A :class:`ContainerFactory` on that socket that adds the ulimits Podman's containers need
    here (``docker run`` through the docker CLI, exactly as on Docker: same flags, same image).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from enginebed import IMAGE, ContainerFactory, docker, free_host_port
from peerbed import PODMAN, SSHD, unavailable

SSHD_DIR = Path(os.environ.get("BINDGUARD_SSHD_DIR", "/tmp/bindguard-sshd"))
PODMAN_DIR = Path(os.environ.get("BINDGUARD_PODMAN_DIR", "/tmp/bindguard-podman"))
PODMAN_URL = f"unix://{PODMAN_DIR}/podman.sock"
PODMAN_ULIMITS = ("--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024")

__all__ = ["SSHBed", "sshd", "podman", "podman_containers", "PODMAN_URL", "sshd_problem", "podman_problem",
           "free_pair"]


def free_pair() -> int:
    """P such that host ports P and P+1 are free on 0.0.0.0 and :: (TCP and UDP) right now."""
    return free_host_port(2, udp=True)


@dataclass(frozen=True)
class SSHBed:
    directory: Path

    @property
    def bin(self) -> Path:
        return self.directory / "bin"

    @property
    def log(self) -> Path:
        return self.directory / "sshd.log"

    @property
    def port(self) -> int:
        """sshd's port on 127.0.0.1 (from the bed's sshd_config)."""
        for line in (self.directory / "sshd_config").read_text().splitlines():
            if line.startswith("Port "):
                return int(line.split()[1])
        raise LookupError(f"no Port in {self.directory / 'sshd_config'}")

    def env(self, **extra: str) -> dict[str, str]:
        """PATH with the bed's ``ssh`` first (plus ``extra``), for child processes."""
        return {"PATH": f"{self.bin}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}", **extra}

    def logins(self) -> int:
        """How many logins sshd accepted so far (its log's ``Accepted publickey`` lines)."""
        try:
            return self.log.read_text(errors="replace").count("Accepted publickey")
        except OSError:
            return 0


def sshd_problem() -> str | None:
    """Why the bed's sshd cannot be used (not started, not answering), or None; starts nothing."""
    bed = SSHBed(SSHD_DIR)
    if not (SSHD_DIR / "sshd_config").is_file() or not (bed.bin / "ssh").is_file():
        return f"no bed sshd set up in {SSHD_DIR}"
    try:
        login = subprocess.run(
            [str(bed.bin / "ssh"), "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "bindguard-sshd", "--",
             "docker", "version", "--format", "{{.Server.Version}}"],
            capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"ssh bindguard-sshd: {exc}"
    if login.returncode != 0:
        last = (login.stderr.strip().splitlines() or ["no output"])[-1]
        return f"no login to the bed sshd on 127.0.0.1:{bed.port} ({last})"
    return None


def podman_problem() -> str | None:
    """Why the Podman service cannot be used (socket silent, no test image), or None."""
    if not (PODMAN_DIR / "podman.sock").exists():
        return f"no socket {PODMAN_DIR / 'podman.sock'}"
    try:
        if docker("version", "--format", "{{.Server.Version}}", engine_url=PODMAN_URL, check=False,
                  timeout=10).returncode != 0:
            return f"nothing answers on {PODMAN_URL}"
        if docker("image", "inspect", IMAGE, engine_url=PODMAN_URL, check=False, timeout=30).returncode != 0:
            return f"{PODMAN_URL} has no image {IMAGE}"
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    return None


@pytest.fixture(scope="session")
def sshd(engine: str) -> Iterator[SSHBed]:
    problem = sshd_problem()
    if problem:
        unavailable(SSHD, problem)
    yield SSHBed(SSHD_DIR)


@pytest.fixture(scope="session")
def podman(engine: str) -> Iterator[str]:
    problem = podman_problem()
    if problem:
        unavailable(PODMAN, problem)
    yield PODMAN_URL


class PodmanContainers(ContainerFactory):
    """``docker run`` against the Podman socket, with the ulimits its containers need here."""

    def run(self, name_suffix: str = "c", ports: Sequence[str] = (), *args, extra_args: Sequence[str] = (),
            **kwargs):  # type: ignore[override]
        return super().run(name_suffix, ports, *args, extra_args=(*PODMAN_ULIMITS, *extra_args), **kwargs)

    __call__ = run


@pytest.fixture
def podman_containers(podman: str) -> Iterator[ContainerFactory]:
    f = PodmanContainers(podman)
    yield f
    failed = f.cleanup()
    if failed:
        pytest.fail(f"could not remove bed containers on Podman: {failed}", pytrace=False)
