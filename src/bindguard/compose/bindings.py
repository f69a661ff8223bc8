"""Port items (YAML nodes) to :class:`Binding` values, the way Compose reads them.

Each item is resolved from its node with YAML 1.2 rules, interpolated, then
handed to :mod:`bindguard.ports`.  Anything Compose would reject becomes a
BG007 problem at the item's own line instead of an exception.
"""

from typing import NamedTuple

import yaml

from bindguard.compose.interpolate import InterpolationError, Lookup, interpolate
from bindguard.compose.nodes import mapping_entries, node_kind, resolve_scalar
from bindguard.compose.services import PortItem
from bindguard.model import (
    DOCKER_DEFAULT_ORIGIN,
    WILDCARD_V4,
    WILDCARD_V6,
    Binding,
    Location,
    Note,
    Problem,
)
from bindguard.ports import LONG_KEYS, PortSpec, PortSyntaxError, parse_long, parse_short, shown


class HostDefault(NamedTuple):
    """What an entry without a host IP listens on, and why.

    ``origin`` is said on every finding; ``note`` is a longer explanation
    shared by every entry with this default, reported once.
    """

    addresses: tuple[str, ...] = (WILDCARD_V4, WILDCARD_V6)
    origin: str = DOCKER_DEFAULT_ORIGIN
    note: Note | None = None


DOCKER_DEFAULT = HostDefault()


class _EntryError(Exception):
    def __init__(self, message: str, entry: str = ""):
        super().__init__(message)
        self.entry = entry


def _interpolate(text: str, lookup: Lookup, missing: list[str]) -> str:
    if "$" not in text:
        return text
    try:
        result = interpolate(text, lookup)
    except InterpolationError as exc:
        raise _EntryError(str(exc), text) from None
    for name in result.missing:
        if name not in missing:
            missing.append(name)
    return result.value


def _short_text(node: yaml.ScalarNode) -> str:
    value = resolve_scalar(node)
    if value is None:
        raise _EntryError("empty port entry")
    if isinstance(value, bool):
        raise _EntryError(f"port entry must be a number or a string, not {shown(node.value)}", node.value)
    if isinstance(value, float):
        raise _EntryError(f"port entry {shown(node.value)} is not a whole port number", node.value)
    if isinstance(value, int):
        # YAML 1.2 int: 80, but also 0x50 or 0o120; Compose sees the number.
        return str(value)
    return value


def _long_item(node: yaml.MappingNode, lookup: Lookup, missing: list[str]) -> dict[str, object]:
    item: dict[str, object] = {}
    for key, entry in mapping_entries(node).items():
        value_node = entry.value
        if key.startswith("x-"):
            continue  # extension keys may hold anything; they never change the binding
        if not isinstance(value_node, yaml.ScalarNode):
            raise _EntryError(f"port mapping: {shown(key)} must be a scalar, not {node_kind(value_node)}")
        value = resolve_scalar(value_node)
        if isinstance(value, str):
            value = _interpolate(value, lookup, missing)
            if key in ("target", "published") and value.isascii() and value.isdigit():
                # as an int only when it can be a port; longer digit strings stay
                # text and are rejected with a message by the port parser
                value = int(value) if len(value) <= 6 else value
        item[key] = value
    return item


def _parse_item(node: yaml.Node, lookup: Lookup, missing: list[str]) -> tuple[PortSpec, str, str, str]:
    """(spec, entry text after interpolation, raw text, syntax) or _EntryError."""
    if isinstance(node, yaml.ScalarNode):
        raw = _short_text(node)
        text = _interpolate(raw, lookup, missing)
        try:
            return parse_short(text), text, raw, "short"
        except PortSyntaxError as exc:
            raise _EntryError(str(exc), raw) from None
    if isinstance(node, yaml.MappingNode):
        item = _long_item(node, lookup, missing)
        try:
            spec = parse_long(item)
        except PortSyntaxError as exc:
            raise _EntryError(str(exc), _long_repr(item)) from None
        return spec, _long_repr(item), _long_repr(item), "long"
    raise _EntryError(f"port entry must be a number, a string or a mapping, not {node_kind(node)}")


def _long_repr(item: dict[str, object]) -> str:
    keys = [k for k in ("host_ip", "published", "target", "protocol", "mode") if k in item]
    keys += sorted(k for k in item if k not in keys and k in LONG_KEYS)
    return "{" + ", ".join(f"{k}: {item[k]}" for k in keys) + "}"


def item_binding(
    item: PortItem,
    service: str,
    lookup: Lookup,
    default: HostDefault = DOCKER_DEFAULT,
    project: str | None = None,
) -> Binding | Problem:
    """One port item as a Binding, or as the BG007 problem that explains why not."""
    loc: Location = item.location
    missing: list[str] = []
    try:
        spec, entry, raw, syntax = _parse_item(item.node, lookup, missing)
    except _EntryError as exc:
        if missing:
            # The entry only breaks because a variable is unset: BG006 says which.
            names = ", ".join(missing)
            return Problem(
                "BG006",
                f"variable{'s' if len(missing) > 1 else ''} {names} unset with no default: "
                f"the entry becomes invalid ({exc}), so Compose refuses the file",
                loc,
                service=service,
                entry=exc.entry,
            )
        return Problem("BG007", f"invalid port entry: {exc}", loc, service=service, entry=exc.entry)
    return Binding(
        service=service,
        host_ip=spec.host_ip,
        host_ports=spec.host_ports,
        container_ports=spec.container_ports,
        protocol=spec.protocol,
        location=loc,
        entry=entry,
        raw=raw,
        syntax=syntax,
        mode=spec.mode,
        name=spec.name,
        app_protocol=spec.app_protocol,
        default_host_ip=default.addresses,
        default_origin=default.origin,
        default_note=default.note,
        variables=tuple(missing),
        project=project,
    )
