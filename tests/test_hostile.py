"""Hostile inputs never crash bindguard, never hang it, and never cost the other files.

Every case ends in findings (usually BG000 or BG007 at a useful line) or in
one clear stderr line with exit 2; never a traceback.  Files are put next to
a known-bad "witness" file whose BG001 must still be reported, so a hostile
file can never silently end the run.  Cases that could kill the interpreter
(libyaml's recursive composer overflows the C stack on ~60,000 nesting
levels) run through the real CLI in a child process.  Limits are documented
in docs/limits.md.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bindguard.compose import yaml_reader as loader
from bindguard.compose.yaml_reader import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, read_file
from bindguard.model import PortRange

from helpers import bindings, findings, work_done, write

WITNESS = 'services:\n  witness:\n    ports: ["5432:5432"]\n'


def witness(root: Path) -> Path:
    return write(root, "witness/compose.yaml", WITNESS)


def codes(found) -> list[tuple[str, int]]:
    return [(f.code, f.location.line) for f in found]


def lint_with_witness(tmp_path: Path, name: str, content: str | bytes):
    """Lint a hostile file and the witness in one run; return the hostile file's findings."""
    path = tmp_path / "hostile" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    good = witness(tmp_path)
    found = findings([tmp_path])
    assert ("BG001", str(good)) in {(f.code, f.location.file) for f in found}, found
    return [f for f in found if f.location.file == str(path)]


def cli(*args: str, cwd: Path | None = None, timeout: float = 120, prefix=(), env=None):
    """The real command line, in a child process; never a traceback on stderr."""
    result = subprocess.run(
        [*prefix, sys.executable, "-m", "bindguard", *args],
        capture_output=True,
        cwd=cwd,
        timeout=timeout,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
    )
    stderr = result.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr, stderr
    assert result.returncode in (0, 1, 2), (result.returncode, stderr)
    return result.returncode, result.stdout.decode("utf-8", "replace"), stderr


def cli_json(*paths, **kw) -> tuple[int, list[dict]]:
    code, out, err = cli("lint", "--no-config", "--format", "json", *map(str, paths), **kw)
    assert code == 1, (code, out, err)
    return code, json.loads(out)["findings"]


# -- alias bombs ------------------------------------------------------------


def laughs(levels: int = 30, width: int = 10, kind: str = "seq") -> str:
    """A billion-laughs ladder of anchors under x-bomb: &l0 ... &l{levels-1}."""
    lines = ["x-bomb:"]
    if kind == "seq":
        lines.append('  l0: &l0 ["80:80"]')
        for i in range(1, levels):
            lines.append(f"  l{i}: &l{i} [" + ", ".join([f"*l{i-1}"] * width) + "]")
    else:  # merge keys: each level merges the one below ten times
        lines.append("  l0: &l0 {ports: ['80:80']}")
        for i in range(1, levels):
            lines.append(f"  l{i}: &l{i} {{<<: [" + ", ".join([f"*l{i-1}"] * width) + "]}")
    return "\n".join(lines) + "\n"


TOP = laughs(levels=30)


@pytest.mark.parametrize(
    "name, text",
    [
        ("unused", TOP + "services:\n  s:\n    image: x\n"),
        ("under-services", laughs(kind="merge") + "services: *l29\n"),
        ("inside-ports", TOP + "services:\n  s:\n    ports: *l29\n"),
        ("a-port-item", TOP + "services:\n  s:\n    ports:\n      - *l29\n"),
        ("long-syntax-value", TOP + "services:\n  s:\n    ports:\n      - {target: 80, x-a: *l29}\n"),
        ("merge-keys", laughs(kind="merge") + "services:\n  s:\n    <<: *l29\n"),
        ("merge-in-service-list", laughs(kind="merge") + "services:\n  s:\n    <<: [*l29, *l29]\n"),
        ("as-a-key", TOP + "services:\n  ? *l29\n  : {ports: ['80']}\n"),
        ("networks", laughs(kind="merge") + "networks: *l29\nservices: {}\n"),
        # Aliases right after a JSON-like ":" or a flow "?" (no blank before the "*").
        ("json-like", TOP + 'services: {"s": {"ports":*l29}}\n'),
        ("flow-key", TOP + "services:\n  s:\n    ports: [?*l29]\n"),
    ],
    ids=lambda v: v if len(v) < 30 else None,
)
def test_alias_bombs_are_refused_fast(tmp_path, name, text):
    found, calls = work_done(lint_with_witness, tmp_path, "compose.yaml", text)
    assert calls < 100_000, calls  # about 2,500 here; expanding the bomb would be 2**29 nodes
    (f,) = found
    why = "key must be a string" if name in ("as-a-key", "flow-key") else "excessive aliasing"
    assert f.code == "BG000" and why in f.message, f
    assert f.location.line >= 1


def test_alias_bomb_in_one_file_of_a_project_keeps_the_other(tmp_path):
    write(tmp_path, "compose.yaml", 'services:\n  a:\n    ports: ["6379:6379"]\n')
    write(tmp_path, "compose.override.yaml", TOP + "services:\n  a:\n    ports: *l29\n")
    found = findings([tmp_path])
    assert {(f.code, Path(f.location.file).name) for f in found} == {
        ("BG000", "compose.override.yaml"),
        ("BG001", "compose.yaml"),
    }


def test_modest_sharing_is_not_a_bomb(tmp_path):
    # 300 services merging one 20-key block: ordinary reuse, well under go-yaml's ratio.
    keys = "".join(f"  k{i}: v\n" for i in range(20))
    services = "".join(f"  s{i}:\n    <<: *base\n    ports: ['127.0.0.1:{i + 1000}:80']\n" for i in range(300))
    path = write(tmp_path, "compose.yaml", "x-base: &base\n" + keys + "services:\n" + services)
    assert findings([path]) == ()
    assert len(bindings([path])) == 300


@pytest.mark.parametrize(
    "text",
    [
        "services:\n  s: &s\n    <<: *s\n    ports: ['80']\n",
        "services:\n  s:\n    ports: &p ['80', *p]\n",
        "services:\n  s:\n    ports:\n      - &p {target: 80, x-a: *p}\n",
        "x: &a\n  b: *a\nservices:\n  s:\n    <<: *a\n",
    ],
)
def test_alias_loops_are_bg000(tmp_path, text):
    (f,) = lint_with_witness(tmp_path, "compose.yaml", text)
    assert f.code == "BG000" and "loop" in f.message


def test_alias_chains_count_towards_the_depth_limit(tmp_path):
    def chain(n: int) -> str:
        lines = ["x-0: &m0 {ports: ['80']}"]
        lines += [f"x-{i}: &m{i} {{<<: *m{i - 1}, k{i}: v}}" for i in range(1, n)]
        return "\n".join(lines) + f"\nservices:\n  s:\n    <<: *m{n - 1}\n"

    ok = write(tmp_path, "ok/compose.yaml", chain(100))  # longer chains expand too much for go-yaml
    (b,) = bindings([ok])
    assert b.container_ports == PortRange(80, 80)
    (f,) = lint_with_witness(tmp_path, "compose.yaml", chain(3 * MAX_DEPTH))
    assert f.code == "BG000" and "through aliases" in f.message


