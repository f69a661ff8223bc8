"""Projects read as Compose reads them (issue 20), through the real CLI in a child process.

Each behaviour here was checked against the real ``docker-compose config``
(``tests/oracle.py`` runs the same projects through it in test_oracle.py) and,
for the duplicate that Compose keeps, against the real engine.

* Profiles: ``--profile`` / ``COMPOSE_PROFILES`` (environment or ``.env``)
  choose the services, and the chosen services all run together for BG005;
  with no selection, every service is checked and the summary says so.
* Override location: an override repeating a base entry is kept where the base
  entry stood, but it is the override's entry: findings and fixes go there.
* Ranges: Compose expands them before removing duplicates.
* ``published: 8080`` as a YAML integer and ``"8080:80"`` stay two ports in
  Compose (compose-go's key formats the integer with ``%s``), and the engine
  refuses the second: BG005.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import bindguard_cli, write


@pytest.fixture(autouse=True)
def _no_profiles_in_the_shell(monkeypatch):
    """The child inherits this process's environment: no COMPOSE_PROFILES from the shell."""
    monkeypatch.delenv("COMPOSE_PROFILES", raising=False)

PROFILED = """
services:
  a:
    image: x
    profiles: [p1]
    ports: ["127.0.0.1:8080:80"]
  b:
    image: x
    profiles: [p2]
    ports: ["127.0.0.1:8080:80"]
  c:
    image: x
    profiles: [p3]
    ports: ["8081:80"]
"""


def _lint(root: Path, *args: str, env: dict[str, str] | None = None):
    proc = bindguard_cli("lint", "--no-config", "--format", "json", *args, str(root),
                         env=env)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def _codes(data) -> list[tuple[str, str, int]]:
    return [(f["rule"], f["service"], f["line"]) for f in data["findings"]]


def test_two_selected_profiles_run_together_so_their_ports_conflict(tmp_path):
    write(tmp_path, "compose.yaml", PROFILED)
    data = _lint(tmp_path, "--profile", "p1", "--profile", "p2")
    assert _codes(data) == [("BG005", "b", 9)]
    (profiles,) = data["summary"]["profiles"]
    assert profiles["selected"] == ["p1", "p2"] and profiles["source"] == "--profile"
    assert "services only in profiles p3 were not checked" in profiles["note"]


def test_without_a_selection_every_service_is_checked_and_the_summary_says_so(tmp_path):
    write(tmp_path, "compose.yaml", PROFILED)
    data = _lint(tmp_path)
    # c (profile p3) is still checked for exposure; a and b need two profiles: no BG005
    assert _codes(data) == [("BG001", "c", 13)]
    (profiles,) = data["summary"]["profiles"]
    assert profiles["selected"] is None and profiles["defined"] == ["p1", "p2", "p3"]
    text = bindguard_cli("lint", "--no-config", str(tmp_path)).stdout
    assert "Profiles: none selected, so every service was checked, those in profiles p1, p2, p3 included" in text


def test_a_conflict_needing_one_profile_says_which(tmp_path):
    write(tmp_path, "compose.yaml", """
        services:
          always:
            image: x
            ports: ["127.0.0.1:8080:80"]
          debug:
            image: x
            profiles: [debug]
            ports: ["127.0.0.1:8080:80"]
        """)
    (finding,) = _lint(tmp_path)["findings"]
    assert finding["rule"] == "BG005"
    assert "when profile 'debug' is active" in finding["message"]


def test_compose_profiles_from_the_environment_selects(tmp_path):
    write(tmp_path, "compose.yaml", PROFILED)
    data = _lint(tmp_path, env={"COMPOSE_PROFILES": "p1,p2"})
    assert _codes(data) == [("BG005", "b", 9)]
    assert data["summary"]["profiles"][0]["source"] == "COMPOSE_PROFILES"


def test_compose_profiles_from_dotenv_selects_and_its_unused_names_are_not_shown(tmp_path):
    write(tmp_path, "compose.yaml", PROFILED)
    write(tmp_path, ".env", "COMPOSE_PROFILES=p3,s3cr3t-name\n")
    data = _lint(tmp_path)
    assert _codes(data) == [("BG001", "c", 13)]
    (profiles,) = data["summary"]["profiles"]
    assert profiles["selected"] == ["p3"]
    text = bindguard_cli("lint", "--no-config", str(tmp_path)).stdout
    # only the name is from the environment: it never reaches the output
    assert "s3cr3t" not in text and "1 name no service uses" in text
    # --profile wins over COMPOSE_PROFILES, as in Compose
    assert _codes(_lint(tmp_path, "--profile", "p1")) == []


def test_compose_profiles_star_starts_every_service_together(tmp_path):
    write(tmp_path, "compose.yaml", PROFILED)
    data = _lint(tmp_path, env={"COMPOSE_PROFILES": "*"})
    assert _codes(data) == [("BG005", "b", 9), ("BG001", "c", 13)]


