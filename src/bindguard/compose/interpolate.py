"""``$VAR`` / ``${VAR:-default}`` interpolation exactly as docker compose does it.

A port entry like ``"${BIND_ADDR:-127.0.0.1}:8080:80"`` only says where the
port listens once it is interpolated, so the linter has to produce the very
string compose-go's ``template.Substitute`` produces -- quirks included --
or it would judge a binding Docker never creates.

compose-go finds references with a regular expression and then post-processes
each match; this module is a hand-written scanner with the same observable
behaviour (``tests/test_interpolate.py`` checks it against a regex model):

* ``$$`` is a literal ``$``; a ``$`` not followed by ``$``, ``{`` or a name
  start (``$1``, ``$-``, ``$}``, a trailing ``$``) is left as it is.
* Names are ``[_A-Za-z][_A-Za-z0-9]*``.  compose-go matches them
  case-insensitively, and Go's case folding also admits U+017F (long s) and
  U+212A (Kelvin sign), so those count as name characters too.
* ``${`` must be followed by a name and then ``}`` or one of the operators
  ``:-  -  :?  ?  :+  +``; anything else (``${``, ``${}``, ``${ x}``,
  ``${x!}``, ``${x``) is an invalid template.
* After an operator, the expression runs to the *last* ``}`` on the same line,
  then is cut back at the first brace that balances it (every ``{`` opens a
  level, and the character right after a ``{`` is skipped, as compose-go
  does).  No ``}`` later on the line makes the template invalid.
* The operand (default, alternative or error text) is interpolated first,
  even when it is not used, so an error inside it is always raised.

Being called for every port entry of thousands of files, text without a
``$`` returns at once.
"""

import re
from collections.abc import Callable
from typing import NamedTuple

from bindguard.redact import masked

Lookup = Callable[[str], str | None]

# compose-go: (?i)[_a-z][_a-z0-9]* -- Go folds 's' with U+017F and 'k' with U+212A.
_NAME = re.compile("[_A-Za-z\u017f\u212a][_A-Za-z0-9\u017f\u212a]*")
_REFERENCE = re.compile("\\$(?:(\\$)|[{_A-Za-z\u017f\u212a])")
_OPERATOR_CHARS = "-+?"
_BRACE = re.compile("[{}]")