# -- nesting -------------------------------------------------------------------


def flow(levels: int) -> str:
    """A document nested ``levels`` collections deep (the top mapping included)."""
    n = levels - 1
    return "x: " + "[" * n + "]" * n + "\nservices:\n  s:\n    ports: ['80']\n"


def block(levels: int) -> str:
    lines = [" " * (2 * i) + "a:" for i in range(levels - 1)]
    lines.append(" " * (2 * (levels - 1)) + "a: b")
    return "\n".join(lines) + "\nservices:\n  s:\n    ports: ['80']\n"


def compact(levels: int, indicator: str) -> str:
    # "- - - x" (sequences) or "? ? ? x" (mappings as keys): two columns a level.
    return "x:\n  " + indicator * (levels - 1) + "x\nservices:\n  s:\n    ports: ['80']\n"


@pytest.mark.parametrize(
    "make, under_code",
    [
        (flow, "BG001"),
        (block, "BG001"),
        (lambda n: compact(n, "- "), "BG001"),
        # Mappings as keys: read, then refused for that reason (go-yaml: "invalid map key").
        (lambda n: compact(n, "? "), "BG000"),
    ],
    ids=["flow", "block", "dashes", "question-marks"],
)
def test_nesting_just_under_the_limit_is_read_and_just_over_is_refused(tmp_path, make, under_code):
    under = lint_with_witness(tmp_path, "compose.yaml", make(MAX_DEPTH))
    assert [f.code for f in under] == [under_code], under
    assert "deeper than" not in under[0].message
    over = lint_with_witness(tmp_path, "compose.yaml", make(MAX_DEPTH + 1))
    (f,) = over
    assert f.code == "BG000" and f"deeper than {MAX_DEPTH}" in f.message
    assert f.location.line >= 1


def test_brackets_inside_strings_do_not_count_as_nesting(tmp_path):
    deep_default = "${X:-" * 600 + "80" + "}" * 600
    found = lint_with_witness(tmp_path, "compose.yaml", f"services:\n  s:\n    ports: ['{deep_default}']\n")
    assert [f.code for f in found] in (["BG007"], ["BG001"])  # never a nesting refusal


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        "- " * 100_000 + "x\n",
        "? " * 100_000 + "x\n",
        "- ? " * 60_000 + "x\n",
        "{a: " * 100_000 + "b" + "}" * 100_000,
    ],
    ids=["brackets", "dashes", "question-marks", "mixed", "flow-mappings"],
)
def test_nesting_that_would_crash_libyaml_is_refused_in_a_child_process(tmp_path, text):
    # libyaml's composer recurses per level and segfaults near 60,000 levels;
    # these inputs must be refused before it runs (a segfault has no traceback
    # to find, so the exit code is what is checked).
    write(tmp_path, "deep/compose.yaml", text)
    witness(tmp_path)
    code, data = cli_json(tmp_path, timeout=60)
    got = {(Path(f["file"]).parent.name, f["rule"]) for f in data}
    assert got == {("deep", "BG000"), ("witness", "BG001")}


# -- size ----------------------------------------------------------------------


