"""Every benchmark runs on tiny inputs, so the scripts in benchmarks/ cannot rot unnoticed.

These are smoke tests: each script must finish, exit as documented and print its figures. No
figure is asserted (tests never assert on time); the numbers themselves come from full runs
recorded in benchmarks/RESULTS.md.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from enginebed import engine_mark

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"


def _run(*args: str, timeout: float = 600, **env: str) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "NO_COLOR": "1", **env}
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env=full_env, stdin=subprocess.DEVNULL)


def test_gen_corpus_is_deterministic_and_verifies(tmp_path):
    first = _run(str(BENCH / "gen_corpus.py"), str(tmp_path / "a"), "--files", "25", "--seed", "7",
                 "--verify", "--json")
    assert first.returncode == 0, first.stderr
    summary, end = json.JSONDecoder().raw_decode(first.stdout)
    assert summary["files"] == 25, summary
    assert "verify:" in first.stdout[end:] and first.stdout.rstrip().endswith("OK"), first.stdout[end:]
    second = _run(str(BENCH / "gen_corpus.py"), str(tmp_path / "b"), "--files", "25", "--seed", "7")
    assert second.returncode == 0, second.stderr
    a = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a").rglob("*") if p.is_file()}
    b = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b").rglob("*") if p.is_file()}
    assert a.keys() == b.keys()
    differing = [str(k) for k in a if a[k] != b[k] and k.name != "corpus-summary.json"]
    assert differing == [], differing


def test_gen_corpus_large_file(tmp_path):
    result = _run(str(BENCH / "gen_corpus.py"), str(tmp_path), "--large", "6", "--verify")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "large-6.compose.yaml").is_file()


def test_run_py_tiny(tmp_path):
    out = tmp_path / "run.json"
    result = _run(str(BENCH / "run.py"), "--files", "30", "--repeat", "1", "--one-file-repeat", "1",
                  "--large-base", "4", "--no-dclint", "--no-audit", "--json", str(out))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    data = json.loads(out.read_text())
    assert data, "run.py wrote no results"


def test_corpus_stats_on_examples():
    result = _run(str(BENCH / "corpus_stats.py"), str(ROOT / "compose-examples"))
    assert result.returncode == 0, result.stderr
    assert "BG001" in result.stdout


@engine_mark
def test_audit_bench_tiny(engine, tmp_path):
    result = _run(str(BENCH / "audit_bench.py"), "--containers", "3", "--stopped", "1", "--repeat", "1",
                  "--host", engine, "--min-available-mb", "64", "--json", str(tmp_path / "audit.json"),
                  timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert json.loads((tmp_path / "audit.json").read_text())


def test_testloop_bench_tiny():
    result = _run(str(BENCH / "testloop_bench.py"), "--no-engine", "--", "-q", "tests/test_rule_docs.py")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = dict(line.split(":", 1) for line in result.stdout.splitlines() if ":" in line)
    assert lines["command"].strip().startswith("python -m pytest -q tests/test_rule_docs.py")
    assert float(lines["CPU"].split()[0]) > 0 and float(lines["wall"].split()[0]) > 0
    assert "passed" in lines["pytest"]