class InterpolationError(ValueError):
    """A template compose would refuse: malformed ``${...}`` or a missing required variable.

    ``variable`` names the variable of a failed ``${VAR:?err}`` / ``${VAR?err}``
    and is None for a malformed template.
    """

    def __init__(self, message: str, variable: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.variable = variable

    def __str__(self) -> str:
        return self.message


class Interpolated(NamedTuple):
    """The interpolated text and the variables it depended on.

    ``missing`` holds the variables that became "" only because they were unset
    with nothing to fall back on (``$VAR``, ``${VAR}``) and whose blank made it
    into ``value``: compose's "variable is not set" warnings for this text.
    ``used`` holds every variable referenced, operands included.  Both keep the
    order of first appearance, without duplicates.  ``spans`` marks each
    stretch ``(start, end, name)`` of ``value`` that is a variable's value
    (not a default written in the file), so a message can show the entry
    without printing what came from the environment (:mod:`bindguard.redact`).
    """

    value: str
    missing: tuple[str, ...] = ()
    used: tuple[str, ...] = ()
    spans: tuple[tuple[int, int, str], ...] = ()


def has_variables(text: str) -> bool:
    """Whether ``text`` refers to any variable, i.e. its value may depend on the environment.

    ``$$`` escapes are not references, but ``interpolate`` still rewrites them,
    so use ``"$" in text`` to decide whether interpolation can be skipped.
    """
    if "$" not in text:
        return False
    return any(match.group(1) is None for match in _REFERENCE.finditer(text))


def interpolate(text: str, lookup: Lookup) -> Interpolated:
    """Substitute variables in ``text`` the way ``docker compose`` does.

    ``lookup`` returns a variable's value, or None when it is unset (which is
    not the same as set to "").  Raises :class:`InterpolationError`.  Time is
    linear in ``len(text)`` whatever it holds (issue 14): see :class:`_Scanner`.
    """
    if "$" not in text:
        return Interpolated(text)
    scanner = _Scanner(text, lookup)
    try:
        value, missing, spans = scanner.expand(0, len(text), 0)
    except RecursionError:  # a caller already deep in its stack; MAX_NESTING normally stops first
        raise InterpolationError(_TOO_DEEP) from None
    return Interpolated(value, tuple(dict.fromkeys(missing)), tuple(scanner.used), tuple(spans))


# compose-go has no limit; each level costs a Python frame, and no real file
# nests more than a few.  Deeper is BG007 (see docs/limits.md).
MAX_NESTING = 200
_TOO_DEEP = "invalid interpolation format: expressions are nested too deeply"


def _invalid(text: str, template: tuple[int, int]) -> InterpolationError:
    """The error for the template ``text[start:end]`` (sliced only here: slicing per ``${`` was quadratic)."""
    import json  # only on this error path: json costs 1.5 ms to import

    template_text = text[template[0] : template[1]]
    quoted = json.dumps(template_text[:80], ensure_ascii=False)
    if len(template_text) > 80:  # a megabyte of text must not make a megabyte-long message
        quoted += f"... ({len(template_text):,} characters)"
    return InterpolationError(
        f"invalid interpolation format in {quoted}: you may need to escape any $ with another $"
    )


def _required(name: str, reason: str) -> InterpolationError:
    message = f"required variable {name} is missing a value"
    if reason:
        message += f": {reason[:200]}{'...' if len(reason) > 200 else ''}"
    return InterpolationError(message, variable=name)


def _brace_matches(text: str) -> dict[int, int]:
    """For every ``{`` compose-go's brace count opens, the ``}`` that balances it.

    compose-go counts from each ``${`` separately (every ``{`` opens a level
    and hides the character after it).  The character after a ``$`` is never
    hidden, so every count started at a ``${`` sees the same braces as one
    count started at the beginning of the text: one pass and a stack answer
    every template, where counting per template was quadratic in nesting.
    """
    matches: dict[int, int] = {}
    stack: list[int] = []
    hidden = -1
    for found in _BRACE.finditer(text):
        at = found.start()
        if at == hidden:
            continue
        if text[at] == "{":
            stack.append(at)
            hidden = at + 1
        elif stack:
            matches[stack.pop()] = at
    return matches


def _put_value(name: str, value: str, out: list[str], spans: list[tuple[int, int, str]], length: int) -> int:
    """Append the value of ``name`` to ``out`` and note where it sits; returns the output length after it."""
    if value:
        out.append(value)
        spans.append((length, length + len(value), name))
        length += len(value)
    return length


class _Scanner:
    """Interpolation of one text, in time linear in its length.

    Templates are read as ranges of the one text (never sliced copies); the
    next newline, the last ``}`` before a limit and the balancing brace of
    every ``${`` come from tables built at most once per text.  Positions
    asked for only move forward, so the newline search is one pass, and each
    last-brace search is cached by its limit.
    """

    def __init__(self, text: str, lookup: Lookup) -> None:
        self.text = text
        self.lookup = lookup
        self.used: dict[str, None] = {}
        self._newline = -1
        self._last_brace: dict[int, int] = {}
        self._matches: dict[int, int] | None = None

    def _line_end(self, pos: int) -> int:
        if self._newline < pos:
            found = self.text.find("\n", pos)
            self._newline = len(self.text) if found < 0 else found
        return self._newline

    def _last_close(self, limit: int) -> int:
        found = self._last_brace.get(limit)
        if found is None:
            found = self._last_brace[limit] = self.text.rfind("}", 0, limit)
        return found

    def _balancing(self, open_at: int) -> int:
        if self._matches is None:
            self._matches = _brace_matches(self.text)
        return self._matches.get(open_at, -1)

    def _value(self, name: str) -> str | None:
        self.used[name] = None
        return self.lookup(name)

    def _substitute(self, name: str, out: list[str], missing: list[str], spans: list[tuple[int, int, str]],
                    length: int) -> int:
        """``$NAME`` / ``${NAME}``: its value appended (and its span noted) or the name
        noted as missing; returns the output length after it."""
        value = self._value(name)
        if value is None:
            missing.append(name)
            return length
        return _put_value(name, value, out, spans, length)

    def expand(self, start: int, end: int, depth: int) -> tuple[str, list[str], list[tuple[int, int, str]]]:
        """(value, missing names in order, possibly repeated, spans) of ``text[start:end]``.

        compose-go interpolates the text after a cut-back ``${...}`` (up to the
        last ``}`` of the line) as a template of its own; scanning on gives the
        same value, and ``rest_from``/``rest_until`` remember that stretch so an
        invalid-template message quotes the same text compose-go would.
        """
        if depth > MAX_NESTING:
            raise InterpolationError(_TOO_DEEP)
        text = self.text
        out: list[str] = []
        missing: list[str] = []
        spans: list[tuple[int, int, str]] = []
        length = 0  # of the output so far, for spans
        pos = start
        rest_from = rest_until = -1
        while True:
            dollar = text.find("$", pos, end)
            if dollar < 0:
                out.append(text[pos:end])
                break
            out.append(text[pos:dollar])
            length += dollar - pos
            if dollar > rest_until:
                rest_from = rest_until = -1
            after = dollar + 1
            if after == end:
                out.append("$")
                break
            char = text[after]
            if char == "$":
                out.append("$")
                length += 1
                pos = after + 1
                continue
            if char != "{":
                match = _NAME.match(text, after, end)
                if match is None:
                    out.append("$")
                    length += 1
                    pos = after
                    continue
                length = self._substitute(match.group(), out, missing, spans, length)
                pos = match.end()
                continue

            # the template an error quotes (``_invalid`` slices it)
            template = (rest_from, rest_until + 1) if rest_from >= 0 else (start, end)
            match = _NAME.match(text, after + 1, end)
            if match is None:
                raise _invalid(text, template)
            name = match.group()
            end_of_name = match.end()
            follower = text[end_of_name] if end_of_name < end else ""
            if follower == "}":
                length = self._substitute(name, out, missing, spans, length)
                pos = end_of_name + 1
                continue
            if follower == ":" and end_of_name + 1 < end and text[end_of_name + 1] in _OPERATOR_CHARS:
                operator = text[end_of_name : end_of_name + 2]
            elif follower and follower in _OPERATOR_CHARS:
                operator = follower
            else:
                raise _invalid(text, template)
            operand_start = end_of_name + len(operator)
            line_end = min(self._line_end(operand_start), end)
            last = self._last_close(line_end)
            if last < operand_start:
                raise _invalid(text, template)
            close = self._balancing(after)
            if close < 0 or close > last:
                close = last

            self.used[name] = None
            operand, operand_missing, operand_spans = self.expand(operand_start, close, depth + 1)
            value = self.lookup(name)
            if operator == ":-":
                use_operand = value is None or value == ""
            elif operator == "-":
                use_operand = value is None
            elif operator == ":+":
                use_operand = value is not None and value != ""
            elif operator == "+":
                use_operand = value is not None
            else:
                if value is None or (operator == ":?" and value == ""):
                    raise _required(name, masked(operand, operand_spans))
                use_operand = False
            if use_operand:
                out.append(operand)
                missing.extend(operand_missing)
                spans.extend((s + length, e + length, n) for s, e, n in operand_spans)
                length += len(operand)
            elif value is not None:
                length = _put_value(name, value, out, spans, length)

            if close < last:
                rest_from, rest_until = close + 1, last
            pos = close + 1
        return "".join(out), missing, spans
