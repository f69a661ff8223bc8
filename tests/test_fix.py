"""``bindguard fix``: every entry form rewritten to exact text, and the safety rails.

The rewrite promise is byte-level (only the fixed entry's bytes change), so
these tests compare whole file texts, not parsed data: a stray re-quote or a
moved comment is a failure.  The write path is tested for what must *not*
happen: a read-only file, a file edited between plan and apply, a link
replaced by a regular file, a new text that does not parse or still lints.
"""

from __future__ import annotations

import os
import stat
import textwrap
from pathlib import Path

import pytest
import yaml

import bindguard.entryfix.remedy as remedy
import bindguard.fix.planner as planner
import bindguard.fix.writer as writer
from bindguard.compose.project import ProjectOptions
from bindguard.compose.yaml_reader import parse_text
from bindguard.entryfix.rewrite import Change, plain_ok
from bindguard.errors import ConfigError, UnknownRuleError
from bindguard.fix import apply, plan_fixes, render_diff
from bindguard.lint import LintSettings, lint
from bindguard.runner import RuleSelection


def settings(environ=None, swarm=False, **kw) -> LintSettings:
    return LintSettings(
        selection=RuleSelection(),
        project=ProjectOptions(environ=environ or {}, swarm=swarm),
        jobs=1,
        **kw,
    )


def write(root: Path, name: str, text: str, dedent: bool = True) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    body = textwrap.dedent(text).lstrip("\n") if dedent else text
    path.write_bytes(body.encode("utf-8"))
    return path


def plan_for(paths, environ=None, swarm=False, **kw):
    paths = paths if isinstance(paths, list) else [paths]
    return plan_fixes([str(p) for p in paths], settings(environ, swarm), **kw)


def new_text(path: Path, environ=None, **kw) -> str:
    plan = plan_for(path, environ, **kw)
    assert plan.errors == []
    for f in plan.files:
        if f.real_path == os.path.realpath(path):
            return f.new_text
    return path.read_text()


def reasons(plan) -> list[tuple[int, str, str]]:
    return [(m.line, m.code, m.reason) for m in plan.manual]


SERVICE = """\
services:
  app:
    image: example  # the image
    ports:
      - {entry}   # keep me
"""


def one_entry(tmp_path: Path, entry: str, environ=None, **kw) -> str:
    """The fixed form of a single ports entry (the rest of the file must be unchanged)."""
    path = write(tmp_path, "compose.yaml", SERVICE.format(entry=entry), dedent=False)
    text = new_text(path, environ, **kw)
    before, after = SERVICE.split("{entry}")
    assert text.startswith(before) and text.endswith(after), text
    return text[len(before) : len(text) - len(after)]


# -- short syntax -------------------------------------------------------------
@pytest.mark.parametrize(
    ("entry", "fixed"),
    [
        ('"5432:5432"', '"127.0.0.1:5432:5432"'),
        ("'5432:5432'", "'127.0.0.1:5432:5432'"),
        ("5432:5432", "127.0.0.1:5432:5432"),  # plain stays plain: a string in YAML 1.1 and 1.2
        ('"5432"', '"127.0.0.1::5432"'),
        ("'5432'", "'127.0.0.1::5432'"),
        ("5432", '"127.0.0.1::5432"'),  # a number becomes a string: always quoted
        ("0x50", '"127.0.0.1::80"'),  # Compose reads the YAML 1.2 int 80
        ('"0.0.0.0:80:80"', '"127.0.0.1:80:80"'),
        ("0.0.0.0:80:80", "127.0.0.1:80:80"),
        ('"[::]:80:80"', '"[::1]:80:80"'),
        ('"[0:0::0]:80:80"', '"[::1]:80:80"'),
        (":::80:80", "::1:80:80"),  # unbracketed IPv6 stays unbracketed
        ('":::80:80"', '"::1:80:80"'),
        ('"::ffff:0.0.0.0:80:80"', '"::1:80:80"'),
        ('"53:53/udp"', '"127.0.0.1:53:53/udp"'),
        ('"53/udp"', '"127.0.0.1::53/udp"'),
        ('"3001-3005"', '"127.0.0.1::3001-3005"'),
        ('"9090-9091:8080-8081"', '"127.0.0.1:9090-9091:8080-8081"'),
        ('":80:80"', '"127.0.0.1:80:80"'),
        ('"::80"', '"127.0.0.1::80"'),
        ('"[]:80:80"', '"127.0.0.1:80:80"'),
        ('"${PORT:-8080}:80"', '"127.0.0.1:${PORT:-8080}:80"'),  # the ':' inside ${} is not a separator
        ("${PORT:-8080}:80", "127.0.0.1:${PORT:-8080}:80"),  # plain is fine in block context
        ('"${BIND}:80:80"', '"${BIND:-127.0.0.1}:80:80"'),
        ('"$BIND:80:80"', '"${BIND:-127.0.0.1}:80:80"'),
        ('"${BIND}:${PORT:-80}:80"', '"${BIND:-127.0.0.1}:${PORT:-80}:80"'),
        ('"$$ignored"', '"$$ignored"'),  # BG007: never touched
        ('"127.0.0.1:80:80"', '"127.0.0.1:80:80"'),
        ('"[::1]:80:80"', '"[::1]:80:80"'),
    ],
)
def test_short_syntax(tmp_path, entry, fixed):
    assert one_entry(tmp_path, entry) == fixed


