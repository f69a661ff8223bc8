"""Terminal colour, and terminal safety, for the plain-text outputs.

Why not rich here: the lint and probe reports are lines of text with a few
coloured words and never wrap, and importing rich costs about 20 ms, a fifth
of the one-file budget (issue 8).  rich stays where it earns its keep: the
``ports`` table and typer's help.

Text that comes from files, engines or processes (paths, service and
container names, command lines) goes through :func:`printable` first, so it
can neither drive the terminal with escape sequences nor fake a line of
output.
"""

from __future__ import annotations

# SGR codes by style word, as rich's "standard" colour system writes them.
_CODES = {"bold": "1", "dim": "2", "underline": "4", "red": "31", "green": "32", "yellow": "33", "cyan": "36"}


def paint(text: str, style: str, color: bool) -> str:
    """``text`` wrapped in the SGR sequence for ``style`` ("bold red"), or as is."""
    if not color or not style:
        return text
    codes = ";".join(_CODES[word] for word in style.split())
    return f"\x1b[{codes}m{text}\x1b[0m"


# What must never reach a terminal or CI log as itself: C0 controls (newline, ESC,
# ...), DEL and C1 controls (0x9B is a one-byte CSI on some terminals), and the
# Unicode format characters (category Cf: the bidi embeddings, overrides and
# isolates U+202A-U+202E and U+2066-U+2069 that reorder what a reader sees, zero-width
# characters, the BOM, tag characters) and the line and paragraph separators
# U+2028/U+2029 (Zl, Zp), which some viewers break lines at.  Written as ranges
# so that the table costs nothing at import; tests/test_gate_switches.py checks
# it against ``unicodedata`` for every code point.
_UNSAFE_RANGES = (
    (0x0000, 0x001F), (0x007F, 0x009F), (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C),
    (0x06DD, 0x06DD), (0x070F, 0x070F), (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E),
    (0x200B, 0x200F), (0x2028, 0x202E), (0x2060, 0x2064), (0x2066, 0x206F), (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB), (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001), (0xE0020, 0xE007F),
)


def _escape(code: int) -> str:
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


_UNSAFE = {c: _escape(c) for first, last in _UNSAFE_RANGES for c in range(first, last + 1)}


def printable(text: str) -> str:
    """``text`` safe for a terminal or CI log: each unsafe character written as an escape.

    Controls become ``\\xNN``, format and separator characters ``\\uNNNN``
    (``\\UNNNNNNNN`` above the BMP).  The one escaping function for text from
    files, engines and processes: the reporters, ``commands.say`` (every
    stderr line, ``watch``'s status lines included) and the metrics' labels.
    """
    return text.translate(_UNSAFE)
