"""The measuring steps after setup: one untimed pass of every method through the counting proxy, the timed
rounds (interleaved, order rotated), and the result rows built from both."""

from __future__ import annotations

import subprocess
import tempfile

from auditbench.methods import Method, Sample
from auditbench.proxy import CountingProxy, shape_summary
from auditbench.settings import BenchError


def counting_pass(ms: list[Method], host: str, no_count: bool) -> dict[str, dict[str, int]]:
    """Requests per method as the engine received them (method key -> request shape -> count)."""
    counted: dict[str, dict[str, int]] = {}
    if not no_count and host.startswith("unix://"):
        print("\ncounting pass (untimed, through a request-counting proxy) ...", flush=True)
        with tempfile.TemporaryDirectory(prefix="bindguard-bench-proxy-") as tmp:
            proxy = CountingProxy(host[len("unix://"):], tmp)
            try:
                for m in ms:
                    if m.remote:
                        continue  # its requests reach the engine through sshd, not the proxy
                    try:
                        s = m.fn(proxy.url)
                        c = proxy.take()
                        counted[m.key] = dict(sorted(c.items()))
                        total = sum(c.values())
                        check = "" if s.api_calls in (None, total) else f"  ! self-reported {s.api_calls}"
                        print(f"    {m.key:<13} {total:>5} requests  {shape_summary(c)}{check}")
                    except BenchError as exc:
                        proxy.take()
                        print(f"    {m.key:<13} failed: {exc}")
            finally:
                proxy.close()
    elif not no_count:
        print(f"\n(no counting pass: {host} is not a unix socket; API calls are the methods' own counts)")
    return counted


def timed_rounds(ms: list[Method], repeat: int, host: str
                 ) -> tuple[dict[str, Sample | None], dict[str, list[float]], dict[str, str]]:
    """(best sample, every time, first error) per method key; a method that fails once is not run again."""
    best: dict[str, Sample | None] = {m.key: None for m in ms}
    all_s: dict[str, list[float]] = {m.key: [] for m in ms}
    failed: dict[str, str] = {}
    print(f"\ntimed rounds: best of {repeat}, methods interleaved, order rotated each round ...", flush=True)
    for rnd in range(repeat):
        # Rotate the order so that no method always runs in the same slot (e.g. first child process after
        # the in-process calls, which was measurably slower).
        shift = rnd * len(ms) // repeat
        order = ms[shift:] + ms[:shift]
        for m in order:
            if m.key in failed:
                continue
            try:
                s = m.fn(host)
            except (BenchError, subprocess.TimeoutExpired) as exc:
                failed[m.key] = str(exc)
                continue
            all_s[m.key].append(s.seconds)
            if best[m.key] is None or s.seconds < best[m.key].seconds:
                best[m.key] = s
        print(f"    round {rnd + 1}/{repeat}: " + ", ".join(
            f"{m.key} {all_s[m.key][-1]:.3f}s" for m in order if len(all_s[m.key]) == rnd + 1), flush=True)
    return best, all_s, failed


def build_rows(ms: list[Method], best: dict[str, Sample | None], all_s: dict[str, list[float]],
               counted: dict[str, dict[str, int]], failed: dict[str, str], failures: list[str]) -> list[dict]:
    """One results row per method; a method with no sample gets an error row and a line in ``failures``."""
    rows: list[dict] = []
    for m in ms:
        s = best[m.key]
        if s is None:
            rows.append({"key": m.key, "label": m.label, "seconds": None, "error": failed.get(m.key)})
            failures.append(f"{m.key}: {failed.get(m.key)}")
            continue
        measured = sum(counted[m.key].values()) if m.key in counted else None
        rows.append({
            "key": m.key, "label": m.label, "containers": s.containers, "processes": s.processes,
            "api_calls": measured if measured is not None else s.api_calls,
            "api_calls_self_reported": s.api_calls, "api_calls_measured": measured,
            "requests": counted.get(m.key), "seconds": s.seconds, "all_seconds": all_s[m.key], **s.extra,
        })
    return rows
