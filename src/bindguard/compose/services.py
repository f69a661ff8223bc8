"""From a compose document's node tree to the few things bindguard reads.

Only what decides where a port listens is read: each service's ``ports``,
``network_mode``, ``networks``, ``profiles`` and ``extends``, and the
top-level ``networks`` (their ``driver_opts``) and ``include``.  Everything
else in the file is never walked.  Nodes are kept (not converted) so that
every later step can still say which file and line a value came from.
Structural mistakes become BG000 problems; the rest of the file still counts.
"""

from collections.abc import Callable
from typing import NamedTuple

import yaml

from bindguard.compose.nodes import (
    OVERRIDE_TAG,
    KeyProblem,
    is_reset,
    location,
    mapping_entries,
    node_kind,
    resolve_scalar,
)
from bindguard.compose.record import Record
from bindguard.model import GATEWAY_MODE_OPTS, HOST_BINDING_OPT, INVALID_FILE, INVALID_PORT_ENTRY, Location, Problem


def _no_variables(name: str) -> str | None:
    return None


class PortItem(Record):
    """One item of a ``ports:`` list, still a node, with the file it is written in."""

    _hidden = ("lookup",)

    def __init__(
        self, node: yaml.Node, file: str, base_dir: str, lookup: Callable[[str], str | None] = _no_variables
    ) -> None:
        self.node = node
        self.file = file
        self.base_dir = base_dir
        self.lookup = lookup

    @property
    def location(self) -> Location:
        return location(self.file, self.node)


class Value(NamedTuple):
    """A scalar setting (``network_mode: host``) and where it is written.

    ``spans`` marks the values interpolation put into ``text`` that may not
    be printed (:mod:`bindguard.redact`): a message shows the setting with
    ``redact.masked(value.text, value.spans)``, never ``text`` itself, and
    ``origin`` says where each variable was set ("set in .env:3").
    """

    text: str
    location: Location
    spans: tuple[tuple[int, int, str], ...] = ()
    origin: Callable[[str], str] | None = None


class ServiceDef(Record):
    """A service as written in one file, or after merging and extends."""

    def __init__(
        self,
        name: str,
        file: str,
        base_dir: str,
        location: Location,
        ports: list[PortItem] | None = None,
        ports_tag: str | None = None,
        network_mode: Value | None = None,
        networks: list[str] | None = None,
        profiles: list[Value] | None = None,
        extends: "Extends | None" = None,
        reset: set[str] | None = None,
        has_ports: bool = False,
        dropped: list[PortItem] | None = None,
        ports_null: Location | None = None,
    ) -> None:
        self.name = name
        self.file = file
        self.base_dir = base_dir
        self.location = location
        self.ports: list[PortItem] = [] if ports is None else ports
        self.ports_tag = ports_tag
        self.network_mode = network_mode
        self.networks = networks
        self.profiles = profiles
        self.extends = extends
        self.reset: set[str] = set() if reset is None else reset
        self.has_ports = has_ports  # a ports list was written (in this file or one merged before)
        # Entries a later !reset / !override dropped: Compose still interpolates and
        # parses them while loading their file, so their errors still refuse the project.
        self.dropped: list[PortItem] = [] if dropped is None else dropped
        self.ports_null = ports_null  # "ports:" with no value, where it is written


class Extends(NamedTuple):
    service: str
    file: str | None
    location: Location


class NetworkDef(Record):
    def __init__(
        self,
        name: str,
        host_binding_ipv4: Value | None = None,
        external: bool = False,
        location: Location | None = None,
        gateway_modes: dict[str, Value] | None = None,
        families: dict[str, bool] | None = None,
        driver: str = "",
    ) -> None:
        self.name = name
        self.host_binding_ipv4 = host_binding_ipv4
        self.external = external
        self.location = location
        self.gateway_modes: dict[str, Value] = {} if gateway_modes is None else gateway_modes  # family -> mode as written
        self.families: dict[str, bool] = {} if families is None else families  # enable_ipv4 / enable_ipv6 when written
        self.driver = driver  # as written; "" is the default (bridge)


class Include(NamedTuple):
    paths: list[Value]
    project_directory: Value | None
    env_files: list[Value]
    location: Location


class FileModel(Record):
    """What one compose document says, as far as bindguard cares."""

    def __init__(
        self,
        file: str,
        base_dir: str,
        services: dict[str, ServiceDef] | None = None,
        networks: dict[str, NetworkDef] | None = None,
        includes: list[Include] | None = None,
        name: Value | None = None,
        problems: list[Problem] | None = None,
        has_content: bool = False,
    ) -> None:
        self.file = file
        self.base_dir = base_dir
        self.services: dict[str, ServiceDef] = {} if services is None else services
        self.networks: dict[str, NetworkDef] = {} if networks is None else networks
        self.includes: list[Include] = [] if includes is None else includes
        self.name = name
        self.problems: list[Problem] = [] if problems is None else problems
        # a top-level key besides the obsolete ``version``: a project whose files have
        # none is "empty compose file" to Compose (``ProjectLoader.load`` says so)
        self.has_content = has_content
        self.reset_services: set[str] = set()  # ``svc: !reset``: removed from earlier files too


