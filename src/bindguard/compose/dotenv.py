"""``.env`` files read the way docker compose reads them.

Half of the variables a port entry is interpolated with usually come from the
project's ``.env``; parse it differently from compose-go's ``dotenv`` package
and the linter judges a binding Docker never makes.  So this follows
compose-go's parser rule for rule rather than any dotenv "standard":

* Statements are ``KEY=value``, ``KEY: value`` or ``export KEY=value``
  (``export`` needs whitespace after it).  Whitespace around the key and
  before the value is ignored, blank lines and ``#`` lines are skipped.
* Keys may hold letters, digits (any script), ``_ . - [ ]``; other characters
  are errors, and so is a space inside a key.
* A key alone on its line (``KEY``) is inherited: it takes ``lookup(KEY)``
  and is left out when that is None.  compose-go only sees that form when a
  newline follows, so a bare last line without one parses as the empty key
  holding that text -- reproduced here as well.
* Unquoted values run to the end of the line, lose everything from the first
  `` #`` (a *space* then ``#``), are right-trimmed and are interpolated.
* ``'single'`` values are literal; ``"double"`` values get the shell escapes
  ``\\a \\b \\f \\n \\r \\t \\v \\\\ \\" \\$ \\0nnn`` and are then interpolated.
  In both, a backslash before the closing quote character keeps the quote
  and drops the backslash; any other backslash is kept for that step.  Quoted
  values may span lines, and whatever follows the closing quote is read as
  the next statement.
* Interpolation uses ``lookup`` first and keys set earlier in the file second,
  with compose's ``${VAR:-default}`` rules (:mod:`bindguard.compose.interpolate`).
* A leading UTF-8 BOM is ignored; CRLF line ends work because ``\\r`` is
  whitespace.  Keys that start with a digit are kept: compose's project
  ``.env`` loader does not drop them.

Interpolation is bounded (docs/limits.md): compose-go has no limit, so a few
lines that each double the previous value (``B=${A}${A}``) would grow
exponentially.  The values a value's variables add may total at most
``MAX_VALUE_GROWTH`` characters, and those of all the env files one run's
environments read at most ``MAX_TOTAL_GROWTH`` (:class:`ExpansionBudget`);
beyond either, the statement is an error at its line that names the key.

Errors carry the 1-based line of the statement that failed (compose-go counts
some lines differently after multi-line values; this reports where the
statement starts).  They name the key, never the value: an env file holds
secrets, and bindguard's reports are read by many (issue 14).
"""

from __future__ import annotations

import json
import os
import re
import unicodedata

from bindguard.bounded_read import read_small_file
from bindguard.compose.budget import MAX_TOTAL_GROWTH, MAX_VALUE_GROWTH, ExpansionBudget
from bindguard.compose.interpolate import InterpolationError, Lookup, interpolate

# Go's unicode.IsSpace: Python's str.isspace() minus the four ASCII separators 0x1C-0x1F.
_GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)
# compose-go's isSpace: blanks that never end a line.
_BLANK = "\t\v\f\r \x85\xa0"
_STATEMENT = re.compile(f"[^{re.escape(_GO_SPACE)}]")
# Go's \s in `^export\s+` is [\t\n\f\r ] -- no \v.
_EXPORT = re.compile("export[\t\n\f\r ]")
_KEY_PUNCTUATION = frozenset("_.-[]")
_ESCAPE = re.compile(r'\\(?:[abcfnrtv$"\\]|0[0-9]{0,3})')
_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    '"': '"',
    "\\": "\\",
    # `\$` becomes `$$`, which interpolation turns into a literal `$`.
    "$": "$$",
}


class _Exceeded(Exception):
    """Raised inside interpolation when a bound is crossed; ``why`` says which."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


class DotenvError(ValueError):
    """An env file compose would refuse to load; ``line`` is 1-based.

    ``str()`` is the message alone so callers can put ``line`` in a location.
    """

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message

    def __str__(self) -> str:
        return self.message


def load_dotenv_file(path: str | os.PathLike[str], lookup: Lookup | None = None) -> dict[str, str]:
    """Parse the env file at ``path`` (UTF-8).

    Bytes that are not UTF-8 become U+FFFD rather than an error, since compose
    reads the file as bytes and would load it.  OSError propagates.
    """
    data = read_small_file(os.fspath(path))
    return parse_dotenv(data.decode("utf-8", errors="replace"), lookup)


def parse_dotenv(
    text: str,
    lookup: Lookup | None = None,
    lines: dict[str, int] | None = None,
    budget: ExpansionBudget | None = None,
) -> dict[str, str]:
    """Parse env-file ``text`` into its variables, in file order (a repeated key keeps its last value).

    ``lookup`` is the outer environment: it fills inherited ``KEY`` lines and
    wins over the file's own earlier keys when values are interpolated.
    ``lines``, when given, receives the line where each key was set.
    ``budget`` bounds what interpolation adds (a fresh one when None).
    Raises :class:`DotenvError`.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    parser = _Parser(text, lookup, budget or ExpansionBudget())
    values = parser.parse()
    if lines is not None:
        lines.update(parser.lines)
    return values


def _is_blank(char: str) -> bool:
    return char in _BLANK


def _is_key_char(char: str) -> bool:
    if char.isascii():
        return char.isalnum() or char in _KEY_PUNCTUATION
    return unicodedata.category(char)[0] in "LN"


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _unescape_match(match: re.Match[str]) -> str:
    escape = match.group()
    code = escape[1:]
    if code in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[code]
    # `\0nnn` is an XSI echo octal escape; compose rewrites it to Go's `\nnn`,
    # which needs exactly three octal digits and a value below 256.  A failed
    # rewrite is left in its rewritten form (`\0` alone becomes `\`).
    rewritten = "\\" + code[1:]
    digits = code[1:]
    if len(digits) == 3 and all(d in "01234567" for d in digits) and int(digits, 8) < 256:
        return chr(int(digits, 8))
    return rewritten


