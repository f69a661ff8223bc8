"""Writing a whole corpus (or one large file) to disk with its summary and manifest, and checking
it back with PyYAML (``verify``)."""

from __future__ import annotations

import json
import os
import random
import re
import sys
import time
from collections import Counter

from corpusgen.archetypes import ARCH_WEIGHTS, ARCHES
from corpusgen.compose_file import image_for
from corpusgen.entries import long_entry, short_entry
from corpusgen.projects import PRIMARY_NAMES, SECOND_NAMES, gen_project
from corpusgen.yamltext import Doc, dq, sc

GEN_VERSION = 1
SUMMARY_NAME = "corpus-summary.json"
MANIFEST_NAME = "corpus-manifest.tsv"


def _write(path: str, text: str, crlf: bool = False, bom: bool = False) -> int:
    data = text.replace("\n", "\r\n") if crlf else text
    raw = data.encode("utf-8")
    if bom:
        raw = b"\xef\xbb\xbf" + raw
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(raw)
    return len(raw)


def generate_corpus(outdir: str, n_files: int, seed: int) -> dict:
    t0 = time.perf_counter()
    totals: Counter = Counter()
    forms: Counter = Counter()
    flags: Counter = Counter()
    names: Counter = Counter()
    svc_hist: Counter = Counter()
    manifest: list[str] = []
    pi = 0
    while totals["files"] < n_files:
        files, decoys = gen_project(seed, pi)
        pdir = os.path.join(outdir, f"p{pi:05d}")
        files = files[: n_files - totals["files"]]
        for rel, fr in files:
            path = os.path.join(pdir, rel)
            erng = random.Random(f"{seed}-{pi}-{rel}-enc")
            crlf = erng.random() < 0.01
            bom = erng.random() < 0.003
            size = _write(path, fr.text, crlf, bom)
            totals["files"] += 1
            totals["services"] += fr.services
            totals["port_entries"] += fr.entries
            totals["bytes"] += size
            totals["port_bytes"] += fr.port_chars + (fr.port_lines if crlf else 0)
            flags.update(fr.flags)
            flags["crlf_files"] += crlf
            flags["bom_files"] += bom
            forms.update(fr.forms)
            names[os.path.basename(rel)] += 1
            svc_hist[fr.services] += 1
            manifest.append(f"{os.path.relpath(path, outdir)}\t{fr.services}\t{fr.entries}\t{size}")
        for rel, text in decoys:
            totals["other_files"] += 1
            totals["other_bytes"] += _write(os.path.join(pdir, rel), text)
        pi += 1
    totals["projects"] = pi
    with open(os.path.join(outdir, MANIFEST_NAME), "w", encoding="utf-8") as f:
        f.write("path\tservices\tport_entries\tbytes\n" + "\n".join(manifest) + "\n")
    elapsed = time.perf_counter() - t0
    app_names = Counter()
    for n, c in names.items():
        key = n if n in {p for p, _ in PRIMARY_NAMES} | set(SECOND_NAMES) else re.sub(r"^[a-z]+(?=[.-]compose)", "{app}", n)
        app_names[key] += c
    summary = {
        "generator_version": GEN_VERSION,
        "mode": "corpus",
        "seed": seed,
        "files": totals["files"],
        "projects": totals["projects"],
        "services": totals["services"],
        "port_entries": totals["port_entries"],
        "bytes": totals["bytes"],
        "port_bytes": totals["port_bytes"],
        "other_files": totals["other_files"],
        "other_bytes": totals["other_bytes"],
        "generation_seconds": round(elapsed, 3),
        "services_per_file": {str(k): svc_hist[k] for k in sorted(svc_hist)},
        "port_forms": dict(sorted(forms.items(), key=lambda kv: -kv[1])),
        "features": dict(sorted(flags.items())),
        "file_names": dict(sorted(app_names.items(), key=lambda kv: -kv[1])),
    }
    # The file leaves out the timing so that the whole output folder is byte-identical for a given seed.
    with open(os.path.join(outdir, SUMMARY_NAME), "w", encoding="utf-8") as f:
        json.dump({k: v for k, v in summary.items() if k != "generation_seconds"}, f, indent=2)
        f.write("\n")
    return summary