def _measured_cli(*args: str, timeout: float = 120) -> tuple[int, dict, int, int, int]:
    """Run the CLI in a child: (exit code, JSON report, calls, YAML nodes built, peak RSS in MiB).

    Calls (Python and C, counted by a profile hook) and nodes built stand in
    for time: they do not depend on the machine, and building the nodes of a
    huge file, or any per-character Python loop over it, would take millions.
    """
    code = (
        "import resource, sys, atexit\n"
        "calls = nodes = 0\n"
        "def count(frame, event, arg):\n"
        "    global calls, nodes\n"
        "    if event in ('call', 'c_call'):\n"
        "        calls += 1\n"
        "    if event == 'call' and frame.f_code.co_name == '__init__'"
        " and frame.f_code.co_filename.endswith('nodes.py') and 'yaml' in frame.f_code.co_filename:\n"
        "        nodes += 1\n"
        "atexit.register(lambda: sys.stderr.write('MAXRSS %d CALLS %d NODES %d\\n' % "
        "(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, calls, nodes)))\n"
        f"sys.argv = ['bindguard', *{list(args)!r}]\n"
        "from bindguard.entry import main\n"
        "sys.setprofile(count)\n"
        "main()\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
    assert "Traceback" not in result.stderr, result.stderr
    rss_kib, calls, nodes = result.stderr.rsplit("MAXRSS ", 1)[1].split()[0::2]
    return result.returncode, json.loads(result.stdout), int(calls), int(nodes), int(rss_kib) // 1024


def test_a_50_mb_compose_file_is_refused_within_bounds(tmp_path):
    # ~430,000 services: far past MAX_NODES, so it is refused after a
    # streaming count, before any node is built.
    chunk = ("  s{0}:\n    image: nginx\n    environment:\n      A: '1'\n"
             "    ports:\n      - '127.0.0.1:{1}:80'\n      - '{1}:81'\n")
    per = len(chunk.format(100000, 10000))
    count = 50_000_000 // per
    path = tmp_path / "big" / "compose.yaml"
    path.parent.mkdir()
    with open(path, "w") as fh:
        fh.write("services:\n")
        for i in range(0, count, 10_000):
            fh.write("".join(chunk.format(j, j % 60_000 + 1) for j in range(i, min(count, i + 10_000))))
    assert path.stat().st_size > 45_000_000
    witness(tmp_path)
    code, report, calls, nodes, rss = _measured_cli("lint", "--no-config", "--format", "json", str(tmp_path))
    assert code == 1
    got = {(Path(f["file"]).parent.name, f["rule"]) for f in report["findings"]}
    assert got == {("big", "BG000"), ("witness", "BG001")}
    big = next(f for f in report["findings"] if f["rule"] == "BG000")
    assert f"more than {MAX_NODES:,} YAML nodes" in big["message"]
    assert nodes < 100, nodes  # the witness's: none of the big file's
    # The event scan stops at MAX_NODES (about 2.5 calls an event); the whole
    # file is over four times that.
    assert calls < 5 * MAX_NODES, calls
    assert rss < 600, rss  # MiB; about 170 (the file's text is held once)


def test_a_50_mb_comment_is_read_within_bounds(tmp_path):
    path = tmp_path / "c" / "compose.yaml"
    path.parent.mkdir()
    path.write_text("# " + "x" * 50_000_000 + "\n")
    witness(tmp_path)
    code, report, calls, nodes, rss = _measured_cli("lint", "--no-config", "--format", "json", str(tmp_path))
    assert code == 1 and report["summary"]["sources"] == 2
    # a file that is only a comment is "empty compose file" to Compose (issue 25): BG000
    assert [f["rule"] for f in report["findings"]] == ["BG000", "BG001"]
    assert report["findings"][0]["message"].startswith("empty compose file")
    # About 45,000 calls here (most of them lazy imports); a loop over the
    # comment's characters would be 50 million.
    assert calls < 500_000 and rss < 600, (calls, rss)


def test_a_file_above_the_size_limit_is_refused_unread(tmp_path, monkeypatch):
    path = tmp_path / "huge" / "compose.yaml"
    path.parent.mkdir()
    with open(path, "wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)  # sparse: costs no disk
    good = witness(tmp_path)
    read = []
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: read.append(real_read(fd, n)) or read[-1])
    found = findings([tmp_path])
    assert sum(map(len, read)) < 4096  # the witness only: the huge file was never read
    assert {(f.code, f.location.file, f.location.line) for f in found} == {
        ("BG000", str(path), 0),
        ("BG001", str(good), 3),
    }
    assert "larger than 64 MiB" in next(f.message for f in found if f.code == "BG000")


def test_node_limit_is_exact_and_checked_by_streaming(tmp_path):
    text = "x: [" + ", ".join(["1"] * (MAX_NODES + 10)) + "]\n"
    (f,) = lint_with_witness(tmp_path, "compose.yaml", text)
    assert f.code == "BG000" and "YAML nodes" in f.message and f.location.line == 1


# -- encodings and odd bytes -------------------------------------------------

SERVICE = "services:\n  s:\n    ports:\n      - '80:80'\n"


@pytest.mark.parametrize(
    "data, code, line",
    [
        (SERVICE.encode("utf-16-le").join([b"\xff\xfe", b""]), "BG001", 4),
        (b"\xfe\xff" + SERVICE.encode("utf-16-be"), "BG001", 4),
        (b"\xef\xbb\xbf" + SERVICE.encode(), "BG001", 4),
        (SERVICE.encode("utf-32"), "BG000", 1),
        (b"\xff\xfe\x00\xd8", "BG000", 1),  # UTF-16 BOM, then half a surrogate pair
        (os.urandom(2048) + b"\x00", "BG000", 1),
        (b"services:\n  s:\n    ports: ['80\xff:80']\n", "BG000", 3),
        (b"services:\n  s:\n    ports: ['80\x07:80']\n", "BG000", 3),
        (b"\x00\x00\x00", "BG000", 1),
    ],
    ids=["utf16-le", "utf16-be", "utf8-bom", "utf32", "bad-utf16", "binary", "bad-utf8", "control-char", "nul"],
)
def test_encodings(tmp_path, data, code, line):
    (f,) = lint_with_witness(tmp_path, "compose.yaml", data)
    assert (f.code, f.location.line) == (code, line), f
    assert "\n" not in f.message


def test_control_character_is_pointed_at(tmp_path):
    (f,) = lint_with_witness(tmp_path, "compose.yaml", "services:\n  s:\n    ports: ['é\x07']\n")
    assert (f.location.line, f.location.column) == (3, 15)
    assert f.message == "invalid YAML: control characters are not allowed (#x0007)"


# -- odd but well-formed YAML ---------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        # Compose refuses a file that holds nothing: "empty compose file" (issue 25)
        ("", [("BG000", 1)]),
        ("# only a comment\n", [("BG000", 1)]),
        ("\n\n\n", [("BG000", 1)]),
        ("---\n...\n", [("BG000", 2)]),  # one empty document
        ("- a\n- b\n", [("BG000", 1)]),
        ("just a string\n", [("BG000", 1)]),
        ("42\n", [("BG000", 1)]),
        ("services:\n  - web\n", [("BG000", 2)]),
        ("services: nginx\n", [("BG000", 1)]),
        ("services:\n  web: nginx\n", [("BG000", 2)]),
        ("services:\n  web: [a]\n", [("BG000", 2)]),
        ("services:\n  web:\n    ports: {a: 80}\n", [("BG007", 3)]),
        ("services:\n  web:\n    ports: '80:80'\n", [("BG007", 3)]),
        ("services:\n  web:\n    ports: 80\n", [("BG007", 3)]),
        ("services:\n  web:\n    ports: ~\n", [("BG007", 3)]),  # Compose: "ports must be a array"
        ("services:\n  web:\n    ports: []\n", []),
        ("services:\n  web:\n    ports:\n      - [80]\n", [("BG007", 4)]),
        ("services:\n  web:\n    ports:\n      - ~\n", [("BG007", 4)]),
        ("services:\n  ? [a, b]\n  : {ports: ['80']}\n", [("BG000", 2)]),
        ("services:\n  ? {a: 1}\n  : {ports: ['80']}\n", [("BG000", 2)]),
        ("services:\n  s:\n    ports: [0, [0:0:1::1]:0:0]\n", [("BG000", 3)]),  # [0:0:1::1] is a key
        ("services:\n  s:\n    ports: [{[a]}]\n", [("BG000", 3)]),
        ("services:\n  s:\n    ports: ['[::1]:80:80', \"[::1]::81\"]\n", []),
        ("networks:\n  n: {external: [x]}\nservices:\n  s: {networks: [n], ports: ['1:1']}\n", [("BG001", 4)]),
        ("services:\n  s:\n    <<: 5\n    ports: ['127.0.0.1:1:1']\n", []),
        ("services:\n  s:\n    extends: [a]\n    ports: ['127.0.0.1:1:1']\n", []),
        ("include: [[a], 5]\nservices: {}\n", [("BG000", 1), ("BG000", 1)]),
        ("name: [x]\nservices:\n  s: {ports: ['127.0.0.1:1:1']}\n", []),
    ],
)
def test_odd_structures(tmp_path, text, expected):
    found = lint_with_witness(tmp_path, "compose.yaml", text)
    assert sorted(codes(found)) == sorted(expected), found


def test_a_stream_of_documents(tmp_path):
    text = (
        "services:\n  a:\n    ports: ['80']\n"
        "---\nservices:\n  b:\n    ports: ['127.0.0.1:81:81']\n"
        "---\n- not a mapping\n"
        "---\n"
    )
    found = lint_with_witness(tmp_path, "compose.yaml", text)
    # The empty document after the last "---" is reported too (at the end of the file).
    assert codes(found) == [("BG001", 3), ("BG000", 9), ("BG000", 11)]


@pytest.mark.parametrize(
    "text, line",
    [
        ("services:\n  s:\n    ports: ['80']\n    ports: ['127.0.0.1:81:81']\n", 4),
        ("services:\n  s:\n    image: a\n  s:\n    image: b\n", 4),
        ("services: {}\nservices: {}\n", 2),
    ],
)
def test_duplicate_keys_are_reported_where_they_repeat(tmp_path, text, line):
    (f,) = lint_with_witness(tmp_path, "compose.yaml", text)
    assert (f.code, f.location.line) == ("BG000", line)
    assert "duplicate key" in f.message


def test_unknown_tags(tmp_path):
    text = (
        "services:\n  s: !foo\n    ports: !bar\n"
        "      - !baz '127.0.0.1:80:80'\n      - !!binary aGVsbG8=\n      - !custom {target: 80}\n"
    )
    found = lint_with_witness(tmp_path, "compose.yaml", text)
    assert codes(found) == [("BG007", 5), ("BG001", 6)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("services:\n  {{ .Name }}-web:\n    image: x\n", [("BG000", 2)]),
        ("services:\n  web:\n    ports:\n      - \"{{ .Port }}:80\"\n", [("BG007", 4)]),
        ("services:\n  web:\n    ports:\n      - {{ .Port }}\n", [("BG000", 4)]),  # a mapping as a key
        ("{{- range .Services }}\n{{ .Name }}:\n{{- end }}\n", [("BG000", 1)]),
    ],
)
def test_go_templates(tmp_path, text, expected):
    found = lint_with_witness(tmp_path, "compose.yaml", text)
    assert codes(found) == expected
    if expected[0][0] == "BG000":
        assert "Go template" in found[0].message


