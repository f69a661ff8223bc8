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
from collections.abc import Callable
from typing import NamedTuple

import yaml

from bindguard.compose.bindings import DOCKER_DEFAULT, item_binding
from bindguard.compose.budget import COMPOSE_GROWTH_BASE, COMPOSE_GROWTH_PER_CHAR, ExpansionBudget
from bindguard.compose.environment import Environment
from bindguard.compose.interpolate import InterpolationError, interpolate
from bindguard.compose.nodes import OVERRIDE_TAG, RESET_TAG, resolve_scalar, untag_resets_under_override
from bindguard.compose.record import Record
from bindguard.compose.required import unset_required
from bindguard.compose.services import (
    FileModel,
    NetworkDef,
    PortItem,
    ServiceDef,
    Value,
    read_document,
)
from bindguard.compose.yaml_reader import ComposeFile, read_file
from bindguard.model import (
    HOST_BINDING_OPT,
    INVALID_FILE,
    INVALID_PORT_ENTRY,
    Binding,
    GatewayMode,
    HostDefault,
    Location,
    Note,
    PortRange,
    Problem,
    ProfileScope,
    Service,
    Subject,
    Verdict,
    address_verdict,
    exposing_gateway_mode,
)
from bindguard.ports import PortSyntaxError, parse_host_ip
from bindguard.redact import hidden_spans, invalid, joined, masked

DEFAULT_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
OVERRIDE_FILES = (
    "compose.override.yaml",
    "compose.override.yml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
)
MAX_EXTENDS_DEPTH = 32
MAX_INCLUDE_DEPTH = 16
# Distinct includes (file list, environment, depth) one project may load (docs/limits.md).
# Each is loaded once however often it is included, so a project costs at most this many
# loads; real projects include a handful of files.
MAX_INCLUDE_LOADS = 1000


class ProjectOptions(NamedTuple):
    """How to read a project: environment sources, profiles, swarm mode."""

    env_files: tuple[str, ...] = ()
    environ: dict[str, str] | None = None
    profiles: tuple[str, ...] = ()
    swarm: bool = False
    show_values: bool = False  # --show-values: messages may print values from the environment
    # --default-host-ip / default-host-ip: what the engine gives an entry without host IP on a
    # network that sets none (daemon.json "ip", default-network-opts); None = not told, Docker's
    default_host_ip: str | None = None


FileReader = Callable[[str], ComposeFile]


class _Loaded(Record):
    """The merged services and networks of a project, before Bindings are made."""

    def __init__(self) -> None:
        self.services: dict[str, ServiceDef] = {}
        self.networks: dict[str, NetworkDef] = {}
        self.problems: list[Problem] = []
        self.sources: list[str] = []
        self.name: str | None = None
        # includes merged here, by cache key -> ``version`` when last merged (None: first time)
        self.merged: dict[tuple, int | None] = {}
        self.version = 0  # changes whenever ``services`` does
        # services a later file removed (``svc: !reset``): Compose parsed their ports first
        self.removed: list[ServiceDef] = []


