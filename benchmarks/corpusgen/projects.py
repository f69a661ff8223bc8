"""A project: its main compose file in a plausible folder, sometimes an override or a second
stack, and the non-compose files (decoys) that discovery must skip."""

from __future__ import annotations

import os
import random

from corpusgen.archetypes import WORD
from corpusgen.compose_file import SERVICE_COUNT_WEIGHTS, FileResult, gen_compose

PRIMARY_NAMES = [("compose.yaml", 36), ("docker-compose.yml", 36), ("docker-compose.yaml", 11), ("compose.yml", 6),
                 ("{app}.compose.yaml", 4), ("{app}-compose.yml", 3), ("docker-compose.dev.yml", 2), ("compose.prod.yaml", 2)]
SECOND_NAMES = ["docker-compose.override.yml", "docker-compose.prod.yml", "compose.override.yaml", "compose.dev.yaml",
                "docker-compose.test.yml", "{app}.compose.yaml", "docker-compose-monitoring.yml"]
SUBDIRS = ["", "", "", "", "", "deploy", "docker", "infra/docker", "services/{app}", "ops/compose"]


def _fmt(s: str, app: str) -> str:
    return s.replace("{app}", app)


def gen_decoys(rng: random.Random) -> list[tuple[str, str]]:
    out = []
    if rng.random() < 0.12:
        port = rng.choice([8080, 3000, 8000])
        out.append((".env", f"BIND=127.0.0.1\nAPP_PORT={port}\nPOSTGRES_PASSWORD=changeme\nTAG=1.4.2\n"))
    if rng.random() < 0.08:
        out.append(("README.md", "# Local stack\n\nRun `docker compose up -d`, then open http://localhost:8080.\n"))
    if rng.random() < 0.04:
        out.append(("prometheus.yml", "global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: app\n    static_configs:\n"
                                      "      - targets: ['api:8000']\n"))
    if rng.random() < 0.04:
        out.append(("Dockerfile", "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nEXPOSE 8000\n"
                                  "CMD [\"gunicorn\", \"-b\", \"0.0.0.0:8000\", \"app:app\"]\n"))
    if rng.random() < 0.02:
        out.append(("docker-compose.yml.bak", "services:\n  old:\n    image: nginx\n    ports:\n      - 80:80\n"))
    return out


def gen_project(seed: int, index: int) -> tuple[list[tuple[str, FileResult]], list[tuple[str, str]]]:
    rng = random.Random(f"{seed}-{index}")
    app = rng.choice(WORD)
    sub = _fmt(rng.choice(SUBDIRS), app)
    files: list[tuple[str, FileResult]] = []
    n = rng.choices(range(1, len(SERVICE_COUNT_WEIGHTS) + 1), SERVICE_COUNT_WEIGHTS)[0]
    primary = _fmt(rng.choices([p for p, _ in PRIMARY_NAMES], [w for _, w in PRIMARY_NAMES])[0], app)
    base = gen_compose(rng, n)
    files.append((os.path.join(sub, primary) if sub else primary, base))
    r = rng.random()
    extra = 0 if r < 0.8 else (1 if r < 0.95 else 2)
    names = base.names
    for k in range(extra):
        if k == 0 and names:
            nm = _fmt(rng.choice(SECOND_NAMES), app)
            if nm == primary:
                nm = "docker-compose.override.yml" if primary != "docker-compose.override.yml" else "compose.prod.yaml"
            fr = gen_compose(rng, rng.randint(1, min(4, len(names))), override_of=rng.sample(names, len(names)))
            files.append((os.path.join(sub, nm) if sub else nm, fr))
        else:
            other = rng.choice(["monitoring", "tools", "e2e", "legacy"])
            nm = rng.choice(["compose.yaml", "docker-compose.yml"])
            fr = gen_compose(rng, rng.choices(range(1, 8), [30, 25, 15, 10, 10, 5, 5])[0])
            files.append((os.path.join(other, nm), fr))
    return files, gen_decoys(rng)
