"""The ``watch`` command wired together: outputs, ``--exec`` hooks, metrics server, signals.

``cli.watch`` turns options into :class:`GuardOptions` and calls
:func:`guard`; everything here is reachable from a library test.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from dataclasses import dataclass

from bindguard.engine.changes import Change, render_json, render_text
from bindguard.engine.watch import Board, Outputs, Status, WatchSettings, run, stop_on_signals
from bindguard.model import Severity


@dataclass(frozen=True)
class GuardOptions:
    settings: WatchSettings
    json: bool = False
    color: bool = False
    once_exposed: Severity | None = None
    exec_argv: tuple[str, ...] = ()
    exec_timeout: float = 10.0
    metrics_address: tuple[str, int] | None = None


def guard(
    options: GuardOptions,
    write: Callable[[str], None],
    note: Callable[[str], None],
    stop: threading.Event | None = None,
    signals: bool = True,
) -> int:
    """Run the watch; 0 when stopped by a signal (or ``stop``), 1 with ``--once-exposed``."""
    # entry.main tunes the collector for a short batch run (rare collections); a watch
    # runs for months, so cyclic garbage must not pile up between collections.
    gc.set_threshold(700, 10, 10)
    stop = stop or threading.Event()
    if signals:
        stop_on_signals(stop)
    board = Board()
    hook = None
    if options.exec_argv:
        from bindguard.hooks import ExecHook

        hook = ExecHook(list(options.exec_argv), options.exec_timeout, note)
    server = None
    if options.metrics_address is not None:
        from bindguard.metrics import SnapshotCollector, serve

        collector = SnapshotCollector(board.all, (lambda: dict(hook.counts)) if hook else None)
        server, port = serve(options.metrics_address, collector)
        host = options.metrics_address[0]
        shown = f"[{host}]" if ":" in host else host
        note(f"metrics on http://{shown}:{port}/metrics")

    def change(c: Change) -> None:
        write(render_json(c) if options.json else render_text(c, options.color))

    def status(s: Status) -> None:
        note(f"{s.engine}: {'up' if s.up else 'DOWN'}: {s.message}")

    run_hook = None
    if hook is not None:
        submit = hook.submit

        def run_hook(c: Change) -> None:
            submit(render_json(c).encode("utf-8"))

    outputs = Outputs(change, status, run_hook)
    try:
        return run(options.settings, outputs, stop, board, options.once_exposed)
    finally:
        if hook is not None:
            hook.close(wait=min(options.exec_timeout, 2.0))
        if server is not None:
            server.shutdown()
            server.server_close()
