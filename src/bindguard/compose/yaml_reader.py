"""Turning a compose file's bytes into YAML node trees, or into a BG000 problem.

Only libyaml's composer runs here (``yaml.compose_all`` with the C loader):
nothing is constructed into Python objects, so positions survive, aliases are
shared rather than expanded (an alias bomb costs nothing until something walks
it), and YAML 1.1 typing never touches the data.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from typing import Any

import yaml

from bindguard.bounded_read import read_small_file
from bindguard.compose.nodes import MERGE_TAG, PLAIN_TAG, STR_TAG
from bindguard.compose.record import Record
from bindguard.model import INVALID_FILE, Location, Problem


class _PlainResolver(yaml.resolver.BaseResolver):
    """Tag plain scalars without PyYAML's YAML 1.1 regexes.

    bindguard types plain scalars itself, with Compose's YAML 1.2 rules
    (``compose/nodes.py``), so running PyYAML's resolver (the costliest part of
    composing, and wrong for Compose: ``22:22`` would be an int) is wasted.
    Plain scalars get PLAIN_TAG, except ``<<`` (merge keys); quoted ones are
    strings; explicit tags (``!!str``, ``!reset``) are kept as written.
    """

    def resolve(self, kind, value, implicit):
        if kind is yaml.ScalarNode:
            if implicit[0]:
                return MERGE_TAG if value == "<<" else PLAIN_TAG
            return STR_TAG
        if kind is yaml.SequenceNode:
            return self.DEFAULT_SEQUENCE_TAG
        return self.DEFAULT_MAPPING_TAG

    # No path resolvers are ever registered; the composer calls these per node.
    def descend_resolver(self, current_node, current_index):
        return None

    def ascend_resolver(self):
        return None


try:
    # Not exported as ``yaml.CParser``: ``hasattr(yaml, "CParser")`` is False even
    # with libyaml, which would silently select the pure-Python composer (15x slower).
    from yaml import cyaml as _cyaml

    _CParser: Any = getattr(_cyaml, "CParser", None)
except ImportError:  # pragma: no cover - the C loader is a hard requirement in practice
    _CParser = None

class _PyLoader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    yaml.composer.Composer,
    yaml.constructor.BaseConstructor,
    _PlainResolver,
):
    """PyYAML's pure-Python parser and composer with the plain resolver."""

    def __init__(self, stream):
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.BaseConstructor.__init__(self)
        _PlainResolver.__init__(self)


# The loader class handed to ``yaml.parse``/``yaml.compose_all``: libyaml's when it is there.
# (PyYAML's stubs name only its own loader classes in those signatures: typed as ``Any``.)
_Loader: Any = _PyLoader
if _CParser is not None:

    class _CLoader(_CParser, yaml.constructor.BaseConstructor, _PlainResolver):
        """libyaml's parser and composer with the plain resolver."""

        def __init__(self, stream):
            _CParser.__init__(self, stream)
            yaml.constructor.BaseConstructor.__init__(self)
            _PlainResolver.__init__(self)

    _Loader = _CLoader


# Refuse absurd inputs before libyaml sees them: a compose file is a few KB;
# the limits are documented in docs/limits.md.
MAX_FILE_BYTES = 64 * 1024 * 1024
# Nesting levels (mappings and lists, aliases followed).  Real files use about
# ten.  libyaml's composer recurses in C and overflows the stack near 60,000;
# the fixer's readers recurse in Python at two frames a level, under Python's
# default limit of 1,000 frames.
MAX_DEPTH = 256
# Composed nodes cost about 300 bytes each: a million is about 300 MB.
MAX_NODES = 1_000_000
# go-yaml (Compose's parser) refuses a document whose decoding is mostly
# alias expansion ("document contains excessive aliasing"); same thresholds.
_ALIAS_MIN_DECODES = 1000
_ALIAS_MIN_ALIASED = 100

# A line whose leading indentation and block indicators ("- ", "? ", ": ") are
# wider than this many columns may start a block structure nested that deep.
_WIDE_LEAD = MAX_DEPTH // 2 - 2
_WIDE_LEAD_RUN = rf"[ \t?:-]{{{_WIDE_LEAD + 1}}}"
_WIDE_FIRST_LINE = re.compile(_WIDE_LEAD_RUN)
_WIDE_LINE = re.compile("\n" + _WIDE_LEAD_RUN)  # a literal first: far faster than ^ with MULTILINE
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
# Characters after which libyaml may start a new token: blanks and flow
# indicators, ":" and "?" (adjacent in flow context: {"k":*x}, [?*x]), and,
# to stay on the safe side, closing brackets, quotes and "-".
_TOKEN_START = frozenset(" \t\r\n[]{},:?\"'-")
_KEY_START = frozenset(" \t\r\n[{,")  # "?" after ":" is ${X:?err}, not a key
_NOT_ANCHOR = frozenset(" \t\r\n[]{},")


