"""Values from the environment or env files never reach a report (issue 14).

bindguard runs in CI on pull requests and its reports are read by many, while
the variables a compose file is interpolated with are often secrets (a token
in the runner's environment, a password in ``.env``).  So messages show an
entry as written (``'${SECRET_TOKEN}:80'``), name the variable that made it
invalid and where it was set, and print a resolved value only when it is a
valid IP address or port number, which is what explains a verdict; anything
else is ``<value of NAME>``.  ``--show-values`` turns this off.

A value's place in an interpolated text is known from
:attr:`bindguard.compose.interpolate.Interpolated.spans`.  This module is the
one place that turns interpolated text into printable text, whatever field it
came from: port entries (``compose/bindings.py``), and every other setting the
loader interpolates (``extends.file``, ``include`` paths and env files, a
network's ``host_binding_ipv4``, ``profiles``, ``name``), which carry their
spans on :class:`bindguard.compose.services.Value`.
"""

import functools
import ipaddress
import os
from collections.abc import Callable, Iterable

Span = tuple[int, int, str]  # start, end, variable name
Origin = Callable[[str], str]  # variable name -> "set in .env:3" / "set in the environment"


@functools.lru_cache(maxsize=1024)
def printable(value: str) -> bool:
    """Whether a variable's value may be printed: an IP address (brackets allowed) or a port number."""
    if value.isascii() and value.isdigit():
        return len(value) <= 5 and int(value) <= 65535
    address = value[1:-1] if value.startswith("[") and value.endswith("]") else value
    if not address or len(address) > 64 or "%" in address:
        return False
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def placeholder(name: str) -> str:
    return f"<value of {name}>"


def hidden_spans(text: str, spans: Iterable[Span]) -> list[Span]:
    """The spans of ``text`` whose values may not be printed."""
    return [s for s in spans if not printable(text[s[0] : s[1]])]


def masked(text: str, spans: Iterable[Span], start: int = 0, end: int | None = None) -> str:
    """``text[start:end]`` with each value that may not be printed replaced by ``<value of NAME>``.

    A value only partly inside the range is replaced all the same: a piece of
    a secret is a secret.
    """
    end = len(text) if end is None else end
    out: list[str] = []
    pos = start
    for s_start, s_end, name in sorted(hidden_spans(text, spans)):
        if s_end <= pos or s_start >= end:
            continue
        out.append(text[pos : max(s_start, pos)])
        out.append(placeholder(name))
        pos = s_end
    if pos < end:
        out.append(text[pos:end])
    return "".join(out)


def culprits(text: str, spans: Iterable[Span], start: int = 0, end: int | None = None) -> list[str]:
    """Names of the variables whose hidden values overlap ``text[start:end]``, in order, once each."""
    end = len(text) if end is None else end
    names = [n for s, e, n in sorted(hidden_spans(text, spans)) if s < end and e > start]
    return list(dict.fromkeys(names))


def where_set(names: Iterable[str], origin: Origin | None) -> str:
    """``SECRET_TOKEN set in .env:3, PORT set in the environment``."""
    parts = []
    for name in names:
        place = origin(name) if origin is not None else ""
        parts.append(f"{name} {place}".rstrip())
    return ", ".join(parts)


def joined(base_dir: str, text: str, spans: Iterable[Span]) -> str:
    """A path ``text`` relative to ``base_dir``, as a message may print it.

    ``extends: {file: ${DEPLOY_TOKEN}}`` must say "extends file not found:
    ./<value of DEPLOY_TOKEN>", never the token.
    """
    return os.path.join(base_dir, masked(text, spans))


def invalid(what: str, text: str, spans: Iterable[Span], origin: Origin | None = None) -> str:
    """``host IP '<value of X>' is invalid: it comes from X set in .env:3``, for a value that may not be printed."""
    spans = tuple(spans)
    return f"{what} {masked(text, spans)!r} is invalid: it comes from {where_set(culprits(text, spans), origin)}"
