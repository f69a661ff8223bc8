"""The variables a compose project is interpolated with, in Compose's order.

The process environment always wins; then the ``--env-file`` files (later
ones override earlier ones), which, when given, replace the project's
``.env``; otherwise the ``.env`` in the project directory.  A missing
``--env-file`` stops the run like it stops ``docker compose``; a broken
``.env`` line is a BG000 problem at that line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from bindguard.bounded_read import read_small_file
from bindguard.compose.budget import COMPOSE_GROWTH_BASE, COMPOSE_GROWTH_PER_CHAR, ExpansionBudget
from bindguard.compose.record import Record
from bindguard.errors import InputError
from bindguard.model import INVALID_FILE, Location, Problem


class Environment(Record):
    """Variables for interpolation, and where each was set (for messages that must not print them).

    ``show_values`` is ``--show-values``: messages may then print resolved
    values (:mod:`bindguard.redact`).
    """

    def __init__(
        self,
        values: dict[str, str] | None = None,
        environ: Mapping[str, str] | None = None,
        problems: list[Problem] | None = None,
        set_at: dict[str, tuple[str, int]] | None = None,
        show_values: bool = False,
        budget: ExpansionBudget | None = None,
        compose_budget: ExpansionBudget | None = None,
    ) -> None:
        self.values: dict[str, str] = {} if values is None else values
        self.environ: Mapping[str, str] = {} if environ is None else environ
        self.problems: list[Problem] = [] if problems is None else problems
        self.set_at: dict[str, tuple[str, int]] = {} if set_at is None else set_at  # name -> (env file, line)
        self.show_values = show_values
        # what interpolation may add to env-file values; a loader shares one among its environments
        self.budget = ExpansionBudget() if budget is None else budget
        # what variables may add to compose-file values (compose_lookup); the loader shares one
        self.compose_budget = ExpansionBudget(COMPOSE_GROWTH_BASE) if compose_budget is None else compose_budget

    def lookup(self, name: str) -> str | None:
        value = self.environ.get(name)
        if value is not None:
            return value
        return self.values.get(name)

    def compose_lookup(self, name: str) -> str | None:
        """``lookup`` for interpolating compose-file values, within ``compose_budget``.

        Raises :class:`InterpolationError` (a BG007 at the entry, naming no value)
        once the project's compose values have been given more than their bound.
        """
        value = self.lookup(name)
        if value:
            budget = self.compose_budget
            budget.remaining -= len(value)
            if budget.remaining < 0:
                from bindguard.compose.interpolate import InterpolationError

                raise InterpolationError(
                    f"variables add more than {COMPOSE_GROWTH_BASE:,} characters plus "
                    f"{COMPOSE_GROWTH_PER_CHAR} per character of the compose files to this project's "
                    f"values; {name} refused (see docs/limits.md)"
                )
        return value

    def origin(self, name: str) -> str:
        """``set in the environment``, ``set in .env:3`` or ``unset``."""
        if name in self.environ:
            return "set in the environment"
        if name in self.set_at:
            path, line = self.set_at[name]
            return f"set in {path}:{line}"
        return "unset"

    @classmethod
    def for_project(
        cls,
        project_dir: str,
        env_files: tuple[str, ...] = (),
        environ: dict[str, str] | None = None,
        use_default_dotenv: bool = True,
        strict: bool = True,
        budget: ExpansionBudget | None = None,
        compose_budget: ExpansionBudget | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> Environment:
        """``labels`` names an env file whose path came from ``${VAR}`` as messages may print it."""
        # os.environ itself, not a copy: copying it per project costs more than
        # linting a small file.
        env = cls(
            environ=os.environ if environ is None else environ, budget=budget, compose_budget=compose_budget
        )
        if env_files:
            for path in env_files:
                env._load(path, required=strict, label=(labels or {}).get(path, path))
        elif use_default_dotenv:
            dotenv = os.path.join(project_dir, ".env")
            if os.path.isfile(dotenv):
                env._load(dotenv, required=False)
        return env

    def _load(self, path: str, required: bool, label: str | None = None) -> None:
        label = path if label is None else label
        from bindguard.compose.dotenv import DotenvError, parse_dotenv

        try:
            text = read_small_file(path).decode("utf-8-sig")
        except OSError as exc:
            if required:
                raise InputError(label, f"cannot read env file: {exc.strerror}") from None
            self.problems.append(
                Problem(INVALID_FILE, f"cannot read env file: {exc.strerror}", Location(file=label))
            )
            return
        except UnicodeDecodeError:
            self.problems.append(Problem(INVALID_FILE, "env file is not UTF-8 text", Location(file=label)))
            return
        try:
            lines: dict[str, int] = {}
            self.values.update(parse_dotenv(text, self.lookup, lines, self.budget))
            self.set_at.update((name, (label, line)) for name, line in lines.items())
        except DotenvError as exc:
            self.problems.append(
                Problem(INVALID_FILE, f"invalid env file: {exc}", Location(file=label, line=exc.line, column=1))
            )