def _may_have_aliases(text: str) -> bool:
    """Could the text hold an alias (``*name`` at the start of a token)?

    Only then can a document be a graph rather than a tree.  Plain
    ``str.find`` loops: a regular expression here costs half as much as
    composing the file.
    """
    end = len(text)
    i = text.find("*")
    while i != -1:
        if (i == 0 or text[i - 1] in _TOKEN_START) and i + 1 < end and text[i + 1] not in _NOT_ANCHOR:
            return True
        i = text.find("*", i + 1)
    return False


def _may_have_complex_keys(text: str) -> bool:
    """Could a mapping or a list be used as a key: ``? [a]``, ``[a, b]: c``, ``{[a]}``?

    ``${X:?err}`` does not count; ``${PORT}:80`` and ``"[::1]:8080:80"`` do
    (cheaply wrong: in a flow list, ``[[::1]:8080:80]`` makes ``[::1]`` a key).
    """
    end = len(text)
    i = text.find("?")
    while i != -1:  # an explicit key; in flow context "?" needs no blank after it ([?[a]])
        if i == 0 or text[i - 1] in _KEY_START:
            return True
        i = text.find("?", i + 1)
    for close in ("]", "}"):  # "[a]: b", "{a: 1}: b"
        i = text.find(close)
        while i != -1:
            j = i + 1
            while j < end and text[j] in " \t":
                j += 1
            if j < end and text[j] == ":":
                return True
            i = text.find(close, i + 1)
    for start in ("{", ","):  # "{[a]}", "{a: 1, {b: 2}}": a key needs no ":" in a flow mapping
        i = text.find(start)
        while i != -1:
            if _collection_follows(text, i + 1):
                return True
            i = text.find(start, i + 1)
    return False


def _may_be_graph(text: str) -> bool:
    """Could the documents of ``text`` hold an alias or a key that is not a string?"""
    return _may_have_aliases(text) or _may_have_complex_keys(text)


def _collection_follows(text: str, i: int) -> bool:
    """Does a flow collection start at ``i``, after blanks and node properties (``&a``, ``!t``)?"""
    end = len(text)
    while i < end:
        ch = text[i]
        if ch in " \t\r\n":
            i += 1
        elif ch in "&!":
            while i < end and text[i] not in " \t\r\n[]{},":
                i += 1
        else:
            return ch in "[{"
    return False


class ComposeFile(Record):
    """One file's documents (node trees), or the problem that stopped its parsing."""

    def __init__(
        self,
        path: str,
        documents: list[yaml.Node] | None = None,
        problems: list[Problem] | None = None,
        text: str = "",
    ) -> None:
        self.path = path
        self.documents: list[yaml.Node] = [] if documents is None else documents
        self.problems: list[Problem] = [] if problems is None else problems
        self.text = text

    @property
    def ok(self) -> bool:
        return not any(p.code == INVALID_FILE for p in self.problems)


def _problem(path: str, message: str, line: int = 0, column: int = 0) -> Problem:
    return Problem(INVALID_FILE, message, Location(file=path, line=line, column=column))


