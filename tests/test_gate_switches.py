"""Issue 25 section 4: the gate cannot be emptied or switched off silently.

Each test failed on the code before its fix. Where Compose decides what a file
means, the real Docker Compose v2 (``composebed.compose_config``) is asked too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from composebed import compose_config
from helpers import error_engine, write


def bg(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``bindguard ARGS`` in ``cwd`` with a clean environment (no config above /tmp leaks in)."""
    return subprocess.run(
        [sys.executable, "-m", "bindguard", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", **(env or {})},
        timeout=120,
    )


def bg000s(result: subprocess.CompletedProcess) -> list[tuple[str, int]]:
    data = json.loads(result.stdout)
    return sorted((f["file"], f["line"]) for f in data["findings"] if f["rule"] == "BG000")


SERVICE = 'services:\n  app:\n    image: x\n    ports: ["127.0.0.1:8080:80"]\n'


# -- 1. an emptied compose file is refused, not vouched for ---------------------------
@pytest.mark.parametrize(
    ("text", "compose_says"),
    [
        ("", "empty compose file"),
        ("# nothing here\n# at all\n", "empty compose file"),
        ("services:\n", "services must be a mapping"),
        ("services: ~\n", "services must be a mapping"),
        ("version: '3.8'\n", "empty compose file"),
        ("# a comment\nversion: '3.8'\n", "empty compose file"),
    ],
    ids=["empty", "comments", "services-no-value", "services-null", "version-only", "comment-version"],
)
def test_an_emptied_compose_file_is_bg000_at_the_file(tmp_path, text, compose_says):
    write(tmp_path, "compose.yaml", text) if text else (tmp_path / "compose.yaml").write_text("")
    code, _, err = compose_config([tmp_path / "compose.yaml"], tmp_path)
    assert code != 0 and compose_says in err, err
    result = bg(tmp_path, "lint", "--output-format", "json", ".")
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert [f for f, _ in bg000s(result)] == ["compose.yaml"], result.stdout


def test_the_text_summary_of_an_empty_file_is_not_no_findings(tmp_path):
    (tmp_path / "compose.yaml").write_text("")
    result = bg(tmp_path, "lint", ".")
    assert result.returncode == 1 and "No findings" not in result.stdout, result.stdout
    assert "compose.yaml:1:1: BG000 empty compose file" in result.stdout


@pytest.mark.parametrize("override", ["", "# only a comment\n", "version: '3'\n"])
def test_an_empty_override_beside_a_real_file_is_fine_as_for_compose(tmp_path, override):
    write(tmp_path, "compose.yaml", SERVICE)
    (tmp_path / "compose.override.yaml").write_text(override)
    code, data, err = compose_config([tmp_path / "compose.yaml", tmp_path / "compose.override.yaml"], tmp_path)
    assert code == 0, err
    result = bg(tmp_path, "lint", "--output-format", "json", ".")
    assert result.returncode == 0 and bg000s(result) == [], result.stdout


def test_an_empty_base_with_a_real_override_is_fine_as_for_compose(tmp_path):
    (tmp_path / "compose.yaml").write_text("")
    write(tmp_path, "compose.override.yaml", SERVICE)
    code, _, err = compose_config([tmp_path / "compose.yaml", tmp_path / "compose.override.yaml"], tmp_path)
    assert code == 0, err
    result = bg(tmp_path, "lint", "--output-format", "json", ".")
    assert result.returncode == 0 and bg000s(result) == [], result.stdout


def test_services_with_no_value_in_an_override_or_include_is_refused_as_by_compose(tmp_path):
    write(tmp_path, "compose.yaml", SERVICE)
    write(tmp_path, "compose.override.yaml", "services:\n")
    code, _, err = compose_config([tmp_path / "compose.yaml", tmp_path / "compose.override.yaml"], tmp_path)
    assert code != 0 and "services must be a mapping" in err, err
    result = bg(tmp_path, "lint", "--output-format", "json", ".")
    assert result.returncode == 1 and bg000s(result) == [("compose.override.yaml", 1)], result.stdout

    inc = tmp_path / "inc"
    write(inc, "compose.yaml", "include:\n  - other.yaml\n" + SERVICE)
    write(inc, "other.yaml", "services:\n")
    code, _, err = compose_config([inc / "compose.yaml"], inc)
    assert code != 0 and "services must be a mapping" in err, err
    result = bg(inc, "lint", "--output-format", "json", ".")
    assert result.returncode == 1 and bg000s(result) == [("other.yaml", 1)], result.stdout


def test_an_empty_included_file_is_fine_as_for_compose(tmp_path):
    write(tmp_path, "compose.yaml", "include:\n  - other.yaml\n" + SERVICE)
    (tmp_path / "other.yaml").write_text("# nothing yet\n")
    code, _, err = compose_config([tmp_path / "compose.yaml"], tmp_path)
    assert code == 0, err
    result = bg(tmp_path, "lint", "--output-format", "json", ".")
    assert result.returncode == 0 and bg000s(result) == [], result.stdout


# -- 6. watch --exec: stopping the watch stops the running hook and its children -------
def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_closing_the_hook_stops_its_whole_process_group(tmp_path):
    import threading

    from bindguard.hooks import ExecHook

    pids = tmp_path / "pids"
    script = tmp_path / "hook.py"
    script.write_text(
        "import os, subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        f"open({str(pids)!r}, 'w').write(f'{{os.getpid()}} {{child.pid}}')\n"
        "time.sleep(600)\n"
    )
    notes: list[str] = []
    hook = ExecHook([sys.executable, str(script)], 600, notes.append)
    hook.submit(b"{}")
    hook.submit(b"{}")  # queued behind the running one: must never start once the watch stops
    started = threading.Event()
    for _ in range(600):
        if pids.exists() and len(pids.read_text().split()) == 2:
            started.set()
            break
        started.wait(0.05)
    assert started.is_set(), "the hook never started"
    leader, child = (int(p) for p in pids.read_text().split())
    try:
        hook.close(0.1)  # what guard() does when SIGTERM stops the watch
        gone = threading.Event()
        for _ in range(200):
            if not _alive(leader) and not _alive(child):
                gone.set()
                break
            gone.wait(0.05)
        assert not _alive(leader), "the running hook outlived the watch"
        assert not _alive(child), "the hook's child outlived the watch"
        assert any("stopping" in n for n in notes), notes
        hook._thread.join(5)
        assert not hook._thread.is_alive() and pids.read_text() == f"{leader} {child}"
    finally:
        for pid in (leader, child):
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass


# -- 4. one escaping function for terminal and CI-log text, used everywhere ------------
HOSTILE = "\x1b]2;owned\x07\u202eevil\u2028FAKE\u2029\u2066x\u2069"


def _no_raw(text: str) -> None:
    for char in ("\x1b", "\x07", "\u202e", "\u2028", "\u2029", "\u2066", "\u2069"):
        assert char not in text, repr(text[:400])


def test_printable_escapes_every_control_format_and_separator_character():
    import unicodedata

    from bindguard.ansi import printable

    unsafe = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) in ("Cc", "Cf", "Zl", "Zp")]
    escaped = printable("".join(unsafe))
    assert escaped.isascii() and escaped.count("\\") == len(unsafe)
    assert printable("a\u202eb\u2028c\U000e0041") == "a\\u202eb\\u2028c\\U000e0041"
    assert printable("Grüße, 東京, 🙂") == "Grüße, 東京, 🙂"


