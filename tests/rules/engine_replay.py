"""Recorded engine answers, replayed through bindguard's own engine path without an engine.

A fixture ``tests/rules/engines/<name>.json`` holds what one engine answered (each fixture says
where its answers come from in ``source``: recorded here with ``record.py``, or written from the
engine's API documentation for engines that are not on this machine):

```json
{
  "source": "recorded from ... | written from ... (URLs)",
  "target": {"url": "unix:///var/run/docker.sock"},          # optional: tls_verify, cert_path
  "host": {"daemon_env": ["DOCKER_INSECURE_NO_IPTABLES_RAW"], "firewalld": true},  # optional
  "all": false,                                               # audit --all
  "confirm": {"paths": ["compose.yaml"]},                     # optional: audit PATHS instead
  "answers_from": "other.json",                               # optional: that fixture's answers
  "answers": {"version": {}, "info": {}, "networks": [], "containers": [],
              "inspect": {"<id>": {}}, "libpod_containers": [],
              "info_refused": false}                          # true: /info answers 403
}
```

``host`` is what ``engine/daemon.py`` would read on the engine's host as root (absent: unknown,
as for a remote engine). ``${FIXTURE_DIR}`` in a container label is replaced with the
fixture's folder, so compose labels can point at compose files kept beside the fixture.

The replay swaps only the transport: ``client.connect`` returns a client over ``RecordedAPI``
(the Docker SDK's ``APIClient`` methods bindguard calls, answered from the file), and
``daemon.local_host_facts`` returns the fixture's ``host``. Everything after that (negotiation,
``audit.load_engine``, ``confirm.read_engine``, engine/containers.py, podman.py, facts.py, the
rules, ``compose_stories``) is the code that runs against a real engine.
"""

from __future__ import annotations

import copy
import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ENGINES = Path(__file__).resolve().parent / "engines"


def _labelled(items: list[dict[str, Any]], filters: dict | None) -> list[dict[str, Any]]:
    """The engine's ``label`` filter: every ``KEY`` or ``KEY=VALUE`` must match (a string is one)."""
    wanted = (filters or {}).get("label") or []
    wanted = [wanted] if isinstance(wanted, str) else wanted

    def matches(labels: dict[str, str]) -> bool:
        for w in wanted:
            key, eq, value = w.partition("=")
            if key not in labels or (eq and labels[key] != value):
                return False
        return True

    return [c for c in items if matches(c.get("Labels") or {})]


class _Response:
    def __init__(self, data: Any):
        self.data = data


