"""What every source reader shares: reading a file, problem codes, and one
port entry to a Binding through :mod:`bindguard.ports`.

Readers never import rules: the codes a Problem carries come from the model
(``bindguard.model``), where the rules in ``rules/`` take them from too.
"""


from bindguard.model import (
    INVALID_FILE,
    INVALID_PORT_ENTRY,
    UNSET_VARIABLE,
    Binding,
    HostDefault,
    Location,
    Problem,
    Service,
    Subject,
)
from bindguard.ports import PortSpec, PortSyntaxError, parse_short, shown

INVALID_ENTRY = INVALID_PORT_ENTRY
__all__ = ["INVALID_ENTRY", "INVALID_FILE", "UNSET_VARIABLE"]
MAX_FILE_BYTES = 16 * 1024 * 1024


def read_text(path: str, source: str) -> tuple[str | None, Problem | None]:
    """The file's text (UTF-8, BOM allowed), or the BG000 problem that says why not."""
    from bindguard.bounded_read import read_small_file

    where = Location(file=path, line=1, column=1, source=source)
    try:
        data = read_small_file(path, MAX_FILE_BYTES)
    except ValueError as exc:
        return None, Problem(INVALID_FILE, f"cannot read: {exc}", where)
    except OSError as exc:
        return None, Problem(INVALID_FILE, f"cannot read: {exc.strerror or exc}", where)
    if b"\x00" in data:
        return None, Problem(INVALID_FILE, "binary file, not text", where)
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, Problem(INVALID_FILE, f"not valid UTF-8 text (byte {exc.start})", where._replace(line=line))


def node_location(path: str, node, source: str) -> Location:
    """Where ``node`` starts in ``path`` (1-based), marked with its source kind."""
    mark = node.start_mark
    return Location(file=path, line=mark.line + 1, column=mark.column + 1, source=source)


def entries_of(node) -> dict:
    """The keys of a mapping node (``compose.nodes.mapping_entries``); anything else, or a
    mapping whose keys cannot be read, has none: these sources read only what they recognise."""
    import yaml

    from bindguard.compose.nodes import KeyProblem, mapping_entries

    if not isinstance(node, yaml.MappingNode):
        return {}
    try:
        return mapping_entries(node)
    except KeyProblem:
        return {}


def spec_binding(
    spec: PortSpec, service: str, location: Location, entry: str, default: HostDefault,
    syntax: str = "short", address_key: str = "",
) -> Binding:
    """``spec`` as ``service`` publishes it, written ``entry`` at ``location`` (``PortSpec.binding``)."""
    return spec.binding(service, location, entry, raw=entry, syntax=syntax, default_host_ip=default.addresses,
                        default_origin=default.origin, address_key=address_key)


def short_binding(
    text: str, service: str, location: Location, default: HostDefault, what: str = "port entry",
) -> Binding | Problem:
    """One ``[[ip:][host]:]container[/proto]`` entry (``docker run -p`` syntax) as a Binding or BG007."""
    try:
        spec = parse_short(text)
    except PortSyntaxError as exc:
        return Problem(INVALID_ENTRY, f"invalid {what}: {exc}", location, service=service, entry=text)
    return spec_binding(spec, service, location, text, default)


def unresolved(text: str, service: str, location: Location, why: str) -> Problem:
    """An entry whose host address bindguard cannot know from the file: never counted as loopback."""
    return Problem(
        UNSET_VARIABLE,
        f"cannot tell where {shown(text)} listens: {why}; it is not counted as loopback",
        location, service=service, entry=text,
    )


def collect(result: Binding | Problem | None, bindings: list[Binding], problems: list[Problem]) -> None:
    """Put a reader's result on the list it belongs to (None publishes nothing)."""
    if isinstance(result, Problem):
        problems.append(result)
    elif result is not None:
        bindings.append(result)


def host_aware(service: Service) -> Service:
    """A container on the host network publishes nothing: its port entries are discarded
    (BG004 says so), as ``docker run --network host -p ...`` drops them."""
    if service.network_mode != "host":
        return service
    return service._replace(bindings=(), discarded=service.bindings)


def replace_expressions(text: str, replace) -> str:
    """``text`` with each ``${{ ... }}`` or ``{{ ... }}`` template expression replaced by
    ``replace(expression)``, in one pass (an unclosed ``{{`` ends the search: no rescans)."""
    if "{{" not in text:
        return text
    out: list[str] = []
    done = 0
    while True:
        start = text.find("{{", done)
        if start < 0:
            break
        end = text.find("}}", start + 2)
        if end < 0:
            break
        if start > 0 and text[start - 1] == "$":
            start -= 1
        out.append(text[done:start])
        out.append(replace(text[start:end + 2]))
        done = end + 2
    out.append(text[done:])
    return "".join(out)


def subject(path: str, services: list[Service], problems: list[Problem]) -> Subject:
    return Subject(services=tuple(services), problems=tuple(problems), sources=(path,))
