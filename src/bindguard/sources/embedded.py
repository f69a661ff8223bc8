"""Shell inside other files, read at its real line: Makefile and justfile recipes,
GitLab CI ``script:`` lines, GitHub workflow ``run:`` blocks.

Each piece becomes a :class:`~bindguard.sources.shell.ShellText` whose lines
map back to the outer file, so findings point at the recipe or ``run:``
line itself.  What the outer file substitutes before the shell sees the text
is substituted here the same way, and only from the file: a Makefile
variable assigned in the file (``HOST ?= 127.0.0.1`` is a default, as
``${HOST:-127.0.0.1}``; ``$$`` is one ``$``), GitLab ``variables:`` and
workflow ``env:`` (handed to the shell as assignments at their own lines).
Template expressions the file cannot decide (``${{ }}``, ``{{ }}``, make
functions and automatic variables) make what they touch unresolved.
"""

from __future__ import annotations

import os
import re

import yaml

from bindguard.model import Location, Problem, Service
from bindguard.sources.common import INVALID_FILE, read_text, replace_expressions, subject
from bindguard.sources.shell import GITLAB_NAMES, JUST_NAMES, SOURCE, ShellText, analyse, placeholder

MAX_EXPANSION = 4096  # a make variable longer than this after expansion is not substituted
_MAKE_ASSIGN = re.compile(
    r"^(?:export[ \t]+|override[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*(\?=|::=|:=|\+=|!=|=)[ \t]*(.*)$"
)
_MAKE_REF = re.compile(r"\$(?:\$|\(([^()$]*)\)|\{([^{}$]*)\}|(.))")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RESERVED_GITLAB = frozenset({"variables", "stages", "include", "workflow", "image", "services", "cache",
                              "before_script", "after_script", "pages", "spec"})


# -- Makefiles ------------------------------------------------------------------
class _MakeVars:
    def __init__(self) -> None:
        self.values: dict[str, tuple[str, str]] = {}  # name -> (operator, value as written)
        self.expressions: list[str] = []
        self.expanded: dict[str, str] = {}  # each variable expanded once (A = $(B)$(B) chains stay linear)

    def expand(self, text: str, depth: int = 0) -> str:
        """Make's substitution of ``text`` for the shell (``$$`` is ``$``)."""
        def one(match: re.Match) -> str:
            whole = match.group(0)
            if whole == "$$":
                return "$"
            name = match.group(1) if match.group(1) is not None else match.group(2)
            if name is None:  # $@, $<, ... and one-letter variables
                name = match.group(3) or ""
                if not _NAME.match(name):
                    return placeholder(self.expressions, whole)  # $@, $<: known when make runs
            if not _NAME.match(name):
                return placeholder(self.expressions, whole)  # a function ($(shell ...)), a substitution...
            if name not in self.values:
                return "${" + name + "}"  # from the environment or the command line: unknown
            operator, value = self.values[name]
            if operator in ("!=", "+=") or depth > 8:
                return placeholder(self.expressions, whole)
            if name not in self.expanded:
                self.expanded[name] = self.expand(value, depth + 1)
            expanded = self.expanded[name]
            if len(expanded) > MAX_EXPANSION:
                return placeholder(self.expressions, whole)
            if operator == "?=":  # only when the environment does not set it
                return "${" + name + ":-" + expanded + "}"
            return expanded

        return _MAKE_REF.sub(one, text)