# -- numbers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "item, reason",
    [
        ("0", "container port 0"),
        ("65536", "above 65535"),
        ("-1", "not a port number"),
        ("1e3", "not a whole port number"),
        ('"65536:80"', "above 65535"),
        ('"-1:80"', "not a port number"),
        ('"1e3:80"', "not a port number"),
        ("{target: 0}", "target 0"),
        ("{target: -1}", "out of range"),
        ("{target: 65536}", "out of range"),
        ("{target: 1e3}", None),  # Compose takes an integral float as the int: 1000
        ("{target: 80, published: -1}", "out of range"),
        ("99999999999999999999999", "not a whole port number"),  # beyond 64 bits: a float, as in go-yaml
        ("18446744073709551615", "above 65535"),  # the largest uint64 is still an integer
        ('"99999999999999999999999:80"', "above 65535"),
        ("{target: 99999999999999999999999}", "out of range"),  # a float for go-yaml, integral
        ("9" * 5000, "above 65535"),  # beyond a float too: the string of digits
        ("0x" + "f" * 5000, "not a port number"),
        ('"' + "9" * 1_000_000 + '"', "above 65535"),
        ('"0000000000000000000000080:80"', None),  # leading zeros: just 80
    ],
    ids=lambda v: v if not isinstance(v, str) or len(v) < 40 else f"{v[:12]}...({len(v)} chars)",
)
def test_port_numbers_out_of_range(tmp_path, item, reason):
    found = lint_with_witness(tmp_path, "compose.yaml", f"services:\n  s:\n    ports:\n      - {item}\n")
    if reason is None:
        assert codes(found) == [("BG001", 4)]
        return
    (f,) = found
    assert (f.code, f.location.line) == ("BG007", 4)
    assert reason in f.message


@pytest.mark.parametrize(
    "item",
    [
        '{target: "' + "9" * 5000 + '"}',
        "{target: " + "9" * 5000 + "}",
        "{target: '\u00b2'}",
        "{target: 80, published: '\u00b2'}",
    ],
    ids=["quoted-5000-digits", "plain-5000-digits", "superscript-two", "published-superscript"],
)
def test_long_syntax_digit_strings_do_not_crash(tmp_path, item):
    found = lint_with_witness(tmp_path, "compose.yaml", f"services:\n  s:\n    ports:\n      - {item}\n")
    assert [f.code for f in found] == ["BG007"]


def test_absurd_ranges_stay_fast(tmp_path):
    text = "services:\n  s:\n    ports:\n      - '1-65535:1-65535'\n      - '1-65535:80'\n      - '0-65535:0-65535'\n"
    found, calls = work_done(lint_with_witness, tmp_path, "compose.yaml", text)
    # About 1,300 here; indexing the ranges port by port would be several per port (> 300,000).
    assert calls < 50_000, calls
    assert codes(found) == [("BG001", 4), ("BG001", 5), ("BG007", 6)]


# -- the filesystem -------------------------------------------------------------


@pytest.fixture(scope="module")
def unprivileged(tmp_path_factory) -> list[str]:
    """A command prefix under which file permissions apply to this process's user.

    Tests run as root in CI, and root reads a mode-000 file anyway.  Dropping
    the two capabilities that bypass permission checks (with util-linux's
    setpriv) makes root's own files unreadable to it, while the interpreter
    and site-packages (under /root, mode 700) stay reachable: root still owns
    them.  Non-root users need no prefix.
    """
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot make a file unreadable")
    prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search",
              "--inh-caps=-dac_override,-dac_read_search"]
    probe = tmp_path_factory.mktemp("probe") / "secret"
    probe.write_text("x")
    probe.chmod(0)
    check = subprocess.run([*prefix, sys.executable, "-c", "import sys; open(sys.argv[1])", str(probe)],
                           capture_output=True, text=True)
    if check.returncode == 0 or "PermissionError" not in check.stderr:
        pytest.skip(f"cannot drop root's file capabilities here: {check.stderr.strip()[-200:]}")
    return prefix


def test_unreadable_file_and_folder(tmp_path, unprivileged):
    secret = write(tmp_path, "file/compose.yaml", WITNESS)
    secret.chmod(0)
    write(tmp_path, "folder/inner/compose.yaml", WITNESS)
    (tmp_path / "folder" / "inner").chmod(0)
    write(tmp_path, "nox/inner/compose.yaml", WITNESS)
    (tmp_path / "nox" / "inner").chmod(0o644)  # listable name, but cannot be entered
    witness(tmp_path)
    try:
        code, data = cli_json(tmp_path, prefix=unprivileged)
    finally:
        for d in ("folder/inner", "nox/inner"):
            (tmp_path / d).chmod(0o755)
    got = {(f["file"].replace(str(tmp_path) + "/", ""), f["rule"], f["message"]) for f in data}
    assert got == {
        ("file/compose.yaml", "BG000", "cannot read: Permission denied"),
        ("folder/inner", "BG000", "cannot read folder: Permission denied"),
        ("nox/inner/compose.yaml", "BG000", "cannot read: Permission denied"),
        ("witness/compose.yaml", "BG001", next(f["message"] for f in data if f["rule"] == "BG001")),
    }


def test_unreadable_explicit_file_is_a_finding_not_a_stop(tmp_path, unprivileged):
    secret = write(tmp_path, "compose.yaml", WITNESS)
    secret.chmod(0)
    good = witness(tmp_path)
    code, data = cli_json(secret, good, prefix=unprivileged)
    assert {(f["rule"], f["line"]) for f in data} == {("BG000", None), ("BG001", 3)}


def test_symlink_loops(tmp_path):
    loop = tmp_path / "loop"
    (loop / "a").mkdir(parents=True)
    os.symlink("..", loop / "a" / "up")  # a folder loop: never followed
    os.symlink("compose.yaml", loop / "compose.yaml")  # a file that points at itself
    os.symlink("docker-compose.yml", loop / "a" / "docker-compose.yml")
    os.symlink("/nonexistent/compose.yaml", loop / "a" / "compose.override.yaml")
    witness(tmp_path)
    code, data = cli_json(tmp_path, timeout=30)
    got = {(f["file"].replace(str(tmp_path) + "/", ""), f["rule"], f["message"]) for f in data if f["rule"] == "BG000"}
    assert got == {
        ("loop/compose.yaml", "BG000", "cannot read: Too many levels of symbolic links"),
        ("loop/a/docker-compose.yml", "BG000", "cannot read: Too many levels of symbolic links"),
        ("loop/a/compose.override.yaml", "BG000", "cannot read: No such file or directory"),
    }
    assert any(f["rule"] == "BG001" for f in data)