class ProjectLoader:
    """Loads the files of one project; ``reader`` lets callers share parsed files."""

    def __init__(self, options: ProjectOptions, reader: FileReader = read_file):
        self.options = options
        self.reader = reader
        self._cache: dict[str, ComposeFile] = {}
        self._models_cache: dict[tuple[str, int], tuple[list[FileModel], list[Problem]]] = {}
        # required variables (${VAR:?}) without a value in the project being loaded
        self._required: dict[str, Location] = {}
        self._envs: list[Environment] = []  # keeps envs alive so their ids stay unique
        # An include's environment, by what makes it: (folder, env files, default .env), so
        # every include of the same file with the same environment shares one (and its models).
        self._include_envs: dict[tuple[str, tuple[str, ...], bool], Environment] = {}
        # What an include produced, by (files, environment, depth): a file included ten times
        # by each of its includers is loaded once, not ten to the power of the nesting.
        self._included: dict[tuple[tuple[str, ...], int, int], _Loaded] = {}
        self.environment: Environment | None = None
        self.project_name: str | None = None  # ``name:`` of the project loaded last
        # Files read because another file named them (include, extends.file), and why.
        self.reached: dict[str, str] = {}
        # files reached through a path that holds a value from the environment (``include:
        # [${DIR}/x.yaml]``): how that path may be printed, ``<value of DIR>/x.yaml`` (issue 25)
        self.shown_as: dict[str, str] = {}
        # one bound on what interpolation adds to env-file values, for every environment loaded
        self._budget = ExpansionBudget()
        # and on what variables add to compose-file values: a base, grown by every file read
        self._compose_budget = ExpansionBudget(COMPOSE_GROWTH_BASE)

    # -- files -------------------------------------------------------------
    def _read(self, path: str) -> ComposeFile:
        key = os.path.normpath(path)  # docker/./base.yml is docker/base.yml everywhere after
        if key not in self._cache:
            cf = self._cache[key] = self.reader(key)
            self._compose_budget.remaining += COMPOSE_GROWTH_PER_CHAR * len(cf.text or "")
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
            overridden = RESET_TAG in cf.text and OVERRIDE_TAG in cf.text
            for doc in cf.documents:
                if overridden:
                    untag_resets_under_override(doc)
                model = read_document(doc, cf.path, base_dir)
                _attach_env(model, env)
                models.append(model)
            for name, where in unset_required(cf.documents, cf.text, cf.path, env.lookup):
                self._required.setdefault(name, where)
            self._models_cache[key] = (models, list(cf.problems))
        return self._models_cache[key]

    def texts(self) -> dict[str, str]:
        """The text of every file read so far (for inline ignore comments)."""
        return {cf.path: cf.text for cf in self._cache.values() if cf.text}

    # -- projects ----------------------------------------------------------
    def load(self, files: list[str], project_dir: str | None = None) -> Subject:
        """One Subject for the project made of ``files`` (in merge order)."""
        project_dir = project_dir or os.path.dirname(files[0]) or "."
        env = Environment.for_project(
            project_dir, self.options.env_files, self.options.environ, budget=self._budget,
            compose_budget=self._compose_budget,
        )
        env.show_values = self.options.show_values
        self._envs.append(env)
        self.environment = env  # the project's variables, for whoever decides hints next
        self._required = {}
        loaded = self._load_files(files, env, depth=0)
        loaded.problems[:0] = env.problems
        if (empty := self._empty_project(files, env)) is not None:
            loaded.problems.append(empty)
        # the top-level ``name:`` (interpolated), for callers that need the project name
        self.project_name = loaded.name
        subject = self._subject(loaded, self._active_profiles(env))
        # an entry the variable breaks is already a finding (BG007) at that line: not said again
        reported = {(p.location.file, p.location.line) for p in subject.problems}
        required = {n: at for n, at in self._required.items() if (at.file, at.line) not in reported}
        if required:
            subject = subject._replace(notes=(_assumed_note(required),))
        return subject

    def _empty_project(self, files: list[str], env: Environment) -> Problem | None:
        """BG000 when the project's files hold nothing: Compose refuses "empty compose file".

        Empty, comments only, or only the obsolete ``version:``: Compose stops
        there, so a clean report would vouch for a project that never starts.
        An empty override beside a real file is fine (Compose merges nothing);
        a file already refused (bad YAML, not a mapping) has its own BG000.
        """
        for path in files:
            models, problems = self._models(path, env)
            if problems or any(m.has_content or m.problems for m in models):
                return None
        first = self._read(files[0]).path
        message = "empty compose file: Compose refuses it"
        if len(files) > 1:
            message = f"empty compose file: none of the project's {len(files)} files holds anything; Compose refuses it"
        return Problem(INVALID_FILE, message, Location(first, 1, 1))

    def _active_profiles(self, env: Environment) -> tuple[tuple[str, ...] | None, str]:
        """The profiles Compose would start: ``--profile``, else ``COMPOSE_PROFILES``.

        Compose reads ``COMPOSE_PROFILES`` from the environment, or from the
        project's ``.env`` (or ``--env-file``) when the environment has none;
        ``env.lookup`` has that order already.
        """
        if self.options.profiles:
            return tuple(self.options.profiles), "--profile"
        names = tuple(p.strip() for p in (env.lookup("COMPOSE_PROFILES") or "").split(",") if p.strip())
        return (names, "COMPOSE_PROFILES") if names else (None, "")

    def _load_files(self, files: list[str], env: Environment, depth: int) -> _Loaded:
        out = _Loaded()
        for path in files:
            out.sources.append(self._read(path).path)
            models, problems = self._models(path, env)
            out.problems.extend(problems)
            for model in models:
                out.problems.extend(model.problems)
                if model.name:  # as compose-go: the last file that names the project wins
                    out.name = _interp(model.name, env, out.problems).text
                self._resolve_extends(model, env, out.problems)
                for inc in model.includes:
                    self._include(inc, model, env, out, depth)
                _merge_into(out, model)
        return out

    def _include(self, inc, model: FileModel, env: Environment, out: _Loaded, depth: int) -> None:
        if depth >= MAX_INCLUDE_DEPTH:
            out.problems.append(Problem(INVALID_FILE, "include nested too deeply", inc.location))
            return
        values = [_interp(v, env, out.problems) for v in inc.paths]
        paths = [os.path.join(model.base_dir, v.text) for v in values]
        missing = [v for p, v in zip(paths, values, strict=True) if not os.path.isfile(p)]
        if missing:
            shown = joined(model.base_dir, missing[0].text, missing[0].spans)
            out.problems.append(Problem(INVALID_FILE, f"included file not found: {shown}", inc.location))
            return
        for path, value in zip(paths, values, strict=True):
            self.reached.setdefault(os.path.normpath(path), f"included at {_place(inc.location)}")
            if value.spans:
                self.shown_as.setdefault(os.path.normpath(path), joined(model.base_dir, value.text, value.spans))
        project_dir = (
            os.path.join(model.base_dir, _interp(inc.project_directory, env, out.problems).text)
            if inc.project_directory
            else os.path.dirname(paths[0]) or "."
        )
        env_values = [_interp(v, env, out.problems) for v in inc.env_files]
        env_files = tuple(os.path.join(model.base_dir, v.text) for v in env_values)
        # an env file named through a variable is named as it may be printed
        labels = {
            p: joined(model.base_dir, v.text, v.spans)
            for p, v in zip(env_files, env_values, strict=True)
            if v.spans
        }
        inc_env = self._include_env(project_dir, env_files, labels)
        out.problems.extend(inc_env.problems)
        key = (tuple(os.path.normpath(p) for p in paths), id(inc_env), depth)
        sub = self._included.get(key)
        if sub is None:
            if len(self._included) >= MAX_INCLUDE_LOADS:
                out.problems.append(
                    Problem(
                        INVALID_FILE,
                        f"more than {MAX_INCLUDE_LOADS} distinct includes in one project; "
                        "this one is not read",
                        inc.location,
                    )
                )
                return
            sub = self._load_files(paths, inc_env, depth + 1)
            # said once: a file included many times must not multiply its problems
            sub.problems = list(dict.fromkeys(sub.problems))
            sub.sources = list(dict.fromkeys(sub.sources))
            self._included[key] = sub
        if key in out.merged:
            # The same include again: its sources and problems are here already, and each of
            # its services conflicts with what holds that name now; while no service changed
            # since it was last merged, those conflicts are the ones already reported.
            if out.merged[key] == out.version:
                return
            out.merged[key] = out.version
        else:
            out.merged[key] = None
            out.sources.extend(sub.sources)
            out.problems.extend(sub.problems)
        added = False
        for name, service in sub.services.items():
            if name in out.services:
                if out.services[name] is service:
                    # the same file with the same environment, included again: compose-go
                    # keeps a service equal to the one it already has (reflect.DeepEqual)
                    continue
                out.problems.append(
                    Problem(
                        INVALID_FILE,
                        f"service {name!r} from included {service.file} conflicts with "
                        f"{out.services[name].file}",
                        service.location,
                        service=name,
                    )
                )
                continue
            out.services[name] = service
            added = True
        if added:
            out.version += 1
        for name, net in sub.networks.items():
            out.networks.setdefault(name, net)

    def _include_env(
        self, project_dir: str, env_files: tuple[str, ...], labels: dict[str, str] | None = None
    ) -> Environment:
        """The environment of an include, made once per (folder, env files).

        ``labels`` names env files whose path came from a variable as messages may print them.
        """
        key = (os.path.normpath(project_dir), tuple(os.path.normpath(f) for f in env_files), not env_files)
        env = self._include_envs.get(key)
        if env is None:
            env = Environment.for_project(
                project_dir,
                env_files,
                self.options.environ,
                use_default_dotenv=not env_files,
                strict=False,
                budget=self._budget,
                compose_budget=self._compose_budget,
                labels=labels,
            )
            env.show_values = self.options.show_values
            self._envs.append(env)
            self._include_envs[key] = env
        return env

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
            problems.append(Problem(INVALID_FILE, why, ext.location, service.name))
            return service.replace(extends=None)
        base_model = model
        if ext.file:
            file = _interp(Value(ext.file, ext.location), env, problems)
            path = os.path.join(service.base_dir, file.text)
            shown = joined(service.base_dir, file.text, file.spans)
            if not os.path.isfile(path):
                problems.append(
                    Problem(INVALID_FILE, f"extends file not found: {shown}", ext.location, service.name)
                )
                return service.replace(extends=None)
            self.reached.setdefault(
                os.path.normpath(path), f"extends.file of service {service.name!r} at {_place(ext.location)}"
            )
            if file.spans:
                self.shown_as.setdefault(os.path.normpath(path), shown)
            models, file_problems = self._models(path, env)
            problems.extend(p for p in file_problems if p not in problems)
            found = next((m for m in models if ext.service in m.services), None)
            if found is None:
                problems.append(
                    Problem(
                        INVALID_FILE,
                        f"extends: service {ext.service!r} not found in {shown}",
                        ext.location,
                        service.name,
                    )
                )
                return service.replace(extends=None)
            base_model = found
        base = base_model.services.get(ext.service)
        if base is None:
            problems.append(
                Problem(INVALID_FILE, f"extends: no service {ext.service!r}", ext.location, service.name)
            )
            return service.replace(extends=None)
        base = self._extended(base, base_model, env, problems, chain + (key,))
        merged = merge_service(base.replace(name=service.name, extends=None), service)
        return merged.replace(extends=None, location=service.location)

    # -- bindings ----------------------------------------------------------
    def _subject(self, loaded: _Loaded, selection: tuple[tuple[str, ...] | None, str]) -> Subject:
        """The services Compose would start with ``selection``: all of them without one."""
        services = []
        problems = list(loaded.problems)
        active, source = selection
        wanted = None if active is None or "*" in active else set(active)
        defined: dict[str, None] = {}
        for gone in loaded.removed:
            # not started, but Compose refuses the project for an entry it cannot parse
            problems.extend(_refusals(gone, loaded))
        shown_as: dict[str, dict[str, None]] = {}  # a profile made by ${VAR} -> how it may be printed
        for sdef in loaded.services.values():
            own = [p.text for p in (sdef.profiles or [])]
            for p in sdef.profiles or []:
                # the summary names profiles as they may be printed (a name from ${VAR} is not)
                shown = masked(p.text, p.spans)
                defined[shown] = None
                if shown != p.text:
                    shown_as.setdefault(p.text, {})[shown] = None
            if wanted is not None and own and not wanted.intersection(own):
                continue
            services.append(self._service(sdef, loaded, problems))
        return Subject(
            services=tuple(services),
            problems=tuple(dict.fromkeys(problems)),
            sources=tuple(dict.fromkeys(loaded.sources)),
            profiles=ProfileScope(_shown_active(active, defined, shown_as), source, tuple(sorted(defined)),
                                  names_shown=source != "COMPOSE_PROFILES" or self.options.show_values),
        )

    def _service(self, sdef: ServiceDef, loaded: _Loaded, problems: list[Problem]) -> Service:
        default = self._host_default(sdef, loaded, problems)
        mode = sdef.network_mode
        bindings: list[Binding] = []
        discarded = mode is not None and mode.text == "host"
        keyed: list[tuple[Binding, tuple]] = []
        for item in sdef.ports:
            result = item_binding(item, sdef.name, item.lookup, default, loaded.name)
            if isinstance(result, Problem):
                problems.append(result)
            else:
                token = _published_token(item, result)
                keyed.append((_swarm(result) if self.options.swarm else result, token))
        bindings = _compose_unique(keyed)
        if mode is not None and mode.text.split(":", 1)[0] in _SHARED_NETWORK_MODES:
            # Docker refuses to create the container at all: not an exposure, an entry it rejects.
            problems.extend(_refused_by_shared_network(b, mode.text) for b in bindings)
            bindings = []
        elif mode is not None and mode.text == "none":
            bindings = []  # no network, no endpoint: Docker publishes nothing (checked on Docker 20.10)
        for item in sdef.dropped:
            # Not published, but Compose parsed it before the merge dropped it.
            dropped = item_binding(item, sdef.name, item.lookup, default, loaded.name)
            if isinstance(dropped, Problem):
                problems.append(dropped)
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
        engine = engine_default(self.options.default_host_ip)
        names = sdef.networks if sdef.networks else ["default"]
        defaults: list[HostDefault] = []
        for name in names:
            net = loaded.networks.get(name)
            if net is None:
                defaults.append(engine)
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
                    message = str(exc)
                    if value.spans:  # the value came from ${VAR}: named, never printed
                        where = f" ({HOST_BINDING_OPT} of network {name!r})"
                        message = invalid("host IP", value.text, value.spans, value.origin) + where
                    problems.append(Problem(INVALID_PORT_ENTRY, message, value.location, sdef.name))
                    defaults.append(DOCKER_DEFAULT)
                    continue
                loc = value.location
                if address_verdict(address) is Verdict.WILDCARD:
                    # the option spells out Docker's default: every interface, said, not assumed
                    defaults.append(HostDefault(
                        DOCKER_DEFAULT.addresses,
                        f"network {name!r} sets default host IP {address} "
                        f"(host_binding_ipv4, {loc.file}:{loc.line}), every interface",
                    ))
                    continue
                defaults.append(
                    HostDefault(
                        (address,),
                        f"default host IP {address} from network {name!r} "
                        f"(host_binding_ipv4, {loc.file}:{loc.line})",
                    )
                )
            else:
                defaults.append(engine)
        distinct = {d.addresses for d in defaults}
        if len(distinct) == 1:
            return defaults[0]
        widest = max(defaults, key=lambda d: _exposure(d.addresses))
        # A name not defined in the files may come from ${VAR}: it is not printed.
        undefined = [n for n in names if n not in loaded.networks and n != "default"]
        shown = [n for n in names if n not in undefined] + (
            [f"{len(undefined)} undefined network{'s' if len(undefined) > 1 else ''}"] if undefined else []
        )
        return HostDefault(
            widest.addresses,
            f"networks {', '.join(shown)} give different default host IPs; the widest "
            f"is assumed: {widest.origin}",
        )


