"""How a config file turned the gate down, so that every output can say so (issue 25).

A ``.bindguard.toml`` or ``pyproject.toml`` arrives in the same pull request
as the compose files it governs: ``fail-on = "never"``, an ``ignore`` of the
exposure rules, a severity lowered to ``info``, ``exclude`` globs or env files
from elsewhere on the runner switch the gate off while the job stays green.
Those settings stay allowed (teams need them), but never silently:
:func:`weakening` reads the validated :class:`~bindguard.config.Config`
(only what the command line did not replace) into one :class:`Weakening`,
the :class:`~bindguard.reporters.base.Report` carries it, and each reporter
states it where its format has a place (text summary, JSON, SARIF run
properties, a GitHub warning annotation, a GitLab entry, JUnit properties).
"""

import os
from typing import NamedTuple

from bindguard.model import Severity

DEFAULT_FAIL_ON = "warning"


class Weakening(NamedTuple):
    """What one config file turned down, in the words of its keys.

    ``ignored``: codes that do not run (``ignore``, or left out of
    ``select``); ``downgraded``: (code, default, configured) severities below
    the rule's default; ``per_path``: the same for ``overrides`` tables, as
    (paths, what) phrases; ``env_files``: env files the config adds (their
    values decide what ``${VAR}`` ports become), ``outside`` those not under
    the config's folder.
    """

    config: str
    fail_on: str | None = None
    ignored: tuple[str, ...] = ()
    downgraded: tuple[tuple[str, str, str], ...] = ()
    excluded: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()
    env_files: tuple[str, ...] = ()
    outside: tuple[str, ...] = ()
    per_path: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()  # kinds of file (bindguard.sources) the config's `sources` leaves unread

    def phrases(self) -> list[str]:
        """One short phrase per way the gate was turned down (for every format)."""
        out = []
        if self.fail_on == "never":
            out.append('fail-on = "never": no finding fails the run')
        elif self.fail_on:
            out.append(f'fail-on = "{self.fail_on}": findings below {self.fail_on} do not fail the run')
        if self.ignored:
            out.append(f"rules turned off: {', '.join(self.ignored)}")
        if self.downgraded:
            out.append("severity lowered: " + ", ".join(f"{c} {old} -> {new}" for c, old, new in self.downgraded))
        if self.excluded:
            out.append(f"files excluded: {', '.join(self.excluded)}")
        if self.allowed:
            out.append(f"addresses allowed: {', '.join(self.allowed)}")
        if self.env_files:
            shown = [f"{p} (outside the config's folder)" if p in self.outside else p for p in self.env_files]
            out.append(f"env files added: {', '.join(shown)}")
        out.extend(self.per_path)
        if self.sources:
            out.append(f"sources not read: {', '.join(self.sources)}")
        return out

    def sentence(self) -> str:
        """The whole weakening as one line: ``CONFIG weakens the gate: A; B``."""
        return f"{self.config} weakens the gate: {'; '.join(self.phrases())}"

    def as_dict(self) -> dict:
        """The JSON/SARIF form: keys named as in the config file."""
        return {
            "config": self.config,
            "fail-on": self.fail_on,
            "ignored": list(self.ignored),
            "downgraded": [{"rule": c, "default": old, "configured": new} for c, old, new in self.downgraded],
            "exclude": list(self.excluded),
            "allow": list(self.allowed),
            "env-file": list(self.env_files),
            "env-file-outside": list(self.outside),
            "overrides": list(self.per_path),
            **({"sources-not-read": list(self.sources)} if self.sources else {}),
        }


def weakening(config, cli=None) -> Weakening | None:
    """The ways ``config`` turns the gate down that this run applies; None if none.

    ``cli`` (``settings.CliOptions``) says what the command line gave: an
    option given there replaces the config's key, which then weakens nothing.
    """
    if config.path is None:
        return None
    from bindguard.rules import RULES

    given = cli._asdict() if cli is not None else {}
    fail_on = None if given.get("fail_on") else config.fail_on
    if fail_on is not None and _stricter_or_equal(fail_on):
        fail_on = None
    ignored: tuple[str, ...] = ()
    if not given.get("select") and not given.get("ignore"):
        ignored = _turned_off(config.select, config.ignore, RULES)
    elif not given.get("ignore"):
        ignored = tuple(sorted(c for c in config.ignore if c in RULES))
    elif not given.get("select") and config.select is not None:
        ignored = tuple(sorted(c for c in RULES if c not in config.select))
    downgraded = _downgraded(config.severity, RULES)
    env_files: tuple[str, ...] = () if given.get("env_files") else tuple(config.env_files)
    root = os.path.abspath(config.root)
    outside = tuple(p for p in env_files if not _under(os.path.abspath(p), root))
    per_path = tuple(_override_phrase(o, RULES) for o in config.overrides)
    found = Weakening(
        config=config.path,
        fail_on=fail_on,
        ignored=ignored,
        downgraded=downgraded,
        excluded=() if given.get("exclude") else tuple(config.exclude),
        allowed=() if given.get("allow") else tuple(str(n) for n in config.allow),
        env_files=env_files,
        outside=outside,
        per_path=tuple(p for p in per_path if p),
        sources=() if given.get("sources") else _unread(config.sources),
    )
    return found if found.phrases() else None


def _unread(sources) -> tuple[str, ...]:
    """The kinds of file a config's ``sources`` leaves out of what lint reads by default."""
    if sources is None:
        return ()
    from bindguard.sources import KINDS

    return tuple(k for k in KINDS if k not in sources)


def _stricter_or_equal(level: str) -> bool:
    if level == "never":
        return False
    return Severity.parse(level) <= Severity.parse(DEFAULT_FAIL_ON)


def _turned_off(select, ignore, rules) -> tuple[str, ...]:
    return tuple(sorted(c for c in rules if (select is not None and c not in select) or c in ignore))


def _downgraded(severity, rules) -> tuple[tuple[str, str, str], ...]:
    return tuple(
        (code, str(rules[code].severity), str(level))
        for code, level in severity
        if code in rules and level < rules[code].severity
    )


def _override_phrase(override, rules) -> str:
    parts = []
    off = _turned_off(override.select, override.ignore, rules)
    if off:
        parts.append(f"rules turned off: {', '.join(off)}")
    low = _downgraded(override.severity, rules)
    if low:
        parts.append("severity lowered: " + ", ".join(f"{c} {old} -> {new}" for c, old, new in low))
    if not parts:
        return ""
    return f"for {', '.join(override.paths)}: {'; '.join(parts)}"


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)
