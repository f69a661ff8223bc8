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

from bindguard.model import Binding, HostDefault, Location, Problem
from bindguard.sources.common import INVALID_ENTRY, collect, short_binding, unresolved

# docker run's boolean flags (they take no value), long and short.
_BOOL_LONG = frozenset({
    "rm", "detach", "interactive", "tty", "privileged", "init", "read-only", "publish-all",
    "no-healthcheck", "oom-kill-disable", "disable-content-trust", "help", "quiet", "sig-proxy",
    "use-api-socket",
})
_BOOL_SHORT = frozenset("dit")
_VALUE_SHORT = frozenset("acehlmpuvw")
PUBLISH_ALL = "publishes every port the image exposes, on every interface (0.0.0.0, ::), on random host ports"


class Flags(NamedTuple):
    """A command's flags as its parser knows them: which take no value, which short ones take one,
    and what ``-P`` means (None: nothing this reader has to say, as for ``compose run``)."""

    bool_long: frozenset[str] = _BOOL_LONG
    bool_short: frozenset[str] = _BOOL_SHORT
    value_short: frozenset[str] = _VALUE_SHORT
    publish_all: str | None = PUBLISH_ALL


DOCKER_RUN = Flags()
# `docker compose run [OPTIONS] SERVICE` (docker compose run --help, Compose 2.40): -P/--service-ports
# maps the service's own ports, which its compose file declares (and bindguard lints there)
COMPOSE_RUN = Flags(
    frozenset({"build", "detach", "dry-run", "interactive", "no-TTY", "no-deps", "quiet", "quiet-build", "quiet-pull",
               "remove-orphans", "rm", "service-ports", "use-aliases", "help"}),
    frozenset("diTqP"), frozenset("elpuvw"), None,
)


class Arg(NamedTuple):
    """One argument as the command receives it, with its place in the file.

    ``variables`` names unset variables (no default) that went into it;
    ``why`` says why its value cannot be known before the run (a command
    substitution, ``"$@"``, a loop variable): such a value is unresolved,
    never read as an address.  ``raw`` is the argument as written.
    """

    text: str
    where: Location
    variables: tuple[str, ...] = ()
    why: str = ""
    raw: str = ""


class Found(NamedTuple):
    bindings: list[Binding]
    problems: list[Problem]
    network: str | None = None
    network_at: Location | None = None
    image: str | None = None
    name: str | None = None


def split_words(text: str, service: str, where: Location) -> tuple[list[str], Problem | None]:
    """A string of options split as a POSIX shell splits words (quotes, backslashes)."""
    import shlex

    try:
        return shlex.split(text, comments=False, posix=True), None
    except ValueError as exc:
        return [], Problem(INVALID_ENTRY, f"cannot split the options into words: {exc}", where,
                           service=service, entry=text)


def scan(
    args: list[tuple[str, Location]] | list[Arg], service: str, default: HostDefault, publish_entry=None,
    flags: Flags = DOCKER_RUN,
) -> Found:
    """Every publish and network flag in ``args`` (each word with its place).

    ``publish_entry(text, service, where)`` reads one ``-p`` value (default:
    ``docker run`` syntax; ``docker service create`` passes its own);
    ``flags`` are the command's (``docker run``'s, or ``compose run``'s).
    """
    bindings: list[Binding] = []
    problems: list[Problem] = []
    network: str | None = None
    network_at: Location | None = None
    name_value: str | None = None
    items = [a if isinstance(a, Arg) else Arg(a[0], a[1]) for a in args]

    def publish(arg: Arg, value: str) -> None:
        if arg.why:
            problems.append(unresolved(arg.raw or arg.text, service, arg.where, arg.why))
            return
        if publish_entry is not None:
            result = publish_entry(value, service, arg.where)
        else:
            result = short_binding(value, service, arg.where, default, "-p entry")
        if isinstance(result, Binding) and (arg.variables or arg.raw):
            result = result._replace(variables=arg.variables, raw=arg.raw or result.raw)
        collect(result, bindings, problems)

    i = 0
    while i < len(items):
        arg = items[i]
        word, where = arg.text, arg.where
        nxt = items[i + 1] if i + 1 < len(items) else None
        if arg.why:
            # "$@", a command substitution...: the options it stands for cannot be seen
            problems.append(unresolved(arg.raw or word, service, where,
                                       f"{arg.why}, so the options it stands for may publish ports"))
            i += 1
            continue
        if word == "--":
            break
        if word.startswith("--"):
            name, eq, value = word[2:].partition("=")
            takes = name not in flags.bool_long
            if takes and not eq:
                if nxt is None:
                    problems.append(Problem(INVALID_ENTRY, f"{word} has no value", where, service=service, entry=word))
                    break
                value, i = nxt.text, i + 1
                arg = nxt
            if name == "publish":
                publish(arg, value)
            elif name == "publish-all" and value.lower() not in ("false", "0") and flags.publish_all:
                problems.append(unresolved(word, service, where, flags.publish_all))
            elif name in ("network", "net"):
                network, network_at = value, arg.where
            elif name == "name":
                name_value = value
            i += 1
            continue
        if word.startswith("-") and len(word) > 1:
            j = 1
            while j < len(word):
                flag = word[j]
                if flag == "P" and flags.publish_all:
                    problems.append(unresolved("-P", service, where, flags.publish_all))
                elif flag in flags.value_short:
                    value = word[j + 1:]
                    if value.startswith("="):
                        value = value[1:]
                    value_arg = arg
                    if not value and j + 1 == len(word):
                        if nxt is None:
                            problems.append(Problem(INVALID_ENTRY, f"-{flag} has no value", where,
                                                    service=service, entry=word))
                            return Found(bindings, problems, network, network_at, None, name_value)
                        value, value_arg, i = nxt.text, nxt, i + 1
                    if flag == "p":
                        publish(value_arg, value)
                    break
                elif flag not in flags.bool_short:
                    break  # an unknown flag: nothing after it in this word is read as a flag
                j += 1
            i += 1
            continue
        return Found(bindings, problems, network, network_at, word, name_value)  # the image; then its command
    return Found(bindings, problems, network, network_at, None, name_value)


def publish_args(text: str, service: str, where: Location, default: HostDefault) -> Found:
    """The publishes in an options string (a workflow's ``options:``), all placed at ``where``."""
    words, problem = split_words(text, service, where)
    if problem is not None:
        return Found([], [problem])
    return scan([(w, where) for w in words], service, default)
