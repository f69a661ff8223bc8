"""What a lint run assumed about Compose profiles, for the summary of a report.

A security gate must say what it checked.  With no profile selection every
service is checked for exposure (any of them could be started), but BG005
then only pairs services that one selection starts together; with
``--profile`` or ``COMPOSE_PROFILES`` only the services Compose would start
are checked.  The summary says which of these happened.

``COMPOSE_PROFILES`` is a value from the environment, which never appears in
any output: a selected profile is named only when a service of the checked
files names it too (so the name is text from the files); other names are
counted, not shown, unless ``--show-values`` was given.  Names from
``--profile`` or the config are the user's own words and are always named.
"""

from collections.abc import Iterable

from bindguard.model import ProfileScope


def merge_scopes(scopes: Iterable[ProfileScope]) -> tuple[ProfileScope, ...]:
    """One scope per distinct selection, profiles defined anywhere merged into it."""
    by_selection: dict[tuple, set[str]] = {}
    for scope in scopes:
        by_selection.setdefault((scope.active, scope.source, scope.names_shown), set()).update(scope.defined)
    return tuple(
        ProfileScope(active, source, tuple(sorted(defined)), shown)
        for (active, source, shown), defined in by_selection.items()
        if active is not None or defined
    )


def _names(names: Iterable[str]) -> str:
    return ", ".join(sorted(names))


def describe(scope: ProfileScope) -> str:
    """One sentence: which profiles were active or assumed, and what that means for the check."""
    defined = set(scope.defined)
    if scope.active is None:
        return (
            f"Profiles: none selected, so every service was checked, those in profiles "
            f"{_names(defined)} included; BG005 only pairs services that one profile selection "
            "starts together (use --profile to check a selection)."
        )
    if "*" in scope.active:
        return f"Profiles: every profile (* from {scope.source}); every service was checked together."
    shown = [p for p in scope.active if p in defined]
    unused = sorted(set(scope.active) - defined)
    parts = [_names(shown)] if shown else []
    if unused and scope.names_shown:
        parts.append(f"{_names(unused)}, which no service uses")
    elif unused:
        parts.append(f"{len(unused)} name{'s' if len(unused) != 1 else ''} no service uses "
                     "(not shown: a value from the environment; --show-values names it)")
    skipped = defined - set(scope.active)
    tail = f"; services only in profiles {_names(skipped)} were not checked" if skipped else ""
    return f"Profiles: {'; '.join(parts) or 'none'} (from {scope.source}){tail}."


def as_json(scope: ProfileScope) -> dict[str, object]:
    defined = set(scope.defined)
    active = None if scope.active is None else [
        p for p in scope.active if p == "*" or p in defined or scope.names_shown]
    return {
        "selected": active,
        "source": scope.source or None,
        "defined": list(scope.defined),
        "note": describe(scope),
    }