def test_plain_results_read_the_same_in_yaml_1_1_and_1_2():
    for value in ("127.0.0.1:80:80", "127.0.0.1:5432:5432", "::1:80:80", "127.0.0.1:${PORT:-8080}:80"):
        assert plain_ok(value, False), value
        assert yaml.safe_load(f"- {value}\n") == [value]  # PyYAML: YAML 1.1 resolution
    assert plain_ok("127.0.0.1::5432", None)  # "::" is no indicator, even in flow context
    assert not plain_ok("[::1]:80:80", False)  # would be a flow sequence
    assert not plain_ok("127.0.0.1:${PORT}:80", True)  # braces end a plain scalar in flow context
    assert not plain_ok("true", False) and not plain_ok("1:20", False)


def test_variable_used_for_ports_gets_the_prefix_and_is_counted_once(tmp_path):
    path = write(tmp_path, "compose.yaml", SERVICE.format(entry='"${PORT}:80"'), dedent=False)
    plan = plan_for(path)
    assert plan.files[0].new_text == SERVICE.format(entry='"127.0.0.1:${PORT}:80"')
    assert [e.rules for e in plan.edits] == [("BG006",)]
    assert reasons(plan) == []  # fixed once, not also "BG006 not fixed"
    assert "PORT still unset" in plan.edits[0].summary
    apply(plan)
    # The entry is on loopback whatever PORT holds: BG006 stays as information only.
    after = lint([str(path)], settings()).findings
    assert [(f.code, str(f.severity)) for f in after] == [("BG006", "info")]
    again = plan_for(path)
    assert again.changed == [] and again.blocking == []


def test_wildcard_default_nothing_sets_becomes_loopback(tmp_path):
    # issue 29: ${KONG_INBOUND_PROXY_LISTEN:-0.0.0.0} with no env source: the default is what
    # everyone who copies the file gets, so fix makes the default loopback and says why.
    assert one_entry(tmp_path, '"${BIND:-0.0.0.0}:80:80"', environ={}) == '"${BIND:-127.0.0.1}:80:80"'
    assert one_entry(tmp_path, '"${BIND-[::]}:80:80"', environ={}) == '"${BIND-[::1]}:80:80"'
    (tmp_path / "compose.yaml").write_text(SERVICE.format(entry='"${BIND:-0.0.0.0}:80:80"'))
    plan = plan_for(tmp_path / "compose.yaml", environ={})
    assert "no env source sets BIND: its default was 0.0.0.0" in plan.edits[0].summary
    hint = lint([str(tmp_path / "compose.yaml")], settings({})).findings[0].fix
    assert hint == 'use "${BIND:-127.0.0.1}:80:80" (no env source sets BIND: its default was 0.0.0.0)'


def test_host_variable_set_in_env_file_names_where(tmp_path):
    write(tmp_path, ".env", "X=1\nBIND=0.0.0.0\n")
    assert one_entry(tmp_path, '"${BIND:-127.0.0.1}:80:80"', environ={}) == '"${BIND:-127.0.0.1}:80:80"'
    plan = plan_for(tmp_path / "compose.yaml", environ={})
    assert reasons(plan) == [(5, "BG002", "variable-set")]
    message = plan.manual[0].message
    assert "BIND, set in " in message and ".env:2" in message and "0.0.0.0" not in message


def test_host_variable_default_a_shipped_env_file_contradicts_is_manual(tmp_path):
    write(tmp_path, ".env.example", "BIND=0.0.0.0\n")
    assert one_entry(tmp_path, '"${BIND:-0.0.0.0}:80:80"', environ={}) == '"${BIND:-0.0.0.0}:80:80"'
    plan = plan_for(tmp_path / "compose.yaml", environ={})
    assert [r[2] for r in reasons(plan)] == ["env-file"]


def test_host_variable_with_an_alternative_is_manual(tmp_path):
    assert one_entry(tmp_path, '"${BIND:+0.0.0.0}:80:80"', environ={}) == '"${BIND:+0.0.0.0}:80:80"'
    plan = plan_for(tmp_path / "compose.yaml", environ={})
    assert [r[2] for r in reasons(plan)] == ["variable-has-default"]
    assert "BIND" in plan.manual[0].message


