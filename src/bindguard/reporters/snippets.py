"""Source lines for ``--output-format full``: read once by the CLI, handed to the reporter.

Reporters stay pure (no filesystem), so the command reads the few lines the
findings point at and passes them in.  Only files the report says it may quote
(``Report.quotable``: compose files under the given paths, read as text; see
:mod:`bindguard.reach`) are read, each once, through the same bounded reader as
the linter: never an env file, a binary file or a file outside the given paths.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bindguard.model import Finding

Lines = Mapping[tuple[str, int], str]


def source_lines(
    findings: Iterable[Finding], texts: Mapping[str, str] | None = None, quotable: Iterable[str] = ()
) -> dict[tuple[str, int], str]:
    """``(file, line) -> text`` for every finding with a file position in a ``quotable`` file.

    ``texts`` supplies files already in memory (standard input); others are
    read from disk, and a file that cannot be read just has no snippet.
    """
    from bindguard.bounded_read import read_small_file
    from bindguard.compose.yaml_reader import MAX_FILE_BYTES

    allowed = frozenset(quotable)
    wanted: dict[str, set[int]] = {}
    for f in findings:
        loc = f.location
        if loc.file is not None and loc.line > 0 and loc.file in allowed:
            wanted.setdefault(loc.file, set()).add(loc.line)
    out: dict[tuple[str, int], str] = {}
    for file, numbers in wanted.items():
        text = (texts or {}).get(file)
        if text is None:
            try:
                text = read_small_file(file, MAX_FILE_BYTES).decode("utf-8", "replace")
            except (OSError, ValueError):
                continue
        top = max(numbers)
        for number, line in enumerate(text.splitlines(), 1):
            if number in numbers:
                out[(file, number)] = line
            if number >= top:
                break
    return out


_STOP = frozenset(" \t,]}#")


def entry_span(line: str, column: int) -> tuple[int, int]:
    """(start, length) of the YAML scalar that starts at 1-based ``column``.

    A quoted scalar runs to its closing quote; a plain one to the first
    space, comma, bracket or comment.  The caret line underlines it.
    """
    start = max(column - 1, 0)
    if start >= len(line):
        return start, 1
    quote = line[start]
    if quote in "\"'":
        end = line.find(quote, start + 1)
        return start, (end - start + 1) if end > start else len(line) - start
    end = start
    while end < len(line) and line[end] not in _STOP:
        end += 1
    return start, max(end - start, 1)
