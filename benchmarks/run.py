#!/usr/bin/env python3
"""bindguard benchmark runner.

    python benchmarks/run.py                 # 10,000 generated files, best of 3
    python benchmarks/run.py --quick         # 500 files, 1 repetition (smoke test)
    python benchmarks/run.py --baseline-only # libyaml-only numbers, no bindguard needed

Every number is the wall time of a whole child process (interpreter start-up,
imports, file discovery, reading, parsing, output), best of ``--repeat`` runs,
with bindguard and its baseline interleaved so that drift hits both alike:

  (b) throughput: ``python -m bindguard lint --format json <corpus>`` versus a
      Python process that only discovers the same files, reads each one and
      calls ``yaml.compose(text, Loader=yaml.CSafeLoader)``; over the generated
      corpus and over the real-world corpus in shared/corpus/real;
  (b2) the real corpus as a folder (``lint FOLDER``: files found by name and by the
      sniff) and the same files named one by one, against the libyaml loop over them;
  (c) one-file latency: ``bindguard lint <small file>`` versus
      ``python -c "import yaml"`` (and ``python -c pass`` as the floor), best of 10,
      and the same lint with and without the fast path (``entry.lint_params``);
  (d) large-file scaling: one file of 1x, 2x, 4x, 8x ``--large-base`` services,
      5 port entries each;
  (e) dclint 3.1.0 (npm) on the real corpus, when npx can fetch it in time;
  (f) benchmarks/audit_bench.py, when it exists.

bindguard is run from this checkout (``src/`` is put first on PYTHONPATH). If
its CLI cannot lint a tiny file and print the JSON report, the run stops with a
message instead of printing numbers. Results also go to
benchmarks/out/last-run.json (``--json`` to change).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
sys.path.insert(0, str(BENCH))

import gen_corpus  # noqa: E402  (benchmarks/gen_corpus.py, stdlib only)

DCLINT_SPEC = "dclint@3.1.0"
SMALL_COMPOSE = """services:
  web:
    image: nginx:1.25-alpine
    ports:
      - "8080:80"
  db:
    image: postgres:16-alpine
    environment:
      POSTGRES_PASSWORD: example
    ports:
      - "127.0.0.1:5432:5432"
"""

# The libyaml-only baseline: same discovery patterns as bindguard's directory walk, read, compose, nothing else.
BASELINE_SCRIPT = r"""
import fnmatch, os, sys, yaml
PATTERNS = ("compose*.y*ml", "docker-compose*.y*ml", "*.compose.y*ml", "*-compose.y*ml")
def files(paths):
    for p in paths:
        if os.path.isdir(p):
            for d, dirs, names in os.walk(p):
                dirs.sort()
                for n in sorted(names):
                    if any(fnmatch.fnmatchcase(n, pat) for pat in PATTERNS):
                        yield os.path.join(d, n)
        else:
            yield p
loader = yaml.CSafeLoader
n = errors = 0
for path in files(sys.argv[1:]):
    with open(path, encoding="utf-8", errors="replace") as fh:
        text = fh.read()
    try:
        yaml.compose(text, Loader=loader)
    except yaml.YAMLError:
        errors += 1
    n += 1
