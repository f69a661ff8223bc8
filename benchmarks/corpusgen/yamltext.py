"""Writing YAML text by hand: scalar quoting as authors do it, and a document builder that tracks
which bytes belong to `ports:` blocks (the corpus counts them)."""

from __future__ import annotations

import random
import re

# --------------------------------------------------------------------------
# YAML scalar helpers
# --------------------------------------------------------------------------

# YAML 1.1 (PyYAML) implicit types a plain scalar could resolve to.
_YAML11_SPECIAL = re.compile(
    r"""^(?:
        ~|null|Null|NULL|
        y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|
        on|On|ON|off|Off|OFF|
        [-+]?(?:0|[1-9][0-9_]*|0[0-7_]+|0x[0-9a-fA-F_]+|0b[01_]+)|
        [-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+|
        [-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+][0-9]+)?|
        [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|
        [-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|
        <<|=
    )$""",
    re.X,
)
# YAML 1.1 sexagesimal integer: an unquoted 2222:22 loads as the int 8022.
BASE60 = re.compile(r"^[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+$")


def dq(s: str) -> str:
    """Double-quoted YAML scalar."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def sq(s: str) -> str:
    """Single-quoted YAML scalar."""
    return "'" + s.replace("'", "''") + "'"


def plain_ok(s: str) -> bool:
    """True if ``s`` can be written as a block-context plain scalar that loads back as the same string."""
    if not s or s != s.strip():
        return False
    if s[0] in "!&*{}[]|>'\"%@`#,?:-" or s[0] == "\t":
        return False
    if ": " in s or " #" in s or s.endswith(":") or "\t" in s or "\n" in s:
        return False
    return not _YAML11_SPECIAL.match(s)


def sc(s: str, rng: random.Random | None = None, quote_p: float = 0.0) -> str:
    """A string scalar: plain if safe (and not randomly quoted), else double-quoted."""
    if plain_ok(s) and not (rng is not None and rng.random() < quote_p):
        return s
    return dq(s)


# --------------------------------------------------------------------------
# Output buffer that knows how many bytes went into ports blocks
# --------------------------------------------------------------------------


class Doc:
    def __init__(self, unit: int, seq_indent: bool):
        self.unit = unit
        self.seq_indent = seq_indent
        self.lines: list[str] = []
        self.port_chars = 0
        self.port_lines = 0

    def ind(self, depth: int) -> str:
        return " " * (self.unit * depth)

    def item_prefix(self, key_depth: int) -> str:
        """Indentation of the '- ' of a block sequence that is the value of a key at ``key_depth``."""
        return self.ind(key_depth + 1) if self.seq_indent else self.ind(key_depth)

    def add(self, text: str, ports: bool = False) -> None:
        self.lines.append(text)
        if ports:
            self.port_chars += len(text) + 1
            self.port_lines += 1

    def kv(self, depth: int, key: str, value: str | None = None, comment: str | None = None, ports: bool = False) -> None:
        line = f"{self.ind(depth)}{key}:"
        if value is not None:
            line += " " + value
        if comment:
            line += "  # " + comment
        self.add(line, ports)

    def items(self, key_depth: int, values: list[str], ports: bool = False) -> None:
        p = self.item_prefix(key_depth)
        for v in values:
            self.add(f"{p}- {v}", ports)

    def mapping(self, depth: int, pairs: list[tuple[str, str]]) -> None:
        for k, v in pairs:
            self.kv(depth, k, v)

    def blank(self) -> None:
        self.lines.append("")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


# --------------------------------------------------------------------------
# Service archetypes
# --------------------------------------------------------------------------
