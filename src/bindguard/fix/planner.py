"""Deciding what ``fix`` changes: lint findings mapped back to the text that caused them.

Why it is built this way:

* The findings to fix are exactly the ones ``lint`` reports with the same
  settings (inline ignores, baseline and per-path overrides included), so
  ``fix`` never touches an entry a user has excused, and ``--select`` /
  ``--ignore`` narrow that set further.
* A finding's location is the start of the port item's node.  Loading the
  same projects again with a recording file reader gives the node trees,
  the Bindings and the interpolation environment behind each location, so an
  entry is rewritten from its own text, not from a normalised form.
* An entry is edited where it is *written*: an anchor used by three services
  is one place and one edit.  Only files among the linted paths are edited;
  an entry reached through ``extends: file:`` or ``include`` elsewhere is
  listed as manual.
* Every rewrite is proved before it is proposed: the rewritten entry is
  interpolated and parsed as the linter does (same ports, loopback host),
  and then the whole project is loaded and linted again from the new texts:
  the file must parse, its YAML data must be unchanged apart from the fixed
  entries, and the fixed rules must be gone at the fixed places.  A file
  that fails is reported as an error and never written.
"""

from __future__ import annotations

import os
import stat
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import yaml

from bindguard.bounded_read import read_small_file
from bindguard.compose.environment import Environment
from bindguard.compose.nodes import mapping_entries, resolve_scalar
from bindguard.compose.project import ProjectLoader
from bindguard.compose.yaml_reader import MAX_FILE_BYTES, ComposeFile, decode, parse_text, read_file
from bindguard.entryfix.remedy import (
    Decision,
    Entry,
    Manual,
    Writable,
    auto_codes,
    decide,
    file_manual,
    finding_manual,
    items_by_place,
    port_items,
    precheck,
    shipped_env,
    writable,
)
from bindguard.entryfix.rewrite import Change, loopback_address
from bindguard.errors import ConfigError
from bindguard.fix.plan import Edit, FileFix, FixPlan, ManualItem, detect_encoding, encode, splice
from bindguard.lint import lint, project_dir
from bindguard.model import Binding, Finding, Verdict
from bindguard.planning import LintSettings, Unit
from bindguard.planning import plan as plan_units
from bindguard.rules import RULES, get
from bindguard.runner import check

# Built from each rule's ``fix`` declaration (Rule.fix, rules/fixinfo.py): one place per rule.
FIXABLE = auto_codes()
# After a fix these must be gone at the fixed place; BG006 may stay only for
# a port variable that is still unset while the entry is already on loopback.
EXPOSURE = frozenset({"BG001", "BG002"})

MANUAL_REASONS: dict[str, tuple[str, str]] = {
    code: (rule.fix.reason, rule.fix.message) for code, rule in RULES.items() if rule.fix and rule.fix.reason
}
_DATA_BUDGET = 200_000


# -- reading -----------------------------------------------------------------
@dataclass
class _Source:
    """One file as read: its bytes and stat (for apply's safety check), text, nodes."""

    path: str
    real: str
    cf: ComposeFile
    data: bytes | None = None
    encoding: str = "utf-8"
    mtime_ns: int = 0
    size: int = 0
    _items: dict | None = field(default=None, repr=False)
    _by_start: dict | None = field(default=None, repr=False)
    _services: dict = field(default_factory=dict, repr=False)

    @property
    def text(self) -> str:
        return self.cf.text

    def items(self) -> dict[tuple[int, int], tuple[yaml.Node, yaml.Node]]:
        """Every ``ports:`` item of every service, by (line, column), with its list node."""
        if self._items is None:
            self._items = items_by_place(self.cf.documents)
            self._services = defaultdict(set)
            for service, item, _ in port_items(self.cf.documents):
                self._services[id(item)].add(service)
        return self._items

    def services_of(self, node: yaml.Node) -> set[str]:
        self.items()
        return self._services.get(id(node), set())

    def by_start(self) -> dict[int, yaml.Node]:
        if self._by_start is None:
            self._by_start = {node.start_mark.index: node for node, _ in self.items().values()}
        return self._by_start


