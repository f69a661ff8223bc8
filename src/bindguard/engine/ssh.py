"""Engines behind ``ssh://[user@]host[:port]``, reached the way the Docker CLI does.

The Docker CLI runs ``ssh [-l user] [-p port] -- host docker system dial-stdio``
and speaks HTTP over that process's stdin/stdout.  bindguard does the same,
through the Docker SDK's ``use_ssh_client`` transport, rather than the SDK's
default paramiko transport, because:

- the ``ssh`` command reads the user's whole OpenSSH configuration
  (``~/.ssh/config`` with ``Include``, ``Match``, ``ProxyJump``, ``IdentityFile``,
  certificates, the agent, ``UserKnownHostsFile``, ``StrictHostKeyChecking``,
  ``/etc/ssh/ssh_config``), so whatever works for ``docker --context`` works here;
  paramiko reads only five keys of ``~/.ssh/config`` and only ``~/.ssh/known_hosts``;
- its errors are OpenSSH's own, which we classify into one line each.

The SDK's shell-out transport is completed here in four ways: one ``ssh``
process per pooled connection (the SDK starts a new one for every request),
``BatchMode=yes`` and ``ConnectTimeout`` (an audit never waits on a password
or host-key prompt), reads that honour ``--timeout``, and ssh's stderr captured
(not leaked onto ours) to explain a failure.  The SDK imports paramiko in that
module even on the shell-out path, hence the ``docker[ssh]`` dependency.
"""

from __future__ import annotations

import io
import math
import os
import select
import subprocess
import threading
import urllib.parse
from typing import Any

from bindguard.ansi import printable
from bindguard.errors import EngineError

DIAL_STDIO = ("docker", "system", "dial-stdio")
STDERR_KEEP = 4096  # bytes of ssh's stderr kept for the error message
# The first answer also waits for the SSH login and the remote `docker` to start (about a second
# on an idle machine, more under load): that much more than --timeout, once per connection.
# The TCP connect itself is bounded by --timeout (ssh's ConnectTimeout).
LOGIN_GRACE = 10.0


class SSHFailure(OSError):
    """``ssh`` did not give us a working ``docker system dial-stdio``; ``kind`` says which
    EngineError it becomes: ``unreachable``, ``denied``, ``timeout`` or ``error``."""

    def __init__(self, message: str, kind: str = "error"):
        super().__init__(message)
        self.message = message
        self.kind = kind


class Destination:
    """The parts of an ``ssh://`` URL that become ``ssh`` arguments."""

    def __init__(self, url: str):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "ssh" or not parts.hostname:
            raise ValueError(f"not an ssh:// URL with a host: {url}")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError(f"extra path or query after the host in {url} (expected ssh://[user@]host[:port])")
        if parts.password is not None:
            raise ValueError("a password in an ssh:// URL is not supported (use a key or the ssh agent)")
        self.user = parts.username
        self.host = parts.hostname
        self.port = parts.port

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host and self.port else self.host
        return f"{self.user + '@' if self.user else ''}{host}{':' + str(self.port) if self.port else ''}"

    def command(self, timeout: float) -> list[str]:
        args = ["ssh", "-o", "BatchMode=yes", "-o", f"ConnectTimeout={max(1, math.ceil(timeout))}", "-T"]
        if self.user:
            args += ["-l", self.user]
        if self.port:
            args += ["-p", str(self.port)]
        return [*args, "--", self.host, *DIAL_STDIO]


