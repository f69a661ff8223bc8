"""Record one real engine's answers as a replay fixture (tests/rules/engine_replay.py).

    python tests/rules/record_engine.py --host unix:///var/run/docker.sock \\
        --name docker-20.10-rootful --source "recorded from rootful Docker 20.10.24 ..." [--all] \\
        [--only-label KEY=VALUE]

Writes ``tests/rules/engines/<name>.json``. Kept: ``/version``, the ``/info`` fields bindguard
reads (and a few that say what the engine is), ``/networks``, ``/containers/json`` and one
inspect per listed container, and on Podman its own ``/libpod/containers/json``. Dropped:
containers' environment (``Config.Env``), which may hold secrets, and ``/info``'s other fields.
``--only-label`` keeps only the containers a test started (others on a shared engine are not
this fixture's business). Then pin its findings with ``BINDGUARD_UPDATE_GOLDEN=1``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

INFO_KEEP = ("OperatingSystem", "OSType", "SecurityOptions", "FirewallBackend", "ServerVersion",
             "Driver", "KernelVersion", "Architecture", "CgroupVersion", "Swarm")


def record(host: str, include_all: bool, only_label: str | None) -> dict:
    import docker

    api = docker.APIClient(base_url=host, version="auto", timeout=10)
    version = api.version(api_version=False)
    info = {k: v for k, v in api.info().items() if k in INFO_KEEP}
    if isinstance(info.get("Swarm"), dict):
        info["Swarm"] = {"LocalNodeState": info["Swarm"].get("LocalNodeState", "")}
    networks = api.networks()
    for net in networks:
        net.pop("Containers", None)
    containers = api.containers(all=include_all)
    if only_label:
        key, _, value = only_label.partition("=")
        containers = [c for c in containers if (c.get("Labels") or {}).get(key) == value]
    used = {"bridge", "host", "none"}
    for item in containers:
        used.update(((item.get("NetworkSettings") or {}).get("Networks") or {}).keys())
    networks = [n for n in networks if n.get("Name") in used]
    inspect = {}
    for item in containers:
        data = api.inspect_container(item["Id"])
        (data.get("Config") or {}).pop("Env", None)
        inspect[item["Id"]] = data
    answers = {"version": version, "info": info, "networks": networks, "containers": containers,
               "inspect": inspect}
    if any(str(c.get("Name", "")).lower().startswith("podman") for c in version.get("Components") or []):
        response = api._get(api.base_url + "/v4.0.0/libpod/containers/json",
                            params={"all": "true" if include_all else "false"})
        listed = api._result(response, json=True) or []
        ids = {c["Id"] for c in containers}
        answers["libpod_containers"] = [c for c in listed if c.get("Id") in ids]
    return answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--all", action="store_true")
    parser.add_argument("--only-label")
    args = parser.parse_args()
    data = {"source": args.source, "target": {"url": args.host}, "all": args.all,
            "answers": record(args.host, args.all, args.only_label)}
    out = Path(__file__).resolve().parent / "engines" / f"{args.name}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(out)


if __name__ == "__main__":
    main()
