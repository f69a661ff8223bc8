"""Forgiving inputs: rule-code prefixes, and "did you mean" for codes, config keys and commands.

Why a module of its own: these run only on the paths where a user typed
something, and the error paths import ``difflib`` lazily, so the one-file
lint pays nothing for them (``tests/test_startup.py``).

Prefix selection follows ruff's ``E4``: ``BG00`` selects BG000-BG009 and
``BG01`` BG010-BG015.  A token that is neither a code nor a prefix of one
is an error that names the closest codes.
"""

from __future__ import annotations

from collections.abc import Iterable

from bindguard.errors import UnknownRuleError


def closest(word: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Up to ``n`` candidates that look like ``word``, best first."""
    import difflib

    options = list(candidates)
    found = difflib.get_close_matches(word, options, n=n, cutoff=0.6)
    if not found:
        lowered = {c.lower(): c for c in options}
        found = [lowered[m] for m in difflib.get_close_matches(word.lower(), list(lowered), n=n, cutoff=0.6)]
    return found


def did_you_mean(word: str, candidates: Iterable[str], n: int = 3) -> str:
    """`` (did you mean 'x' or 'y'?)`` or an empty string."""
    return _listed(closest(word, candidates, n))


def _listed(found: list[str]) -> str:
    if not found:
        return ""
    quoted = [repr(f) for f in found]
    listed = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    return f" (did you mean {listed}?)"


_LOOK_ALIKES = str.maketrans("OIL", "011")


def unknown_code(code: str) -> UnknownRuleError:
    """The error for a code that is neither a rule nor a prefix, with the closest codes."""
    from bindguard.rules import RULES

    error = UnknownRuleError(code)
    typed = code.strip().upper().replace(" ", "").replace("-", "")
    # look-alikes typed for digits (BGO01, BGl01) are the usual typo
    digits = (typed[2:] if typed.startswith("BG") else typed).translate(_LOOK_ALIKES)
    fixed = "BG" + digits
    padded = "BG" + digits.zfill(3) if digits.isdigit() and len(digits) < 3 else ""
    if fixed in RULES:
        hint = did_you_mean(fixed, [fixed])
    elif padded in RULES:
        # a number written without its zeros (bg1 = BG001) before codes that merely look alike
        others = [c for c in closest(fixed, RULES) if c != padded]
        hint = _listed([padded, *others][:3])
    else:
        hint = did_you_mean(fixed, RULES)
    if hint:
        error.args = (f"unknown rule code {code!r}{hint}",)
    return error


def expand_code(token: str) -> tuple[str, ...]:
    """The rule codes one ``--select``/``--ignore`` token means: itself, or every code it prefixes."""
    from bindguard.rules import RULES

    code = token.strip().upper()
    if code in RULES:
        return (code,)
    matched = tuple(c for c in RULES if c.startswith(code)) if code.startswith("BG") else ()
    if not matched:
        raise unknown_code(token)
    return matched


def expand_codes(tokens: Iterable[str]) -> frozenset[str]:
    """Every code the tokens (comma-separated, repeated, prefixes) select."""
    return frozenset(c for item in tokens for t in item.split(",") if t.strip() for c in expand_code(t))


def named_codes(tokens: Iterable[str]) -> frozenset[str]:
    """The codes the tokens name in full (``BG010``, not the prefix ``BG01``).

    A code named in full that a command cannot run deserves a warning; the
    codes a prefix happens to cover do not (``--select BG01`` on ``lint``
    means "whatever of BG01x lint has", as ``--select E4`` does in ruff).
    """
    from bindguard.rules import RULES

    return frozenset(c for item in tokens for t in item.split(",") if (c := t.strip().upper()) in RULES)