def _shown_active(
    active: tuple[str, ...] | None, defined: dict[str, None], shown_as: dict[str, dict[str, None]]
) -> tuple[str, ...] | None:
    """The selected profiles as the summary names them: a selected profile that a service
    names through ``${VAR}`` is ``<value of VAR>`` there, so it reads as selected, not unused."""
    if active is None:
        return None
    out: dict[str, None] = {}
    for name in active:
        if name in defined or name not in shown_as:
            out[name] = None
        out.update(shown_as.get(name, {}))
    return tuple(out)


def engine_default(told: str | None) -> HostDefault:
    """What a network without host_binding_ipv4 gives an entry without host IP: the engine's
    default host IP when bindguard was told it, else Docker's (every interface)."""
    if told is None:
        return DOCKER_DEFAULT
    address = told.strip().strip("[]")
    # Docker: 0.0.0.0 as the default means every IPv4 and IPv6 address, :: only IPv6 ones
    addresses = DOCKER_DEFAULT.addresses if address == "0.0.0.0" else (address,)
    return HostDefault(addresses, f"the engine's default host IP is {address} (--default-host-ip)")


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
            item.lookup = env.compose_lookup
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
    """``value`` interpolated, with the spans of the values it may not print (none under ``--show-values``)."""
    if "$" not in value.text:
        return value
    try:
        result = interpolate(value.text, env.compose_lookup)
    except InterpolationError as exc:
        problems.append(Problem(INVALID_PORT_ENTRY, str(exc), value.location))
        return value
    spans = () if env.show_values else tuple(hidden_spans(result.value, result.spans))
    return Value(result.value, value.location, spans, env.origin)