print(n, errors)
"""


class BenchError(Exception):
    """A benchmark step could not produce an honest number."""


@dataclass
class Run:
    seconds: float
    proc: subprocess.CompletedProcess


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    # An installed bindguard runs from bytecode (pip compiles it); with this set and no bytecode
    # cached in src/ yet, every run would compile bindguard again (40 ms of a one-file lint).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    src = str(REPO / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("NO_COLOR", "1")
    env.setdefault("PYTHONIOENCODING", "utf-8")
    return env


def run_timed(cmd: list[str], env: dict[str, str], timeout: float, stdin_devnull: bool = True) -> Run:
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True,
                              stdin=subprocess.DEVNULL if stdin_devnull else None, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"timed out after {timeout:.0f} s: {short_cmd(cmd)}") from exc
    return Run(time.perf_counter() - t0, proc)


def short_cmd(cmd: list[str], limit: int = 8) -> str:
    shown = [("python" if c == sys.executable else c) for c in cmd[:limit]]
    if len(cmd) > limit:
        shown.append(f"... (+{len(cmd) - limit} args)")
    return " ".join(shown)


def tail(text: str | bytes, n: int = 8) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    lines = text.strip().splitlines()
    return "\n".join("    " + ln for ln in lines[-n:])


# ---------------------------------------------------------------------------
# bindguard
# ---------------------------------------------------------------------------


def bindguard_cmd(paths: list[str], fmt: str | None = "json") -> list[str]:
    cmd = [sys.executable, "-m", "bindguard", "lint"]
    if fmt:
        cmd += ["--format", fmt]
    return cmd + paths


def check_bindguard_run(r: Run, what: str) -> dict:
    """bindguard's contract: exit 0 clean / 1 findings / 2 error; stdout {"findings": [...], "summary": {...}}."""
    rc = r.proc.returncode
    if b"Traceback (most recent call last)" in r.proc.stderr:
        raise BenchError(f"bindguard crashed on {what} (exit {rc}, Python traceback):\n{tail(r.proc.stderr)}")
    if rc not in (0, 1):
        raise BenchError(f"bindguard exited {rc} on {what}\n{tail(r.proc.stderr)}")
    try:
        report = json.loads(r.proc.stdout)
    except ValueError as exc:
        raise BenchError(f"bindguard's --format json output on {what} is not JSON ({exc}); first bytes: "
                         f"{r.proc.stdout[:200]!r}") from exc
    if (not isinstance(report, dict) or not isinstance(report.get("findings"), list)
            or not isinstance(report.get("summary"), dict)):
        raise BenchError(f"bindguard's JSON on {what} lacks the findings list / summary object: {str(report)[:200]}")
    return report


def preflight_bindguard(env: dict[str, str], tmp: Path, timeout: float) -> tuple[str, float]:
    """Make sure ``python -m bindguard lint --format json`` works before timing anything."""
    small = tmp / "small" / "compose.yaml"
    small.parent.mkdir(parents=True, exist_ok=True)
    small.write_text(SMALL_COMPOSE, encoding="utf-8")
    r = run_timed(bindguard_cmd([str(small)]), env, timeout)
    try:
        report = check_bindguard_run(r, str(small))
    except BenchError as exc:
        err = r.proc.stderr.decode("utf-8", "replace")
        hint = ""
        if "No module named 'bindguard.cli'" in err or "No module named bindguard" in err:
            hint = "\n  The bindguard CLI (src/bindguard/cli.py) does not exist yet in this checkout."
        elif "No module named" in err:
            hint = "\n  A dependency is missing: pip install -e '.[test]' (or the package named above)."
        raise BenchError(
            f"bindguard is not usable, so there is nothing honest to time.\n  command: {short_cmd(bindguard_cmd([str(small)]))}"
            f"\n  {exc}{hint}\n  (Use --baseline-only to time only the libyaml baseline.)") from exc
    n = len(report["findings"])
    return f"ok ({n} finding{'s' if n != 1 else ''} on the 2-service probe file)", r.seconds


def reported_file_count(report: dict) -> int | None:
    s = report.get("summary", {})
    for key in ("sources", "files", "files_scanned", "files_checked", "files_linted", "n_files"):
        if isinstance(s.get(key), int):
            return s[key]
    return None


# ---------------------------------------------------------------------------
# corpus
# ---------------------------------------------------------------------------


def find_real_corpus(arg: str | None) -> Path | None:
    cands = [Path(arg)] if arg else [REPO.parent / "shared" / "corpus" / "real", Path("/work/shared/corpus/real")]
    for c in cands:
        if c.is_dir():
            return c
    return None


def real_files(root: Path) -> list[str]:
    """Every YAML file of the real corpus. Their names are flattened (``repo__dir__compose.yaml``), so most
    would not match the discovery patterns: they are passed explicitly, to both tools."""
    return sorted(str(p) for p in root.rglob("*") if p.is_file() and p.suffix in (".yml", ".yaml"))