def test_fifos_and_devices_never_block(tmp_path):
    os.mkfifo(tmp_path / "compose.yaml")
    (tmp_path / "sub").mkdir()
    os.mkfifo(tmp_path / "sub" / "docker-compose.yml")
    os.mkfifo(tmp_path / "explicit.yaml")
    good = witness(tmp_path)
    code, data = cli_json(tmp_path, tmp_path / "explicit.yaml", "/dev/zero", "/dev/null", good, timeout=30)
    skipped = {f["file"] for f in data if f["message"] == "not a regular file; skipped"}
    assert skipped == {
        str(tmp_path / "compose.yaml"),
        str(tmp_path / "sub" / "docker-compose.yml"),
        str(tmp_path / "explicit.yaml"),
        "/dev/zero",
        "/dev/null",
    }
    assert any(f["rule"] == "BG001" and f["file"] == str(good) for f in data)


def test_a_file_swapped_for_a_fifo_after_the_check_does_not_block(tmp_path, monkeypatch):
    fifo = tmp_path / "compose.yaml"
    os.mkfifo(fifo)
    regular = os.stat(__file__)
    monkeypatch.setattr(loader.os, "stat", lambda path: regular)  # the check saw a file
    result = []
    reader = threading.Thread(target=lambda: result.append(read_file(str(fifo))), daemon=True)
    reader.start()
    reader.join(10)
    if reader.is_alive():  # unblock the thread before failing
        with open(fifo, "w"):
            pass
        pytest.fail("read_file blocked on a FIFO")
    (problem,) = result[0].problems
    assert problem.message == "not a regular file; skipped"