def generate_large(outdir: str, n_services: int, seed: int) -> dict:
    t0 = time.perf_counter()
    rng = random.Random(f"{seed}-large-{n_services}")
    doc = Doc(2, True)
    forms: Counter = Counter()
    doc.add(f"# Synthetic large compose file: {n_services} services x 5 published ports (bindguard benchmark).")
    doc.add("x-common: &common")
    doc.kv(1, "restart", "unless-stopped")
    doc.kv(1, "logging")
    doc.kv(2, "driver", "json-file")
    doc.kv(2, "options")
    doc.kv(3, "max-size", dq("10m"))
    doc.kv(1, "networks")
    doc.items(1, ["backend"])
    doc.blank()
    doc.add("services:")
    entries = 0
    named_vols: list[str] = []
    width = len(str(n_services))
    for i in range(n_services):
        arch = rng.choices(ARCHES, ARCH_WEIGHTS)[0]
        name = f"{arch.name}-{i:0{width}d}"
        doc.kv(1, name)
        doc.kv(2, "<<", "*common")
        doc.kv(2, "image", sc(image_for(rng, arch)))
        env = list(arch.env.items())[:4] + [("INSTANCE", str(i))]
        doc.kv(2, "environment")
        for k, v in env:
            doc.kv(3, k, sc(v))
        if arch.volumes:
            doc.kv(2, "volumes")
            doc.items(2, [sc(v) for v in arch.volumes[:2]])
            for v in arch.volumes[:2]:
                src = v.split(":")[0] if ":" in v else ""
                if src and not src.startswith((".", "/", "$")) and src not in named_vols:
                    named_vols.append(src)
        doc.kv(2, "ports", ports=True)
        base_hp = 10000 + (i * 5) % 50000
        plist = arch.ports or [(8080, "tcp")]
        es = []
        for j in range(5):
            cp, proto = plist[j % len(plist)]
            hp = base_hp + j
            if rng.random() < 0.08:
                es.append(long_entry(rng, cp, proto, hp))
            else:
                es.append(short_entry(rng, cp, proto, hp))
        p = doc.item_prefix(2)
        for e in es:
            doc.add(f"{p}- {e.lines[0]}", ports=True)
            for extra in e.lines[1:]:
                doc.add(f"{p}  {extra}", ports=True)
            forms[e.form] += 1
        entries += len(es)
        if arch.health and rng.random() < 0.3:
            doc.kv(2, "healthcheck")
            health = arch.health
            doc.kv(3, "test", "[" + ", ".join(dq(x) for x in health) + "]" if isinstance(health, list) else sc(health))
            doc.kv(3, "interval", "30s")
    doc.blank()
    doc.add("networks:")
    doc.kv(1, "backend")
    if named_vols:
        doc.blank()
        doc.add("volumes:")
        for v in named_vols:
            doc.kv(1, v)
    os.makedirs(outdir, exist_ok=True)
    path = os.path.join(outdir, f"large-{n_services}.compose.yaml")
    size = _write(path, doc.text())
    summary = {
        "generator_version": GEN_VERSION,
        "mode": "large",
        "seed": seed,
        "path": path,
        "files": 1,
        "services": n_services,
        "port_entries": entries,
        "bytes": size,
        "port_bytes": doc.port_chars,
        "generation_seconds": round(time.perf_counter() - t0, 3),
        "port_forms": dict(sorted(forms.items(), key=lambda kv: -kv[1])),
    }
    with open(os.path.join(outdir, f"large-{n_services}.summary.json"), "w", encoding="utf-8") as f:
        json.dump({k: v for k, v in summary.items() if k not in ("generation_seconds", "path")}, f, indent=2)
        f.write("\n")
    return summary


