"""The errors that stop a run (exit 2), as opposed to findings (exit 1).

Every error carries what the user must look at (a path, a config key, an
engine host), so the CLI can print one line without a traceback.
"""

from __future__ import annotations


class BindguardError(Exception):
    """Base of every error bindguard reports as one line on stderr."""


class ConfigError(BindguardError):
    def __init__(self, message: str, path: str | None = None, key: str | None = None):
        self.path = path
        self.key = key
        where = ": ".join(p for p in (path, key) if p)
        super().__init__(f"{where}: {message}" if where else message)


class UnknownRuleError(ConfigError):
    def __init__(self, code: str):
        self.code = code
        super().__init__(f"unknown rule code {code!r} (see `bindguard rules`)")


class SourceError(BindguardError):
    """An input that cannot be read at all."""


class InputError(SourceError):
    def __init__(self, path: str, message: str):
        self.path = path
        super().__init__(f"{path}: {message}")


class EngineError(SourceError):
    def __init__(self, host: str, message: str):
        self.host = host
        super().__init__(f"{host}: {message}")


class EngineUnreachable(EngineError):
    pass


class EnginePermissionDenied(EngineError):
    pass


class EngineTimeout(EngineError):
    pass
