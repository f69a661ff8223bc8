"""Variables a compose file requires (``${VAR:?err}``, ``${VAR?err}``) that have no value.

Compose refuses such a file ("required variable VAR is missing a value")
whatever field holds the reference, while bindguard reads only the fields
that decide where a port listens.  A report on such a project therefore
describes the project *as it runs once the variable is set*; a gate has to
say that rather than let a clean report read as "this file works" (issue 29).
Only the variable's name (text of the file) is reported, never a value.

The walk is linear in the number of nodes and is skipped for a text without
``?`` (almost every file).
"""

from collections.abc import Iterator

import yaml

from bindguard.compose.interpolate import InterpolationError, Lookup, interpolate
from bindguard.model import Location


def unset_required(documents: list[yaml.Node], text: str, path: str, lookup: Lookup) -> Iterator[tuple[str, Location]]:
    """(variable, where) for each required variable that ``lookup`` leaves unset, in file order."""
    if "?" not in text:
        return
    seen: set[str] = set()
    stack: list[yaml.Node] = list(reversed(documents))
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            value = node.value
            if "?" not in value or "$" not in value:
                continue
            try:
                interpolate(value, lookup)
            except InterpolationError as exc:
                name = exc.variable
                if name and name not in seen:
                    seen.add(name)
                    mark = node.start_mark
                    yield name, Location(file=path, line=mark.line + 1, column=mark.column + 1)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            stack.extend(value for _key, value in reversed(node.value))