def _expand_escapes(value: str) -> str:
    if "\\" not in value:
        return value
    return _ESCAPE.sub(_unescape_match, value)


class _Parser:
    """One pass over the text; ``pos`` is an index into it (never slices, so big files stay linear)."""

    def __init__(self, text: str, lookup: Lookup | None, budget: ExpansionBudget) -> None:
        self.text = text
        self.lookup = lookup
        self.budget = budget
        self.out: dict[str, str] = {}
        self.lines: dict[str, int] = {}
        self.statement = 0
        self._counted = (0, 1)  # (position, its line): lines are counted once, forward

    def line(self, pos: int | None = None) -> int:
        pos = self.statement if pos is None else pos
        counted, number = self._counted if pos >= self._counted[0] else (0, 1)
        number += self.text.count("\n", counted, pos)
        self._counted = (pos, number)
        return number

    def fail(self, message: str) -> DotenvError:
        return DotenvError(self.line(), message)

    def parse(self) -> dict[str, str]:
        text = self.text
        pos = 0
        while True:
            start = self._statement_start(pos)
            if start < 0:
                return self.out
            self.statement = start
            pos = self._statement(start)
            if pos >= len(text):
                return self.out

    def _statement_start(self, pos: int) -> int:
        """Index of the next statement, skipping whitespace and comment lines; -1 at the end."""
        text = self.text
        while True:
            match = _STATEMENT.search(text, pos)
            if match is None:
                return -1
            start = match.start()
            if text[start] != "#":
                return start
            pos = text.find("\n", start)
            if pos < 0:
                return -1

    def _statement(self, start: int) -> int:
        """Parse one statement at ``start``; returns where the next one may begin."""
        text = self.text
        size = len(text)
        pos = start
        if _EXPORT.match(text, pos):
            pos += len("export")
            while pos < size and _is_blank(text[pos]):
                pos += 1
        if pos == size:
            raise self.fail("zero length string")

        key_start = pos
        key_end = value_start = -1
        inherited = False
        scan = pos
        while scan < size:
            char = text[scan]
            if char in "=:\n":
                key_end, value_start, inherited = scan, scan + 1, char == "\n"
                break
            if not (_is_blank(char) or _is_key_char(char)):
                # Neither the name nor the rest of the line is quoted: an env file
                # an ``include`` names may hold a bare token ("ghp_abc-def"), whose
                # "name" is the secret itself (issue 25).
                raise self.fail(f"unexpected character {_quote(char)} in a variable name (column {scan - key_start + 1})")
            scan += 1
        if key_end < 0:
            # No terminator before the end of the text: compose-go reads an
            # empty key and takes the whole remainder as its value.
            key_end = value_start = key_start
        key = text[key_start:key_end].rstrip(_GO_SPACE)
        if " " in key:
            raise self.fail("key cannot contain a space")
        while value_start < size and _is_blank(text[value_start]):
            value_start += 1

        if inherited:
            value = self.lookup(key) if self.lookup is not None else None
            if value is not None:
                self.out[key] = value
                self.lines[key] = self.line()
            return value_start
        value, next_pos = self._value(value_start, key)
        self.out[key] = value
        self.lines[key] = self.line()
        return next_pos

    def _value(self, pos: int, key: str) -> tuple[str, int]:
        text = self.text
        size = len(text)
        quote = text[pos] if pos < size else ""
        if quote not in ("'", '"'):
            line_end = text.find("\n", pos)
            raw = text[pos:] if line_end < 0 else text[pos:line_end]
            raw = raw.split(" #", 1)[0].rstrip(_GO_SPACE)
            return self._interpolate(raw, key), size if line_end < 0 else line_end + 1

        chars: list[str] = []
        escaped = False
        for index in range(pos + 1, size):
            char = text[index]
            if escaped:
                escaped = False
                if char != quote:
                    chars.append("\\")
                chars.append(char)
            elif char == "\\":
                escaped = True
            elif char == quote:
                value = "".join(chars)
                if quote == '"':
                    value = self._interpolate(_expand_escapes(value), key)
                return value, index + 1
            else:
                chars.append(char)
        raise self.fail(f"unterminated quoted value of {_quote(key[:200])}")

    def _interpolate(self, value: str, key: str) -> str:
        if "$" not in value:
            return value
        lookup, earlier, budget = self.lookup, self.out, self.budget
        added = 0  # characters the variables of this value brought in so far

        def resolve(name: str) -> str | None:
            nonlocal added
            found = lookup(name) if lookup is not None else None
            if found is None:
                found = earlier.get(name)
            if found:
                # The value is at most its text plus what its lookups return: counting
                # what they return bounds the value before it is built.
                added += len(found)
                budget.remaining -= len(found)
                if added > MAX_VALUE_GROWTH:
                    raise _Exceeded(f"its variables add more than {MAX_VALUE_GROWTH:,} characters")
                if budget.remaining < 0:
                    raise _Exceeded(
                        f"variables add more than {MAX_TOTAL_GROWTH:,} characters to the env files' values"
                    )
            return found

        try:
            return interpolate(value, resolve).value
        except _Exceeded as exc:
            raise self.fail(f"value of {_quote(key[:200])} refused: {exc.why} (see docs/limits.md)") from None
        except InterpolationError as exc:
            # exc quotes the value (or a required variable's message from it): name the key only
            if exc.variable is not None:
                why = f"it requires {exc.variable}, which is unset"
            else:
                why = "invalid interpolation format"
            raise self.fail(f"value of {_quote(key[:200])}: {why}") from exc