class _Reader:
    """The loader's file reader, remembering what it read; ``texts`` replaces file contents.

    With ``texts`` (real path -> text) the planner lints the *proposed* files
    without writing them anywhere.
    """

    def __init__(self, texts: dict[str, str] | None = None):
        self.texts = texts or {}
        self.sources: dict[str, _Source] = {}

    def source(self, path: str | None) -> _Source | None:
        return self.sources.get(path) if path is not None else None

    def read(self, path: str) -> ComposeFile:
        cached = self.sources.get(path)
        if cached is not None:
            return cached.cf
        real = os.path.realpath(path)
        if real in self.texts:
            src = _Source(path, real, parse_text(self.texts[real], path))
        else:
            src = self._from_disk(path, real)
        self.sources[path] = src
        return src.cf

    @staticmethod
    def _from_disk(path: str, real: str) -> _Source:
        try:
            st = os.stat(path)
        except OSError:
            return _Source(path, real, read_file(path))
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_FILE_BYTES:
            return _Source(path, real, read_file(path))
        try:
            data = read_small_file(path, MAX_FILE_BYTES)  # non-blocking: a FIFO swapped in is refused
        except OSError:
            return _Source(path, real, read_file(path))
        text, problem = decode(data, path)
        if problem is not None or text is None:
            return _Source(path, real, ComposeFile(path=path, problems=[problem] if problem else []))
        encoding = detect_encoding(data)
        if encode(text, encoding) != data:
            # Not byte-exact on the way back (cannot happen for valid UTF-8/16);
            # without bytes the file is never written.
            return _Source(path, real, parse_text(text, path))
        return _Source(
            path, real, parse_text(text, path), data, encoding, st.st_mtime_ns, st.st_size
        )


# -- plan --------------------------------------------------------------------
@dataclass
class _Request:
    """One entry to fix as seen from one project (unit).

    ``twin`` marks an entry Compose merged away as a duplicate of a fixed one
    (the same service repeats it in an override or extends file): it gets the
    same rewrite, or the fix would make it a second, exposed binding.
    """

    unit: int
    src: _Source
    node: yaml.Node
    parent: yaml.Node
    bindings: list[Binding]
    lookup: Callable[[str], str | None]
    sources: tuple = ()
    findings: list[Finding] = field(default_factory=list)
    twin: bool = False

    def entry(self) -> Entry:
        return Entry(self.src.text, self.src.path, self.node, self.parent, tuple(self.bindings), self.lookup)


@dataclass
class _Accepted:
    request: _Request
    change: Change
    residual: tuple[str, ...]
    binding: Binding | None = None  # the rewritten entry as lint reads it


@dataclass
class _UnitRun:
    """What one project's load gave: the files it read and its bindings by place."""

    unit: Unit
    paths: list[str]
    bindings_at: dict[tuple, list[Binding]]
    lookup: Callable[[str], str | None]
    sources: tuple = ()  # the env files the project ships (remedy.shipped_env)


def _codes(select, ignore) -> frozenset[str]:
    def norm(items) -> set[str]:
        out = set()
        for item in items or ():
            for code in str(item).split(","):
                if code.strip():
                    out.add(get(code).code)  # UnknownRuleError for a typo
        return out

    chosen = norm(select) or set(RULES)
    return frozenset(chosen - norm(ignore))


def _key(finding: Finding) -> tuple:
    loc = finding.location
    return (finding.code, loc.file, loc.line, loc.column)


def _place(location) -> tuple:
    return (location.file, location.line, location.column)


def _manual(finding: Finding, reason: str | None = None, message: str | None = None) -> ManualItem:
    """A ManualItem for ``finding``: the given reason, else the rule's (with the finding's hint)."""
    default_reason, default_message = finding_manual(finding)
    loc = finding.location
    return ManualItem(
        file=loc.file,
        line=loc.line,
        column=loc.column,
        code=finding.code,
        reason=reason or default_reason,
        message=message or default_message,
        service=finding.service,
        entry=finding.entry,
        severity=str(finding.severity),
    )


