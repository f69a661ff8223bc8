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


# C0 controls (newline, ESC, ...), DEL and C1 controls (0x9B is a one-byte CSI
# on some terminals) are shown as escapes.
_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0))}


def printable(text: str) -> str:
    """``text`` with every control character written as ``\\xNN``."""
    return text.translate(_CONTROL)