def _nested(root: Path, depth: int) -> Path:
    """root/d/d/.../d (``depth`` folders) without recursion or PATH_MAX limits."""
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=fd)
            inner = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        out = os.open("compose.yaml", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(out, WITNESS.encode())
        os.close(out)
    finally:
        os.close(fd)
    return root


def _remove_nested(root: Path, depth: int) -> None:
    """Undo _nested from the bottom up (shutil.rmtree recurses per level)."""
    fds = [os.open(root, os.O_RDONLY)]
    for _ in range(depth):
        fds.append(os.open("d", os.O_RDONLY, dir_fd=fds[-1]))
    os.unlink("compose.yaml", dir_fd=fds[-1])
    for i in range(depth, 0, -1):
        os.close(fds[i])
        os.rmdir("d", dir_fd=fds[i - 1])
    os.close(fds[0])


def test_a_tree_200_folders_deep_is_walked(tmp_path):
    root = tmp_path / "deep"
    root.mkdir()
    _nested(root, 200)
    witness(tmp_path)
    code, data = cli_json(tmp_path)
    assert sum(1 for f in data if f["rule"] == "BG001") == 2


def test_a_tree_deeper_than_path_max_is_a_finding(tmp_path):
    # 2,500 levels: past Python 3.11's recursive os.walk and past PATH_MAX.
    root = tmp_path / "deeper"
    root.mkdir()
    _nested(root, 2500)
    good = witness(tmp_path)
    try:
        code, data = cli_json(tmp_path)
    finally:
        _remove_nested(root, 2500)
    too_long = [f for f in data if f["rule"] == "BG000"]
    assert too_long and all("File name too long" in f["message"] for f in too_long)
    assert any(f["rule"] == "BG001" and f["file"] == str(good) for f in data)


NAMES = [b"\xff\xfe-compose.yaml", b"compose-\xe9.yaml", b"\xff/compose.yaml", b"\xc3\xa9t\xc3\xa9/compose.yaml"]


def _bytes_names(root: Path) -> None:
    base = os.fsencode(root)
    for name in NAMES:
        path = os.path.join(base, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as fh:
            fh.write(WITNESS)


@pytest.mark.parametrize("fmt", ["text", "json", "github", "junit"])
def test_non_utf8_file_names(tmp_path, fmt):
    _bytes_names(tmp_path)
    code, out, err = cli("lint", "--no-config", "--format", fmt, str(tmp_path))
    assert code == 1, err
    if fmt == "json":
        files = {f["file"] for f in json.loads(out)["findings"]}
        assert len(files) == len(NAMES)
    else:
        assert out.count("5432") >= len(NAMES)


@pytest.mark.parametrize("fmt", ["sarif", "gitlab"])
def test_non_utf8_file_names_in_fingerprinted_formats(tmp_path, fmt):
    _bytes_names(tmp_path)
    code, out, err = cli("lint", "--no-config", "--format", fmt, str(tmp_path))
    assert code == 1, err


def test_ports_command_with_hostile_files(tmp_path):
    write(tmp_path, "a/compose.yaml", TOP + "services:\n  s:\n    ports: *l29\n")
    write(tmp_path, "b/compose.yaml", "[" * 100_000)
    os.mkfifo(tmp_path / "compose.yaml")
    _bytes_names(tmp_path / "names")
    witness(tmp_path)
    code, out, err = cli("ports", "--no-config", "--format", "json", str(tmp_path), timeout=30)
    assert code == 0, err
    rows = json.loads(out)["bindings"]
    assert sum(1 for r in rows if r["host_port"] == "5432") == len(NAMES) + 1


# -- run-stopping inputs: one line on stderr, exit 2 -----------------------------


@pytest.mark.parametrize(
    "args, needle",
    [
        (["lint", "{tmp}/missing"], "no such file or directory"),
        (["lint", "-f", "/dev/zero"], "compose file not found"),
        (["lint", "-f", "{tmp}/fifo"], "compose file not found"),
        (["lint", "--env-file", "/dev/zero", "{tmp}"], "env file not found or not readable"),
        (["lint", "--env-file", "{tmp}/fifo", "{tmp}"], "env file not found or not readable"),
        (["lint", "--env-file", "{tmp}", "{tmp}"], "env file not found or not readable"),
    ],
)
def test_run_stopping_inputs_are_one_line_exit_2(tmp_path, args, needle):
    os.mkfifo(tmp_path / "fifo")
    code, out, err = cli(*(a.replace("{tmp}", str(tmp_path)) for a in args), cwd=tmp_path, timeout=30)
    assert code == 2, (out, err)
    assert err.count("\n") == 1 and err.startswith("bindguard: ") and needle in err, err


@pytest.mark.parametrize("option", ["--baseline", "--config"])
def test_baseline_or_config_that_is_a_fifo_does_not_block(tmp_path, option):
    os.mkfifo(tmp_path / "fifo")
    witness(tmp_path)
    try:
        code, out, err = cli("lint", option, str(tmp_path / "fifo"), str(tmp_path), timeout=3)
    except subprocess.TimeoutExpired:
        pytest.fail("blocked on a FIFO")
    assert code == 2 and err.count("\n") == 1


def test_engine_socket_permission_denied_is_one_line_exit_2(tmp_path, unprivileged):
    path = tmp_path / "docker.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)
    try:
        path.chmod(0)
        code, out, err = cli("audit", "--no-config", "--host", f"unix://{path}", "--timeout", "3",
                             prefix=unprivileged, timeout=60, env={"DOCKER_CONFIG": str(tmp_path)})
    finally:
        server.close()
    assert code == 2, (out, err)
    assert err.count("\n") == 1 and "ermission denied" in err, err


def test_hostile_corpus_in_one_cli_run(tmp_path):
    """Everything above at once: one run, exit 1, the witness reported, no traceback."""
    cases = {
        "bomb": TOP + "services:\n  s:\n    ports: *l29\n",
        "merge-bomb": laughs(kind="merge") + "services:\n  s:\n    <<: *l29\n",
        "loop": "services:\n  s: &s\n    <<: *s\n",
        "deep": "? " * 100_000,
        "template": "services:\n  {{ .Name }}:\n    image: x\n",
        "list": "- a\n",
        "dup": "services:\n  s: {}\n  s: {}\n",
        "numbers": "services:\n  s:\n    ports: [0, 65536, -1, 1e3, " + "9" * 5000 + "]\n",
        "tags": "services:\n  s: !foo {ports: [!bar 80]}\n",
    }
    for name, text in cases.items():
        write(tmp_path, f"{name}/compose.yaml", text)
    (tmp_path / "binary").mkdir()
    (tmp_path / "binary" / "compose.yaml").write_bytes(os.urandom(4096) + b"\x00")
    (tmp_path / "utf16").mkdir()
    (tmp_path / "utf16" / "compose.yaml").write_bytes("services:\n  s:\n    ports: ['1:1']\n".encode("utf-16"))
    os.mkfifo(tmp_path / "compose.yaml")
    witness(tmp_path)
    code, out, err = cli("lint", "--no-config", str(tmp_path), timeout=60)
    assert code == 1
    for name in [*cases, "binary", "utf16", "witness"]:
        assert f"{name}/compose.yaml" in out, name
    assert err == ""


# -- extends and include ---------------------------------------------------------


def test_extends_chains_and_loops_end(tmp_path):
    chain = "".join(f"  s{i}:\n    extends: s{i + 1}\n" for i in range(60)) + "  s60:\n    ports: ['80']\n"
    loop = "  a:\n    extends: b\n  b:\n    extends: {service: a}\n    ports: ['81']\n"
    found = lint_with_witness(tmp_path, "compose.yaml", "services:\n" + chain + loop)
    assert {f.code for f in found} == {"BG000", "BG001"}
    problems = {f.message for f in found if f.code == "BG000"}
    assert any("extends loop at service 'a'" in m or "extends loop at service 'b'" in m for m in problems)
    assert any("extends chain longer than 32 services" in m for m in problems)
    assert all("loop" in m or "chain longer" in m for m in problems)


def test_include_nesting_and_loops_end(tmp_path):
    for i in range(30):
        write(tmp_path, f"inc/f{i}.yaml", f"include: [f{i + 1}.yaml]\nservices:\n  s{i}:\n    ports: ['127.0.0.1:{i + 1}:80']\n")
    write(tmp_path, "inc/f30.yaml", "services: {}\n")
    write(tmp_path, "loop/compose.yaml", "include: [compose.yaml]\nservices: {}\n")
    found = findings([tmp_path / "inc" / "f0.yaml", tmp_path / "loop" / "compose.yaml"])
    assert {(Path(f.location.file).name, f.message) for f in found} == {
        ("f16.yaml", "include nested too deeply"),  # the 17th file is not read
        ("compose.yaml", "include nested too deeply"),
    }


# -- the node readers on their own (nodes from any loader) ---------------------------


def test_merge_keys_are_linear_even_without_the_loader_checks():
    import yaml

    from bindguard.compose.nodes import mapping_entries, plain_value

    doc = yaml.compose(laughs(levels=40, kind="merge") + "s:\n  <<: *l39\n  own: 1\n", Loader=yaml.CSafeLoader)
    service = doc.value[-1][1]
    entries, calls = work_done(lambda: sorted(mapping_entries(service)))
    assert entries == ["own", "ports"]
    assert calls < 20_000, calls  # 40 merge levels of two aliases each: 2**40 if expanded
    with pytest.raises(ValueError, match="aliases are expanded"):
        plain_value(yaml.compose(TOP + "x: *l29\n", Loader=yaml.CSafeLoader))


def test_merge_and_alias_loops_terminate_without_the_loader_checks():
    import yaml

    from bindguard.compose.nodes import mapping_entries

    looped = yaml.compose("a: &a\n  <<: *a\n  k: v\n", Loader=yaml.CSafeLoader)
    inner = looped.value[0][1]
    assert list(mapping_entries(inner)) == ["k"]


@pytest.mark.parametrize("value", ["''", '"${UNSET}"'])
def test_empty_host_binding_ipv4_is_not_a_silent_pass(tmp_path, value):
    text = (
        "networks:\n  front:\n    driver_opts:\n"
        f"      com.docker.network.bridge.host_binding_ipv4: {value}\n"
        "services:\n  s:\n    networks: [front]\n    ports: ['8080:80']\n"
    )
    found = lint_with_witness(tmp_path, "compose.yaml", text)
    assert {f.code for f in found} & {"BG001", "BG007"}


def test_many_whole_range_entries_stay_linear(tmp_path):
    # 200 services each publishing every port: compared as intervals, not 65,535 slots each.
    text = "services:\n" + "".join(f"  s{i}:\n    ports: ['1-65535:1-65535']\n" for i in range(200))
    found = lint_with_witness(tmp_path, "compose.yaml", text)
    assert sum(1 for f in found if f.code == "BG005") == 199


@pytest.mark.parametrize("command", ["lint", "ports"])
@pytest.mark.parametrize("force_color", [False, True])
def test_control_characters_in_names_do_not_reach_the_terminal(tmp_path, command, force_color):
    # ESC, a newline, a C1 CSI (U+009B) and rich markup, in a service name.
    write(tmp_path, "compose.yaml", 'services:\n  "a\\e[31mb\\nc\\x9b2J[bold]d":\n    ports: ["82"]\n')
    env = {"NO_COLOR": "", "FORCE_COLOR": "1"} if force_color else {"NO_COLOR": "1"}
    code, out, err = cli(command, "--no-config", str(tmp_path), env=env)
    assert code == (1 if command == "lint" else 0), err
    assert "a\\x1b[31mb\\x0ac\\x9b2J[bold]d" in out
    assert "\x9b" not in out and "\x1b[31mb" not in out
    assert "\nc\\x9b" not in out and "\nc\x9b" not in out  # the name's newline made no line
    if force_color:
        assert "\x1b[" in out  # colour is on, and still only ours


@pytest.mark.parametrize("size", [0, 1, 4095, 65536, 65537, 300_000])
def test_sized_read_returns_every_byte(tmp_path, size):
    from bindguard.bounded_read import read_small_file

    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    (tmp_path / "f").write_bytes(data)
    assert read_small_file(str(tmp_path / "f"), limit=size or 1) == data


def test_sized_read_refuses_one_byte_over_and_non_regular_files(tmp_path):
    import errno

    from bindguard.bounded_read import read_small_file

    (tmp_path / "f").write_bytes(b"x" * 101)
    with pytest.raises(OSError) as over:
        read_small_file(str(tmp_path / "f"), limit=100)
    assert over.value.errno == errno.EFBIG
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(OSError) as fifo:
        read_small_file(str(tmp_path / "fifo"))
    assert fifo.value.errno == errno.EINVAL


def test_sized_read_sees_a_file_that_grows_past_the_limit(tmp_path, monkeypatch):
    """fstat said small, the reads find more: still refused, never read past the limit."""
    import errno

    from bindguard import bounded_read

    path = tmp_path / "f"
    path.write_bytes(b"x" * 10)
    real_fstat = os.fstat

    def stale_fstat(fd):
        st = real_fstat(fd)
        path.write_bytes(b"x" * 500)  # grows after the size was taken
        return st

    monkeypatch.setattr(bounded_read.os, "fstat", stale_fstat)
    with pytest.raises(OSError) as exc:
        bounded_read.read_small_file(str(path), limit=100)
    assert exc.value.errno == errno.EFBIG


@pytest.mark.parametrize(
    "item",
    [
        '"' + "9" * 1_000_000 + '"',
        '"' + "x" * 1_000_000 + ':80"',
        '"${' + "A" * 1_000_000 + '"',
        '"${A:?' + "m" * 1_000_000 + '}:80:80"',
        "{target: 80, host_ip: '" + "1" * 1_000_000 + "'}",
    ],
    ids=["digits", "host", "bad-interpolation", "required-message", "long-host-ip"],
)
def test_a_megabyte_entry_makes_a_short_message(tmp_path, item):
    (f,) = lint_with_witness(tmp_path, "compose.yaml", f"services:\n  s:\n    ports:\n      - {item}\n")
    assert f.code in ("BG006", "BG007") and f.location.line == 4
    assert len(f.message) < 1000, f.message[:300]


# -- no output shows bytes of a file the user did not ask to check (issue 25) ----------

FORMATS = ("full", "concise", "json", "sarif", "junit", "gitlab", "github")
CANARY = "canary-7f3a9c"  # what a hostile repository tries to read out of the runner


def _every_format(tmp_path: Path, target: Path, env: dict[str, str] | None = None) -> str:
    """stdout and stderr of ``lint`` in every format, one after another."""
    out = []
    for fmt in FORMATS:
        where = str(target.relative_to(tmp_path))
        _, stdout, stderr = cli("lint", "--no-config", "--output-format", fmt, where, cwd=tmp_path, env=env)
        out.append(stdout + stderr)
    return "\n".join(out)


@pytest.mark.skipif(not os.path.exists("/proc/self/environ"), reason="needs /proc")
def test_a_compose_file_linked_to_the_process_environment_is_never_quoted(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "docker-compose.yml").symlink_to("/proc/self/environ")
    text = _every_format(tmp_path, repo, env={"DEPLOY_TOKEN": CANARY})
    assert CANARY not in text
    assert "BG000" in text and "binary file" in text
    # named, with why it was read
    assert "docker-compose.yml: read although outside the checked paths (a symlink to /proc/" in text


def test_files_outside_the_checked_paths_are_named_never_quoted(tmp_path):
    outside = tmp_path / "outside"
    write(outside, "secret.yaml", f'services:\n  web:\n    ports: ["0.0.0.0:80:80"]  # {CANARY}\n')
    write(outside, "config.json", '{"auths": {"r.example": {"auth": "' + CANARY + '"}}}\n')
    write(outside, "base.yaml", f"services:\n  base:\n    ports: ['0.0.0.0:81:81']  # {CANARY}\n")
    repo = tmp_path / "repo"
    write(
        repo,
        "compose.yaml",
        f"include:\n  - {outside / 'secret.yaml'}\n  - ../outside/config.json\n"
        f"services:\n  app:\n    extends: {{file: {outside / 'base.yaml'}, service: base}}\n"
        '  own:\n    ports: ["8080:80"]\n',
    )
    text = _every_format(tmp_path, repo)
    assert CANARY not in text
    for name in ("secret.yaml", "config.json", "base.yaml"):
        assert f"{name}: read although outside the checked paths" in text, name
    assert "(included at repo/compose.yaml:2)" in text
    assert "(extends.file of service 'app' at repo/compose.yaml:6)" in text
    # the checked file itself is still quoted
    _, full, _ = cli("lint", "--no-config", "--output-format", "full", "repo", cwd=tmp_path)
    assert '8 |     ports: ["8080:80"]' in full


def test_a_finding_on_an_env_line_never_quotes_it(tmp_path):
    repo = tmp_path / "repo"
    write(repo, "compose.yaml", 'services:\n  db:\n    ports: ["127.0.0.1:${PORT:-5432}:5432"]\n')
    write(repo, ".env", f'PORT=5432\nDB_PASSWORD="{CANARY}\n')
    text = _every_format(tmp_path, repo)
    assert CANARY not in text
    assert "unterminated quoted value of \"DB_PASSWORD\"" in text


def test_an_env_file_included_as_compose_file_inside_the_tree_is_not_quoted(tmp_path):
    repo = tmp_path / "repo"
    write(repo, "compose.yaml", "include: [.env]\nservices: {}\n")
    write(repo, ".env", f"TOKEN={CANARY}\n")
    (repo / "docker-compose.override.yml").symlink_to(".env")
    text = _every_format(tmp_path, repo)
    assert CANARY not in text
    assert "not a compose file" in text


def test_label_named_compose_files_must_be_regular_and_small(tmp_path, monkeypatch):
    """``audit``: container labels are written by whoever starts a container."""
    from bindguard.compose import yaml_reader
    from bindguard.engine import drift
    from bindguard.engine.containers import ContainerInfo

    big = write(tmp_path, "big/compose.yaml", "services:\n  web:\n    ports: ['80:80']\n" + "#" * 400 + "\n")
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    monkeypatch.setattr(yaml_reader, "MAX_FILE_BYTES", 256)
    opened: list[str] = []
    real_read = yaml_reader.read_small_file
    monkeypatch.setattr(yaml_reader, "read_small_file", lambda path, *a: opened.append(path) or real_read(path, *a))
    for target in (big, fifo, tmp_path):
        info = ContainerInfo(
            "id", "c", "img", "running",
            {"com.docker.compose.project": "p", "com.docker.compose.service": "web",
             "com.docker.compose.project.config_files": str(target)},
            "bridge", (),
        )
        (comparison,) = drift.compare([(info, [])], "local")
        assert comparison.missing_files == (str(target),), target
    assert opened == []


def test_label_named_compose_files_are_named_with_why_never_quoted(tmp_path):
    from bindguard.engine import drift
    from bindguard.engine.containers import ContainerInfo
    from bindguard.lint import make_report
    from bindguard.model import Binding, Location, PortRange
    from bindguard.output import View, render

    path = write(tmp_path, "srv/compose.yaml", f"services:\n  web:\n    ports: ['0.0.0.0:80:80']  # {CANARY}\n")
    labels = {"com.docker.compose.project": "p", "com.docker.compose.service": "web",
              "com.docker.compose.project.config_files": str(path)}
    info = ContainerInfo("id", "web-1", "img", "running", labels, "bridge", ())
    running = Binding("web", "0.0.0.0", PortRange(8080, 8080), PortRange(80, 80), "tcp",
                      Location(engine="local", container="web-1", container_id="id"), "0.0.0.0:8080:80")
    comparisons = drift.compare([(info, [running])], "local")
    (note,) = drift.label_notes(comparisons)
    assert note.location.file == str(path)
    assert note.message == "read because the compose labels of container 'web-1' name it; its lines are never shown"
    report = make_report([], "engine", ("local",), notes=(note,))
    assert CANARY not in render(report, View("full"))


# -- bounded work on crafted includes and env files (issue 25) -------------------------


def _fan_out(root: Path, levels: int, fan: int) -> Path:
    """``levels`` + 1 files, each including the next ``fan`` times."""
    for i in range(levels + 1):
        include = "" if i == levels else "include:\n" + f"  - path: f{i + 1}.yaml\n" * fan
        write(root, f"f{i}.yaml", include + f"services:\n  s{i}:\n    ports: ['127.0.0.1:{8000 + i}:80']\n")
    return root / "f0.yaml"


def test_include_fan_out_loads_each_file_once(tmp_path, monkeypatch):
    """Each include had a fresh environment, so nothing was cached: fan ** levels loads."""
    from bindguard import lint
    from bindguard.compose import project

    walked: list[str] = []
    real = project.read_document
    monkeypatch.setattr(project, "read_document", lambda doc, path, *a: walked.append(path) or real(doc, path, *a))
    top = _fan_out(tmp_path, levels=6, fan=4)  # 4**6 = 4,096 loads of the last file before
    subjects, _ = lint.load_subjects([str(top)], lint.LintSettings())
    assert len(walked) == 7, len(walked)
    (subject,) = subjects
    assert sorted(s.name for s in subject.services) == [f"s{i}" for i in range(7)]
    assert subject.problems == ()


def test_a_file_included_twice_is_one_service_as_in_compose(tmp_path):
    """compose-go keeps an imported service equal to the one it has (docker compose 2.40)."""
    write(tmp_path, "part.yaml", 'services:\n  a:\n    ports: ["80:80"]\n')
    write(tmp_path, "compose.yaml", "include:\n  - part.yaml\n  - path: part.yaml\nservices: {}\n")
    found = findings([tmp_path / "compose.yaml"])
    assert [(f.code, Path(f.location.file).name, f.location.line) for f in found] == [("BG001", "part.yaml", 3)]


def test_distinct_includes_are_bounded_with_a_finding(tmp_path, monkeypatch):
    from bindguard.compose import project

    monkeypatch.setattr(project, "MAX_INCLUDE_LOADS", 5)
    for i in range(8):
        write(tmp_path, f"part{i}.yaml", f"services:\n  s{i}:\n    ports: ['127.0.0.1:{9000 + i}:80']\n")
    write(tmp_path, "compose.yaml", "include:\n" + "".join(f"  - part{i}.yaml\n" for i in range(8)) + "services: {}\n")
    found = findings([tmp_path / "compose.yaml"])
    refused = [f for f in found if "distinct includes" in f.message]
    assert [(f.code, f.location.line) for f in refused] == [("BG000", 7), ("BG000", 8), ("BG000", 9)]
    assert refused[0].message == "more than 5 distinct includes in one project; this one is not read"


def _dotenv_project(root: Path, dotenv: str, port: str = "${P:-80}") -> Path:
    write(root, ".env", dotenv)
    return write(root, "compose.yaml", f'services:\n  web:\n    ports: ["127.0.0.1:{port}:80"]\n')


def test_doubling_env_values_are_refused_at_the_line_that_crosses_the_bound(tmp_path):
    """22 lines that double the previous value: 32 MB before (40 lines reached 10 GB)."""
    lines = [f"A0={CANARY}"] + [f"A{i}=${{A{i - 1}}}${{A{i - 1}}}" for i in range(1, 22)]
    _dotenv_project(tmp_path, "\n".join(lines) + "\n", "${A21:-80}")
    (finding,) = findings([tmp_path], environ={})
    assert finding.code == "BG000" and finding.location.file == str(tmp_path / ".env")
    # 13 characters doubled 17 times is 1.7 M: the value of A17 is the first over 1 MiB
    assert finding.location.line == 18
    assert finding.message == (
        'invalid env file: value of "A17" refused: its variables add more than 1,048,576 '
        "characters (see docs/limits.md)"
    )
    assert CANARY not in finding.message


def test_a_big_env_value_used_many_times_is_bounded_for_the_whole_file(tmp_path):
    """A 600 KB value copied by every line: each copy is under the value bound, the sum is not."""
    refs = "".join(f"B{n}=${{A}}\n" for n in range(20))
    _dotenv_project(tmp_path, "A=" + "x" * 600_000 + "\n" + refs)
    (finding,) = findings([tmp_path], environ={})
    assert finding.location.line == 8  # B0..B6 (lines 2-8) add 4.2 M: B6 crosses 4 MiB
    assert 'value of "B6" refused: variables add more than 4,194,304 characters' in finding.message


def test_a_big_env_value_used_twice_in_one_value_is_refused(tmp_path):
    _dotenv_project(tmp_path, "A=" + "x" * 600_000 + "\nB=${A}${A}${A}\n")
    (finding,) = findings([tmp_path], environ={})
    assert (finding.location.line, finding.code) == (2, "BG000")
    assert 'value of "B" refused: its variables add more than 1,048,576 characters' in finding.message


def test_ordinary_env_files_stay_within_the_bounds(tmp_path):
    """Certificates, reused values and defaults: nothing near the bounds."""
    pem = "-----BEGIN CERTIFICATE-----\\n" + "A" * 4000 + "\\n-----END CERTIFICATE-----"
    dotenv = f'CERT="{pem}"\nCOPY1="$CERT"\nCOPY2=${{CERT}}\nHOST=127.0.0.1\nBIND=${{HOST}}\nP=8080\n'
    _dotenv_project(tmp_path, dotenv, "${P}")
    assert findings([tmp_path], environ={}) == ()


def test_a_big_value_used_by_many_compose_entries_is_copied_a_bounded_number_of_times(tmp_path):
    """A 300 KB value in 400 port entries: every entry copied it (a 1 MB value 2,000 times: 28 s)."""
    write(tmp_path, ".env", "A=" + "1" * 300_000 + "\n")
    entries = "".join(f'      - "${{A}}:{n}"\n' for n in range(400))
    write(tmp_path, "compose.yaml", "services:\n  web:\n    ports:\n" + entries)
    found = findings([tmp_path], environ={})
    assert {f.code for f in found} == {"BG007"} and len(found) == 400
    # 64 KiB + 16 per character of a 9 KB file: the first reference already passes it
    assert found[0].message == (
        "invalid port entry: variables add more than 65,536 characters plus 16 per character of the "
        "compose files to this project's values; A refused (see docs/limits.md)"
    )
    assert all("111" not in f.message for f in found)


def test_small_values_in_many_compose_entries_stay_within_the_bound(tmp_path):
    """An ordinary project: 2,000 entries that each use a short variable twice."""
    write(tmp_path, ".env", "HOST_IP=127.0.0.1\nBASE=800\n")
    entries = "".join(f'      - "${{HOST_IP}}:${{BASE}}{n % 10}:{n + 1}"\n' for n in range(2000))
    write(tmp_path, "compose.yaml", "services:\n  web:\n    ports:\n" + entries)
    assert [f for f in findings([tmp_path], environ={}) if f.code == "BG007"] == []
