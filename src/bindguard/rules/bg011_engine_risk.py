"""# BG011 engine-loopback-risk

## What it does
Notes engine settings under which publishing on loopback does not protect a
port, or which expose the engine itself:
- a Docker engine older than 28.0.0: hosts on the same L2 network can reach
  ports published on `127.0.0.1` by routing to the host (moby/moby#45610;
  28.0.0 drops such packets in the raw table, moby/moby#49325). Not said for
  Podman (recognised by its `/version` components: its own version numbers
  and publishing code), rootless Docker (`/info` SecurityOptions
  `name=rootless`: rootlesskit opens each published port with a real socket
  on the host address given and nothing is DNATed on the host, measured in
  docs/neighbour.md) or Docker Desktop (`/info` OperatingSystem: the engine
  runs in a VM behind Desktop's port forwarder);
- Docker 28.0.2 or newer whose dockerd runs with
  `DOCKER_INSECURE_NO_IPTABLES_RAW=1`: the raw-table rules are skipped and
  the L2 path is open again (moby/moby#49621). Read from dockerd's
  environment when bindguard runs as root on the engine's host (only that
  variable's name is kept, never a value);
- Docker 28.0.0 to 28.3.2 with firewalld (running on the engine's host, or
  `/info` FirewallBackend naming it): after a firewalld reload, ports
  published on `127.0.0.1` are reachable from the local network
  (CVE-2025-54388, fixed in 28.3.3 by moby/moby#50506);
- the nftables firewall backend (experimental in Docker 29.0, reported by
  `/info` FirewallBackend): it has no `DOCKER-USER` chain, so filter rules
  people add there (ufw-docker's approach) protect nothing;
- a bridge network with `trusted_host_interfaces` (Docker 28.2+,
  moby/moby#49832), whose interfaces reach container ports directly;
- a daemon reached over plain TCP without TLS: anyone who can reach that port
  controls the engine;
- a daemon reached over TLS without verifying its certificate
  (`DOCKER_CERT_PATH` without `DOCKER_TLS_VERIFY`, `DOCKER_TLS` alone, or a
  context with `SkipTLSVerify`): anyone on the path can pose as the engine and
  answer for it, so the audit itself proves nothing.

The daemon option `allow-direct-routing` (28.2+) opens the same path for
every network but is not reported by any API answer: bindguard cannot see it
(docs/limits.md).

## Why is this bad?
bindguard's other rules prove where ports are *published*. These settings
open paths around that, so a clean report would overstate safety.

## Example
```text
engine 20.10.24 on unix:///var/run/docker.sock
```

Use instead: upgrade the engine to 28.0.0 or newer, and protect a TCP daemon
socket with TLS (`--tlsverify`). Networks in `routed` or `nat-unprotected`
gateway mode are reported per container by BG014.

## Fix
Not fixable from bindguard: change the engine or network configuration.

## Options
None.

## References
- [moby/moby#45610: published ports on 127.0.0.1 reachable from the LAN](https://github.com/moby/moby/issues/45610)
- [moby/moby#49325: drop connections to loopback mappings and direct remote connections (28.0.0)](https://github.com/moby/moby/pull/49325)
- [moby/moby#49621: DOCKER_INSECURE_NO_IPTABLES_RAW opt-out (28.0.2)](https://github.com/moby/moby/pull/49621)
- [CVE-2025-54388 / moby/moby#50506: firewalld reload exposes loopback-published ports (fixed in 28.3.3)](https://github.com/moby/moby/pull/50506)
- [moby/moby#49832: trusted_host_interfaces](https://github.com/moby/moby/pull/49832)
- [Docker with nftables: no DOCKER-USER chain (29.0)](https://docs.docker.com/engine/network/firewall-nftables/)
- [Engine API FirewallInfo](https://docs.docker.com/reference/api/engine/version/v1.51/#tag/System/operation/SystemInfo)
- [Docker 28.0 release notes](https://docs.docker.com/engine/release-notes/28/)
- [Protect the Docker daemon socket](https://docs.docker.com/engine/security/protect-access/)
"""

from __future__ import annotations

from collections.abc import Iterator

from bindguard.model import EngineFacts, Location, Severity, Violation, version_tuple
from bindguard.rules.contract import Rule, Scope
from bindguard.rules.fixinfo import manual

