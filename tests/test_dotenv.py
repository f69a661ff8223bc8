"""``.env`` parsing must match compose-go's ``dotenv`` package, so the cases are its own.

Tables marked with a compose-go test name restate inputs and expected values
from ``dotenv/godotenv_test.go``, ``dotenv/parser_test.go``,
``dotenv/godotenv_var_expansion_test.go`` and their fixtures
(compose-spec/compose-go); "docs" marks examples from Docker's env-file
syntax page.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bindguard.compose.dotenv import DotenvError, load_dotenv_file, parse_dotenv


def parse_one(text: str, key: str) -> str:
    env = parse_dotenv(text)
    assert key in env, env
    return env[key]


# ---------------------------------------------------------------- compose-go TestParsing

@pytest.mark.parametrize(
    "line, key, expected",
    [
        ("FOO=bar", "FOO", "bar"),
        ("FOO =bar", "FOO", "bar"),
        ("FOO= bar", "FOO", "bar"),
        ('FOO="bar"', "FOO", "bar"),
        ("FOO='bar'", "FOO", "bar"),
        ('FOO="escaped\\"bar"', "FOO", 'escaped"bar'),
        ('FOO="\\"quoted\\""', "FOO", '"quoted"'),
        ("FOO=\"'d'\"", "FOO", "'d'"),
        ("OPTION_A: 1", "OPTION_A", "1"),
        ("OPTION_A: Foo=bar", "OPTION_A", "Foo=bar"),
        ("OPTION_A=1:B", "OPTION_A", "1:B"),
        ("export OPTION_A=2", "OPTION_A", "2"),
        ("export OPTION_B='\\n'", "OPTION_B", "\\n"),
        ("export exportFoo=2", "exportFoo", "2"),
        ("exportFOO=2", "exportFOO", "2"),
        ("export_FOO =2", "export_FOO", "2"),
        ("export.FOO= 2", "export.FOO", "2"),
        ("export\tOPTION_A=2", "OPTION_A", "2"),
        ("  export OPTION_A=2", "OPTION_A", "2"),
        ("\texport OPTION_A=2", "OPTION_A", "2"),
        ('export OPTION_A="export A"', "OPTION_A", "export A"),
        ('FOO="bar\\nbaz"', "FOO", "bar\nbaz"),
        ("FOO=a\\tb", "FOO", "a\\tb"),
        ('FOO="a\\tb"', "FOO", "a\tb"),
        ('KEY="Z\\aZ\\bZ\\fZ\\nZ\\rZ\\tZ\\vZ\\\\Z\\0123Z"', "KEY", "Z\aZ\bZ\fZ\nZ\rZ\tZ\vZ\\ZSZ"),
        ("FOO.BAR=foobar", "FOO.BAR", "foobar"),
        ("FOO=foobar=", "FOO", "foobar="),
        ("FOO=bar ", "FOO", "bar"),
        ("FOO=bar # this is foo", "FOO", "bar"),
        ("FOO=bar #this is foo", "FOO", "bar"),
        ("FOO=bar #", "FOO", "bar"),
        ("FOO=123#not-an-inline-comment", "FOO", "123#not-an-inline-comment"),
        ('FOO="bar#baz"', "FOO", "bar#baz"),
        ('FOO="bar#baz"#', "FOO", "bar#baz"),
        ('FOO="bar#baz" # comment', "FOO", "bar#baz"),
        ("FOO='bar#baz' # comment", "FOO", "bar#baz"),
        ('FOO="bar#baz#bang" # comment', "FOO", "bar#baz#bang"),
        ('FOO="ba#r"', "FOO", "ba#r"),
        ("FOO='ba#r'", "FOO", "ba#r"),
        ('FOO="bar\\n\\ b\\az"', "FOO", "bar\n\\ b\az"),
        ('FOO="bar\\\\\\n\\ b\\az"', "FOO", "bar\\\n\\ b\az"),
        ('FOO="bar\\\\r\\ b\\az"', "FOO", "bar\\r\\ b\az"),
        ('FOO="bar\\nbaz\\\\"', "FOO", "bar\nbaz\\"),
        ('="value"', "", "value"),
        (" KEY =value", "KEY", "value"),
        ("   KEY=value", "KEY", "value"),
        ("\tKEY=value", "KEY", "value"),
        ('KEY="\\0123"', "KEY", "S"),
        ('KEY="\\x07"', "KEY", "\\x07"),
        ('KEY="\\u12e4"', "KEY", "\\u12e4"),
        ('KEY="\\U00101234"', "KEY", "\\U00101234"),
        # compose-go TestParse
        ('THREE = "3"', "THREE", "3"),
    ],
)
def test_compose_go_parsing(line: str, key: str, expected: str) -> None:
    assert parse_one(line, key) == expected


def test_bad_key_character() -> None:
    # compose-go TestParsing: 'lol$wut' is a format error.
    with pytest.raises(DotenvError) as info:
        parse_dotenv("lol$wut")
    assert info.value.line == 1


def test_unexpected_character_message() -> None:
    # compose-go TestParseVariable; compose-go quotes the whole line, value included:
    # bindguard quotes neither the line nor the name: in a file that is no env file the
    # "name" is whatever the line holds, a token for one (issues 14, 25)
    with pytest.raises(DotenvError) as info:
        parse_dotenv("A%!(EXTRA string)=foo")
    assert info.value.line == 1
    assert str(info.value) == 'unexpected character "%" in a variable name (column 2)'
    with pytest.raises(DotenvError) as info:
        parse_dotenv("ghp_9f8e7d6c5b4a+3210\n")
    assert "ghp_" not in str(info.value) and "column 17" in str(info.value)


@pytest.mark.parametrize(
    "text",
    # compose-go TestUnterminatedQuotes
    ['KEY="', 'KEY="value', 'KEY="value\\"', "KEY=\"value'"]
    + ["KEY='", "KEY='value", "KEY='value\\'", "KEY='value\""],
)
def test_unterminated_quotes(text: str) -> None:
    with pytest.raises(DotenvError) as info:
        parse_dotenv(text)
    assert "unterminated quoted value" in info.value.message
    assert info.value.line == 1


@pytest.mark.parametrize(
    "text",
    # compose-go TestLinesToIgnore
    ["\n", "\r\n", "\t\t ", "# Comment", "\t # comment", "", "\n\n# a\n  # b\n\t\n"],
)
def test_lines_to_ignore(text: str) -> None:
    assert parse_dotenv(text) == {}


def test_parse_several_lines() -> None:
    # compose-go TestParse
    assert parse_dotenv("ONE=1\nTWO='2'\nTHREE = \"3\"") == {"ONE": "1", "TWO": "2", "THREE": "3"}


def test_keys_with_brackets_dots_and_any_script() -> None:
    # compose-go parser_test TestParseBytes
    text = "\na=b\na[1]=c\na.propertyKey=d\nárvíztűrő-TÜKÖRFÚRÓGÉP=ÁRVÍZTŰRŐ-tükörfúrógép\n"
    assert parse_dotenv(text) == {
        "a": "b",
        "a[1]": "c",
        "a.propertyKey": "d",
        "árvíztűrő-TÜKÖRFÚRÓGÉP": "ÁRVÍZTŰRŐ-tükörfúrógép",
    }


def test_dashes_and_dots() -> None:
    # compose-go TestDash (fixtures/special.env)
    text = "VAR-WITH-DASHES=dashes\nVAR.WITH.DOTS=dots\nVAR_WITH_UNDERSCORES=underscores\n"
    assert parse_dotenv(text) == {
        "VAR-WITH-DASHES": "dashes",
        "VAR.WITH.DOTS": "dots",
        "VAR_WITH_UNDERSCORES": "underscores",
    }


def test_many_lines() -> None:
    # compose-go parser_test TestMemoryExplosion (size only)
    text = "\n".join(f"KEY{i}=VALUE{i}" for i in range(1000))
    env = parse_dotenv(text)
    assert len(env) == 1000
    assert env["KEY999"] == "VALUE999"


# ---------------------------------------------------------------- compose-go fixtures

PLAIN_ENV = (
    "OPTION_A=1\nOPTION_B=2\nOPTION_C= 3\nOPTION_D =4\nOPTION_E = 5\nOPTION_F = \nOPTION_G=\n"
    "OPTION_H = my string # Inline comment\n"
)

QUOTED_ENV = (
    "OPTION_A='1'\nOPTION_B='2'\nOPTION_C=''\nOPTION_D='\\n'\nOPTION_E=\"1\"\nOPTION_F=\"2\"\n"
    "OPTION_G=\"\"\nOPTION_H=\"\\n\"\nOPTION_I = \"echo 'asd'\"\n"
    "OPTION_J = 'first line\nsecond line\nthird line\nand so on'\nOPTION_Z = \"last value\"\n"
)

SUBSTITUTIONS_DEFAULT_ENV = (
    "OPTION_A=${OPTION_A:-1}\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\n"
    "OPTION_D=${OPTION_A}_${OPTION_B}\nOPTION_E=${OPTION_NOT_DEFINED}\n"
)

# Input restated from what compose-go TestSubstitutions expects of fixtures/substitutions.env.
SUBSTITUTIONS_ENV = (
    "OPTION_A=1\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\n"
    "OPTION_D=${OPTION_A}_${OPTION_B}\nOPTION_E=${OPTION_NOT_DEFINED}\n"
)


def test_plain_env() -> None:
    # compose-go TestReadPlainEnv
    assert parse_dotenv(PLAIN_ENV) == {
        "OPTION_A": "1",
        "OPTION_B": "2",
        "OPTION_C": "3",
        "OPTION_D": "4",
        "OPTION_E": "5",
        "OPTION_F": "",
        "OPTION_G": "",
        "OPTION_H": "my string",
    }


def test_quoted_env() -> None:
    # compose-go TestLoadQuotedEnv
    assert parse_dotenv(QUOTED_ENV) == {
        "OPTION_A": "1",
        "OPTION_B": "2",
        "OPTION_C": "",
        "OPTION_D": "\\n",
        "OPTION_E": "1",
        "OPTION_F": "2",
        "OPTION_G": "",
        "OPTION_H": "\n",
        "OPTION_I": "echo 'asd'",
        "OPTION_J": "first line\nsecond line\nthird line\nand so on",
        "OPTION_Z": "last value",
    }


def test_substitutions() -> None:
    # compose-go TestSubstitutions
    assert parse_dotenv(SUBSTITUTIONS_ENV) == {
        "OPTION_A": "1",
        "OPTION_B": "1",
        "OPTION_C": "1",
        "OPTION_D": "1_1",
        "OPTION_E": "",
    }


def test_environment_wins_in_expansion_but_not_over_the_key_itself() -> None:
    # compose-go TestSubstitutionsWithEnvFilePrecedence
    env = parse_dotenv(SUBSTITUTIONS_ENV, {"OPTION_A": "5"}.get)
    assert env == {"OPTION_A": "1", "OPTION_B": "5", "OPTION_C": "5", "OPTION_D": "5_5", "OPTION_E": ""}


@pytest.mark.parametrize(
    "environ, expected_a",
    [
        # compose-go TestSubstitutionsWithEnvFileDefaultValuePrecedence
        ({"OPTION_A": "5"}, "5"),
        # compose-go TestSubstitutionsWithUnsetVarEnvFileDefaultValuePrecedence
        ({}, "1"),
    ],
)
def test_substitutions_with_defaults(environ: dict[str, str], expected_a: str) -> None:
    env = parse_dotenv(SUBSTITUTIONS_DEFAULT_ENV, environ.get)
    a = expected_a
    assert env == {"OPTION_A": a, "OPTION_B": a, "OPTION_C": a, "OPTION_D": f"{a}_{a}", "OPTION_E": ""}


def test_inherited_variables() -> None:
    # compose-go TestInheritedEnvVariableSameSize / ...NotFound (fixtures/inherited-*.env)
    text = "FOO=bar\nVARIABLE_NOT_FOUND\nBAR=baz\nVAR_TO_BE_LOADED_FROM_OS_ENV\n"
    asked: list[str] = []

    def environ(name: str) -> str | None:
        asked.append(name)
        return {"VAR_TO_BE_LOADED_FROM_OS_ENV": "SOME_RANDOM_VALUE"}.get(name)

    assert parse_dotenv(text, environ) == {
        "FOO": "bar",
        "BAR": "baz",
        "VAR_TO_BE_LOADED_FROM_OS_ENV": "SOME_RANDOM_VALUE",
    }
    assert "VARIABLE_NOT_FOUND" in asked
    assert parse_dotenv(text) == {"FOO": "bar", "BAR": "baz"}


def test_expanding_with_lookup() -> None:
    # compose-go TestExpandingEnvironmentWithLookup
    assert parse_dotenv("TEST=$ME", {"ME": "YES"}.get) == {"TEST": "YES"}


def test_multi_line_double_quoted_value() -> None:
    # compose-go TestVariableStringValueSeparator
    text = 'TEST_URLS="stratum+tcp://stratum.antpool.com:3333\nstratum+tcp://stratum.antpool.com:443"'
    assert parse_dotenv(text) == {
        "TEST_URLS": "stratum+tcp://stratum.antpool.com:3333\nstratum+tcp://stratum.antpool.com:443"
    }


@pytest.mark.parametrize(
    "text, expected",
    [
        # compose-go TestExpanding
        ("FOO=test\nBAR=$FOO", {"FOO": "test", "BAR": "test"}),
        ("FOO=test\nBAR=${FOO}bar", {"FOO": "test", "BAR": "testbar"}),
        ("BAR=$FOO", {"BAR": ""}),
        ('FOO=test\nBAR="quote $FOO"', {"FOO": "test", "BAR": "quote test"}),
        ("BAR='quote $FOO'", {"BAR": "quote $FOO"}),
        ('FOO="foo\\$BAR"', {"FOO": "foo$BAR"}),
        ('FOO="foo\\${BAR}"', {"FOO": "foo${BAR}"}),
        ('FOO=test\nBAR="foo\\${FOO} ${FOO}"', {"FOO": "test", "BAR": "foo${FOO} test"}),
    ],
)
def test_expanding(text: str, expected: dict[str, str]) -> None:
    assert parse_dotenv(text) == expected


EXPANSION_FILE = "EMPTY_VAR=\nTEST_VAR=Test Value\n"


@pytest.mark.parametrize(
    "line, expected",
    [
        # compose-go TestExpandIfEmptyOrUnset
        ("RESULT=${UNSET_VAR:-Default Value}", "Default Value"),
        ("RESULT=${EMPTY_VAR:-Default Value}", "Default Value"),
        ("RESULT=${TEST_VAR:-Default Value}", "Test Value"),
        # compose-go TestExpandIfUnset
        ("RESULT=${UNSET_VAR-Default Value}", "Default Value"),
        ("RESULT=${EMPTY_VAR-Default Value}", ""),
        ("RESULT=${TEST_VAR-Default Value}", "Test Value"),
        # compose-go TestErrorIfEmptyOrUnset / TestErrorIfUnset (the cases that succeed)
        ("RESULT=${TEST_VAR:?Default Value}", "Test Value"),
        ("RESULT=${EMPTY_VAR?Test error}", ""),
        ("RESULT=${TEST_VAR?Default Value}", "Test Value"),
    ],
)
def test_expansion_operators(line: str, expected: str) -> None:
    assert parse_dotenv(EXPANSION_FILE + line)["RESULT"] == expected


@pytest.mark.parametrize(
    "line, message",
    [
        # compose-go TestErrorIfEmptyOrUnset / TestErrorIfUnset (the cases that fail); compose-go
        # prints the error text, which is part of the value: bindguard names key and variable only
        ("RESULT=${UNSET_VAR:?Test error}", 'value of "RESULT": it requires UNSET_VAR, which is unset'),
        ("RESULT=${EMPTY_VAR:?Test error}", 'value of "RESULT": it requires EMPTY_VAR, which is unset'),
        ("RESULT=${UNSET_VAR?Test error}", 'value of "RESULT": it requires UNSET_VAR, which is unset'),
    ],
)
def test_expansion_errors(line: str, message: str) -> None:
    with pytest.raises(DotenvError) as info:
        parse_dotenv(EXPANSION_FILE + line)
    assert info.value.message == message
    assert info.value.line == 3


# ---------------------------------------------------------------- Docker's env-file syntax page

@pytest.mark.parametrize(
    "line, expected",
    [
        ("VAR=VAL", "VAL"),
        ('VAR="VAL"', "VAL"),
        ("VAR='VAL'", "VAL"),
        ("VAR=VAL # comment", "VAL"),
        ("VAR=VAL# not a comment", "VAL# not a comment"),
        ('VAR="VAL # not a comment"', "VAL # not a comment"),
        ('VAR="VAL" # comment', "VAL"),
        ("VAR='$OTHER'", "$OTHER"),
        ("VAR='${OTHER}'", "${OTHER}"),
        ("VAR='Let\\'s go!'", "Let's go!"),
        ('VAR="{\\"hello\\": \\"json\\"}"', '{"hello": "json"}'),
        ('VAR="some\\tvalue"', "some\tvalue"),
        ("VAR='some\\tvalue'", "some\\tvalue"),
        ("VAR=some\\tvalue", "some\\tvalue"),
    ],
)
def test_docs_examples(line: str, expected: str) -> None:
    assert parse_one(line, "VAR") == expected


# ---------------------------------------------------------------- compose-go behaviour we pin down

@pytest.mark.parametrize(
    "text, expected",
    [
        ("A=1\r\nB=2\r\n", {"A": "1", "B": "2"}),
        ("A=1 # c\r\nB\r\n", {"A": "1", "B": "env-B"}),
        ('A="x"\r\nB=\'y\'\r\n', {"A": "x", "B": "y"}),
        ("A=\n", {"A": ""}),
        ("A=", {"A": ""}),
        ("A=1\nA=2\n", {"A": "2"}),
        ("A=1\tB\n", {"A": "1\tB"}),
        ("A=x\t#not-a-comment\n", {"A": "x\t#not-a-comment"}),  # only a space starts a comment
        ("export=1\n", {"export": "1"}),
        ("export\n", {"": "env-"}),  # `export` + whitespace is stripped, leaving an empty inherited key
        ("1ABC=x\n", {"1ABC": "x"}),
        ("A: http://h:1/p\n", {"A": "http://h:1/p"}),
        ("a:b=c\n", {"a": "b=c"}),
        ("A\tB=1\n", {"A\tB": "1"}),  # only a space is rejected inside a key
        ('A="x"B=2\n', {"A": "x", "B": "2"}),  # after a closing quote, the next statement starts
        ("A='x' y\n", {"A": "x", "y": "env-y"}),
        ("B=$$A\n", {"B": "$A"}),
        ("B=\\$A\n", {"B": "\\env-A"}),  # escapes are for double quotes only
        ('B="\\$A"\n', {"B": "$A"}),
        ('B="\\0"\n', {"B": "\\"}),
        ('B="\\01"\n', {"B": "\\1"}),
        ('B="\\0777"\n', {"B": "\\777"}),
        ('B="\\0377"\n', {"B": "\xff"}),
        ('B="\\01234"\n', {"B": "S4"}),
        ("B='a\\\\b'\n", {"B": "a\\\\b"}),
        ("B='a\\\"b'\n", {"B": 'a\\"b'}),
        ("\ufeffA=1\n", {"A": "1"}),
    ],
)
def test_edge_cases(text: str, expected: dict[str, str]) -> None:
    assert parse_dotenv(text, lambda name: f"env-{name}") == expected


def test_bare_key_on_last_line_without_newline() -> None:
    # compose-go only recognises an inherited KEY when a newline ends it; at the
    # very end of the text it reads an empty key holding the text instead.
    assert parse_dotenv("A=1\nB", {"B": "2"}.get) == {"A": "1", "": "B"}
    assert parse_dotenv("A=1\nB\n", {"B": "2"}.get) == {"A": "1", "B": "2"}


def test_lookup_wins_over_earlier_keys_in_expansion() -> None:
    env = parse_dotenv("HOST=file\nADDR=${HOST}:80\n", {"HOST": "env"}.get)
    assert env == {"HOST": "file", "ADDR": "env:80"}


def test_later_keys_are_not_visible_to_earlier_ones() -> None:
    assert parse_dotenv("A=${B:-unset}\nB=1\n") == {"A": "unset", "B": "1"}


@pytest.mark.parametrize(
    "text, line, fragment",
    [
        ("A=1\n\n# c\nbad key=1\n", 4, "key cannot contain a space"),
        ("A=1\nB=2\nC=3\nD=4\nE=5\nF=6\nINVALID LINE\nfoo=bar\n", 7, "key cannot contain a space"),
        ("A=1\nB=\"multi\nline\"\nC D=1\n", 4, "key cannot contain a space"),
        ("A=1\nB='never\nclosed\n", 2, 'unterminated quoted value of "B"'),
        ("A=1\r\nB=${X:?need X}\r\n", 2, 'value of "B": it requires X, which is unset'),
        ("A=1\nB=${\n", 2, "invalid interpolation format"),
        ("A=1\nexport ", 2, "zero length string"),
        ("A=1\n  k!=v\n", 2, 'unexpected character "!"'),
    ],
)
def test_errors_name_the_statement_line(text: str, line: int, fragment: str) -> None:
    with pytest.raises(DotenvError) as info:
        parse_dotenv(text)
    assert info.value.line == line
    assert fragment in info.value.message


@pytest.mark.parametrize(
    "text",
    [
        "A=1\nTOKEN='ghp_SECRETVALUE\n",
        'TOKEN="ghp_SECRETVALUE\\"\n',
        "TOKEN=${X:?ghp_SECRETVALUE}\n",
        "TOKEN=ghp_SECRETVALUE${\n",
        "TOKEN ghp_SECRETVALUE!\n",
        "TO!KEN=ghp_SECRETVALUE\n",
        "TOKEN=${X:-ghp_SECRETVALUE${}\n",
    ],
)
def test_errors_never_print_the_value(text: str) -> None:
    """Issue 14: an env file's parse error names file, line and key, never the value."""
    with pytest.raises(DotenvError) as info:
        parse_dotenv(text)
    assert "SECRETVALUE" not in str(info.value)