def decode(data: bytes, path: str) -> tuple[str | None, Problem | None]:
    """Bytes to text as Compose accepts them: UTF-8 (BOM allowed) or UTF-16 with BOM."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return None, _problem(path, "UTF-32 text; Compose reads UTF-8 or UTF-16 only", 1, 1)
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


def _may_exceed_limits(text: str) -> bool:
    """Cheap test: could this text nest deeper than MAX_DEPTH or hold MAX_NODES nodes?

    Every nesting level needs a bracket or more leading columns (indentation
    or a block indicator), and every node at least one character, so text
    that passes these counts cannot break a limit and skips the exact scan.
    Brackets in strings and comments count too, which only costs a scan.
    """
    # A node takes about a character at least ("{a,b}", "[?a,?b]"); half of
    # MAX_NODES leaves room for anything denser.
    if len(text) > MAX_NODES // 2 or _WIDE_FIRST_LINE.match(text) or _WIDE_LINE.search(text):
        return True
    budget = MAX_DEPTH - _WIDE_LEAD - 4
    if text.count("[") + text.count("{") <= budget:
        return False
    depth = 0
    for ch in _NOT_BRACKET.sub("", text):
        if ch in "[{":
            depth += 1
            if depth > budget:
                return True
        elif depth:
            depth -= 1
    return False


def _scan_limits(text: str) -> tuple[str, int] | None:
    """(why, line) if the text nests deeper than MAX_DEPTH or has too many nodes.

    Uses libyaml's parser (events, no recursion, constant memory), so it is
    safe on inputs that would crash libyaml's recursive composer (about
    60,000 levels overflow the C stack) or exhaust memory.  Syntax errors are
    left for the composer to report.
    """
    depth = nodes = 0
    starts = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
    ends = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
    leaves = (yaml.ScalarEvent, yaml.AliasEvent)
    try:
        for event in yaml.parse(text, Loader=_Loader):
            cls = event.__class__
            if cls in leaves:
                nodes += 1
            elif cls in starts:
                nodes += 1
                depth += 1
                if depth > MAX_DEPTH:
                    return (f"YAML nested deeper than {MAX_DEPTH} levels; refused", _line(event))
            elif cls in ends:
                depth -= 1
            else:
                continue
            if nodes > MAX_NODES:
                return (f"more than {MAX_NODES:,} YAML nodes; refused", _line(event))
    except yaml.YAMLError:
        return None
    return None


def _complex_key(doc: yaml.Node) -> yaml.Node | None:
    """The first mapping or list used as a key in a tree (a document without aliases)."""
    M, S = yaml.MappingNode, yaml.SequenceNode
    stack = [doc]
    while stack:
        node = stack.pop()
        if node.__class__ is M:
            for k, v in node.value:
                if k.__class__ is M or k.__class__ is S:
                    return k
                if v.__class__ is M or v.__class__ is S:
                    stack.append(v)
        elif node.__class__ is S:
            stack.extend(v for v in node.value if v.__class__ is M or v.__class__ is S)
    return None


def _complex_key_problem(doc: yaml.Node) -> tuple[str, yaml.Node] | None:
    key = _complex_key(doc)
    if key is None:
        return None
    what = "a mapping" if isinstance(key, yaml.MappingNode) else "a list"
    return f"a key must be a string, not {what}; Compose refuses the file", key


def _allowed_alias_ratio(decodes: int) -> float:
    """go-yaml v3's allowedAliasRatio (decode.go)."""
    if decodes <= 400_000:
        return 0.99
    if decodes >= 4_000_000:
        return 0.10
    return 0.99 - 0.89 * (decodes - 400_000) / 3_600_000


def _graph_problem(doc: yaml.Node) -> tuple[str, yaml.Node] | None:
    """(why, node) if a document has a key Compose refuses, or aliases gone wrong.

    Aliases share nodes, so a document is a graph: an alias may point back
    into the node that contains it (a loop: go-yaml refuses "anchor value
    contains itself"), chains of aliases may nest far deeper than the text
    does, and nested aliases may expand exponentially ("billion laughs",
    which go-yaml refuses as "excessive aliasing").  A mapping or list used
    as a key is refused by go-yaml too ("invalid map key").  One iterative
    walk over the distinct nodes finds all of these, so later readers can
    recurse safely and may take every key for a string.
    """
    M, S = yaml.MappingNode, yaml.SequenceNode
    info: dict[int, tuple[int, int]] = {}  # id -> (depth, expanded node count)
    active: set[int] = set()
    distinct = 0
    stack: list[tuple[yaml.Node, list[yaml.Node] | None]] = [(doc, None)]
    while stack:
        node, children = stack.pop()
        if children is not None:  # every child is done: finish the node
            key = id(node)
            active.discard(key)
            depth, size = 0, 1
            for child in children:
                cls = child.__class__
                if cls is M or cls is S:
                    d, n = info[id(child)]
                    if d > depth:
                        depth = d
                    size += n
                else:
                    size += 1
            info[key] = (depth + 1, size)
            if depth + 1 > MAX_DEPTH:
                return f"YAML nested deeper than {MAX_DEPTH} levels (through aliases); refused", node
            continue
        cls = node.__class__
        if cls is not M and cls is not S:
            continue
        key = id(node)
        if key in info:
            continue
        if key in active:
            return "an alias refers to a node that contains it (a loop); Compose refuses the file", node
        if cls is M:
            children = []
            for k, v in node.value:
                kcls = k.__class__
                if kcls is M or kcls is S:
                    what = "a mapping" if kcls is M else "a list"
                    return f"a key must be a string, not {what}; Compose refuses the file", k
                children.append(k)
                children.append(v)
        else:
            children = node.value
        active.add(key)
        distinct += 1
        stack.append((node, children))
        for child in reversed(children):
            ccls = child.__class__
            if ccls is M or ccls is S:
                if id(child) not in info:
                    stack.append((child, None))
            else:
                distinct += 1
    decodes = info[id(doc)][1] if id(doc) in info else 1
    aliased = decodes - distinct
    if (
        decodes > _ALIAS_MIN_DECODES
        and aliased > _ALIAS_MIN_ALIASED
        and aliased / decodes > _allowed_alias_ratio(decodes)
    ):
        return (
            f"aliases expand this document to {decodes:,} nodes from {distinct:,} written; "
            "Compose refuses it (\"document contains excessive aliasing\")",
            doc,
        )
    return None


