"""Is a YAML file that is not named like a compose file one anyway?

Compose accepts any file name with ``-f``, and projects often keep theirs as
``stack.yml`` or ``deploy/base.yaml``.  Walking a folder the user named,
bindguard reads such a file when its top level is a mapping with a
``services`` mapping, as Compose would.  Deciding that must cost far less
than linting, because most YAML in a repository is something else (CI
workflows, Kubernetes manifests, configs): so the text is sniffed, never
parsed.  A top-level key starts in column 0, so ``services:`` there is a
key of the top-level mapping (block scalars and nested mappings are
indented); its value is a mapping when it is a flow ``{`` or when the next
content line is indented and not a ``-`` sequence item.  Kubernetes
manifests (a top-level ``apiVersion`` or ``kind``) and anything under
``.github/`` are skipped.  A file that passes is then read by the loader
like any compose file, which reports whatever the sniff could not see.
"""

from __future__ import annotations

import os
import re
import stat

from bindguard.compose.loader import MAX_FILE_BYTES

YAML_SUFFIXES = (".yml", ".yaml")
SKIP_SNIFF_DIRS = frozenset({".github"})

_SERVICES_KEY = re.compile(rb"^(?:services|\"services\"|'services')[ \t]*:(?P<rest>[^\r\n]*)", re.M)
_MANIFEST_KEY = re.compile(rb"^(?:apiVersion|kind)[ \t]*:", re.M)
_NODE_PROPERTY = re.compile(rb"^(?:[&!][^ \t]*[ \t]*)+")  # an anchor or a tag before the value


def may_sniff(path: str) -> bool:
    """A ``.yml``/``.yaml`` file outside folders of well-known non-compose YAML."""
    if not path.lower().endswith(YAML_SUFFIXES):
        return False
    parts = os.path.normpath(path).split(os.sep)
    return not any(p in SKIP_SNIFF_DIRS for p in parts[:-1])


def has_services_mapping(path: str) -> bool:
    """True when the file's top level looks like a mapping with a ``services`` mapping."""
    try:
        # never block on a FIFO or a device that a name ending in .yml stands for
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
            return False
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read()
    except OSError:
        return False
    finally:
        os.close(fd)
    return text_has_services_mapping(data)


def text_has_services_mapping(data: bytes) -> bool:
    if b"services" not in data:
        return False
    match = _SERVICES_KEY.search(data)
    if match is None or _MANIFEST_KEY.search(data):
        return False
    rest = _NODE_PROPERTY.sub(b"", match.group("rest").strip())
    if rest.startswith(b"{"):
        return True
    if rest and not rest.startswith(b"#"):
        return False  # a scalar, a flow sequence or an alias: not a mapping as written
    for line in data[match.end():].splitlines():
        content = line.strip()
        if not content or content.startswith(b"#"):
            continue
        if line[:1] not in (b" ", b"\t"):
            return False  # the next top-level key: services is empty
        return not (content == b"-" or content.startswith((b"- ", b"-\t")))
    return False
