"""Small helpers shared by the lint tests: write a project, lint it, read results."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

from bindguard.compose.project import ProjectLoader, ProjectOptions
from bindguard.lint import LintSettings, lint
from bindguard.model import Binding, Subject
from bindguard.rules.options import RuleOptions
from bindguard.runner import RuleSelection


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def load(paths: list[Path], environ: dict[str, str] | None = None, **kw) -> Subject:
    options = ProjectOptions(environ=environ or {}, **kw)
    return ProjectLoader(options).load([str(p) for p in paths])


def bindings(paths: list[Path], **kw) -> list[Binding]:
    return list(load(paths, **kw).bindings)


def findings(paths, environ=None, select=None, options: RuleOptions | None = None, **project_kw):
    settings = LintSettings(
        selection=RuleSelection(
            select=frozenset(select) if select else None, options=options or RuleOptions()
        ),
        project=ProjectOptions(environ=environ or {}, **project_kw),
    )
    report = lint([str(p) for p in paths], settings)
    return report.findings


def codes_at(found) -> set[tuple[int, str]]:
    return {(f.location.line, f.code) for f in found}


def work_done(fn, *args, **kwargs):
    """``(fn(*args, **kwargs), calls)``: how many Python and C function calls it made.

    A clock-free measure of cost for "this must not blow up" tests: a call
    count does not depend on the machine or its load, and an exponential or
    quadratic path (an alias bomb expanded, a port range walked port by port)
    multiplies it by orders of magnitude.
    """
    import sys

    calls = 0

    def count(frame, event, arg):
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    sys.setprofile(count)
    try:
        result = fn(*args, **kwargs)
    finally:
        sys.setprofile(None)
    return result, calls


def bindguard_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 120):
    """The real CLI in a child process, with none of the shell's DOCKER_* settings:
    only those in ``env`` (no Docker config folder unless ``env`` names one)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
    return subprocess.run(
        [sys.executable, "-m", "bindguard", *args],
        capture_output=True,
        text=True,
        env={**base, "NO_COLOR": "1", "DOCKER_CONFIG": "/nonexistent", **(env or {})},
        timeout=timeout,
    )


def examples(full: int) -> int:
    """``max_examples`` for a property test whose CI count is ``full``, scaled to the Hypothesis
    profile conftest loaded (``ci``: 100 by default, so ``full``; the local ``dev`` profile: a
    quarter), so the local loop stays short while CI keeps every example."""
    from hypothesis import settings

    return max(10, full * settings.default.max_examples // 100)


@contextlib.contextmanager
def error_engine(message: str) -> Iterator[str]:
    """``tcp://127.0.0.1:PORT`` of a stand-in engine whose every answer is an HTTP 500 carrying
    ``message`` as Docker's JSON error (hostile text in engine answers: escaping tests)."""
    import http.server
    import json
    import threading

    body = json.dumps({"message": message}).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self.send_response(500)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"tcp://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
