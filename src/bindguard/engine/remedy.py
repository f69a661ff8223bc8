"""The ``fix:`` hint of an audit finding: the remedy that really changes the container.

A container created by Docker Compose (labels ``com.docker.compose.*``) is
fixed in its compose file and then recreated; ``docker run -p ...`` advice
would be overwritten by the next ``docker compose up``.  So for such a
container every finding about one of its ports (BG001/BG002/BG003/BG006
and BG010, the drift from its files) tells one story, built here from the
same comparison BG010 judges (and when the port is both exposed and
wider than its file, BG010 is folded into the exposure finding):

* the file already publishes the port narrower (it was fixed after the
  container was made): name the file and line, and recreate;
* the file publishes it just as wide: name the file and line and what
  ``bindguard fix`` writes there (the same decision lint's hints show),
  then recreate;
* the files are gone or no longer define the port/service: say that.

Containers not created by Compose keep the rules' ``docker run -p`` hint.
"""

from __future__ import annotations

import os
import shlex

from bindguard.model import Binding, Comparison, Finding, Subject, Verdict

# The codes whose findings are about one published port of a container.
PORT_CODES = frozenset({"BG001", "BG002", "BG003", "BG006", "BG010"})


def recreate_command(project: str, service: str, files: tuple[str, ...] = ()) -> str:
    """``docker compose -p P [-f FILE ...] up -d --force-recreate SERVICE``, shell-quoted."""
    words = ["docker", "compose", "-p", project]
    for path in files:
        words += ["-f", path]
    words += ["up", "-d", "--force-recreate", service]
    return " ".join(shlex.quote(w) for w in words)


def _file_hint(declared: Binding, environ: dict[str, str] | None) -> str:
    """What ``bindguard fix`` writes for the declared entry (or why it leaves it)."""
    from bindguard.compose.environment import Environment
    from bindguard.compose.yaml_reader import read_file
    from bindguard.entryfix.remedy import Entry, decide, decision_hint, items_by_place, shipped_env
    from bindguard.rules import RULES

    loc = declared.location
    if declared.verdict is Verdict.SPECIFIC:
        info = RULES["BG003"].fix
        return info.message if info else "bind it to loopback by hand"
    if loc.file is None:
        return "publish it on 127.0.0.1"
    try:
        cf = read_file(loc.file)
        item = items_by_place(cf.documents).get((loc.line, loc.column))
        if item is None:
            return "publish it on 127.0.0.1"
        folder = os.path.dirname(loc.file) or "."
        lookup = Environment.for_project(folder, (), environ).lookup
        entry = Entry(cf.text, loc.file, item[0], item[1], (declared,), lookup)
        return decision_hint(decide(entry, "127.0.0.1", shipped_env(folder)), entry)
    except Exception:  # an unreadable file or env file: the location still helps
        return "publish it on 127.0.0.1"


def compose_story(binding: Binding | None, c: Comparison | None, project: str, service: str,
                  environ: dict[str, str] | None) -> str:
    """One hint for every finding about this port of a Compose-created container."""
    if c is None:
        return (
            f"fix the port in the compose file of project {project!r} (its labels name no file), "
            f"then recreate the container: {recreate_command(project, service)}"
        )
    command = recreate_command(project, service, c.files)
    if c.missing_files:
        return (
            f"its compose file(s) {', '.join(c.missing_files)} are gone: restore them and publish "
            f"the port on 127.0.0.1 there, then {command}; or remove the container"
        )
    if not c.service_defined:
        return (
            f"service {service!r} is no longer defined in {', '.join(c.files)}: remove the container "
            f"({recreate_command(project, service, c.files).rsplit(' --force-recreate', 1)[0]} --remove-orphans)"
        )
    if not c.declared or binding is None:
        return f"the compose files no longer publish this port: recreate the container: {command}"
    widest = max(c.declared, key=lambda d: d.verdict.width)
    loc = widest.location
    where = f"{loc.file}:{loc.line}" if loc.file else ", ".join(c.files)
    if widest.verdict.width < binding.verdict.width:
        # resolved: the entry with values from the environment hidden (issue 14)
        return f"{where} already publishes it as {(widest.resolved or widest.entry)!r}: recreate the container: {command}"
    return f"in {where}: {_file_hint(widest, environ)}; then recreate the container: {command}"


# Findings that say a container's port is exposed; a drift (BG010) on the same port is folded in.
EXPOSURE_CODES = ("BG001", "BG002", "BG003")


def compose_stories(findings: list[Finding], subject: Subject, environ: dict[str, str] | None = None) -> list[Finding]:
    """``findings`` of one engine with each Compose-created container's port told as one story.

    Every finding about the port gets the same hint (``compose_story``).  When
    the port is both exposed (BG001/BG002/BG003) and wider than its compose
    file now says (BG010), the two are one finding: the exposure, which
    carries the higher of the two severities, the drift's reason appended
    and ``also=("BG010",)``.  The exposure is the one kept so that
    ``--ignore BG010`` or ``grep BG001`` can never hide an exposed port; if
    the exposure rule is not selected, BG010 stands alone as before.
    """
    projects = {
        b.location.container: (b.project, b.service)
        for b in subject.bindings
        if b.project and b.location.container
    }
    if not projects:
        return findings
    by_port: dict[tuple, Comparison] = {}
    missing: dict[str | None, Comparison] = {}
    for comparison in subject.comparisons:
        container = comparison.location.container
        if comparison.binding is None:
            missing[container] = comparison
        else:
            by_port[(container, comparison.binding.entry)] = comparison
    bindings = {(b.location.container, b.spec()): b for b in subject.bindings}
    bindings.update({(b.location.container, b.entry): b for b in subject.bindings})
    stories: dict[tuple, str] = {}
    out: list[Finding] = []
    about: dict[int, tuple[tuple, Comparison | None]] = {}  # index in out -> (port key, its comparison)
    for f in findings:
        container = f.location.container
        if f.code not in PORT_CODES or container not in projects:
            out.append(f)
            continue
        project, service = projects[container]
        binding = bindings.get((container, f.entry))
        c: Comparison | None = missing.get(container)
        if c is None and binding is not None:
            c = by_port.get((container, binding.entry))
        if binding is None and c is None:
            out.append(f)  # not about a published port (a service gone, a port not published): its own hint
            continue
        key = (container, binding.entry if binding else f.entry)
        if key not in stories:
            stories[key] = compose_story(binding, c, project, service, environ)
        about[len(out)] = (key, c)
        out.append(f._replace(fix=stories[key]))
    return _fold_drift(out, about)


def _fold_drift(findings: list[Finding], about: dict[int, tuple[tuple, Comparison | None]]) -> list[Finding]:
    """BG010 folded into the exposure finding of the same port (see ``compose_stories``)."""
    from bindguard.rules.bg010_compose_drift import drift_reason

    exposure: dict[tuple, int] = {}
    for i, (key, _) in about.items():
        if findings[i].code in EXPOSURE_CODES:
            exposure.setdefault(key, i)
    folded: set[int] = set()
    for i, (key, c) in about.items():
        f = findings[i]
        if f.code != "BG010" or key not in exposure or c is None:
            continue
        reason = drift_reason(c)
        if reason is None:
            continue  # a drift that is not "wider" (another port, say) is its own story
        j = exposure[key]
        kept = findings[j]
        findings[j] = kept._replace(
            severity=max(kept.severity, f.severity),
            message=f"{kept.message} (also {f.code}: {reason})",
            also=(*kept.also, f.code),
        )
        folded.add(i)
    return [f for i, f in enumerate(findings) if i not in folded]
