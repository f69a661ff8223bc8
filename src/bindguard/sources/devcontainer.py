"""Dev containers: ``devcontainer.json`` (``.devcontainer/``, ``.devcontainer.json``).

What publishes, as the reference implementation (``@devcontainers/cli``,
``src/spec-node/ports.ts``) does it: ``appPort`` (a number, a string or an
array of both) becomes ``-p``: a number ``N`` as ``127.0.0.1:N:N`` (loopback),
a string verbatim (``"8080:80"`` is every interface); ``runArgs`` are
``docker run`` arguments (``-p``, ``--publish``, ``--network host``).
``forwardPorts`` forwards a port through the tool's own tunnel on the local
machine rather than publishing it, and ``dockerComposeFile`` names compose
files, which the folder walk reads as compose files; neither is a binding here.
"""

from __future__ import annotations

from bindguard.model import Binding, HostDefault, Location, Problem, Service
from bindguard.ports import PortRange
from bindguard.sources.common import (
    INVALID_ENTRY,
    INVALID_FILE,
    collect,
    host_aware,
    read_text,
    short_binding,
    subject,
)
from bindguard.sources.jsonc import JsoncError, Node, parse
from bindguard.sources.runargs import scan

SOURCE = "devcontainer"
DEFAULT = HostDefault(origin="the dev container CLI passes a string appPort to docker run -p, which publishes on every interface")
RUNARGS_DEFAULT = HostDefault(origin="docker run -p publishes on every interface")


def _where(path: str, node: Node) -> Location:
    return Location(file=path, line=node.line, column=node.column, source=SOURCE)


def _app_port(path: str, node: Node, service: str) -> Binding | Problem:
    where = _where(path, node)
    if node.kind == "number" and isinstance(node.value, int) and 0 < node.value <= 65535:
        port = PortRange(node.value, node.value)
        return Binding(service, "127.0.0.1", port, port, "tcp", where, str(node.value), raw=str(node.value),
                       default_origin=DEFAULT.origin)
    if node.kind == "string":
        return short_binding(str(node.value), service, where, DEFAULT, "appPort entry")
    return Problem(INVALID_ENTRY, "invalid appPort entry: must be a port number or a string",
                   where, service=service, entry=str(node.value))


def read(path: str):
    text, problem = read_text(path, SOURCE)
    if problem is not None or text is None:
        return subject(path, [], [problem] if problem else []), ""
    try:
        root = parse(text)
    except JsoncError as exc:
        where = Location(file=path, line=exc.line, column=exc.column, source=SOURCE)
        return subject(path, [], [Problem(INVALID_FILE, f"invalid JSONC: {exc}", where)]), text
    if root.kind != "object":
        where = _where(path, root)
        return subject(path, [], [Problem(INVALID_FILE, "a dev container configuration must be an object", where)]), text
    members: dict = root.value  # type: ignore[assignment]  # an object's value is its members
    name_node = members.get("name")
    service = str(name_node[1].value) if name_node and name_node[1].kind == "string" else "devcontainer"
    bindings: list[Binding] = []
    problems: list[Problem] = []
    network = network_at = None
    app = members.get("appPort")
    if app is not None:
        items: list = app[1].value if app[1].kind == "array" else [app[1]]
        for item in items:
            result = _app_port(path, item, service)
            collect(result, bindings, problems)
    run_args = members.get("runArgs")
    if run_args is not None:
        node = run_args[1]
        args: list = node.value if node.kind == "array" else []
        if node.kind != "array" or any(a.kind != "string" for a in args):
            problems.append(Problem(INVALID_FILE, "runArgs must be an array of strings", _where(path, node)))
        else:
            found = scan([(str(a.value), _where(path, a)) for a in args], service, RUNARGS_DEFAULT)
            bindings.extend(found.bindings)
            problems.extend(found.problems)
            network, network_at = found.network, found.network_at
    services = []
    if bindings or network or app is not None or run_args is not None:
        services.append(host_aware(Service(service, _where(path, root), network, network_at, tuple(bindings))))
    return subject(path, services, problems), text