def test_lines_record_where_each_key_is_set() -> None:
    lines: dict[str, int] = {}
    parse_dotenv("A=1\n\n# c\nB='x\ny'\nexport C=3\nA=4\n", lines=lines)
    assert lines == {"A": 7, "B": 4, "C": 6}


def test_load_dotenv_file(tmp_path: Path) -> None:
    # compose-go TestUTF8BOM
    path = tmp_path / ".env"
    path.write_bytes("\ufeffOPTION_A=1\nOPTION_B=2\nOPTION_C= 3\nOPTION_D =4\nOPTION_E = 5\n".encode())
    expected = {"OPTION_A": "1", "OPTION_B": "2", "OPTION_C": "3", "OPTION_D": "4", "OPTION_E": "5"}
    assert load_dotenv_file(path) == expected
    assert load_dotenv_file(str(path)) == load_dotenv_file(path)


def test_load_dotenv_file_with_lookup_and_bad_bytes(tmp_path: Path) -> None:
    path = tmp_path / "x.env"
    path.write_bytes(b"A=caf\xe9\nB\nC=${B}\n")
    assert load_dotenv_file(path, {"B": "b"}.get) == {"A": "caf\ufffd", "B": "b", "C": "b"}


def test_missing_file_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        load_dotenv_file(tmp_path / "nope.env")


# ---------------------------------------------------------------- properties

KEYS = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.\-]{0,8}", fullmatch=True)


@given(st.dictionaries(KEYS, st.text().filter(lambda v: "'" not in v and "\\" not in v)))
def test_single_quoted_values_round_trip(env: dict[str, str]) -> None:
    text = "".join(f"{key}='{value}'\n" for key, value in env.items())
    assert parse_dotenv(text) == env


@given(st.dictionaries(KEYS, st.text()))
def test_escaped_double_quoted_values_round_trip(env: dict[str, str]) -> None:
    def quote(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$") + '"'

    text = "\n".join(f"export {key}={quote(value)}" for key, value in env.items())
    assert parse_dotenv(text) == env


@given(st.text())
def test_only_dotenv_errors_escape(text: str) -> None:
    try:
        env = parse_dotenv(text, {"A": "1"}.get)
    except DotenvError as exc:
        assert exc.line >= 1
        assert exc.line <= text.count("\n") + 1
    else:
        assert all(isinstance(value, str) for value in env.values())
