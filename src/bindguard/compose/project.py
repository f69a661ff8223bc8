"""A compose project as ``docker compose`` sees it, turned into one Subject.

A project is an ordered list of files (``compose.yaml`` then its override,
or ``-f`` files), read with one interpolation environment.  Per file, each
service's ``extends`` is resolved and ``include`` projects are loaded with
their own ``.env``; then the files are merged in order (ports appended and
de-duplicated, scalars overridden, ``!reset`` removes, ``!override``
replaces).  Finally every port item becomes a Binding with the default host
address of the networks the service is attached to.  Every Binding keeps the
file and line its entry is written on, whichever file that is.
"""

import os
from dataclasses import dataclass, field, replace
from typing import Callable, NamedTuple

import yaml

from bindguard.compose.bindings import DOCKER_DEFAULT, HostDefault, item_binding
from bindguard.compose.environment import Environment
from bindguard.compose.interpolate import InterpolationError, interpolate
from bindguard.compose.yaml_reader import ComposeFile, read_file
from bindguard.compose.nodes import RESET_TAG
from bindguard.compose.services import (
    FileModel,
    NetworkDef,
    PortItem,
    ServiceDef,
    Value,
    read_document,
)
from bindguard.model import (
    Binding,
    GatewayMode,
    Location,
    Note,
    Problem,
    Service,
    Subject,
    Verdict,
    address_verdict,
    exposing_gateway_mode,
)
from bindguard.ports import PortSyntaxError, parse_host_ip

DEFAULT_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
OVERRIDE_FILES = (
    "compose.override.yaml",
    "compose.override.yml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
)
MAX_EXTENDS_DEPTH = 32
MAX_INCLUDE_DEPTH = 16


class ProjectOptions(NamedTuple):
    """How to read a project: environment sources, profiles, swarm mode."""

    env_files: tuple[str, ...] = ()
    environ: dict[str, str] | None = None
    profiles: tuple[str, ...] = ()
    swarm: bool = False


FileReader = Callable[[str], ComposeFile]


@dataclass
class _Loaded:
    """The merged services and networks of a project, before Bindings are made."""

    services: dict[str, ServiceDef] = field(default_factory=dict)
    networks: dict[str, NetworkDef] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    name: str | None = None


