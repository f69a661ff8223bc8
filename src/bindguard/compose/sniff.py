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
like any compose file, which reports whatever the sniff could not see;
discovery hands it the bytes the sniff read (``compose_bytes``).
"""

from __future__ import annotations

import os
import re

from bindguard.bounded_read import read_small_file
from bindguard.compose.yaml_reader import MAX_FILE_BYTES

YAML_SUFFIXES = (".yml", ".yaml")
SKIP_SNIFF_DIRS = frozenset({".github"})

_SERVICES_KEY = re.compile(rb"^(?:services|\"services\"|'services')[ \t]*:(?P<rest>[^\r\n]*)", re.M)
_MANIFEST_KEY = re.compile(rb"^(?:apiVersion|kind)[ \t]*:", re.M)
_NODE_PROPERTY = re.compile(rb"^(?:[&!][^ \t]*[ \t]*)+")  # an anchor or a tag before the value
# From the end of the ``services:`` line: skip blank and comment-only lines,
# capture the next content line (without reading the rest of the file).
_NEXT_CONTENT = re.compile(rb"(?:\r?\n[ \t]*(?:#[^\r\n]*)?(?=\r?\n|$))*\r?\n([^\r\n]*)")


def may_sniff(path: str) -> bool:
    """A ``.yml``/``.yaml`` file outside folders of well-known non-compose YAML."""
    if not path.lower().endswith(YAML_SUFFIXES):
        return False
    parts = os.path.normpath(path).split(os.sep)
    return not any(p in SKIP_SNIFF_DIRS for p in parts[:-1])


def compose_bytes(path: str, read: list[bytes] | None = None) -> bytes | None:
    """The file's bytes when its top level looks like a mapping with a ``services`` mapping, else None.

    The bytes are handed on to the loader (``yaml_reader.read_file``'s
    ``data``), so a sniffed file is read once, not once to sniff and again to
    parse (issue 26).  The read is ``read_small_file``'s: a FIFO or device
    named ``*.yml`` never blocks, and a file larger than the loader accepts
    (or one that grows while read) is not a compose file to sniff.
    """
    try:
        data = read_small_file(path, MAX_FILE_BYTES)
    except (OSError, ValueError):
        return None
    if read is not None:
        read.append(data)  # what was read, for another sniff of the same file (bindguard.sources)
    return data if text_has_services_mapping(data) else None


def _starts_a_line(data: bytes, words: tuple[bytes, ...]) -> bool:
    """Does a line begin with one of ``words``?  (``bytes.find`` is far cheaper
    than a multi-line regex over every position of the text.)"""
    return data.startswith(words) or any(b"\n" + w in data for w in words)


def text_has_services_mapping(data: bytes) -> bool:
    if not _starts_a_line(data, (b"services", b'"services"', b"'services'")):
        return False
    if _starts_a_line(data, (b"apiVersion", b"kind")) and _MANIFEST_KEY.search(data):
        return False
    match = _SERVICES_KEY.search(data)
    if match is None:
        return False
    rest = _NODE_PROPERTY.sub(b"", match.group("rest").strip())
    if rest.startswith(b"{"):
        return True
    if rest and not rest.startswith(b"#"):
        return False  # a scalar, a flow sequence or an alias: not a mapping as written
    following = _NEXT_CONTENT.match(data, match.end())
    if following is None:
        return False  # services: is the last line
    line = following.group(1)
    content = line.strip()
    if line[:1] not in (b" ", b"\t") or not content:
        return False  # the next top-level key: services is empty
    return not (content == b"-" or content.startswith((b"- ", b"-\t")))