def merge_service(base: ServiceDef, over: ServiceDef) -> ServiceDef:
    """``over`` merged onto ``base`` with the compose-spec rules bindguard needs."""
    dropped = base.dropped + over.dropped
    if "ports" in over.reset or over.ports_tag == RESET_TAG:
        ports: list[PortItem] = []
        dropped += base.ports
    elif over.ports_tag == "!override":
        ports = list(over.ports)
        dropped += base.ports
    else:
        # appended; duplicates go when Bindings are made (_compose_unique), by Compose's key
        ports = list(base.ports) + list(over.ports)
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
    return base.replace(
        file=over.file,
        base_dir=over.base_dir,
        ports=ports,
        ports_tag=None,
        network_mode=network_mode,
        networks=networks,
        profiles=profiles,
        has_ports=bool(ports) or base.has_ports or over.has_ports,
        ports_null=None,
        dropped=dropped,
        extends=over.extends if over.extends is not None else base.extends,
        reset=set(),
        location=base.location,
    )


def _merge_into(out: _Loaded, model: FileModel) -> None:
    for name in model.reset_services:
        gone = out.services.pop(name, None)  # ``svc: !reset`` in a later file removes the service
        if gone is not None:
            out.removed.append(gone)
            out.version += 1
    if model.services:
        out.version += 1
    for name, service in model.services.items():
        earlier = out.services.get(name)
        if service.ports_null is not None and (earlier is None or not earlier.has_ports):
            # compose-go validates the merged model: a null list merged onto an
            # earlier list keeps that list, but null on its own is refused.
            out.problems.append(
                Problem(INVALID_PORT_ENTRY, "'ports' must be a list, not null: Compose refuses the file "
                        "(write `ports: []` for none)", service.ports_null, service=name)
            )
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