def count_entries(paths: list[str]) -> tuple[int, int, int]:
    """(port entries, bytes, files that did not load) by a CSafeLoader walk (aliases and merge keys resolved)."""
    entries = size = bad = 0
    for p in paths:
        raw = Path(p).read_bytes()
        size += len(raw)
        try:
            entries += gen_corpus.count_with_yaml(raw.decode("utf-8", "replace"))[1]
        except Exception:  # noqa: BLE001 - a broken file counts 0 entries
            bad += 1
    return entries, size, bad


def get_corpus(n_files: int, seed: int, keep: bool, tmp: Path) -> tuple[Path, dict, str]:
    saved = OUT / f"corpus-{n_files}-{seed}"
    summ_path = saved / gen_corpus.SUMMARY_NAME
    if summ_path.exists():
        summ = json.loads(summ_path.read_text(encoding="utf-8"))
        if summ.get("generator_version") == gen_corpus.GEN_VERSION and summ.get("files") == n_files and summ.get("seed") == seed:
            return saved, summ, f"reused {rel(saved)}"
        print(f"note: {rel(saved)} was made by another generator version; generating a fresh corpus", file=sys.stderr)
    target = saved if keep and not saved.exists() else tmp / f"corpus-{n_files}-{seed}"
    target.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    summ = gen_corpus.generate_corpus(str(target), n_files, seed)
    return target, summ, f"generated in {time.perf_counter() - t0:.2f} s into {rel(target)}"


def rel(p: Path) -> str:
    try:
        return str(p.relative_to(REPO))
    except ValueError:
        return str(p)


# ---------------------------------------------------------------------------
# timing blocks
# ---------------------------------------------------------------------------


def side_by_side(label: str, paths: list[str], n_files: int, env: dict[str, str], repeat: int, timeout: float,
                 with_bindguard: bool, concise: bool = False) -> dict:
    """Best-of-``repeat`` for bindguard and the libyaml baseline, interleaved.

    ``concise``: also time the default output (concise lines, no ``--format``), which does not
    decide the ``fix:`` hints that JSON carries (``LintSettings.hints``).
    """
    base_cmd = [sys.executable, "-c", BASELINE_SCRIPT] + paths
    best_bg = best_base = best_concise = float("inf")
    seen = None
    note = ""
    for _ in range(repeat):
        if with_bindguard:
            r = run_timed(bindguard_cmd(paths), env, timeout)
            report = check_bindguard_run(r, label)
            best_bg = min(best_bg, r.seconds)
            k = reported_file_count(report)
            if k is not None and k != n_files:
                note = f"bindguard's summary says {k} files, the baseline's discovery found {n_files}"
            if concise:
                r = run_timed(bindguard_cmd(paths, fmt=None), env, timeout)
                if r.proc.returncode not in (0, 1) or b"Traceback (most recent call last)" in r.proc.stderr:
                    raise BenchError(f"bindguard (concise) failed on {label} (exit {r.proc.returncode})\n"
                                     f"{tail(r.proc.stderr)}")
                best_concise = min(best_concise, r.seconds)
        r = run_timed(base_cmd, env, timeout)
        if r.proc.returncode != 0:
            raise BenchError(f"libyaml baseline failed on {label} (exit {r.proc.returncode})\n{tail(r.proc.stderr)}")
        best_base = min(best_base, r.seconds)
        seen = r.proc.stdout.decode().split()
    base_files, base_errors = int(seen[0]), int(seen[1])
    if base_files != n_files:
        raise BenchError(f"baseline saw {base_files} files on {label}, expected {n_files}")
    return {
        "bindguard_s": best_bg if with_bindguard else None,
        "bindguard_concise_s": best_concise if with_bindguard and concise else None,
        "libyaml_s": best_base,
        "baseline_yaml_errors": base_errors,
        "note": note,
    }


# ``bindguard`` with and without the fast path (``entry.lint_params``), both from ``-c`` so that only that differs.
# Without it, ``bindguard lint`` is what entry.main does for any command line the fast parser declines: the
# collector tuned, the typer app, the heap frozen at exit.
FAST_PATH = "import sys; sys.argv = ['bindguard', *sys.argv[1:]]; from bindguard.entry import main; main()"
TYPER_PATH = ("import gc, sys; gc.set_threshold(200_000, 30, 30); sys.argv = ['bindguard', *sys.argv[1:]]\n"
              "try:\n    from bindguard.cli import run; run()\nfinally:\n    gc.freeze()")


