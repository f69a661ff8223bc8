"""Rewriting one port entry in the file's own text, byte for byte.

Why text surgery and not a YAML round trip: PyYAML drops comments and
re-quotes everything, ruamel keeps more but still re-flows, and a user's
compose file is reviewed as a diff.  So the YAML node tree is used only to
find *where* an entry is (node marks give character offsets), and the change
is a splice into the original text: the scalar token of a short-syntax
entry is replaced, a ``host_ip:`` line is inserted into a long-syntax item.
Everything outside those spans, comments and layout included, is untouched.

Each function here returns a :class:`Change` (a splice) or a
:class:`Refusal` (why the entry is left for a human).  Whether the change is
*right* is proved afterwards by the planner (the rewritten entry is parsed
and linted again); this module only guarantees the splice is well-formed.
"""

import functools
import ipaddress
import re
from typing import NamedTuple

import yaml

from bindguard.compose.nodes import MERGE_TAG, resolve_scalar
from bindguard.model import Verdict, address_verdict
from bindguard.ports import PortSyntaxError, parse_host_ip

LOOPBACK_V4 = "127.0.0.1"
LOOPBACK_V6 = "::1"
STR_TAG = "tag:yaml.org,2002:str"

_NAME = re.compile("[_A-Za-z\u017f\u212a][_A-Za-z0-9\u017f\u212a]*")
_OPERATORS = (":-", ":?", ":+", "-", "?", "+")


class Change(NamedTuple):
    """Replace ``text[start:end]`` with ``new``; ``start == end`` is an insertion.

    ``value`` is the new port entry (short syntax) or host_ip (long syntax)
    before YAML quoting, ``summary`` says what was done in a few words, and
    ``note`` why the rewrite differs from the usual one (shown in hints).
    """

    start: int
    end: int
    new: str
    value: str
    summary: str
    inserted_line: bool = False
    note: str = ""


class Refusal(NamedTuple):
    """Why an entry is not rewritten: ``reason`` is a stable key, ``message`` for people."""

    reason: str
    message: str


# -- addresses ---------------------------------------------------------------
def loopback_address(address: str) -> str:
    """``address`` as a canonical loopback literal; ValueError if it is not loopback."""
    text = address.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        raise ValueError(f"--address {address!r} is not an IP address") from None
    if not ip.is_loopback:
        raise ValueError(
            f"--address {address!r} is not a loopback address (127.0.0.0/8 or ::1)"
        )
    return str(ip)


def _family_loopback(address: str, wildcard: str) -> str:
    """The loopback that replaces ``wildcard``: the chosen address if the family matches.

    ``0.0.0.0`` only ever becomes an IPv4 loopback and ``::`` an IPv6 one, so
    a fix never moves a port to the other address family.
    """
    version = ipaddress.ip_address(wildcard).version
    if ipaddress.ip_address(address).version == version:
        return address
    return LOOPBACK_V4 if version == 4 else LOOPBACK_V6


def _bracketed(address: str) -> str:
    return f"[{address}]" if ":" in address else address


# -- variables ---------------------------------------------------------------
class Variable(NamedTuple):
    """One ``$NAME`` / ``${NAME}`` / ``${NAME<op>operand}`` reference as written."""

    text: str
    name: str
    operator: str | None
    operand: str | None


def _reference_end(raw: str, start: int) -> int:
    """Index just past the reference at ``raw[start] == '$'``; -1 if it is not one.

    Brace matching is plain nesting; the planner interpolates the result with
    the real compose rules afterwards, so an odd template cannot slip through.
    """
    nxt = raw[start + 1 : start + 2]
    if nxt == "{":
        depth = 0
        for i in range(start + 1, len(raw)):
            if raw[i] == "{":
                depth += 1
            elif raw[i] == "}":
                depth -= 1
                if depth == 0:
                    return i + 1
        return -1
    match = _NAME.match(raw, start + 1)
    return match.end() if match else -1


