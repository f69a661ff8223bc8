"""kind cluster configs and pod specs: YAML documents with a ``kind:``.

- kind (``kind: Cluster``, ``apiVersion: kind.x-k8s.io/...``):
  ``nodes[].extraPortMappings[]`` publishes ``hostPort`` of the node
  container on ``listenAddress``, which defaults to ``0.0.0.0`` (kind's
  configuration docs, "Extra Port Mappings"; kubernetes-sigs/kind#3414).
- Pod specs, as ``podman kube play`` and Kubernetes run them: a
  container's ``ports[]`` entry with a ``hostPort`` listens on ``hostIP``,
  which defaults to every address of the node (Kubernetes API reference,
  ContainerPort); ``hostNetwork: true`` puts the pod on the host network.
  The pod spec is found where each workload kind keeps it: ``spec`` (Pod),
  ``spec.template.spec`` (Deployment, StatefulSet, DaemonSet, ReplicaSet,
  ReplicationController, Job), ``spec.jobTemplate.spec.template.spec``
  (CronJob).

Both are read with the compose reader's YAML composer (positions kept,
limits, BG000 for broken YAML) and their ports through ``bindguard.ports``.
"""

from __future__ import annotations

import yaml

from bindguard.compose.nodes import resolve_scalar
from bindguard.compose.yaml_reader import read_file
from bindguard.model import Binding, HostDefault, Problem, Service
from bindguard.ports import PortSpec, PortSyntaxError, parse_host_ip, parse_protocol, parse_range, shown
from bindguard.sources import WORKLOAD_KINDS
from bindguard.sources.common import (
    INVALID_ENTRY,
    collect,
    entries_of,
    host_aware,
    node_location,
    spec_binding,
    subject,
)

KIND_DEFAULT = HostDefault(("0.0.0.0",), "kind's listenAddress defaults to 0.0.0.0")
POD_DEFAULT = HostDefault(("0.0.0.0",), "a hostPort without hostIP listens on every address of the node")
_POD_SPEC_PATHS = {
    "Pod": ("spec",),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}


def _value(entries: dict, key: str) -> object:
    entry = entries.get(key)
    if entry is None or not isinstance(entry.value, yaml.ScalarNode):
        return None
    return resolve_scalar(entry.value)


def _items(entries: dict, key: str) -> list[yaml.Node]:
    entry = entries.get(key)
    if entry is None or not isinstance(entry.value, yaml.SequenceNode):
        return []
    return list(entry.value.value)


def _port(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise PortSyntaxError(f"{what} must be a port number, got {shown(value)}")
    return parse_range(str(value), what).start


def _mapping(
    path: str, node: yaml.Node, service: str, source: str, keys: tuple[str, str, str, str], default: HostDefault,
) -> Binding | Problem | None:
    """One port mapping with (container port, host port, address, protocol) keys; None if it publishes nothing."""
    container_key, host_key, address_key, protocol_key = keys
    where = node_location(path, node, source)
    entries = entries_of(node)
    host = _value(entries, host_key)
    if source == "pods" and host in (None, 0, "0"):
        return None  # a container port without hostPort is not published on the node
    address = _value(entries, address_key)
    entry = ", ".join(f"{k}: {_value(entries, k)}" for k in keys if k in entries)
    try:
        container = _port(_value(entries, container_key), container_key)
        host_port = _port(host, host_key) if host not in (None, "") else 0
        protocol = parse_protocol(str(_value(entries, protocol_key) or "tcp"), entry)
        host_ip = "" if address is None else parse_host_ip(str(address), brackets=False)
    except PortSyntaxError as exc:
        return Problem(INVALID_ENTRY, f"invalid port mapping: {exc}", where, service=service, entry="{" + entry + "}")
    if container == 0:
        return Problem(INVALID_ENTRY, f"invalid port mapping: {container_key} 0", where, service=service, entry=entry)
    from bindguard.model import PortRange

    spec = PortSpec(host_ip, PortRange(host_port, host_port) if host_port else None, PortRange(container, container), protocol)
    binding = spec_binding(spec, service, where, "{" + entry + "}", default, "long", address_key)
    if address is not None and host_ip == "":
        return Problem(INVALID_ENTRY, f"invalid port mapping: {address_key} is empty", where, service=service, entry=entry)
    return binding


def _kind_cluster(path: str, doc: dict, services: list[Service], problems: list[Problem]) -> None:
    for index, node in enumerate(_items(doc, "nodes")):
        entries = entries_of(node)
        role = _value(entries, "role") or "node"
        name = f"{role} {index}"
        bindings: list[Binding] = []
        for mapping in _items(entries, "extraPortMappings"):
            keys = ("containerPort", "hostPort", "listenAddress", "protocol")
            collect(_mapping(path, mapping, name, "kind", keys, KIND_DEFAULT), bindings, problems)
        if bindings:
            services.append(Service(name, node_location(path, node, "kind"), bindings=tuple(bindings)))


def _pod_spec(doc: dict, kind: str) -> yaml.Node | None:
    keys = _POD_SPEC_PATHS.get(kind, ("spec", "template", "spec"))
    node: yaml.Node | None = None
    entries = doc
    for key in keys:
        entry = entries.get(key)
        if entry is None:
            return None
        node = entry.value
        entries = entries_of(node)
    return node


def _pod(path: str, doc: dict, kind: str, services: list[Service], problems: list[Problem]) -> None:
    spec_node = _pod_spec(doc, kind)
    if spec_node is None:
        return
    spec = entries_of(spec_node)
    meta = doc.get("metadata")
    metadata = entries_of(meta.value) if meta is not None else {}
    pod_name = f"{kind}/{_value(metadata, 'name') or '?'}"
    host_network = _value(spec, "hostNetwork") is True
    network_at = node_location(path, spec["hostNetwork"].value, "pods") if host_network else None
    bindings: list[Binding] = []
    for field in ("initContainers", "containers"):
        for container in _items(spec, field):
            centries = entries_of(container)
            cname = f"{pod_name}/{_value(centries, 'name') or '?'}"
            for port in _items(centries, "ports"):
                keys = ("containerPort", "hostPort", "hostIP", "protocol")
                collect(_mapping(path, port, cname, "pods", keys, POD_DEFAULT), bindings, problems)
    if bindings or host_network:
        service = Service(pod_name, node_location(path, spec_node, "pods"), "host" if host_network else None,
                          network_at, tuple(bindings))
        services.append(host_aware(service))


def read(path: str, data: bytes | None = None):
    compose_file = read_file(path, data=data)
    kinds = []
    services: list[Service] = []
    problems: list[Problem] = []
    for document in compose_file.documents:
        doc = entries_of(document)
        kind = _value(doc, "kind")
        if kind == "Cluster" and "kind.x-k8s.io" in str(_value(doc, "apiVersion") or ""):
            kinds.append("kind")
            _kind_cluster(path, doc, services, problems)
        elif kind in WORKLOAD_KINDS:
            kinds.append("pods")
            _pod(path, doc, str(kind), services, problems)
    source = kinds[0] if kinds else "pods"
    problems[:0] = [p._replace(location=p.location._replace(source=source)) for p in compose_file.problems]
    return subject(path, services, problems), compose_file.text