def test_bidi_and_line_separators_are_escaped_in_text_output(tmp_path):
    # YAML escapes: a raw ESC is a YAML error, and a raw U+2028 a line break
    name = r"web\e]2;owned\a\u202Eevil\u2028FAKE\u2029\u2066x\u2069"
    write(tmp_path, "compose.yaml", f'services:\n  "{name}":\n    image: x\n    ports: ["8080:80"]\n')
    for fmt in ("concise", "full"):
        result = bg(tmp_path, "lint", "--output-format", fmt, ".")
        assert result.returncode == 1, result.stderr
        assert "web\\x1b]2;owned\\x07\\u202eevil\\u2028FAKE" in result.stdout, result.stdout
        _no_raw(result.stdout + result.stderr)


def test_metrics_label_values_are_escaped():
    from bindguard.engine.containers import container_info, running_bindings
    from bindguard.engine.live import list_item
    from bindguard.metrics import EngineSnapshot, render
    from bindguard.model import Finding, Location, Severity

    engine = "unix:///x.sock"
    doc = {
        "Id": "c1",
        "Name": f"/web{HOSTILE}",
        "State": {"Status": "running"},
        "Config": {"Image": "img:1", "Labels": {"com.docker.compose.service": f"svc{HOSTILE}"}},
        "HostConfig": {"NetworkMode": "bridge", "PortBindings": {}},
        "NetworkSettings": {"Networks": {"bridge": {}}, "Ports": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]}},
    }
    item = list_item(doc)
    bindings = tuple(running_bindings(container_info(item), item["Ports"], engine))
    loc = Location(engine=engine, container=f"web{HOSTILE}", container_id="c1", image="img")
    finding = Finding("BG001", Severity.ERROR, "open", loc, service=f"svc{HOSTILE}", entry="0.0.0.0:8080:80")
    text = render([EngineSnapshot(engine, True, (finding,), bindings, last_audit=1.0)])
    assert "bindguard_exposed_port{" in text and "svc\\\\x1b]2;owned" in text, text
    _no_raw(text)