def top_level_colons(raw: str) -> list[int] | None:
    """Offsets of the ``:`` that separate the parts of a short entry.

    Colons inside ``${VAR:-default}`` do not count.  None when a ``${`` is
    never closed (the linter reports such an entry as invalid anyway).
    """
    colons = []
    i = 0
    while i < len(raw):
        char = raw[i]
        if char == "$":
            if raw[i + 1 : i + 2] == "$":
                i += 2
                continue
            end = _reference_end(raw, i)
            if end < 0:
                if raw[i + 1 : i + 2] == "{":
                    return None
                i += 1
                continue
            i = end
            continue
        if char == ":":
            colons.append(i)
        i += 1
    return colons


def single_variable(text: str) -> Variable | None:
    """The reference if ``text`` is exactly one variable reference, else None."""
    if not text.startswith("$") or text.startswith("$$"):
        return None
    if _reference_end(text, 0) != len(text):
        return None
    if text[1] != "{":
        return Variable(text, text[1:], None, None)
    match = _NAME.match(text, 2)
    if match is None:
        return None
    rest = text[match.end() : -1]
    if rest == "":
        return Variable(text, match.group(), None, None)
    for op in _OPERATORS:
        if rest.startswith(op):
            return Variable(text, match.group(), op, rest[len(op) :])
    return None


# -- host IP decisions -------------------------------------------------------
def new_host_ip(
    host: str, address: str, lookup, brackets: bool
) -> tuple[str, str, str] | Refusal:
    """(new host-IP text, summary, note for the hint) for a host IP written as ``host``.

    ``brackets`` is True in short syntax, where IPv6 is written ``[::1]``;
    long syntax's ``host_ip`` takes the bare address.
    """
    fmt = _bracketed if brackets else (lambda a: a)
    if host in ("", "[]"):
        return fmt(address), f"add host IP {address}", ""
    if "$" in host:
        var = single_variable(host)
        if var is None:
            return Refusal(
                "variable-host-ip",
                f"the host IP {host!r} is built from variables and text; set it by hand",
            )
        value = lookup(var.name)
        # ":-" (and a new default) applies to an empty value too; "-" only to an unset one
        if var.operator in (None, ":-", "-") and (value if var.operator != "-" else value is not None):
            # The value itself is never shown: it may be a secret of this machine.
            return Refusal(
                "variable-set",
                f"the host IP comes from variable {var.name}, {_origin(lookup, var.name)}; "
                f"{'its default' if var.operator else 'a default'} would not apply: "
                "set it to a loopback address there",
            )
        if var.operator is None:
            return "${" + var.name + ":-" + fmt(address) + "}", f"default {var.name} to {address}", ""
        if var.operator in (":-", "-") and "$" not in (var.operand or "x"):
            # Nothing sets it, so the default is what everyone who copies the file gets: make
            # that loopback (fix proves it with every env file the project ships, too).
            loopback = _default_loopback(var.operand or "", address, brackets)
            if loopback is not None:
                why = f"no env source sets {var.name}: its default was {var.operand or 'empty'}"
                return ("${" + var.name + var.operator + loopback + "}",
                        f"default {var.name} to {address} ({why})", why)
        return Refusal(
            "variable-has-default",
            f"the host IP comes from variable {var.name} ({_origin(lookup, var.name)}), whose "
            f"{'alternative' if var.operator in (':+', '+') else 'default'} in {var.text} is not a wildcard "
            f"address fix can replace; change it or set {var.name} by hand",
        )
    try:
        ip = parse_host_ip(host, brackets=brackets)
    except PortSyntaxError:
        return Refusal("invalid-entry", f"the host IP {host!r} is not an IP address")
    if address_verdict(ip) is not Verdict.WILDCARD:
        return Refusal(
            "not-wildcard", f"the host IP {ip} is not a wildcard; not changed"
        )
    try:
        loopback = _family_loopback(address, ip)
    except ValueError:  # pragma: no cover - parse_host_ip accepted it
        return Refusal("invalid-entry", f"the host IP {host!r} is not an IP address")
    written = f"[{loopback}]" if host.startswith("[") else loopback
    return written, f"replace wildcard {ip} with {loopback}", ""