def test_empty_default_is_a_default_too(tmp_path):
    # An empty default leaves the host IP empty (every interface): made loopback like 0.0.0.0.
    assert one_entry(tmp_path, '"${BIND:-}:80:80"', environ={}) == '"${BIND:-127.0.0.1}:80:80"'
    plan = plan_for(tmp_path / "compose.yaml", environ={})
    assert "its default was empty" in plan.edits[0].summary


def test_host_variable_set_in_the_environment_is_manual(tmp_path):
    path = write(tmp_path, "compose.yaml", SERVICE.format(entry='"${BIND}:80:80"'), dedent=False)
    plan = plan_for(path, environ={"BIND": "0.0.0.0"})
    assert plan.changed == []
    assert reasons(plan) == [(5, "BG002", "variable-set")]


def test_host_variable_set_empty_gets_a_default(tmp_path):
    # ":-" also applies when the variable is set to "", so the default fixes it.
    assert one_entry(tmp_path, '"${BIND}:80:80"', environ={"BIND": ""}) == '"${BIND:-127.0.0.1}:80:80"'


def test_port_variable_carrying_a_host_ip_is_not_guessed(tmp_path):
    path = write(tmp_path, "compose.yaml", SERVICE.format(entry='"${HP}:80"'), dedent=False)
    plan = plan_for(path, environ={"HP": "0.0.0.0:8080"})
    assert plan.changed == []
    assert reasons(plan) == [(5, "BG002", "unverifiable")]


def test_mixed_host_ip_is_manual(tmp_path):
    path = write(tmp_path, "compose.yaml", SERVICE.format(entry='"${NET}.0:80:80"'), dedent=False)
    plan = plan_for(path, environ={"NET": "0.0.0"})
    assert plan.changed == []
    assert reasons(plan) == [(5, "BG002", "variable-host-ip")]


def test_flow_sequences(tmp_path):
    path = write(
        tmp_path,
        "compose.yaml",
        """
        services:
          a:
            ports: ["80:80", 443, '8443:8443', 9000:9000, "127.0.0.1:81:81"]  # flow
          b:
            ports: [$PORT:90]
        """,
    )
    assert new_text(path) == textwrap.dedent(
        """\
        services:
          a:
            ports: ["127.0.0.1:80:80", "127.0.0.1::443", '127.0.0.1:8443:8443', 127.0.0.1:9000:9000, "127.0.0.1:81:81"]  # flow
          b:
            ports: [127.0.0.1:$PORT:90]
        """
    )


def test_block_plain_with_braces_is_quoted_only_in_flow(tmp_path):
    path = write(
        tmp_path,
        "compose.yaml",
        """
        services:
          a:
            ports:
              - ${PORT:-80}:80
        """,
    )
    assert "      - 127.0.0.1:${PORT:-80}:80\n" in new_text(path)


def test_anchor_tag_and_alias(tmp_path):
    path = write(
        tmp_path,
        "compose.yaml",
        """
        x-ports: &shared
          - "8080:80"   # shared
        services:
          a:
            ports: *shared
          b:
            ports: *shared
          c:
            ports:
              - &one !!str 9000:9000
          d:
            ports:
              - *one
        """,
    )
    plan = plan_for(path)
    assert plan.files[0].new_text == textwrap.dedent(
        """\
        x-ports: &shared
          - "127.0.0.1:8080:80"   # shared
        services:
          a:
            ports: *shared
          b:
            ports: *shared
          c:
            ports:
              - &one !!str 127.0.0.1:9000:9000
          d:
            ports:
              - *one
        """
    )
    assert len(plan.edits) == 2  # one edit per definition, whatever the number of users
    assert plan.edits[0].services == ("a", "b")
    assert plan.edits[1].services == ("c", "d")
    # Both anchors are used twice, so the two services of each conflict: listed, not fixed.
    assert {m.reason for m in plan.manual} == {"port-conflict"}


def test_comments_quotes_and_layout_are_kept(tmp_path):
    original = (
        "# header\r\n"
        "services:\r\n"
        "  web:  # the web\r\n"
        "    ports:\r\n"
        "      -   \"80:80\"    # spaced\r\n"
        "      # between\r\n"
        "      - '443:443'\r\n"
        "    image: 'nginx'   # last\r\n"
    )
    path = write(tmp_path, "compose.yaml", original, dedent=False)
    expected = original.replace('"80:80"', '"127.0.0.1:80:80"').replace("'443:443'", "'127.0.0.1:443:443'")
    assert new_text(path) == expected


