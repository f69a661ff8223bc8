"""The rule registry: one module per code, one hop from code to rule.

Each rule module has a docstring (the user doc, shown by ``bindguard rules
CODE``), ``CODE``, ``NAME``, ``SEVERITY``, ``SCOPE``, ``SUMMARY``,
``OPTIONS``, ``SINCE`` and ``check(item, options)`` yielding Violations.
``SCOPE`` (a name, or a tuple of names for a rule that reads two kinds of
item) says what ``check`` receives: ``binding`` (a Binding), ``service`` (a
Service), ``project`` (a whole Subject), ``problem`` (a Problem from a source),
``engine`` (an EngineFacts), ``drift`` (a Comparison), ``ignore`` (nothing:
BG012/BG013 are reported by ``bindguard.ignores``).
Codes are never reused; retired ones stay listed in ``RETIRED``.
"""

from __future__ import annotations

from types import ModuleType

from bindguard.errors import UnknownRuleError
from bindguard.rules import (
    bg000_invalid_compose_file,
    bg001_implicit_all_interfaces,
    bg002_explicit_wildcard,
    bg003_specific_address,
    bg004_host_network,
    bg005_host_port_conflict,
    bg006_unset_variable,
    bg007_invalid_port_entry,
    bg008_swarm_ignores_host_ip,
    bg009_expected_binding,
    bg010_compose_drift,
    bg011_engine_risk,
    bg012_ignore_without_reason,
    bg013_unused_ignore,
    bg014_direct_routing_gateway_mode,
)

# Every rule module imported above, in code order (one hop from code to module).
_MODULES: tuple[ModuleType, ...] = tuple(
    module
    for name, module in sorted(globals().items())
    if name.startswith("bg") and isinstance(module, ModuleType)
)

RULES: dict[str, ModuleType] = {m.CODE: m for m in _MODULES}
RETIRED: dict[str, str] = {}
SCOPES = ("problem", "binding", "service", "project", "engine", "drift", "ignore")

DOCS_URL = "https://github.com/bindguard/bindguard/blob/main/docs/rules/{code}.md"


def get(code: str) -> ModuleType:
    """The rule module for ``code`` (case-insensitive); UnknownRuleError otherwise."""
    try:
        return RULES[code.strip().upper()]
    except KeyError:
        raise UnknownRuleError(code) from None


def help_uri(code: str) -> str:
    return DOCS_URL.format(code=code)
