"""How much interpolation may add to env-file values (issue 25).

compose-go has no bound: a few ``.env`` lines that each double the previous
value (``B=${A}${A}``) grow exponentially, and one big value used by many
lines copies it each time.  What a value's variables add is counted as they
are looked up (:mod:`bindguard.compose.dotenv`), against a bound per value and
a budget shared by every env file one project loader reads
(:class:`bindguard.compose.environment.Environment`).  docs/limits.md says the
numbers.

The same holds for the compose files: one 1 MB value used by 2,000 port entries
made 2,000 copies of it (28 s).  What variables add to a project's compose-file
values (ports, network modes, profiles, include paths, ...) is counted the same
way, against ``COMPOSE_GROWTH_BASE`` plus ``COMPOSE_GROWTH_PER_CHAR`` for every
character of the compose files the loader read: real projects add a few
characters per reference, far below either.
"""

# What interpolation may add to one value, and to all the values a budget covers (characters):
# real values are a few hundred characters, a certificate a few thousand.
MAX_VALUE_GROWTH = 1024 * 1024
MAX_TOTAL_GROWTH = 4 * 1024 * 1024


class ExpansionBudget:
    """How many characters interpolation may still add to env-file values.

    One budget covers every env file one project loader reads (``Environment``
    passes its own), so neither many env files nor many includes multiply it;
    a parse without one gets a fresh budget.
    """

    __slots__ = ("remaining",)

    def __init__(self, total: int = MAX_TOTAL_GROWTH) -> None:
        self.remaining = total


# What variables may add to the values of one project's compose files (characters):
# a base, plus this many for every character of the compose files the loader read.
COMPOSE_GROWTH_BASE = 64 * 1024
COMPOSE_GROWTH_PER_CHAR = 16