# Ranges wider than this are compared whole when Compose would compare them port
# by port (docs/limits.md): expanding ``1-65535:1-65535`` is 65,535 keys per entry.
MAX_EXPANDED_RANGE = 1024

_NIL = ("nil",)  # compose-go's key for a port with no published port at all


# network_mode values that share another container's network namespace
_SHARED_NETWORK_MODES = ("service", "container")


def _refusals(sdef: ServiceDef, loaded: _Loaded) -> list[Problem]:
    """The problems of a removed service's entries (what was published is gone)."""
    out = []
    for item in (*sdef.ports, *sdef.dropped):
        result = item_binding(item, sdef.name, item.lookup, DOCKER_DEFAULT, loaded.name)
        if isinstance(result, Problem):
            out.append(result)
    return out


def _assumed_note(required: dict[str, Location]) -> Note:
    """One note for every required variable Compose would refuse the project without."""
    names = list(required)
    first = next(iter(required.values()))
    which = (f"variable {names[0]} is" if len(names) == 1
             else f"variables {', '.join(names)} are")
    return Note(
        f"required {which} unset: Compose refuses this project until "
        f"{'it is' if len(names) == 1 else 'they are'} set, and this report assumes "
        f"{'it is' if len(names) == 1 else 'they are'}",
        first,
    )