def _lookup(unit: Unit, settings: LintSettings):
    """The interpolation lookup ``ProjectLoader.load`` uses for this project."""
    options = settings.project
    return Environment.for_project(project_dir(unit), options.env_files, options.environ).lookup


def _from_manual(finding: Finding, manual: Manual) -> ManualItem:
    return _manual(finding, manual.reason, manual.message)


def _load(unit: Unit, settings: LintSettings, reader: _Reader):
    """(subject, paths read) for one project, read through ``reader``."""
    paths: list[str] = []

    def read(path: str) -> ComposeFile:
        paths.append(path)
        return reader.read(path)

    subject = ProjectLoader(settings.project, reader=read).load(list(unit.files), unit.project_dir)
    return subject, list(dict.fromkeys(paths))


def _merge_key(node: yaml.Node) -> tuple:
    """How Compose tells two port entries apart when it merges files (``_item_key``)."""
    if isinstance(node, yaml.ScalarNode):
        return ("s", node.value)
    if isinstance(node, yaml.MappingNode):
        pairs = sorted((k.value, v.value) for k, v in node.value if isinstance(v, yaml.ScalarNode))
        return ("m", tuple(pairs))
    return ("n", id(node))


def plan_fixes(
    paths,
    settings: LintSettings,
    address: str = "127.0.0.1",
    select=None,
    ignore=None,
    follow_symlinks: bool = False,
) -> FixPlan:
    """What ``bindguard fix PATHS`` would change; no file is written.

    ``address`` is the loopback address entries without one get (``::1`` for
    IPv6-only services); explicit wildcards keep their family (``0.0.0.0``
    becomes ``127.0.0.1``, ``::`` becomes ``::1``).  ``select``/``ignore``
    are rule codes limiting which findings are considered.  A compose file
    that is a symlink to a file outside the given paths is only written with
    ``follow_symlinks``.  Raises
    ConfigError for a bad address, UnknownRuleError for a bad code, and
    whatever ``lint`` raises for a missing path.
    """
    try:
        address = loopback_address(address)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    planner = _Planner(settings, address, _codes(select, ignore), follow_symlinks)
    return planner.run([str(p) for p in paths])


