"""Independent work items spread over processes forked from this one (lint's projects).

Why not ``concurrent.futures``: a folder lint of 700 files takes about 0.2 s,
and a process pool cost a sixth of that (issue 26): importing
``multiprocessing`` (14 ms), pickling every job to the workers, a manager
thread, and a parent that only waits.  Here the items are already in memory
when the run forks, so a child inherits its share instead of receiving it,
and the parent works through a share of its own: on two cores one child is
forked.  Shares are interleaved (item ``i`` goes to process ``i % n``), so
large and small projects spread evenly.

Each child sends its results back in one pickle when its share is done: the
parent reads the pipes only after its own share, and a child writing as it
went would stall on a full pipe.  A child never returns into the caller's
code: it leaves with ``os._exit``, so no ``finally``, ``atexit`` or buffered
output of the parent runs twice.  An exception in a child is raised again in
the parent (as ``ProcessPoolExecutor`` does); a child that dies without an
answer (killed, out of memory) is a :class:`WorkerError`.  When no process can
be forked (a container's pids limit), the parent works that share itself.

Where ``os.fork`` is missing or unsafe (Windows; macOS, where CPython itself
spawns instead; a process with another thread running), a ``ProcessPoolExecutor``
of spawned workers does the same job.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any


class WorkerError(RuntimeError):
    """A worker process ended without sending its results."""


def _can_fork() -> bool:
    """Fork where it is safe: not on macOS or Windows, and not while another thread runs
    (a lock it holds would stay held in the child; ``lint --default-host-ip engine`` over
    ``ssh://`` has a thread reading ssh's stderr)."""
    return hasattr(os, "fork") and sys.platform != "darwin" and _one_thread()


def _one_thread() -> bool:
    threading = sys.modules.get("threading")
    return threading is None or threading.active_count() == 1


def run_all(fn: Callable[[Any], Any], items: Sequence[Any], workers: int,
            done: Callable[[], None] = lambda: None, fork: bool | None = None) -> list:
    """``[fn(x) for x in items]``, spread over ``workers`` processes, in order.

    ``done()`` is called once per result as it reaches this process (a
    progress line).  ``fork=False`` takes the process-pool path on any
    platform (tests of that path).
    """
    if workers <= 1 or len(items) <= 1:
        return [_counted(fn(x), done) for x in items]
    if not (_can_fork() if fork is None else fork):
        return _pooled(fn, items, workers, done)
    workers = min(workers, len(items))
    children: dict[int, tuple[int, int]] = {}  # share -> (pid, read end of its pipe)
    own = [0]  # the shares this process works through
    try:
        for share in range(1, workers):
            started = _start(fn, items[share::workers])
            if started is None:
                own.append(share)  # no process (or pipe) to be had: this one takes the share
            else:
                children[share] = started
        results: list = [None] * len(items)
        for share in own:
            for i in range(share, len(items), workers):
                results[i] = _counted(fn(items[i]), done)
        for share in sorted(children):
            pid, read_end = children.pop(share)
            answers = _receive(pid, read_end)
            results[share::workers] = answers
            for _ in answers:
                done()
        return results
    finally:
        for pid, read_end in children.values():  # left by an error: stop and reap them
            os.close(read_end)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)


def _start(fn: Callable[[Any], Any], share: Sequence[Any]) -> tuple[int, int] | None:
    """(pid, read end) of a child working through ``share``; None when the system has no
    process or file descriptor to spare (a container's pids limit): the caller works it."""
    try:
        read_end, write_end = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # the child: its share, one answer, gone
        os.close(read_end)
        _answer(fn, share, write_end)
    os.close(write_end)
    return pid, read_end


def _counted(result: Any, done: Callable[[], None]) -> Any:
    done()
    return result


def _answer(fn: Callable[[Any], Any], share: Sequence[Any], write_end: int) -> None:
    """In a child: run the share, write ``(ok, results or exception)``, exit."""
    code = 0
    try:
        try:
            payload = pickle.dumps((True, [fn(x) for x in share]), pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # noqa: BLE001 - raised again in the parent
            code = 1
            try:
                payload = pickle.dumps((False, exc), pickle.HIGHEST_PROTOCOL)
            except Exception:  # noqa: BLE001 - an exception that does not pickle: its text
                payload = pickle.dumps((False, WorkerError(f"{type(exc).__name__}: {exc}")))
        with os.fdopen(write_end, "wb") as out:
            out.write(payload)
    finally:
        os._exit(code)


def _receive(pid: int, read_end: int) -> list:
    """A child's results, or its exception raised here."""
    try:
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
    finally:
        _, status = os.waitpid(pid, 0)
    if not data:
        raise WorkerError(f"a worker process ended without its results ({_ended(status)})")
    ok, value = pickle.loads(data)  # noqa: S301 - written by our own child, through our own pipe
    if not ok:
        raise value
    return value


def _ended(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


def _pooled(fn: Callable[[Any], Any], items: Sequence[Any], workers: int, done: Callable[[], None]) -> list:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    chunk = max(1, len(items) // (workers * 8))
    # spawned workers: they start clean, so no thread's lock is inherited
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return [_counted(result, done) for result in pool.map(fn, items, chunksize=chunk)]