class ProjectLoader:
    """Loads the files of one project; ``reader`` lets callers share parsed files."""

    def __init__(self, options: ProjectOptions, reader: FileReader = read_file):
        self.options = options
        self.reader = reader
        self._cache: dict[str, ComposeFile] = {}
        self._models_cache: dict[tuple[str, int], tuple[list[FileModel], list[Problem]]] = {}
        self._envs: list[Environment] = []  # keeps envs alive so their ids stay unique

    # -- files -------------------------------------------------------------
    def _read(self, path: str) -> ComposeFile:
        key = os.path.normpath(path)  # docker/./base.yml is docker/base.yml everywhere after
        if key not in self._cache:
            self._cache[key] = self.reader(key)
        return self._cache[key]

    def _models(self, path: str, env: Environment) -> tuple[list[FileModel], list[Problem]]:
        """The documents of one file as FileModels (a file may hold several).

        Cached per file and environment: a file used by several ``extends`` is
        read and walked once.
        """
        key = (os.path.normpath(path), id(env))
        if key not in self._models_cache:
            cf = self._read(path)
            base_dir = os.path.dirname(path) or "."
            models = []
            for doc in cf.documents:
                model = read_document(doc, cf.path, base_dir)
                _attach_env(model, env)
                models.append(model)
            self._models_cache[key] = (models, list(cf.problems))
        return self._models_cache[key]

    def texts(self) -> dict[str, str]:
        """The text of every file read so far (for inline ignore comments)."""
        return {cf.path: cf.text for cf in self._cache.values() if cf.text}

    # -- projects ----------------------------------------------------------
    def load(self, files: list[str], project_dir: str | None = None) -> Subject:
        """One Subject for the project made of ``files`` (in merge order)."""
        project_dir = project_dir or os.path.dirname(files[0]) or "."
        env = Environment.for_project(project_dir, self.options.env_files, self.options.environ)
        self._envs.append(env)
        loaded = self._load_files(files, env, depth=0)
        loaded.problems[:0] = env.problems
        return self._subject(loaded)

    def _load_files(self, files: list[str], env: Environment, depth: int) -> _Loaded:
        out = _Loaded()
        for path in files:
            out.sources.append(self._read(path).path)
            models, problems = self._models(path, env)
            out.problems.extend(problems)
            for model in models:
                out.problems.extend(model.problems)
                if model.name and out.name is None:
                    out.name = _interp_value(model.name, env, out.problems)
                self._resolve_extends(model, env, out.problems)
                for inc in model.includes:
                    self._include(inc, model, env, out, depth)
                _merge_into(out, model)
        return out

    def _include(self, inc, model: FileModel, env: Environment, out: _Loaded, depth: int) -> None:
        if depth >= MAX_INCLUDE_DEPTH:
            out.problems.append(Problem("BG000", "include nested too deeply", inc.location))
            return
        paths = [
            os.path.join(model.base_dir, _interp_value(v, env, out.problems))
            for v in inc.paths
        ]
        missing = [p for p in paths if not os.path.isfile(p)]
        if missing:
            out.problems.append(
                Problem("BG000", f"included file not found: {missing[0]}", inc.location)
            )
            return
        project_dir = (
            os.path.join(model.base_dir, _interp_value(inc.project_directory, env, out.problems))
            if inc.project_directory
            else os.path.dirname(paths[0]) or "."
        )
        env_files = tuple(
            os.path.join(model.base_dir, _interp_value(v, env, out.problems)) for v in inc.env_files
        )
        inc_env = Environment.for_project(
            project_dir,
            env_files,
            self.options.environ,
            use_default_dotenv=not env_files,
            strict=False,
        )
        self._envs.append(inc_env)
        out.problems.extend(inc_env.problems)
        sub = self._load_files(paths, inc_env, depth + 1)
        out.sources.extend(sub.sources)
        out.problems.extend(sub.problems)
        for name, service in sub.services.items():
            if name in out.services:
                out.problems.append(
                    Problem(
                        "BG000",
                        f"service {name!r} from included {service.file} conflicts with "
                        f"{out.services[name].file}",
                        service.location,
                        service=name,
                    )
                )
                continue
            out.services[name] = service
        for name, net in sub.networks.items():
            out.networks.setdefault(name, net)

    def _resolve_extends(self, model: FileModel, env: Environment, problems: list[Problem]) -> None:
        for name in list(model.services):
            model.services[name] = self._extended(
                model.services[name], model, env, problems, chain=()
            )

    def _extended(
        self,
        service: ServiceDef,
        model: FileModel,
        env: Environment,
        problems: list[Problem],
        chain: tuple[tuple[str, str], ...],
    ) -> ServiceDef:
        ext = service.extends
        if ext is None:
            return service
        key = (service.file, service.name)
        if key in chain or len(chain) > MAX_EXTENDS_DEPTH:
            why = (
                f"extends loop at service {service.name!r}"
                if key in chain
                else f"extends chain longer than {MAX_EXTENDS_DEPTH} services at {service.name!r}; refused"
            )
            problems.append(Problem("BG000", why, ext.location, service.name))
            return replace(service, extends=None)
        base_model = model
        if ext.file:
            path = os.path.join(service.base_dir, _interp_value(Value(ext.file, ext.location), env, problems))
            if not os.path.isfile(path):
                problems.append(
                    Problem("BG000", f"extends file not found: {path}", ext.location, service.name)
                )
                return replace(service, extends=None)
            models, file_problems = self._models(path, env)
            problems.extend(p for p in file_problems if p not in problems)
            base_model = next((m for m in models if ext.service in m.services), None)
            if base_model is None:
                problems.append(
                    Problem(
                        "BG000",
                        f"extends: service {ext.service!r} not found in {path}",
                        ext.location,
                        service.name,
                    )
                )
                return replace(service, extends=None)
        base = base_model.services.get(ext.service)
        if base is None:
            problems.append(
                Problem("BG000", f"extends: no service {ext.service!r}", ext.location, service.name)
            )
            return replace(service, extends=None)
        base = self._extended(base, base_model, env, problems, chain + (key,))
        merged = merge_service(replace(base, name=service.name, extends=None), service)
        return replace(merged, extends=None, location=service.location)

    # -- bindings ----------------------------------------------------------
    def _subject(self, loaded: _Loaded) -> Subject:
        services = []
        problems = list(loaded.problems)
        profiles = set(self.options.profiles)
        for name, sdef in loaded.services.items():
            active = [p.text for p in (sdef.profiles or [])]
            if profiles and active and not profiles.intersection(active):
                continue
            services.append(self._service(sdef, loaded, problems))
        return Subject(
            services=tuple(services),
            problems=tuple(_dedupe(problems)),
            sources=tuple(dict.fromkeys(loaded.sources)),
        )

    def _service(self, sdef: ServiceDef, loaded: _Loaded, problems: list[Problem]) -> Service:
        default = self._host_default(sdef, loaded, problems)
        mode = sdef.network_mode
        bindings: list[Binding] = []
        discarded = mode is not None and mode.text == "host"
        for item in sdef.ports:
            result = item_binding(item, sdef.name, item.lookup, default, loaded.name)
            if isinstance(result, Problem):
                problems.append(result)
            elif self.options.swarm:
                bindings.append(_swarm(result))
            else:
                bindings.append(result)
        bindings = _compose_unique(bindings)
        return Service(
            name=sdef.name,
            location=sdef.location,
            network_mode=mode.text if mode else None,
            network_mode_location=mode.location if mode else None,
            bindings=() if discarded else tuple(bindings),
            discarded=tuple(bindings) if discarded else (),
            profiles=tuple(p.text for p in sdef.profiles or ()),
            project=loaded.name,
            gateway_modes=_gateway_modes(sdef, loaded),
        )

    def _host_default(self, sdef: ServiceDef, loaded: _Loaded, problems: list[Problem]) -> HostDefault:
        """The address an entry without host IP gets, from the attached networks.

        With several networks that disagree, the widest default is assumed,
        since which one Docker uses for publishing depends on endpoint order.
        """
        if sdef.network_mode is not None:
            return DOCKER_DEFAULT
        names = sdef.networks if sdef.networks else ["default"]
        defaults: list[HostDefault] = []
        for name in names:
            net = loaded.networks.get(name)
            if net is None:
                defaults.append(DOCKER_DEFAULT)
            elif net.external:
                defaults.append(
                    HostDefault(
                        DOCKER_DEFAULT.addresses,
                        f"network {name!r} is external, Docker's all-interfaces default assumed",
                        Note(
                            f"network {name!r} is external: its default host IP is unknown "
                            "statically, so Docker's all-interfaces default is assumed for "
                            "its ports without a host IP (`bindguard audit` sees the real one)",
                            net.location or Location(file=sdef.file),
                        ),
                    )
                )
            elif net.host_binding_ipv4 is not None and net.host_binding_ipv4.text.strip():
                value = net.host_binding_ipv4
                try:
                    # a driver option, not a port entry: no brackets are removed
                    address = parse_host_ip(value.text.strip(), brackets=False)
                except PortSyntaxError as exc:
                    problems.append(Problem("BG007", str(exc), value.location, sdef.name))
                    defaults.append(DOCKER_DEFAULT)
                    continue
                if address_verdict(address) is Verdict.WILDCARD:
                    defaults.append(DOCKER_DEFAULT)  # the option spells out Docker's default
                    continue
                loc = value.location
                defaults.append(
                    HostDefault(
                        (address,),
                        f"default host IP {address} from network {name!r} "
                        f"(host_binding_ipv4, {loc.file}:{loc.line})",
                    )
                )
            else:
                defaults.append(DOCKER_DEFAULT)
        distinct = {d.addresses for d in defaults}
        if len(distinct) == 1:
            return defaults[0]
        widest = max(defaults, key=lambda d: _exposure(d.addresses))
        return HostDefault(
            widest.addresses,
            f"networks {', '.join(names)} give different default host IPs; the widest "
            f"is assumed: {widest.origin}",
        )


