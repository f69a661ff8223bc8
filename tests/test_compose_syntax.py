"""Every port syntax form, from YAML text through the loader to a Binding."""

from __future__ import annotations

import pytest

from bindguard.model import PortRange, Verdict

from helpers import bindings, findings, write


def one(tmp_path, item: str, **kw):
    path = write(tmp_path, "compose.yaml", f"services:\n  s:\n    ports:\n      - {item}\n")
    result = bindings([path], **kw)
    assert len(result) == 1, result
    return result[0]


@pytest.mark.parametrize(
    "item, host_ip, host, container, proto, verdict",
    [
        ('"80"', "", None, (80, 80), "tcp", Verdict.WILDCARD),
        ("80", "", None, (80, 80), "tcp", Verdict.WILDCARD),
        ('"8080:80"', "", (8080, 8080), (80, 80), "tcp", Verdict.WILDCARD),
        ('"127.0.0.1:8080:80"', "127.0.0.1", (8080, 8080), (80, 80), "tcp", Verdict.LOOPBACK),
        ('"127.0.0.1::80"', "127.0.0.1", None, (80, 80), "tcp", Verdict.LOOPBACK),
        ('":8080:80"', "", (8080, 8080), (80, 80), "tcp", Verdict.WILDCARD),
        ('"9000-9002:9000-9002"', "", (9000, 9002), (9000, 9002), "tcp", Verdict.WILDCARD),
        ('"6005-6015:80"', "", (6005, 6015), (80, 80), "tcp", Verdict.WILDCARD),
        ('"127.0.0.1:5000-5010:5000-5010"', "127.0.0.1", (5000, 5010), (5000, 5010), "tcp", Verdict.LOOPBACK),
        ('"53:53/udp"', "", (53, 53), (53, 53), "udp", Verdict.WILDCARD),
        ('"127.0.0.1:3868:3868/sctp"', "127.0.0.1", (3868, 3868), (3868, 3868), "sctp", Verdict.LOOPBACK),
        ('"8080:80/TCP"', "", (8080, 8080), (80, 80), "tcp", Verdict.WILDCARD),
        ('"[::1]:8080:80"', "::1", (8080, 8080), (80, 80), "tcp", Verdict.LOOPBACK),
        ('"::1:8080:80"', "::1", (8080, 8080), (80, 80), "tcp", Verdict.LOOPBACK),
        ('"[::]:8080:80"', "::", (8080, 8080), (80, 80), "tcp", Verdict.WILDCARD),
        ('"0.0.0.0:80:80"', "0.0.0.0", (80, 80), (80, 80), "tcp", Verdict.WILDCARD),
        ('"192.168.1.10:80:80"', "192.168.1.10", (80, 80), (80, 80), "tcp", Verdict.SPECIFIC),
        ('"127.0.0.2:80:80"', "127.0.0.2", (80, 80), (80, 80), "tcp", Verdict.LOOPBACK),
        ("127.0.0.1:8080:80", "127.0.0.1", (8080, 8080), (80, 80), "tcp", Verdict.LOOPBACK),
    ],
)
def test_short_syntax(tmp_path, item, host_ip, host, container, proto, verdict):
    b = one(tmp_path, item)
    assert b.host_ip == host_ip
    assert b.host_ports == (PortRange(*host) if host else None)
    assert b.container_ports == PortRange(*container)
    assert b.protocol == proto
    assert b.verdict is verdict
    assert b.syntax == "short"
    assert (b.location.line, b.location.column) == (4, 9)


def test_unquoted_base60_lookalike_is_a_string_as_in_yaml_1_2(tmp_path):
    # PyYAML (YAML 1.1) reads 22:22 as the integer 1342; Compose reads "22:22".
    b = one(tmp_path, "22:22")
    assert (b.host_ports, b.container_ports) == (PortRange(22, 22), PortRange(22, 22))
    b = one(tmp_path, "1:20")
    assert (b.host_ports, b.container_ports) == (PortRange(1, 1), PortRange(20, 20))


def test_go_yaml_integer_forms(tmp_path):
    assert one(tmp_path, "0x50").container_ports == PortRange(80, 80)
    assert one(tmp_path, "8_0").container_ports == PortRange(80, 80)
    found = findings([write(tmp_path, "c.yaml", "services:\n  s:\n    ports: [080]\n")])
    assert [f.code for f in found] == ["BG007"]


def test_effective_addresses(tmp_path):
    assert one(tmp_path, '"5432:5432"').effective == ("0.0.0.0", "::")
    assert one(tmp_path, '"127.0.0.1:5432:5432"').effective == ("127.0.0.1",)
    assert one(tmp_path, '"[]:5432:5432"').effective == ("0.0.0.0", "::")


LONG = """
services:
  api:
    ports:
      - target: 80
        published: "8080"
        host_ip: 127.0.0.1
        protocol: udp
        mode: host
        name: web
        app_protocol: http
      - target: 9000
        published: 9000-9010
      - {target: 53, published: 5353}
"""