def make_shell(text: str, targets: dict[int, str] | None = None, errors: list | None = None) -> ShellText:
    """The recipe lines of a Makefile as one shell text, each at its own line.

    ``targets`` receives the rule each recipe line belongs to (file line -> target);
    ``errors`` (line, message) for recipe lines make itself refuses: an unterminated
    ``$(`` or ``${`` ("unterminated variable reference"), left out of the shell text.
    """
    variables = _MakeVars()
    target = ""
    out: list[str] = []
    lines: list[int] = []
    columns: list[int] = []
    in_rule = False
    continued = False
    for number, line in enumerate(text.split("\n"), 1):
        line = line.rstrip("\r")
        if line.startswith("\t") and (in_rule or continued):
            body = line[1:]
            stripped = body.lstrip(" @-+") if not continued else body
            shift = 1 + len(body) - len(stripped)
            if _unterminated(stripped):
                if errors is not None:
                    errors.append((number, "unterminated variable reference: make stops here"))
                continued = line.endswith("\\")
                continue
            out.append(variables.expand(stripped))
            lines.append(number)
            if targets is not None:
                targets[number] = target
            columns.append(shift)
            continued = line.endswith("\\")
            continue
        continued = False
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        assign = _MAKE_ASSIGN.match(line)
        if assign and not line.startswith("\t"):
            variables.values[assign.group(1)] = (assign.group(2), assign.group(3).split(" #")[0].strip())
            continue
        in_rule = ":" in line and not line.startswith((" ", "\t"))
        if in_rule:
            target = line.split(":", 1)[0].strip()
    return ShellText("\n".join(out), tuple(lines), tuple(columns), tuple(variables.expressions))


def _unterminated(line: str) -> bool:
    """Does a recipe line hold a ``$(``/``${`` that never closes (make refuses the makefile)?"""
    return any(m.group(3) in ("(", "{") for m in _MAKE_REF.finditer(line) if m.group(3))


def just_shell(text: str) -> ShellText:
    """The recipe bodies of a justfile (indented lines under ``name:``), ``{{ }}`` unresolved."""
    out, lines, columns = [], [], []
    expressions: list[str] = []
    in_recipe = False
    for number, line in enumerate(text.split("\n"), 1):
        line = line.rstrip("\r")
        if line[:1] in (" ", "\t") and in_recipe:
            body = line.lstrip()
            stripped = body.lstrip("@-")
            out.append(replace_expressions(stripped, lambda e: placeholder(expressions, e)))
            lines.append(number)
            columns.append(len(line) - len(stripped))
            continue
        in_recipe = bool(line) and line[0] not in " \t#" and line.rstrip().endswith(":") or (
            bool(line) and line[0] not in " \t#" and ":" in line and ":=" not in line)
    return ShellText("\n".join(out), tuple(lines), tuple(columns), tuple(expressions))


# -- YAML (GitLab CI, workflow run:) -----------------------------------------------
def _assignment(name: str, value: str) -> str:
    return f"{name}='" + value.replace("'", "'\\''") + "'"


def node_shell(node: yaml.ScalarNode, text: str, env: list[tuple[str, str, int]]) -> ShellText:
    """A YAML scalar holding shell, with ``env`` (name, value, line) handed over as assignments."""
    expressions: list[str] = []
    value = replace_expressions(str(node.value), lambda e: placeholder(expressions, e))
    start = node.start_mark.line + 1
    body_lines = value.split("\n")
    if node.style == "|":
        first = start + 1
        indent = _block_indent(text, node)
        lines = [first + i for i in range(len(body_lines))]
        columns = [indent] * len(body_lines)
    elif node.start_mark.line == node.end_mark.line:
        lines = [start]
        columns = [node.start_mark.column + (1 if node.style in ("'", '"') else 0)]
    else:  # folded or multi-line flow scalars: their lines do not map one to one
        lines = [start + (1 if node.style == ">" else 0)] * len(body_lines)
        columns = [0] * len(body_lines)
    prefix = [_assignment(n, v) for n, v, _ in env if _NAME.match(n)]
    prefix_lines = [line for n, _, line in env if _NAME.match(n)]
    return ShellText("\n".join(prefix + body_lines), tuple(prefix_lines + lines),
                     tuple([0] * len(prefix) + columns), tuple(expressions))


def _block_indent(text: str, node: yaml.ScalarNode) -> int:
    """Columns of indentation of a block scalar's content (from the file's text)."""
    end = node.end_mark.index
    at = text.find("\n", node.start_mark.index)
    while 0 <= at < end:
        line_end = text.find("\n", at + 1)
        line = text[at + 1: line_end if line_end >= 0 else len(text)]
        if line.strip():
            return len(line) - len(line.lstrip(" "))
        at = line_end
    return 0


