"""``[tool.bindguard]`` / ``.bindguard.toml``: found, parsed and validated into a frozen Config.

Discovery walks up from the current directory; in each folder
``.bindguard.toml`` wins over ``pyproject.toml``, and a ``pyproject.toml``
without a ``[tool.bindguard]`` table does not count.  ``--config FILE`` wins
over discovery and ``--no-config`` ignores every file.  Validation is strict:
an unknown key or a value of the wrong type stops the run with one error that
names the file and the key, so a typo never silently disables a check.
Command-line options replace the config's value for the same key.
"""

import os
from typing import Any, NamedTuple

from bindguard.bounded_read import read_small_file
from bindguard.errors import ConfigError
from bindguard.model import Severity
from bindguard.rules import get as get_rule
from bindguard.rules import option_names
from bindguard.rules.options import Expectation, Network, parse_cidr, parse_expectation

CONFIG_FILE = ".bindguard.toml"
FAIL_ON = ("info", "warning", "error", "never")


class PathOverride(NamedTuple):
    """Rule selection for files matching ``paths`` (globs, relative to the config's folder)."""

    paths: tuple[str, ...]
    select: frozenset[str] | None = None
    ignore: frozenset[str] = frozenset()
    severity: tuple[tuple[str, Severity], ...] = ()

    def matches(self, file: str, root: str) -> bool:
        import fnmatch

        rel = os.path.relpath(os.path.abspath(file), root).replace(os.sep, "/")
        return any(fnmatch.fnmatch(rel, pat) for pat in self.paths)


class Config(NamedTuple):
    path: str | None = None
    root: str = "."
    allow: tuple[Network, ...] = ()
    expect: tuple[Expectation, ...] = ()
    select: frozenset[str] | None = None
    ignore: frozenset[str] = frozenset()
    severity: tuple[tuple[str, Severity], ...] = ()
    fail_on: str | None = None
    exclude: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    env_files: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    overrides: tuple[PathOverride, ...] = ()
    docs_url: str | None = None
    sources: frozenset[str] | None = None  # the kinds of file a folder walk reads (bindguard.sources)
    default_host_ip: str | None = None  # an IP address, or "engine"


# Keys of the run itself; the rules' own options (``Rule.options``: ``allow``, ``expect``) are
# added from the registry, so a rule that declares an option makes it a valid key here.
RUN_KEYS = {
    "select", "ignore", "severity", "fail-on", "exclude", "include", "env-file", "profiles", "overrides",
    "docs-url", "default-host-ip", "sources",
}
KNOWN_KEYS = RUN_KEYS | set(option_names())
OVERRIDE_KEYS = {"paths", "select", "ignore", "severity"}


ENGINE_DEFAULT = "engine"


def parse_default_host_ip(value: object) -> str:
    """``default-host-ip`` / ``--default-host-ip``: an IP address (brackets allowed for IPv6),
    or ``engine`` to read it from the engine; ValueError otherwise."""
    import ipaddress

    text = value.strip() if isinstance(value, str) else ""
    if text == ENGINE_DEFAULT:
        return text
    try:
        return str(ipaddress.ip_address(text.strip("[]")))
    except ValueError:
        raise ValueError(f"expected an IP address or 'engine', not {value!r}") from None