def test_long_syntax(tmp_path):
    path = write(tmp_path, "compose.yaml", LONG)
    first, second, third = bindings([path])
    assert (first.host_ip, first.host_ports, first.container_ports) == ("127.0.0.1", PortRange(8080, 8080), PortRange(80, 80))
    assert (first.protocol, first.mode, first.name, first.app_protocol) == ("udp", "host", "web", "http")
    assert first.syntax == "long"
    assert (first.location.line, first.location.column) == (4, 9)
    assert second.host_ports == PortRange(9000, 9010)
    assert second.verdict is Verdict.WILDCARD
    assert (second.location.line, third.location.line) == (11, 13)
    assert third.host_ports == PortRange(5353, 5353)


ANCHORS = """
x-ports: &loop
  - "127.0.0.1:8080:80"
x-base: &base
  image: nginx
  ports:
    - "5432:5432"
services:
  a:
    ports: *loop
  b:
    <<: *base
  c:
    <<: *base
    ports: !override
      - "127.0.0.1:5433:5432"
  d:
    ports: !reset []
"""


def test_anchors_merge_keys_and_tags(tmp_path):
    path = write(tmp_path, "compose.yaml", ANCHORS)
    by_service = {b.service: b for b in bindings([path])}
    assert by_service["a"].host_ip == "127.0.0.1"
    assert by_service["a"].location.line == 2  # where the anchored entry is written
    assert by_service["b"].host_ip == "" and by_service["b"].location.line == 6
    assert by_service["c"].host_ip == "127.0.0.1"
    assert "d" not in by_service
    assert findings([path], select=["BG000", "BG007"]) == ()


@pytest.mark.parametrize(
    "item, reason",
    [
        ('"localhost:5432:5432"', "not an IP literal"),
        ('"11127.0.0.1:5432:5432"', "not an IP literal"),
        ('"127.0.0.1:80"', "not a port number"),
        ('"65536:80"', "above 65535"),
        ('"90-80:80"', "end before start"),
        ('"9000-9001:80-82"', "differ in size"),
        ('"80/xyz"', "invalid protocol"),
        ('"0"', "container port 0"),
        ("true", "number or a string"),
        ("1.5", "whole port number"),
        ("[80]", "not a list"),
        ("{published: 80}", "no 'target'"),
        ('{target: 80, host_ip: "[::1]"}', "brackets are only removed in short syntax"),
        ('"${X:?X must be set}:80:80"', "X must be set"),
    ],
)
def test_invalid_entries_are_bg007_at_their_line(tmp_path, item, reason):
    path = write(tmp_path, "compose.yaml", f"services:\n  s:\n    ports:\n      - {item}\n")
    found = findings([path])
    assert [(f.code, f.location.line) for f in found] == [("BG007", 4)]
    assert reason in found[0].message


def test_ports_not_a_list(tmp_path):
    path = write(tmp_path, "compose.yaml", 'services:\n  s:\n    ports: "80:80"\n')
    assert [(f.code, f.location.line) for f in findings([path])] == [("BG007", 3)]


@pytest.mark.parametrize(
    "text, line",
    [
        ("services:\n  s:\n    ports: [\"80:80\"\n", 4),
        ("- just\n- a list\n", 1),
        ("services:\n  - s\n", 2),
        ("services:\n  s: web\n", 2),
        ("services:\n  s:\n    image: a\n  s:\n    image: b\n", 4),
    ],
)
def test_bad_files_are_bg000(tmp_path, text, line):
    bad = write(tmp_path, "bad/compose.yaml", text)
    good = write(tmp_path, "good/compose.yaml", 'services:\n  s:\n    ports: ["80:80"]\n')
    found = findings([bad.parent.parent])
    assert ("BG000", str(bad), line) in {(f.code, f.location.file, f.location.line) for f in found}
    assert ("BG001", str(good)) in {(f.code, f.location.file) for f in found}


def test_finding_points_at_entry_not_ports_key(tmp_path):
    path = write(
        tmp_path,
        "compose.yaml",
        """
        services:
          db:
            image: postgres
            ports:
              - "127.0.0.1:5433:5432"
              - "5432:5432"
        """,
    )
    (f,) = findings([path])
    assert (f.code, f.location.line, f.location.column) == ("BG001", 6, 9)
    assert f.fix == 'use "127.0.0.1:5432:5432"'
    assert f.service == "db"


def test_redefined_anchor_is_allowed_as_in_yaml_1_2(tmp_path):
    # As in debezium-examples' mongodb-failover compose file: the same anchor
    # is defined twice; an alias refers to the latest definition.
    path = write(
        tmp_path,
        "compose.yaml",
        """
        services:
          a:
            image: &img one
            ports: &p ["127.0.0.1:1:1"]
          b:
            image: &img two
            ports: &p ["2:2"]
          c:
            ports: *p
        """,
    )
    got = {(b.service, b.host_ip) for b in bindings([path])}
    assert got == {("a", "127.0.0.1"), ("b", ""), ("c", "")}


def test_go_template_file_is_bg000_with_a_hint(tmp_path):
    path = write(tmp_path, "compose.yaml", "services:\n  {{ .Name }}-web:\n    image: x\n")
    (f,) = findings([path])
    assert f.code == "BG000" and "Go template" in f.message


def test_explicit_str_tag_is_a_string_not_a_number(tmp_path):
    # Compose reads `!!str 0x50` as the string "0x50", which is no port number.
    path = write(tmp_path, "compose.yaml", "services:\n  s:\n    ports:\n      - !!str 0x50\n")
    assert [(f.code, f.location.line) for f in findings([path])] == [("BG007", 4)]