# -- long syntax --------------------------------------------------------------
def test_long_syntax_insert_after_last_scalar_sibling(tmp_path):
    path = write(
        tmp_path,
        "compose.yaml",
        """
        services:
          app:
            ports:
              - target: 80
                published: 8080   # web
                protocol: tcp
              -   target: 443
                  published: "8443"
            image: x
        """,
    )
    assert new_text(path) == textwrap.dedent(
        """\
        services:
          app:
            ports:
              - target: 80
                published: 8080   # web
                protocol: tcp
                host_ip: 127.0.0.1
              -   target: 443
                  published: "8443"
                  host_ip: "127.0.0.1"
            image: x
        """
    )


def test_long_syntax_skips_nested_collections_and_aliases(tmp_path):
    path = write(
        tmp_path,
        "compose.yaml",
        """
        x-port: &p 8080
        services:
          app:
            ports:
              - target: 80
                published: *p
                x-note: |
                  a block scalar ends after its trailing blank lines

                # trailing comment
            image: x
        """,
    )
    text = new_text(path)
    assert text.splitlines()[4:7] == [
        "      - target: 80",
        "        host_ip: 127.0.0.1",
        "        published: *p",
    ]


def test_long_syntax_existing_host_ip(tmp_path):
    path = write(
        tmp_path,
        "compose.yaml",
        """
        services:
          app:
            ports:
              - target: 80
                host_ip: 0.0.0.0
              - target: 81
                host_ip: "::"
              - target: 82
                host_ip: ''
              - target: 83
                host_ip:
              - target: 84
                host_ip: ~   # none
              - target: 87
                host_ip:   # empty
              - target: 85
                host_ip: ${BIND}
              - target: 86
                host_ip: ${BIND2:-0.0.0.0}
        """,
    )
    plan = plan_for(path)
    assert plan.files[0].new_text == textwrap.dedent(
        """\
        services:
          app:
            ports:
              - target: 80
                host_ip: 127.0.0.1
              - target: 81
                host_ip: "::1"
              - target: 82
                host_ip: ''
              - target: 83
                host_ip:
              - target: 84
                host_ip: ~   # none
              - target: 87
                host_ip:   # empty
              - target: 85
                host_ip: ${BIND}
              - target: 86
                host_ip: ${BIND2:-127.0.0.1}
        """
    )
    # An empty or null host_ip (also one an unset variable empties) is refused by
    # Compose: BG007/BG006, left for a person, never read as "no host IP" (issue 20).
    assert reasons(plan) == [
        (8, "BG007", "invalid-entry"),
        (10, "BG007", "invalid-entry"),
        (12, "BG007", "invalid-entry"),
        (14, "BG007", "invalid-entry"),
        (16, "BG006", "unset-variable"),
    ]


def test_long_syntax_flow_mappings(tmp_path):
    path = write(
        tmp_path,
        "compose.yaml",
        """
        services:
          app:
            ports:
              - {target: 80, published: 8080}
              - { target: 81, published: "8081", }
              - {target: 82, published: 8082, host_ip: 0.0.0.0}
              - {target: 83,   # multi-line
                 published: 8083}
        """,
    )
    assert new_text(path) == textwrap.dedent(
        """\
        services:
          app:
            ports:
              - {target: 80, published: 8080, host_ip: 127.0.0.1}
              - { target: 81, published: "8081", host_ip: "127.0.0.1", }
              - {target: 82, published: 8082, host_ip: 127.0.0.1}
              - {target: 83,   # multi-line
                 published: 8083, host_ip: 127.0.0.1}
        """
    )


def test_long_syntax_with_merge_key(tmp_path):
    path = write(
        tmp_path,
        "compose.yaml",
        """
        x-base: &base
          target: 80
          host_ip: 0.0.0.0
        services:
          app:
            ports:
              - <<: *base
                published: 8080
        """,
    )
    plan = plan_for(path)
    # The explicit host_ip wins over the merged one; the shared anchor is left alone.
    assert plan.files[0].new_text.splitlines()[6:9] == [
        "      - <<: *base",
        "        published: 8080",
        "        host_ip: 127.0.0.1",
    ]


def test_long_syntax_crlf_and_no_final_newline(tmp_path):
    path = write(tmp_path, "compose.yaml", "services:\r\n  a:\r\n    ports:\r\n      - target: 80\r\n", dedent=False)
    assert new_text(path) == "services:\r\n  a:\r\n    ports:\r\n      - target: 80\r\n        host_ip: 127.0.0.1\r\n"
    path.write_bytes(b"services:\n  a:\n    ports:\n      - target: 80")
    assert new_text(path) == "services:\n  a:\n    ports:\n      - target: 80\n        host_ip: 127.0.0.1"


