"""Differential oracle: the real Docker Compose and ``bindguard`` must list the same ports.

For one project (files in merge order, a project directory, a controlled
environment), ``compare()`` runs

* ``docker-compose -f F... --project-directory D config --format json
  --no-consistency`` with ``COMPOSE_PROFILES=*`` (every service, whatever its
  profiles), the truth; and
* ``bindguard ports --format json -f F...`` through the real CLI entry point,
  in-process, with the same environment and nothing else (``os.environ`` is
  replaced for the call, so the shell running the tests cannot leak in),

and compares, per service, the multiset of ``(host_ip, published, target,
protocol)``, ranges expanded the way compose-go expands them: a host range
paired with an equal container range is one port per pair, a container range
with no host port is one port per container port (published ``""``), a host
range with one container port stays one entry (Docker picks one host port).

When Compose refuses the project, the outcome depends on why: refused for a
port entry (its error names ``ports``), bindguard must report BG006 or BG007
for it (run through ``bindguard lint --format json``); refused for any other
reason, the project is counted under that reason and not compared.
Services Compose runs with ``network_mode: host`` publish nothing (Docker
drops their ports) and are left out on both sides.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any, NamedTuple
from unittest import mock

from composebed import compose_config

Port = tuple[str, str, int, str]  # host_ip, published ("" = random), target, protocol
# An error about a port entry names its path (services.web.ports...) or is one of
# go-connections' port errors; YAML syntax errors that merely quote a key are not.
PORT_REFUSAL = re.compile(
    r"services\.[^\s]*\bports\b|invalid (?:hostPort|containerPort|port|ip address|proto)|port range", re.I
)


class Outcome(NamedTuple):
    kind: str  # same | differ | refused-port | refused-port-missed | refused-other
    reason: str = ""
    detail: str = ""


def _published(text: str) -> str:
    """A published port or range as the engine reads it: "" for random, no leading zeros."""
    parts = text.split("-")
    if all(p.isdigit() for p in parts):
        numbers = [int(p) for p in parts]
        return "" if numbers == [0] else "-".join(map(str, numbers))
    return text


def compose_ports(config: Mapping) -> dict[str, Counter]:
    """Per service, the ports of ``docker-compose config --format json``."""
    out: dict[str, Counter] = {}
    for name, service in (config.get("services") or {}).items():
        if (service.get("network_mode") or "") == "host":
            continue
        ports: Counter = Counter()
        for port in service.get("ports") or ():
            ports[(
                port.get("host_ip") or "",
                # "0" is Docker's random port too; Compose keeps it as written ("08080" too, which
                # the engine parses as 8080, as bindguard reports it)
                _published(str(port.get("published") or "0")),
                int(port["target"]),
                # Compose keeps a long entry's protocol as written ("UDP"); bindguard
                # reports it as the engine reads it, lower case (docs/limits.md)
                (port.get("protocol") or "tcp").lower(),
            )] += 1
        out[name] = ports
    return out


def _expand(row: Mapping) -> list[Port]:
    """One ``ports --format json`` row as compose-go's list of ports."""
    host_ip = row["host_ip"] or ""
    protocol = row["protocol"]
    host = row["host_port"] or ""
    c_start, _, c_end = str(row["container_port"]).partition("-")
    targets = range(int(c_start), int(c_end or c_start) + 1)
    if not host:
        return [(host_ip, "", t, protocol) for t in targets]
    h_start, _, h_end = host.partition("-")
    if len(targets) == 1:
        return [(host_ip, host, targets[0], protocol)]
    return [(host_ip, str(int(h_start) + i), t, protocol) for i, t in enumerate(targets)]


