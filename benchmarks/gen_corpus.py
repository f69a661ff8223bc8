#!/usr/bin/env python3
"""Generate a seeded, deterministic, realistic corpus of Docker Compose files.

    python benchmarks/gen_corpus.py OUTDIR --files 10000 --seed 1
    python benchmarks/gen_corpus.py OUTDIR --large 2000 --seed 1
    python benchmarks/gen_corpus.py OUTDIR --files 200 --verify

Corpus mode writes ``--files`` compose files into project folders
(``OUTDIR/p00042/compose.yaml``, ``OUTDIR/p00042/deploy/docker-compose.prod.yml``,
...), plus a few non-compose files that discovery must skip (``.env``,
``README.md``, ``prometheus.yml``, ``Dockerfile``), plus two bookkeeping files at
the top: ``corpus-summary.json`` (the printed totals and the parameters) and
``corpus-manifest.tsv`` (path, services, port entries, bytes for each compose
file). Neither bookkeeping name matches the compose discovery patterns.

``--large N`` writes ONE file, ``OUTDIR/large-<N>.compose.yaml``, with N
services and exactly 5 port entries each, plus ``large-<N>.summary.json``.

Counting rules (what ``--verify`` re-checks with PyYAML's CSafeLoader):

* services: keys of the top-level ``services`` mapping, summed over files;
* port entries: for each service, the length of its effective ``ports`` list
  once aliases and ``<<`` merge keys are resolved (so an aliased list counts
  for every service that uses it, and ports inherited through a merge key
  count for each service that inherits them); ``network_mode: host`` services
  count like any other;
* bytes: file sizes on disk; "port bytes" are the bytes of the lines inside
  ``ports:`` blocks, including their comments (textual, not resolved).

Generation uses only the standard library and writes YAML text by hand, so
quoting, comments, anchors and indentation are chosen on purpose. Every
project draws from its own ``random.Random(f"{seed}-{index}")``, so a smaller
corpus is a prefix of a larger one with the same seed (up to the last,
possibly truncated project) and the output is byte-identical across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the corpusgen package beside this script

from corpusgen.corpus import SUMMARY_NAME, count_with_yaml, generate_corpus, generate_large, verify  # noqa: E402


def _fmt_summary(s: dict) -> str:
    pct = 100.0 * s["port_bytes"] / s["bytes"] if s["bytes"] else 0.0
    lines = [
        f"files:        {s['files']:,}" + (f" compose files in {s['projects']:,} projects (+{s['other_files']:,} other files,"
                                            f" {s['other_bytes']:,} bytes)" if s["mode"] == "corpus" else f"  ({s['path']})"),
        f"services:     {s['services']:,}",
        f"port entries: {s['port_entries']:,}",
        f"bytes:        {s['bytes']:,} (ports blocks {s['port_bytes']:,} = {pct:.1f}%)",
        f"generated in: {s['generation_seconds']:.2f} s (seed {s['seed']})",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir")
    ap.add_argument("--files", type=int, default=10000, help="number of compose files (default 10000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--large", type=int, metavar="N", help="write ONE file with N services x 5 port entries instead")
    ap.add_argument("--force", action="store_true", help="replace OUTDIR if it holds a corpus made by this script")
    ap.add_argument("--verify", action="store_true", help="after generating, re-parse every file with PyYAML and check counts")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = ap.parse_args(argv)

    if args.large is not None:
        if args.large < 1:
            ap.error("--large must be >= 1")
        s = generate_large(args.outdir, args.large, args.seed)
        print(json.dumps(s, indent=2) if args.json else _fmt_summary(s))
        if args.verify:
            import yaml

            with open(s["path"], encoding="utf-8") as f:
                text = f.read()
            yaml.compose(text, Loader=yaml.CSafeLoader)
            ns, ne = count_with_yaml(text)
            ok = (ns, ne) == (s["services"], s["port_entries"])
            print(f"verify: services={ns} entries={ne} {'OK' if ok else 'MISMATCH'}")
            return 0 if ok else 1
        return 0

    if args.files < 1:
        ap.error("--files must be >= 1")
    if os.path.exists(args.outdir) and os.listdir(args.outdir):
        if not args.force:
            print(f"error: {args.outdir} exists and is not empty (use --force to replace a corpus made by this script)",
                  file=sys.stderr)
            return 2
        if not os.path.exists(os.path.join(args.outdir, SUMMARY_NAME)):
            print(f"error: refusing to delete {args.outdir}: it has no {SUMMARY_NAME}, so it was not made by this script",
                  file=sys.stderr)
            return 2
        shutil.rmtree(args.outdir)
    os.makedirs(args.outdir, exist_ok=True)
    s = generate_corpus(args.outdir, args.files, args.seed)
    print(json.dumps(s, indent=2) if args.json else f"corpus: {args.outdir}\n" + _fmt_summary(s))
    if args.verify:
        return verify(args.outdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