class RecordedAPI:
    """The APIClient calls bindguard makes, answered from one fixture; counts requests."""

    base_url = "http+docker://recorded"

    def __init__(self, answers: dict[str, Any], fixture_dir: Path):
        self.answers = json.loads(json.dumps(answers).replace("${FIXTURE_DIR}", str(fixture_dir)))
        self._version = "1.24"

    def request(self, *args: Any, **kwargs: Any) -> None:  # replaced by CountingClient
        return None

    def _answer(self, key: str, default: Any) -> Any:
        self.request()
        return copy.deepcopy(self.answers.get(key, default))

    def version(self, api_version: bool = True) -> dict[str, Any]:
        return self._answer("version", {})

    def info(self) -> dict[str, Any]:
        if self.answers.get("info_refused"):  # a socket proxy that denies /info
            import docker.errors
            import requests

            self.request()
            response = requests.Response()
            response.status_code = 403
            raise docker.errors.APIError("403 Client Error: Forbidden", response=response)
        return self._answer("info", {})

    def networks(self, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        return self._answer("networks", [])

    def containers(self, all: bool = False, filters: dict | None = None, **kwargs: Any) -> list[dict[str, Any]]:
        items = self._answer("containers", [])
        if not all:
            items = [c for c in items if c.get("State") in ("running", "paused", "restarting")]
        return _labelled(items, filters)

    def inspect_container(self, container_id: str) -> dict[str, Any]:
        import docker.errors

        data = self._answer("inspect", {})
        if container_id not in data:
            raise docker.errors.NotFound(f"No such container: {container_id}")
        return data[container_id]

    def _get(self, url: str, params: dict | None = None, **kwargs: Any) -> _Response:
        if not url.endswith("/libpod/containers/json"):
            raise AssertionError(f"the replay has no answer for GET {url}")
        items = self._answer("libpod_containers", [])
        if (params or {}).get("all") != "true":
            items = [c for c in items if c.get("State") in ("running", "paused", "restarting")]
        return _Response(_labelled(items, json.loads((params or {}).get("filters") or "{}")))

    def _result(self, response: _Response, json: bool = False) -> Any:
        return response.data

    def close(self) -> None:
        pass


def load(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("answers_from"):  # the same engine run another way (audit PATHS)
        data["answers"] = json.loads((path.parent / data["answers_from"]).read_text(encoding="utf-8"))["answers"]
    assert isinstance(data.get("source"), str) and data["source"].strip(), f"{path.name}: names no source"
    assert isinstance(data.get("answers"), dict), f"{path.name}: no answers"
    return data


def target_of(data: dict[str, Any]):
    from bindguard.engine.client import EngineTarget

    spec = data.get("target") or {}
    url = spec.get("url", "unix:///var/run/docker.sock")
    return EngineTarget(name=url, url=url, tls_verify=bool(spec.get("tls_verify")),
                        cert_path=spec.get("cert_path"), skip_tls_verify=bool(spec.get("skip_tls_verify")))


@contextmanager
def replaying(data: dict[str, Any], fixture_dir: Path):
    """Every engine module's ``connect`` and ``local_host_facts`` answer from the fixture."""
    from bindguard.engine import client, daemon

    def connect(target, timeout=5.0):
        return client.CountingClient(RecordedAPI(data["answers"], fixture_dir))

    host = data.get("host")
    facts = (None, None) if host is None else (
        tuple(host["daemon_env"]) if host.get("daemon_env") is not None else None, host.get("firewalld"))

    def local_host_facts(url, proc="/proc"):
        return facts

    swapped = []
    pairs = (("connect", connect, client.connect),
             ("local_host_facts", local_host_facts, daemon.local_host_facts))  # the real ones, before any swap
    for name, module in list(sys.modules.items()):
        if not name.startswith("bindguard.engine") or module is None:
            continue
        for attr, fake, real in pairs:
            if getattr(module, attr, None) is real:
                swapped.append((module, attr, real))
                setattr(module, attr, fake)
    try:
        yield
    finally:
        for module, attr, real in swapped:
            setattr(module, attr, real)


def replay(path: Path) -> dict[str, Any]:
    """The fixture run as ``audit`` (or ``audit PATHS``) runs it: findings and the engine line."""
    import bindguard.engine.audit  # noqa: F401  (loaded before the swap, so it is swapped)
    import bindguard.engine.confirm  # noqa: F401
    from bindguard.engine.audit import AuditSettings, audit
    from bindguard.engine.confirm import ConfirmSettings, confirm
    from bindguard.lint import LintSettings

    data = load(path)
    target = target_of(data)
    with replaying(data, path.parent):
        if data.get("confirm"):
            paths = tuple(str(path.parent / p) for p in data["confirm"]["paths"])
            outcome = confirm([target], ConfirmSettings(paths=paths, lint=LintSettings(jobs=1)))
            report, engines = outcome.report, list(outcome.report.engines)
        else:
            report, results = audit(AuditSettings(targets=(target,), include_stopped=bool(data.get("all")),
                                                  environ={}))
            engines = [r.summary() for r in results]
    rows = []
    for f in report.findings:
        rows.append({
            "code": f.code,
            "severity": f.severity.name.lower(),
            "where": str(f.location).replace(str(path.parent), "${FIXTURE_DIR}"),
            "service": f.service,
            "also": list(f.also),
            "message": f.message.replace(str(path.parent), "${FIXTURE_DIR}"),
            "fix": f.fix.replace(str(path.parent), "${FIXTURE_DIR}") if f.fix else f.fix,
        })
    rows.sort(key=lambda r: (r["code"], r["where"], r["message"]))
    return {
        "engine": [e.get("engine") for e in engines],
        "errors": [e.get("error") for e in engines if e.get("error")],
        "notes": [n for e in engines for n in e.get("notes") or ()],
        "published_ports": report.published_ports,
        "exposed": report.exposed,
        "findings": rows,
    }