def find_config(start: str | None = None) -> str | None:
    """The nearest config file at or above ``start`` (default: the current directory).

    A ``pyproject.toml`` that does not parse stops the search with a
    ConfigError: whether it holds a ``[tool.bindguard]`` table cannot be
    known, and walking past it to a parent's config would silently run with
    settings the user did not write (issue 20).
    """
    directory = os.path.abspath(start or os.getcwd())
    while True:
        candidate = os.path.join(directory, CONFIG_FILE)
        if os.path.isfile(candidate):
            return candidate
        pyproject = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(pyproject) and _has_tool_table(pyproject):
            return pyproject
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _read_toml(path: str) -> dict[str, Any]:
    """A TOML file as data; every way it can fail is a ConfigError naming the file (and line)."""
    import tomllib

    try:
        return tomllib.loads(read_small_file(path).decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError("config file not found", path=path) from None
    except OSError as exc:
        raise ConfigError(f"cannot read config: {exc.strerror}", path=path) from None
    except UnicodeDecodeError:
        raise ConfigError("config is not UTF-8 text", path=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", path=_with_line(path, str(exc))) from None


def _with_line(path: str, message: str) -> str:
    """``path:LINE`` from tomllib's "... (at line 3, column 9)" (3.11 has no lineno attribute)."""
    import re

    match = re.search(r"\(at line (\d+), column \d+\)", message)
    return f"{path}:{match.group(1)}" if match else path


def _tool_table(data: dict[str, Any], path: str) -> Any:
    """``data["tool"]["bindguard"]`` or None; a ``tool`` that is not a table is a ConfigError."""
    tool = data.get("tool")
    if tool is None:
        return None
    if not isinstance(tool, dict):
        raise ConfigError("expected a table", path=path, key="tool")
    return tool.get("bindguard")


def _has_tool_table(path: str) -> bool:
    return _tool_table(_read_toml(path), path) is not None


def load_config(explicit: str | None = None, no_config: bool = False) -> Config:
    if no_config:
        return Config()
    path = explicit or find_config()
    if path is None:
        return Config()
    data = _read_toml(path)
    if os.path.basename(path) == "pyproject.toml" or "tool" in data:
        table = _tool_table(data, path)
        if table is None:
            if explicit:
                raise ConfigError("no [tool.bindguard] table", path=path)
            return Config()
        prefix = "tool.bindguard."
    else:
        table = data
        prefix = ""
    return parse_config(table, path, prefix)


def parse_config(table: dict[str, Any], path: str, prefix: str = "") -> Config:
    """Validate a config table; ConfigError names the first bad key."""
    if not isinstance(table, dict):
        raise ConfigError("expected a table", path=path, key=prefix.rstrip(".") or None)
    for name in table:
        if name not in KNOWN_KEYS:
            from bindguard.suggest import did_you_mean

            raise ConfigError(
                f"unknown key{did_you_mean(name, KNOWN_KEYS, 1)} (known: {', '.join(sorted(KNOWN_KEYS))})",
                path=path, key=prefix + name,
            )
    root = os.path.dirname(os.path.abspath(path))

    def key(name: str) -> str:
        return prefix + name

    allow = tuple(_each(table, "allow", path, key, parse_cidr))
    expect_table = table.get("expect", {})
    if not isinstance(expect_table, dict):
        raise ConfigError("expected a table of service = \"IP:PORT\"", path=path, key=key("expect"))
    expect = []
    for service, target in expect_table.items():
        if not isinstance(target, str):
            raise ConfigError("expected \"IP:PORT\"", path=path, key=key(f"expect.{service}"))
        try:
            expect.append(parse_expectation(f"{service}={target}"))
        except ValueError as exc:
            raise ConfigError(str(exc), path=path, key=key(f"expect.{service}")) from None
    fail_on = table.get("fail-on")
    if fail_on is not None and fail_on not in FAIL_ON:
        raise ConfigError(f"expected one of {', '.join(FAIL_ON)}", path=path, key=key("fail-on"))
    overrides = []
    raw_overrides = table.get("overrides", [])
    if not isinstance(raw_overrides, list):
        raise ConfigError("expected an array of tables", path=path, key=key("overrides"))
    for i, item in enumerate(raw_overrides):
        overrides.append(_override(item, path, f"{key('overrides')}[{i}]"))
    env_files = tuple(
        os.path.normpath(os.path.join(root, p)) for p in _strings(table, "env-file", path, key)
    )
    docs_url = table.get("docs-url")
    if docs_url is not None and (not isinstance(docs_url, str) or not docs_url.strip()):
        raise ConfigError("expected a URL (with {code}, or a base that CODE.md is added to)", path=path, key=key("docs-url"))
    default_host_ip = table.get("default-host-ip")
    if default_host_ip is not None:
        try:
            default_host_ip = parse_default_host_ip(default_host_ip)
        except ValueError as exc:
            raise ConfigError(str(exc), path=path, key=key("default-host-ip")) from None
    return Config(
        path=path,
        root=root,
        docs_url=docs_url,
        default_host_ip=default_host_ip,
        sources=_sources(table, path, key),
        allow=allow,
        expect=tuple(expect),
        select=_codes(table, "select", path, key),
        ignore=_codes(table, "ignore", path, key) or frozenset(),
        severity=_severity(table.get("severity"), path, key("severity")),
        fail_on=fail_on,
        exclude=tuple(_globs(table, "exclude", path, key)),
        include=tuple(_globs(table, "include", path, key)),
        env_files=env_files,
        profiles=tuple(_strings(table, "profiles", path, key)),
        overrides=tuple(overrides),
    )


def _sources(table: dict, path: str, key) -> frozenset[str] | None:
    """``sources = ["compose", "shell"]`` (or one comma-separated string); None when absent."""
    if "sources" not in table:
        return None
    value = table["sources"]
    words = [value] if isinstance(value, str) else value
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise ConfigError("expected an array of source names", path=path, key=key("sources"))
    from bindguard.sources import parse_sources

    try:
        return parse_sources(words)
    except ValueError as exc:
        raise ConfigError(str(exc), path=path, key=key("sources")) from None


def _override(item: Any, path: str, where: str) -> PathOverride:
    if not isinstance(item, dict):
        raise ConfigError("expected a table", path=path, key=where)
    for k in item:
        if k not in OVERRIDE_KEYS:
            raise ConfigError(
                f"unknown key (known: {', '.join(sorted(OVERRIDE_KEYS))})", path=path, key=f"{where}.{k}"
            )

    def key(name: str) -> str:
        return f"{where}.{name}"

    paths = tuple(_globs(item, "paths", path, key))
    if not paths:
        raise ConfigError("an override needs 'paths'", path=path, key=key("paths"))
    return PathOverride(
        paths=paths,
        select=_codes(item, "select", path, key),
        ignore=_codes(item, "ignore", path, key) or frozenset(),
        severity=_severity(item.get("severity"), path, key("severity")),
    )


def _strings(table: dict, name: str, path: str, key) -> list[str]:
    value = table.get(name, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError("expected a string or a list of strings", path=path, key=key(name))
    return value


# A glob longer than any path could match none; fnmatch compiles a megabyte-long
# one for seconds (issue 14: every config value is read in bounded time).
MAX_GLOB = 4096


def _globs(table: dict, name: str, path: str, key) -> list[str]:
    globs = _strings(table, name, path, key)
    for glob in globs:
        if len(glob) > MAX_GLOB:
            raise ConfigError(f"glob longer than {MAX_GLOB:,} characters ({len(glob):,})", path=path, key=key(name))
    return globs


def _each(table: dict, name: str, path: str, key, parse) -> list:
    out = []
    for text in _strings(table, name, path, key):
        try:
            out.append(parse(text))
        except ValueError as exc:
            raise ConfigError(str(exc), path=path, key=key(name)) from None
    return out


def _codes(table: dict, name: str, path: str, key) -> frozenset[str] | None:
    if name not in table:
        return None
    from bindguard.suggest import expand_codes

    try:
        return expand_codes(_strings(table, name, path, key))
    except ConfigError as exc:
        raise ConfigError(str(exc), path=path, key=key(name)) from None


def _severity(value: Any, path: str, where: str) -> tuple[tuple[str, Severity], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise ConfigError("expected a table of CODE = \"error|warning|info\"", path=path, key=where)
    out = []
    for code, level in value.items():
        try:
            get_rule(code)
        except ConfigError:
            raise ConfigError(f"unknown rule code {code!r}", path=path, key=f"{where}.{code}") from None
        if not isinstance(level, str):
            raise ConfigError("expected \"error\", \"warning\" or \"info\"", path=path, key=f"{where}.{code}")
        try:
            out.append((code.upper(), Severity.parse(level)))
        except ValueError as exc:
            raise ConfigError(str(exc), path=path, key=f"{where}.{code}") from None
    return tuple(out)