def test_watch_status_lines_are_escaped_on_stderr(tmp_path):
    import signal
    import threading

    with error_engine(f"boom {HOSTILE} end") as host:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bindguard", "watch", "--no-config", "--host", host, "--timeout", "5"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "DOCKER_CONFIG": "/nonexistent"},
        )
        killer = threading.Timer(60, proc.kill)
        killer.start()
        try:
            seen = b""
            while b"boom" not in seen:
                line = proc.stderr.readline()
                if not line:
                    break
                seen += line
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=60)
        finally:
            killer.cancel()
            proc.kill()
    text = (seen + err).decode("utf-8")
    assert "boom" in text and "\\x1b]2;owned\\x07\\u202eevil" in text, text
    _no_raw(text + out.decode("utf-8"))


# -- 7. dependency floors exclude the SDK's HTTP stack with known CVEs ----------------
@pytest.mark.parametrize(
    ("package", "vulnerable"),
    [
        ("requests", ["2.26.0", "2.31.0", "2.32.0", "2.32.3"]),  # CVE-2024-35195 (<2.32.0), CVE-2024-47081 (<2.32.4)
        ("urllib3", ["1.26.0", "1.26.18", "2.0.0", "2.2.1", "2.4.0"]),  # CVE-2024-37891 (<2.2.2), CVE-2025-50181 (<2.5.0)
    ],
)
def test_dependency_floors_exclude_known_cves(package, vulnerable):
    import tomllib

    from packaging.requirements import Requirement

    root = Path(__file__).resolve().parent.parent
    deps = tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
    direct = [Requirement(d) for d in deps if Requirement(d).name == package]
    assert direct, f"{package} has no floor of its own: docker>=7.1 lets in vulnerable versions"
    for version in vulnerable:
        assert not any(r.specifier.contains(version) for r in direct), (package, version)
    lowest = subprocess.run(
        [sys.executable, str(root / ".ci" / "lowest-constraints.py")], capture_output=True, text=True, check=True
    ).stdout.split()
    pinned = next(line.split("==")[1] for line in lowest if line.startswith(f"{package}=="))
    assert pinned not in vulnerable and direct[0].specifier.contains(pinned)


# -- 2. a config that turns the gate down says so in every output ----------------------
EXPOSED = 'services:\n  app:\n    image: x\n    ports: ["8080:80"]\n'
WEAK = 'fail-on = "never"\nignore = ["BG001"]\nenv-file = ["/etc/hostname"]\n[severity]\nBG003 = "info"\n'