def one_file(env: dict[str, str], tmp: Path, repeat: int, timeout: float, with_bindguard: bool) -> dict:
    small = str(tmp / "small" / "compose.yaml")
    Path(small).parent.mkdir(parents=True, exist_ok=True)
    Path(small).write_text(SMALL_COMPOSE, encoding="utf-8")
    cmds = {"import_yaml": [sys.executable, "-c", "import yaml"], "python_pass": [sys.executable, "-c", "pass"]}
    if with_bindguard:
        cmds = {
            "bindguard": bindguard_cmd([small], fmt=None),
            "fast_path": [sys.executable, "-c", FAST_PATH, "lint", small],
            "typer_path": [sys.executable, "-c", TYPER_PATH, "lint", small],
            **cmds,
        }
    best = {k: float("inf") for k in cmds}
    for _ in range(repeat):
        for k, cmd in cmds.items():
            r = run_timed(cmd, env, timeout)
            if k in ("bindguard", "fast_path", "typer_path") and r.proc.returncode not in (0, 1):
                raise BenchError(f"bindguard lint {small} ({k}) exited {r.proc.returncode}\n{tail(r.proc.stderr)}")
            best[k] = min(best[k], r.seconds)
    return best


def discovered(folder: str, env: dict[str, str], timeout: float) -> list[str]:
    """The files ``bindguard lint FOLDER`` lints (names and sniffed YAML), by bindguard's own discovery."""
    code = ("import sys; from bindguard.compose.discover import discover; "
            "sys.stdout.write(chr(10).join(discover([sys.argv[1]])[0]))")
    r = run_timed([sys.executable, "-c", code, folder], env, timeout)
    if r.proc.returncode != 0:
        raise BenchError(f"discovery of {folder} failed\n{tail(r.proc.stderr)}")
    return r.proc.stdout.decode().split("\n")


