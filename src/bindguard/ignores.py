"""Inline ignores: ``# bindguard: ignore[BG001] reason`` next to the entry it excuses.

A directive at the end of a line covers findings on that line; a directive
alone on its line covers the next line.  A reason is required, so every
exception is explained where it is written: a directive without one still
suppresses, but is itself reported (BG012).  A directive that suppresses
nothing is reported as unused (BG013), like ruff's RUF100, so stale
exceptions do not pile up.  Comments are not in YAML's node tree, so the
directives are read from the file text the loader already holds.
"""

from collections.abc import Iterator
from typing import NamedTuple

from bindguard.model import Finding, Location, Violation
from bindguard.rules import RULES
from bindguard.rules import bg012_ignore_without_reason as no_reason
from bindguard.rules import bg013_unused_ignore as unused
from bindguard.runner import RuleSelection, stamp_all

MARKER = "bindguard:"
_IGNORE = "ignore["


class Directive(NamedTuple):
    file: str
    line: int  # where the comment is written
    column: int
    covers: int  # the line whose findings it suppresses
    codes: tuple[str, ...]
    reason: str
    malformed: str = ""  # the comment, when it is not ``ignore[CODES] reason``


def _markers(line: str) -> Iterator[tuple[int, int]]:
    """(index of ``#``, index after ``bindguard:``) of each ``# bindguard:`` in ``line``, blanks between allowed.

    One pass: each ``bindguard:`` is looked at once, and the walk back over
    blanks stops at text already looked at (issue 14: a regular expression
    retried from every ``#`` took time quadratic in the line's length).
    """
    done = 0  # text before this was looked at already (bounds the walk back over blanks)
    while True:
        marker = line.find(MARKER, done)
        if marker < 0:
            return
        hash_at = marker - 1
        while hash_at >= done and line[hash_at].isspace():
            hash_at -= 1
        done = marker + len(MARKER)
        if hash_at >= 0 and line[hash_at] == "#":
            yield hash_at, done


def _directive(line: str) -> tuple[int, str, str] | None:
    """(column of ``#``, codes text, text after ``]``) of the first directive in ``line``.

    The same as searching ``#\\s*bindguard:\\s*ignore\\[([^\\]]*)\\]`` in
    linear time (:func:`_markers`); once no ``]`` follows, no later
    directive can match either.
    """
    for hash_at, after in _markers(line):
        while after < len(line) and line[after].isspace():
            after += 1
        if not line.startswith(_IGNORE, after):
            continue
        codes_at = after + len(_IGNORE)
        close = line.find("]", codes_at)
        if close < 0:
            return None
        return hash_at, line[codes_at:close], line[close + 1 :]
    return None


def _reason(text: str) -> str:
    """The reason: text up to another comment (``reason  # note``); ``see #42`` stays whole.

    A linear scan for whitespace, ``#``, whitespace (a ``\\s+#\\s`` pattern
    backtracked over long runs of blanks).
    """
    hash_at = text.find("#")
    while hash_at >= 0:
        if 0 < hash_at < len(text) - 1 and text[hash_at - 1].isspace() and text[hash_at + 1].isspace():
            return text[:hash_at].strip()
        hash_at = text.find("#", hash_at + 1)
    return text.strip()


def _loose(line: str) -> tuple[int, str] | None:
    """(index of ``#``, text from ``bindguard:``) of a comment that speaks to bindguard
    but is no directive ("# bindguard: ignore kiosk", brackets missing): reported
    (BG013), since a typo must not pass for an exception that works.  One pass
    (:func:`_markers`)."""
    for hash_at, after in _markers(line):
        if hash_at == 0 or line[hash_at - 1].isspace():
            return hash_at, line[after - len(MARKER) :].strip()
    return None


def parse_directives(text: str, file: str) -> list[Directive]:
    if MARKER not in text:
        return []
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if MARKER not in line:
            continue
        found = _directive(line)
        if found is None:
            loose = _loose(line)
            if loose is not None:
                out.append(Directive(file, number, loose[0] + 1, number, (), "", loose[1]))
            continue
        start, codes_text, rest = found
        own_line = line[:start].strip() == ""
        codes = tuple(c.strip().upper() for c in codes_text.split(",") if c.strip())
        out.append(
            Directive(
                file=file,
                line=number,
                column=start + 1,
                covers=number + 1 if own_line else number,
                codes=codes,
                reason=_reason(rest),
            )
        )
    return out


def _where(directive: Directive) -> Location:
    return Location(file=directive.file, line=directive.line, column=directive.column)


def apply_ignores(
    findings: list[Finding],
    texts: dict[str, str],
    selection: RuleSelection,
    unparsed: frozenset[str] = frozenset(),
) -> tuple[list[Finding], int]:
    """(findings kept plus BG012/BG013 findings, number suppressed).

    In ``unparsed`` files (BG000) nothing was evaluated, so no ignore there is unused.
    """
    directives = [d for file, text in texts.items() for d in parse_directives(text, file)]
    if not directives:
        return findings, 0
    by_place: dict[tuple[str, int], list[Directive]] = {}
    for d in directives:
        by_place.setdefault((d.file, d.covers), []).append(d)
    used: set[Directive] = set()
    kept: list[Finding] = []
    for f in findings:
        candidates = by_place.get((f.location.file or "", f.location.line), [])
        match = next((d for d in candidates if f.code in d.codes), None)
        if match is None:
            kept.append(f)
        else:
            used.add(match)
    suppressed = len(findings) - len(kept)
    enabled = {r.code for r in selection.enabled()}
    bg012: list[Violation] = []
    bg013: list[Violation] = []
    for d in directives:
        if d.malformed:
            bg013.append(unused.malformed(_where(d), d.malformed))
            continue
        if not d.reason:
            bg012.append(no_reason.no_reason(_where(d), d.codes))
        unknown = [c for c in d.codes if c not in RULES]
        if unknown:
            bg013.append(unused.unknown_code(_where(d), d.codes, unknown[0]))
        elif d not in used and d.file not in unparsed and all(c in enabled for c in d.codes):
            bg013.append(unused.unused(_where(d), d.codes, d.covers))
    kept += stamp_all(selection, no_reason.CODE, bg012) + stamp_all(selection, unused.CODE, bg013)
    return kept, suppressed
