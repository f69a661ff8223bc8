"""``bindguard lint -``: a compose file read from standard input, for editors and pipes.

The text is linted under the name ``--stdin-filename`` gives (default
``-``), so locations, per-path config overrides and the project folder (its
``.env``) are those of the file the editor has open.  Files the text refers
to (``extends``, ``include``, env files) are still read from disk.
"""

import os
from typing import BinaryIO, NamedTuple

from bindguard.compose.yaml_reader import MAX_FILE_BYTES, ComposeFile, decode, parse_text, read_file
from bindguard.errors import InputError

DEFAULT_NAME = "-"


class StdinFile(NamedTuple):
    """The bytes read from standard input and the name they are linted as."""

    name: str
    data: bytes

    def text(self) -> str:
        return self.data.decode("utf-8", "replace")

    def reader(self, path: str) -> ComposeFile:
        """The loader's file reader: this text for ``name``, the disk for anything else."""
        if os.path.normpath(path) != os.path.normpath(self.name):
            return read_file(path)
        text, problem = decode(self.data, self.name)
        if problem is not None or text is None:
            return ComposeFile(path=self.name, problems=[problem] if problem else [])
        return parse_text(text, self.name)


def read_stdin(stream: BinaryIO, name: str | None) -> StdinFile:
    """At most MAX_FILE_BYTES from ``stream``; more is an input error, not a partial lint."""
    data = stream.read(MAX_FILE_BYTES + 1)
    shown = name or DEFAULT_NAME
    if len(data) > MAX_FILE_BYTES:
        raise InputError(shown, f"standard input larger than {MAX_FILE_BYTES // 2**20} MiB; refused")
    return StdinFile(shown, data)