class _Planner:
    def __init__(
        self, settings: LintSettings, address: str, codes: frozenset[str], follow_symlinks: bool = False
    ):
        self.settings = settings
        self.address = address
        self.codes = codes
        self.follow_symlinks = follow_symlinks
        self.reader = _Reader()
        self.manual: list[ManualItem] = []
        self.requests: dict[tuple, _Request] = {}
        self.runs: list[_UnitRun] = []
        self.allowed = Writable((), ())
        self.editable: set[str] = set()

    def _other_sources(self, others, wanted: dict, paths: list[str], done: set) -> dict[str, FileFix]:
        """Files of other sources (``bindguard.sources``): fixed by ``fix/sources.py``, or left manual."""
        from bindguard.fix.sources import FIXABLE, plan_file

        files: dict[str, FileFix] = {}
        for unit in others:
            path = unit.files[0]
            mine = {k: f for k, f in wanted.items() if f.location.file == path}
            if not mine:
                continue
            refused = file_manual(path, os.path.realpath(path), self.allowed)
            if refused is not None:
                self.manual.extend(_manual(f, refused.reason, refused.message) for f in mine.values())
                done.update(mine)
                continue
            fixable = [f for f in mine.values() if f.code in FIXABLE]
            fix, manual = plan_file(path, unit.kind, fixable, self.address)
            for finding, item in manual:
                self.manual.append(item)
                done.add(_key(finding))
            if fix is not None:
                files[fix.real_path] = fix
                for edit in fix.edits:
                    done.update(k for k, f in mine.items() if (f.location.line, f.location.column) == (edit.line, edit.column))
        return files

    def run(self, paths: list[str]) -> FixPlan:
        report = lint(paths, self.settings, follow_symlinks=self.follow_symlinks)
        wanted = {_key(f): f for f in report.findings if f.code in self.codes}
        units, _ = plan_units(paths, self.settings)
        self.allowed = writable(units, paths, self.settings.compose_files, self.follow_symlinks)
        others = [u for u in units if u.kind != "compose"]  # other sources: fix/sources.py
        units = [u for u in units if u.kind == "compose"]
        self.editable = {
            real for real in (os.path.realpath(f) for unit in units for f in unit.files)
            if self.allowed.inside(real)
        }
        env_files: dict[str, tuple] = {}
        matched: set[tuple] = set()
        for index, unit in enumerate(units):
            subject, read = _load(unit, self.settings, self.reader)
            bindings_at: dict[tuple, list[Binding]] = defaultdict(list)
            for binding in subject.bindings:
                bindings_at[_place(binding.location)].append(binding)
            folder = project_dir(unit)
            if folder not in env_files:
                env_files[folder] = shipped_env(folder)
            self.runs.append(
                _UnitRun(unit, read, bindings_at, _lookup(unit, self.settings), env_files[folder])
            )
            for finding in check(subject, self.settings.selection):
                key = _key(finding)
                if key in wanted and (key, index) not in matched:
                    matched.add((key, index))
                    self._triage(wanted[key], index)
        done = {key for key, _ in matched}
        source_files = self._other_sources(others, wanted, paths, done)
        self.manual.extend(_manual(f) for key, f in wanted.items() if key not in done)

        accepted = self._decide_all()
        edits_by_file = self._edits(accepted)
        sources = {src.real: src for src in self.reader.sources.values()}
        files = {real: _file_fix(sources[real], [e for e, _ in items]) for real, items in edits_by_file.items()}
        self.manual.extend(
            _verify(files, edits_by_file, self.runs, self.settings, self.codes, sources)
        )
        files.update(source_files)  # verified by fix/sources.py with their own reader

        manual = sorted(set(self.manual), key=lambda m: (m.file or "", m.line, m.column, m.code, m.reason))
        for item in manual:
            real = os.path.realpath(item.file) if item.file else ""
            fix = files.get(real)
            if fix is None and real in sources and sources[real].data is not None:
                fix = files[real] = _file_fix(sources[real], [])
            if fix is not None:
                fix.manual.append(item)
        return FixPlan(
            files=sorted(files.values(), key=lambda f: f.path),
            manual=manual,
            address=self.address,
            sources=tuple(report.sources),
        )

    def _triage(self, finding: Finding, index: int) -> None:
        """A fixable finding becomes a request; anything else a manual item with its reason."""
        if finding.code not in FIXABLE:
            self.manual.append(_manual(finding))
            return
        loc = finding.location
        src = self.reader.source(loc.file)
        item = src.items().get((loc.line, loc.column)) if src is not None else None
        run = self.runs[index]
        bindings = run.bindings_at.get(_place(loc), [])
        refused = None
        if src is not None:
            refused = file_manual(src.path, src.real, self.allowed)
            if refused is None and src.data is None:
                refused = Manual("unsupported", "the file cannot be rewritten byte for byte")
        why = precheck(finding, item is not None, bindings, refused)
        if why is not None:
            self.manual.append(_from_manual(finding, why))
            return
        assert src is not None and item is not None
        node, parent = item
        place = (index, src.real, node.start_mark.index)
        request = self.requests.get(place)
        if request is None:
            request = self.requests[place] = _Request(
                index, src, node, parent, bindings, run.lookup, run.sources
            )
        request.findings.append(finding)

    def _decide_all(self) -> dict[tuple[str, int], list[_Accepted]]:
        accepted: dict[tuple[str, int], list[_Accepted]] = defaultdict(list)
        for place, request in list(self.requests.items()):
            result = _decide(request, self.address)
            if result.change is None:
                assert result.manual is not None
                manual = result.manual
                self.manual.extend(_from_manual(f, manual) for f in request.findings)
                continue
            accepted[place[1:]].append(
                _Accepted(request, result.change, result.residual, result.binding)
            )
            for twin in self._twins(request):
                twin_result = _decide(twin, self.address)
                if twin_result.change is not None:
                    accepted[(twin.src.real, twin.node.start_mark.index)].append(
                        _Accepted(twin, twin_result.change, twin_result.residual, twin_result.binding)
                    )
                else:
                    assert twin_result.manual is not None
                    self.manual.append(
                        _manual(
                            request.findings[0],
                            "revealed-by-fix",
                            f"{twin.src.path}:{twin.node.start_mark.line + 1} repeats this entry "
                            f"and cannot be rewritten alike ({twin_result.manual.message})",
                        )
                    )
        return accepted

    def _twins(self, request: _Request) -> list[_Request]:
        """Entries of the same service in the project's other files, merged away as duplicates.

        Compose drops an override's port entry equal to one the service already
        has; once the first is rewritten they differ and the copy would be
        published on its own, so it is rewritten the same way.
        """
        run = self.runs[request.unit]
        services = {b.service for b in request.bindings}
        key = _merge_key(request.node)
        out = []
        for path in run.paths:
            src = self.reader.source(path)
            if src is None or src.real not in self.editable or src.data is None:
                continue
            for (line, column), (node, parent) in src.items().items():
                if node is request.node or _merge_key(node) != key:
                    continue
                if (src.path, line, column) in run.bindings_at:
                    continue  # published on its own: its own finding fixes it
                if not services & src.services_of(node):
                    continue
                out.append(
                    _Request(
                        request.unit, src, node, parent, request.bindings, request.lookup,
                        request.sources, list(request.findings), twin=True,
                    )
                )
        return out

    def _edits(self, accepted) -> dict[str, list[tuple[Edit, list[_Accepted]]]]:
        edits_by_file: dict[str, list[tuple[Edit, list[_Accepted]]]] = defaultdict(list)
        for (real, _), group in accepted.items():
            distinct = {(a.change.start, a.change.end, a.change.new) for a in group}
            if len(distinct) > 1:
                for a in group:
                    self.manual.extend(
                        _manual(
                            f,
                            "conflicting-fixes",
                            "projects reading this entry need different rewrites; edit it by hand",
                        )
                        for f in a.request.findings
                    )
                continue
            edits_by_file[real].append((_edit(group), group))
        return edits_by_file


