"""``sh -c "docker run -p ..."``: the script a shell runs is read like the file around it.

Before, a publish inside ``sh -c``/``bash -c`` was not read at all: a script
whose only ``docker run`` ran that way passed as "no published ports".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bindguard.lint import LintSettings, lint
from bindguard.sources.shell import MAX_NESTING, ShellText, analyse


def _found(text: str) -> list[tuple]:
    services, problems = analyse("s.sh", ShellText(text))
    rows = [(b.location.line, b.location.column, b.service, b.host_ip, str(b.host_ports), b.variables)
            for s in services for b in s.bindings]
    return rows + [(p.location.line, p.location.column, p.code, p.message) for p in problems]


def test_a_single_quoted_script_keeps_its_lines_and_columns():
    text = "#!/bin/sh\nsh -c 'docker run -p 8080:80 web'\nbash -lc 'docker run -d \\\n  -p 127.0.0.1:9000:9000 minio'\n"
    assert _found(text) == [
        (2, 22, "web", "", "8080", ()),
        (4, 6, "minio", "127.0.0.1", "9000", ()),
    ]


def test_options_prefixes_and_shells():
    text = ("sudo sh -c 'docker run -p 1:1 a'\n"
            "busybox sh -c 'docker run -p 2:2 b'\n"
            "bash -o pipefail -ec 'docker run -p 3:3 c'\n"
            "zsh --norc -c 'podman run -p 4:4 d'\n"
            "sh -- -c 'docker run -p 5:5 e'\n"      # after --, -c is the script's name, not an option
            "bash script.sh\n"                       # another file: linted as itself
            "sh -o c 'docker run -p 6:6 f'\n")       # -o takes a value: no -c here
    assert [(r[0], r[2]) for r in _found(text)] == [(1, "a"), (2, "b"), (3, "c"), (4, "d")]


def test_a_double_quoted_script_is_expanded_by_this_shell_first():
    text = 'HOST=127.0.0.1\nsh -c "docker run -p $HOST:8080:80 web"\nsh -c \'docker run -p ${HOST:-0.0.0.0}:81:80 api\'\n'
    rows = _found(text)
    # this shell fills $HOST in: loopback, placed at the word (the text moved)
    assert rows[0] == (2, 7, "web", "127.0.0.1", "8080", ())
    # in single quotes the inner shell expands it, and it never saw the assignment (not exported)
    assert rows[1] == (3, 22, "api", "0.0.0.0", "81", ())


def test_a_variable_left_unset_here_is_named_on_the_entry():
    rows = _found('sh -c "docker run -p $HOST:8080:80 web"\n')
    assert rows == [(1, 7, "web", "", "8080", ("HOST",))]


def test_a_script_known_only_at_run_time_is_unresolved_not_skipped():
    rows = _found('sh -c "docker run -p $(port):80 web"\nsh -c "$(cat cmd)"\n')
    assert len(rows) == 1 and rows[0][:3] == (1, 7, "BG006")
    assert "the script sh runs is built at run time" in rows[0][3] and "not counted as loopback" in rows[0][3]


def test_nesting_is_read_to_a_depth_then_reported():
    script = "docker run -p 7:7 z"
    for _ in range(MAX_NESTING):
        script = "sh -c '" + script.replace("'", "'\\''") + "'"
    assert [r[2] for r in _found(script + "\n")] == ["z"]
    deeper = "sh -c '" + script.replace("'", "'\\''") + "'"
    rows = _found(deeper + "\n")
    assert [r[2] for r in rows] == ["BG006"] and f"more than {MAX_NESTING} deep" in rows[0][3]


def test_a_big_value_run_on_every_line_stops_at_the_budget():
    """Reading ``sh -c "$X"`` again on each line would not be linear in the file: past the
    file's own size (and 64 KiB), the rest is reported unresolved, never skipped."""
    big = "docker run -p 127.0.0.1:1:1 img; " * 2000
    text = f'X="{big}"\n' + 'sh -c "$X"\n' * 200
    services, problems = analyse("s.sh", ShellText(text))
    read = sum(len(s.bindings) for s in services)
    assert 0 < read < 200 * 2000
    assert problems and all(p.code == "BG006" and "more text than bindguard reads" in p.message for p in problems)
    assert read // 2000 + len(problems) == 200