@pytest.mark.parametrize("fmt", ["concise", "full", "json", "sarif", "github", "gitlab", "junit"])
def test_every_format_names_the_config_that_weakened_the_gate(tmp_path, fmt):
    write(tmp_path, "compose.yaml", EXPOSED)
    write(tmp_path, ".bindguard.toml", WEAK)
    result = bg(tmp_path, "lint", "--output-format", fmt, ".")
    assert result.returncode == 0, result.stderr  # the config's fail-on = "never" still holds...
    out = result.stdout
    assert ".bindguard.toml" in out, out  # ...but the output says who turned the gate down and how
    assert "never" in out and "BG001" in out and "BG003" in out and "/etc/hostname" in out, out
    if fmt == "json":
        weak = json.loads(out)["weakened"]
        assert weak["fail-on"] == "never" and weak["ignored"] == ["BG001"]
        assert weak["downgraded"] == [{"rule": "BG003", "default": "warning", "configured": "info"}]
        assert weak["env-file-outside"] == ["/etc/hostname"]
    if fmt == "sarif":
        run = json.loads(out)["runs"][0]
        assert run["properties"]["weakened"]["config"] == ".bindguard.toml"
        notes = run["invocations"][0]["toolExecutionNotifications"]
        assert any(n["level"] == "warning" and "weakens the gate" in n["message"]["text"] for n in notes)
    if fmt == "github":
        assert any(line.startswith("::warning file=.bindguard.toml,") for line in out.splitlines()), out


def test_pyproject_weakening_is_named_and_command_line_options_replace_it(tmp_path):
    write(tmp_path, "compose.yaml", EXPOSED)
    write(tmp_path, "pyproject.toml", '[tool.bindguard]\nfail-on = "never"\nselect = ["BG002"]\n')
    result = bg(tmp_path, "lint", ".")
    assert "pyproject.toml weakens the gate" in result.stdout and "BG001" in result.stdout, result.stdout
    # what the command line sets is not the config's doing: the Action passes --fail-on
    result = bg(tmp_path, "lint", "--fail-on", "warning", "--select", "BG001", ".")
    assert result.returncode == 1 and "weakens" not in result.stdout, result.stdout


def test_a_stricter_config_is_not_called_weak_but_its_env_file_is_named(tmp_path):
    write(tmp_path, "compose.yaml", EXPOSED)
    write(tmp_path, ".bindguard.toml", 'fail-on = "info"\nenv-file = [".env.ci"]\n[severity]\nBG003 = "error"\n')
    write(tmp_path, ".env.ci", "X=1\n")
    result = bg(tmp_path, "lint", ".")
    assert result.returncode == 1
    # an env file inside the repository is still named: its values decide what ${VAR} ports become
    assert "env files added" in result.stdout and "outside" not in result.stdout, result.stdout
    assert "fail-on" not in result.stdout and "severity lowered" not in result.stdout


def test_weakening_reads_each_key_and_overrides():
    from bindguard.config import parse_config
    from bindguard.settings import CliOptions
    from bindguard.weakening import weakening

    config = parse_config(
        {
            "fail-on": "error",
            "select": ["BG001", "BG002"],
            "exclude": ["prod/**"],
            "allow": ["10.0.0.0/8"],
            "overrides": [{"paths": ["dev/*"], "ignore": ["BG002"], "severity": {"BG001": "warning"}}],
        },
        "/repo/.bindguard.toml",
    )
    weak = weakening(config)
    assert weak is not None and weak.config == "/repo/.bindguard.toml"
    assert weak.fail_on == "error" and "BG003" in weak.ignored and "BG001" not in weak.ignored
    assert weak.excluded == ("prod/**",) and weak.allowed == ("10.0.0.0/8",)
    assert weak.per_path == ("for dev/*: rules turned off: BG002; severity lowered: BG001 error -> warning",)
    assert weakening(config._replace(path=None)) is None
    cli = CliOptions(fail_on="error", select=("BG001",), exclude=("x",), allow=("10.0.0.0/8",))
    only_overrides = weakening(config._replace(overrides=()), cli)
    assert only_overrides is None


# -- 2b. the Action can take the config from the base branch or a trusted path ---------
def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main", *args],
        cwd=cwd, capture_output=True, text=True, check=True,
    ).stdout