def _exposure(addresses: tuple[str, ...]) -> int:
    order = {"loopback": 0, "specific": 1, "invalid": 2, "wildcard": 3}
    return max(order[address_verdict(a).value] for a in addresses)


def _swarm(binding: Binding) -> Binding:
    """Swarm publishes through the routing mesh on every node's every address."""
    return binding._replace(
        host_ip="",
        default_host_ip=DOCKER_DEFAULT.addresses,
        default_origin=(
            "swarm ignores host_ip: the routing mesh publishes on every node's every address"
            if binding.host_ip
            else "swarm publishes on every node's every address"
        ),
        ignored_host_ip=binding.host_ip,
        swarm=True,
    )


def _attach_env(model: FileModel, env: Environment) -> None:
    """Interpolate the settings bindguard reads; port items keep the lookup for later.

    Port items are interpolated when they become Bindings (so BG006 can name
    unset variables); the rest is interpolated here, once per file.
    """
    problems = model.problems
    for service in model.services.values():
        for item in service.ports:
            item.lookup = env.lookup
        if service.network_mode is not None:
            service.network_mode = _interp(service.network_mode, env, problems)
        if service.profiles:
            service.profiles = [_interp(v, env, problems) for v in service.profiles]
        if service.networks:
            service.networks = [
                _interp(Value(n, service.location), env, problems).text for n in service.networks
            ]
    for net in model.networks.values():
        if net.host_binding_ipv4 is not None:
            net.host_binding_ipv4 = _interp(net.host_binding_ipv4, env, problems)
        for family, mode in net.gateway_modes.items():
            net.gateway_modes[family] = _interp(mode, env, problems)


def _interp(value: Value, env: Environment, problems: list[Problem]) -> Value:
    text = _interp_value(value, env, problems)
    return value if text == value.text else Value(text, value.location)