def _decide(request: _Request, address: str) -> Decision:
    """The shared decision (``remedy.decide``): the same one lint's hints show."""
    return decide(request.entry(), address, request.sources)


def _residual_note(residual) -> str:
    """An edit that leaves a port variable unset says so once, in its own line."""
    if not residual:
        return ""
    names = ", ".join(residual)
    plural = len(residual) > 1
    return (
        f"; {names} still unset with no default: the host port stays random, on loopback, "
        f"until {'they are' if plural else 'it is'} set"
    )


def _edit(group: list[_Accepted]) -> Edit:
    first = group[0]
    request, change = first.request, first.change
    mark = request.node.start_mark
    text = request.src.text
    rules = tuple(sorted({f.code for a in group for f in a.request.findings}))
    services = tuple(sorted({b.service for a in group for b in a.request.bindings}))
    return Edit(
        file=request.src.path,
        line=mark.line + 1,
        column=mark.column + 1,
        rules=rules,
        old=text[change.start : change.end],
        new=change.new,
        start=change.start,
        end=change.end,
        summary=change.summary + _residual_note(sorted({n for a in group for n in a.residual})),
        services=services,
        entry=request.findings[0].entry,
        syntax="long" if isinstance(request.node, yaml.MappingNode) else "short",
        entry_start=mark.index,
        inserted_line=change.inserted_line,
        merged_duplicate=all(a.request.twin for a in group),
        note=change.note,
    )


def _file_fix(src: _Source, edits: list[Edit]) -> FileFix:
    assert src.data is not None
    fix = FileFix(
        path=src.path,
        real_path=src.real,
        original_text=src.text,
        new_text=src.text,
        original_bytes=src.data,
        encoding=src.encoding,
        mtime_ns=src.mtime_ns,
        size=src.size,
        edits=sorted(edits, key=lambda e: (e.start, e.end)),
    )
    try:
        fix.new_text = splice(src.text, fix.edits)
    except ValueError as exc:
        fix.error = str(exc)
    return fix


