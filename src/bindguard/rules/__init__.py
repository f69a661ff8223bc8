"""The rule registry: one module per code, one hop from code to rule.

Each rule module has a docstring (the user doc, shown by ``bindguard rules
CODE``), a ``check(item, options)`` yielding Violations and one typed
declaration ``RULE = Rule(...)`` (``rules/contract.py``: code, name,
severity, scope, summary, since, check, options, doc). The scope says what
``check`` receives (see ``Scope``). The list below is explicit, in code
order: adding a rule adds one line here. Codes are never reused; retired
ones stay listed in ``RETIRED``.
"""

from __future__ import annotations

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
    bg015_loopback_answers_neighbour,
    bg016_service_not_running,
)
from bindguard.rules.contract import Rule, Scope

_DECLARED: tuple[Rule, ...] = (
    bg000_invalid_compose_file.RULE,
    bg001_implicit_all_interfaces.RULE,
    bg002_explicit_wildcard.RULE,
    bg003_specific_address.RULE,
    bg004_host_network.RULE,
    bg005_host_port_conflict.RULE,
    bg006_unset_variable.RULE,
    bg007_invalid_port_entry.RULE,
    bg008_swarm_ignores_host_ip.RULE,
    bg009_expected_binding.RULE,
    bg010_compose_drift.RULE,
    bg011_engine_risk.RULE,
    bg012_ignore_without_reason.RULE,
    bg013_unused_ignore.RULE,
    bg014_direct_routing_gateway_mode.RULE,
    bg015_loopback_answers_neighbour.RULE,
    bg016_service_not_running.RULE,
)

RULES: dict[str, Rule] = {rule.code: rule for rule in _DECLARED}
RETIRED: dict[str, str] = {}
SCOPES = tuple(Scope)

DOCS_URL = "https://github.com/bindguard/bindguard/blob/main/docs/rules/{code}.md"


def get(code: str) -> Rule:
    """The rule declared for ``code`` (case-insensitive); UnknownRuleError otherwise."""
    try:
        return RULES[code.strip().upper()]
    except KeyError:
        raise UnknownRuleError(code) from None


def help_uri(code: str) -> str:
    return DOCS_URL.format(code=code)


def option_names() -> dict[str, list[str]]:
    """Every rule option a config may set, with the codes of the rules that read it."""
    names: dict[str, list[str]] = {}
    for rule in _DECLARED:
        for option in rule.options:
            names.setdefault(option, []).append(rule.code)
    return names