def _interp_value(value: Value, env: Environment, problems: list[Problem]) -> str:
    if "$" not in value.text:
        return value.text
    try:
        return interpolate(value.text, env.lookup).value
    except InterpolationError as exc:
        problems.append(Problem("BG007", str(exc), value.location))
        return value.text


def merge_service(base: ServiceDef, over: ServiceDef) -> ServiceDef:
    """``over`` merged onto ``base`` with the compose-spec rules bindguard needs."""
    if "ports" in over.reset or over.ports_tag == RESET_TAG:
        ports: list[PortItem] = []
    elif over.ports_tag == "!override":
        ports = list(over.ports)
    else:
        ports = _append_unique(base.ports, over.ports)
    network_mode = None if "network_mode" in over.reset else (over.network_mode or base.network_mode)
    if "networks" in over.reset:
        networks = None
    elif over.networks is not None and base.networks is not None:
        networks = list(dict.fromkeys(base.networks + over.networks))
    else:
        networks = over.networks if over.networks is not None else base.networks
    profiles = None if "profiles" in over.reset else (
        over.profiles if over.profiles is not None else base.profiles
    )
    return replace(
        base,
        file=over.file,
        base_dir=over.base_dir,
        ports=ports,
        ports_tag=None,
        network_mode=network_mode,
        networks=networks,
        profiles=profiles,
        extends=over.extends if over.extends is not None else base.extends,
        reset=set(),
        location=base.location,
    )


def _merge_into(out: _Loaded, model: FileModel) -> None:
    for name, service in model.services.items():
        if name in out.services:
            out.services[name] = merge_service(out.services[name], service)
        else:
            out.services[name] = service
    for name, net in model.networks.items():
        old = out.networks.get(name)
        if old is None:
            out.networks[name] = net
        else:
            out.networks[name] = NetworkDef(
                name,
                net.host_binding_ipv4 or old.host_binding_ipv4,
                net.external or old.external,
                net.location or old.location,
                {**old.gateway_modes, **net.gateway_modes},
                {**old.families, **net.families},
                net.driver or old.driver,
            )


def _gateway_modes(sdef: ServiceDef, loaded: _Loaded) -> tuple[GatewayMode, ...]:
    """The service's networks whose gateway mode opens its containers to direct routing."""
    if sdef.network_mode is not None:
        return ()
    out = []
    for name in sdef.networks or ["default"]:
        net = loaded.networks.get(name)
        if net is None or net.driver not in ("", "bridge"):
            continue  # gateway modes are options of the bridge driver
        for family, value in sorted(net.gateway_modes.items()):
            mode = exposing_gateway_mode(value.text)
            # IPv6 is off unless enabled; IPv4 is on unless disabled.
            if mode and net.families.get(family, family == "ipv4"):
                out.append(GatewayMode(name, family, mode, value.location))
    return tuple(out)


def _compose_unique(bindings: list[Binding]) -> list[Binding]:
    """A service's ports as Compose keeps them: one per (host IP, published, target, protocol).

    compose-go enforces this after every merge, on the canonical (long) form
    of each entry, with no host IP counting as ``0.0.0.0``: so ``"80:80"``
    written twice is one port, and so are ``"80:80"`` and
    ``"0.0.0.0:80:80"`` (which then listens on IPv4 only).  A later entry
    replaces the earlier one in its place.  Ranges are compared whole (Compose
    compares them port by port; partly overlapping ranges stay two entries).
    """
    out: list[Binding] = []
    index: dict[tuple[str, str, str, str], int] = {}
    for b in bindings:
        key = (b.host_ip or "0.0.0.0", b.host_port_text, str(b.container_ports), b.protocol)
        if key in index:
            out[index[key]] = b
        else:
            index[key] = len(out)
            out.append(b)
    return out


def _append_unique(base: list[PortItem], over: list[PortItem]) -> list[PortItem]:
    """Compose appends an override's ports but drops entries equal to a base entry."""
    seen = {_item_key(item) for item in base}
    return list(base) + [item for item in over if _item_key(item) not in seen]


def _item_key(item: PortItem) -> tuple:
    node = item.node
    if isinstance(node, yaml.ScalarNode):
        return ("s", node.value)
    if isinstance(node, yaml.MappingNode):
        if not all(isinstance(k, yaml.ScalarNode) and isinstance(v, yaml.ScalarNode) for k, v in node.value):
            return ("n", id(node))  # not a valid long-syntax item: never equal to another
        return ("m", tuple(sorted((k.value, v.value) for k, v in node.value)))
    return ("n", id(node))


def _dedupe(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def find_project_file(directory: str) -> str | None:
    for name in DEFAULT_FILES:
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            return path
    return None


def find_override_file(directory: str) -> str | None:
    for name in OVERRIDE_FILES:
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            return path
    return None
