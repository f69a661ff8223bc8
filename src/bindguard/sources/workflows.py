"""GitHub Actions workflows: ``jobs.<id>.services.<name>`` and ``jobs.<id>.container``.

The runner creates each service and job container with ``docker create``,
passing every ``ports:`` entry as ``-p ENTRY`` and the ``options:`` string as
further arguments (GitHub's docs: "jobs.<job_id>.services.<service_id>.ports",
"...options"), so ``- 5432:5432`` publishes on every interface of a
self-hosted runner.  ``options:`` is read for ``-p``/``--publish`` and
``--network host``/``--net=host``.  A ``${{ }}`` expression in a port entry
cannot be evaluated here: where it decides the host address the entry is
reported as unresolved (BG006), where it is only a port number the address
is still known.
"""

from __future__ import annotations

import yaml

from bindguard.compose.nodes import resolve_scalar
from bindguard.compose.yaml_reader import read_file
from bindguard.model import Binding, HostDefault, Location, Problem, Service
from bindguard.sources.common import (
    INVALID_ENTRY,
    collect,
    entries_of,
    host_aware,
    node_location,
    replace_expressions,
    short_binding,
    subject,
    unresolved,
)
from bindguard.sources.runargs import publish_args

SOURCE = "workflows"
DEFAULT = HostDefault(origin="the runner passes the entry to docker create -p, which publishes on every interface")


def _scalar_text(node: yaml.Node) -> str | None:
    if not isinstance(node, yaml.ScalarNode):
        return None
    value = resolve_scalar(node)
    if value is None or isinstance(value, bool | float):
        return None
    return str(value)


def port_entry(text: str, service: str, where: Location) -> Binding | Problem:
    """One ``ports:`` entry; expressions stand for ports only where they sit in port positions."""
    if "${{" not in text:
        return short_binding(text, service, where, DEFAULT)
    marked = replace_expressions(text, lambda _: "\x01")  # each expression as one character, not ":"
    if "\x01" in ":".join(marked.split(":")[:-2]) or "${{" in marked:
        return unresolved(text, service, where, "a workflow expression decides its host address")
    # an expression in a port position: the port is known only at run time (shown as random)
    result = short_binding(marked.replace("\x01", ""), service, where, DEFAULT)
    if isinstance(result, Problem):
        return unresolved(text, service, where, "a workflow expression makes it unreadable before the run")
    return result._replace(entry=text, raw=text)


def _container(path: str, node: yaml.Node, name: str, service_loc: Location) -> tuple[Service, list[Problem]]:
    entries = entries_of(node)
    bindings: list[Binding] = []
    problems: list[Problem] = []
    network_mode = network_loc = None
    ports = entries.get("ports")
    if ports is not None:
        items = ports.value.value if isinstance(ports.value, yaml.SequenceNode) else [ports.value]
        for item in items:
            where = node_location(path, item, SOURCE)
            text = _scalar_text(item)
            if text is None:
                problems.append(Problem(INVALID_ENTRY, "invalid port entry: must be a number or a string",
                                        where, service=name))
                continue
            result = port_entry(text, name, where)
            collect(result, bindings, problems)
    options = entries.get("options")
    if options is not None and isinstance(options.value, yaml.ScalarNode):
        where = node_location(path, options.value, SOURCE)
        found = publish_args(str(options.value.value), name, where, DEFAULT)
        bindings.extend(found.bindings)
        problems.extend(found.problems)
        if found.network == "host":
            network_mode, network_loc = "host", where
    service = host_aware(Service(name, service_loc, network_mode, network_loc, tuple(bindings)))
    return service, problems


def _run_blocks(path: str, text: str, document: yaml.Node, job_id: str, job: yaml.Node,
                services: list[Service], problems: list[Problem]) -> None:
    """Each step's ``run:`` is shell, read at its own lines with the ``env:`` the step sees."""
    from bindguard.sources.embedded import _env, _get, yaml_shell

    steps = _get(job, "steps")
    if not isinstance(steps, yaml.SequenceNode):
        return
    env = _env(_get(document, "env")) + _env(_get(job, "env"))
    for step in steps.value:
        run = _get(step, "run")
        if isinstance(run, yaml.ScalarNode):
            yaml_shell(path, run, text, env + _env(_get(step, "env")), SOURCE, job_id, services, problems)


def read(path: str):
    compose_file = read_file(path)
    problems = [p._replace(location=p.location._replace(source=SOURCE)) for p in compose_file.problems]
    services: list[Service] = []
    for document in compose_file.documents:
        jobs = entries_of(document).get("jobs")
        for job_id, job in entries_of(jobs.value if jobs else None).items():
            first = len(services)
            _job(path, compose_file.text, document, job_id, job, services, problems)
            # each job runs on its own runner: what two jobs publish never collides (BG005)
            services[first:] = [s._replace(profiles=(f"job {job_id}",)) for s in services[first:]]
    return subject(path, services, problems), compose_file.text


def _job(path: str, text: str, document: yaml.Node, job_id: str, job, services: list[Service],
         problems: list[Problem]) -> None:
    """One job: its container, its service containers and its ``run:`` steps."""
    job_entries = entries_of(job.value)
    container = job_entries.get("container")
    if container is not None and isinstance(container.value, yaml.MappingNode):
        name = f"{job_id} (job container)"
        service, found = _container(path, container.value, name, node_location(path, container.key_node, SOURCE))
        services.append(service)
        problems.extend(found)
    _run_blocks(path, text, document, job_id, job.value, services, problems)
    svc = job_entries.get("services")
    for svc_name, entry in entries_of(svc.value if svc else None).items():
        name = f"{job_id}/{svc_name}"
        service, found = _container(path, entry.value, name, node_location(path, entry.key_node, SOURCE))
        services.append(service)
        problems.extend(found)