def explain(dest: Destination, stderr: str, returncode: int | None) -> SSHFailure:
    """One line saying why ``ssh … docker system dial-stdio`` stopped, from OpenSSH's words."""
    lines = [printable(" ".join(line.split())) for line in stderr.splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    if len(last) > 160:
        last = last[:157] + "..."
    low = stderr.lower()
    who = dest.user or "the user from your ssh config"
    if "remote host identification has changed" in low:
        return SSHFailure(f"the SSH host key of {dest} does not match known_hosts (it changed); "
                          "check the host, then update known_hosts", "denied")
    if "host key verification failed" in low or "host key is known" in low:
        return SSHFailure(f"the SSH host key of {dest} is not in known_hosts (Host key verification failed); "
                          "connect once with `ssh` to check and accept it, or add it with ssh-keyscan", "denied")
    if "permission denied" in low:
        return SSHFailure(f"SSH login as {who} refused by {dest} ({last or 'Permission denied'}); "
                          "check the user and that its key is authorized there", "denied")
    if "connection refused" in low:
        return SSHFailure(f"nothing accepts SSH connections at {dest} (connection refused)", "unreachable")
    if "could not resolve hostname" in low or "name or service not known" in low:
        return SSHFailure(f"cannot resolve the SSH host {dest.host}", "unreachable")
    if "timed out" in low:
        return SSHFailure(f"SSH connection to {dest} timed out (see --timeout)", "timeout")
    if "no route to host" in low or "network is unreachable" in low:
        return SSHFailure(f"no route to the SSH host {dest} ({last})", "unreachable")
    if returncode == 127 or ("docker" in low and "not found" in low):
        return SSHFailure(f"{dest} has no docker CLI for `docker system dial-stdio` ({last or 'exit 127'}); "
                          "install Docker there or put docker on the SSH session's PATH", "unreachable")
    if "dial-stdio" in low and ("unknown command" in low or "is not a docker command" in low):
        return SSHFailure(f"the docker CLI on {dest} is too old for `docker system dial-stdio` (Docker 18.09+)")
    if "cannot connect to the docker daemon" in low or "permission denied while trying" in low:
        return SSHFailure(f"the docker CLI on {dest} cannot reach its engine ({last})", "unreachable")
    detail = f": {last}" if last else ""
    return SSHFailure(f"ssh to {dest} failed (exit {returncode if returncode is not None else '?'}){detail}")


class DialStdioProcess:
    """One ``ssh … docker system dial-stdio`` process: a byte stream with timeouts."""

    def __init__(self, dest: Destination, timeout: float):
        self.dest = dest
        self.timeout = timeout
        self._stderr = bytearray()
        self._answered = False
        try:
            self.proc = subprocess.Popen(
                dest.command(timeout),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,  # no terminal: Ctrl-C reaches bindguard only, no prompts
                env=_ssh_env(),
            )
        except FileNotFoundError:
            raise SSHFailure("no `ssh` command on PATH: ssh:// engines need the OpenSSH client",
                             "unreachable") from None
        self._reader = threading.Thread(target=self._drain_stderr, daemon=True)
        self._reader.start()

    def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        fd = self.proc.stderr.fileno()
        for chunk in iter(lambda: os.read(fd, 1024), b""):
            self._stderr += chunk
            del self._stderr[:-STDERR_KEEP]

    def failure(self) -> SSHFailure:
        try:
            code = self.proc.wait(timeout=min(self.timeout, 5))
        except subprocess.TimeoutExpired:
            code = None
        self._reader.join(timeout=1)
        return explain(self.dest, self._stderr.decode("utf-8", "replace"), code)

    def write(self, data: bytes) -> int:
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            raise self.failure() from None
        return len(data)

    def read(self, n: int) -> bytes:
        fd = self.proc.stdout.fileno()  # type: ignore[union-attr]
        wait = self.timeout if self._answered else self.timeout + LOGIN_GRACE
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            raise SSHFailure(f"timed out: no answer over SSH from {self.dest} in {wait:g}s "
                             "(SSH login or engine; see --timeout)", "timeout")
        data = os.read(fd, n)
        self._answered = True
        if not data:
            failure = self.failure()
            if self.proc.returncode not in (0, None) or self._stderr:
                raise failure
        return data

    def fileno(self) -> int:
        return self.proc.stdout.fileno()  # type: ignore[union-attr]

    def close(self) -> None:
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()  # type: ignore[union-attr]
            except (OSError, ValueError):
                pass
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _ssh_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("LD_LIBRARY_PATH", None)  # as the SDK does: ours may not suit /usr/bin/ssh
    return env


class _Stream(io.RawIOBase):
    def __init__(self, process: DialStdioProcess):
        self.process = process

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.process.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _transport_classes() -> tuple[type, type, type]:
    """The SDK-derived classes, built on first use so ``lint`` never imports the SDK."""
    import urllib3.connection
    import urllib3.connectionpool
    from docker.transport.sshconn import SSHHTTPAdapter

    class DialStdioSocket:
        """What urllib3 needs of a socket, over a DialStdioProcess."""

        def __init__(self, process: DialStdioProcess):
            self.process = process

        def settimeout(self, value: Any) -> None:
            pass  # the process applies the engine timeout to every read

        def setsockopt(self, *args: Any) -> None:
            pass

        def sendall(self, data: bytes) -> None:
            self.process.write(bytes(data))

        def send(self, data: bytes) -> int:
            return self.process.write(bytes(data))

        def recv(self, n: int) -> bytes:
            return self.process.read(n)

        def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> io.BufferedReader:
            return io.BufferedReader(_Stream(self.process))

        def fileno(self) -> int:
            # urllib3 polls this before reusing a pooled connection: readable with no
            # request in flight means ssh said something or ended, so it is dropped.
            return self.process.fileno()

        def close(self) -> None:
            self.process.close()

    class DialStdioConnection(urllib3.connection.HTTPConnection):
        def __init__(self, dest: Destination, timeout: float):
            super().__init__("localhost", timeout=timeout)
            self.dest = dest
            self.engine_timeout = timeout

        def connect(self) -> None:
            self.sock = DialStdioSocket(DialStdioProcess(self.dest, self.engine_timeout))

    class DialStdioPool(urllib3.connectionpool.HTTPConnectionPool):
        scheme = "ssh"

        def __init__(self, dest: Destination, timeout: float, maxsize: int):
            super().__init__("localhost", timeout=timeout, maxsize=maxsize)
            self.dest = dest
            self.engine_timeout = timeout

        def _new_conn(self) -> DialStdioConnection:
            return DialStdioConnection(self.dest, self.engine_timeout)

    class DialStdioAdapter(SSHHTTPAdapter):
        """The SDK's shell-out adapter, keeping its connections (one ssh each) in a pool."""

        def __init__(self, dest: Destination, timeout: float, max_pool_size: int = 4):
            super().__init__(f"ssh://{dest}", timeout=timeout,  # type: ignore[arg-type]  # a float works
                             max_pool_size=max_pool_size, shell_out=True)
            self.dest = dest

        def get_connection(self, url: Any, proxies: Any = None) -> Any:
            # one pool for the engine: the SDK keys pools by the whole URL, path included,
            # which made every request a new pool, a new connection and a new ssh process
            pools: Any = self.pools  # urllib3's RecentlyUsedContainer (typed int in the stubs)
            with pools.lock:
                pool = pools.get("engine")
                if pool is None:
                    pool = DialStdioPool(self.dest, self.timeout, self.max_pool_size)
                    pools["engine"] = pool
            return pool

    return DialStdioSocket, DialStdioPool, DialStdioAdapter


def ssh_api(name: str, url: str, timeout: float) -> Any:
    """A ``docker.APIClient`` whose requests travel through ``ssh … docker system dial-stdio``.

    No process starts until the first request.
    """
    import docker

    try:
        dest = Destination(url)
    except ValueError as exc:
        raise EngineError(name, str(exc)) from None
    try:
        api: Any = docker.APIClient(base_url=url, use_ssh_client=True, timeout=timeout,  # type: ignore[arg-type]
                                    version="1.24")
    except docker.errors.DockerException as exc:
        raise EngineError(name, f"ssh:// needs the Docker SDK's ssh extra (pip install 'docker[ssh]'): {exc}") from None
    _, _, adapter_class = _transport_classes()
    adapter = adapter_class(dest, timeout)
    api.mount("http+docker://ssh", adapter)
    api._custom_adapter = adapter
    return api
