"""``fix`` for the other sources (issue 27): byte-exact rewrites of their port entries.

Each fixable finding (BG001 no host address, BG002 wildcard) in a file of
another source gets the smallest splice that puts the entry on loopback, in
the file's own syntax: a ``-p``/``PublishPort=``/``ports:``/``appPort`` entry
gets the address in front (``8080:80`` -> ``127.0.0.1:8080:80``) or its
wildcard replaced; a kind mapping gets ``listenAddress: "127.0.0.1"``, a pod
spec port ``hostIP: 127.0.0.1`` (inserted before its first key, or the
wildcard value replaced).  The new text is read again by the same source
reader and must publish the same ports with none of the fixed ones exposed;
otherwise nothing is written.  Entries built from variables or expressions,
and everything else, are left manual with the reason.
"""

from __future__ import annotations

import os
import tempfile

from bindguard.fix.plan import Edit, FileFix, ManualItem, detect_encoding, splice
from bindguard.model import Binding, Finding, Verdict
from bindguard.ports import PortSyntaxError, parse_short

FIXABLE = frozenset({"BG001", "BG002"})
_LONG_KINDS = frozenset({"kind", "pods"})


class _Manual(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _line_offsets(text: str) -> list[int]:
    starts = [0]
    at = text.find("\n")
    while at >= 0:
        starts.append(at + 1)
        at = text.find("\n", at + 1)
    return starts


def _new_address(binding: Binding, address: str) -> str:
    return "::1" if binding.host_ip and ":" in binding.effective[0] else address


def _short_rewrite(entry: str, binding: Binding, address: str) -> tuple[str, str]:
    """(new entry, summary) for a ``[[ip:][host]:]container`` entry, written bytes kept."""
    try:
        parse_short(entry)
    except PortSyntaxError:
        raise _Manual("invalid-entry", "the entry does not parse; correct it by hand") from None
    new_ip = _new_address(binding, address)
    shown = f"[{new_ip}]" if ":" in new_ip else new_ip
    parts = entry.split(":")
    if len(parts) == 1:
        return f"{shown}::{entry}", f"add host IP {new_ip}"
    if len(parts) == 2:
        return f"{shown}:{entry}", f"add host IP {new_ip}"
    written = ":".join(parts[:-2])
    summary = f"add host IP {new_ip}" if written in ("", "[]") else f"replace {written} with {new_ip}"
    return shown + entry[len(written):], summary


def _short_edit(text: str, starts: list[int], binding: Binding, finding: Finding, address: str) -> Edit:
    if binding.variables or (binding.raw and binding.raw != binding.entry and "$" in binding.raw):
        raise _Manual("variable-entry", "the entry is built from variables; set its host IP by hand")
    loc = binding.location
    line_start = starts[loc.line - 1]
    line_end = text.find("\n", line_start)
    line_end = len(text) if line_end < 0 else line_end
    offset = line_start + loc.column - 1
    found = text.find(binding.entry, offset, line_end)
    if found < 0 or text.find(binding.entry, found + 1, line_end) >= 0 and found != offset:
        raise _Manual("entry-not-found", "the entry is not written as one piece of text on its line; edit it by hand")
    after = text[found + len(binding.entry): found + len(binding.entry) + 1]
    if after and after not in " \t\r\n\"',]\\":
        raise _Manual("entry-not-found", "the entry continues past what bindguard read; edit it by hand")
    new, summary = _short_rewrite(binding.entry, binding, address)
    return Edit(file=loc.file or "", line=loc.line, column=loc.column, rules=(finding.code,),
                old=binding.entry, new=new, start=found, end=found + len(binding.entry), summary=summary,
                services=(binding.service,), entry=binding.entry, syntax="short")


def _mapping_node(path_text: str, binding: Binding):
    """The YAML mapping node of a long-form entry (kind/pod spec), found by its position."""
    import yaml

    from bindguard.compose.yaml_reader import parse_text

    parsed = parse_text(path_text, binding.location.file or "")
    want = (binding.location.line - 1, binding.location.column - 1)
    stack = list(parsed.documents)
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            if (node.start_mark.line, node.start_mark.column) == want:
                return node
            stack.extend(v for _, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    raise _Manual("entry-not-found", "the port mapping could not be found again; edit it by hand")


def _long_edit(text: str, binding: Binding, finding: Finding, address: str) -> Edit:
    import yaml

    node = _mapping_node(text, binding)
    key = binding.address_key
    new_ip = _new_address(binding, address)
    loc = binding.location

    def edit(old: str, new: str, start: int, end: int, summary: str, inserted: bool = False) -> Edit:
        return Edit(file=loc.file or "", line=loc.line, column=loc.column, rules=(finding.code,), old=old,
                    new=new, start=start, end=end, summary=summary, services=(binding.service,),
                    entry=binding.entry, syntax="long", inserted_line=inserted)

    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key and isinstance(v, yaml.ScalarNode):
            start, end = v.start_mark.index, v.end_mark.index
            if v.style in ("'", '"'):
                start, end = start + 1, end - 1
            old = text[start:end]
            return edit(old, new_ip, start, end, f"replace {old} with {new_ip}")
    start = node.start_mark.index
    value = f'"{new_ip}"' if key == "listenAddress" else new_ip
    if node.flow_style:
        return edit("", f" {key}: {value},", start + 1, start + 1, f"add {key}: {new_ip}")
    indent = " " * (loc.column - 1)
    return edit("", f"{key}: {value}\n{indent}", start, start, f"add {key}: {new_ip}", inserted=True)


def _verify(kind: str, path: str, new_text: str, fixed: list[Binding]) -> str | None:
    """None when the new text, read by the same reader, publishes the same ports, none fixed exposed."""
    from bindguard.sources import read

    before = read(kind, path)[0]
    with tempfile.TemporaryDirectory() as folder:
        copy = os.path.join(folder, os.path.basename(path))
        with open(copy, "w", encoding="utf-8") as handle:
            handle.write(new_text)
        after = read(kind, copy)[0]
    if len(after.bindings) != len(before.bindings) or len(after.problems) > len(before.problems):
        return "the fixed file reads differently; nothing written"
    exposed_before = sum(b.verdict is not Verdict.LOOPBACK for b in before.bindings)
    exposed_after = sum(b.verdict is not Verdict.LOOPBACK for b in after.bindings)
    if exposed_after != exposed_before - len(fixed):
        return "a fixed entry would still be exposed; nothing written"
    return None


def plan_file(path: str, kind: str, findings: list[Finding], address: str) -> tuple[FileFix | None, list]:
    """(the file's fix or None, [(finding, ManualItem)]) for one file of another source."""
    from bindguard.bounded_read import read_small_file
    from bindguard.sources import read

    manual: list = []

    def leave(f: Finding, reason: str, message: str) -> None:
        loc = f.location
        manual.append((f, ManualItem(loc.file, loc.line, loc.column, f.code, reason, message, f.service,
                                     f.entry, str(f.severity))))

    try:
        data = read_small_file(path)
        info = os.stat(path)
        encoding = detect_encoding(data)
        text = data.decode(encoding)
    except (OSError, ValueError) as exc:
        for f in findings:
            leave(f, "unreadable", f"cannot read the file again: {exc}")
        return None, manual
    subject = read(kind, path)[0]
    at: dict[tuple[int, int], Binding] = {}
    shared: set[tuple[int, int]] = set()
    for b in subject.bindings:
        place = (b.location.line, b.location.column)
        if place in at:
            shared.add(place)
        at[place] = b
    starts = _line_offsets(text)
    edits: list[Edit] = []
    fixed: list[Binding] = []
    for f in findings:
        place = (f.location.line, f.location.column)
        binding = at.get(place)
        if binding is None or f.code not in FIXABLE:
            continue
        if place in shared:
            leave(f, "shared-place", "several entries come from this one place (an options string or a "
                  "variable holding several -p); edit them by hand")
            continue
        if binding.swarm:
            leave(f, "swarm", "swarm ignores host IPs, so no edit of the entry limits it: do not publish it")
            continue
        if "{{" in binding.entry:
            leave(f, "expression-entry", "the entry holds a template expression; set its host IP by hand")
            continue
        try:
            if kind in _LONG_KINDS:
                edit = _long_edit(text, binding, f, address)
            else:
                edit = _short_edit(text, starts, binding, f, address)
        except _Manual as exc:
            leave(f, exc.reason, str(exc))
            continue
        edits.append(edit)
        fixed.append(binding)
    if not edits:
        return None, manual
    fix = FileFix(path=path, real_path=os.path.realpath(path), original_text=text, new_text=text,
                  original_bytes=data, encoding=encoding, mtime_ns=info.st_mtime_ns, size=info.st_size,
                  edits=sorted(edits, key=lambda e: (e.start, e.end)), kind=kind)
    try:
        fix.new_text = splice(text, fix.edits)
    except ValueError as exc:
        fix.error = str(exc)
        return fix, manual
    problem = _verify(kind, path, fix.new_text, fixed)
    if problem is not None:
        fix.error = problem
    return fix, manual
