"""# BG002 explicit-wildcard-address

## What it does
Reports a published port whose host IP is written as a wildcard: `0.0.0.0`,
`::` or `[::]` (or any spelling of them, such as `0:0::0`).

## Why is this bad?
A wildcard listens on every interface of the host, like an entry without host
IP. Writing it explicitly looks deliberate but exposes the port the same way,
past ufw/firewalld. `[::]` is missed by checks that only look for `0.0.0.0`.

## Example
```yaml
ports:
  - "0.0.0.0:80:80"
  - "[::]:443:443"
```

Use instead:
```yaml
ports:
  - "127.0.0.1:80:80"
  - "[::1]:443:443"
```

## Fix
`bindguard fix` replaces `0.0.0.0` with `127.0.0.1` and `::` with `::1`.

## Options
None.

## References
- [Docker: published ports](https://docs.docker.com/engine/network/port-publishing/)
- [CWE-1327: Binding to an Unrestricted IP Address](https://cwe.mitre.org/data/definitions/1327.html)
"""

from __future__ import annotations

from collections.abc import Iterator

from bindguard.model import Binding, Severity, Verdict, Violation, address_verdict
from bindguard.rules._hints import binding_violation, loopback_hint, published
from bindguard.rules.contract import Rule, Scope
from bindguard.rules.fixinfo import auto

CODE = "BG002"


def check(binding: Binding, options: object) -> Iterator[Violation]:
    if binding.host_ip and address_verdict(binding.host_ip) is Verdict.WILDCARD:
        (address,) = binding.effective
        family = "IPv6" if ":" in address else "IPv4"
        written = "" if address == binding.host_ip else f" (the engine binds it as {address})"
        yield binding_violation(
            binding, f"{published(binding)} on {binding.host_ip}{written}, every {family} interface", loopback_hint(binding),
        )


RULE = Rule(CODE, "explicit-wildcard-address", Severity.ERROR, (Scope.BINDING,),
            "Port published on an explicit wildcard address (0.0.0.0 or ::)",
            since="0.1.0", check=check, doc=__doc__, fix=auto())