# -- --address ----------------------------------------------------------------
def test_address_ipv6(tmp_path):
    path = write(
        tmp_path,
        "compose.yaml",
        """
        services:
          app:
            ports:
              - "80:80"
              - 81
              - "${BIND}:82:82"
              - "0.0.0.0:83:83"
              - "[::]:84:84"
              - target: 85
              - {target: 86}
        """,
    )
    text = new_text(path, address="::1")
    assert text == textwrap.dedent(
        """\
        services:
          app:
            ports:
              - "[::1]:80:80"
              - "[::1]::81"
              - "${BIND:-[::1]}:82:82"
              - "127.0.0.1:83:83"
              - "[::1]:84:84"
              - target: 85
                host_ip: "::1"
              - {target: 86, host_ip: "::1"}
        """
    )


def test_address_must_be_loopback(tmp_path):
    path = write(tmp_path, "compose.yaml", SERVICE.format(entry='"80:80"'), dedent=False)
    with pytest.raises(ConfigError):
        plan_for(path, address="192.168.1.1")
    with pytest.raises(ConfigError):
        plan_for(path, address="localhost")
    assert new_text(path, address="[::1]") == SERVICE.format(entry='"[::1]:80:80"')
    assert new_text(path, address="127.0.0.2") == SERVICE.format(entry='"127.0.0.2:80:80"')


# -- manual items ----------------------------------------------------------------
def test_manual_items_by_rule(tmp_path):
    path = write(
        tmp_path,
        "compose.yaml",
        """
        services:
          host:
            image: x
            network_mode: host
          a:
            ports: ["9090:80", "192.168.1.5:81:81", "xx:xx"]
          b:
            ports: ["9090:8080"]
        """,
    )
    plan = plan_for(path)
    assert reasons(plan) == [
        (4, "BG004", "host-network"),
        (6, "BG003", "specific-address"),
        (6, "BG007", "invalid-entry"),
        (8, "BG005", "port-conflict"),
    ]
    # Conflicting entries still get their loopback fix; the conflict stays listed.
    assert [e.line for e in plan.edits] == [6, 8]
    assert plan.files[0].manual == plan.manual


def test_gateway_mode_findings_are_manual(tmp_path):
    path = write(
        tmp_path,
        "compose.yaml",
        """
        services:
          a:
            ports: ["127.0.0.1:80:80"]
            networks: [routed]
        networks:
          routed:
            driver_opts:
              com.docker.network.bridge.gateway_mode_ipv4: routed
        """,
    )
    plan = plan_for(path)
    assert plan.changed == [] and reasons(plan) == [(3, "BG014", "gateway-mode")]


def test_swarm_entries_are_manual(tmp_path):
    path = write(tmp_path, "compose.yaml", SERVICE.format(entry='"80:80"'), dedent=False)
    plan = plan_for(path, swarm=True)
    assert plan.changed == []
    assert {m.reason for m in plan.manual} == {"swarm"}


def test_select_and_ignore(tmp_path):
    path = write(
        tmp_path,
        "compose.yaml",
        """
        services:
          a:
            ports: ["80:80", "0.0.0.0:81:81", "${BIND}:82:82", "host.example:83:83"]
        """,
    )
    only_wildcards = plan_for(path, select=["BG002"])
    assert [e.rules for e in only_wildcards.edits] == [("BG002",)]
    assert only_wildcards.manual == []
    no_implicit = plan_for(path, ignore=["bg001", "BG007"])
    assert [e.rules for e in no_implicit.edits] == [("BG002",), ("BG006",)]
    with pytest.raises(UnknownRuleError):
        plan_for(path, select=["BG999"])


def test_inline_ignore_is_respected(tmp_path):
    path = write(
        tmp_path,
        "compose.yaml",
        """
        services:
          a:
            ports:
              - "80:80"  # bindguard: ignore[BG001] only on the dev box
              - "81:81"
        """,
    )
    text = new_text(path)
    assert '"80:80"  # bindguard' in text and '"127.0.0.1:81:81"' in text


def test_files_outside_the_run_are_manual(tmp_path):
    base = write(
        tmp_path,
        "common/base.yml",
        """
        services:
          web:
            ports: ["8080:80"]
        """,
    )
    main = write(
        tmp_path,
        "compose.yaml",
        """
        services:
          app:
            extends: {file: common/base.yml, service: web}
        """,
    )
    plan = plan_for(main)
    assert plan.changed == []
    assert reasons(plan) == [(3, "BG001", "outside-paths")]
    assert plan.manual[0].file == str(base)
    both = plan_for([main, base])
    assert [f.path for f in both.changed] == [str(base)]
    assert both.manual == []


def test_override_file_of_a_project(tmp_path):
    write(tmp_path, "compose.yaml", SERVICE.format(entry='"80:80"'), dedent=False)
    write(
        tmp_path,
        "compose.override.yaml",
        """
        services:
          app:
            ports: ["9000:9000"]
        """,
    )
    plan = plan_fixes([str(tmp_path)], settings())
    assert sorted(os.path.basename(f.path) for f in plan.changed) == [
        "compose.override.yaml",
        "compose.yaml",
    ]


