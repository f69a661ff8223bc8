"""# BG003 non-loopback-address

## What it does
Reports a published port bound to one specific address that is not loopback,
such as a LAN address `192.168.1.10` or a public address, unless the address
is inside a CIDR of the `allow` list (for example a VPN or Tailscale range).

## Why is this bad?
The port is reachable by every machine that can reach that address. That may
be intended (a service for the LAN or a VPN), which is why this is a warning
and why trusted ranges can be allowed, but it is not "local only".

## Example
```yaml
ports:
  - "192.168.1.10:8080:80"
```

Use instead:
```yaml
ports:
  - "127.0.0.1:8080:80"
```
or allow the range: `bindguard lint --allow 192.168.1.0/24`.

## Fix
Not fixed automatically: a specific address is usually deliberate.

## Options
- `allow`: list of CIDRs (or addresses) whose addresses are accepted
  (`--allow 100.64.0.0/10`, repeatable).

## References
- [Docker: published ports](https://docs.docker.com/engine/network/port-publishing/)
- [Tailscale IP addresses (100.64.0.0/10)](https://tailscale.com/kb/1015/100.x-addresses)
"""

from __future__ import annotations

from collections.abc import Iterator

from bindguard.model import Binding, Severity, Verdict, Violation, address_verdict
from bindguard.rules._hints import binding_violation, loopback_hint, published
from bindguard.rules.contract import Rule, Scope
from bindguard.rules.fixinfo import manual
from bindguard.rules.options import RuleOptions

CODE = "BG003"


# What `bindguard fix` does with these findings (rules/fixinfo.py).
FIX = manual(
    "specific-address",
    "a specific address is usually deliberate: bind it to loopback by hand, or allow its range",
)


def check(binding: Binding, options: RuleOptions) -> Iterator[Violation]:
    if binding.variables and not binding.host_ip:
        return
    for address in binding.effective:
        if address_verdict(address) is not Verdict.SPECIFIC or options.allowed(address):
            continue
        origin = "" if binding.host_ip else f" ({binding.default_origin})"
        yield binding_violation(
            binding,
            f"{published(binding)} on {address}{origin}, reachable by every "
            "machine that can reach that address; allow its range if intended",
            # fix leaves a deliberate address alone, so the hint is its reason, not a rewrite.
            loopback_hint(binding) if binding.syntax == "engine" or binding.swarm else FIX.message,
        )


RULE = Rule(CODE, "non-loopback-address", Severity.WARNING, (Scope.BINDING,), "Port published on a specific non-loopback address",
            since="0.1.0", check=check, options={"allow": "CIDRs whose addresses are accepted"}, doc=__doc__, fix=FIX)