def _override_project(root: Path) -> tuple[Path, Path]:
    base = write(root, "compose.yaml", """
        services:
          web:
            image: x
            ports:
              - "8080:80"
              - "127.0.0.1:9090:90"
        """)
    over = write(root, "compose.override.yaml", """
        services:
          web:
            ports:
              - "8080:80"
        """)
    return base, over


def test_an_override_repeating_a_base_entry_is_reported_on_the_override_line(tmp_path):
    base, over = _override_project(tmp_path)
    (finding,) = _lint(tmp_path)["findings"]
    assert (finding["rule"], finding["file"], finding["line"]) == ("BG001", str(over), 4)
    ports = json.loads(bindguard_cli("ports", "--no-config", "--format", "json", str(tmp_path)).stdout)
    # the base entry is gone: Compose keeps the override's
    assert sorted((r["file"], r["line"]) for r in ports["bindings"]) == sorted([(str(base), 6), (str(over), 4)])


def test_fix_edits_the_line_compose_keeps(tmp_path):
    base, over = _override_project(tmp_path)
    proc = bindguard_cli("fix", "--no-config", "--diff", str(tmp_path))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    # The override's line is the one Compose keeps; once it is on loopback the
    # base "8080:80" is another port (0.0.0.0) that Compose keeps too, so both move.
    assert '+      - "127.0.0.1:8080:80"' in proc.stdout
    proc = bindguard_cli("fix", "--no-config", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert '"127.0.0.1:8080:80"' in over.read_text() and '"127.0.0.1:8080:80"' in base.read_text()
    assert _lint(tmp_path)["findings"] == []


def test_a_port_inside_a_base_range_repeated_by_an_override_is_no_conflict(tmp_path):
    write(tmp_path, "compose.yaml", """
        services:
          web:
            image: x
            ports: ["127.0.0.1:8080-8081:80-81"]
        """)
    over = write(tmp_path, "compose.override.yaml", """
        services:
          web:
            ports: ["127.0.0.1:8081:81"]
        """)
    assert _lint(tmp_path)["findings"] == []
    ports = json.loads(bindguard_cli("ports", "--no-config", "--format", "json", str(tmp_path)).stdout)
    rows = [(r["host_port"], r["container_port"], r["line"]) for r in ports["bindings"]]
    # the range keeps 8080; 8081 is the override's entry now
    assert sorted(rows) == [("8080", "80", 4), ("8081", "81", 3)]
    assert {r["file"] for r in ports["bindings"] if r["host_port"] == "8081"} == {str(over)}


def test_overlapping_identical_ranges_in_one_file_are_one_port_each(tmp_path):
    write(tmp_path, "compose.yaml", """
        services:
          web:
            image: x
            ports:
              - "127.0.0.1:7000-7003:7000-7003"
              - "127.0.0.1:7003-7006:7003-7006"
        """)
    assert _lint(tmp_path)["findings"] == []


def test_an_entry_dropped_by_reset_still_refuses_the_project(tmp_path):
    write(tmp_path, "compose.yaml", """
        services:
          web:
            image: x
            ports: ["127.0.0.1:80:80", 0]
        """)
    write(tmp_path, "compose.override.yaml", "services:\n  web:\n    ports: !reset []\n")
    assert _codes(_lint(tmp_path)) == [("BG007", "web", 4)]


def test_sign_in_a_short_port_is_bg007_and_an_integral_float_target_is_a_port(tmp_path):
    write(tmp_path, "compose.yaml", """
        services:
          web:
            image: x
            ports: ["127.0.0.1:+8080:80", {target: 080, host_ip: 127.0.0.1}]
        """)
    assert _codes(_lint(tmp_path)) == [("BG007", "web", 4)]
    ports = json.loads(bindguard_cli("ports", "--no-config", "--format", "json", str(tmp_path)).stdout)
    assert [(r["container_port"], r["verdict"]) for r in ports["bindings"]] == [(None, "invalid"), ("80", "loopback")]


def test_integer_published_and_short_syntax_are_two_ports_and_conflict(tmp_path):
    write(tmp_path, "compose.yaml", """
        services:
          web:
            image: x
            ports:
              - "127.0.0.1:8080:80"
              - {target: 80, published: 8080, host_ip: 127.0.0.1}
              - "127.0.0.1:9090:90"
              - {target: 90, published: "9090", host_ip: 127.0.0.1}
        """)
    data = _lint(tmp_path)
    assert _codes(data) == [("BG005", "web", 6)]


def test_null_ports_is_bg007_unless_an_earlier_file_gave_ports(tmp_path):
    """Compose: "services.web.ports must be a array", but null merged onto a list keeps the list."""
    write(tmp_path, "compose.yaml", "services:\n  web:\n    image: x\n    ports: ~\n")
    assert _codes(_lint(tmp_path)) == [("BG007", "web", 4)]
    write(tmp_path, "compose.yaml", 'services:\n  web:\n    image: x\n    ports: ["127.0.0.1:80:80"]\n')
    write(tmp_path, "compose.override.yaml", "services:\n  web:\n    ports: ~\n")
    assert _codes(_lint(tmp_path)) == []