def _refused_by_shared_network(b: Binding, mode: str) -> Problem:
    """A ports: entry of a service on another container's network: Docker refuses it.

    ``docker create --network container:X -p ...`` fails with "conflicting
    options: port publishing and the container type network mode", and Compose
    turns ``service:NAME`` into exactly that; nothing is published (issue 29).
    """
    kind = mode.split(":", 1)[0]
    return Problem(
        INVALID_PORT_ENTRY,
        f"port entry {b.resolved or b.entry!r} cannot be published: the service shares the network of a "
        f"{'service' if kind == 'service' else 'container'} (network_mode: {kind}:...) and Docker refuses "
        "'conflicting options: port publishing and the container type network mode'",
        b.location,
        b.service,
        b.raw or b.entry,
    )


def _published_token(item: PortItem, binding: Binding) -> tuple:
    """The published part of compose-go's port key, as the entry was written.

    compose-go keys a port as ``host_ip:published:target/protocol`` with
    ``fmt.Sprintf("%s", published)``: a long-syntax ``published: 8080`` written
    as a YAML integer formats as ``%!s(int=8080)`` and never equals the string
    ``"8080"`` of a short entry, so both entries stay (and the engine then fails
    with "port is already allocated").  No published port (``"80"``,
    ``"127.0.0.1::80"``, a long entry without ``published``) is one key; ``"0:80"``
    is another.
    """
    node = item.node
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == "published":
                if isinstance(value, yaml.ScalarNode):
                    typed = resolve_scalar(value)
                    if isinstance(typed, int) and not isinstance(typed, bool):
                        return ("int", typed)
                return ("str", binding.host_port_text or "0")
        return _NIL
    if binding.host_ports is not None:
        return ("str", binding.host_port_text)
    # random: "0:80" / "127.0.0.1:0:80" name a published port, "80" / "127.0.0.1::80" do not
    left, sep, _ = binding.entry.rsplit("/", 1)[0].rpartition(":")
    return ("str", "0") if sep and left and not left.endswith(("]", ":")) and _host_port_written(left) else _NIL


