"""``bindguard watch``: a live guard on one or more engines.

Per engine, one thread (:class:`EngineWatcher`):

1. connects, opens the event stream (``/events`` filtered to container
   create/start/die/destroy and network connect/disconnect) and only then
   runs a full audit (``audit.load_engine``), so nothing that happens during
   the audit is missed;
2. for each event re-audits only what changed (``live.LiveEngine``: one
   container inspect, plus the network list for a network event) and hands
   the new and resolved findings to the main thread;
3. when the stream breaks or the engine goes away, retries with capped
   exponential backoff, and after reconnecting runs a full audit again,
   whose difference from the last known state is reported like any event.

An engine that fails only ever affects its own thread.  The main thread
(:func:`run`) prints changes in order, feeds ``--exec`` hooks, keeps the
snapshots the metrics server reads, and stops on SIGINT/SIGTERM (exit 0)
or at the first exposure with ``--once-exposed`` (exit 1).
"""

from __future__ import annotations

import queue
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from bindguard.engine.audit import AuditSettings, EngineResult, load_engine
from bindguard.engine.changes import Change, Trigger
from bindguard.engine.client import EngineTarget, connect, negotiate, translate
from bindguard.engine.live import LiveEngine
from bindguard.errors import EngineError
from bindguard.metrics import EngineSnapshot
from bindguard.model import Severity

CONTAINER_ACTIONS = ("create", "start", "die", "destroy")
NETWORK_ACTIONS = ("connect", "disconnect")
EVENT_FILTERS = {"type": ["container", "network"], "event": [*CONTAINER_ACTIONS, *NETWORK_ACTIONS]}


@dataclass(frozen=True)
class WatchSettings:
    audit: AuditSettings
    backoff_start: float = 0.5
    backoff_max: float = 30.0
    # A TCP engine that vanishes without closing the connection (a cable, a
    # firewall) leaves the event stream silent, not closed: it is pinged this
    # often and the stream is dropped (then reconnected) when it does not answer.
    ping_interval: float = 15.0


class Status(NamedTuple):
    """An engine came up (after its full audit) or went down."""

    engine: str
    up: bool
    message: str
    timestamp: float


@dataclass
class Board:
    """The latest snapshot of every engine, for the metrics server (any thread)."""

    snapshots: dict[str, EngineSnapshot] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, snapshot: EngineSnapshot) -> None:
        with self.lock:
            self.snapshots[snapshot.engine] = snapshot

    def all(self) -> list[EngineSnapshot]:
        with self.lock:
            return list(self.snapshots.values())


def backoff_delays(start: float, cap: float):
    """start, 2*start, 4*start, ... never above cap."""
    delay = start
    while True:
        yield delay
        delay = min(delay * 2, cap)


