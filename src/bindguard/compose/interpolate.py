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

Lookup = Callable[[str], str | None]

# compose-go: (?i)[_a-z][_a-z0-9]* -- Go folds 's' with U+017F and 'k' with U+212A.
_NAME = re.compile("[_A-Za-z\u017f\u212a][_A-Za-z0-9\u017f\u212a]*")
_REFERENCE = re.compile("\\$(?:(\\$)|[{_A-Za-z\u017f\u212a])")
_OPERATOR_CHARS = "-+?"


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
    order of first appearance, without duplicates.
    """

    value: str
    missing: tuple[str, ...] = ()
    used: tuple[str, ...] = ()


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
    not the same as set to "").  Raises :class:`InterpolationError`.
    """
    if "$" not in text:
        return Interpolated(text)
    used: dict[str, None] = {}
    try:
        value, missing = _expand(text, lookup, used)
    except RecursionError:
        # compose-go has no depth limit; Python does.  Only absurd nesting gets here.
        raise InterpolationError("invalid interpolation format: expressions are nested too deeply") from None
    return Interpolated(value, tuple(dict.fromkeys(missing)), tuple(used))


def _invalid(template: str) -> InterpolationError:
    import json  # only on this error path: json costs 1.5 ms to import

    quoted = json.dumps(template[:80], ensure_ascii=False)
    if len(template) > 80:  # a megabyte of text must not make a megabyte-long message
        quoted += f"... ({len(template):,} characters)"
    return InterpolationError(
        f"invalid interpolation format in {quoted}: you may need to escape any $ with another $"
    )


def _required(name: str, reason: str) -> InterpolationError:
    message = f"required variable {name} is missing a value"
    if reason:
        message += f": {reason[:200]}{'...' if len(reason) > 200 else ''}"
    return InterpolationError(message, variable=name)


def _balancing_brace(text: str, start: int, last: int) -> int:
    """Index of the ``}`` closing the ``${`` at ``start``, looking no further than ``last``; -1 if none.

    Every ``{`` opens a level and the character after it is skipped unseen,
    which is how compose-go counts; that quirk decides where ``${A:-{}x} y}``
    ends.
    """
    depth = 0
    i = start
    while i <= last:
        char = text[i]
        if char == "}":
            depth -= 1
            if depth == 0:
                return i
        elif char == "{":
            depth += 1
            i += 1
        i += 1
    return -1


def _expand(text: str, lookup: Lookup, used: dict[str, None]) -> tuple[str, list[str]]:
    """(value, missing names in order, possibly repeated); records every reference in ``used``.

    compose-go interpolates the text after a cut-back ``${...}`` (up to the
    last ``}`` of the line) as a template of its own; scanning on gives the
    same value, and ``rest_from``/``rest_until`` remember that stretch so an
    invalid-template message quotes the same text compose-go would.
    """
    if "$" not in text:
        return text, []
    out: list[str] = []
    missing: list[str] = []
    size = len(text)
    pos = 0
    rest_from = rest_until = -1
    while True:
        dollar = text.find("$", pos)
        if dollar < 0:
            out.append(text[pos:])
            break
        out.append(text[pos:dollar])
        if dollar > rest_until:
            rest_from = rest_until = -1
        after = dollar + 1
        if after == size:
            out.append("$")
            break
        char = text[after]
        if char == "$":
            out.append("$")
            pos = after + 1
            continue
        if char != "{":
            match = _NAME.match(text, after)
            if match is None:
                out.append("$")
                pos = after
                continue
            name = match.group()
            used[name] = None
            value = lookup(name)
            if value is None:
                missing.append(name)
                value = ""
            out.append(value)
            pos = match.end()
            continue

        template = text[rest_from : rest_until + 1] if rest_from >= 0 else text
        match = _NAME.match(text, after + 1)
        if match is None:
            raise _invalid(template)
        name = match.group()
        end_of_name = match.end()
        follower = text[end_of_name] if end_of_name < size else ""
        if follower == "}":
            used[name] = None
            value = lookup(name)
            if value is None:
                missing.append(name)
                value = ""
            out.append(value)
            pos = end_of_name + 1
            continue
        if follower == ":" and end_of_name + 1 < size and text[end_of_name + 1] in _OPERATOR_CHARS:
            operator = text[end_of_name : end_of_name + 2]
        elif follower and follower in _OPERATOR_CHARS:
            operator = follower
        else:
            raise _invalid(template)
        operand_start = end_of_name + len(operator)
        line_end = text.find("\n", operand_start)
        last = text.rfind("}", operand_start, size if line_end < 0 else line_end)
        if last < 0:
            raise _invalid(template)
        close = _balancing_brace(text, dollar, last)
        if close < 0:
            close = last

        used[name] = None
        operand, operand_missing = _expand(text[operand_start:close], lookup, used)
        value = lookup(name)
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
                raise _required(name, operand)
            use_operand = False
        if use_operand:
            out.append(operand)
            missing.extend(operand_missing)
        else:
            out.append(value or "")

        if close < last:
            rest_from, rest_until = close + 1, last
        pos = close + 1
    return "".join(out), missing