def _origin(lookup, name: str) -> str:
    """Where ``name`` was set (``set in .env:2``, ``set in the environment``, ``unset``), never its value."""
    env = getattr(lookup, "__self__", None)  # Environment.lookup: the environment knows where
    if env is not None and hasattr(env, "origin"):
        return str(env.origin(name))
    return "unset" if lookup(name) is None else "set in the environment or an env file"


def _default_loopback(operand: str, address: str, brackets: bool) -> str | None:
    """The loopback text replacing a wildcard default (``0.0.0.0``, ``[::]``, or an empty
    one, which leaves the host IP empty: every interface), else None."""
    if operand == "":
        return _bracketed(address) if brackets else address
    try:
        ip = parse_host_ip(operand, brackets=brackets)
    except PortSyntaxError:
        return None
    if address_verdict(ip) is not Verdict.WILDCARD:
        return None
    try:
        loopback = _family_loopback(address, ip)
    except ValueError:  # pragma: no cover - parse_host_ip accepted it
        return None
    return f"[{loopback}]" if operand.startswith("[") else loopback


def short_value(raw: str, address: str, lookup) -> tuple[str, str, str] | Refusal:
    """The new short-syntax entry for ``raw`` (the entry's text before interpolation)."""
    colons = top_level_colons(raw)
    if colons is None:
        return Refusal("invalid-entry", f"cannot read the entry {raw!r}")
    if len(colons) < 2:
        # "80:80" or "80": no host IP part; prefix one ("127.0.0.1::80" = random host port).
        prefix = _bracketed(address) + (":" if colons else "::")
        return prefix + raw, f"add host IP {address}", ""
    cut = colons[-2]
    result = new_host_ip(raw[:cut], address, lookup, brackets=True)
    if isinstance(result, Refusal):
        return result
    host, summary, note = result
    return host + raw[cut:], summary, note


# -- YAML scalars ------------------------------------------------------------
_CONTEXTS = {
    True: ("[{v}]\n", "{{k: {v}}}\n"),
    False: ("- {v}\n", "k: {v}\n"),
}


def _first_scalar(node: yaml.Node) -> yaml.Node:
    if isinstance(node, yaml.SequenceNode):
        return node.value[0]
    return node.value[0][1]


@functools.lru_cache(maxsize=4096)
def plain_ok(value: str, flow: bool | None) -> bool:
    """Whether ``value`` written unquoted reads back as the same string.

    Checked by parsing, not by a character list: with libyaml and the
    YAML 1.2 resolution bindguard (and Compose) use, and with PyYAML's
    YAML 1.1 resolver, so no reader sees a number, a boolean, a mapping
    or a syntax error.  ``flow`` is None when the context is unknown.
    """
    if not value or value != value.strip():
        return False
    flows = (True, False) if flow is None else (flow,)
    for f in flows:
        for template in _CONTEXTS[f]:
            doc = template.format(v=value)
            try:
                composed = yaml.compose(doc, Loader=yaml.CSafeLoader)
                # PyYAML's YAML 1.1 reading (safe_load's SafeConstructor and resolver),
                # through libyaml: the pure-Python parser cost 0.5 ms a value
                loaded = yaml.load(doc, Loader=yaml.CSafeLoader)
            except yaml.YAMLError:
                return False
            if composed is None:
                return False
            node = _first_scalar(composed)
            if not isinstance(node, yaml.ScalarNode) or node.style or node.value != value:
                return False
            if resolve_scalar(node) != value:
                return False
            data = loaded[0] if isinstance(loaded, list) else loaded["k"]
            if data != value:
                return False
    return True


