"""The values a fix run produces: what would change, what is left to a human, what failed.

A plan is computed without touching any file, so ``--diff`` and ``--check``
are the same computation as a real run minus :func:`bindguard.fix.apply`.
Each file keeps the exact bytes it was read with: ``apply`` compares them
with the disk before writing, so a file edited meanwhile is never clobbered.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Edit:
    """One fixed port entry: ``text[start:end]`` (``old``) becomes ``new``.

    ``line``/``column`` are where the entry is in the original file (the
    position lint reports), ``new_line``/``new_column`` where it is after the
    fix.  ``entry_start``/``new_entry_start`` are the entry's character
    offsets before and after (the same node, for tools that compare trees).
    ``rules`` are the codes this edit resolves.  An inserted ``host_ip:``
    line has ``old == ""`` and ``inserted_line`` set.  ``merged_duplicate``
    marks an entry no finding points at, rewritten because Compose merges it
    away as a copy of a fixed entry (same service, override or extends file):
    left alone, it would become a second, exposed binding after the fix.
    """

    file: str
    line: int
    column: int
    rules: tuple[str, ...]
    old: str
    new: str
    start: int
    end: int
    summary: str
    services: tuple[str, ...] = ()
    entry: str = ""
    syntax: str = "short"
    entry_start: int = 0
    inserted_line: bool = False
    merged_duplicate: bool = False
    new_line: int = 0
    new_column: int = 0
    new_entry_start: int = 0
    note: str = ""

    @property
    def hint(self) -> str:
        """What lint's ``fix:`` hint says for this entry: the text as written here."""
        from bindguard.entryfix.remedy import change_hint

        return change_hint(self.new, self.syntax, self.inserted_line, self.note)


@dataclass(frozen=True, slots=True)
class ManualItem:
    """A finding ``fix`` does not change, and why (``reason`` is a stable key)."""

    file: str | None
    line: int
    column: int
    code: str
    reason: str
    message: str
    service: str | None = None
    entry: str = ""
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line else (self.file or "")
        return f"{where}: {self.code} not fixed ({self.reason}): {self.message}"


@dataclass
class FileFix:
    """One file: its original and new text, the edits between them, what is left manual.

    ``path`` is the path as given (as lint shows it), ``real_path`` the file
    that is written (symlinks resolved).  ``error`` is set when the new text
    failed verification; such a file is never written.
    """

    path: str
    real_path: str
    original_text: str
    new_text: str
    original_bytes: bytes
    encoding: str
    mtime_ns: int
    size: int
    edits: list[Edit] = field(default_factory=list)
    manual: list[ManualItem] = field(default_factory=list)
    error: str | None = None
    kind: str = "compose"  # the source (bindguard.sources) whose reader verified the new text

    @property
    def changed(self) -> bool:
        return self.error is None and self.new_text != self.original_text

    def new_bytes(self) -> bytes:
        return encode(self.new_text, self.encoding)


@dataclass
class FixPlan:
    """Everything ``fix`` would do; ``files`` holds only files with edits, manual items or errors."""

    files: list[FileFix] = field(default_factory=list)
    manual: list[ManualItem] = field(default_factory=list)
    address: str = "127.0.0.1"
    sources: tuple[str, ...] = ()

    @property
    def changed(self) -> list[FileFix]:
        return [f for f in self.files if f.changed]

    @property
    def edits(self) -> list[Edit]:
        return [e for f in self.files if f.changed for e in f.edits]

    @property
    def errors(self) -> list[tuple[str, str]]:
        return [(f.path, f.error) for f in self.files if f.error]

    def fixed_by_rule(self) -> Counter:
        return Counter(code for e in self.edits for code in e.rules)

    def manual_by_reason(self) -> Counter:
        return Counter(m.reason for m in self.manual)

    @property
    def blocking(self) -> list[ManualItem]:
        """Manual items that lint would fail on (an ``info`` finding never fails a run)."""
        return [m for m in self.manual if m.severity != "info"]


@dataclass
class ApplyResult:
    """What ``apply`` did: files written, and files refused with the reason."""

    written: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


BOMS = {
    "utf-16-le": b"\xff\xfe",
    "utf-16-be": b"\xfe\xff",
}


def detect_encoding(data: bytes) -> str:
    """The encoding ``loader.decode`` read ``data`` with, so it can be written back alike."""
    if data.startswith(b"\xff\xfe"):
        return "utf-16-le"
    if data.startswith(b"\xfe\xff"):
        return "utf-16-be"
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    return "utf-8"


def encode(text: str, encoding: str) -> bytes:
    return BOMS.get(encoding, b"") + text.encode(encoding)


def splice(text: str, edits: list[Edit]) -> str:
    """``text`` with every edit applied; ValueError if two edits overlap."""
    out = []
    pos = 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if edit.start < pos:
            raise ValueError(f"overlapping edits at line {edit.line}; nothing written")
        out.append(text[pos : edit.start])
        out.append(edit.new)
        pos = edit.end
    out.append(text[pos:])
    return "".join(out)
