"""Port items (YAML nodes) to :class:`Binding` values, the way Compose reads them.

Each item is resolved from its node with YAML 1.2 rules, interpolated, then
handed to :mod:`bindguard.ports`.  Anything Compose would reject becomes a
BG007 problem at the item's own line instead of an exception.
"""


import yaml

from bindguard.compose.interpolate import InterpolationError, Lookup, interpolate
from bindguard.compose.nodes import is_reset, mapping_entries, node_kind, resolve_scalar
from bindguard.compose.services import PortItem
from bindguard.model import (
    INVALID_PORT_ENTRY,
    UNSET_VARIABLE,
    Binding,
    HostDefault,
    Location,
    Problem,
)
from bindguard.ports import LONG_KEYS, PortSpec, PortSyntaxError, parse_long, parse_short, shown
from bindguard.redact import Span, culprits, hidden_spans, masked, where_set

DOCKER_DEFAULT = HostDefault()


class _EntryError(Exception):
    def __init__(self, message: str, entry: str = ""):
        super().__init__(message)
        self.entry = entry


class _Values:
    """What interpolation put into one port item, for messages that must not print it (issue 14).

    ``origin`` says where a variable was set; ``show`` is ``--show-values``.
    Both come from the :class:`~bindguard.compose.environment.Environment`
    whose ``lookup`` the item carries.
    """

    def __init__(self, lookup: Lookup) -> None:
        env = getattr(lookup, "__self__", None)
        self.origin = getattr(env, "origin", None)
        self.show = bool(getattr(env, "show_values", False))
        self.missing: list[str] = []
        self.spans: dict[str, tuple[Span, ...]] = {}  # per long-syntax key; "" for a short entry
        self.interpolated = False

    def hidden(self, key: str, text: str) -> bool:
        return not self.show and bool(hidden_spans(text, self.spans.get(key, ())))

    def masked(self, key: str, text: str) -> str:
        return text if self.show else masked(text, self.spans.get(key, ()))


def _interpolate(text: str, lookup: Lookup, values: _Values, key: str = "") -> str:
    if "$" not in text:
        return text
    values.interpolated = True
    try:
        result = interpolate(text, lookup)
    except InterpolationError as exc:
        raise _EntryError(str(exc), text) from None
    for name in result.missing:
        if name not in values.missing:
            values.missing.append(name)
    if result.spans:
        values.spans[key] = result.spans
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
    assert isinstance(value, str)  # a scalar resolves to None, bool, int, float or str
    return value


def _long_item(
    node: yaml.MappingNode, lookup: Lookup, values: _Values
) -> tuple[dict[str, object], dict[str, object]]:
    """(the mapping after interpolation, the mapping as written)."""
    item: dict[str, object] = {}
    written: dict[str, object] = {}
    for key, entry in mapping_entries(node).items():
        value_node = entry.value
        if key.startswith("x-") or is_reset(value_node):
            # extension keys may hold anything and never change the binding; a !reset key is gone
            continue
        if not isinstance(value_node, yaml.ScalarNode):
            raise _EntryError(f"port mapping: {shown(key)} must be a scalar, not {node_kind(value_node)}")
        value = resolve_scalar(value_node)
        written[key] = value
        if isinstance(value, str):
            value = _interpolate(value, lookup, values, key)
            if key in ("target", "published") and value.isascii() and value.isdigit():
                # as an int only when it can be a port; longer digit strings stay
                # text and are rejected with a message by the port parser
                value = int(value) if len(value) <= 6 else value
        item[key] = value
    return item, written


def _hidden_error(exc: PortSyntaxError, text: str, raw: str, values: _Values) -> _EntryError | None:
    """The message for a short entry made invalid by values that may not be printed; None if none is involved."""
    spans = () if values.show else values.spans.get("", ())
    if not hidden_spans(text, spans):
        return None
    start, end = exc.span if exc.span is not None else (0, len(text))
    names = culprits(text, spans, start, end) or culprits(text, spans)
    part = exc.part or "entry"
    return _EntryError(
        f"{part} {masked(text, spans, start, end)!r} in {shown(raw)} is invalid: "
        f"it comes from {where_set(names, values.origin)}",
        raw,
    )


def _hidden_long_error(item: dict[str, object], written: dict[str, object], values: _Values) -> _EntryError | None:
    keys = [k for k, v in item.items() if isinstance(v, str) and values.hidden(k, v)]
    if not keys:
        return None
    names = [n for k in keys for n in culprits(str(item[k]), values.spans[k])]
    shown_keys = ", ".join(f"{k}: {values.masked(k, str(item[k]))}" for k in keys)
    return _EntryError(
        f"{_long_repr(written)} is invalid ({shown_keys}): "
        f"{'it comes' if len(keys) == 1 else 'they come'} from {where_set(dict.fromkeys(names), values.origin)}",
        _long_repr(written),
    )


def _parse_item(node: yaml.Node, lookup: Lookup, values: _Values) -> tuple[PortSpec, str, str, str, str]:
    """(spec, entry text after interpolation, raw text, syntax, resolved text to show) or _EntryError."""
    if isinstance(node, yaml.ScalarNode):
        raw = _short_text(node)
        text = _interpolate(raw, lookup, values)
        try:
            spec = parse_short(text)
        except PortSyntaxError as exc:
            raise _hidden_error(exc, text, raw, values) or _EntryError(str(exc), raw) from None
        return spec, text, raw, "short", values.masked("", text) if values.interpolated and not values.show else ""
    if isinstance(node, yaml.MappingNode):
        item, written = _long_item(node, lookup, values)
        try:
            spec = parse_long(item)
        except PortSyntaxError as exc:
            hidden = _hidden_long_error(item, written, values)
            raise hidden or _EntryError(str(exc), _long_repr(written)) from None
        resolved = ""  # --show-values: findings carry the interpolated entry, as before issue 14
        if values.interpolated and not values.show:
            resolved = _long_repr(
                {k: values.masked(k, v) if isinstance(v, str) else v for k, v in item.items()}
            )
        return spec, _long_repr(item), _long_repr(written), "long", resolved
    raise _EntryError(f"port entry must be a number, a string or a mapping, not {node_kind(node)}")


def _long_repr(item: dict[str, object]) -> str:
    keys: list[str] = [k for k in ("host_ip", "published", "target", "protocol", "mode") if k in item]
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
    values = _Values(lookup)
    missing = values.missing
    try:
        spec, entry, raw, syntax, resolved = _parse_item(item.node, lookup, values)
    except _EntryError as exc:
        if missing:
            # The entry only breaks because a variable is unset: BG006 says which.
            names = ", ".join(missing)
            return Problem(
                UNSET_VARIABLE,
                f"variable{'s' if len(missing) > 1 else ''} {names} unset with no default: "
                f"the entry becomes invalid ({exc}), so Compose refuses the file",
                loc,
                service=service,
                entry=exc.entry,
            )
        return Problem(INVALID_PORT_ENTRY, f"invalid port entry: {exc}", loc, service=service, entry=exc.entry)
    return spec.binding(
        service, loc, entry, raw=raw, syntax=syntax,
        default_host_ip=default.addresses, default_origin=default.origin, default_note=default.note,
        variables=tuple(missing), project=project, resolved=resolved,
    )