def render(value: str, style: str | None, flow: bool | None, plain_allowed: bool = True) -> str:
    """``value`` as a YAML scalar in the given quoting style, quoted when plain is unsafe."""
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    if style == '"' or not plain_allowed or not plain_ok(value, flow):
        return double_quoted(value)
    return value


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def double_quoted(value: str) -> str:
    """``value`` as a YAML double-quoted scalar, escaped exactly as ``json.dumps`` would.

    JSON strings are YAML double-quoted scalars; written here because lint's
    hints use it and ``json`` is not on the lint path (issue 8).
    """
    out = []
    for char in value:
        escaped = _ESCAPES.get(char)
        if escaped is None and char < " ":
            escaped = f"\\u{ord(char):04x}"
        out.append(escaped or char)
    return '"' + "".join(out) + '"'



def scalar_token(text: str, node: yaml.ScalarNode) -> tuple[int, int] | Refusal:
    """(start, end) of the scalar itself, after any ``&anchor`` / ``!tag`` properties."""
    start, end = node.start_mark.index, node.end_mark.index
    i = start
    while i < end and text[i] in "&!":
        while i < end and not text[i].isspace():
            i += 1
        while i < end and text[i] in " \t\r\n":
            i += 1
    if any(p.startswith("!") for p in text[start:i].split()) and node.tag != STR_TAG:
        return Refusal("unsupported", f"the entry has an explicit tag ({node.tag}); edit it by hand")
    style = node.style or ""
    token = text[i:end]
    if style in ("'", '"'):
        if len(token) < 2 or token[0] != style or token[-1] != style:
            return Refusal("unsupported", "cannot locate the quoted entry in the file")
    elif style:
        return Refusal("unsupported", f"block scalar ({style}) entries are edited by hand")
    elif token[:1] in ("'", '"'):
        return Refusal("unsupported", "cannot locate the entry in the file")
    return i, end


# -- short syntax ------------------------------------------------------------
def short_change(
    text: str, node: yaml.ScalarNode, flow: bool | None, address: str, lookup
) -> Change | Refusal:
    """The splice that puts a short-syntax entry on loopback."""
    value = resolve_scalar(node)
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return Refusal("invalid-entry", f"the entry {node.value!r} is not a port entry")
    was_str = isinstance(value, str)
    raw = value if isinstance(value, str) else str(value)
    span = scalar_token(text, node)
    if isinstance(span, Refusal):
        return span
    result = short_value(raw, address, lookup)
    if isinstance(result, Refusal):
        return result
    new_value, summary, note = result
    start, end = span
    # A plain number (5432) becomes a string: always quoted, so no YAML reader
    # can take the new text for a number again.
    style = node.style or None
    new = render(new_value, style, flow, plain_allowed=was_str)
    return Change(start, end, new, new_value, summary, note=note)


# -- long syntax -------------------------------------------------------------
def _line_end(text: str, index: int) -> tuple[int, str]:
    """(offset just past the line break at or after ``index``, that break); (len, "") at EOF."""
    for i in range(index, len(text)):
        char = text[i]
        if char == "\n":
            return i + 1, "\n"
        if char == "\r":
            if text[i + 1 : i + 2] == "\n":
                return i + 2, "\r\n"
            return i + 1, "\r"
    return len(text), ""


def _default_break(text: str) -> str:
    if "\r\n" in text:
        return "\r\n"
    if "\n" not in text and "\r" in text:
        return "\r"
    return "\n"


def _own_pairs(node: yaml.MappingNode) -> list[tuple[yaml.Node, yaml.Node]]:
    """Explicit (not merged) pairs whose value is written right there, after its key."""
    out: list[tuple[yaml.Node, yaml.Node]] = []
    for key, value in node.value:
        if key.tag == MERGE_TAG or not isinstance(key, yaml.ScalarNode):
            continue
        if value.start_mark.index < key.end_mark.index:
            continue  # an alias: the value is written elsewhere
        out.append((key, value))
    return out