def _env(node: yaml.Node | None) -> list[tuple[str, str, int]]:
    if not isinstance(node, yaml.MappingNode):
        return []
    out = []
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and isinstance(value, yaml.ScalarNode):
            out.append((str(key.value), str(value.value), key.start_mark.line + 1))
        elif isinstance(key, yaml.ScalarNode) and isinstance(value, yaml.MappingNode):
            for k, v in value.value:  # GitLab's {value: ..., description: ...}
                if isinstance(k, yaml.ScalarNode) and k.value == "value" and isinstance(v, yaml.ScalarNode):
                    out.append((str(key.value), str(v.value), key.start_mark.line + 1))
    return out


def _get(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    found = None
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            found = v
    return found


def _scripts(node: yaml.Node | None) -> list[yaml.ScalarNode]:
    if isinstance(node, yaml.ScalarNode):
        return [node]
    if isinstance(node, yaml.SequenceNode):
        return [s for item in node.value for s in _scripts(item)]
    return []


def yaml_shell(path: str, node: yaml.ScalarNode, text: str, env, source: str, job: str,
               services: list[Service], problems: list[Problem]) -> None:
    found_services, found_problems = analyse(path, node_shell(node, text, env), source)
    for s in found_services:
        name = f"{job}: {s.name}"
        services.append(s._replace(name=name, bindings=tuple(b._replace(service=name) for b in s.bindings),
                                   discarded=tuple(b._replace(service=name) for b in s.discarded)))
    problems.extend(p._replace(service=f"{job}: {p.service}" if p.service else job) for p in found_problems)


def gitlab(path: str, compose_file) -> tuple[list[Service], list[Problem]]:
    services: list[Service] = []
    problems: list[Problem] = []
    for document in compose_file.documents:
        if not isinstance(document, yaml.MappingNode):
            continue
        top_env = _env(_get(document, "variables"))
        for key, job in document.value:
            if not isinstance(key, yaml.ScalarNode) or not isinstance(job, yaml.MappingNode):
                continue
            if key.value in _RESERVED_GITLAB and key.value != "default":
                continue
            env = top_env + _env(_get(job, "variables"))
            first = len(services)
            for field in ("before_script", "script", "after_script"):
                for node in _scripts(_get(job, field)):
                    yaml_shell(path, node, compose_file.text, env, SOURCE, str(key.value), services, problems)
            # each job runs on its own runner: what two jobs publish never collides (BG005)
            services[first:] = [s._replace(profiles=(f"job {key.value}",)) for s in services[first:]]
        for field in ("before_script", "after_script"):
            for node in _scripts(_get(document, field)):
                yaml_shell(path, node, compose_file.text, top_env, SOURCE, field, services, problems)
    return services, problems


def read(path: str):
    name = os.path.basename(path)
    if name in GITLAB_NAMES:
        from bindguard.compose.yaml_reader import read_file

        compose_file = read_file(path)
        problems = [p._replace(location=p.location._replace(source=SOURCE)) for p in compose_file.problems]
        services, found = gitlab(path, compose_file)
        return subject(path, services, problems + found), compose_file.text
    text, problem = read_text(path, SOURCE)
    if problem is not None or text is None:
        return subject(path, [], [problem] if problem else []), ""
    targets: dict[int, str] = {}
    errors: list[tuple[int, str]] = []
    shell = just_shell(text) if name.lower() in JUST_NAMES else make_shell(text, targets, errors)
    services, problems = analyse(path, shell)
    problems[:0] = [Problem(INVALID_FILE, f"invalid recipe line: {why}", Location(file=path, line=n, column=1,
                                                                             source=SOURCE)) for n, why in errors]
    # recipes are run one target at a time: what two recipes publish never collides (BG005)
    services = [_in_group(s, targets[s.location.line], "recipe") if s.location.line in targets else s
                for s in services]
    return subject(path, services, problems), text


def _in_group(service: Service, group: str, what: str) -> Service:
    """``service`` named after the recipe or job it runs in, with that group as its one profile."""
    name = f"{group}: {service.name}"
    return service._replace(
        name=name, profiles=(f"{what} {group}",),
        bindings=tuple(b._replace(service=name) for b in service.bindings),
        discarded=tuple(b._replace(service=name) for b in service.discarded),
    )


def recipe_location(path: str, line: int) -> Location:
    return Location(file=path, line=line, column=1, source=SOURCE)
