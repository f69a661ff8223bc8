"""Differential fuzz: generated projects through the real Compose and bindguard (issue 20).

Hypothesis writes projects that Compose mostly accepts: short and long port
syntax over a small pool of addresses and ports (so entries collide, repeat and
overlap), ranges, protocols, variables with and without defaults (set in the
environment, in ``.env``, or unset), an override file that repeats, adds,
``!reset``s or ``!override``s ports, and profiles.  ``oracle.compare`` must
then find the same ports per service, or a port refusal that bindguard
reports as BG006/BG007.

The default run is a few derandomised examples; the campaign is marked
``fuzz`` (``python -m pytest -m fuzz tests/test_oracle_fuzz.py``, length from
``BINDGUARD_FUZZ_SECONDS``, 600 by default) and reuses test_fuzz's loop.
Every disagreement a campaign found is pinned in ``PINNED`` below.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oracle import compare

from composebed import require_compose_binary

IPS = ["", "", "127.0.0.1", "0.0.0.0", "::1", "::", "192.168.1.5", "${IP}", "${IP:-127.0.0.1}",
       "${IP-0.0.0.0}", "127.000.0.1", "0:0:0:0:0:0:0:1", "localhost", "${IP:+127.0.0.1}"]
HOSTS = ["", "8080", "8081", "8080-8081", "8081-8082", "0", "${P}", "${P:-8081}", "${P:?set P}",
         "08080", "+8080", "8080-8080", "65536", "8082-8081", "$$P"]
TARGETS = ["80", "81", "80-81", "81-82", "${T:-80}", "080", "0", "80-80"]
PROTOS = ["", "", "/tcp", "/udp", "/UDP", "/sctp", "/", "/icmp"]
VARIABLES = {"IP": ["127.0.0.1", "0.0.0.0", "::1", ""], "P": ["8080", "8081", "0", ""], "T": ["80", "81"]}


# YAML tags Compose gives a meaning to, on any kind of value (issue 29: a scalar or null under
# !reset was a false BG007): "!reset" removes what it tags, "!override" reads it untagged.
TAGS = ["", "", "", "", "!reset ", "!override "]


def _short_ip(ip: str) -> str:
    return f"[{ip}]" if ":" in ip and not ip.startswith("$") else ip


@st.composite
def short_entry(draw) -> str:
    ip, host = draw(st.sampled_from(IPS)), draw(st.sampled_from(HOSTS))
    target, proto = draw(st.sampled_from(TARGETS)), draw(st.sampled_from(PROTOS))
    if ip:
        text = f"{_short_ip(ip)}:{host}:{target}{proto}"
    elif host:
        text = f"{host}:{target}{proto}"
    else:
        text = f"{target}{proto}"
    return '"' + text + '"'


@st.composite
def long_entry(draw) -> str:
    pairs = [("target", draw(st.sampled_from(["80", "81", '"80"', '"${T:-81}"', "0x50", '"080"', "080"])))]
    published = draw(st.sampled_from([None, "8080", "8081", '"8080"', '"8081"', '"8080-8081"', '"${P:-8080}"',
                                      "0", "08080", '"08080"', '""', "~", '"${P}"']))
    if published is not None:
        pairs.append(("published", published))
    ip = draw(st.sampled_from([None, "127.0.0.1", "0.0.0.0", '"::1"', '"${IP:-127.0.0.1}"', '"[::1]"', '"${IP}"']))
    if ip is not None:
        pairs.append(("host_ip", ip))
    proto = draw(st.sampled_from([None, None, "tcp", "udp", "UDP", '"${PR:-udp}"']))
    if proto is not None:
        pairs.append(("protocol", proto))
    if draw(st.booleans()):
        pairs.append(("mode", draw(st.sampled_from(["ingress", "host"]))))
    tagged = [(k, draw(st.sampled_from(TAGS)) + v) for k, v in pairs]
    return "{" + ", ".join(f"{k}: {v}" for k, v in tagged) + "}"


def entries() -> st.SearchStrategy[list[str]]:
    plain_int = st.sampled_from(["80", "8080", "0", "080"])  # a YAML integer item
    item = st.one_of(short_entry(), long_entry(), plain_int, st.just("!reset"), st.just("!reset ~"))
    return st.lists(st.tuples(st.sampled_from(TAGS), item).map(lambda t: (t[0] + t[1]).strip()), max_size=4)


@st.composite
def service_block(draw, name: str, override: bool) -> list[str]:
    lines = [f"  {name}:"]
    if not override:
        lines.append("    image: x")
    if draw(st.integers(0, 3)) == 0:
        lines.append("    profiles: [" + draw(st.sampled_from(["p1", "p2", "p1, p2"])) + "]")
    items = draw(entries())
    tag = draw(st.sampled_from(["", "", "", " !reset", " !override"])) if override else ""
    if draw(st.integers(0, 5)) == 0:
        lines.append("    network_mode: " + draw(st.sampled_from(["!reset host", "!override bridge", "!reset ~"])))
    if tag == " !reset" and draw(st.booleans()):
        lines.append("    ports: " + draw(st.sampled_from(["!reset []", "!reset null", "!reset", "!reset ~"])))
    elif items or draw(st.booleans()):
        lines.append(f"    ports:{tag}" + ("" if items else " []"))
        lines.extend(f"      - {item}" for item in items)
    return lines


@st.composite
def projects(draw) -> tuple[dict[str, str], dict[str, str]]:
    names = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=3, unique=True))
    files = {"compose.yaml": "\n".join(["services:"] + [
        line for n in names for line in draw(service_block(n, override=False))]) + "\n"}
    if draw(st.booleans()):
        over = draw(st.lists(st.sampled_from(names), min_size=1, max_size=len(names), unique=True))
        blocks = []
        for n in over:
            # a whole service under !reset: Compose removes it from the earlier file too
            blocks += [f"  {n}: !reset"] if draw(st.integers(0, 6)) == 0 else draw(service_block(n, override=True))
        files["compose.override.yaml"] = "\n".join(["services:"] + blocks) + "\n"
    env, dotenv = {}, {}
    for name, values in VARIABLES.items():
        where = draw(st.sampled_from(["unset", "unset", "env", "dotenv"]))
        if where != "unset":
            (env if where == "env" else dotenv)[name] = draw(st.sampled_from(values))
    if dotenv:
        files[".env"] = "".join(f"{k}={v}\n" for k, v in dotenv.items())
    return files, env


def check_project(project: tuple[dict[str, str], dict[str, str]]) -> None:
    files, env = project
    with tempfile.TemporaryDirectory(prefix="bindguard-oracle-") as tmp:
        root = Path(tmp)
        for name, text in files.items():
            (root / name).write_text(text)
        compose_files = [root / n for n in ("compose.yaml", "compose.override.yaml") if n in files]
        outcome = compare(compose_files, root, env)
    shown = "\n".join(f"--- {n}\n{t}" for n, t in files.items())
    assert outcome.kind in ("same", "refused-port", "refused-other"), (
        f"{outcome.kind}: {outcome.reason}\n{outcome.detail}\nenv={env}\n{shown}")
    assert not (outcome.kind == "refused-other" and "ports" in outcome.reason), outcome.reason


# Disagreements found, pinned: the first four while building the oracle, the rest by the
# second campaign (each was a bindguard bug, fixed).
PINNED: list[tuple[dict[str, str], dict[str, str]]] = [
    # a port of a base range repeated by the override: two ports, no conflict
    ({"compose.yaml": 'services:\n  a:\n    image: x\n    ports: ["8080-8081:80-81"]\n',
      "compose.override.yaml": 'services:\n  a:\n    ports: ["8081:81"]\n'}, {}),
    # a YAML-integer published and the same port in short syntax: Compose keeps both
    ({"compose.yaml": 'services:\n  a:\n    image: x\n    ports: ["8080:80", {target: 80, published: 8080}]\n'}, {}),
    # a range cut in two by an override: both pieces listed (one row per port, not per line)
    ({"compose.yaml": 'services:\n  a:\n    image: x\n    ports: ["8080-8082:80-82"]\n',
      "compose.override.yaml": 'services:\n  a:\n    ports: ["8081:81"]\n'}, {}),
    # "0:80" and "80" are two keys for Compose
    ({"compose.yaml": 'services:\n  a:\n    image: x\n    ports: ["0:80", "80"]\n'}, {}),
    # an entry a later !reset drops still refuses the project (Compose parses it first)
    ({"compose.yaml": 'services:\n  a:\n    image: x\n    ports:\n      - "80"\n      - 0\n',
      "compose.override.yaml": 'services:\n  a:\n    ports: !reset []\n'}, {}),
    ({"compose.yaml": 'services:\n  a:\n    image: x\n    ports: ["${P:?set P}:80"]\n',
      "compose.override.yaml": 'services:\n  a:\n    ports: !reset\n      - 80\n'}, {}),
    # a sign is refused in short syntax ("invalid hostPort: +8080")
    ({"compose.yaml": 'services:\n  a:\n    image: x\n    ports: ["+8080:80"]\n'}, {}),
    # third campaign: a long entry's protocol in capitals (compared case-insensitively)
    ({"compose.yaml": 'services:\n  a:\n    image: x\n    ports: [{target: 80, protocol: UDP}]\n'}, {}),
    # target 080 is not octal for go-yaml: the float 80.0, which Compose takes as 80
    ({"compose.yaml": 'services:\n  a:\n    image: x\n    ports: [{target: 080}, {target: 1e2}]\n'}, {}),
    # issue 29: tags on scalars and null (each was a false BG007 or BG000)
    ({"compose.yaml": 'services:\n  a:\n    image: x\n    ports: !reset null\n'}, {}),
    ({"compose.yaml": 'services:\n  a:\n    image: x\n    ports:\n      - target: 80\n        host_ip: !reset null\n'}, {}),
    ({"compose.yaml": 'services:\n  a: !reset\n  b:\n    image: x\n    ports: ["127.0.0.1:80:80"]\n'}, {}),
    ({"compose.yaml": 'services:\n  a:\n    image: x\n    ports:\n      - !reset\n      - "127.0.0.1:80:80"\n'}, {}),
    ({"compose.yaml": 'services:\n  a:\n    image: x\n    ports: [{target: !override 80, published: !override 8080, '
                      'host_ip: !reset 0.0.0.0}]\n'}, {}),
    ({"compose.yaml": 'services:\n  a:\n    image: x\n    ports: ["80:80"]\n  b:\n    image: y\n',
      "compose.override.yaml": 'services:\n  a: !reset\n'}, {}),
    # !reset under !override is no reset at all for compose-go (its reset processor stops there)
    ({"compose.yaml": 'services:\n  a:\n    image: x\n',
      "compose.override.yaml": 'services:\n  a:\n    ports: !override\n      - !reset "80"\n'}, {}),
    ({"compose.yaml": 'services:\n  a: !override\n    image: x\n    ports:\n      - !reset "80"\n'
                      '      - {target: 81, host_ip: !reset 0.0.0.0}\n'}, {}),
    # a scalar under !override is its text: "080" is port 80 (a plain 080 is refused), 0x50 is refused
    ({"compose.yaml": 'services:\n  a:\n    image: x\n    ports:\n      - !override 080\n'}, {}),
    ({"compose.yaml": 'services:\n  a:\n    image: x\n    ports:\n      - !override 0x50\n'}, {}),
    # a quoted published "08080": Compose keeps the text, the engine (and bindguard) read 8080
    ({"compose.yaml": 'services:\n  b:\n    image: x\n    ports:\n      - {target: 80, published: "08080"}\n'}, {}),
    # a long-syntax key written with no value: Compose's schema refuses the file
    ({"compose.yaml": 'services:\n  b:\n    image: x\n    ports:\n      - {target: 80, published: ~}\n'}, {}),
    ({"compose.yaml": 'services:\n  b:\n    image: x\n    ports:\n      - {target: 80, protocol: ~, mode: ~}\n'}, {}),
    # a service a later file removes still refuses the project for an entry Compose cannot parse
    ({"compose.yaml": 'services:\n  c:\n    image: x\n    ports:\n      - 0\n      - "80"\n',
      "compose.override.yaml": 'services:\n  c: !reset\n'}, {}),
]


@pytest.mark.parametrize("project", PINNED, ids=range(len(PINNED)))
def test_pinned_disagreements_stay_fixed(project):
    require_compose_binary()
    check_project(project)


@settings(max_examples=12, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(projects())
def test_generated_projects_agree_with_compose(project):
    require_compose_binary()
    check_project(project)


@pytest.mark.fuzz
def test_campaign_oracle(request):
    """The differential campaign: BINDGUARD_FUZZ_SECONDS (600 by default) of projects."""
    from test_fuzz import _campaign

    require_compose_binary()
    _campaign(request, "oracle", projects(), check_project, per_round=50, share=1.0)
