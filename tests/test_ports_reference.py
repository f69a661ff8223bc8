"""Our port parser against reference vectors gathered from go-connections, compose-go
and the Docker engine (tests/data/*.json; each vector names its source)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bindguard.ports import PortSyntaxError, parse_long, parse_short

DATA = Path(__file__).parent / "data"
SHORT = json.loads((DATA / "port_vectors.json").read_text())
LONG = json.loads((DATA / "long_port_vectors.json").read_text())


def _range(r):
    return None if r is None else [r.start, r.end]


@pytest.mark.parametrize("vector", SHORT, ids=[v["spec"] or "<empty>" for v in SHORT])
def test_short_syntax_matches_reference(vector):
    if not vector["ok"]:
        with pytest.raises(PortSyntaxError):
            parse_short(vector["spec"])
        return
    spec = parse_short(vector["spec"])
    assert spec.host_ip == vector["host_ip"]
    assert _range(spec.host_ports) == vector["host_ports"]
    assert _range(spec.container_ports) == vector["container_ports"]
    assert spec.protocol == vector["protocol"]


@pytest.mark.parametrize("vector", LONG, ids=[json.dumps(v["item"]) for v in LONG])
def test_long_syntax_matches_reference(vector):
    item = dict(vector["item"])
    # Numeric strings are turned into ints by the compose reader before parse_long.
    if isinstance(item.get("target"), str) and item["target"].isdigit():
        item["target"] = int(item["target"])
    if not vector["ok"]:
        with pytest.raises(PortSyntaxError):
            parse_long(item)
        return
    spec = parse_long(item)
    assert spec.host_ip == vector["host_ip"]
    assert _range(spec.host_ports) == vector["host_ports"]
    assert _range(spec.container_ports) == vector["container_ports"]
    assert spec.protocol == vector["protocol"]
    assert spec.mode == vector["mode"]
