"""Interpolation must give the string docker compose gives, so the cases are compose-go's own.

Tables marked with a compose-go test name restate the inputs and expected
outputs of ``template/template_test.go`` (compose-spec/compose-go), whose
mapping is FOO="first", BAR="" (set but empty), JSON='{"json":2}' and
nothing else.  A regex model of compose-go's algorithm (``_model``) is
checked against the scanner on generated templates.
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bindguard.compose.interpolate import (
    Interpolated,
    InterpolationError,
    has_variables,
    interpolate,
)

from helpers import examples

DEFAULTS = {"FOO": "first", "BAR": "", "JSON": '{"json":2}'}


def lookup(name: str) -> str | None:
    return DEFAULTS.get(name)


def value(text: str, mapping: dict[str, str] | None = None) -> str:
    return interpolate(text, (DEFAULTS if mapping is None else mapping).get).value


# ---------------------------------------------------------------- compose-go template_test.go

@pytest.mark.parametrize(
    "template, expected",
    [
        # TestEscaped
        ("$${foo}", "${foo}"),
        # TestSubstituteNoMatch
        ("foo", "foo"),
        # TestNonBraced (docker/compose#8601)
        ("$FOO-bar", "first-bar"),
        # TestNoValueNoDefault
        ("This ${missing} var", "This  var"),
        ("This ${BAR} var", "This  var"),
        # TestValueNoDefault
        ("This $FOO var", "This first var"),
        ("This ${FOO} var", "This first var"),
        # TestNoValueWithDefault
        ("ok ${missing:-def}", "ok def"),
        ("ok ${missing-def}", "ok def"),
        # TestEmptyValueWithSoftDefault / TestValueWithSoftDefault / TestEmptyValueWithHardDefault
        ("ok ${BAR:-def}", "ok def"),
        ("ok ${FOO:-def}", "ok first"),
        ("ok ${BAR-def}", "ok "),
        # TestPresentValueWithUnset / ...Unset2 / ...WithNonEmpty / ...AndNonEmptyWithNonEmpty
        ("ok ${UNSET_VAR:+presence_value}", "ok "),
        ("ok ${UNSET_VAR+presence_value}", "ok "),
        ("ok ${FOO:+presence_value}", "ok presence_value"),
        ("ok ${FOO+presence_value}", "ok presence_value"),
        # TestPresentValueWithSet / TestPresentValueAndNotEmptyWithSet
        ("ok ${BAR+presence_value}", "ok presence_value"),
        ("ok ${BAR:+presence_value}", "ok "),
        # TestNonAlphanumericDefault
        ("ok ${BAR:-/non:-alphanumeric}", "ok /non:-alphanumeric"),
        # TestSubstituteWithReplacementFunc (last case)
        ("ok ${SUBDOMAIN:-redis}.${FOO:?}", "ok redis.first"),
        # TestNoValueWithCurlyBracesDefault / TestValueWithCurlyBracesDefault
        ('ok ${missing:-{"json":1}}', 'ok {"json":1}'),
        ('ok ${missing-{"json":1}}', 'ok {"json":1}'),
        ('ok ${JSON:-{"json":1}}', 'ok {"json":2}'),
        ('ok ${JSON-{"json":1}}', 'ok {"json":2}'),
    ],
)
def test_compose_go_substitution(template: str, expected: str) -> None:
    assert value(template) == expected


@pytest.mark.parametrize("template", ["a $ string", "^REGEX$", "$}", "$"])
def test_unescaped_dollar_is_left_alone(template: str) -> None:
    # compose-go TestUnescaped
    assert value(template) == template


@pytest.mark.parametrize("template", ["${", "${}", "${ }", "${ foo}", "${foo }", "${foo!}"])
def test_invalid_templates(template: str) -> None:
    # compose-go TestInvalid
    with pytest.raises(InterpolationError) as info:
        interpolate(template, lookup)
    assert info.value.variable is None
    assert "invalid interpolation format" in info.value.message
    assert json.dumps(template) in info.value.message


@pytest.mark.parametrize(
    "template, expected",
    [
        # compose-go TestInterpolationExternalInterference
        ("-ok ${BAR:-defaultValue}", "-ok defaultValue"),
        ("+ok ${UNSET:-${BAR-defaultValue}}", "+ok "),
        ("-ok ${FOO:-defaultValue}", "-ok first"),
        (":-ok ${UNSET-defaultValue}", ":-ok defaultValue"),
        (":-ok ${BAR-defaultValue}", ":-ok "),
        (":?ok ${BAR-defaultValue}", ":?ok "),
        (":?ok ${BAR:-defaultValue}", ":?ok defaultValue"),
        (":+ok ${BAR:-defaultValue}", ":+ok defaultValue"),
        ("+ok ${BAR-defaultValue}", "+ok "),
        ("?ok ${BAR:-defaultValue}", "?ok defaultValue"),
    ],
)
def test_outer_text_does_not_change_the_operator(template: str, expected: str) -> None:
    assert value(template) == expected


@pytest.mark.parametrize(
    "template, expected",
    [
        # compose-go TestDefaultsWithNestedExpansion
        ("ok ${UNSET_VAR-$FOO}", "ok first"),
        ("ok ${UNSET_VAR-${FOO}}", "ok first"),
        ("ok ${UNSET_VAR-${FOO} ${FOO}}", "ok first first"),
        ("ok ${BAR:-$FOO}", "ok first"),
        ("ok ${BAR:-${FOO}}", "ok first"),
        ("ok ${BAR:-${FOO} ${FOO}}", "ok first first"),
        ("ok ${BAR+$FOO}", "ok first"),
        ("ok ${BAR+$FOO ${FOO:+second}}", "ok first second"),
    ],
)
def test_nested_defaults(template: str, expected: str) -> None:
    assert value(template) == expected


@pytest.mark.parametrize(
    "template, variable, message",
    [
        # compose-go TestMandatoryVariableErrors
        ("not ok ${UNSET_VAR:?Mandatory Variable Unset}", "UNSET_VAR",
         "required variable UNSET_VAR is missing a value: Mandatory Variable Unset"),
        ("not ok ${BAR:?Mandatory Variable Empty}", "BAR",
         "required variable BAR is missing a value: Mandatory Variable Empty"),
        ("not ok ${UNSET_VAR:?}", "UNSET_VAR", "required variable UNSET_VAR is missing a value"),
        ("not ok ${UNSET_VAR?Mandatory Variable Unset}", "UNSET_VAR",
         "required variable UNSET_VAR is missing a value: Mandatory Variable Unset"),
        ("not ok ${UNSET_VAR?}", "UNSET_VAR", "required variable UNSET_VAR is missing a value"),
        # compose-go TestMandatoryVariableErrorsWithNestedExpansion, except that compose-go
        # prints FOO's value ("first"): a value from the environment is never printed (issue 14)
        ("not ok ${UNSET_VAR:?Mandatory Variable ${FOO}}", "UNSET_VAR",
         "required variable UNSET_VAR is missing a value: Mandatory Variable <value of FOO>"),
        ("not ok ${UNSET_VAR?Mandatory Variable ${FOO}}", "UNSET_VAR",
         "required variable UNSET_VAR is missing a value: Mandatory Variable <value of FOO>"),
        # compose-go TestPrecedence
        ("${UNSET_VAR?bar-baz}", "UNSET_VAR", "required variable UNSET_VAR is missing a value: bar-baz"),
    ],
)
def test_required_variables(template: str, variable: str, message: str) -> None:
    with pytest.raises(InterpolationError) as info:
        interpolate(template, lookup)
    assert info.value.variable == variable
    assert info.value.message == message
    assert str(info.value) == message


@pytest.mark.parametrize(
    "template, expected",
    [
        # compose-go TestDefaultsForMandatoryVariables
        ("ok ${FOO:?err}", "ok first"),
        ("ok ${FOO?err}", "ok first"),
        ("ok ${BAR?err}", "ok "),
        # compose-go TestPrecedence
        ("${UNSET_VAR-myerror?msg}", "myerror?msg"),
        ("${FOO?bar-baz}", "first"),
        ("${BAR:-default_value_for_empty_var}", "default_value_for_empty_var"),
        ("${UNSET_VAR-default_value_for_unset_var}", "default_value_for_unset_var"),
    ],
)
def test_required_variables_that_are_set(template: str, expected: str) -> None:
    assert value(template) == expected


@pytest.mark.parametrize(
    "template, expected",
    [
        # docker/compose#9024 ("expected" column, fixed by compose-go#219); FOO, BAR unset.
        ("{{{ ${FOO:-foo} }}}", "{{{ foo }}}"),
        ("{{{ ${FOO:-foo} ${BAR:-bar} }}}", "{{{ foo bar }}}"),
        ("{{{ ${BAR} }}}", "{{{  }}}"),
        ("${FOO:-baz} }}}", "baz }}}"),
        ("${FOO-baz} }}}", "baz }}}"),
    ],
)
def test_braces_around_expressions(template: str, expected: str) -> None:
    assert value(template, {}) == expected


# ---------------------------------------------------------------- compose-go behaviour we pin down

@pytest.mark.parametrize(
    "template, expected",
    [
        ("$1", "$1"),
        ("$-", "$-"),
        ("$ ", "$ "),
        ("price: 5$", "price: 5$"),
        ("$$", "$"),
        ("$$$", "$$"),
        ("$$$$", "$$"),
        ("$$FOO", "$FOO"),
        ("$$$FOO", "$first"),
        ("$FOO$FOO", "firstfirst"),
        ("$FOO_BAR", ""),  # the name runs as far as name characters go
        ("${FOO}_BAR", "first_BAR"),
        ("$FOO.bar", "first.bar"),
        ("$é", "$é"),
        ("${FOO}}", "first}"),
        ("${FOO:-x}}", "first}"),
        ("${UNSET:-}", ""),
        ("${UNSET-}", ""),
        ("${UNSET:-a}${UNSET:-b}", "ab"),
        ("${UNSET:-${UNSET2:-${FOO}}}", "first"),
        ("${A:-{}x} y}", "{}x} y"),  # '{' hides the next character from the brace count
        ("${A:-{}", "{"),
        ("${FOO:-x}\n${BAR:-y}", "first\ny"),
        ("${FOO:-:-}", "first"),
        ("${UNSET:-a:-b}", "a:-b"),
        ("${UNSET:+x}", ""),
        ("\u017f", "\u017f"),
    ],
)
def test_edge_cases(template: str, expected: str) -> None:
    assert value(template) == expected


@pytest.mark.parametrize("template", ["${FOO:-x\n}", "${FOO:-", "${FOO", "${FOO:x}", "${1}", "a ${FOO"])
def test_operand_must_close_on_the_same_line(template: str) -> None:
    with pytest.raises(InterpolationError) as info:
        interpolate(template, lookup)
    assert info.value.variable is None


def test_go_case_folding_admits_long_s_and_kelvin_in_names() -> None:
    seen: list[str] = []

    def record(name: str) -> str | None:
        seen.append(name)
        return "x"

    assert interpolate("$a\u017fb-${\u212a}", record).value == "x-x"
    assert seen == ["a\u017fb", "\u212a"]


def test_operand_is_interpolated_even_when_unused() -> None:
    # compose-go resolves the default before looking at the variable, so an
    # error in an unused default still fails the whole template.
    with pytest.raises(InterpolationError) as info:
        interpolate("${FOO:-${NOPE:?needed}}", lookup)
    assert info.value.variable == "NOPE"
    with pytest.raises(InterpolationError):
        interpolate("${FOO:-${}}", lookup)


def test_invalid_message_quotes_the_template_compose_quotes() -> None:
    # The innermost template that was being substituted: here the default.
    with pytest.raises(InterpolationError) as info:
        interpolate("port ${X:-a${}b}", lookup)
    assert '"a${}b"' in info.value.message


def test_first_error_wins() -> None:
    with pytest.raises(InterpolationError) as info:
        interpolate("${A:?first} ${B:?second}", lookup)
    assert info.value.variable == "A"


def test_deep_nesting_is_an_interpolation_error_not_a_crash() -> None:
    template = "${A:-" * 5000 + "x" + "}" * 5000
    with pytest.raises(InterpolationError):
        interpolate(template, lookup)


# ---------------------------------------------------------------- missing / used

@pytest.mark.parametrize(
    "template, missing, used",
    [
        ("plain", (), ()),
        ("$UNSET", ("UNSET",), ("UNSET",)),
        ("${UNSET}", ("UNSET",), ("UNSET",)),
        ("$BAR", (), ("BAR",)),  # set to "" is not missing
        ("${UNSET:-x}", (), ("UNSET",)),
        ("${UNSET-x}", (), ("UNSET",)),
        ("${UNSET:+x}", (), ("UNSET",)),
        ("${UNSET+x}", (), ("UNSET",)),
        ("${UNSET:-}", (), ("UNSET",)),
        ("$B1 $A1 $B1 ${A1}", ("B1", "A1"), ("B1", "A1")),
        ("${UNSET:-$OTHER}", ("OTHER",), ("UNSET", "OTHER")),
        ("${FOO:-$OTHER}", (), ("FOO", "OTHER")),  # default not used: OTHER's blank never shows
        ("${FOO:+$OTHER}", ("OTHER",), ("FOO", "OTHER")),
        ("${UNSET:+$OTHER}", (), ("UNSET", "OTHER")),
        ("$$UNSET", (), ()),
        ("${FOO}:${PORT}:80", ("PORT",), ("FOO", "PORT")),
    ],
)
def test_missing_and_used(template: str, missing: tuple[str, ...], used: tuple[str, ...]) -> None:
    result = interpolate(template, lookup)
    assert result.missing == missing
    assert result.used == used


def test_text_without_dollar_is_returned_as_is() -> None:
    text = "127.0.0.1:8080:80"
    result = interpolate(text, lookup)
    assert result == Interpolated(text, (), ())
    assert result.value is text


def test_lookup_is_not_called_without_references() -> None:
    def refuse(name: str) -> str | None:
        raise AssertionError(name)

    assert interpolate("a$$b$1$", refuse).value == "a$b$1$"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", False),
        ("8080:80", False),
        ("$", False),
        ("$$", False),
        ("$${FOO}", False),
        ("$$FOO", False),
        ("5$ $1", False),
        ("$FOO", True),
        ("${FOO}", True),
        ("${", True),  # malformed, but interpolate() has work to do
        ("$$$FOO", True),
        ("a$_", True),
    ],
)
def test_has_variables(text: str, expected: bool) -> None:
    assert has_variables(text) is expected


# ---------------------------------------------------------------- properties

@given(st.text().filter(lambda text: "$" not in text))
def test_text_without_dollar_is_unchanged(text: str) -> None:
    assert interpolate(text, lookup) == Interpolated(text, (), ())


@given(st.text())
def test_escaped_text_round_trips(text: str) -> None:
    escaped = text.replace("$", "$$")
    result = interpolate(escaped, lookup)
    assert result.value == text
    assert result.used == ()
    assert not has_variables(escaped)


@given(st.text(), st.dictionaries(st.text(min_size=1, max_size=3), st.text(max_size=3)))
def test_only_interpolation_errors_escape(text: str, mapping: dict[str, str]) -> None:
    try:
        result = interpolate(text, mapping.get)
    except InterpolationError as exc:
        assert exc.message
    else:
        assert set(result.missing) <= set(result.used)


# ---------------------------------------------------------------- differential check against a regex model

# compose-go's pattern, in Python syntax: escaped `$$`, a bare name, or `${...}`
# whose braced part is a name plus an optional operator and everything up to
# the last `}` of the line; `${` with anything else is invalid.
_FIRST = "[_A-Za-z\u017f\u212a]"
_REST = "[_A-Za-z0-9\u017f\u212a]"
_MODEL = re.compile(
    rf"\$(?:(?P<escaped>\$)|(?P<named>{_FIRST}{_REST}*)"
    rf"|\{{(?:(?P<braced>{_FIRST}{_REST}*(?::?[-+?].*)?)\}}|(?P<invalid>)))"
)
_OPERATORS = (":?", "?", ":-", "-", ":+", "+")


class _ModelError(Exception):
    def __init__(self, message: str, variable: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.variable = variable


def _model_close(text: str) -> int:
    depth, i = 0, 0
    while i < len(text):
        if text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        if text[i] == "{":
            depth += 1
            i += 1
        i += 1
    return -1


def _model(template: str, mapping: dict[str, str]) -> str:
    """compose-go's Substitute re-stated with Python's re: match, cut back, re-match, recurse."""

    def replace(match: re.Match[str]) -> str:
        whole = match.group()
        if match.group("escaped"):
            return "$"
        if match.group("named"):
            return mapping.get(match.group("named"), "")
        if match.group("braced") is None:
            quoted = json.dumps(template, ensure_ascii=False)
            raise _ModelError(f"invalid interpolation format in {quoted}", None)
        close = _model_close(whole)
        head, rest = (whole, "") if close < 0 else (whole[: close + 1], whole[close + 1 :])
        braced = _MODEL.match(head).group("braced")
        found = [(whole.find(op), op) for op in _OPERATORS if op in whole]
        if not found:
            return mapping.get(braced, "")
        operator = min(found)[1]
        name, operand = braced.split(operator, 1)
        operand = _model(operand, mapping)
        current = mapping.get(name)
        if operator in (":?", "?"):
            if current is None or (operator == ":?" and current == ""):
                reason = f": {operand}" if operand else ""
                raise _ModelError(f"required variable {name} is missing a value{reason}", name)
            result = current
        elif operator == ":-":
            result = operand if not current else current
        elif operator == "-":
            result = operand if current is None else current
        elif operator == ":+":
            result = operand if current else ""
        else:
            result = operand if current is not None else ""
        return result + _model(rest, mapping)

    return _MODEL.sub(replace, template)


_PIECES = st.sampled_from(
    ["$", "$", "{", "}", "}", ":", "-", "+", "?", "A", "B", "C", "_", "x", " ", "\n", "1"]
    + ["$$", "${", "${A", "${B:-"]
)
_TEMPLATES = st.lists(_PIECES, max_size=24).map("".join)
_MAPPINGS = st.fixed_dictionaries(
    {},
    optional={"A": st.sampled_from(["", "a", "$B", "{"]), "B": st.sampled_from(["", "b"]), "C": st.just("c")},
)


@settings(max_examples=examples(3000), suppress_health_check=[HealthCheck.too_slow])
@given(_TEMPLATES, _MAPPINGS)
def test_scanner_agrees_with_regex_model(template: str, mapping: dict[str, str]) -> None:
    try:
        expected = _model(template, mapping)
    except _ModelError as exc:
        with pytest.raises(InterpolationError) as info:
            interpolate(template, mapping.get)
        assert info.value.variable == exc.variable
        if exc.variable is None:
            assert info.value.message.startswith(exc.message)
        else:
            # the reason is the operand as it may be printed: a value from a variable is masked there
            # (issue 25), which the model does not do
            assert info.value.message.startswith(f"required variable {exc.variable} is missing a value")
    else:
        assert interpolate(template, mapping.get).value == expected