# -- idempotence, encodings ------------------------------------------------------
# Service b's ports are discarded by Compose (host network): BG004 only, nothing to fix.
ALL_FORMS = """\
# every form at once
x-p: &p "7000:7000"
services:
  a:
    ports:
      - "5432:5432"
      - '6000'
      - 6001
      - 80:80
      - "0.0.0.0:81:81"
      - "[::]:82:82"
      - :::83:83
      - "${PORT}:84"
      - "${BIND}:85:85"
      - "${BIND2:-0.0.0.0}:86:86"
      - *p
      - target: 90
        published: 9090
      - {target: 91}
      - target: 92
        host_ip: "0.0.0.0"
  b:
    network_mode: host
    ports: ["9999:9999"]
"""


def test_second_fix_changes_nothing(tmp_path):
    path = write(tmp_path, "compose.yaml", ALL_FORMS, dedent=False)
    first = plan_for(path)
    assert first.errors == [] and len(first.edits) == 14
    assert apply(first).ok
    second = plan_for(path)
    assert second.changed == [] and render_diff(second) == ""
    assert {m.reason for m in second.manual} == {"unset-variable", "host-network"}
    left = [(f.code, f.location.line) for f in lint([str(path)], settings()).findings]
    assert left == [("BG006", 13), ("BG004", 24)]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16-le", "utf-16-be"])
def test_encodings_are_kept(tmp_path, encoding):
    text = SERVICE.format(entry='"80:80"') + "# ünïcödé\n"
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(encoding, b"")
    path = tmp_path / "compose.yaml"
    path.write_bytes(bom + text.encode(encoding))
    plan = plan_for(path)
    assert apply(plan).ok
    expected = SERVICE.format(entry='"127.0.0.1:80:80"') + "# ünïcödé\n"
    assert path.read_bytes() == bom + expected.encode(encoding)


# -- diff and check ----------------------------------------------------------------
def test_render_diff_and_plan_touch_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "compose.yaml", SERVICE.format(entry='"80:80"'), dedent=False)
    before = (tmp_path / "compose.yaml").read_bytes()
    plan = plan_fixes(["compose.yaml"], settings())
    assert render_diff(plan) == (
        "--- a/compose.yaml\n"
        "+++ b/compose.yaml\n"
        "@@ -2,4 +2,4 @@\n"
        "   app:\n"
        "     image: example  # the image\n"
        "     ports:\n"
        '-      - "80:80"   # keep me\n'
        '+      - "127.0.0.1:80:80"   # keep me\n'
    )
    assert (tmp_path / "compose.yaml").read_bytes() == before
    # --check: "would change" is exactly "plan.changed is not empty".
    assert [f.path for f in plan.changed] == ["compose.yaml"]


def test_render_diff_without_final_newline(tmp_path):
    path = write(tmp_path, "compose.yaml", 'services:\n  a:\n    ports: ["80:80"]', dedent=False)
    diff = render_diff(plan_for(path))
    assert diff.endswith(
        '-    ports: ["80:80"]\n\\ No newline at end of file\n'
        '+    ports: ["127.0.0.1:80:80"]\n\\ No newline at end of file\n'
    )


def test_clean_file_has_empty_plan(tmp_path):
    path = write(tmp_path, "compose.yaml", SERVICE.format(entry='"127.0.0.1:80:80"'), dedent=False)
    plan = plan_for(path)
    assert plan.files == [] and plan.manual == [] and render_diff(plan) == ""
    assert apply(plan).ok and apply(plan).written == []


def test_edit_records(tmp_path):
    path = write(tmp_path, "compose.yaml", ALL_FORMS, dedent=False)
    plan = plan_for(path)
    anchor, first = plan.edits[0], plan.edits[1]
    assert (anchor.line, anchor.column, anchor.services) == (2, 6, ("a",))
    assert (first.file, first.line, first.column, first.rules) == (str(path), 6, 9, ("BG001",))
    assert (first.old, first.new, first.summary) == ('"5432:5432"', '"127.0.0.1:5432:5432"', "add host IP 127.0.0.1")
    inserted = [e for e in plan.edits if e.inserted_line]
    assert [(e.line, e.old, e.new, e.syntax) for e in inserted] == [
        (17, "", "        host_ip: 127.0.0.1\n", "long")
    ]
    assert plan.fixed_by_rule() == {"BG001": 7, "BG002": 5, "BG006": 2}
    assert plan.manual_by_reason() == {"host-network": 1}  # BG006 counted once
    # Positions after the fix: lines move only below the inserted host_ip line.
    assert [(e.line, e.new_line) for e in plan.edits if e.line >= 19] == [(19, 20), (20, 21)]
    fixed = plan.files[0].new_text
    for e in plan.edits:
        line = fixed.split("\n")[e.new_line - 1]
        offset = len("\n".join(fixed.split("\n")[: e.new_line - 1])) + (1 if e.new_line > 1 else 0)
        assert offset + e.new_column - 1 == e.new_entry_start, e
        assert line[e.new_column - 1 :]