class EngineWatcher:
    """Watches one engine until ``stop`` is set; reports through ``sink``."""

    def __init__(
        self,
        target: EngineTarget,
        settings: WatchSettings,
        sink: Callable[[object], None],
        board: Board,
        stop: threading.Event,
    ):
        self.target = target
        self.settings = settings
        self.sink = sink
        self.board = board
        self.stop = stop
        audit = settings.audit
        self.live = LiveEngine(target.name, audit.selection, audit.include_stopped, audit.drift, audit.environ)
        self.up = False
        self.ever_up = False
        self.events = 0
        self.reconnects = 0
        self.last_audit: float | None = None
        self.event_lag: float | None = None
        self._stream: Any = None
        self._thread = threading.Thread(target=self.run, name=f"bindguard-watch-{target.name}", daemon=True)

    # -- thread --------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def close_stream(self) -> None:
        """Unblock a thread waiting for the next event (called on stop)."""
        stream = self._stream
        if stream is not None:
            try:
                stream.close()
            except Exception:
                pass

    def run(self) -> None:
        delays = backoff_delays(self.settings.backoff_start, self.settings.backoff_max)
        while not self.stop.is_set():
            try:
                self.session()
                message = "event stream ended (engine stopped or connection closed)"
            except EngineError as exc:
                message = str(exc)
            except Exception as exc:  # noqa: BLE001 - one engine's failure never ends the watch
                message = str(translate(self.target, exc))
            if self.stop.is_set():
                break
            if self.up:  # it was up: start the backoff again from the bottom
                delays = backoff_delays(self.settings.backoff_start, self.settings.backoff_max)
            delay = next(delays)
            self._set_up(False, f"{message}; reconnecting in {delay:g} s")
            self.stop.wait(delay)

    def session(self) -> None:
        """One connection: stream, full audit, then events until the stream ends."""
        target, audit = self.target, self.settings.audit
        client = connect(target, audit.timeout)
        api = client.api
        try:
            negotiate(client, target)
            self._stream = api.events(decode=True, filters=EVENT_FILTERS)
            if self.stop.is_set():
                return
            reason = "reconnect" if self.ever_up else "initial"
            subject = load_engine(target, audit, EngineResult(target))
            new, resolved = self.live.load(subject)
            self.last_audit = time.time()
            if self.ever_up:
                self.reconnects += 1
            self._report(new, resolved, Trigger("audit", reason), self.last_audit)
            self._set_up(
                True,
                f"{'reconnected; ' if self.ever_up else ''}watching "
                f"({len(self.live.parts)} containers, {len(self.live.findings)} findings)",
            )
            self.ever_up = True
            alive = threading.Event()
            threading.Thread(
                target=self._keepalive, args=(api, alive), daemon=True, name=f"bindguard-ping-{target.name}"
            ).start()
            try:
                for event in self._stream:
                    if self.stop.is_set():
                        return
                    self.handle(api, event)
            finally:
                alive.set()
        except EngineError:
            raise
        except Exception as exc:
            if self.stop.is_set():
                return
            raise translate(target, exc) from None
        finally:
            self.close_stream()
            self._stream = None
            try:
                api.close()
            except Exception:
                pass

    def _keepalive(self, api: Any, done: threading.Event) -> None:
        """Ping the engine while the stream is open; close the stream if it stops answering."""
        while not done.wait(self.settings.ping_interval):
            try:
                api.ping()
            except Exception:
                if not done.is_set():
                    self.close_stream()
                return

    # -- one event -----------------------------------------------------------
    def handle(self, api: Any, event: dict[str, Any]) -> None:
        kind = event.get("Type", "")
        action = event.get("Action", "")
        actor = event.get("Actor") or {}
        attributes = actor.get("Attributes") or {}
        nano = event.get("timeNano")
        when = nano / 1e9 if isinstance(nano, (int, float)) else float(event.get("time") or time.time())
        if kind == "container" and action in CONTAINER_ACTIONS:
            container_id = actor.get("ID", "")
            trigger = Trigger(kind, action, container_id, attributes.get("name", ""), when)
        elif kind == "network" and action in NETWORK_ACTIONS:
            container_id = attributes.get("container", "")
            trigger = Trigger(kind, action, actor.get("ID", ""), attributes.get("name", ""), when)
            self.live.apply_networks(api.networks())
        else:
            return
        if not self.live.include_stopped and (
            action == "create" or (kind == "network" and container_id not in self.live.parts)
        ):
            # A container being created publishes nothing until its start event, which
            # re-audits it (an inspect now would wait for the start to finish).
            if kind == "container":
                return
            new, resolved = self.live.recheck()  # network facts changed (BG011)
        elif container_id:
            new, resolved = self.live.apply_inspect(container_id, self._inspect(api, container_id))
        else:
            return
        self.events += 1
        now = time.time()
        self.event_lag = max(0.0, now - when)
        self.last_audit = now
        self._report(new, resolved, trigger, now)

    def _inspect(self, api: Any, container_id: str) -> dict[str, Any] | None:
        import docker.errors

        try:
            return api.inspect_container(container_id)
        except docker.errors.NotFound:
            return None

    # -- reporting -----------------------------------------------------------
    def _report(self, new, resolved, trigger: Trigger, now: float) -> None:
        changes = [Change("new", f, self.target.name, trigger, now) for f in new]
        changes += [Change("resolved", f, self.target.name, trigger, now) for f in resolved]
        self._publish()
        if changes:
            self.sink(changes)

    def _set_up(self, up: bool, message: str) -> None:
        self.up = up
        self._publish()
        self.sink(Status(self.target.name, up, message, time.time()))

    def _publish(self) -> None:
        self.board.put(self.snapshot())

    def snapshot(self) -> EngineSnapshot:
        return EngineSnapshot(
            engine=self.target.name,
            up=self.up,
            findings=tuple(self.live.findings),
            bindings=tuple(self.live.bindings()),
            last_audit=self.last_audit,
            event_lag=self.event_lag,
            events=self.events,
            reconnects=self.reconnects,
        )


@dataclass
class Outputs:
    """Where the main thread sends what it learns (the CLI provides these)."""

    change: Callable[[Change], None]
    status: Callable[[Status], None]
    hook: Callable[[Change], None] | None = None


def stop_on_signals(stop: threading.Event) -> None:
    """SIGINT and SIGTERM set ``stop`` (main thread only): the watch ends cleanly, exit 0."""

    def handler(signum, frame) -> None:  # noqa: ARG001
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def run(
    settings: WatchSettings,
    outputs: Outputs,
    stop: threading.Event,
    board: Board | None = None,
    once_exposed: Severity | None = None,
) -> int:
    """Watch every engine until ``stop``; 0, or 1 at the first finding at or above ``once_exposed``."""
    board = board if board is not None else Board()
    inbox: queue.Queue = queue.Queue()
    watchers = [EngineWatcher(t, settings, inbox.put, board, stop) for t in settings.audit.targets]
    for w in watchers:
        w.start()
    code = 0
    try:
        while not stop.is_set():
            try:
                item = inbox.get(timeout=0.2)
            except queue.Empty:
                continue
            if isinstance(item, Status):
                outputs.status(item)
                continue
            for change in item:
                outputs.change(change)
                if change.change == "new" and outputs.hook is not None:
                    outputs.hook(change)
                if once_exposed is not None and change.change == "new" and change.finding.severity >= once_exposed:
                    code = 1
            if code:
                break
    finally:
        stop.set()
        for w in watchers:
            w.close_stream()
        for w in watchers:
            w.join(2.0)
    return code
