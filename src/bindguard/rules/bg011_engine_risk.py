"""# BG011 engine-loopback-risk

## What it does
Notes engine settings under which publishing on loopback does not protect a
port, or which expose the engine itself:
- a Docker engine older than 28.0.0: hosts on the same L2 network can reach
  ports published on `127.0.0.1` by routing to the host (moby/moby#45610),
  unless the host filters it (Podman, recognised by its `/version`
  components, has its own version numbers and publishing code: not compared);
- a bridge network with `trusted_host_interfaces`, whose interfaces may reach
  container ports directly;
- a daemon reached over plain TCP without TLS: anyone who can reach that port
  controls the engine;
- a daemon reached over TLS without verifying its certificate
  (`DOCKER_CERT_PATH` without `DOCKER_TLS_VERIFY`, `DOCKER_TLS` alone, or a
  context with `SkipTLSVerify`): anyone on the path can pose as the engine and
  answer for it, so the audit itself proves nothing.

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


def check(engine: EngineFacts, options: object) -> Iterator[Violation]:
    where = Location(engine=engine.name)
    # Docker's version only: Podman numbers its own releases (4.x, 5.x) and publishes through
    # CNI/netavark, not through the code moby#45610 fixed
    if engine.kind == "docker" and engine.version and version_tuple(engine.version) < (28, 0, 0):
        yield Violation(
            where,
            f"engine {engine.version} is older than 28.0.0: hosts on the same L2 network can "
            "reach ports published on 127.0.0.1 (moby/moby#45610)",
            "upgrade Docker to 28.0.0 or newer, or drop forwarded traffic to 127.0.0.0/8 on the host",
            None,
            f"engine {engine.version}",
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
