"""One story per port of a Compose-created container (``engine/remedy.compose_stories``), pure.

The engine tests (test_audit.py, test_audit_compose.py, test_confirm.py) show it on real
containers; these pin the rules of the fold itself: when the exposure and the drift of the same
port are both reported they are one finding (the exposure, at the higher severity, the drift's
reason appended, ``also=("BG010",)``); when only one of the two rules runs, that one stands.
"""

from __future__ import annotations

import pytest

from bindguard.engine.remedy import compose_stories
from bindguard.model import Binding, Comparison, Location, PortRange, Service, Severity, Subject
from bindguard.runner import RuleSelection, check

ENGINE = "unix:///var/run/docker.sock"
FILE = "/srv/app/compose.yaml"


def engine_binding(host_ip: str = "", container: str = "app-db-1") -> Binding:
    where = Location(engine=ENGINE, container=container, container_id="c0ffee", image="postgres:16")
    return Binding("db", host_ip, PortRange(5432, 5432), PortRange(5432, 5432), "tcp", where,
                   f"{host_ip + ':' if host_ip else ''}5432:5432", syntax="engine", project="app")


def file_binding(host_ip: str) -> Binding:
    return Binding("db", host_ip, PortRange(5432, 5432), PortRange(5432, 5432), "tcp",
                   Location(file=FILE, line=7, column=9), f"{host_ip}:5432:5432")


def subject(running: Binding, declared: tuple[Binding, ...]) -> Subject:
    comparison = Comparison(running, declared, running.location, "db", "app", files=(FILE,))
    return Subject(services=(Service("db", bindings=(running,), location=running.location),),
                   comparisons=(comparison,))


def told(selection: RuleSelection, running: Binding, declared: tuple[Binding, ...]):
    s = subject(running, declared)
    return compose_stories(check(s, selection), s)


def test_exposed_and_drifted_is_one_finding():
    (f,) = told(RuleSelection(), engine_binding(), (file_binding("127.0.0.1"),))
    assert (f.code, f.also, f.severity) == ("BG001", ("BG010",), Severity.ERROR)
    assert f.message.endswith(f"(also BG010: created before {FILE}:7 changed to '127.0.0.1:5432:5432')")
    assert f.fix.startswith(f"{FILE}:7 already publishes it as '127.0.0.1:5432:5432': recreate the container")


def test_the_kept_finding_takes_the_higher_severity():
    selection = RuleSelection(severity=(("BG001", Severity.WARNING),))
    (f,) = told(selection, engine_binding(), (file_binding("127.0.0.1"),))
    assert (f.code, f.severity) == ("BG001", Severity.ERROR)


@pytest.mark.parametrize("ignored, stands", [("BG001", "BG010"), ("BG010", "BG001")])
def test_either_rule_alone_still_reports_the_port(ignored, stands):
    (f,) = told(RuleSelection(ignore=frozenset({ignored})), engine_binding(), (file_binding("127.0.0.1"),))
    assert (f.code, f.also) == (stands, ())


def test_explicit_wildcard_folds_too():
    (f,) = told(RuleSelection(), engine_binding("0.0.0.0"), (file_binding("127.0.0.1"),))
    assert (f.code, f.also) == ("BG002", ("BG010",))


def test_no_drift_nothing_to_fold():
    # the file is as wide as the container: BG001 alone, its hint what fix writes in the file
    (f,) = told(RuleSelection(), engine_binding(), (file_binding("0.0.0.0"),))
    assert (f.code, f.also) == ("BG001", ())


def test_port_no_longer_in_the_file_folds_with_its_reason():
    (f,) = told(RuleSelection(), engine_binding(), ())
    assert f.also == ("BG010",) and f.message.endswith("(also BG010: the compose files no longer publish it)")


def test_other_containers_are_not_merged():
    a, b = engine_binding(container="app-db-1"), engine_binding(container="app-db-2")
    s = Subject(
        services=(Service("db", bindings=(a, b), location=a.location),),
        comparisons=(Comparison(a, (file_binding("127.0.0.1"),), a.location, "db", "app", files=(FILE,)),),
    )
    found = compose_stories(check(s, RuleSelection(ignore=frozenset({"BG005"}))), s)  # same host port: not the point
    by_container = {(f.location.container, f.code): f.also for f in found}
    assert by_container == {("app-db-1", "BG001"): ("BG010",), ("app-db-2", "BG001"): ()}