def count_with_yaml(text: str) -> tuple[int, int]:
    """(services, port entries) as PyYAML's CSafeLoader resolves them (aliases and merge keys applied)."""
    import yaml

    data = yaml.load(text, Loader=yaml.CSafeLoader)
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict):
        return 0, 0
    n = 0
    for svc in services.values():
        if isinstance(svc, dict) and isinstance(svc.get("ports"), list):
            n += len(svc["ports"])
    return len(services), n


def verify(outdir: str) -> int:
    """Re-parse every file listed in the manifest: yaml.compose must succeed and counts must match."""
    import yaml

    bad = 0
    tot_s = tot_e = tot_b = files = 0
    ints = 0
    with open(os.path.join(outdir, MANIFEST_NAME), encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:]
    for rel, s, e, b in rows:
        path = os.path.join(outdir, rel)
        with open(path, "rb") as fh:
            raw = fh.read()
        text = raw.decode("utf-8-sig")
        try:
            node = yaml.compose(text, Loader=yaml.CSafeLoader)
            assert node is not None, "empty document"
            ns, ne = count_with_yaml(text)
        except Exception as exc:  # noqa: BLE001 - report and continue
            print(f"FAIL parse {rel}: {exc}", file=sys.stderr)
            bad += 1
            continue
        data = yaml.load(text, Loader=yaml.CSafeLoader)
        for svc in (data.get("services") or {}).values():
            for p in (svc or {}).get("ports") or []:
                ints += isinstance(p, int)
        if (ns, ne, len(raw)) != (int(s), int(e), int(b)):
            print(f"FAIL counts {rel}: manifest s={s} e={e} b={b}, parsed s={ns} e={ne} b={len(raw)}", file=sys.stderr)
            bad += 1
        tot_s += ns
        tot_e += ne
        tot_b += len(raw)
        files += 1
    with open(os.path.join(outdir, SUMMARY_NAME), encoding="utf-8") as f:
        summ = json.load(f)
    if (files, tot_s, tot_e, tot_b) != (summ["files"], summ["services"], summ["port_entries"], summ["bytes"]):
        print(f"FAIL totals: summary {summ['files']}/{summ['services']}/{summ['port_entries']}/{summ['bytes']}, "
              f"parsed {files}/{tot_s}/{tot_e}/{tot_b}", file=sys.stderr)
        bad += 1
    # Every compose file on disk must be in the manifest (and nothing else must look like one).
    on_disk = set(discover(outdir))
    listed = {os.path.join(outdir, r[0]) for r in rows}
    if on_disk != listed:
        print(f"FAIL discovery: {len(on_disk - listed)} unlisted, {len(listed - on_disk)} missing", file=sys.stderr)
        bad += 1
    want_ints = sum(v for k, v in summ["port_forms"].items() if k.endswith("+base60") or k == "container_int")
    if ints != want_ints:
        print(f"FAIL int-typed entries: parsed {ints}, generator marked {want_ints}", file=sys.stderr)
        bad += 1
    base60 = sum(v for k, v in summ["port_forms"].items() if k.endswith("+base60"))
    print(f"verify: {files} files parsed with yaml.compose(CSafeLoader); services={tot_s} entries={tot_e} bytes={tot_b}; "
          f"int-typed entries={ints} (of which YAML 1.1 base-60 {base60}); "
          f"{'OK' if not bad else f'{bad} FAILURES'}")
    return 1 if bad else 0


COMPOSE_PATTERNS = ("compose*.y*ml", "docker-compose*.y*ml", "*.compose.y*ml", "*-compose.y*ml")


def discover(root: str) -> list[str]:
    """Compose files under ``root`` by the bindguard discovery patterns (sorted, deterministic)."""
    import fnmatch

    out = []
    for d, dirs, files in os.walk(root):
        dirs.sort()
        for fn in sorted(files):
            if any(fnmatch.fnmatchcase(fn, p) for p in COMPOSE_PATTERNS):
                out.append(os.path.join(d, fn))
    return out