def run_cli(args: Sequence[str], env: Mapping[str, str]) -> tuple[int, str, str]:
    """``bindguard ARGS`` through the typer app (``cli._command_app``), with ``env`` as the whole environment."""
    from bindguard import cli

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with mock.patch.dict(os.environ, dict(env), clear=True), \
            mock.patch.object(sys, "argv", ["bindguard", *args]), \
            redirect_stdout(out), redirect_stderr(err):
        try:
            cli._command_app(list(args))(prog_name="bindguard", args=list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    return code, out.getvalue(), err.getvalue()


def bindguard_ports(files: Sequence[str], env: Mapping[str, str]) -> dict[str, Counter]:
    args = ["ports", "--format", "json", "--no-config"]
    for f in files:
        args += ["-f", str(f)]
    code, out, err = run_cli(args, env)
    assert code == 0, f"bindguard ports exited {code}: {err}"
    result: dict[str, Counter] = {}
    for row in json.loads(out)["bindings"]:
        if row["host_ip"] is None:  # a BG007 problem row, not a port
            continue
        result.setdefault(row["service"], Counter()).update(_expand(row))
    return result


def bindguard_codes(files: Sequence[str], env: Mapping[str, str]) -> Counter:
    args = ["lint", "--format", "json", "--no-config", "--select", "BG000,BG006,BG007"]
    for f in files:
        args += ["-f", str(f)]
    code, out, err = run_cli(args, env)
    assert code in (0, 1), f"bindguard lint exited {code}: {err}"
    return Counter(f["rule"] for f in json.loads(out)["findings"])


def refusal_reason(stderr: str) -> str:
    """Compose's error with names, paths and numbers taken out, to count refusals by kind."""
    lines = [ln for ln in stderr.splitlines() if ln.strip() and "level=warning" not in ln]
    line = lines[0] if lines else "no message"
    line = re.sub(r"/[^\s:\"']+", "PATH", line)
    line = re.sub(r"\"[^\"]*\"|'[^']*'", "X", line)
    line = re.sub(r"services\.[^\s.:\]]+", "services.S", line)
    line = re.sub(r"\d+", "N", line)
    return line[:160]


class ComposeSide(NamedTuple):
    """What the real Compose said about one project (runs without touching this process)."""

    files: tuple[str, ...]
    project_dir: str
    env: dict[str, str]
    code: int
    config: Any
    stderr: str


def ask_compose(files: Sequence[str | Path], project_dir: str | Path,
                env: Mapping[str, str] | None = None) -> ComposeSide:
    """``docker-compose config`` for one project; safe to call from several threads."""
    env = {"COMPOSE_PROFILES": "*", **(env or {})}
    paths = tuple(os.path.abspath(f) for f in files)
    project_dir = os.path.abspath(project_dir)
    code, config, stderr = compose_config(paths, project_dir, env)
    return ComposeSide(paths, project_dir, env, code, config, stderr)


def judge(side: ComposeSide) -> Outcome:
    """bindguard on the same project, against Compose's answer (one at a time: it sets os.environ)."""
    files, env = side.files, side.env
    if side.code != 0 or side.config is None:
        reason = refusal_reason(side.stderr)
        if PORT_REFUSAL.search(reason):
            codes = bindguard_codes(files, env)
            if codes["BG006"] or codes["BG007"]:
                return Outcome("refused-port", reason)
            return Outcome("refused-port-missed", reason,
                           f"bindguard: {dict(codes)}\ncompose: {side.stderr.strip()}")
        return Outcome("refused-other", reason)
    config = side.config
    truth = compose_ports(config)
    ours = bindguard_ports(files, env)
    diffs = []
    for name in sorted(set(truth) | {n for n, c in ours.items() if c}):
        if name not in truth and name in (config.get("services") or {}):
            continue  # network_mode: host on Compose's side
        want, got = truth.get(name, Counter()), ours.get(name, Counter())
        if want != got:
            diffs.append(f"service {name}: compose {sorted(want.elements())} "
                         f"bindguard {sorted(got.elements())}")
    return Outcome("differ", "", "\n".join(diffs)) if diffs else Outcome("same")


def compare(files: Sequence[str | Path], project_dir: str | Path,
            env: Mapping[str, str] | None = None) -> Outcome:
    """One project through both tools (see the module docstring)."""
    return judge(ask_compose(files, project_dir, env))


def compare_many(projects: Sequence[tuple[Sequence[str | Path], str | Path]],
                 env: Mapping[str, str] | None = None, workers: int = 2
                 ) -> list[tuple[tuple[str, ...], Outcome]]:
    """Many projects: Compose runs in ``workers`` threads, bindguard one project at a time."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(workers) as pool:
        sides = list(pool.map(lambda p: ask_compose(p[0], p[1], env), projects))
    return [(side.files, judge(side)) for side in sides]