def _sibling_style(pairs) -> str | None:
    for _, value in pairs:
        if isinstance(value, yaml.ScalarNode) and value.style in ("'", '"'):
            return value.style
    return None


def _render_inserted(address: str, pairs, flow: bool) -> str:
    """A new ``host_ip`` value: quoted like its siblings, and ``"::1"`` always quoted.

    A plain scalar starting with ``:`` is valid YAML 1.2 in block context, but
    it reads like a syntax error and some older parsers refuse it.
    """
    style = _sibling_style(pairs)
    return render(address, style, flow, plain_allowed=not address.startswith(":"))


def long_change(text: str, node: yaml.MappingNode, address: str, lookup) -> Change | Refusal:
    """The splice that puts a long-syntax item on loopback: set or insert ``host_ip``."""
    flow = bool(node.flow_style)
    explicit = None
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.tag != MERGE_TAG and key.value == "host_ip":
            explicit = (key, value)  # the last one wins, like the loader
    if explicit is not None:
        key, value = explicit
        if value.start_mark.index < key.end_mark.index:
            return Refusal(
                "unsupported", "host_ip is an alias to a value defined elsewhere; edit it by hand"
            )
        if not isinstance(value, yaml.ScalarNode):
            return Refusal("invalid-entry", "host_ip is not a scalar")
        current = resolve_scalar(value)
        if current is None:
            current = ""
        if not isinstance(current, str):
            return Refusal("invalid-entry", f"host_ip {value.value!r} is not an address")
        result = new_host_ip(current, address, lookup, brackets=False)
        if isinstance(result, Refusal):
            return result
        new_value, summary, note = result
        if value.start_mark.index == value.end_mark.index or current == "" and not value.style:
            # ``host_ip:`` with nothing (or null / ~) after it.
            start, end = value.start_mark.index, value.end_mark.index
            if value.tag != STR_TAG and start != end and text[start] == "!":
                return Refusal("unsupported", "host_ip has an explicit tag; edit it by hand")
            new = render(new_value, None, flow)
            if start == end and text[start - 1 : start] not in (" ", "\t"):
                new = " " + new
            return Change(start, end, new, new_value, summary, note=note)
        span = scalar_token(text, value)
        if isinstance(span, Refusal):
            return span
        new = render(new_value, value.style or None, flow)
        return Change(span[0], span[1], new, new_value, summary, note=note)

    pairs = _own_pairs(node)
    if flow:
        anchors = [p for p in pairs if not isinstance(p[1], yaml.ScalarNode) or p[1].style not in ("|", ">")]
        if not anchors:
            return Refusal("unsupported", "cannot place host_ip in this mapping; edit it by hand")
        _, last = anchors[-1]
        rendered = _render_inserted(address, pairs, True)
        at = last.end_mark.index
        return Change(at, at, f", host_ip: {rendered}", address, f"add host_ip {address}")
    anchors = [
        p for p in pairs
        if isinstance(p[1], yaml.ScalarNode) and p[1].style not in ("|", ">")
    ]
    if not anchors:
        return Refusal("unsupported", "cannot place host_ip in this mapping; edit it by hand")
    columns = {key.start_mark.column for key, _ in pairs}
    if len(columns) != 1:
        return Refusal("unsupported", "the keys of this mapping are not aligned; edit it by hand")
    indent_col = columns.pop()
    _, last = anchors[-1]
    at, brk = _line_end(text, last.end_mark.index)
    # YAML indentation is spaces only, so the key's column is the sibling indent.
    rendered = _render_inserted(address, pairs, False)
    body = " " * indent_col + f"host_ip: {rendered}"
    if brk:
        new = body + brk
    else:
        new = _default_break(text) + body
    return Change(at, at, new, address, f"add host_ip {address}", inserted_line=True)