def test_makefile_and_workflow_places(tmp_path: Path):
    (tmp_path / "Makefile").write_text("up:\n\tsh -c 'docker run -p 6379:6379 redis'\n")
    flow = tmp_path / ".github" / "workflows"
    flow.mkdir(parents=True)
    (flow / "ci.yml").write_text(
        "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: |\n          sh -c 'docker run -p 5432:5432 db'\n"
        "      - run: bash -c 'docker run -p ${{ matrix.port }}:80 x'\n")
    report = lint([str(tmp_path)], LintSettings(jobs=1))
    rows = [(Path(f.location.file).name, f.location.line, f.location.column, f.code) for f in report.findings]
    assert rows == [("ci.yml", 7, 32, "BG001"), ("ci.yml", 8, 37, "BG006"), ("Makefile", 2, 23, "BG001")]
    unresolved = [f for f in report.findings if f.code == "BG006"][0]
    assert "template expression" in unresolved.message


def test_fix_rewrites_inside_the_quotes_and_a_second_run_finds_nothing(tmp_path: Path):
    from bindguard.fix import apply, plan_fixes

    script = tmp_path / "up.sh"
    script.write_text("#!/bin/sh\nsh -c 'docker run -d -p 8080:80 web'\n"
                      'bash -c "docker run -p \\"9000:9000\\" minio"\n')
    result = apply(plan_fixes([str(script)], LintSettings(jobs=1)))
    assert not result.errors
    assert script.read_text() == ("#!/bin/sh\nsh -c 'docker run -d -p 127.0.0.1:8080:80 web'\n"
                                  'bash -c "docker run -p \\"127.0.0.1:9000:9000\\" minio"\n')
    assert not lint([str(script)], LintSettings(jobs=1)).findings


@pytest.mark.parametrize("line", ["sh -c 'docker run -p 8080:80 web'", "bash -c \"docker run -p 8080:80 web\""])
def test_a_script_that_only_publishes_through_sh_c_is_not_an_all_clear(tmp_path: Path, line: str):
    script = tmp_path / "run.sh"
    script.write_text(f"#!/bin/sh\n{line}\n")
    report = lint([str(script)], LintSettings(jobs=1))
    assert [f.code for f in report.findings] == ["BG001"] and report.published_ports == 1


REAL_SHELL_CASES = """\
A=0.0.0.0
sh -c 'docker run -p ${A:-127.0.0.1}:1:1 a'
export B=0.0.0.0
sh -c 'docker run -p ${B:-127.0.0.1}:2:2 b'
C=127.0.0.1
sh -c 'docker run -p $C:3:3 c'
C=127.0.0.1 sh -c 'docker run -p $C:4:4 d'
env D=0.0.0.0 sh -c 'docker run -p ${D:-127.0.0.1}:5:5 e'
set -a
E=0.0.0.0
set +a
F=0.0.0.0
sh -c 'docker run -p ${E:-127.0.0.1}:6:6 f; docker run -p ${F:-127.0.0.1}:7:7 g'
declare -x G=0.0.0.0
bash -c "sh -c 'docker run -p \\${G:-127.0.0.1}:8:8 h'"
H=127.0.0.1
bash -c "docker run -p $H:9:9 i"
sh -ec 'docker run \\
  -p 10:10 j'
"""


