"""bindguard.parallel: lint's projects over forked processes, in order, errors carried back."""

import os
import signal
import subprocess
import sys

import pytest

from bindguard.errors import BindguardError
from bindguard.parallel import WorkerError, run_all


def forked(fn, items, workers, done=lambda: None):
    """The fork path, chosen explicitly: a test process may have a thread running (another test's
    server), and ``run_all`` would then take the pool of spawned workers."""
    return run_all(fn, items, workers, done, fork=True)


def _square(x: int) -> tuple[int, int]:
    return x * x, os.getpid()


def _fail_on_seven(x: int) -> int:
    if x == 7:
        raise BindguardError(f"cannot read item {x}")
    return x


class _Unpicklable(Exception):
    def __init__(self, handle):
        super().__init__("holds a lock")
        self.handle = handle

    def __reduce__(self):
        raise TypeError("not picklable")


def _unpicklable_on_three(x: int) -> int:
    if x == 3:
        raise _Unpicklable(x)
    return x


def _killed_on_five(x: int) -> int:
    if x == 5 and os.getpid() != PARENT:
        os.kill(os.getpid(), signal.SIGKILL)
    return x


PARENT = os.getpid()


class Tracked:
    """The children ``run_all`` forked and the pipe ends it opened, to check none is left."""

    def __init__(self, monkeypatch):
        import bindguard.parallel as parallel

        self.pids: list[int] = []
        self.fds: list[int] = []
        real_fork, real_pipe = os.fork, os.pipe

        def fork():
            pid = real_fork()
            if pid:
                self.pids.append(pid)
            return pid

        def pipe():
            ends = real_pipe()
            self.fds.extend(ends)
            return ends

        monkeypatch.setattr(parallel.os, "fork", fork)
        monkeypatch.setattr(parallel.os, "pipe", pipe)

    def left(self) -> list:
        """Children not reaped and pipe ends still open (none, once run_all returns or raises)."""
        out: list = []
        for pid in self.pids:
            try:
                os.waitpid(pid, os.WNOHANG)
                out.append(("child", pid))  # still ours to reap: run_all did not wait for it
            except ChildProcessError:
                pass
        for fd in self.fds:
            try:
                os.fstat(fd)
                out.append(("fd", fd))
            except OSError:
                pass
        return out


@pytest.fixture
def tracked(monkeypatch):
    return Tracked(monkeypatch)


@pytest.mark.parametrize("workers", [1, 2, 3, 8])
def test_results_in_order_whatever_the_workers(workers):
    steps = []
    items = list(range(23))
    results = forked(_square, items, workers, lambda: steps.append(1))
    assert [r[0] for r in results] == [x * x for x in items]
    assert len(steps) == len(items)  # one progress step per result
    pids = {r[1] for r in results}
    assert len(pids) == min(workers, len(items))  # the parent works a share too
    assert os.getpid() in pids


def test_more_workers_than_items_and_no_items():
    assert [r[0] for r in forked(_square, [4, 5], 8)] == [16, 25]
    assert forked(_square, [], 4) == []


def test_an_exception_in_a_child_is_raised_again_in_the_parent(tracked):
    with pytest.raises(BindguardError, match="cannot read item 7"):
        forked(_fail_on_seven, list(range(12)), 2)  # 7 is the child's (odd) share
    assert tracked.pids and tracked.left() == []


def test_an_exception_that_does_not_pickle_comes_back_as_its_text():
    with pytest.raises(WorkerError, match="_Unpicklable: holds a lock"):
        forked(_unpicklable_on_three, list(range(6)), 2)


def test_a_child_killed_without_an_answer_is_a_worker_error(tracked):
    with pytest.raises(WorkerError, match="signal 9"):
        forked(_killed_on_five, list(range(8)), 2)
    assert tracked.pids and tracked.left() == []


def test_an_error_in_the_parent_share_stops_and_reaps_the_children(tracked):
    with pytest.raises(BindguardError):
        forked(_fail_on_seven, list(range(20)), 7)  # 7 is the parent's share with 7 workers
    assert len(tracked.pids) == 6 and tracked.left() == []


def test_the_process_pool_path_gives_the_same_results():
    """Where fork is unsafe (macOS, Windows) a process pool does the same job."""
    items = list(range(9))
    steps = []
    pooled = run_all(_square, items, 2, lambda: steps.append(1), fork=False)
    assert [r[0] for r in pooled] == [r[0] for r in run_all(_square, items, 2)]
    assert len(steps) == len(items)
    with pytest.raises(BindguardError, match="cannot read item 7"):
        run_all(_fail_on_seven, list(range(12)), 2, fork=False)


def test_a_child_leaves_no_buffered_output_behind():
    """A child ends with os._exit: text the parent buffered is written once, and the
    child never returns into the caller's code (which would print the tail twice)."""
    script = (
        "import sys\n"
        "from tests.test_parallel import _square\n"
        "from bindguard.parallel import run_all\n"
        "sys.stdout.write('said once;')\n"  # buffered, not flushed, when the children fork
        "print(sum(r[0] for r in run_all(_square, list(range(6)), 3)))\n"
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=root)
    assert (done.returncode, done.stdout, done.stderr) == (0, "said once;55\n", "")


def test_with_another_thread_running_the_workers_are_spawned_not_forked(monkeypatch):
    """A forked child would inherit the locks another thread holds; spawned workers start clean."""
    import threading

    import bindguard.parallel as parallel

    forks = []
    monkeypatch.setattr(parallel.os, "fork", lambda: forks.append(1) or os.fork())
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    try:
        results = run_all(_square, list(range(5)), 2)
    finally:
        stop.set()
        other.join()
    assert [r[0] for r in results] == [0, 1, 4, 9, 16] and forks == []
    assert os.getpid() not in {r[1] for r in results}  # the pool's workers did all of it


def test_when_no_process_can_be_forked_this_one_works_the_share(tracked, monkeypatch):
    """A pids limit (EAGAIN) is not an error: the results are the same, worked here."""
    import bindguard.parallel as parallel

    fork = parallel.os.fork  # the tracked fork

    def fork_once():
        if tracked.pids:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        return fork()

    monkeypatch.setattr(parallel.os, "fork", fork_once)
    results = forked(_square, list(range(10)), 4)
    assert [r[0] for r in results] == [x * x for x in range(10)]
    assert len({r[1] for r in results}) == 2 and len(tracked.pids) == 1  # one child; two shares worked here
    assert len(tracked.fds) == 6 and tracked.left() == []  # the pipes of the shares never started are closed
