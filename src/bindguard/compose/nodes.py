"""Reading PyYAML's node tree with Compose's (YAML 1.2) eyes.

PyYAML resolves plain scalars with YAML 1.1 rules, where an unquoted
``22:22`` is the base-60 integer 1342 and ``no`` is ``False``.  Compose uses a
YAML 1.2 parser, so we never read PyYAML's constructed values: we take the
node tree (which keeps every position) and resolve plain scalars ourselves
with the YAML 1.2 core schema.  Merge keys (``<<: *x``) are followed here as
well, and duplicate keys, which Compose rejects, are reported.
"""

import math
import re
import weakref
from collections.abc import Iterator
from typing import NamedTuple

import yaml

from bindguard.model import Location

MERGE_TAG = "tag:yaml.org,2002:merge"
RESET_TAG = "!reset"
OVERRIDE_TAG = "!override"
STR_TAG = "tag:yaml.org,2002:str"
# The loader (compose/yaml_reader.py) gives every untagged plain scalar this tag
# instead of running PyYAML's YAML 1.1 resolver; resolve_scalar types it.
PLAIN_TAG = "tag:bindguard,2026:plain"
# Implicit tags PyYAML's own resolver gives plain scalars (nodes composed by
# another loader, e.g. in tests); those are re-resolved as YAML 1.2 too.
# A scalar under a tag of its own (``!override 080``) is its text for compose-go, as for
# ``!!str``: "080" is then port 80, where a plain 080 is refused (the differential fuzz).
_IMPLICIT = frozenset(
    [PLAIN_TAG]
    + ["tag:yaml.org,2002:" + t for t in ("int", "float", "bool", "null", "timestamp")]
)
# Compose's parser (go-yaml v3) reads plain integers with Go's ParseInt(s, 0, 64):
# an optional sign, then 0x / 0o / 0b prefixes or a leading 0 for octal, and
# underscores between digits.  So 0x50, 8_0 and +80 are 80, 0120 is octal 80,
# and 080 (not octal) falls through to a float, which Compose rejects as a port.
_GO_INT = re.compile(
    r"[-+]?(?:0[xX]_?[0-9a-fA-F]+(?:_[0-9a-fA-F]+)*|0[oO]_?[0-7]+(?:_[0-7]+)*"
    r"|0[bB]_?[01]+(?:_[01]+)*|0_?[0-7]+(?:_[0-7]+)*|[1-9][0-9]*(?:_[0-9]+)*|0)\Z"
)
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_INT64_MIN = -(2**63)
_UINT64_MAX = 2**64 - 1
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})


