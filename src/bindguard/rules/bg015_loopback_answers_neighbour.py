"""# BG015 loopback-answers-neighbour

## What it does
With `bindguard audit --prove`, reports a container port published on a
loopback address (`127.0.0.1`, `::1`) that really answered a connection
from a throwaway neighbour host: a network namespace that bindguard joins
to this host by a new veth link (see `docs/neighbour.md`). The neighbour
tries this host's address on that link, and 127.0.0.1 (and ::1) routed
to this host, the way any machine on the same L2 segment can.

This is the evidence behind BG011's version-based claim. BG011 says an
engine older than 28.0 *may* let neighbours reach loopback-published
ports (moby/moby#45610); BG015 says one *did*, for this port, now. When
the engine is old but no loopback-published port answered (the bypass is
blocked, e.g. by a raw-table rule), the audit prints a note instead.

## Why is this bad?
`127.0.0.1:5432:5432` is meant to keep a database to this host. Before
Docker 28.0, the NAT rule Docker installs for it
(`-d 127.0.0.1/32 ! -i docker0 -j DNAT`) matches a packet for 127.0.0.1
that arrives from another host before the kernel's martian check would
drop it, so any machine on the same network segment that routes
127.0.0.1 to this host connects to the container.

## Example
```text
$ docker run -d -p 127.0.0.1:5432:5432 postgres:16     # on Docker 20.10
$ sudo bindguard audit --prove
BG015 container port 5432/tcp published on 127.0.0.1:5432 answered a neighbour host
through 127.0.0.1 routed to this host (engine NAT bypass, 2.9 ms)
```

Use instead: upgrade Docker to 28.0 or newer, or drop forwarded traffic
for loopback on the host, before Docker's NAT sees it:

```sh
iptables -t raw -I PREROUTING ! -i lo -d 127.0.0.0/8 -j DROP
```

## Fix
Not fixable from bindguard: the compose file is already right; the engine
or the host firewall must change. Run `bindguard audit --prove` again to
see the port refused or filtered.

## Options
None.

## References
- [moby/moby#45610: published ports on 127.0.0.1 reachable from the LAN](https://github.com/moby/moby/issues/45610)
- [Docker 28.0 release notes](https://docs.docker.com/engine/release-notes/28/)
- [bindguard: what the neighbour proves and what it cannot](../neighbour.md)
"""

from __future__ import annotations

from collections.abc import Iterator

from bindguard.model import NeighbourProof, Severity, Verdict, Violation
from bindguard.rules._hints import binding_violation
from bindguard.rules.contract import Rule, Scope
from bindguard.rules.fixinfo import manual

CODE = "BG015"

BYPASS = "loopback reachable from neighbour (engine NAT bypass)"


def check(proof: NeighbourProof, options: object) -> Iterator[Violation]:
    b = proof.binding
    if b.verdict is not Verdict.LOOPBACK or not proof.answered:
        return
    how = (
        "through 127.0.0.1 routed to this host (engine NAT bypass, moby/moby#45610)"
        if proof.verdict == BYPASS
        else "on this host's address on the neighbour's link"
    )
    yield binding_violation(
        b,
        f"container port {b.container_ports}/{b.protocol} published on "
        f"{b.spec().rsplit(':', 1)[0]} answered a neighbour host {how}, port {proof.port} "
        f"in {proof.seconds * 1000:.1f} ms",
        "upgrade Docker to 28.0.0 or newer, or drop forwarded loopback traffic: "
        "iptables -t raw -I PREROUTING ! -i lo -d 127.0.0.0/8 -j DROP",
    )


RULE = Rule(CODE, "loopback-answers-neighbour", Severity.ERROR, (Scope.ENGINE_PROOF,),
            "A port published on loopback answered a neighbour host (audit --prove)",
            since="0.2.0", check=check, doc=__doc__,
            fix=manual(
    "engine-or-firewall",
    "the compose file is already right: upgrade Docker to 28.0.0 or newer, or drop forwarded "
    "loopback traffic on the host",
))