def _host_port_written(left: str) -> bool:
    """Whether the part before the container port ends in a host port (not an IP)."""
    return left.rpartition(":")[2].isdigit() if ":" in left else left.isdigit()


def _port_keys(binding: Binding, published: tuple) -> list[tuple]:
    """compose-go's keys for one entry: one per port of a range it expands.

    Compose expands a host range paired with an equal container range, and a
    container range with no host port, into one port each before removing
    duplicates; a host range with one container port stays one entry.
    """
    host_ip = binding.host_ip or "0.0.0.0"
    c = binding.container_ports
    if c.size == 1 or c.size > MAX_EXPANDED_RANGE:
        return [(host_ip, published, str(c), binding.protocol)]
    if binding.host_ports is None:
        return [(host_ip, published, str(p), binding.protocol) for p in range(c.start, c.end + 1)]
    h = binding.host_ports
    if published[0] != "str" or h.size != c.size:
        return [(host_ip, published, str(c), binding.protocol)]
    return [
        (host_ip, ("str", str(h.start + i)), str(c.start + i), binding.protocol)
        for i in range(c.size)
    ]


def _compose_unique(bindings: list[tuple[Binding, tuple]]) -> list[Binding]:
    """A service's ports as Compose keeps them: one per compose-go key, the later in place.

    compose-go merges override files (and extends) by this key and enforces it
    after every merge: the later entry replaces the earlier one where the earlier
    one stood, so ``"80:80"`` and ``"0.0.0.0:80:80"`` are one port (which then
    listens on IPv4 only) and an override repeating a base entry is kept on the
    override's line.  Ranges are compared port by port: ``"8080-8081:80-81"``
    and a later ``"8081:81"`` are two ports, the range cut to 8080 and the single
    entry kept where 8081 stood.  ``bindings`` pairs each Binding with its
    published token (``_published_token``).
    """
    pieces: list[tuple[int, int]] = []  # (binding index, port offset) in Compose's order
    index: dict[tuple, int] = {}
    all_keys = [_port_keys(b, token) for b, token in bindings]
    for n, keys in enumerate(all_keys):
        for offset, key in enumerate(keys):
            at = index.get(key)
            if at is None:
                index[key] = len(pieces)
                pieces.append((n, offset))
            else:
                pieces[at] = (n, offset)
    out: list[Binding] = []
    i = 0
    while i < len(pieces):
        n, first = pieces[i]
        last = first
        while i + 1 < len(pieces) and pieces[i + 1] == (n, last + 1):
            i += 1
            last += 1
        i += 1
        binding = bindings[n][0]
        if last - first + 1 == len(all_keys[n]):
            out.append(binding)
            continue
        c, h = binding.container_ports, binding.host_ports
        out.append(
            binding._replace(
                container_ports=PortRange(c.start + first, c.start + last),
                host_ports=None if h is None else PortRange(h.start + first, h.start + last),
            )
        )
    return out


def _place(location: Location) -> str:
    """``file:line`` of a location, for saying why a file was read."""
    return f"{location.file}:{location.line}" if location.line else str(location.file)


def find_project_file(directory: str) -> str | None:
    return _first_file(directory, DEFAULT_FILES)


def find_override_file(directory: str) -> str | None:
    return _first_file(directory, OVERRIDE_FILES)


def _first_file(directory: str, names: tuple[str, ...]) -> str | None:
    """The first of ``names`` that is a file in ``directory`` (Compose's order of preference)."""
    for name in names:
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            return path
    return None