def _bg000(file: str, node: yaml.Node, message: str, service: str | None = None) -> Problem:
    return Problem(INVALID_FILE, message, location(file, node), service=service)


def _scalar_text(node: yaml.Node) -> str | None:
    if isinstance(node, yaml.ScalarNode):
        value = resolve_scalar(node)
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        return node.value if not isinstance(value, str) else value
    return None


def _values(file: str, node: yaml.Node) -> list[Value] | None:
    """A string or list of strings as Values; None if it is neither."""
    if isinstance(node, yaml.ScalarNode):
        text = _scalar_text(node)
        return [] if text is None else [Value(text, location(file, node))]
    if isinstance(node, yaml.SequenceNode):
        out = []
        for item in node.value:
            text = _scalar_text(item)
            if text is None:
                return None
            out.append(Value(text, location(file, item)))
        return out
    return None


def read_document(doc: yaml.Node, file: str, base_dir: str) -> FileModel:
    """Read one document; everything wrong with its structure becomes BG000."""
    model = FileModel(file=file, base_dir=base_dir)
    if not isinstance(doc, yaml.MappingNode):
        model.problems.append(
            _bg000(file, doc, f"not a compose file: the top level is {node_kind(doc)}, not a mapping")
        )
        return model
    duplicates: list[KeyProblem] = []
    top = mapping_entries(doc, duplicates)
    model.has_content = any(key != "version" for key in top)
    _check_top_level_keys(model, top)
    if "services" in top:
        _read_services(model, top["services"].value, duplicates)
    if "networks" in top:
        _read_networks(model, top["networks"].value, duplicates)
    if "include" in top:
        _read_includes(model, top["include"].value)
    if "name" in top and (text := _scalar_text(top["name"].value)):
        model.name = Value(text, location(file, top["name"].value))
    for dup in duplicates:
        model.problems.append(_bg000(file, dup.node, str(dup)))
    return model


# The top-level keys of the Compose file format; Compose v2 refuses any other
# ("additional properties 'web' not allowed"), extension keys ``x-*`` aside.
TOP_LEVEL_KEYS = frozenset(
    {"version", "name", "include", "services", "networks", "volumes", "secrets", "configs", "models"}
)


def _check_top_level_keys(model: FileModel, top: dict) -> None:
    """BG000 for the v1 format: mappings at the top level and no ``services`` key.

    A v1 file (services at the top level, no ``services:`` key) used to give
    no output at all: nothing in it was read, and nothing was said (issue 20).
    """
    if "services" in top:
        return  # other unknown keys are left to Compose; bindguard reads the services
    unknown = [(k, e) for k, e in top.items() if k not in TOP_LEVEL_KEYS and not k.startswith("x-")]
    if not any(isinstance(e.value, yaml.MappingNode) for _, e in unknown):
        return
    names = ", ".join(repr(k) for k, _ in unknown[:3]) + (", ..." if len(unknown) > 3 else "")
    message = (
        f"Compose v1 format (services {names} at the top level, no 'services:' key): "
        f"Docker Compose v2 refuses this file (additional properties {unknown[0][0]!r} not allowed); "
        "move the services under 'services:'"
    )
    model.problems.append(Problem(INVALID_FILE, message, location(model.file, unknown[0][1].key_node)))


def _read_services(model: FileModel, node: yaml.Node, duplicates: list[KeyProblem]) -> None:
    file = model.file
    if isinstance(node, yaml.ScalarNode) and resolve_scalar(node) is None:
        # Compose refuses ``services:`` with no value in any file of a project
        # ("services must be a mapping"): nothing in the project would start
        model.problems.append(
            _bg000(file, node, "'services' has no value: Compose refuses the file (write `services: {}` for none)")
        )
        return
    if not isinstance(node, yaml.MappingNode):
        model.problems.append(_bg000(file, node, f"'services' must be a mapping, not {node_kind(node)}"))
        return
    for name, entry in mapping_entries(node, duplicates).items():
        body = entry.value
        service = ServiceDef(name, file, model.base_dir, location(file, entry.key_node))
        model.services[name] = service
        if is_reset(body):
            # ``svc: !reset``: Compose removes the service, from earlier files too
            del model.services[name]
            model.reset_services.add(name)
            continue
        if isinstance(body, yaml.ScalarNode) and resolve_scalar(body) is None:
            continue
        if not isinstance(body, yaml.MappingNode):
            model.problems.append(
                _bg000(file, body, f"service {name!r} must be a mapping, not {node_kind(body)}", name)
            )
            continue
        _read_service(model, service, mapping_entries(body, duplicates))


