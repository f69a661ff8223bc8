"""bindguard.parallel: lint's projects over forked processes, in order, errors carried back."""

import os
import signal
import subprocess
import sys

import pytest

from bindguard.errors import BindguardError
from bindguard.parallel import WorkerError, run_all


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


def _children_left() -> set[int]:
    """Child processes of this one that are still there (reaped ones are gone)."""
    here = os.getpid()
    out = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == here:
            out.add(int(entry))
    return out


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.parametrize("workers", [1, 2, 3, 8])
def test_results_in_order_whatever_the_workers(workers):
    steps = []
    items = list(range(23))
    results = run_all(_square, items, workers, lambda: steps.append(1))
    assert [r[0] for r in results] == [x * x for x in items]
    assert len(steps) == len(items)  # one progress step per result
    pids = {r[1] for r in results}
    assert len(pids) == min(workers, len(items))  # the parent works a share too
    assert os.getpid() in pids


def test_more_workers_than_items_and_no_items():
    assert [r[0] for r in run_all(_square, [4, 5], 8)] == [16, 25]
    assert run_all(_square, [], 4) == []


def test_an_exception_in_a_child_is_raised_again_in_the_parent():
    before = (_children_left(), _open_fds())
    with pytest.raises(BindguardError, match="cannot read item 7"):
        run_all(_fail_on_seven, list(range(12)), 2)  # 7 is the child's (odd) share
    assert (_children_left(), _open_fds()) == before


def test_an_exception_that_does_not_pickle_comes_back_as_its_text():
    with pytest.raises(WorkerError, match="_Unpicklable: holds a lock"):
        run_all(_unpicklable_on_three, list(range(6)), 2)


def test_a_child_killed_without_an_answer_is_a_worker_error():
    before = (_children_left(), _open_fds())
    with pytest.raises(WorkerError, match="signal 9"):
        run_all(_killed_on_five, list(range(8)), 2)
    assert (_children_left(), _open_fds()) == before


def test_an_error_in_the_parent_share_stops_and_reaps_the_children():
    before = (_children_left(), _open_fds())
    with pytest.raises(BindguardError):
        run_all(_fail_on_seven, list(range(20)), 7)  # 7 is the parent's share with 7 workers
    assert (_children_left(), _open_fds()) == before


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


def test_when_no_process_can_be_forked_this_one_works_the_share(monkeypatch):
    """A pids limit (EAGAIN) is not an error: the results are the same, worked here."""
    import bindguard.parallel as parallel

    real_fork = os.fork
    calls = []

    def fork_once():
        calls.append(1)
        if len(calls) > 1:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        return real_fork()

    monkeypatch.setattr(parallel.os, "fork", fork_once)
    before = (_children_left(), _open_fds())
    results = run_all(_square, list(range(10)), 4)
    assert [r[0] for r in results] == [x * x for x in range(10)]
    assert len({r[1] for r in results}) == 2 and len(calls) == 3  # one child; two shares worked here
    assert (_children_left(), _open_fds()) == before
