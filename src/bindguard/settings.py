"""Command-line options and the config file, merged into the settings of one run.

The rule: a command-line option replaces the config's value for the same key;
anything the command line leaves unset comes from the config, then from the
built-in defaults.  Bad values raise ConfigError naming the option.
"""

from typing import NamedTuple

from bindguard.compose.project import ProjectOptions
from bindguard.config import Config
from bindguard.errors import ConfigError
from bindguard.planning import LintSettings
from bindguard.rules.options import RuleOptions, parse_cidr, parse_expectation
from bindguard.runner import RuleSelection
from bindguard.weakening import weakening


class CliOptions(NamedTuple):
    """What the command line said; ``None`` or empty means "not given"."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()
    expect: tuple[str, ...] = ()
    env_files: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    compose_files: tuple[str, ...] = ()
    swarm: bool = False
    jobs: int | None = None
    fail_on: str | None = None
    baseline: frozenset[str] = frozenset()
    show_values: bool = False
    sources: tuple[str, ...] = ()
    default_host_ip: str | None = None


def parse_codes(items) -> frozenset[str]:
    """Rule codes from repeated and/or comma-separated options; a prefix (``BG00``) selects every code it starts."""
    from bindguard.suggest import expand_codes

    return expand_codes(items)


def rule_options(cli: CliOptions, config: Config) -> RuleOptions:
    try:
        allow = tuple(parse_cidr(a) for a in cli.allow) if cli.allow else config.allow
        expect = tuple(parse_expectation(e) for e in cli.expect) if cli.expect else config.expect
    except ValueError as exc:
        raise ConfigError(str(exc), key="--allow/--expect") from None
    return RuleOptions(allow=allow, expect=expect)


def selection(cli: CliOptions, config: Config) -> RuleSelection:
    return RuleSelection(
        select=parse_codes(cli.select) if cli.select else config.select,
        ignore=parse_codes(cli.ignore) if cli.ignore else config.ignore,
        severity=config.severity,
        options=rule_options(cli, config),
    )


def _sources(cli: CliOptions, config: Config) -> frozenset[str] | None:
    """``--sources`` over the config's ``sources``; None: every kind (``bindguard.sources.DEFAULT``)."""
    if not cli.sources:
        return config.sources
    from bindguard.sources import parse_sources

    try:
        return parse_sources(cli.sources)
    except ValueError as exc:
        raise ConfigError(str(exc), key="--sources") from None


def default_host_ip(cli: CliOptions, config: Config) -> str | None:
    """The engine's default host IP lint was told (``engine``: asked of the engine in the
    environment, one networks call), or None: Docker's default is assumed."""
    from bindguard.config import ENGINE_DEFAULT, parse_default_host_ip

    told = cli.default_host_ip or config.default_host_ip
    if told is None:
        return None
    try:
        told = parse_default_host_ip(told)
    except ValueError as exc:
        raise ConfigError(str(exc), key="--default-host-ip") from None
    if told != ENGINE_DEFAULT:
        return told
    from bindguard.engine.client import engine_default_host_ip, env_target

    return engine_default_host_ip(env_target())


def lint_settings(cli: CliOptions, config: Config) -> tuple[LintSettings, str]:
    """(settings, fail-on level) for ``lint``/``ports``/``fix``."""
    settings = LintSettings(
        selection=selection(cli, config),
        project=ProjectOptions(
            env_files=cli.env_files or config.env_files,
            profiles=cli.profiles or config.profiles,
            swarm=cli.swarm,
            show_values=cli.show_values,
            default_host_ip=default_host_ip(cli, config),
        ),
        exclude=cli.exclude or config.exclude,
        exclude_root="." if cli.exclude else config.root,
        include=cli.include or config.include,
        compose_files=cli.compose_files,
        jobs=cli.jobs,
        overrides=config.overrides,
        config_root=config.root,
        baseline=cli.baseline,
        docs_url=config.docs_url,
        sources=_sources(cli, config),
        weakened=weakening(config, cli),
    )
    return settings, cli.fail_on or config.fail_on or "warning"
