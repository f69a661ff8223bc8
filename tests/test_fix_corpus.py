"""``fix`` over every real compose file of ../shared/corpus/real, checked as properties.

Hand-written cases cannot anticipate real files' layouts (anchors, flow
lists, CRLF, odd quoting), so the whole corpus is fixed in a temporary copy
(the originals are never touched) and every changed file must:

* parse, with YAML data equal to the original's once the fixed entries are
  masked (trees converted to plain data with the YAML 1.2 rules of
  ``compose/nodes.py``), and the fixed entries must publish the same ports
  on loopback;
* differ from the original only on the fixed entries' lines (an inserted
  ``host_ip:`` line is part of its long-syntax fix);
* lint without the fixed rules at the fixed places;
* need nothing more: a second ``fix`` is a no-op.

The numbers (entries fixed by rule, entries left manual by reason) are
printed and recorded as test properties, so a change in coverage shows up.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from bindguard.compose.nodes import mapping_entries, resolve_scalar
from bindguard.compose.project import ProjectOptions
from bindguard.compose.yaml_reader import parse_text
from bindguard.fix import apply, map_index, plan_fixes, render_diff
from bindguard.lint import LintSettings, lint, load_subjects
from bindguard.model import Verdict
from fixhints import mismatches

# BINDGUARD_CORPUS points elsewhere when the checkout is not beside ../shared (a worktree).
CORPUS = Path(
    os.environ.get("BINDGUARD_CORPUS")
    or Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "real"
)
SETTINGS = LintSettings(project=ProjectOptions(environ={}), jobs=1)


def corpus_files(root: Path) -> list[str]:
    out = []
    for folder, _, names in os.walk(root):
        out.extend(os.path.join(folder, n) for n in names if n.endswith((".yml", ".yaml")))
    return sorted(out)


def bindings_by_place(files: list[str]) -> dict[tuple, list]:
    subjects, _ = load_subjects(files, SETTINGS)
    out: dict[tuple, list] = defaultdict(list)
    for subject in subjects:
        for b in subject.bindings:
            out[(b.location.file, b.location.line, b.location.column)].append(b)
    return out


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    if not CORPUS.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"corpus missing at {CORPUS}")
        pytest.skip(f"corpus not found at {CORPUS}")
    root = tmp_path_factory.mktemp("corpus") / "real"
    shutil.copytree(CORPUS, root)
    for folder, _, names in os.walk(root):
        for name in names:
            os.chmod(os.path.join(folder, name), 0o644)  # the corpus is read-only
    files = corpus_files(root)
    originals = {f: Path(f).read_bytes() for f in files}
    before = bindings_by_place(files)
    report = lint(files, SETTINGS)
    plan = plan_fixes(files, SETTINGS)
    diff = render_diff(plan)
    result = apply(plan)
    return {
        "root": root,
        "files": files,
        "originals": originals,
        "before": before,
        "report": report,
        "plan": plan,
        "diff": diff,
        "result": result,
    }


def test_corpus_is_complete_and_fix_applies(run):
    assert len(run["files"]) == 730
    plan, result = run["plan"], run["result"]
    assert plan.errors == []
    assert result.ok, result.errors[:5]
    assert sorted(result.written) == sorted(f.path for f in plan.changed)
    assert len(plan.changed) > 300 and len(plan.edits) > 1000
    changed = {f.path for f in plan.changed}
    for path in run["files"]:
        if path not in changed:
            assert Path(path).read_bytes() == run["originals"][path], path


def _data(node: yaml.Node, masked: set[tuple[int, type]]) -> object:
    if (node.start_mark.index, type(node)) in masked:
        return "<fixed entry>"
    if isinstance(node, yaml.ScalarNode):
        value = resolve_scalar(node)
        return (node.tag, value) if node.tag.startswith("!") else value
    if isinstance(node, yaml.SequenceNode):
        return [_data(n, masked) for n in node.value]
    return {k: _data(e.value, masked) for k, e in mapping_entries(node).items()}


def _kind(edit) -> type:
    return yaml.MappingNode if edit.syntax == "long" else yaml.ScalarNode


def test_changed_files_parse_and_keep_their_data(run):
    for fix in run["plan"].changed:
        written = Path(fix.real_path).read_bytes()
        assert written == fix.new_bytes()
        new = parse_text(fix.new_text, fix.path)
        assert new.ok, (fix.path, new.problems)
        old = parse_text(fix.original_text, fix.path)
        old_masked = {(e.entry_start, _kind(e)) for e in fix.edits}
        new_masked = {(e.new_entry_start, _kind(e)) for e in fix.edits}
        assert all(map_index(e.entry_start, fix.edits) == e.new_entry_start for e in fix.edits)
        assert len(old.documents) == len(new.documents)
        for a, b in zip(old.documents, new.documents, strict=True):
            assert _data(a, old_masked) == _data(b, new_masked), fix.path


def test_fixed_entries_publish_the_same_ports_on_loopback(run):
    after = bindings_by_place(run["files"])
    for edit in run["plan"].edits:
        if edit.merged_duplicate:
            continue  # Compose merges it away: it has no binding of its own, before or after
        old = run["before"][(edit.file, edit.line, edit.column)]
        new = after[(edit.file, edit.new_line, edit.new_column)]
        assert old and new, edit
        shape = lambda bs: sorted(  # noqa: E731
            (b.service, str(b.host_ports), str(b.container_ports), b.protocol) for b in bs
        )
        assert shape(old) == shape(new), edit
        assert all(b.verdict is Verdict.LOOPBACK for b in new), edit


def _line(text: str, index: int) -> int:
    return text.count("\n", 0, index)


def test_diff_touches_only_fixed_lines(run):
    for fix in run["plan"].changed:
        old, new = fix.original_text, fix.new_text
        fixed_lines: set[int] = set()
        inserted: set[int] = set()
        for e in fix.edits:
            if e.inserted_line:
                at = map_index(e.start, fix.edits) - len(e.new)
                body = at + len(e.new) - len(e.new.lstrip("\r\n"))
                inserted.add(_line(new, body))
                assert re.fullmatch(r"\s*host_ip: \S+\s*", e.new), e
            else:
                fixed_lines.update(range(_line(old, e.start), _line(old, max(e.start, e.end - 1)) + 1))
        old_lines = old.split("\n")
        new_lines = new.split("\n")
        assert all(re.match(r"\s+host_ip: ", new_lines[i]) for i in inserted)
        kept = [line for i, line in enumerate(new_lines) if i not in inserted]
        assert len(kept) == len(old_lines), fix.path
        touched = {i for i, (a, b) in enumerate(zip(old_lines, kept, strict=False)) if a != b}
        assert touched <= fixed_lines, (fix.path, sorted(touched - fixed_lines))
        # The same holds for the unified diff shown to users.
        ops = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False).get_opcodes()
        for tag, i1, i2, _, _ in ops:
            if tag != "equal":
                assert set(range(i1, i2)) <= fixed_lines, fix.path
    assert run["diff"].count("+++ b/") == run["diff"].count("--- a/") == len(run["plan"].changed)


def test_relint_reports_no_fixed_rule_at_fixed_places(run):
    plan = run["plan"]
    report = lint(run["files"], SETTINGS)
    at: dict[tuple, set[str]] = defaultdict(set)
    for f in report.findings:
        if f.code == "BG006" and str(f.severity) == "info":
            continue  # a port variable still unset, the entry on loopback: never fails a run
        at[(f.location.file, f.location.line, f.location.column)].add(f.code)
    for edit in plan.edits:
        left = at[(edit.file, edit.new_line, edit.new_column)] & set(edit.rules)
        assert not left, (edit, left)
    exposed = sum(1 for f in report.findings if f.code in ("BG001", "BG002"))
    assert exposed == sum(1 for m in plan.manual if m.code in ("BG001", "BG002"))


def test_every_hint_is_what_fix_does(run):
    """Issue 13: each finding's hint is the entry as fix writes it, or fix's manual reason."""
    bad, seen = mismatches(run["report"].findings, run["plan"])
    assert not bad, "\n".join(bad[:20])
    assert seen["edit"] > 1000 and seen["manual"] > 50, seen


def test_second_fix_is_a_no_op(run):
    again = plan_fixes(run["files"], SETTINGS)
    assert again.errors == []
    assert again.changed == [] and render_diff(again) == ""


def test_report_numbers(run, record_property):
    plan = run["plan"]
    fixed = dict(sorted(plan.fixed_by_rule().items()))
    manual = dict(sorted(plan.manual_by_reason().items()))
    long_syntax = sum(1 for e in plan.edits if e.syntax == "long")
    record_property("fixed_entries", len(plan.edits))
    record_property("fixed_files", len(plan.changed))
    record_property("fixed_by_rule", fixed)
    record_property("manual_by_reason", manual)
    print(
        f"\nfix corpus: {len(plan.edits)} entries fixed in {len(plan.changed)} files "
        f"({long_syntax} long syntax); by rule {fixed}; "
        f"left manual: {len(plan.manual)}, by reason {manual}"
    )
    assert set(manual) <= {
        "unset-variable",
        "invalid-file",
        "host-network",
        "variable-has-default",
        "port-conflict",
        "invalid-entry",
    }