def _read_service(model: FileModel, service: ServiceDef, keys: dict) -> None:
    file, name = model.file, service.name
    for key, entry in keys.items():
        if is_reset(entry.value):
            service.reset.add(key)
    # a !reset key is gone from this file whatever value it holds (compose-go's ResetProcessor)
    keys = {key: entry for key, entry in keys.items() if not is_reset(entry.value)}
    if "ports" in keys:
        node = keys["ports"].value
        service.ports_tag = node.tag if node.tag == OVERRIDE_TAG else None
        if isinstance(node, yaml.SequenceNode):
            service.ports = [PortItem(item, file, model.base_dir) for item in node.value if not is_reset(item)]
            service.has_ports = True
        elif isinstance(node, yaml.ScalarNode) and resolve_scalar(node) is None:
            service.ports_null = location(file, node)
        else:
            model.problems.append(
                Problem(
                    INVALID_PORT_ENTRY,
                    f"'ports' must be a list, not {node_kind(node)}",
                    location(file, node),
                    service=name,
                )
            )
    if "network_mode" in keys:
        node = keys["network_mode"].value
        text = _scalar_text(node)
        if text is not None:
            service.network_mode = Value(text, location(file, keys["network_mode"].key_node))
    if "networks" in keys:
        node = keys["networks"].value
        if isinstance(node, yaml.MappingNode):
            service.networks = list(mapping_entries(node))
        elif isinstance(node, yaml.SequenceNode):
            service.networks = [t for t in (_scalar_text(n) for n in node.value) if t]
    if "profiles" in keys:
        service.profiles = _values(file, keys["profiles"].value) or []
    if "extends" in keys:
        node = keys["extends"].value
        text = _scalar_text(node)
        loc = location(file, keys["extends"].key_node)
        if text is not None:
            service.extends = Extends(text, None, loc)
        elif isinstance(node, yaml.MappingNode):
            ext = mapping_entries(node)
            target = _scalar_text(ext["service"].value) if "service" in ext else None
            other = _scalar_text(ext["file"].value) if "file" in ext else None
            if target:
                service.extends = Extends(target, other, loc)
            else:
                model.problems.append(_bg000(file, node, "extends needs a 'service'", name))


def _read_networks(model: FileModel, node: yaml.Node, duplicates: list[KeyProblem]) -> None:
    if not isinstance(node, yaml.MappingNode):
        return
    for name, entry in mapping_entries(node, duplicates).items():
        net = NetworkDef(name, location=location(model.file, entry.key_node))
        model.networks[name] = net
        if not isinstance(entry.value, yaml.MappingNode):
            continue
        keys = mapping_entries(entry.value)
        if "external" in keys:
            ext = keys["external"].value
            net.external = isinstance(ext, yaml.MappingNode) or (
                isinstance(ext, yaml.ScalarNode) and resolve_scalar(ext) is True
            )
        driver = keys.get("driver")
        if driver is not None and (text := _scalar_text(driver.value)) is not None:
            net.driver = text.strip()
        for family in ("ipv4", "ipv6"):
            flag = keys.get(f"enable_{family}")
            if flag is not None and isinstance(flag.value, yaml.ScalarNode):
                value = resolve_scalar(flag.value)
                net.families[family] = value is True or str(value).strip().lower() == "true"
        opts = keys.get("driver_opts")
        if opts is not None and isinstance(opts.value, yaml.MappingNode):
            given = mapping_entries(opts.value)
            opt = given.get(HOST_BINDING_OPT)
            if opt is not None and (text := _scalar_text(opt.value)) is not None:
                net.host_binding_ipv4 = Value(text, location(model.file, opt.value))
            for family, key in GATEWAY_MODE_OPTS.items():
                opt = given.get(key)
                if opt is not None and (text := _scalar_text(opt.value)) is not None:
                    net.gateway_modes[family] = Value(text, location(model.file, opt.value))


def _read_includes(model: FileModel, node: yaml.Node) -> None:
    file = model.file
    if not isinstance(node, yaml.SequenceNode):
        model.problems.append(_bg000(file, node, "'include' must be a list"))
        return
    for item in node.value:
        loc = location(file, item)
        paths: list[Value] | None
        if isinstance(item, yaml.ScalarNode):
            paths = _values(file, item) or []
            model.includes.append(Include(paths, None, [], loc))
        elif isinstance(item, yaml.MappingNode):
            keys = mapping_entries(item)
            paths = _values(file, keys["path"].value) if "path" in keys else None
            if not paths:
                model.problems.append(_bg000(file, item, "include item needs a 'path'"))
                continue
            pdir = keys.get("project_directory")
            envs = _values(file, keys["env_file"].value) if "env_file" in keys else []
            model.includes.append(
                Include(
                    paths,
                    Value(_scalar_text(pdir.value) or "", location(file, pdir.value)) if pdir else None,
                    envs or [],
                    loc,
                )
            )
        else:
            model.problems.append(_bg000(file, item, "include item must be a path or a mapping"))
