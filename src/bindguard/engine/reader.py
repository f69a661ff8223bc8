"""Reading one engine: the one place that lists and inspects its containers.

``audit`` (and ``watch``'s full audits, through ``audit.load_engine``) and
``audit PATHS`` / ``--expect`` (``engine/confirm.py``) all read an engine here,
so they see the same containers, the same bindings and the same facts (Docker
or Podman, TLS checked or not): two copies of this drifted before, and the
confirmation reported Podman's risks as Docker's (issue 26).

The cost is a constant number of API calls however many containers run:
``version`` (which also tells Docker from Podman), ``/info`` (rootless,
Docker Desktop, firewall backend: ``facts.py``), the network list and ONE
container list, filtered by label when a caller asks for one project
(``com.docker.compose.project=NAME``).  Podman's Docker-compatible list lacks
ranges and network modes, so its own list is read once more (``podman.py``);
a stopped container, read only when asked for, costs one inspect (the list
does not carry what it will publish).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from bindguard.engine.client import EngineTarget, connect, negotiate, read_info, translate
from bindguard.engine.containers import (
    ContainerInfo,
    container_info,
    network_default,
    network_facts,
    requested_bindings,
    running_bindings,
)
from bindguard.engine.daemon import local_host_facts
from bindguard.engine.facts import engine_facts
from bindguard.engine.podman import DOCKER, PODMAN, PodmanView, engine_kind
from bindguard.errors import EngineError
from bindguard.model import Binding, EngineFacts, NetworkFacts, version_tuple

# An engine listing at least this many containers gets a status line (``note``).
PROGRESS_MIN_CONTAINERS = 50


class EngineView(NamedTuple):
    """What one read of an engine saw.

    ``containers`` holds every container read with its bindings (running
    ones: what they publish; stopped ones: what they will publish), ``listed``
    how many the list returned (a stopped one that vanished before its inspect
    is listed but not read), ``gateway_networks`` the networks by name where
    the engine applies gateway modes (Docker 27 and newer), else None.
    """

    facts: EngineFacts
    containers: tuple[tuple[ContainerInfo, tuple[Binding, ...]], ...]
    gateway_networks: dict[str, NetworkFacts] | None
    listed: int
    running: int
    api_calls: int
    notes: tuple[str, ...] = ()


def label_filters(labels: tuple[str, ...]) -> dict[str, list[str]] | None:
    """The list endpoints' ``filters`` for labels (``KEY`` or ``KEY=VALUE``, all must match)."""
    return {"label": list(labels)} if labels else None


def read_engine(
    target: EngineTarget,
    timeout: float,
    *,
    include_stopped: bool = False,
    labels: tuple[str, ...] = (),
    note: Callable[[str], None] | None = None,
    counted: Callable[[int], None] | None = None,
) -> EngineView:
    """Read one engine; EngineError on any failure.

    ``labels`` keeps only containers carrying every one of them (the engine
    filters); ``note`` gets one status line when many containers are read;
    ``counted`` gets the number of API calls made, failed reads included.
    """
    client = connect(target, timeout)
    api = client.api
    notes: list[str] = []
    try:
        version = negotiate(client, target)
        engine_version = str(version.get("Version", ""))
        kind = engine_kind(version)
        engine_info, refused = read_info(api)  # rootless, Docker Desktop, firewall backend: engine/facts.py
        notes.extend([refused] if refused else [])
        nets = network_facts(api.networks())
        filters = label_filters(labels)
        listed = [(container_info(item), item) for item in api.containers(all=include_stopped, filters=filters)]
        by_name = {n.name: n for n in nets}
        # Podman's compat list misses ranges and network modes: its own list fills them in
        podman = PodmanView(api, include_stopped, by_name, engine_info, filters) if kind == PODMAN else None
        stopped = sum(1 for info, _ in listed if not info.running)
        if note and len(listed) >= PROGRESS_MIN_CONTAINERS and podman is None:
            note(f"{target.name}: {len(listed)} containers" + (f", inspecting {stopped} stopped ones" if stopped else ""))
        read: list[tuple[ContainerInfo, tuple[Binding, ...]]] = []
        running = 0
        for info, item in listed:
            if podman is not None:
                found = podman.read(info, target.name)
                if found is None:
                    continue
                info, bindings = found
            elif info.running:
                bindings = running_bindings(info, item.get("Ports") or [], target.name)
            else:
                maybe = _stopped(api, info, target, by_name, notes)
                if maybe is None:
                    continue
                bindings = maybe
            running += info.running
            read.append((info, tuple(bindings)))
    except EngineError:
        raise
    except Exception as exc:  # SDK and transport errors
        raise translate(target, exc) from None
    finally:
        calls = client.calls
        if counted is not None:
            counted(calls)
        try:
            api.close()
        except Exception:
            pass
    facts = engine_facts(target, version, engine_info, nets, kind, local_host_facts(target.url))
    # Gateway modes (BG014) exist since Docker 27: older engines keep the option and ignore it.
    gateway = by_name if kind == DOCKER and version_tuple(engine_version) >= (27, 0) else None
    return EngineView(facts, tuple(read), gateway, len(listed), running, calls, tuple(notes))


def _stopped(api: Any, info: ContainerInfo, target: EngineTarget, networks: dict[str, NetworkFacts],
             notes: list[str]) -> list[Binding] | None:
    """A stopped container's requested bindings (one inspect), or None if it vanished."""
    import docker.errors

    try:
        data = api.inspect_container(info.id)
    except docker.errors.NotFound:
        notes.append(f"container {info.name} was removed during the audit")
        return None
    default, origin = network_default(info, networks)
    return requested_bindings(info, data, target.name, default, origin)
