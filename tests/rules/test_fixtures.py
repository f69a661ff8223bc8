"""Per-rule fixtures and the rule registry.

Every ``tests/rules/fixtures/<CODE>/flagged*.yaml`` and ``clean*.yaml`` is
linted on its own with only ``<CODE>`` selected.  The exact set of
``(line, code)`` findings must equal the set of lines that end with
``# error: [<CODE>]``: a missing and an extra finding both fail, and a clean
file must give nothing.  An optional ``<stem>.toml`` next to a fixture gives
its options: ``allow`` (CIDRs), ``expect`` (``SERVICE=IP:PORT`` strings),
``swarm`` (bool), ``env`` (the interpolation environment; empty by
default, so the real process environment never leaks in) and ``default-host-ip``
(the engine's default host IP lint is told, as ``--default-host-ip``).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from bindguard import rules as registry
from bindguard.compose.project import ProjectOptions
from bindguard.lint import LintSettings, lint
from bindguard.ruledocs import REQUIRED_HEADINGS
from bindguard.rules import RETIRED, RULES
from bindguard.rules.options import RuleOptions, parse_cidr, parse_expectation
from bindguard.runner import RuleSelection

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ANNOTATION = re.compile(r"#\s*error:\s*\[([^\]]*)\]\s*$")
OPTION_KEYS = frozenset({"allow", "expect", "swarm", "env", "also", "default-host-ip"})
HEADINGS = REQUIRED_HEADINGS


def _fixture_files() -> list[Path]:
    if not FIXTURES.is_dir():
        return []
    return sorted(
        path
        for path in FIXTURES.glob("*/*.yaml")
        if path.name.startswith(("flagged", "clean"))
    )


def _scopes(rule) -> tuple[str, ...]:
    return tuple(rule.scope)


# Scopes whose items only exist on a running engine: ``drift`` compares a
# container with the files that created it.
ENGINE_SCOPES = frozenset({"drift", "confirm"})


def _engine_only(rule) -> bool:
    """Rules that only read running containers cannot be shown with a compose file."""
    return any(
        "engine" in s or "container" in s or s in ENGINE_SCOPES for s in _scopes(rule)
    )


def _read_lines(path: Path) -> list[str]:
    # Fixtures may hold bytes that are not UTF-8 on purpose (BG000).
    return path.read_bytes().decode("utf-8", errors="replace").splitlines()


def _expected(path: Path, code: str) -> set[tuple[int, str]]:
    expected = set()
    for number, line in enumerate(_read_lines(path), 1):
        match = ANNOTATION.search(line)
        if match is None:
            continue
        for annotated in (c.strip() for c in match.group(1).split(",")):
            assert annotated == code, (
                f"{path.name}:{number}: annotation names {annotated!r}, but fixtures in "
                f"{code}/ are linted with only {code} selected"
            )
            expected.add((number, annotated))
    return expected


def _settings(path: Path, code: str) -> LintSettings:
    options_file = path.with_suffix(".toml")
    data: dict = {}
    if options_file.is_file():
        data = tomllib.loads(options_file.read_text(encoding="utf-8"))
        unknown = sorted(set(data) - OPTION_KEYS)
        assert not unknown, f"{options_file.name}: unknown option keys {unknown}"
    swarm = data.get("swarm", False)
    assert isinstance(swarm, bool), f"{options_file.name}: swarm must be true or false"
    options = RuleOptions(
        allow=tuple(parse_cidr(c) for c in data.get("allow", ())),
        expect=tuple(parse_expectation(e) for e in data.get("expect", ())),
    )
    env = {str(k): str(v) for k, v in data.get("env", {}).items()}
    # ``also``: rules that must run beside the fixture's own (BG013 can only see
    # an unused ignore for a rule that ran); only the fixture's code is compared.
    also = frozenset(str(c) for c in data.get("also", ()))
    return LintSettings(
        selection=RuleSelection(select=frozenset({code}) | also, options=options),
        # As the CLI does, --swarm changes both what the rules are told and how
        # the project is read; always an explicit environment.
        project=ProjectOptions(environ=env, swarm=swarm, default_host_ip=data.get("default-host-ip")),
        jobs=1,
    )


def _describe(path: Path, keys: set, messages: dict) -> str:
    lines = _read_lines(path)
    out = []
    for line, code in sorted(keys, key=lambda k: (str(k[0]).zfill(12), k[1])):
        text = lines[line - 1].strip() if isinstance(line, int) and 0 < line <= len(lines) else ""
        extra = f" -- {messages[(line, code)]}" if (line, code) in messages else ""
        out.append(f"  line {line} [{code}]: {text}{extra}")
    return "\n".join(out)


@pytest.mark.parametrize(
    "path",
    _fixture_files(),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_fixture(path: Path) -> None:
    code = path.parent.name
    assert code in RULES, f"fixture folder {code}/ names no rule"
    expected = _expected(path, code)
    if path.name.startswith("clean"):
        assert not expected, f"{path.name} is a clean fixture but carries error annotations"
    else:
        assert expected, f"{path.name} is a flagged fixture without any '# error: [{code}]'"

    report = lint([str(path)], _settings(path, code))

    actual: set = set()
    messages: dict = {}
    for finding in report.findings:
        if finding.code != code:
            continue
        same_file = finding.location.file is not None and Path(finding.location.file).resolve() == path
        key = (finding.location.line if same_file else f"{finding.location}", finding.code)
        actual.add(key)
        messages[key] = finding.message
    missing = expected - actual
    extra = actual - expected
    assert not missing and not extra, (
        f"{code}/{path.name}\n"
        + (f"missing (annotated, not reported):\n{_describe(path, missing, messages)}\n" if missing else "")
        + (f"extra (reported, not annotated):\n{_describe(path, extra, messages)}\n" if extra else "")
    )


def test_fixture_folders_and_options_are_known() -> None:
    for folder in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        assert folder.name in RULES, f"fixture folder {folder.name}/ names no rule"
        for options_file in folder.glob("*.toml"):
            assert options_file.with_suffix(".yaml").is_file(), (
                f"{folder.name}/{options_file.name} gives options to no fixture"
            )
        for other in folder.iterdir():
            if other.suffix == ".yaml":
                assert other.name.startswith(("flagged", "clean")), (
                    f"{folder.name}/{other.name} is never checked: name it flagged* or clean*"
                )


def test_registry_codes_are_unique_and_match_modules() -> None:
    """Every ``bgNNN_*.py`` module declares one Rule with its file's code, and is registered."""
    import importlib
    import pkgutil

    from bindguard.rules.contract import Rule

    declared = {}
    for info in pkgutil.iter_modules(registry.__path__):
        if not re.fullmatch(r"bg\d{3}_\w+", info.name):
            continue
        module = importlib.import_module(f"bindguard.rules.{info.name}")
        rule = getattr(module, "RULE", None)
        assert isinstance(rule, Rule), f"{info.name}.py declares no RULE = Rule(...)"
        assert info.name.startswith(f"{rule.code.lower()}_"), (
            f"{rule.code} lives in {info.name}.py; rule modules are named {rule.code.lower()}_<name>.py"
        )
        assert rule.code not in declared, f"{rule.code} declared twice"
        declared[rule.code] = rule
    assert declared == RULES, "a rule module is missing from rules/__init__.py (or the reverse)"
    assert not set(RULES) & set(RETIRED), "a retired code was reused"
    for code, rule in RULES.items():
        assert re.fullmatch(r"BG\d{3}", code), code
        assert rule.scope and rule.name and rule.summary and rule.since and rule.doc


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_has_fixtures(code: str) -> None:
    rule = RULES[code]
    if _engine_only(rule):
        # engine rules have recorded-engine fixtures: tests/rules/test_engine_fixtures.py
        pytest.skip(f"{code} reads running containers only (scope {rule.scope_text}): see engines/")
    folder = FIXTURES / code
    names = [p.name for p in folder.glob("*.yaml")] if folder.is_dir() else []
    assert any(n.startswith("flagged") for n in names), f"{code}: no fixtures/{code}/flagged*.yaml"
    assert any(n.startswith("clean") for n in names), f"{code}: no fixtures/{code}/clean*.yaml"


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_doc_follows_template(code: str) -> None:
    rule = RULES[code]
    doc = rule.doc.strip()
    lines = doc.splitlines()
    assert lines and lines[0] == f"# {code} {rule.name}", (
        f"{code}: the doc must start with '# {code} {rule.name}', got {lines[:1]}"
    )
    positions = []
    for heading in HEADINGS:
        # "Use instead:" may run on into a sentence; the ## headings stand alone.
        found = [
            i for i, line in enumerate(lines)
            if line == heading or (not heading.startswith("#") and line.startswith(heading))
        ]
        assert found, f"{code}: doc lacks the line {heading!r}"
        positions.append(found[0])
    assert positions == sorted(positions), (
        f"{code}: headings out of order; expected {list(HEADINGS)}"
    )


def test_every_declared_rule_option_is_a_config_key_and_documented() -> None:
    """``Rule.options`` is what config validation accepts, and each one is in the rule's doc."""
    from bindguard.config import KNOWN_KEYS, RUN_KEYS

    assert not RUN_KEYS & set(registry.option_names()), "a rule option shadows a run key"
    for code, rule in RULES.items():
        options_doc = rule.doc.split("## Options", 1)[1].split("\n## ", 1)[0]
        for option in rule.options:
            assert option in KNOWN_KEYS, f"{code} declares option {option!r} that config rejects"
            assert f"`{option}`" in options_doc, f"{code}: option {option!r} missing from ## Options"
        for named in re.findall(r"^- `([a-z-]+)`", options_doc, re.M):
            assert named in rule.options, f"{code}: ## Options names {named!r}, which is no declared option"