def unmap_index(new_index: int, edits: list[Edit]) -> int:
    """The old offset whose character is at ``new_index`` (outside the edited spans)."""
    lo, hi = 0, new_index
    while lo < hi:
        mid = (lo + hi) // 2
        if map_index(mid, edits) < new_index:
            lo = mid + 1
        else:
            hi = mid
    return lo


def map_index(index: int, edits: list[Edit]) -> int:
    """Where the character at ``index`` of the old text is in the new text.

    Text inserted at ``index`` comes before it; a replacement starting at
    ``index`` starts the new entry at the same place.
    """
    shift = 0
    for e in edits:
        delta = len(e.new) - (e.end - e.start)
        if (e.start == e.end and index >= e.start) or (e.start < e.end and index >= e.end):
            shift += delta
    return index + shift


# -- verification ------------------------------------------------------------
def _verify(files, edits_by_file, runs, settings, codes, sources) -> list[ManualItem]:
    """Parse and lint the proposed texts; a file that fails gets ``error`` and no edits.

    Returns manual items for exposures the fix itself would reveal (an entry
    that was merged away and now stands on its own), which the twin rewrite
    should have prevented: a safety net, so nothing new is published silently.
    """
    for fix in files.values():
        if fix.error is None:
            problem = _data_problem(fix)
            if problem:
                fix.error = problem
    texts = {real: f.new_text for real, f in files.items() if f.changed}
    if not texts:
        return []
    reader = _Reader(texts)
    by_unit: dict[int, list[tuple[str, Edit, _Accepted]]] = defaultdict(list)
    for real, items in edits_by_file.items():
        for edit, group in items:
            for accepted in group:
                by_unit[accepted.request.unit].append((real, edit, accepted))
    located: dict[tuple[str, int], tuple[int, int, int]] = {}
    revealed: list[ManualItem] = []
    for index, entries in sorted(by_unit.items()):
        run = runs[index]
        subject, _ = _load(run.unit, settings, reader)
        found: dict[tuple, list[Finding]] = defaultdict(list)
        for f in check(subject, settings.selection):
            found[_place(f.location)].append(f)
        bindings_at: dict[tuple, list[Binding]] = defaultdict(list)
        for b in subject.bindings:
            bindings_at[_place(b.location)].append(b)
        fixed_places: set[tuple] = set()
        for real, edit, accepted in entries:
            request = accepted.request
            fix = files[real]
            if not fix.changed:
                continue
            new_start = map_index(edit.entry_start, fix.edits)
            src = reader.source(request.src.path)
            node = src.by_start().get(new_start) if src is not None else None
            if src is None or node is None:
                fix.error = f"{edit.file}:{edit.line}: the fixed entry is not found after the edit"
                continue
            where = (src.path, node.start_mark.line + 1, node.start_mark.column + 1)
            fixed_places.add(where)
            located[(real, edit.start)] = (where[1], where[2], new_start)
            merged = _merged_into_copy(accepted.binding, subject.bindings)
            failure = _still_exposed(
                found.get(where, []), bindings_at.get(where, []), request.twin or merged
            )
            if failure:
                fix.error = (
                    f"{edit.file}:{edit.line}: after the rewrite to {edit.new.strip()!r} "
                    f"lint still reports {failure}; not written"
                )
        revealed.extend(_revealed(found, fixed_places, run, files, reader, codes, sources))
    for real, fix in files.items():
        if fix.error is not None:
            fix.new_text = fix.original_text
            continue
        fix.edits = [
            replace(
                e,
                new_line=located.get((real, e.start), (0, 0, 0))[0],
                new_column=located.get((real, e.start), (0, 0, 0))[1],
                new_entry_start=located.get((real, e.start), (0, 0, 0))[2],
            )
            for e in fix.edits
        ]
    return revealed


