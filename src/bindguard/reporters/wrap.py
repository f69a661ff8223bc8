"""Word wrapping for coloured terminal lines, with a hanging indent.

Why not ``textwrap``: it measures escape sequences as characters, so a
coloured rule code would wrap a line too early.  Here a line is built from
tokens that carry their visible text and their rendered (possibly coloured)
text; only the visible width counts.  Long tokens (a path, a URL) are never
broken: a line may exceed the width rather than cut a link in two.
"""

from typing import NamedTuple


class Token(NamedTuple):
    """One unbreakable word: what it looks like and what is written."""

    plain: str
    rendered: str


def words(text: str, rendered: str | None = None) -> list[Token]:
    """The words of ``text`` as tokens; ``rendered`` is used when it is one painted word."""
    if rendered is not None:
        return [Token(text, rendered)]
    return [Token(w, w) for w in text.split(" ") if w]


def wrap(tokens: list[Token], width: int | None, indent: str) -> list[str]:
    """Greedy wrap at ``width`` visible columns; later lines start with ``indent``.

    ``width`` None means one line, however long (output to a pipe or file
    stays one finding per line, so ``grep`` keeps the location).
    """
    if not tokens:
        return [""]
    if width is None:
        return [" ".join(t.rendered for t in tokens)]
    lines: list[str] = []
    current: list[str] = [tokens[0].rendered]
    used = len(tokens[0].plain)
    for token in tokens[1:]:
        if used + 1 + len(token.plain) > width and used > len(indent):
            lines.append(" ".join(current))
            current = [indent + token.rendered]
            used = len(indent) + len(token.plain)
        else:
            current.append(token.rendered)
            used += 1 + len(token.plain)
    lines.append(" ".join(current))
    return lines
