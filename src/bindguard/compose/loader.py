"""Turning a compose file's bytes into YAML node trees, or into a BG000 problem.

Only libyaml's composer runs here (``yaml.compose_all`` with the C loader):
nothing is constructed into Python objects, so positions survive, aliases are
shared rather than expanded (an alias bomb costs nothing until something walks
it), and YAML 1.1 typing never touches the data.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field

import yaml

from bindguard.compose.nodes import MERGE_TAG, PLAIN_TAG, STR_TAG
from bindguard.model import Location, Problem

class _PlainResolver(yaml.resolver.BaseResolver):
    """Tag plain scalars without PyYAML's YAML 1.1 regexes.

    bindguard types plain scalars itself, with Compose's YAML 1.2 rules
    (``compose/nodes.py``), so running PyYAML's resolver (the costliest part of
    composing, and wrong for Compose: ``22:22`` would be an int) is wasted.
    Plain scalars get PLAIN_TAG, except ``<<`` (merge keys); quoted ones are
    strings; explicit tags (``!!str``, ``!reset``) are kept as written.
    """

    def resolve(self, kind, value, implicit):  # type: ignore[override]
        if kind is yaml.ScalarNode:
            if implicit[0]:
                return MERGE_TAG if value == "<<" else PLAIN_TAG
            return STR_TAG
        if kind is yaml.SequenceNode:
            return self.DEFAULT_SEQUENCE_TAG
        return self.DEFAULT_MAPPING_TAG


if hasattr(yaml, "CParser"):

    class _Loader(yaml.CParser, yaml.constructor.BaseConstructor, _PlainResolver):  # type: ignore[misc]
        """libyaml's parser and composer with the plain resolver."""

        def __init__(self, stream):  # type: ignore[no-untyped-def]
            yaml.CParser.__init__(self, stream)
            yaml.constructor.BaseConstructor.__init__(self)
            _PlainResolver.__init__(self)

else:  # pragma: no cover - the C loader is a hard requirement in practice

    class _Loader(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser,  # type: ignore[no-redef]
                  yaml.composer.Composer, yaml.constructor.BaseConstructor, _PlainResolver):
        def __init__(self, stream):  # type: ignore[no-untyped-def]
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.BaseConstructor.__init__(self)
            _PlainResolver.__init__(self)

# Refuse absurd inputs before libyaml sees them: a compose file is a few KB;
# the limits are documented in docs/limits.md.
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 512


@dataclass
class ComposeFile:
    """One file's documents (node trees), or the problem that stopped its parsing."""

    path: str
    documents: list[yaml.Node] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    text: str = ""

    @property
    def ok(self) -> bool:
        return not any(p.code == "BG000" for p in self.problems)


def _problem(path: str, message: str, line: int = 0, column: int = 0) -> Problem:
    return Problem("BG000", message, Location(file=path, line=line, column=column))


def decode(data: bytes, path: str) -> tuple[str | None, Problem | None]:
    """Bytes to text as Compose accepts them: UTF-8 (BOM allowed) or UTF-16 with BOM."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError as exc:
            return None, _problem(path, f"not valid UTF-16 text: {exc.reason}", 1, 1)
    if b"\x00" in data:
        return None, _problem(path, "binary file, not YAML text", 1, 1)
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, _problem(path, f"not valid UTF-8 text (byte {exc.start})", line, 1)


def _nesting_too_deep(text: str) -> int:
    """The line where flow/indent nesting passes MAX_DEPTH, or 0.

    libyaml composes recursively; a document nested thousands deep would
    exhaust the stack, so it is refused first.  Counting brackets and
    indentation over-estimates depth (brackets inside strings count), which
    only matters for files far beyond anything real.
    """
    depth = 0
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip(" -")
        indent = len(line) - len(stripped)
        if indent // 2 > MAX_DEPTH:
            return number
        for ch in stripped:
            if ch in "[{":
                depth += 1
                if depth > MAX_DEPTH:
                    return number
            elif ch in "]}":
                depth = max(0, depth - 1)
            elif ch == "#":
                break
    return 0


class _AnchorRedefiningLoader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    yaml.composer.Composer,
    yaml.constructor.BaseConstructor,
    _PlainResolver,
):
    """The pure-Python composer, letting a later ``&name`` replace an earlier one.

    YAML 1.2 (and go-yaml, which Compose uses) allows an anchor to be defined
    again, an alias then referring to the latest definition; libyaml's
    composer refuses it.  Only files that hit that error take this slower path.
    """

    def __init__(self, stream):  # type: ignore[no-untyped-def]
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.BaseConstructor.__init__(self)
        _PlainResolver.__init__(self)

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if not self.check_event(yaml.AliasEvent):
            anchor = self.peek_event().anchor
            if anchor is not None:
                self.anchors.pop(anchor, None)
        return super().compose_node(parent, index)


def _compose_all(text: str) -> list[yaml.Node]:
    try:
        return [d for d in yaml.compose_all(text, Loader=_Loader) if d is not None]
    except yaml.composer.ComposerError as exc:
        if "duplicate anchor" not in str(exc.context):
            raise
    return [d for d in yaml.compose_all(text, Loader=_AnchorRedefiningLoader) if d is not None]


def parse_text(text: str, path: str) -> ComposeFile:
    """Compose every YAML document of ``text``; syntax errors become BG000."""
    result = ComposeFile(path=path, text=text)
    # Cheap gate first: fewer open brackets than the limit cannot nest past it,
    # and indentation that deep needs hundreds of KB of leading spaces.
    suspicious = text.count("[") + text.count("{") > MAX_DEPTH or len(text) > 200_000
    if suspicious and (line := _nesting_too_deep(text)):
        result.problems.append(
            _problem(path, f"YAML nested deeper than {MAX_DEPTH} levels; refused", line, 1)
        )
        return result
    try:
        result.documents = _compose_all(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = "; ".join(p for p in (exc.context, exc.problem) if p) or str(exc)
        if "{{" in text:
            message += " (the file looks like a Go template, which Compose cannot read as is)"
        result.problems.append(_problem(path, f"invalid YAML: {message}", line, column))
    except yaml.YAMLError as exc:
        result.problems.append(_problem(path, f"invalid YAML: {exc}", 1, 1))
    except RecursionError:
        result.problems.append(_problem(path, "YAML nested too deeply; refused", 1, 1))
    return result


def read_file(path: str, display: str | None = None) -> ComposeFile:
    """Read and parse one file; unreadable or oversized files become BG000 problems.

    A FIFO or device is refused without opening it, so a path that would
    block never stalls the run.
    """
    shown = display or path
    try:
        st = os.stat(path)
    except OSError as exc:
        return ComposeFile(path=shown, problems=[_problem(shown, f"cannot read: {exc.strerror}")])
    if not stat.S_ISREG(st.st_mode):
        return ComposeFile(path=shown, problems=[_problem(shown, "not a regular file; skipped")])
    if st.st_size > MAX_FILE_BYTES:
        return ComposeFile(
            path=shown,
            problems=[_problem(shown, f"file larger than {MAX_FILE_BYTES // 2**20} MiB; refused")],
        )
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return ComposeFile(path=shown, problems=[_problem(shown, f"cannot read: {exc.strerror}")])
    text, problem = decode(data, shown)
    if problem is not None:
        return ComposeFile(path=shown, problems=[problem])
    return parse_text(text, shown)