def is_plain(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and not node.style


def resolve_scalar(node: yaml.ScalarNode) -> object:
    """The YAML 1.2 core-schema value of a scalar node (str, int, float, bool or None)."""
    text = node.value
    if node.style or node.tag not in _IMPLICIT:
        # Quoted, or explicitly tagged (``!!str 0x50``, ``!reset``...): the text itself.
        return text
    if text in _NULLS:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _GO_INT.match(text):
        value = _go_int(text)
        if value is not None:
            return value
        # Beyond 64 bits Go's ParseInt and ParseUint fail; go-yaml then tries
        # a float (finite only), else keeps the text as a string.
        plain = text.replace("_", "")
        if _FLOAT.match(plain) and math.isfinite(number := float(plain)):
            return number
        return text
    if _FLOAT.match(text):
        return float(text)
    if text in (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"):
        return float("inf")
    if text in ("-.inf", "-.Inf", "-.INF"):
        return float("-inf")
    if text in (".nan", ".NaN", ".NAN"):
        return float("nan")
    return text


def _go_int(text: str) -> int | None:
    """Go's ParseInt(s, 0, 64), or ParseUint for what is above int64; None beyond.

    Only the significant digits are converted (at most 64 of them), so a
    plain scalar of thousands of digits costs nothing and never hits
    Python's limit on converting long decimal strings.
    """
    sign = -1 if text[0] == "-" else 1
    body = text.lstrip("+-").replace("_", "")
    if len(body) > 1 and body[0] == "0" and body[1] in "xXoObB":
        base = {"x": 16, "o": 8, "b": 2}[body[1].lower()]
        digits = body[2:]
    elif len(body) > 1 and body[0] == "0":
        base, digits = 8, body[1:]
    else:
        base, digits = 10, body
    digits = digits.lstrip("0") or "0"
    if len(digits) > 64:
        return None
    value = sign * int(digits, base)
    if not _INT64_MIN <= value <= _UINT64_MAX:
        return None
    return value


def node_kind(node: yaml.Node) -> str:
    """A word for error messages: mapping, list, string, number..."""
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if not isinstance(node, yaml.ScalarNode):
        return "a list"
    value = resolve_scalar(node)
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "a string"


def location(file: str, node: yaml.Node) -> Location:
    mark = node.start_mark
    return Location(file=file, line=mark.line + 1, column=mark.column + 1)


class Entry(NamedTuple):
    """One key of a mapping after merge keys were applied."""

    key: str
    key_node: yaml.Node
    value: yaml.Node


class KeyProblem(ValueError):
    """A mapping key Compose would refuse; ``node`` is where it is written."""

    node: yaml.Node


class DuplicateKey(KeyProblem):
    def __init__(self, key: str, node: yaml.Node, first: yaml.Node):
        self.key = key
        self.node = node
        self.first = first
        super().__init__(
            f"duplicate key {key!r} (first defined on line {first.start_mark.line + 1}); "
            "Compose rejects the file"
        )


class ComplexKey(KeyProblem):
    """A mapping or list used as a key (``? [a, b]``, or ``{{ .Name }}:`` in a template)."""

    def __init__(self, node: yaml.Node):
        self.node = node
        super().__init__(
            f"a key must be a string, not {node_kind(node)}; Compose rejects the file"
        )


# Entries of mappings used as merge sources (``<<: *base``), computed once per
# node: a merge key may name the same anchor many times, at many levels
# ("billion laughs" through merge keys), which walked naively is exponential.
_MERGED: weakref.WeakKeyDictionary[yaml.Node, dict[str, Entry]] = weakref.WeakKeyDictionary()


def _own_entries(
    node: yaml.MappingNode, problems: list[KeyProblem] | None
) -> tuple[dict[str, Entry], list[yaml.MappingNode]]:
    """A mapping's explicit keys, and the mappings its merge keys name (in order)."""
    explicit: dict[str, Entry] = {}
    merged: list[yaml.MappingNode] = []
    for key_node, value in node.value:
        if key_node.tag == MERGE_TAG:
            sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
            merged.extend(m for m in sources if isinstance(m, yaml.MappingNode))
            continue
        if not isinstance(key_node, yaml.ScalarNode):
            if problems is not None:
                problems.append(ComplexKey(key_node))
            continue
        key = key_node.value
        previous = explicit.get(key)
        if previous is not None and problems is not None:
            problems.append(DuplicateKey(key, key_node, previous.key_node))
        explicit[key] = Entry(key, key_node, value)
    return explicit, merged


def _combine(explicit: dict[str, Entry], sources: list[dict[str, Entry]]) -> dict[str, Entry]:
    if not sources:
        return explicit
    result: dict[str, Entry] = {}
    for entries in sources:
        for key, entry in entries.items():
            result.setdefault(key, entry)
    for key, entry in explicit.items():
        result.pop(key, None)
        result[key] = entry
    return result


def _merged_entries(root: yaml.MappingNode) -> dict[str, Entry]:
    """All entries of a merge source, its own merges applied; iterative and cached.

    A loop of merge keys (which the loader refuses anyway) contributes nothing
    instead of recursing forever.
    """
    cached = _MERGED.get(root)
    if cached is not None:
        return cached
    active: set[int] = set()
    stack: list[tuple[yaml.MappingNode, bool]] = [(root, False)]
    while stack:
        node, ready = stack.pop()
        if node in _MERGED:
            continue
        explicit, sources = _own_entries(node, None)
        if ready:
            active.discard(id(node))
            _MERGED[node] = _combine(explicit, [_MERGED.get(m, {}) for m in sources])
            continue
        if id(node) in active:
            continue
        active.add(id(node))
        stack.append((node, True))
        stack.extend((m, False) for m in reversed(sources) if m not in _MERGED)
    return _MERGED.get(root, {})


def mapping_entries(
    node: yaml.MappingNode, duplicates: list[KeyProblem] | None = None
) -> dict[str, Entry]:
    """The keys of a mapping node, merge keys applied, in document order.

    Explicit keys win over merged ones; among several merged mappings the
    first wins, as the YAML merge-key spec says.  Duplicate explicit keys,
    and keys that are mappings or lists (skipped), are appended to
    ``duplicates`` (the later duplicate is kept, as PyYAML would).
    """
    explicit, merged = _own_entries(node, duplicates)
    return _combine(explicit, [_merged_entries(m) for m in merged])


def iter_sequence(node: yaml.SequenceNode) -> Iterator[yaml.Node]:
    return iter(node.value)


def untag_resets_under_override(root: yaml.Node) -> None:
    """Read ``!reset`` below an ``!override`` as compose-go does: as no tag at all.

    compose-go's reset processor does not descend into a node tagged
    ``!override``, so ``ports: !override [!reset "80"]`` publishes 80 (found
    by the differential fuzz, issue 29).  The nodes are retagged in place, once
    per file (only files whose text holds both tags are walked).
    """
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    seen: set[int] = set()
    while stack:
        node, inside = stack.pop()
        if id(node) in seen:  # an alias: the same node object again
            continue
        seen.add(id(node))
        if inside and node.tag == RESET_TAG:
            if isinstance(node, yaml.ScalarNode):
                node.tag = "tag:yaml.org,2002:str" if node.style else PLAIN_TAG
            else:
                node.tag = "tag:yaml.org,2002:seq" if isinstance(node, yaml.SequenceNode) else "tag:yaml.org,2002:map"
        inside = inside or node.tag == OVERRIDE_TAG
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, inside) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend((child, inside) for pair in node.value for child in pair)


def is_reset(node: yaml.Node) -> bool:
    """A ``!reset`` node: compose-go removes it, whatever its value (``key: !reset null``,
    ``- !reset "80:80"``, ``svc: !reset``), and a later merge drops what it names."""
    return node.tag == RESET_TAG


def plain_value(node: yaml.Node, budget: int = 100_000) -> object:
    """A node as plain Python data, YAML 1.2 typed (for small long-syntax items).

    Aliases are expanded, so the result is bounded: past ``budget`` nodes,
    ValueError (an alias bomb would otherwise expand exponentially).
    """
    left = [budget]

    def value(n: yaml.Node) -> object:
        left[0] -= 1
        if left[0] < 0:
            raise ValueError(f"more than {budget} nodes once aliases are expanded")
        if isinstance(n, yaml.ScalarNode):
            return resolve_scalar(n)
        if isinstance(n, yaml.SequenceNode):
            out = []
            for item in n.value:
                out.append(value(item))
            return out
        mapping = {}
        assert isinstance(n, yaml.MappingNode)  # a node is a scalar, a sequence or a mapping
        for k, e in mapping_entries(n).items():
            mapping[k] = value(e.value)
        return mapping

    return value(node)
