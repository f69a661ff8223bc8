"""One synthetic compose file, written the way people write them.

``gen_compose`` draws every choice from the ``random.Random`` it is given, in a fixed order, so a
seed always gives the same bytes. ``ComposeFileWriter`` holds what the sections of one file share
(the services planned, anchors declared, counters) and writes the sections in document order.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

from corpusgen.archetypes import ARCH_WEIGHTS, ARCHES, GENERIC_ENV, NETWORK_NAMES, WORD, Arch
from corpusgen.entries import Entry, long_entry, pick_host_port, short_entry
from corpusgen.yamltext import Doc, dq, sc

SERVICE_COUNT_WEIGHTS = [37, 23, 15, 8, 6, 3.3, 2.2, 1.3, 0.9, 0.9, 0.45, 0.45] + [0.13] * 6 + [0.07] * 6 + [0.05] * 6


@dataclass
class FileResult:
    text: str
    services: int
    entries: int
    port_chars: int
    port_lines: int
    forms: Counter
    flags: Counter
    names: list[str]


@dataclass
class Svc:
    name: str
    arch: Arch
    image: str
    entries: list[Entry] = field(default_factory=list)
    long: bool = False
    host_net: bool = False


def _svc_name(rng: random.Random, arch: Arch, used: set[str]) -> str:
    cands = [arch.name] + arch.aliases
    name = cands[0] if rng.random() < 0.6 else rng.choice(cands)
    if name in used:
        style = rng.choice(["{}-{}", "{}{}", "{}_{}"])
        i = 2
        while style.format(name, i) in used:
            i += 1
        name = style.format(name, i)
    used.add(name)
    return name


def _choose_arches(rng: random.Random, n: int) -> list[Arch]:
    """Pick a plausible stack: usually an app + its backing services + extras."""
    out: list[Arch] = []
    by = {a.name: a for a in ARCHES}
    stacks = [
        ["api", "db", "redis"], ["web", "api", "db"], ["frontend", "api", "db", "redis"],
        ["django", "db", "redis", "worker", "beat"],
        ["prometheus", "grafana", "node-exporter", "cadvisor", "alertmanager"], ["elasticsearch", "kibana", "logstash"],
        ["kafka", "zookeeper"], ["php", "mysql"], ["traefik", "api", "frontend"], ["gitea", "db"], ["kong", "db", "migrate"],
        ["keycloak", "db"], ["n8n", "db", "ollama"], ["api", "rabbitmq", "worker", "db"], ["web", "php", "mysql", "redis"],
    ]
    if n >= 2 and rng.random() < 0.7:
        for name in rng.choice(stacks):
            if len(out) < n:
                out.append(by[name])
    while len(out) < n:
        out.append(rng.choices(ARCHES, ARCH_WEIGHTS)[0])
    if rng.random() < 0.3:
        rng.shuffle(out)
    return out


def image_for(rng: random.Random, arch: Arch) -> str:
    img = rng.choice(arch.images)
    if rng.random() < 0.04 and "@" not in img:
        img += "@sha256:" + "".join(rng.choice("0123456789abcdef") for _ in range(64))
    return img

class ComposeFileWriter:
    """Writes one compose file; ``override_of`` (service names of a base file) makes an override."""

    def __init__(self, rng: random.Random, n_services: int, override_of: list[str] | None) -> None:
        self.rng = rng
        self.n_services = n_services
        self.override_of = override_of
        unit = 4 if rng.random() < 0.13 else 2
        self.doc = Doc(unit, seq_indent=rng.random() < 0.8)
        self.forms: Counter = Counter()
        self.flags: Counter = Counter()
        self.quote_p = rng.choice([0.0, 0.0, 0.2, 0.6])  # how eagerly this author quotes ordinary strings
        self.svcs: list[Svc] = []
        self.networks: list[str] = []
        self.named_vols: list[str] = []
        self.use_common = self.use_logging_anchor = self.port_anchor = False
        self.merge_with_ports = self.common_has_env = self.use_second_merge = False
        self.common_name = ""
        self.anchored_ports: list[Entry] = []
        self.merge_ports: list[Entry] = []
        self.entries_total = 0
        self.anchored_env_done: str | None = None
        self.ports_anchor_user: str | None = None

    def write(self) -> FileResult:
        self.header()
        self.choose_services()
        self.extension_fields()
        self.plan_ports()
        self.doc.add("services:")
        for si, s in enumerate(self.svcs):
            d = 2
            inherits_merge_ports = self.service_head(si, s, d)
            self.service_environment(si, s, d)
            self.service_volumes(si, s, d)
            self.service_ports(si, s, d, inherits_merge_ports)
            self.service_dependencies(si, s, d)
            self.service_misc(si, s, d)
        self.top_level()
        doc = self.doc
        return FileResult(doc.text(), len(self.svcs), self.entries_total, doc.port_chars, doc.port_lines,
                          self.forms, self.flags, [s.name for s in self.svcs])

    def header(self) -> None:
        """Comments, document marker, `version:` and `name:` as authors leave them."""
        rng, doc = self.rng, self.doc
        if rng.random() < 0.35:
            doc.add(rng.choice([
                "# Docker Compose stack for local development.",
                "# Production deployment. Copy .env.example to .env and adjust before `docker compose up -d`.",
                "# Generated by bindguard's benchmark corpus generator (synthetic data).",
                "# yaml-language-server: $schema=https://raw.githubusercontent.com/compose-spec/compose-spec/master/schema/compose-spec.json",
                "# Usage:\n#   docker compose -f compose.yaml -f compose.prod.yaml up -d\n#\n"
                "# Ports bound to 127.0.0.1 are only reachable from this host.",
            ]))
        if rng.random() < 0.05:
            doc.add("---")
        if self.override_of is None and rng.random() < 0.22:
            doc.add(f"version: {dq(rng.choice(['3', '3.3', '3.7', '3.8', '3.9', '2.4']))}")
            if rng.random() < 0.3:
                doc.blank()
        if self.override_of is None and rng.random() < 0.12:
            doc.add(f"name: {rng.choice(WORD)}-{rng.choice(WORD)}")

    def choose_services(self) -> None:
        """Decide the services (and networks) first, so anchors know what to contain."""
        rng = self.rng
        used: set[str] = set()
        if self.override_of is not None:
            self.svcs = []
            for nm in self.override_of[:self.n_services]:
                arch = rng.choices(ARCHES, ARCH_WEIGHTS)[0]
                for a in ARCHES:
                    if nm.split("-")[0] in ([a.name] + a.aliases):
                        arch = a
                        break
                self.svcs.append(Svc(nm, arch, image_for(rng, arch)))
        else:
            self.svcs = [Svc("", a, "") for a in _choose_arches(rng, self.n_services)]
            for s in self.svcs:
                s.name = _svc_name(rng, s.arch, used)
                s.image = image_for(rng, s.arch)

        self.networks = []
        if self.override_of is None and rng.random() < 0.45:
            self.networks = rng.sample(NETWORK_NAMES, rng.choice([1, 1, 2, 2, 3]))
        self.named_vols: list[str] = []

    def extension_fields(self) -> None:
        """`x-` fields with anchors: merge keys, aliases, an aliased ports list."""
        rng, doc = self.rng, self.doc
        self.use_common = self.n_services >= 2 and self.override_of is None and rng.random() < 0.18
        self.use_logging_anchor = self.override_of is None and rng.random() < 0.08
        self.port_anchor = self.n_services >= 2 and self.override_of is None and rng.random() < 0.025
        self.merge_with_ports = self.n_services >= 2 and self.override_of is None and not self.use_common and rng.random() < 0.012
        self.common_name = rng.choice(["common", "defaults", "service-defaults", "base", "app-common"])
        if self.use_logging_anchor:
            doc.add("x-logging: &default-logging")
            doc.kv(1, "driver", "json-file")
            doc.kv(1, "options")
            doc.kv(2, "max-size", dq("10m"))
            doc.kv(2, "max-file", dq("3"))
            doc.blank()
            self.flags["anchors"] += 1
        self.common_has_env = False
        if self.use_common:
            doc.add(f"x-{self.common_name}: &{self.common_name}")
            doc.kv(1, "restart", rng.choice(["unless-stopped", "always", "on-failure"]))
            if self.use_logging_anchor:
                doc.kv(1, "logging", "*default-logging")
            else:
                doc.kv(1, "logging")
                doc.kv(2, "driver", "json-file")
                doc.kv(2, "options")
                doc.kv(3, "max-size", dq("10m"))
            if rng.random() < 0.5:
                self.common_has_env = True
                doc.kv(1, "environment", "&common-env")
                doc.kv(2, "TZ", "${TZ:-UTC}")
                doc.kv(2, "LOG_LEVEL", "${LOG_LEVEL:-info}")
            if self.networks and rng.random() < 0.5:
                doc.kv(1, "networks")
                doc.items(1, [self.networks[0]])
            if rng.random() < 0.3:
                doc.kv(1, "deploy")
                doc.kv(2, "resources")
                doc.kv(3, "limits")
                doc.kv(4, "cpus", dq(rng.choice(["0.5", "1", "2"])))
                doc.kv(4, "memory", rng.choice(["256M", "512M", "1G"]))
            doc.blank()
            self.flags["anchors"] += 1
            self.flags["merge_keys"] += 1
        self.use_second_merge = self.use_common and rng.random() < 0.25
        if self.use_second_merge:
            doc.add("x-healthcheck: &healthcheck-defaults")
            doc.kv(1, "healthcheck")
            doc.kv(2, "interval", "30s")
            doc.kv(2, "timeout", "5s")
            doc.kv(2, "retries", "5")
            doc.blank()
        self.anchored_ports: list[Entry] = []
        if self.port_anchor:
            doc.add("x-ports: &published-ports")
            for _ in range(rng.choice([1, 1, 2, 3])):
                cp = rng.choice([80, 8080, 3000, 9090])
                e = short_entry(rng, cp, "tcp", pick_host_port(rng, cp))
                self.anchored_ports.append(e)
                doc.add(f"{doc.item_prefix(0)}- {e.lines[0]}", ports=True)
            doc.blank()
            self.flags["port_list_anchor"] += 1
        self.merge_ports: list[Entry] = []
        if self.merge_with_ports:
            doc.add("x-web-base: &web-base")
            doc.kv(1, "image", sc(image_for(rng, ARCHES[4])))
            doc.kv(1, "restart", "always")
            doc.kv(1, "ports", ports=True)
            for _ in range(rng.choice([1, 2])):
                cp = rng.choice([80, 443])
                e = short_entry(rng, cp, "tcp", pick_host_port(rng, cp))
                self.merge_ports.append(e)
                doc.add(f"{doc.item_prefix(1)}- {e.lines[0]}", ports=True)
            doc.blank()
            self.flags["merge_inherits_ports"] += 1

    def plan_ports(self) -> None:
        """Ports for every service, decided before emission so duplicates can be injected."""
        rng = self.rng
        for s in self.svcs:
            if self.override_of is not None:
                if rng.random() < 0.45:
                    for _ in range(rng.choice([1, 1, 2])):
                        cp = s.arch.ports[0][0] if s.arch.ports else rng.choice([80, 8080, 5432])
                        hp = pick_host_port(rng, cp)
                        form = rng.choice(["loopback4", "loopback4", "hp_cp_quoted", "interp", None])
                        s.entries.append(short_entry(rng, cp, "tcp", hp, form))
                continue
            s.host_net = rng.random() < 0.015
            if not s.arch.ports or rng.random() > s.arch.publish_p:
                continue
            plist = list(s.arch.ports)
            k = len(plist) if rng.random() < 0.35 else rng.randint(1, len(plist))
            chosen = plist[:k]
            if rng.random() < 0.07:
                chosen.append((rng.choice([9229, 5005, 2345, 4000, 6060, 9464]), "tcp"))  # debug/metrics port
            s.long = rng.random() < 0.08
            for cp, proto in chosen:
                hp = pick_host_port(rng, cp)
                s.entries.append(long_entry(rng, cp, proto, hp) if s.long else short_entry(rng, cp, proto, hp))
        if self.override_of is None and len(self.svcs) >= 2 and rng.random() < 0.07:
            with_ports = [s for s in self.svcs if s.entries and s.entries[0].hp is not None]
            if len(with_ports) >= 2:
                a, b = rng.sample(with_ports, 2)
                hp = a.entries[0].hp
                cp = b.arch.ports[0][0] if b.arch.ports else 80
                b.entries.append(short_entry(rng, cp, a.entries[0].proto, hp, "hp_cp_quoted"))
                self.flags["dup_host_port"] += 1

    def service_head(self, si: int, s: Svc, d: int) -> bool:
        """Name, merge keys, build/image, container name, restart, command, network mode.

        Returns whether the service inherits the ports of the `x-web-base` merge key."""
        rng, doc = self.rng, self.doc
        if si and rng.random() < 0.25:
            doc.blank()
        if rng.random() < 0.06:
            doc.add(f"{doc.ind(1)}# --- {s.arch.kind}: {s.name} ---")
        doc.kv(1, s.name)
        if self.use_common and rng.random() < 0.85:
            if self.use_second_merge and rng.random() < 0.5:
                doc.kv(d, "<<", f"[*{self.common_name}, *healthcheck-defaults]")
            else:
                doc.kv(d, "<<", f"*{self.common_name}")
        inherits_merge_ports = False
        if self.merge_with_ports and rng.random() < 0.6:
            doc.kv(d, "<<", "*web-base")
            inherits_merge_ports = True
        if self.override_of is None or rng.random() < 0.3:
            if s.arch.kind == "app" and rng.random() < 0.45 and self.override_of is None:
                if rng.random() < 0.5:
                    doc.kv(d, "build", sc(rng.choice([".", "./" + s.name, "./services/" + s.name]), rng, self.quote_p))
                else:
                    doc.kv(d, "build")
                    doc.kv(d + 1, "context", sc(rng.choice([".", "./" + s.name, ".."])))
                    doc.kv(d + 1, "dockerfile", sc(rng.choice(["Dockerfile", "Dockerfile.prod", "docker/Dockerfile"])))
                    if rng.random() < 0.4:
                        doc.kv(d + 1, "args")
                        build_args = [("NODE_VERSION", "20"), ("APP_VERSION", "${VERSION:-dev}")]
                        doc.items(d + 1, [sc(f"{k}={v}") for k, v in build_args])
                    if rng.random() < 0.3:
                        doc.kv(d + 1, "target", rng.choice(["production", "development", "runtime"]))
                if rng.random() < 0.5:
                    doc.kv(d, "image", sc(s.image, rng, self.quote_p))
            else:
                doc.kv(d, "image", sc(s.image, rng, self.quote_p))
        if self.override_of is None and rng.random() < 0.3:
            doc.kv(d, "container_name", sc(f"{rng.choice(WORD)}-{s.name}", rng, self.quote_p))
        if self.override_of is None and rng.random() < 0.08:
            doc.kv(d, "hostname", s.name)
        if not self.use_common and self.override_of is None and rng.random() < 0.6:
            doc.kv(d, "restart", rng.choice(["unless-stopped", "unless-stopped", "always", "on-failure", dq("no")]))
        if s.arch.command and rng.random() < (0.7 if self.override_of is None else 0.1):
            if isinstance(s.arch.command, list):
                if rng.random() < 0.7:
                    doc.kv(d, "command")
                    doc.items(d, [sc(c, rng, self.quote_p) for c in s.arch.command])
                else:
                    doc.kv(d, "command", "[" + ", ".join(dq(c) for c in s.arch.command) + "]")
            else:
                doc.kv(d, "command", sc(s.arch.command, rng, self.quote_p))
        if s.host_net:
            doc.kv(d, "network_mode", "host" if rng.random() < 0.8 else dq("host"))
            self.flags["network_mode_host"] += 1
        return inherits_merge_ports

    def service_environment(self, si: int, s: Svc, d: int) -> None:
        """`environment` as a mapping or a list, sometimes merged or aliased; `env_file`."""
        rng, doc = self.rng, self.doc
        env = list(s.arch.env.items())
        if self.override_of is not None:
            env = rng.sample(env, min(len(env), rng.randint(0, 2))) if env else []
        env += rng.sample(GENERIC_ENV, rng.randint(0, 4 if self.override_of is None else 1))
        seen_env = set()
        env = [(k, v) for k, v in env if not (k in seen_env or seen_env.add(k))]
        if self.common_has_env and env and rng.random() < 0.3:
            doc.kv(d, "environment")
            doc.kv(d + 1, "<<", "*common-env")
            for k, v in env:
                doc.kv(d + 1, k, sc(v, rng, self.quote_p))
        elif env and self.anchored_env_done and rng.random() < 0.12:
            doc.kv(d, "environment", f"*{self.anchored_env_done}")
            self.flags["aliases"] += 1
        elif env:
            anchor = ""
            if self.anchored_env_done is None and self.n_services >= 2 and rng.random() < 0.06:
                self.anchored_env_done = f"{s.name.replace('_', '-')}-env"
                anchor = f"&{self.anchored_env_done}"
            if rng.random() < 0.55:
                doc.kv(d, "environment", anchor or None)
                for k, v in env:
                    doc.kv(d + 1, k, sc(v, rng, self.quote_p))
            else:
                doc.kv(d, "environment", anchor or None)
                doc.items(d, [sc(f"{k}={v}", rng, self.quote_p) for k, v in env])
        if self.override_of is None and rng.random() < 0.12:
            doc.kv(d, "env_file")
            doc.items(d, [rng.choice([".env", "./config/app.env", ".env.local"])])

    def service_volumes(self, si: int, s: Svc, d: int) -> None:
        """Short or long volume syntax; named volumes are remembered for the top level."""
        rng, doc = self.rng, self.doc
        if s.arch.volumes and rng.random() < (0.8 if self.override_of is None else 0.1):
            vols = s.arch.volumes[: rng.randint(1, len(s.arch.volumes))]
            if rng.random() < 0.08:
                doc.kv(d, "volumes")
                for v in vols:
                    parts = v.split(":")
                    p = doc.item_prefix(d)
                    if len(parts) == 1:  # anonymous volume
                        doc.add(f"{p}- type: volume")
                        doc.add(f"{p}  target: {sc(parts[0])}")
                        continue
                    doc.add(f"{p}- type: {'volume' if not parts[0].startswith(('.', '/', '$')) else 'bind'}")
                    doc.add(f"{p}  source: {sc(parts[0])}")
                    doc.add(f"{p}  target: {sc(parts[1])}")
                    if len(parts) > 2:
                        doc.add(f"{p}  read_only: true")
            else:
                doc.kv(d, "volumes")
                doc.items(d, [sc(v, rng, self.quote_p) for v in vols])
            for v in vols:
                src = v.split(":")[0] if ":" in v else ""
                if src and not src.startswith((".", "/", "$")) and src not in self.named_vols:
                    self.named_vols.append(src)

    def service_ports(self, si: int, s: Svc, d: int, inherits_merge_ports: bool) -> None:
        """The planned entries, an aliased or inherited list, `[]`, or a commented-out block."""
        rng, doc = self.rng, self.doc
        if self.port_anchor and self.ports_anchor_user is None and not s.entries and rng.random() < 0.7:
            self.ports_anchor_user = s.name
        if self.port_anchor and (s.name == self.ports_anchor_user
                                 or (self.ports_anchor_user and not s.entries and rng.random() < 0.3)):
            doc.kv(d, "ports", "*published-ports", ports=True)
            self.entries_total += len(self.anchored_ports)
            for e in self.anchored_ports:
                self.forms[e.form] += 1
            self.flags["aliases"] += 1
        elif s.entries:
            self.entries_total += _emit_ports(doc, rng, d, s.entries, self.forms, self.flags)
        elif inherits_merge_ports:
            self.entries_total += len(self.merge_ports)
            for e in self.merge_ports:
                self.forms[e.form] += 1
        elif s.arch.ports and rng.random() < 0.04:
            doc.kv(d, "ports", "[]", ports=True)
            self.flags["empty_ports"] += 1
        elif s.arch.ports and rng.random() < 0.06:
            # a commented-out ports block: must not count
            doc.add(f"{doc.ind(d)}# ports:", ports=True)
            doc.add(f"{doc.item_prefix(d)}#   - {dq(f'{s.arch.ports[0][0]}:{s.arch.ports[0][0]}')}", ports=True)
            self.flags["commented_ports"] += 1
        if s.arch.ports and not s.entries and self.override_of is None and rng.random() < 0.25:
            doc.kv(d, "expose")
            doc.items(d, [str(cp) if rng.random() < 0.6 else dq(str(cp)) for cp, _ in s.arch.ports[:2]])

    def service_dependencies(self, si: int, s: Svc, d: int) -> None:
        """`depends_on` (list, flow list or conditions), `healthcheck`, `labels`, `networks`."""
        rng, doc = self.rng, self.doc
        earlier = [x.name for x in self.svcs[:si]]
        if earlier and self.override_of is None and rng.random() < 0.6:
            deps = rng.sample(earlier, min(len(earlier), rng.randint(1, 3)))
            if rng.random() < 0.3:
                doc.kv(d, "depends_on")
                for dep in deps:
                    doc.kv(d + 1, dep)
                    conditions = ["service_healthy", "service_started", "service_completed_successfully"]
                    doc.kv(d + 2, "condition", rng.choice(conditions))
                    if rng.random() < 0.2:
                        doc.kv(d + 2, "restart", "true")
            elif rng.random() < 0.15:
                doc.kv(d, "depends_on", "[" + ", ".join(deps) + "]")
            else:
                doc.kv(d, "depends_on")
                doc.items(d, deps)
        # healthcheck
        if s.arch.health and self.override_of is None and rng.random() < 0.55:
            doc.kv(d, "healthcheck")
            h = s.arch.health
            if isinstance(h, list):
                if rng.random() < 0.75:
                    doc.kv(d + 1, "test", "[" + ", ".join(dq(x) for x in h) + "]")
                else:
                    doc.kv(d + 1, "test")
                    doc.items(d + 1, [sc(x, rng, self.quote_p) for x in h])
            else:
                doc.kv(d + 1, "test", sc(h, rng, self.quote_p))
            doc.kv(d + 1, "interval", rng.choice(["10s", "30s", "5s", "1m"]))
            doc.kv(d + 1, "timeout", rng.choice(["5s", "10s", "3s"]))
            doc.kv(d + 1, "retries", str(rng.choice([3, 5, 10])))
            if rng.random() < 0.4:
                doc.kv(d + 1, "start_period", rng.choice(["30s", "60s", "10s"]))
        # labels
        if self.override_of is None and rng.random() < 0.22:
            host = f"{s.name}.{rng.choice(WORD)}.example.com"
            lab = [("traefik.enable", "true"), (f"traefik.http.routers.{s.name}.rule", f"Host(`{host}`)"),
                   (f"traefik.http.routers.{s.name}.entrypoints", "websecure"),
                   (f"traefik.http.routers.{s.name}.tls.certresolver", "le"),
                   (f"traefik.http.services.{s.name}.loadbalancer.server.port", str(s.arch.ports[0][0] if s.arch.ports else 80)),
                   ("com.centurylinklabs.watchtower.enable", "true"), ("org.opencontainers.image.source", "https://github.com/example/app")]
            lab = lab[: rng.randint(1, len(lab))]
            if rng.random() < 0.6:
                doc.kv(d, "labels")
                doc.items(d, [sc(f"{k}={v}", rng, self.quote_p) for k, v in lab])
            else:
                doc.kv(d, "labels")
                for k, v in lab:
                    doc.kv(d + 1, k, dq(v))
        # networks
        if self.networks and not s.host_net and self.override_of is None and rng.random() < 0.85:
            nets = rng.sample(self.networks, rng.randint(1, len(self.networks)))
            if rng.random() < 0.15:
                doc.kv(d, "networks")
                for nn in nets:
                    doc.kv(d + 1, nn)
                    doc.kv(d + 2, "aliases")
                    doc.items(d + 2, [f"{s.name}.{nn}"])
            else:
                doc.kv(d, "networks")
                doc.items(d, nets)

    def service_misc(self, si: int, s: Svc, d: int) -> None:
        """Logging, deploy, ulimits, capabilities, hosts, user, profiles and other noise."""
        rng, doc = self.rng, self.doc
        # misc noise
        if self.use_logging_anchor and not self.use_common and rng.random() < 0.7:
            doc.kv(d, "logging", "*default-logging")
            self.flags["aliases"] += 1
        if self.override_of is None and rng.random() < 0.1:
            doc.kv(d, "deploy")
            if rng.random() < 0.5:
                doc.kv(d + 1, "replicas", str(rng.choice([1, 2, 3])))
            doc.kv(d + 1, "resources")
            doc.kv(d + 2, "limits")
            doc.kv(d + 3, "cpus", dq(rng.choice(["0.25", "0.5", "1.0", "2"])))
            doc.kv(d + 3, "memory", rng.choice(["128M", "512M", "1G", "2G"]))
        if self.override_of is not None and rng.random() < 0.3:
            doc.kv(d, "deploy")
            doc.kv(d + 1, "replicas", str(rng.choice([2, 3, 4])))
        if self.override_of is None and rng.random() < 0.06:
            doc.kv(d, "ulimits")
            doc.kv(d + 1, "nofile")
            doc.kv(d + 2, "soft", "65536")
            doc.kv(d + 2, "hard", "65536")
        if self.override_of is None and rng.random() < 0.05:
            doc.kv(d, "cap_add")
            doc.items(d, rng.sample(["NET_ADMIN", "SYS_PTRACE", "NET_BIND_SERVICE", "SYS_NICE"], 2))
        if self.override_of is None and rng.random() < 0.05:
            doc.kv(d, "extra_hosts")
            doc.items(d, [dq("host.docker.internal:host-gateway")])
        if self.override_of is None and rng.random() < 0.05:
            doc.kv(d, "user", dq(rng.choice(["1000:1000", "root", "${UID:-1000}:${GID:-1000}", "node"])))
        if self.override_of is None and rng.random() < 0.04:
            doc.kv(d, "profiles")
            doc.items(d, [rng.choice(["debug", "tools", "monitoring", "dev"])])
        if self.override_of is None and rng.random() < 0.04:
            doc.kv(d, "stop_grace_period", rng.choice(["30s", "1m", "2m30s"]))
        if self.override_of is None and rng.random() < 0.03:
            doc.kv(d, "tmpfs")
            doc.items(d, ["/tmp", "/run"])
        if self.override_of is None and rng.random() < 0.03:
            doc.kv(d, "platform", "linux/amd64")

    def top_level(self) -> None:
        """Top-level `networks`, `volumes`, `secrets` and a trailing comment."""
        rng, doc = self.rng, self.doc
        if self.networks:
            doc.blank()
            doc.add("networks:")
            for i, nn in enumerate(self.networks):
                r = rng.random()
                if r < 0.45:
                    doc.kv(1, nn)
                elif r < 0.7:
                    doc.kv(1, nn)
                    doc.kv(2, "driver", "bridge")
                elif r < 0.85:
                    doc.kv(1, nn)
                    doc.kv(2, "external", "true")
                    if rng.random() < 0.5:
                        doc.kv(2, "name", f"{nn}-shared")
                else:
                    doc.kv(1, nn)
                    doc.kv(2, "driver", "bridge")
                    if rng.random() < 0.5:
                        doc.kv(2, "internal", "true")
                    doc.kv(2, "ipam")
                    doc.kv(3, "config")
                    p = doc.item_prefix(3)
                    doc.add(f"{p}- subnet: 172.{20 + i}.0.0/16")
                    if rng.random() < 0.5:
                        doc.add(f"{p}  gateway: 172.{20 + i}.0.1")
        if self.named_vols and self.override_of is None:
            doc.blank()
            doc.add("volumes:")
            for v in self.named_vols:
                r = rng.random()
                if r < 0.75:
                    doc.kv(1, v)
                elif r < 0.9:
                    doc.kv(1, v, "{}")
                else:
                    doc.kv(1, v)
                    doc.kv(2, "driver", "local")
        if self.override_of is None and rng.random() < 0.03:
            doc.blank()
            doc.add("secrets:")
            doc.kv(1, "db_password")
            doc.kv(2, "file", "./secrets/db_password.txt")
        if rng.random() < 0.08:
            doc.add(rng.choice(["# vim: set ts=2 sw=2 et:", "# EOF", "# TODO: move secrets to docker secrets"]))


def gen_compose(rng: random.Random, n_services: int, *, override_of: list[str] | None = None) -> FileResult:
    return ComposeFileWriter(rng, n_services, override_of).write()


def _emit_ports(doc: Doc, rng: random.Random, d: int, entries: list[Entry], forms: Counter, flags: Counter) -> int:
    for e in entries:
        forms[e.form] += 1
    # Flow-style list, short syntax only, and only with quoted or plain-number items (a plain 8080:80 inside
    # [...] is read differently by different YAML parsers, which is not what this corpus is about).
    if all(len(e.lines) == 1 and (e.lines[0][0] in "\"'" or e.lines[0].isdigit()) for e in entries) and rng.random() < 0.05:
        doc.add(f"{doc.ind(d)}ports: [" + ", ".join(e.lines[0] for e in entries) + "]", ports=True)
        flags["flow_ports"] += 1
        return len(entries)
    comment = None
    if rng.random() < 0.04:
        comment = rng.choice(["published on the host", "TODO bind to 127.0.0.1", "web + admin"])
    doc.kv(d, "ports", comment=comment, ports=True)
    p = doc.item_prefix(d)
    for e in entries:
        if rng.random() < 0.03:
            doc.add(f"{p}# {rng.choice(['admin UI', 'metrics', 'do not expose in prod', 'debugger'])}", ports=True)
        first = f"{p}- {e.lines[0]}"
        if len(e.lines) == 1 and rng.random() < 0.04:
            first += "  # " + rng.choice(["http", "https", "admin", "metrics", "see README"])
        doc.add(first, ports=True)
        for extra in e.lines[1:]:
            doc.add(f"{p}  {extra}", ports=True)
    if rng.random() < 0.02:
        doc.add(f"{p}# - {dq('9229:9229')}", ports=True)
        flags["commented_ports"] += 1
    return len(entries)