def _revealed(found, fixed_places, run: _UnitRun, files, reader, codes, sources) -> list[ManualItem]:
    """Exposure findings after the fix at entries that had none before."""
    before: set[tuple[str, int]] = set()
    for place, bindings in run.bindings_at.items():
        if any(b.verdict is not Verdict.LOOPBACK for b in bindings):
            before.add(place)
    out = []
    for place, findings in found.items():
        if place in fixed_places:
            continue
        for f in findings:
            if f.code not in EXPOSURE or f.code not in codes:
                continue
            src = reader.source(place[0])
            node = src.items().get(place[1:]) if src is not None else None
            if node is None:
                continue
            fix = files.get(src.real)
            edits = fix.edits if fix is not None and fix.changed else []
            old_start = unmap_index(node[0].start_mark.index, edits)
            old_src = sources.get(src.real)
            old_node = old_src.by_start().get(old_start) if old_src is not None else None
            if old_node is None:
                continue
            old_place = (old_src.path, old_node.start_mark.line + 1, old_node.start_mark.column + 1)
            if old_place in before:
                continue
            out.append(
                ManualItem(
                    old_place[0],
                    old_place[1],
                    old_place[2],
                    f.code,
                    "revealed-by-fix",
                    "Compose merged this entry away as a duplicate of an entry fix rewrites; "
                    "after the fix it is published on its own: run fix again",
                    f.service,
                    f.entry,
                )
            )
    return out


def _merged_into_copy(binding: Binding | None, bindings) -> bool:
    """Whether the rewritten entry now equals another loopback entry of its service.

    Compose keeps one of two equal entries, so the rewritten one has no
    binding of its own, and nothing is exposed (``"8080:80"`` fixed beside
    an existing ``"127.0.0.1:8080:80"``).
    """
    if binding is None:
        return False
    key = (binding.service, binding.host_ip, binding.host_ports, binding.container_ports, binding.protocol)
    return any(
        (b.service, b.host_ip, b.host_ports, b.container_ports, b.protocol) == key
        and b.verdict is Verdict.LOOPBACK
        for b in bindings
    )


def _still_exposed(findings: list[Finding], bindings: list[Binding], twin: bool = False) -> str:
    """Why the fixed place is not clean, or "" (a merged-away twin may have no binding)."""
    if not bindings and not twin:
        return "no valid entry at that place"
    for f in findings:
        if f.code in EXPOSURE:
            return f"{f.code} ({f.message})"
    if any(b.verdict is not Verdict.LOOPBACK for b in bindings):
        codes = ", ".join(sorted({f.code for f in findings})) or "a non-loopback binding"
        return codes
    return ""


def _data_problem(fix: FileFix) -> str:
    """Why the new text is not the old YAML data plus the fixed entries, or ""."""
    new = parse_text(fix.new_text, fix.path)
    if not new.ok:
        return f"the rewritten file would not parse ({new.problems[0].message}); not written"
    old = parse_text(fix.original_text, fix.path)
    if len(old.documents) != len(new.documents):
        return "the rewritten file would have a different number of YAML documents; not written"
    old_fixed = {(e.entry_start, e.syntax) for e in fix.edits}
    new_fixed = {(map_index(e.entry_start, fix.edits), e.syntax) for e in fix.edits}
    budget = [_DATA_BUDGET]
    try:
        for a, b in zip(old.documents, new.documents, strict=False):
            if plain_data(a, old_fixed, budget) != plain_data(b, new_fixed, budget):
                return "the rewrite would change YAML data besides the fixed entries; not written"
    except _TooBig:
        pass  # an alias-heavy file: parse and re-lint checks still apply
    return ""


class _TooBig(Exception):
    pass


def plain_data(node: yaml.Node, fixed: set[tuple[int, str]], budget: list[int]) -> object:
    """A node tree as plain data (YAML 1.2 typed, merges applied), fixed entries masked."""
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooBig
    kind = "long" if isinstance(node, yaml.MappingNode) else "short"
    if isinstance(node, (yaml.ScalarNode, yaml.MappingNode)) and (node.start_mark.index, kind) in fixed:
        return ("<fixed entry>",)
    if isinstance(node, yaml.ScalarNode):
        value = resolve_scalar(node)
        return (node.tag, value) if node.tag.startswith("!") else value
    if isinstance(node, yaml.SequenceNode):
        return [plain_data(n, fixed, budget) for n in node.value]
    assert isinstance(node, yaml.MappingNode)
    return {
        k: plain_data(e.value, fixed, budget) for k, e in mapping_entries(node).items()
    }