def _line(event: yaml.Event) -> int:
    """1-based line of an event (libyaml always gives events a mark)."""
    return event.start_mark.line + 1 if event.start_mark is not None else 0


class _AnchorRedefiningLoader(_PyLoader):
    """The pure-Python composer, letting a later ``&name`` replace an earlier one.

    YAML 1.2 (and go-yaml, which Compose uses) allows an anchor to be defined
    again, an alias then referring to the latest definition; libyaml's
    composer refuses it.  Only files that hit that error take this slower path.
    """

    def compose_node(self, parent, index):
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
    redefining: Any = _AnchorRedefiningLoader
    return [d for d in yaml.compose_all(text, Loader=redefining) if d is not None]


def parse_text(text: str, path: str) -> ComposeFile:
    """Compose every YAML document of ``text``; syntax errors and limits become BG000."""
    result = ComposeFile(path=path, text=text)
    if _may_exceed_limits(text) and (refused := _scan_limits(text)):
        why, line = refused
        result.problems.append(_problem(path, why, line, 1))
        return result
    try:
        documents = _compose_all(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = "; ".join(p for p in (exc.context, exc.problem) if p) or str(exc)
        if "{{" in text:
            message += " (the file looks like a Go template, which Compose cannot read as is)"
        result.problems.append(_problem(path, f"invalid YAML: {message}", line, column))
        return result
    except yaml.reader.ReaderError as exc:
        # A character YAML forbids (control characters...): point at it.
        # libyaml reports a byte offset into the UTF-8 form of the text.
        position = exc.position if isinstance(exc.position, int) else 0
        before = text.encode("utf-8", "surrogatepass")[:position]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        what = f" (#x{exc.character:04x})" if isinstance(exc.character, int) else ""
        result.problems.append(_problem(path, f"invalid YAML: {exc.reason}{what}", line, column))
        return result
    except (yaml.YAMLError, ValueError) as exc:
        # ValueError: text libyaml cannot even encode (a lone surrogate).
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        result.problems.append(_problem(path, f"invalid YAML: {first}", 1, 1))
        return result
    except RecursionError:
        result.problems.append(_problem(path, "YAML nested too deeply; refused", 1, 1))
        return result
    if _may_have_aliases(text):  # the documents may be graphs, not trees
        check = _graph_problem
    elif _may_have_complex_keys(text):
        check = _complex_key_problem
    else:
        check = None
    if check is not None:
        for doc in documents:
            if (found := check(doc)) is not None:
                why, node = found
                if "{{" in text and why.startswith("a key must be"):
                    why += " (the file looks like a Go template, which Compose cannot read as is)"
                mark = node.start_mark
                result.problems.append(_problem(path, why, mark.line + 1, mark.column + 1))
                return result
    result.documents = documents
    return result


def read_file(path: str, display: str | None = None, data: bytes | None = None) -> ComposeFile:
    """Read and parse one file; unreadable or oversized files become BG000 problems.

    A FIFO or device is refused without opening it, so a path that would
    block never stalls the run; ``read_small_file`` opens it non-blocking and
    checks again, in case it was swapped for a FIFO in between.  ``data`` is
    the file's bytes when discovery already read them to sniff the file
    (``compose/sniff.py``): a folder's file is read once (issue 26).
    """
    shown = display or path
    if data is not None:
        return parse_bytes(data, shown)

    def refused(message: str) -> ComposeFile:
        return ComposeFile(path=shown, problems=[_problem(shown, message)])

    too_large = f"file larger than {MAX_FILE_BYTES // 2**20} MiB; refused"
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return refused("not a regular file; skipped")
        data = read_small_file(path, MAX_FILE_BYTES)
    except ValueError as exc:  # a NUL in the path
        return refused(f"cannot read: {exc}")
    except OSError as exc:
        if exc.errno == errno.EFBIG:
            return refused(too_large)
        if exc.errno == errno.EINVAL:
            return refused("not a regular file; skipped")
        return refused(f"cannot read: {exc.strerror or exc}")
    return parse_bytes(data, shown)


def parse_bytes(data: bytes, path: str) -> ComposeFile:
    """Decode (UTF-8 or UTF-16, as Compose) and parse the bytes of the file ``path``."""
    text, problem = decode(data, path)
    if problem is not None or text is None:
        return ComposeFile(path=path, problems=[problem] if problem else [])
    return parse_text(text, path)