# -- apply safety -------------------------------------------------------------------
def test_read_only_file_is_refused(tmp_path):
    path = write(tmp_path, "compose.yaml", SERVICE.format(entry='"80:80"'), dedent=False)
    before = path.read_bytes()
    plan = plan_for(path)
    path.chmod(0o444)
    result = apply(plan)
    assert result.written == [] and "read-only" in result.errors[0][1]
    assert path.read_bytes() == before and stat.S_IMODE(path.stat().st_mode) == 0o444
    assert sorted(p.name for p in tmp_path.iterdir()) == ["compose.yaml"]


def test_file_changed_between_plan_and_apply_is_untouched(tmp_path):
    path = write(tmp_path, "compose.yaml", SERVICE.format(entry='"80:80"'), dedent=False)
    plan = plan_for(path)
    edited = SERVICE.format(entry='"127.0.0.1:80:80"  # done by hand')
    path.write_text(edited)
    result = apply(plan)
    assert result.written == [] and "changed on disk" in result.errors[0][1]
    assert path.read_text() == edited


def test_same_size_rewrite_is_detected(tmp_path):
    path = write(tmp_path, "compose.yaml", SERVICE.format(entry='"80:80"'), dedent=False)
    plan = plan_for(path)
    st = path.stat()
    path.write_text(SERVICE.format(entry='"81:81"'))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size, same mtime: bytes decide
    assert "changed on disk" in apply(plan).errors[0][1]
    assert '"81:81"' in path.read_text()


def test_file_changed_during_the_write_is_untouched(tmp_path, monkeypatch):
    path = write(tmp_path, "compose.yaml", SERVICE.format(entry='"80:80"'), dedent=False)
    plan = plan_for(path)
    real_write = writer.write_atomic

    def racing_write(target, data, **kw):
        Path(target).write_text("services: {}\n")  # another editor saves meanwhile
        return real_write(target, data, **kw)

    monkeypatch.setattr(writer, "write_atomic", racing_write)
    result = apply(plan)
    assert "changed on disk" in result.errors[0][1]
    assert path.read_text() == "services: {}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["compose.yaml"]  # no temp file left


def test_symlink_edits_the_real_file_and_keeps_the_link(tmp_path):
    real = write(tmp_path, "real/compose.yaml", SERVICE.format(entry='"80:80"'), dedent=False)
    link = tmp_path / "compose.yaml"
    link.symlink_to(real)
    plan = plan_for(link)
    assert plan.files[0].path == str(link) and plan.files[0].real_path == str(real)
    assert apply(plan).ok
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == SERVICE.format(entry='"127.0.0.1:80:80"')


def test_hard_linked_file_is_not_split(tmp_path):
    path = write(tmp_path, "compose.yaml", SERVICE.format(entry='"80:80"'), dedent=False)
    other = tmp_path / "elsewhere.yaml"
    os.link(path, other)
    result = apply(plan_for(path))
    assert result.written == [] and "2 hard links" in result.errors[0][1]
    assert os.path.samefile(path, other) and path.read_text() == SERVICE.format(entry='"80:80"')


def test_link_and_target_in_one_run_are_one_file(tmp_path):
    real = write(tmp_path, "a/compose.yaml", SERVICE.format(entry='"80:80"'), dedent=False)
    link = tmp_path / "b.compose.yaml"
    link.symlink_to(real)
    plan = plan_for([real, link])
    assert len(plan.changed) == 1 and len(plan.edits) == 1
    assert apply(plan).ok


def test_permissions_are_kept(tmp_path):
    path = write(tmp_path, "compose.yaml", SERVICE.format(entry='"80:80"'), dedent=False)
    path.chmod(0o640)
    assert apply(plan_for(path)).ok
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert '"127.0.0.1:80:80"' in path.read_text()


def test_unparseable_new_text_is_never_written(tmp_path):
    path = write(tmp_path, "compose.yaml", SERVICE.format(entry='"80:80"'), dedent=False)
    before = path.read_bytes()
    plan = plan_for(path)
    plan.files[0].new_text = plan.files[0].new_text.replace("ports:", "ports: [")
    result = apply(plan)
    assert "would not parse" in result.errors[0][1]
    assert path.read_bytes() == before


