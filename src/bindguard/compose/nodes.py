"""Reading PyYAML's node tree with Compose's (YAML 1.2) eyes.

PyYAML resolves plain scalars with YAML 1.1 rules, where an unquoted
``22:22`` is the base-60 integer 1342 and ``no`` is ``False``.  Compose uses a
YAML 1.2 parser, so we never read PyYAML's constructed values: we take the
node tree (which keeps every position) and resolve plain scalars ourselves
with the YAML 1.2 core schema.  Merge keys (``<<: *x``) are followed here as
well, and duplicate keys, which Compose rejects, are reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

import yaml

from bindguard.model import Location

MERGE_TAG = "tag:yaml.org,2002:merge"
RESET_TAG = "!reset"
OVERRIDE_TAG = "!override"
STR_TAG = "tag:yaml.org,2002:str"
# The loader (compose/loader.py) gives every untagged plain scalar this tag
# instead of running PyYAML's YAML 1.1 resolver; resolve_scalar types it.
PLAIN_TAG = "tag:bindguard,2026:plain"
# Implicit tags PyYAML's own resolver gives plain scalars (nodes composed by
# another loader, e.g. in tests); those are re-resolved as YAML 1.2 too.
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
        return _go_int(text)
    if _FLOAT.match(text):
        return float(text)
    if text in (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"):
        return float("inf")
    if text in ("-.inf", "-.Inf", "-.INF"):
        return float("-inf")
    if text in (".nan", ".NaN", ".NAN"):
        return float("nan")
    return text


def _go_int(text: str) -> int:
    sign = -1 if text[0] == "-" else 1
    body = text.lstrip("+-").replace("_", "")
    if len(body) > 1 and body[0] == "0" and body[1].isdigit():
        return sign * int(body, 8)
    return sign * int(body, 0)


def node_kind(node: yaml.Node) -> str:
    """A word for error messages: mapping, list, string, number..."""
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
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


@dataclass(frozen=True, slots=True)
class Entry:
    """One key of a mapping after merge keys were applied."""

    key: str
    key_node: yaml.Node
    value: yaml.Node


class DuplicateKey(ValueError):
    def __init__(self, key: str, node: yaml.Node, first: yaml.Node):
        self.key = key
        self.node = node
        self.first = first
        super().__init__(
            f"duplicate key {key!r} (first defined on line {first.start_mark.line + 1}); "
            "Compose rejects the file"
        )


def mapping_entries(
    node: yaml.MappingNode, duplicates: list[DuplicateKey] | None = None
) -> dict[str, Entry]:
    """The keys of a mapping node, merge keys applied, in document order.

    Explicit keys win over merged ones; among several merged mappings the
    first wins, as the YAML merge-key spec says.  Duplicate explicit keys are
    appended to ``duplicates`` (the later one is kept, as PyYAML would).
    """
    explicit: dict[str, Entry] = {}
    merged: list[yaml.Node] = []
    for key_node, value in node.value:
        if key_node.tag == MERGE_TAG:
            if isinstance(value, yaml.SequenceNode):
                merged.extend(value.value)
            else:
                merged.append(value)
            continue
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
        previous = explicit.get(key)
        if previous is not None and duplicates is not None:
            duplicates.append(DuplicateKey(key, key_node, previous.key_node))
        explicit[key] = Entry(key, key_node, value)
    if not merged:
        return explicit
    result: dict[str, Entry] = {}
    for source in merged:
        if not isinstance(source, yaml.MappingNode):
            continue
        for key, entry in mapping_entries(source).items():
            result.setdefault(key, entry)
    for key, entry in explicit.items():
        result.pop(key, None)
        result[key] = entry
    return result


def iter_sequence(node: yaml.SequenceNode) -> Iterator[yaml.Node]:
    return iter(node.value)


def plain_value(node: yaml.Node) -> object:
    """A node as plain Python data, YAML 1.2 typed (for small long-syntax items)."""
    if isinstance(node, yaml.ScalarNode):
        return resolve_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return [plain_value(n) for n in node.value]
    return {k: plain_value(e.value) for k, e in mapping_entries(node).items()}