def test_the_real_shell_publishes_what_bindguard_reads(tmp_path: Path):
    """bash runs the script with a ``docker`` that only records its ``-p`` values; what each
    ``sh -c`` sees (exported or not, ``A=1 sh -c``, ``env``, ``set -a``) must match."""
    import shutil
    import subprocess

    bash = shutil.which("bash", path="/usr/bin:/bin")
    if bash is None:
        pytest.skip("bash is missing")
    shim = tmp_path / "bin" / "docker"
    shim.parent.mkdir()
    shim.write_text('#!/bin/sh\nwhile [ $# -gt 0 ]; do\n  if [ "$1" = -p ]; then printf "%s\\n" "$2" >> "$LOG"; fi\n'
                    '  shift\ndone\n')
    shim.chmod(0o755)
    log = tmp_path / "published"
    script = tmp_path / "up.sh"
    script.write_text(REAL_SHELL_CASES)
    env = {"PATH": f"{shim.parent}:/usr/bin:/bin", "LOG": str(log)}
    subprocess.run([bash, str(script)], env=env, check=True, timeout=60)
    real = sorted(log.read_text().split())
    services, problems = analyse(str(script), ShellText(REAL_SHELL_CASES))
    ours = sorted(b.entry for s in services for b in s.bindings)
    assert (ours, problems) == (real, [])
    assert len(real) == 10


def test_a_script_sh_cannot_parse_is_a_finding_only_where_it_would_publish():
    rows = _found("sh -c 'echo \"unterminated'\nsh -c 'docker run -p 1:1 a; echo \"x'\n")
    assert [(r[0], r[2]) for r in rows] == [(2, "a"), (2, "BG000")]


def test_su_and_ssh_run_their_command_as_a_script():
    """``su -c`` runs it here as another user; ``ssh HOST CMD`` runs it on that host (which
    publishes there), its remote shell seeing none of this script's variables."""
    text = ('ssh prod "docker run -d -p 5432:5432 postgres"\n'
            "ssh -p 2222 -o StrictHostKeyChecking=no deploy@host docker run -p 8080:80 web\n"
            "ssh -N -L 8080:localhost:80 host\n"           # a tunnel: no remote command
            "ssh host\n"
            "su -c 'docker run -p 6379:6379 redis' deploy\n"
            'su deploy -c "docker run -p 1:1 a"\n'
            "export P=127.0.0.1\n"
            "ssh host 'docker run -p ${P:-0.0.0.0}:3:3 c'\n"  # the remote shell never saw the export
            "su -c 'docker run -p ${P:-0.0.0.0}:4:4 d'\n")    # su keeps the environment
    assert [r[:5] for r in _found(text)] == [
        (1, 28, "postgres", "", "5432"),
        (2, 53, "web", "", "8080"),  # several words: placed at the first
        (5, 22, "redis", "", "6379"),
        (6, 29, "a", "", "1"),
        (8, 25, "c", "0.0.0.0", "3"),
        (9, 22, "d", "127.0.0.1", "4"),
    ]


def test_commands_run_through_timeout_nice_and_setsid_are_read():
    """These runners were not stripped: ``timeout 60 docker run -p 80:80 x`` passed as nothing."""
    text = ("timeout 60 docker run -p 80:80 x\n"
            "timeout -s KILL --kill-after=5 5m sudo docker run -p 81:81 y\n"
            "nice -n 5 docker run -p 82:82 z\n"
            "nice -5 ionice -c 3 setsid stdbuf -o L docker run -p 83:83 w\n")
    assert [(r[0], r[2], r[4]) for r in _found(text)] == [(1, "x", "80"), (2, "y", "81"), (3, "z", "82"),
                                                          (4, "w", "83")]


def test_compose_run_publishes_with_its_own_flags():
    """``docker compose run -p`` publishes a one-off container (Compose's -p before ``run`` is the
    project name); ``--service-ports`` with ``--publish`` is refused by Compose, so it is BG007."""
    text = ("docker compose -f ci.yml -p proj run --rm --no-deps -e A=-p -p 8080:80 web ./test\n"
            "docker-compose run -dT --publish=127.0.0.1:9000:9000 api\n"
            "docker compose up -d\n"
            "docker compose run --rm --service-ports -p 1:1 web\n")
    assert [r[:5] if isinstance(r[2], str) and r[2] != "BG007" else r[:3] for r in _found(text)] == [
        (1, 64, "web", "", "8080"),
        (2, 24, "api", "127.0.0.1", "9000"),  # the --publish=... word
        (4, 1, "BG007"),
    ]
