"""``docker run``/``docker create`` arguments: which of them publish, and on what.

Shared by every source that holds such arguments (a workflow's ``options:``,
a dev container's ``runArgs``).  The options are read as the docker CLI's
flag parser (spf13/pflag) reads them: ``-p X``, ``-pX``, ``-p=X``,
``--publish X``, ``--publish=X``, short flags combined (``-dp 80:80``),
``--network host``/``--net=host``, and ``-P``/``--publish-all``, which
publishes every port the image exposes on every interface: bindguard cannot
see those ports, so it reports the flag as unresolved, never as loopback.
The value of an option that takes one is skipped, so ``-e X=-p`` is not a
publish; the first word that is not an option (the image) ends the scan.
"""

from __future__ import annotations

from typing import NamedTuple

from bindguard.model import Binding, Location, Problem
from bindguard.sources.common import INVALID_ENTRY, Default, collect, short_binding, unresolved

# docker run's boolean flags (they take no value), long and short.
_BOOL_LONG = frozenset({
    "rm", "detach", "interactive", "tty", "privileged", "init", "read-only", "publish-all",
    "no-healthcheck", "oom-kill-disable", "disable-content-trust", "help", "quiet", "sig-proxy",
    "use-api-socket",
})
_BOOL_SHORT = frozenset("dit")
_VALUE_SHORT = frozenset("acehlmpuvw")
PUBLISH_ALL = "publishes every port the image exposes, on every interface (0.0.0.0, ::), on random host ports"


class Found(NamedTuple):
    bindings: list[Binding]
    problems: list[Problem]
    network: str | None = None
    network_at: Location | None = None


def split_words(text: str, service: str, where: Location) -> tuple[list[str], Problem | None]:
    """A string of options split as a POSIX shell splits words (quotes, backslashes)."""
    import shlex

    try:
        return shlex.split(text, comments=False, posix=True), None
    except ValueError as exc:
        return [], Problem(INVALID_ENTRY, f"cannot split the options into words: {exc}", where,
                           service=service, entry=text)


def scan(args: list[tuple[str, Location]], service: str, default: Default) -> Found:
    """Every publish and network flag in ``args`` (each word with its place)."""
    bindings: list[Binding] = []
    problems: list[Problem] = []
    network: str | None = None
    network_at: Location | None = None

    def publish(value: str, where: Location) -> None:
        result = short_binding(value, service, where, default, "-p entry")
        collect(result, bindings, problems)

    i = 0
    while i < len(args):
        word, where = args[i]
        nxt = args[i + 1] if i + 1 < len(args) else None
        if word == "--":
            break
        if word.startswith("--"):
            name, eq, value = word[2:].partition("=")
            takes = name not in _BOOL_LONG
            if takes and not eq:
                if nxt is None:
                    problems.append(Problem(INVALID_ENTRY, f"{word} has no value", where, service=service, entry=word))
                    break
                value, i = nxt[0], i + 1
                where = nxt[1]
            if name == "publish":
                publish(value, where)
            elif name == "publish-all" and value.lower() not in ("false", "0"):
                problems.append(unresolved(word, service, where, PUBLISH_ALL))
            elif name in ("network", "net"):
                network, network_at = value, where
            i += 1
            continue
        if word.startswith("-") and len(word) > 1:
            j = 1
            while j < len(word):
                flag = word[j]
                if flag == "P":
                    problems.append(unresolved("-P", service, where, PUBLISH_ALL))
                elif flag in _VALUE_SHORT:
                    value = word[j + 1:]
                    if value.startswith("="):
                        value = value[1:]
                    if not value and j + 1 == len(word):
                        if nxt is None:
                            problems.append(Problem(INVALID_ENTRY, f"-{flag} has no value", where,
                                                    service=service, entry=word))
                            return Found(bindings, problems, network, network_at)
                        value, where, i = nxt[0], nxt[1], i + 1
                    if flag == "p":
                        publish(value, where)
                    break
                elif flag not in _BOOL_SHORT:
                    break  # an unknown flag: nothing after it in this word is read as a flag
                j += 1
            i += 1
            continue
        break  # the image: the rest is the container's command
    return Found(bindings, problems, network, network_at)


def publish_args(text: str, service: str, where: Location, default: Default) -> Found:
    """The publishes in an options string (a workflow's ``options:``), all placed at ``where``."""
    words, problem = split_words(text, service, where)
    if problem is not None:
        return Found([], [problem])
    return scan([(w, where) for w in words], service, default)
