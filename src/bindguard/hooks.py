"""``watch --exec CMD``: run the user's command once per new finding.

The command is split into an argv ONCE, from the option the user typed
(``shlex``), and run without a shell; the finding reaches it only as JSON on
stdin, so no text from a container, image or label can ever become part of
a command line.  Hooks run one at a time on their own thread, each bounded
by a timeout (the process group is killed when it expires), and wait in a
bounded queue: a hook that hangs or a flood of findings delays or drops
hook runs, never the watcher.  Each hook leads its own process group
(``start_new_session``), so stopping the watch (SIGTERM, SIGINT) stops the
running hook and everything it started, instead of leaving it behind with
ppid 1.
"""

from __future__ import annotations

import os
import queue
import shlex
import signal
import subprocess
import threading
from collections.abc import Callable

from bindguard.errors import ConfigError

MAX_PENDING = 256
STOP_GRACE = 2.0  # seconds a running hook has between SIGTERM and SIGKILL when the watch stops


def parse_command(text: str) -> list[str]:
    """The argv of ``--exec``; ConfigError if it is empty or not shell-word syntax."""
    try:
        argv = shlex.split(text)
    except ValueError as exc:
        raise ConfigError(f"cannot split {text!r} into words: {exc}", key="--exec") from None
    if not argv:
        raise ConfigError("empty command", key="--exec")
    return argv


class ExecHook:
    """Runs ``argv`` with each submitted payload on stdin, in the background."""

    def __init__(self, argv: list[str], timeout: float, report: Callable[[str], None], max_pending: int = MAX_PENDING):
        self.argv = list(argv)
        self.timeout = timeout
        self.report = report
        self.counts = {"ok": 0, "failed": 0, "timeout": 0, "dropped": 0}
        self._queue: queue.Queue[bytes | None] = queue.Queue(max_pending)
        self._closing = threading.Event()
        self._running: subprocess.Popen | None = None  # the hook running now, if any
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._work, name="bindguard-exec", daemon=True)
        self._thread.start()

    def submit(self, payload: bytes) -> None:
        try:
            self._queue.put_nowait(payload)
        except queue.Full:
            self.counts["dropped"] += 1
            self.report(f"--exec: {self._queue.maxsize} hook runs waiting; this finding's hook dropped")

    def close(self, wait: float = 0.0, grace: float = STOP_GRACE) -> None:
        """Run no more hooks; give the running one ``wait`` seconds, then stop its process group.

        The group gets SIGTERM, and SIGKILL ``grace`` seconds later: no hook
        (nor anything it started) outlives the watch.
        """
        self._closing.set()
        try:
            self._queue.put_nowait(None)
        except queue.Full:
            pass
        self._thread.join(wait)
        with self._lock:
            proc = self._running
        if proc is not None and proc.poll() is None:
            self.report(f"--exec: watch stopping; stopping {self.argv[0]} (pid {proc.pid}) and its process group")
            _stop_group(proc, grace)
        self._thread.join(grace)

    def _work(self) -> None:
        while not self._closing.is_set() and (payload := self._queue.get()) is not None:
            if self._closing.is_set():
                break
            self.counts[self.run(payload)] += 1

    def run(self, payload: bytes) -> str:
        """One run: "ok", "failed" or "timeout" (also reported as one line)."""
        try:
            proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.PIPE,
                stdout=2,
                stderr=2,
                start_new_session=True,
                close_fds=True,
            )
        except OSError as exc:
            self.report(f"--exec: cannot run {self.argv[0]}: {exc.strerror or exc}")
            return "failed"
        with self._lock:
            self._running = proc
        try:
            return self._finish(proc, payload)
        finally:
            with self._lock:
                self._running = None

    def _finish(self, proc: subprocess.Popen, payload: bytes) -> str:
        try:
            proc.communicate(payload, timeout=self.timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            self.report(f"--exec: {self.argv[0]} still running after {self.timeout:g} s; killed")
            return "timeout"
        except OSError:  # the hook closed stdin early
            proc.wait()
        if proc.returncode != 0:
            self.report(f"--exec: {self.argv[0]} exited {proc.returncode}")
            return "failed"
        return "ok"


def _stop_group(proc: subprocess.Popen, grace: float) -> None:
    """SIGTERM to the hook's process group, SIGKILL if it is still there after ``grace``."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        pass
    _kill_group(proc)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.wait()