CODE = "BG011"

TRUSTED = "com.docker.network.bridge.trusted_host_interfaces"
RAW_OPT_OUT = "DOCKER_INSECURE_NO_IPTABLES_RAW"


def _l2_open_engine(engine: EngineFacts) -> bool:
    """Docker's own NAT in the host's namespace, where the 127.0.0.1 bypass lives: not Podman
    (its own numbers and code), not rootless (rootlesskit listens with real sockets, nothing is
    DNATed on the host), not Docker Desktop (the engine runs in a VM behind a forwarder)."""
    return engine.kind == "docker" and not engine.rootless and not engine.desktop and bool(engine.version)


def check(engine: EngineFacts, options: object) -> Iterator[Violation]:
    where = Location(engine=engine.name)
    version = version_tuple(engine.version) if engine.version else ()
    own_nat = _l2_open_engine(engine)
    if own_nat and version < (28, 0, 0):
        yield Violation(
            where,
            f"engine {engine.version} is older than 28.0.0: hosts on the same L2 network can "
            "reach ports published on 127.0.0.1 (moby/moby#45610)",
            "upgrade Docker to 28.0.0 or newer, or drop forwarded traffic to 127.0.0.0/8 on the host",
            None,
            f"engine {engine.version}",
        )
    if own_nat and version >= (28, 0, 2) and RAW_OPT_OUT in (engine.daemon_env or ()):
        yield Violation(
            where,
            f"dockerd runs with {RAW_OPT_OUT}=1: hosts on the same L2 network can reach ports "
            "published on 127.0.0.1 again (moby/moby#49621 undoes moby/moby#49325)",
            f"remove {RAW_OPT_OUT} from dockerd's environment (load the kernel's iptables raw table instead)",
            None,
            f"daemon env {RAW_OPT_OUT}",
        )
    firewalld = engine.firewalld or "firewalld" in engine.firewall_backend
    if own_nat and (28, 0, 0) <= version < (28, 3, 3) and firewalld:
        yield Violation(
            where,
            f"engine {engine.version} with firewalld: after a firewalld reload, ports published on "
            "127.0.0.1 are reachable from the local network until dockerd restarts "
            "(CVE-2025-54388, moby/moby#50506)",
            "upgrade Docker to 28.3.3 or newer",
            None,
            f"engine {engine.version} firewalld",
        )
    if engine.kind == "docker" and engine.firewall_backend.startswith("nftables"):
        yield Violation(
            where,
            f"engine {engine.version} uses the nftables firewall backend, which has no DOCKER-USER "
            "chain: filter rules added there (ufw-docker and the like) protect no published port",
            "move such rules to your own nftables table (Docker: migrating from iptables to nftables)",
            None,
            f"engine firewall {engine.firewall_backend}",
        )
    for net in engine.networks:
        if net.option(TRUSTED):
            yield Violation(
                where,
                f"network {net.name!r} trusts host interfaces {net.option(TRUSTED)!r}: traffic from them "
                "reaches container ports directly",
                f"remove {TRUSTED} unless those interfaces are trusted",
                None,
                f"network {net.name} trusted_host_interfaces",
            )
    if engine.url.startswith(("tcp://", "http://")) and not engine.tls:
        yield Violation(
            where,
            f"the engine API is reached over TCP without TLS ({engine.url}): anyone who can reach "
            "that port controls the engine",
            "enable --tlsverify on the daemon, or use SSH or the unix socket",
            None,
            "daemon tcp without tls",
        )
    if engine.tls and engine.tls_unverified:
        yield Violation(
            where,
            f"the engine at {engine.url} was reached over TLS without verifying its certificate: "
            "anyone on the path could answer for it, so this audit proves nothing about that engine",
            "set DOCKER_TLS_VERIFY=1 with the engine's ca.pem in DOCKER_CERT_PATH",
            None,
            "engine tls without verification",
        )


RULE = Rule(CODE, "engine-loopback-risk", Severity.WARNING, (Scope.ENGINE,),
            "Engine or network settings that let traffic around loopback publishing",
            since="0.1.0", check=check, doc=__doc__,
            fix=manual(
    "engine-settings",
    "engine settings live on the Docker host (version, daemon.json, the TCP socket), not in a compose file",
))
