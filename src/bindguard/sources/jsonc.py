"""A small JSONC reader (JSON with comments and trailing commas) that keeps positions.

``devcontainer.json`` is JSONC: ``//`` and ``/* */`` comments and trailing
commas are allowed.  ``json`` keeps no positions and refuses both, so this
reader walks the text once, left to right, and returns :class:`Node` values
with their line, column and character offsets (what findings point at and
``fix`` splices).  Every character is looked at a bounded number of times
(strings and comments are found with ``str.find``/one regex match from a
known start), nesting is limited, so it runs in linear time and bounded
memory on any input (tests/test_sources_linear_time.py).
"""

from __future__ import annotations

import bisect
import json
import re
from typing import NamedTuple

MAX_DEPTH = 200
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_STRING_BODY = re.compile(r'(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*')
_LITERALS = {"true": True, "false": False, "null": None}


class Node(NamedTuple):
    """One JSON value: ``kind`` is object, array, string, number, bool or null.

    ``value`` is a dict of key → (key Node, value Node) for objects, a list of
    Nodes for arrays, the Python value otherwise; ``start``/``end`` are
    offsets in the text (a string's include its quotes).
    """

    kind: str
    value: object
    start: int
    end: int
    line: int
    column: int


class JsoncError(ValueError):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line, self.column = line, column


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.lines = [0] + [m.end() for m in re.finditer(r"\n", text)]

    def where(self, offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(self.lines, offset) - 1
        return index + 1, offset - self.lines[index] + 1

    def fail(self, message: str, offset: int | None = None):
        line, column = self.where(self.pos if offset is None else offset)
        raise JsoncError(message, line, column)

    def skip(self) -> None:
        """Past blanks and comments."""
        text, n = self.text, len(self.text)
        while self.pos < n:
            c = text[self.pos]
            if c in " \t\r\n\ufeff":
                self.pos += 1
            elif text.startswith("//", self.pos):
                end = text.find("\n", self.pos)
                self.pos = n if end < 0 else end + 1
            elif text.startswith("/*", self.pos):
                end = text.find("*/", self.pos + 2)
                if end < 0:
                    self.fail("unterminated /* comment")
                self.pos = end + 2
            else:
                return

    def node(self, kind: str, value: object, start: int) -> Node:
        line, column = self.where(start)
        return Node(kind, value, start, self.pos, line, column)

    def value(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            self.fail(f"nested more than {MAX_DEPTH} levels deep")
        self.skip()
        if self.pos >= len(self.text):
            self.fail("unexpected end of file: a value is missing")
        c = self.text[self.pos]
        start = self.pos
        if c == "{":
            return self.container(depth, "}", start)
        if c == "[":
            return self.container(depth, "]", start)
        if c == '"':
            return self.node("string", self.string(), start)
        for word, literal in _LITERALS.items():
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return self.node("null" if literal is None else "bool", literal, start)
        match = _NUMBER.match(self.text, self.pos)
        if match is None or match.end() == start:
            self.fail(f"unexpected character {c!r}")
        assert match is not None
        self.pos = match.end()
        number = match.group()
        value = float(number) if any(ch in number for ch in ".eE") else int(number[:20])
        return self.node("number", value, start)

    def string(self) -> str:
        start = self.pos
        body = _STRING_BODY.match(self.text, start + 1)
        end = body.end() if body else start + 1
        if end >= len(self.text) or self.text[end] != '"':
            self.fail("unterminated or invalid string", end if end < len(self.text) else start)
        self.pos = end + 1
        return json.loads(self.text[start:end + 1])

    def container(self, depth: int, close: str, start: int) -> Node:
        self.pos += 1
        items: list[Node] = []
        members: dict[str, tuple[Node, Node]] = {}
        while True:
            self.skip()
            if self.text.startswith(close, self.pos):
                self.pos += 1
                break
            if close == "}":
                if not self.text.startswith('"', self.pos):
                    self.fail("expected a key in double quotes or '}'")
                key_start = self.pos
                key = self.string()
                key_node = self.node("string", key, key_start)
                self.skip()
                if not self.text.startswith(":", self.pos):
                    self.fail("expected ':' after a key")
                self.pos += 1
                members[key] = (key_node, self.value(depth + 1))
            else:
                items.append(self.value(depth + 1))
            self.skip()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            if not self.text.startswith(close, self.pos):
                self.fail(f"expected ',' or {close!r}")
        if close == "}":
            return self.node("object", members, start)
        return self.node("array", items, start)


def parse(text: str) -> Node:
    """The one value of ``text``; JsoncError with line and column when it is not JSONC."""
    reader = _Reader(text)
    node = reader.value(0)
    reader.skip()
    if reader.pos != len(text):
        reader.fail("unexpected text after the value")
    return node