def test_verification_catches_a_bad_rewrite(tmp_path, monkeypatch):
    """A rewrite that parses but still lints, or breaks the YAML, is an error in the plan."""
    path = write(tmp_path, "compose.yaml", SERVICE.format(entry='"80:80"'), dedent=False)
    before = path.read_bytes()

    def still_wildcard(text, node, flow, address, lookup):
        start, end = node.start_mark.index, node.end_mark.index
        return Change(start, end, '"0.0.0.0:80:80"', "127.0.0.1:80:80", "bogus")

    monkeypatch.setattr(remedy, "short_change", still_wildcard)
    plan = plan_for(path)
    assert plan.changed == [] and "BG002" in plan.errors[0][1]
    assert render_diff(plan) == ""
    result = apply(plan)
    assert result.errors == plan.errors and path.read_bytes() == before

    def breaks_yaml(text, node, flow, address, lookup):
        start, end = node.start_mark.index, node.end_mark.index
        return Change(start, end, '"127.0.0.1:80:80": [', "127.0.0.1:80:80", "bogus")

    monkeypatch.setattr(remedy, "short_change", breaks_yaml)
    plan = plan_for(path)
    assert plan.changed == [] and "would not parse" in plan.errors[0][1]

    def changes_other_data(text, node, flow, address, lookup):
        start, end = node.start_mark.index, node.end_mark.index
        return Change(start, end, '"127.0.0.1:80:80"\n    image: other', "127.0.0.1:80:80", "bogus")

    monkeypatch.setattr(remedy, "short_change", changes_other_data)
    plan = plan_for(path)
    assert plan.changed == [] and plan.errors and path.read_bytes() == before


def test_invalid_yaml_file_is_listed_not_touched(tmp_path):
    path = write(tmp_path, "compose.yaml", 'services:\n  a:\n    ports: ["80:80"\n', dedent=False)
    plan = plan_for(path)
    assert plan.changed == [] and reasons(plan)[0][1:] == ("BG000", "invalid-file")
    assert parse_text(path.read_text(), str(path)).problems


# -- entries Compose merges away ------------------------------------------------
def test_override_repeating_an_entry_gets_the_same_rewrite(tmp_path):
    """Compose keeps an override's entry in place of an equal base one (the finding is on the
    override's line); after the fix the base copy must still match it."""
    base = write(tmp_path, "compose.yaml", SERVICE.format(entry='"80:80"'), dedent=False)
    override = write(
        tmp_path,
        "compose.override.yaml",
        """
        services:
          app:
            ports:
              - "80:80"
              - "9000:9000"
        """,
    )
    plan = plan_fixes([str(tmp_path)], settings())
    twins = [e for e in plan.edits if e.merged_duplicate]
    assert [(e.file, e.line, e.new) for e in twins] == [(str(base), 5, '"127.0.0.1:80:80"')]
    assert any(e.file == str(override) and e.line == 4 and not e.merged_duplicate for e in plan.edits)
    assert len(plan.edits) == 3 and plan.manual == []
    assert apply(plan).ok
    assert lint([str(tmp_path)], settings()).findings == ()
    assert plan_fixes([str(tmp_path)], settings()).changed == []


def test_extends_repeating_an_entry_gets_the_same_rewrite(tmp_path):
    path = write(
        tmp_path,
        "compose.yaml",
        """
        services:
          base:
            ports: ["80:80"]
          web:
            extends: base
            ports: ["80:80", {target: 81}]
        """,
    )
    plan = plan_for(path)
    assert apply(plan).ok
    assert path.read_text() == textwrap.dedent(
        """\
        services:
          base:
            ports: ["127.0.0.1:80:80"]
          web:
            extends: base
            ports: ["127.0.0.1:80:80", {target: 81, host_ip: 127.0.0.1}]
        """
    )
    assert plan_for(path).changed == []


def test_a_revealed_duplicate_is_never_silent(tmp_path, monkeypatch):
    """Safety net: if a merged-away copy were not rewritten, the plan says so."""
    base = write(tmp_path, "compose.yaml", SERVICE.format(entry='"80:80"'), dedent=False)
    write(tmp_path, "compose.override.yaml", 'services:\n  app:\n    ports: ["80:80"]\n', dedent=False)
    monkeypatch.setattr(planner._Planner, "_twins", lambda self, request: [])
    plan = plan_fixes([str(tmp_path)], settings())
    # the override's entry is the one Compose keeps: the base copy is what a fix reveals
    assert [(m.file, m.line, m.code, m.reason) for m in plan.manual] == [
        (str(base), 5, "BG001", "revealed-by-fix")
    ]


def test_files_with_only_manual_items_are_in_the_plan(tmp_path):
    path = write(tmp_path, "compose.yaml", "services:\n  a:\n    image: x\n    network_mode: host\n", dedent=False)
    plan = plan_for(path)
    assert [(f.path, f.changed, len(f.edits), len(f.manual)) for f in plan.files] == [(str(path), False, 0, 1)]
    assert render_diff(plan) == "" and apply(plan).written == []