def _action_script() -> tuple[str, dict]:
    import yaml

    action = yaml.safe_load((Path(__file__).resolve().parent.parent / "action.yml").read_text())
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "lint")
    return step["run"], step["env"]


def _run_action(workspace: Path, inputs: dict[str, str], base_ref: str = "main") -> subprocess.CompletedProcess:
    script, _ = _action_script()
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "NO_COLOR": "1",
        "HOME": str(workspace.parent),
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_OUTPUT": str(workspace.parent / "github_output"),
        "GITHUB_BASE_REF": base_ref,
        "BG_PATHS": ".",
        "BG_CONFIG": "",
        "BG_TRUSTED_CONFIG": "",
        "BG_FAIL_ON": "warning",
        "BG_FORMAT": "github",
        "BG_OUTPUT": str(workspace.parent / "report.txt"),
        **inputs,
    }
    return subprocess.run(["bash", "-c", script], cwd=workspace, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def pull_request(tmp_path) -> Path:
    """A base branch with a strict config, and a pull request checkout that weakens it."""
    origin = tmp_path / "origin"
    origin.mkdir()
    _git(origin, "init", "-q")
    write(origin, "compose.yaml", 'services:\n  app:\n    image: x\n    ports: ["127.0.0.1:8080:80"]\n')
    write(origin, ".bindguard.toml", 'fail-on = "warning"\n')
    _git(origin, "add", ".")
    _git(origin, "commit", "-qm", "base")
    work = tmp_path / "work"
    _git(tmp_path, "clone", "-q", str(origin), str(work))
    _git(work, "checkout", "-qb", "pr")
    write(work, "compose.yaml", EXPOSED)
    write(work, ".bindguard.toml", 'ignore = ["BG001", "BG002", "BG003"]\n')
    _git(work, "commit", "-qam", "pr")
    return work


def test_action_default_reads_the_pull_requests_config_and_says_it_weakens_the_gate(pull_request):
    result = _run_action(pull_request, {})
    assert result.returncode == 0, result.stdout + result.stderr
    assert ".bindguard.toml weakens the gate" in result.stdout, result.stdout  # the job log
    report = (pull_request.parent / "report.txt").read_text()
    assert "::warning file=.bindguard.toml," in report


def test_action_trusted_config_base_ignores_the_pull_requests_config(pull_request):
    result = _run_action(pull_request, {"BG_TRUSTED_CONFIG": "base"})
    assert result.returncode == 1, result.stdout + result.stderr  # the exposure fails the step again
    assert "config from the base branch (main:.bindguard.toml)" in result.stdout
    assert "BG001" in (pull_request.parent / "report.txt").read_text()
    assert "weakens" not in result.stdout


def test_action_trusted_config_base_without_a_config_there_uses_none(pull_request):
    origin = pull_request.parent / "origin"
    _git(origin, "rm", "-q", ".bindguard.toml")
    _git(origin, "commit", "-qm", "no config")
    result = _run_action(pull_request, {"BG_TRUSTED_CONFIG": "base"})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "has no bindguard config" in result.stdout


def test_action_trusted_config_path(pull_request, tmp_path):
    trusted = write(tmp_path, "trusted/policy.toml", 'fail-on = "error"\n')
    (pull_request / ".bindguard-trusted.toml").symlink_to(tmp_path / "victim")  # the PR cannot redirect the copy
    result = _run_action(pull_request, {"BG_TRUSTED_CONFIG": str(trusted)})
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"config from the trusted path {trusted}" in result.stdout
    assert not (tmp_path / "victim").exists()


# -- 5. probe --neighbour removes only what its run created ----------------------------
def _need_root_and_ip():
    from bindguard.probe.netns import refusal

    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        pytest.skip("needs root on Linux")
    if refusal() is not None:
        pytest.skip(refusal())


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["/bin/ip", *args], capture_output=True, text=True, check=check)


def _netns_exists(name: str) -> bool:
    return os.path.exists(f"/run/netns/{name}")


def _link_exists(name: str) -> bool:
    return _ip("link", "show", "dev", name, check=False).returncode == 0


