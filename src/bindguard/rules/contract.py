"""What a rule is: one typed declaration per rule module, read by the runner, the docs and `fix`.

A rule module holds its user documentation (the module docstring, standard headings), its
``check`` and one ``RULE = Rule(...)``. Everything else (runner, reporters, ``bindguard rules``,
the generated docs, config validation of rule options, ``fix``) reads the declaration, so adding
a rule touches its module, the registry line in ``rules/__init__.py``, its fixtures and its
generated doc page (CONTRIBUTING.md has the steps).
"""

from collections.abc import Callable, Iterable, Iterator, Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Any, NamedTuple

from bindguard.model import Problem, Severity, Violation
from bindguard.rules._hints import problem_violation
from bindguard.rules.fixinfo import FixInfo


class Scope(StrEnum):
    """What ``check`` receives, and so which source can produce the rule's findings."""

    PROBLEM = "problem"   # a Problem a source could not turn into a Binding (compose files)
    BINDING = "binding"   # one published port (both sources)
    SERVICE = "service"   # one service or container (both sources)
    PROJECT = "project"   # a whole Subject: compose project or engine
    ENGINE = "engine"     # EngineFacts of one engine (audit only)
    DRIFT = "drift"       # a Comparison of a container with its compose files (audit only)
    ENGINE_PROOF = "engine-proof"  # a NeighbourProof of a binding (audit --prove only)
    IGNORE = "ignore"     # nothing: made by the inline-ignore machinery (lint only)
    CONFIRM = "confirm"   # a compose service confirmed on an engine (audit PATHS, engine/confirm.py)


# Scopes that only one command produces items for; any other scope can fire in both.
LINT_ONLY = frozenset({Scope.PROBLEM, Scope.IGNORE})
AUDIT_ONLY = frozenset({Scope.ENGINE, Scope.DRIFT, Scope.ENGINE_PROOF, Scope.CONFIRM})

Check = Callable[[Any, Any], Iterable[Violation]]
NO_OPTIONS: Mapping[str, str] = MappingProxyType({})


def reported_elsewhere(item: object, options: object) -> Iterator[Violation]:
    """``check`` of a rule whose findings another part of bindguard makes (BG012, BG013)."""
    return iter(())


def problems_with_code(code: str) -> Check:
    """``check`` of a rule that reports the source Problems carrying ``code`` (BG000, BG007)."""

    def check(problem: Problem, options: object) -> Iterator[Violation]:
        return problem_violation(problem, code)

    return check


class Rule(NamedTuple):
    """One rule's declaration: ``code`` is never reused; ``options`` maps each config option the
    rule reads to a one-line description (config validation reads it); ``doc`` is the module
    docstring (``bindguard rules CODE`` and ``docs/rules/CODE.md``)."""

    code: str
    name: str
    severity: Severity
    scope: tuple[Scope, ...]
    summary: str
    since: str
    check: Check = reported_elsewhere
    options: Mapping[str, str] = NO_OPTIONS
    # What `bindguard fix` does with the findings: auto() or manual(reason, message)
    # (rules/fixinfo.py). Every rule declares it; the fix planner's tables come from it.
    fix: FixInfo | None = None
    doc: str = ""

    @property
    def scope_text(self) -> str:
        return ", ".join(self.scope)

    def runs_in(self, command: str) -> bool:
        """Whether ``lint`` or ``audit`` can produce this rule's findings at all.

        A rule that reads an item only the other command produces belongs to that
        command: BG006 reads bindings *and* the Problems of compose entries an unset
        variable broke, and engine bindings never have variables, so it is lint-only.
        """
        excluded = AUDIT_ONLY if command == "lint" else LINT_ONLY
        return not any(s in excluded for s in self.scope)