def folder_and_named(folder: str, env: dict[str, str], repeat: int, timeout: float) -> dict:
    """``lint FOLDER`` and ``lint`` of the same files named one by one, against the libyaml loop over them.

    All five commands run in turn in every repetition (so load on the machine hits them alike); each
    time is the best and the median of ``repeat``, each ratio is against the libyaml loop's.
    """
    files = discovered(folder, env, timeout)
    cmds = {
        "libyaml": [sys.executable, "-c", BASELINE_SCRIPT, *files],
        "folder_json": bindguard_cmd([folder]),
        "named_json": bindguard_cmd(files),
        "folder_concise": bindguard_cmd([folder], fmt=None),
        "named_concise": bindguard_cmd(files, fmt=None),
    }
    import resource

    times: dict[str, list[float]] = {k: [] for k in cmds}
    cpu: dict[str, list[float]] = {k: [] for k in cmds}
    for _ in range(repeat):
        for k, cmd in cmds.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            r = run_timed(cmd, env, timeout)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if r.proc.returncode not in (0, 1) or b"Traceback (most recent call last)" in r.proc.stderr:
                raise BenchError(f"{k} failed on {folder} (exit {r.proc.returncode})\n{tail(r.proc.stderr)}")
            times[k].append(r.seconds)
            # CPU seconds of the process and its workers: what a loaded machine disturbs least
            cpu[k].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    out: dict = {"files": len(files)}
    for k, runs in times.items():
        runs.sort()
        cpu[k].sort()
        out[k] = {"best_s": runs[0], "median_s": runs[len(runs) // 2], "cpu_median_s": cpu[k][len(runs) // 2]}
    for k in cmds:
        out[k]["ratio_best"] = out[k]["best_s"] / out["libyaml"]["best_s"]
        out[k]["ratio_median"] = out[k]["median_s"] / out["libyaml"]["median_s"]
        out[k]["cpu_ratio"] = out[k]["cpu_median_s"] / out["libyaml"]["cpu_median_s"]
    return out


def large_scaling(env: dict[str, str], tmp: Path, base: int, seed: int, repeat: int, timeout: float,
                  with_bindguard: bool) -> list[dict]:
    rows = []
    d = tmp / "large"
    for mult in (1, 2, 4, 8):
        n = base * mult
        s = gen_corpus.generate_large(str(d), n, seed)
        res = side_by_side(f"large-{n}", [s["path"]], 1, env, repeat, timeout, with_bindguard)
        rows.append({"multiple": mult, "services": n, "entries": s["port_entries"], "bytes": s["bytes"], **res})
    return rows


def dclint_setup(timeout: float) -> tuple[list[str] | None, str]:
    """Return (command prefix, description) or (None, reason for skipping)."""
    if not shutil.which("npx"):
        return None, "npx is not on PATH"
    info = ""
    if shutil.which("npm"):
        try:
            v = subprocess.run(["npm", "view", "dclint", "version"], capture_output=True, text=True, timeout=min(timeout, 60),
                               stdin=subprocess.DEVNULL)
            if v.returncode == 0 and v.stdout.strip():
                info = f"npm's latest dclint is {v.stdout.strip()}; "
        except subprocess.TimeoutExpired:
            info = "npm view dclint timed out; "
    try:
        r = subprocess.run(["npx", "--yes", DCLINT_SPEC, "--version"], capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None, f"{info}`npx --yes {DCLINT_SPEC} --version` did not finish within {timeout:.0f} s"
    if r.returncode != 0 or not r.stdout.strip():
        return None, f"{info}`npx --yes {DCLINT_SPEC} --version` failed (exit {r.returncode}): {r.stderr.strip()[-200:]}"
    version = r.stdout.strip().splitlines()[-1]
    # Time the installed script itself, not npx's package resolution on every call.
    prefix = ["npx", "--yes", DCLINT_SPEC]
    try:
        w = subprocess.run(["npm", "exec", "--yes", f"--package={DCLINT_SPEC}", "-c", "command -v dclint"],
                           capture_output=True, text=True, timeout=min(timeout, 120), stdin=subprocess.DEVNULL)
        path = w.stdout.strip().splitlines()[-1] if w.returncode == 0 and w.stdout.strip() else ""
        if path and os.access(path, os.X_OK):
            prefix = [path]
    except (subprocess.TimeoutExpired, FileNotFoundError):
        pass
    how = "its installed bin script" if len(prefix) == 1 else "npx (could not locate the installed script)"
    return prefix, f"{info}dclint {version}, timed through {how}"


def time_dclint(prefix: list[str], files: list[str], repeat: int, timeout: float, tmp: Path) -> tuple[float, int]:
    """Best wall time of dclint's JSON report over ``files`` and the number of files it reported on.

    The report goes to a file (``-o``): node exits before a large report piped to stdout is flushed, which
    truncates it."""
    best = float("inf")
    env = dict(os.environ)
    report = tmp / "dclint.json"
    n = 0
    for _ in range(repeat):
        report.unlink(missing_ok=True)
        r = run_timed(prefix + ["-f", "json", "--color", "false", "-o", str(report)] + files, env, timeout)
        if r.proc.returncode not in (0, 1):
            raise BenchError(f"dclint exited {r.proc.returncode}\n{tail(r.proc.stderr)}")
        try:
            data = json.loads(report.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise BenchError(f"dclint's JSON report did not parse: {exc}") from exc
        n = len(data) if isinstance(data, list) else 0
        best = min(best, r.seconds)
    return best, n


def run_audit_bench(env: dict[str, str], quick: bool, repeat: int) -> int | None:
    script = BENCH / "audit_bench.py"
    if not script.exists():
        print(f"\n(f) audit benchmark: {rel(script)} does not exist, skipped")
        return None
    print(f"\n(f) audit benchmark: running {rel(script)}", flush=True)
    aenv = dict(env, BINDGUARD_BENCH_QUICK="1" if quick else "0", BINDGUARD_BENCH_REPEAT=str(repeat))
    rc = subprocess.run([sys.executable, str(script)], env=aenv, stdin=subprocess.DEVNULL).returncode
    print(f"    {rel(script)} exited {rc}")
    return rc


# ---------------------------------------------------------------------------
# printing
# ---------------------------------------------------------------------------


def fmt_s(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def machine_info(env: dict[str, str]) -> dict:
    import yaml

    info = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "pyyaml": yaml.__version__,
        "libyaml": bool(getattr(yaml, "__with_libyaml__", False)),
    }
    try:
        def git(*args: str) -> str:
            return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True).stdout.strip()

        head = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--", "src")
        info["commit"] = (head or "?") + ("+dirty-src" if dirty else "")
    except OSError:
        info["commit"] = "?"
    v = subprocess.run([sys.executable, "-c", "import bindguard; print(bindguard.__version__)"], env=env,
                       capture_output=True, text=True)
    info["bindguard"] = v.stdout.strip() if v.returncode == 0 else "not importable"
    return info


def print_table(rows: list[dict], show_dclint: bool) -> None:
    head = (f"{'corpus':<22} {'files':>7} {'entries':>8} {'MB':>6} {'bindguard s':>11} {'libyaml s':>10} "
            f"{'ratio':>6} {'bg files/s':>10} {'concise s':>9} {'ratio':>6}")
    if show_dclint:
        head += f" {'dclint s':>9}"
    print(head)
    print("-" * len(head))
    for r in rows:
        bg, base = r["bindguard_s"], r["libyaml_s"]
        ratio = f"{bg / base:.2f}" if bg and base else "-"
        fps = f"{r['files'] / bg:,.0f}" if bg else "-"
        concise = r.get("bindguard_concise_s")
        concise_ratio = f"{concise / base:.2f}" if concise and base else "-"
        line = (f"{r['corpus']:<22} {r['files']:>7,} {r['entries']:>8,} {r['bytes'] / 1e6:>6.2f} {fmt_s(bg):>11} "
                f"{fmt_s(base):>10} {ratio:>6} {fps:>10} {fmt_s(concise):>9} {concise_ratio:>6}")
        if show_dclint:
            line += f" {fmt_s(r.get('dclint_s')):>9}"
        print(line)
        if r.get("note"):
            print(f"  ! {r['note']}")


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Time bindguard against a libyaml-only baseline (see benchmarks/README.md).")
    ap.add_argument("--files", type=int, default=10000, help="generated corpus size (default 10000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="best of N for throughput and scaling (default 3)")
    ap.add_argument("--one-file-repeat", type=int, default=10, help="best of N for the one-file latency (default 10)")
    ap.add_argument("--quick", action="store_true", help="smoke test: --files 500 --repeat 1")
    ap.add_argument("--large-base", type=int, default=250, help="services in the 1x large file (default 250)")
    ap.add_argument("--real", metavar="DIR", help="real-world corpus (default: shared/corpus/real beside the repo)")
    ap.add_argument("--keep-corpus", action="store_true", help="generate into benchmarks/out/corpus-<files>-<seed> for reuse")
    ap.add_argument("--baseline-only", action="store_true", help="time only the libyaml baseline (no bindguard needed)")
    ap.add_argument("--no-real", action="store_true")
    ap.add_argument("--no-large", action="store_true")
    ap.add_argument("--no-dclint", action="store_true")
    ap.add_argument("--no-audit", action="store_true")
    ap.add_argument("--timeout", type=float, default=900, help="per-process limit in seconds (default 900)")
    ap.add_argument("--dclint-timeout", type=float, default=180, help="limit for fetching dclint with npx (default 180)")
    ap.add_argument("--json", metavar="PATH", default=str(OUT / "last-run.json"), help="where to write the results")
    args = ap.parse_args(argv)
    if args.quick:
        args.files, args.repeat = 500, 1
    if args.files < 1 or args.repeat < 1 or args.one_file_repeat < 1 or args.large_base < 1:
        ap.error("--files, --repeat, --one-file-repeat and --large-base must be >= 1")

    env = child_env()
    with_bg = not args.baseline_only
    results: dict = {"args": vars(args), "machine": machine_info(env)}
    failures: list[str] = []
    m = results["machine"]
    print(f"machine: {m['platform']}, {m['cpus']} CPUs, Python {m['python']}, PyYAML {m['pyyaml']} "
          f"(libyaml {'yes' if m['libyaml'] else 'NO'}), repo {m['commit']}, bindguard {m['bindguard']}")
    if not m["libyaml"]:
        print("error: PyYAML was built without libyaml (yaml.CSafeLoader is missing); the baseline needs it", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="bindguard-bench-") as tmpname:
        tmp = Path(tmpname)
        if with_bg:
            try:
                status, _ = preflight_bindguard(env, tmp, min(args.timeout, 120))
            except BenchError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
            print(f"bindguard preflight: {status}")
        else:
            print("bindguard: not timed (--baseline-only)")

        # (a) corpus
        corpus, summ, how = get_corpus(args.files, args.seed, args.keep_corpus, tmp)
        print(f"\n(a) generated corpus: {summ['files']:,} files, {summ['services']:,} services, {summ['port_entries']:,} port "
              f"entries, {summ['bytes']:,} bytes (seed {args.seed}; {how})")
        results["corpus"] = {k: summ[k] for k in ("files", "services", "port_entries", "bytes", "seed")}
        results["corpus"] |= {"path": str(corpus), "how": how}

        # (b) throughput
        rows = []
        print(f"\n(b) throughput, whole processes, best of {args.repeat} (bindguard and baseline interleaved) ...", flush=True)
        try:
            res = side_by_side("generated corpus", [str(corpus)], summ["files"], env, args.repeat, args.timeout, with_bg,
                               concise=True)
            rows.append({"corpus": f"generated-{summ['files']}", "files": summ["files"], "entries": summ["port_entries"],
                         "bytes": summ["bytes"], **res})
        except BenchError as exc:
            failures.append(f"generated corpus: {exc}")
        real = None if args.no_real else find_real_corpus(args.real)
        real_list: list[str] = []
        if real is None and not args.no_real:
            print(f"    real corpus not found ({args.real or 'shared/corpus/real'}), row skipped")
        elif real is not None:
            real_list = real_files(real)
            entries, size, bad = count_entries(real_list)
            try:
                res = side_by_side("real corpus", real_list, len(real_list), env, args.repeat, args.timeout, with_bg,
                                   concise=True)
                row = {"corpus": "real (shared)", "files": len(real_list), "entries": entries, "bytes": size,
                       "unloadable": bad, **res}
                rows.append(row)
            except BenchError as exc:
                failures.append(f"real corpus: {exc}")

        # (b2) the real corpus as a folder (files found by name and by the sniff) and the same files named
        if real is not None and with_bg:
            print(f"\n(b2) real corpus as a folder and the same files named one by one, {args.repeat} repetitions "
                  "(all interleaved) ...", flush=True)
            try:
                fr = folder_and_named(str(real), env, args.repeat, args.timeout)
                print(f"    {fr['files']} files found in {rel(real)}; ratio to the libyaml loop over the same files")
                print(f"    {'command':<16} {'best s':>7} {'median s':>9} {'ratio best':>10} {'ratio median':>12} "
                      f"{'CPU s':>6} {'CPU ratio':>9}")
                for k in ("libyaml", "folder_json", "named_json", "folder_concise", "named_concise"):
                    v = fr[k]
                    print(f"    {k:<16} {v['best_s']:>7.3f} {v['median_s']:>9.3f} {v['ratio_best']:>10.2f} "
                          f"{v['ratio_median']:>12.2f} {v['cpu_median_s']:>6.3f} {v['cpu_ratio']:>9.2f}")
                results["folder_and_named"] = fr
            except BenchError as exc:
                failures.append(f"real corpus folder: {exc}")

        # (e) dclint on the real corpus
        dclint_note = ""
        if args.no_dclint:
            dclint_note = "skipped (--no-dclint)"
        elif not real_list:
            dclint_note = "skipped (no real corpus)"
        else:
            prefix, dclint_note = dclint_setup(args.dclint_timeout)
            if prefix is None:
                dclint_note = f"skipped: {dclint_note}"
            else:
                try:
                    t, n = time_dclint(prefix, real_list, args.repeat, args.timeout, tmp)
                    dclint_note += (f"; it reported on {n} of {len(real_list)} files "
                                    "(it lints more than ports: schema and style rules too)")
                    for r in rows:
                        if r["corpus"].startswith("real"):
                            r["dclint_s"] = t
                except BenchError as exc:
                    dclint_note = f"failed: {exc}"
                    failures.append(f"dclint: {exc}")
        show_dclint = any("dclint_s" in r for r in rows)
        print()
        print_table(rows, show_dclint)
        for r in rows:
            if r.get("unloadable"):
                print(f"  ({r['corpus']}: {r['unloadable']} files do not load as one YAML document; they count 0 entries, "
                      f"the baseline counted {r['baseline_yaml_errors']} compose errors)")
        print(f"  dclint column: {dclint_note}")
        results["throughput"] = rows
        results["dclint"] = dclint_note

        # (c) one file
        print(f"\n(c) one-file wall time, best of {args.one_file_repeat} ...", flush=True)
        try:
            one = one_file(env, tmp, args.one_file_repeat, args.timeout, with_bg)
            if with_bg:
                print(f"    bindguard lint <2-service file>  {one['bindguard'] * 1000:8.1f} ms")
            print(f"    python -c 'import yaml'          {one['import_yaml'] * 1000:8.1f} ms")
            print(f"    python -c pass                   {one['python_pass'] * 1000:8.1f} ms")
            if with_bg:
                print(f"    bindguard over 'import yaml'     {(one['bindguard'] - one['import_yaml']) * 1000:8.1f} ms")
                for k, what in (("fast_path", "with the fast path (-c)"), ("typer_path", "through typer (-c)")):
                    print(f"    {what:<32} {one[k] * 1000:8.1f} ms  {one[k] / one['import_yaml']:.2f}x 'import yaml'")
            results["one_file"] = one
        except BenchError as exc:
            failures.append(f"one file: {exc}")

        # (d) large-file scaling
        if not args.no_large:
            print(f"\n(d) large-file scaling (5 port entries per service), best of {args.repeat} ...", flush=True)
            try:
                lrows = large_scaling(env, tmp, args.large_base, args.seed, args.repeat, args.timeout, with_bg)
                print(f"    {'x':>2} {'services':>8} {'entries':>8} {'MB':>5} {'bindguard s':>11} {'us/entry':>9} "
                      f"{'marginal':>9} {'vs prev':>7} {'libyaml s':>9} {'us/entry':>9} {'marginal':>9}")
                prev = None
                for r in lrows:
                    bg, base = r["bindguard_s"], r["libyaml_s"]
                    per = f"{bg / r['entries'] * 1e6:.1f}" if bg else "-"
                    growth = marg = bmarg = "-"
                    if prev is not None:
                        de = r["entries"] - prev["entries"]
                        bmarg = f"{(base - prev['libyaml_s']) / de * 1e6:.1f}"
                        if bg and prev["bindguard_s"]:
                            growth = f"{bg / prev['bindguard_s']:.2f}x"
                            marg = f"{(bg - prev['bindguard_s']) / de * 1e6:.1f}"
                    r["bindguard_marginal_us_per_entry"] = None if marg == "-" else float(marg)
                    print(f"    {r['multiple']:>2} {r['services']:>8,} {r['entries']:>8,} {r['bytes'] / 1e6:>5.2f} "
                          f"{fmt_s(bg):>11} "
                          f"{per:>9} {marg:>9} {growth:>7} {base:>9.3f} {base / r['entries'] * 1e6:>9.1f} {bmarg:>9}")
                    prev = r
                print("    (whole-process times, start-up included, so us/entry falls as the file grows; 'marginal' is the extra"
                      "\n     time per extra entry against the row above: flat means linear, rising means superlinear;"
                      "\n     'vs prev' near 2.0x also means linear)")
                results["large"] = lrows
            except BenchError as exc:
                failures.append(f"large files: {exc}")

    # (f) audit benchmark hook
    if not args.no_audit:
        rc = run_audit_bench(env, args.quick, args.repeat)
        results["audit_bench_exit"] = rc
        if rc not in (None, 0):
            failures.append(f"audit_bench.py exited {rc}")

    results["failures"] = failures
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nresults: {rel(out)}")
    if failures:
        print("\nFAILED steps (no numbers printed for them):", file=sys.stderr)
        for f in failures:
            print(f"  - {f}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