def test_a_run_whose_id_is_taken_leaves_the_live_run_alone():
    _need_root_and_ip()
    from bindguard.probe.netns import Neighbour, NeighbourError, new_run_id

    run_id = new_run_id()
    with Neighbour(run_id=run_id) as live:
        with pytest.raises(NeighbourError, match="in use|already exists"):
            Neighbour(run_id=run_id).open()
        assert _netns_exists(live.name) and _link_exists(live.name), "the live run's neighbour was removed"
    assert not _netns_exists(live.name) and not _link_exists(live.name)


def test_hand_made_bindguard_names_are_never_reaped():
    _need_root_and_ip()
    from bindguard.probe.netns import Neighbour, new_run_id

    ns, veth = f"bindguard-{new_run_id()}", f"bindguard-{new_run_id()}"
    _ip("netns", "add", ns)
    try:
        _ip("link", "add", veth, "type", "veth", "peer", "name", f"bgt{new_run_id()}")
        with Neighbour() as n:
            assert n.reaped == []
        assert _netns_exists(ns) and _link_exists(veth), "a namespace or veth made by hand was removed"
    finally:
        _ip("link", "del", veth, check=False)
        _ip("netns", "del", ns, check=False)


def test_a_killed_runs_leftovers_are_reaped_only_while_they_are_what_it_made():
    _need_root_and_ip()
    from bindguard.probe import netns

    dead = netns.Neighbour()
    dead.open()
    name = dead.name
    # the process "dies": its lock goes, its objects and record stay
    dead._record.close()
    dead._created.clear()
    # someone deletes the namespace and makes their own under the same name
    _ip("link", "del", name)
    _ip("netns", "del", name)
    _ip("netns", "add", name)
    try:
        with netns.Neighbour() as n:
            assert n.reaped == []
        assert _netns_exists(name), "a namespace that is not the one the dead run made was removed"
        assert not os.path.exists(os.path.join(netns.STATE_DIR, f"run-{name[len(netns.PREFIX):]}"))
    finally:
        _ip("netns", "del", name, check=False)


def test_the_setup_lock_cannot_be_squatted():
    """On main anyone could bind the abstract socket @bindguard-neighbour-setup: every run
    then waited 60 s and failed. Now the lock lives in a directory only root can enter."""
    _need_root_and_ip()
    import socket as socketlib
    import stat

    from bindguard.probe import netns

    squatter = socketlib.socket(socketlib.AF_UNIX, socketlib.SOCK_STREAM)
    try:
        squatter.bind("\0bindguard-neighbour-setup")
    except OSError:
        squatter.close()
        squatter = None
    try:
        with netns.Neighbour() as n:
            assert n.net is not None
    finally:
        if squatter is not None:
            squatter.close()
    info = os.lstat(netns.STATE_DIR)
    assert stat.S_ISDIR(info.st_mode) and info.st_uid == 0 and not info.st_mode & 0o077
    nobody = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sh", "-c",
         f": > {netns.STATE_DIR}/{netns.SETUP_LOCK}"],
        capture_output=True, text=True,
    )
    assert nobody.returncode != 0, "another user could open the set-up lock"


def test_ip_is_never_taken_from_path(tmp_path, monkeypatch):
    _need_root_and_ip()
    from bindguard.probe import netns

    marker = tmp_path / "called"
    fake = tmp_path / "ip"
    fake.write_text(f"#!/bin/sh\necho \"$@\" >> {marker}\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    with netns.Neighbour() as n:
        assert n.net is not None
    assert not marker.exists(), "a PATH entry chose the `ip` that runs as root"


@pytest.mark.parametrize("quiet", ["-q", "-qq"])
def test_quiet_still_names_the_config_that_weakened_the_gate(tmp_path, quiet):
    """-q drops the summary the warning follows; the warning goes to stderr instead."""
    write(tmp_path, "compose.yaml", EXPOSED)
    write(tmp_path, ".bindguard.toml", WEAK)
    result = bg(tmp_path, "lint", quiet, ".")
    assert result.returncode == 0
    assert "weakens" not in result.stdout
    assert result.stderr.startswith("bindguard: warning: .bindguard.toml weakens the gate"), result.stderr
