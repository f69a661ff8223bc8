"""Compose-labelled containers next to the compose files they were created from.

``docker compose`` stamps each container with its project, service, working
folder and config files.  Those files are loaded with the lint machinery (one
load per project, however many containers it has) and each of the
container's bindings is paired with what the files declare now for the same
service, container port and protocol.  The BG010 rule judges the pairs.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable

from bindguard.compose.project import ProjectLoader, ProjectOptions
from bindguard.engine.containers import FILES_LABEL, WORKDIR_LABEL, ContainerInfo
from bindguard.errors import BindguardError
from bindguard.model import Binding, Comparison, Location, Note, Service, Subject


def _files(info: ContainerInfo) -> tuple[str, ...]:
    raw = info.labels.get(FILES_LABEL, "")
    workdir = info.labels.get(WORKDIR_LABEL, "")
    files = [f.strip() for f in raw.split(",") if f.strip()]
    return tuple(os.path.join(workdir, f) if workdir and not os.path.isabs(f) else f for f in files)


def _readable(path: str) -> bool:
    """Whether ``path`` is a regular file (after symlinks) no larger than lint reads."""
    from bindguard.compose.yaml_reader import MAX_FILE_BYTES

    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return False
    return stat.S_ISREG(st.st_mode) and st.st_size <= MAX_FILE_BYTES


def compare(
    containers: Iterable[tuple[ContainerInfo, list[Binding]]],
    engine: str,
    environ: dict[str, str] | None = None,
    show_values: bool = False,
) -> list[Comparison]:
    """One Comparison per binding of every compose-labelled container."""
    projects: dict[tuple, Subject | None] = {}
    out: list[Comparison] = []
    for info, bindings in containers:
        if not info.compose_project or not info.compose_service:
            continue
        files = _files(info)
        if not files:
            continue
        missing = tuple(f for f in files if not _readable(f))
        if missing:
            out.append(
                Comparison(
                    binding=None,
                    declared=(),
                    location=info.location(engine),
                    service=info.compose_service,
                    project=info.compose_project,
                    files=files,
                    missing_files=missing,
                )
            )
            continue
        key = (info.compose_project, info.labels.get(WORKDIR_LABEL, ""), files)
        if key not in projects:
            projects[key] = _load(files, info.labels.get(WORKDIR_LABEL) or None, environ, show_values)
        subject = projects[key]
        if subject is None:
            continue
        service = next((s for s in subject.services if s.name == info.compose_service), None)
        out.extend(pair(info, bindings, service, files))
    return out


def label_notes(comparisons: Iterable[Comparison]) -> tuple[Note, ...]:
    """One note per compose file read because a container's labels name it.

    Those files lie outside anything the user pointed at; a report names
    them and says why they were read, and never quotes them.
    """
    notes: dict[str, Note] = {}
    for c in comparisons:
        for path in c.files:
            if path in notes or path in c.missing_files:
                continue
            notes[path] = Note(
                # the container as the engine names it; not the project label, which Compose set
                # from the environment of whoever started it (issue 25: never printed)
                f"read because the compose labels of container {(c.location.container or c.service)!r} "
                "name it; its lines are never shown",
                Location(file=path),
            )
    return tuple(sorted(notes.values(), key=Note.sort_key))


def pair(
    info: ContainerInfo, bindings: Iterable[Binding], service: Service | None, files: tuple[str, ...]
) -> list[Comparison]:
    """Each of the container's bindings next to what ``service`` (None: not defined
    any more) declares for the same container port and protocol."""
    out = []
    for binding in bindings:
        declared: tuple[Binding, ...] = ()
        if service is not None:
            declared = tuple(
                b
                for b in service.bindings
                if b.protocol == binding.protocol
                and b.container_ports.start <= binding.container_ports.start <= b.container_ports.end
            )
        out.append(
            Comparison(
                binding=binding,
                declared=declared,
                location=binding.location,
                service=info.compose_service or info.name,
                project=info.compose_project or "",
                files=files,
                service_defined=service is not None,
            )
        )
    return out


def _load(
    files: tuple[str, ...], workdir: str | None, environ: dict[str, str] | None, show_values: bool = False
) -> Subject | None:
    try:
        return ProjectLoader(ProjectOptions(environ=environ, show_values=show_values)).load(list(files), workdir)
    except BindguardError:
        return None
