"""Shell: ``docker run -p`` (and podman, nerdctl, ``docker service create``) in scripts.

Scripts are parsed with a real shell grammar (tree-sitter-bash), never with
patterns: quoting, line continuations, ``--publish=…``, ``-p=…``, combined
short options (``-dp 80:80``), ``docker container run``, ``docker create``,
``sudo``/``env``/``command``/``exec``/``timeout``/``nice`` prefixes, ``podman``/``nerdctl``,
``-P``/``--publish-all`` and ``docker service create --publish`` (swarm's
routing mesh: every node's every address).  Variables are resolved as the
shell would only where the file itself decides them: an assignment earlier
in the script, or a default (``${HOST:-127.0.0.1}``); an unset variable with
no default is empty, as in the shell, and the entry carries its name (BG006).
The process environment is never read, so no value from it can reach a
report.  A value that cannot be known before the run (a command
substitution, ``"$@"``, a loop variable, an array, ``eval``) makes the
publish *unresolved*: reported with the reason, never skipped and never
counted as loopback.  A syntax error is a BG000 at its line; the rest of the
file is still read (the grammar recovers).

The same reader takes the shell inside other files at their real lines:
Makefile recipes (:mod:`bindguard.sources.make`), GitLab CI ``script:``
lines and workflow ``run:`` blocks (``ShellText`` with a line/column map).
"""

from __future__ import annotations

import bisect
import re
from typing import Any, NamedTuple

from bindguard.model import Binding, HostDefault, Location, Problem, Service
from bindguard.ports import LONG_KEYS, PortSyntaxError, parse_long, shown
from bindguard.sources.common import (
    INVALID_ENTRY,
    INVALID_FILE,
    host_aware,
    read_text,
    short_binding,
    spec_binding,
    subject,
)
from bindguard.sources.runargs import COMPOSE_RUN, Arg, Found, scan

SOURCE = "shell"
DEFAULT = HostDefault(origin="docker run -p publishes on every interface when no host IP is given")
SWARM_DEFAULT = HostDefault(origin="swarm publishes on every node's every address")
ENGINES = frozenset({"docker", "podman", "nerdctl"})
COMPOSE_PROGRAMS = frozenset({"docker-compose", "podman-compose"})  # `docker-compose run -p ...`
COMPOSE_RUN_DEFAULT = HostDefault(origin="docker compose run -p publishes on every interface when no host IP is given")
# docker compose's own options that take a value (before its subcommand; -p is the project name there)
_COMPOSE_VALUE = frozenset({"-f", "--file", "-p", "--project-name", "--project-directory", "--env-file", "--profile",
                            "--ansi", "--progress", "--parallel"})
_PREFIXES = frozenset({"sudo", "env", "command", "exec", "nohup", "time", "doas", "timeout", "nice", "ionice",
                       "setsid", "stdbuf"})
# prefix options that take a value (the next word is not the command)
_PREFIX_VALUE = {"sudo": frozenset({"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U"}),
                 "env": frozenset({"-u", "-C", "-S"}), "doas": frozenset({"-u", "-C"}),
                 "timeout": frozenset({"-s", "--signal", "-k", "--kill-after"}),
                 "nice": frozenset({"-n", "--adjustment"}), "ionice": frozenset({"-c", "-n", "--class", "--classdata"}),
                 "stdbuf": frozenset({"-i", "-o", "-e"})}
# operands a prefix takes before the command (`timeout 60 docker run ...`: the duration)
_PREFIX_OPERANDS = {"timeout": 1}
# docker's global options that take a value (before the subcommand)
_GLOBAL_VALUE = frozenset({"-H", "--host", "--context", "-c", "--config", "-l", "--log-level",
                           "--tlscacert", "--tlscert", "--tlskey", "--url", "--connection"})
MAX_DEPTH = 64
# programs that run their argument as another shell's script (``sh -c "docker run ..."``)
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "busybox"})
_SHELL_VALUE = frozenset({"-o", "+o", "-O", "+O", "--rcfile", "--init-file"})  # options with a value
MAX_NESTING = 8  # sh -c "bash -c '...'" levels read; deeper is reported, not read
# ssh's options that take a value (OpenSSH): its remote command follows the destination
_SSH_VALUE = frozenset("BbcDEeFIiJLlmOopPQRSWw")
EXPRESSION_NAME = "__bgx"  # an outer file's ${{ }} or {{ }} as the shell sees it (short: one per `$(` at worst)
_EXPRESSION_REF = re.compile(r"\$\{" + EXPRESSION_NAME + r"(\d*)\}")


def placeholder(expressions: list[str], original: str) -> str:
    """The shell text standing for ``original`` (a template expression), remembered in ``expressions``."""
    expressions.append(original)
    return "${" + EXPRESSION_NAME + str(len(expressions) - 1) + "}"


class ShellText(NamedTuple):
    """Shell text cut out of another file, and where its lines are in that file.

    ``lines[i]`` is the file line (1-based) of the text's line ``i`` and
    ``columns[i]`` what to add to a column on it; a text read from its own
    file has neither (identity).
    """

    text: str
    lines: tuple[int, ...] = ()
    columns: tuple[int, ...] = ()
    expressions: tuple[str, ...] = ()  # what each ${__bgxN} stands for, as the file wrote it


def _parser():
    import tree_sitter
    import tree_sitter_bash

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))


class _Value(NamedTuple):
    text: str
    variables: tuple[str, ...] = ()
    why: str = ""
    split: bool = False  # unquoted expansion: the shell splits its value into words


class _Script:
    """One parsed text: positions, assignments, and evaluation of words."""

    def __init__(self, path: str, shell: ShellText, source: str, data: bytes, tree) -> None:
        self.path, self.shell, self.source, self.data = path, shell, source, data
        self.line_starts = [0]
        at = data.find(b"\n")
        while at >= 0:
            self.line_starts.append(at + 1)
            at = data.find(b"\n", at + 1)
        self.tree = tree
        # name -> (start bytes, assignments) in order: the value a use sees is the last before it
        self.assigned: dict[str, tuple[list[int], list[object]]] = {}
        self.cache: dict[tuple[int, bool], _Value] = {}
        self.searched: dict[str, bool] = {}  # long texts already searched for a publish (_names_publish)
        # words evaluated with an outer file's template expressions kept as placeholders (the text a
        # nested shell parses, see _nested) instead of as written (the text a report shows)
        self.placeholders = False
        # name -> where it became exported (export, declare -x, set -a): what a `sh -c` it runs sees
        self.exports: dict[str, list[int]] = {}
        self.allexport = False
        # the variables this text inherits from the script that runs it (a `sh -c` script), or None
        self.inherited: _Inherited | None = None
        self.last = (-1, 0, 1)  # (row, byte, column) of the last place asked for

    # -- places --------------------------------------------------------------
    def where(self, node) -> Location:
        row = node.start_point[0]
        start = self.line_starts[row] if row < len(self.line_starts) else 0
        column = self._column(row, start, node.start_byte)
        line = row + 1
        if self.shell.lines:
            index = min(row, len(self.shell.lines) - 1)
            line = self.shell.lines[index]
            column += self.shell.columns[index]
        return Location(file=self.path, line=line, column=column, source=self.source)

    def _column(self, row: int, start: int, at: int) -> int:
        """1-based column in code points; each line is decoded at most about once
        (nodes come in document order, so the count goes on from the last one)."""
        last_row, last_byte, last_column = self.last
        if last_row == row and last_byte <= at:
            column = last_column + len(self.data[last_byte:at].decode("utf-8", "replace"))
        else:
            column = len(self.data[start:at].decode("utf-8", "replace")) + 1
        self.last = (row, at, column)
        return column

    def raw(self, node) -> str:
        text = self.data[node.start_byte:node.end_byte].decode("utf-8", "replace")
        if self.shell.expressions and not self.placeholders and "${" + EXPRESSION_NAME in text:
            text = _EXPRESSION_REF.sub(lambda m: self._expression(m.group(1)), text)
        return text

    def _expression(self, index: str) -> str:
        number = int(index or "0")
        return self.shell.expressions[number] if number < len(self.shell.expressions) else "?"

    # -- assignments ---------------------------------------------------------
    def note_assignment(self, name: str, at: int, value: object) -> None:
        starts, values = self.assigned.setdefault(name, ([], []))
        starts.append(at)
        values.append(value)
        if self.allexport:
            self.note_export(name, at)

    def note_export(self, name: str, at: int) -> None:
        self.exports.setdefault(name, []).append(at)

    def lookup(self, name: str, at: int, depth: int) -> _Value | None:
        """The value the script gave ``name`` before byte ``at``; None when it never did."""
        found = self.assigned.get(name)
        index = bisect.bisect_left(found[0], at) - 1 if found else -1
        if found is None or index < 0:
            return self.inherited.get(name) if self.inherited else None
        value = found[1][index]
        if isinstance(value, str):  # a reason: a loop variable, read, an array...
            return _Value("", why=value)
        if value is None:
            return _Value("")
        key = (value.id if hasattr(value, "id") else id(value), self.placeholders)
        if key not in self.cache:
            if depth > MAX_DEPTH:
                return _Value("", why="variables nested too deeply")
            self.cache[key] = self.value(value, depth + 1)
        return self.cache[key]

    # -- words ---------------------------------------------------------------
    def value(self, node, depth: int = 0) -> _Value:
        """What a word node expands to (before word splitting)."""
        if depth > MAX_DEPTH:
            return _Value("", why="nested too deeply")
        kind = node.type
        if kind in ("word", "number"):
            return _Value(_unescape(self.raw(node)))
        if kind == "raw_string":
            return _Value(self.raw(node)[1:-1])
        if kind == "ansi_c_string":
            return _Value(self.raw(node)[2:-1])
        if kind == "string":
            return self._join([c for c in node.children if c.type != '"'], depth, quoted=True)
        if kind == "string_content":
            return _Value(_unescape(self.raw(node), QUOTED_ESCAPES))
        if kind == "concatenation":
            return self._join(node.children, depth, quoted=False)
        if kind == "simple_expansion":
            return self._simple(node, depth)
        if kind == "expansion":
            return self._expansion(node, depth)
        if kind in ("command_substitution", "process_substitution"):
            return _Value("", why=f"{shown(self.raw(node))} is a command's output, known only at run time")
        if kind == "arithmetic_expansion":
            return _Value("", why=f"{shown(self.raw(node))} is computed at run time")
        return _Value("", why=f"{shown(self.raw(node))} is not evaluated by bindguard")

    def _join(self, parts, depth: int, quoted: bool) -> _Value:
        text: list[str] = []
        variables: list[str] = []
        why, split = "", False
        for part in parts:
            v = self.value(part, depth + 1)
            text.append(v.text)
            variables.extend(n for n in v.variables if n not in variables)
            why = why or v.why
            split = split or (v.split and not quoted)
        return _Value("".join(text), tuple(variables), why, split)

    def _simple(self, node, depth: int) -> _Value:
        name_node = node.children[-1] if node.children else None
        name = self.raw(name_node) if name_node is not None else ""
        if name_node is None or name_node.type == "special_variable_name" or name.isdigit():
            return _Value("", why=f"${name} is the script's arguments, known only at run time")
        return self._variable(name, node.start_byte, None, "", depth)

    def _expansion(self, node, depth: int) -> _Value:
        children = node.children
        inner = [c for c in children if c.type not in ("${", "}")]
        if not inner or inner[0].type not in ("variable_name", "special_variable_name"):
            return _Value("", why=f"{shown(self.raw(node))} is not evaluated by bindguard")
        name = self.raw(inner[0])
        if inner[0].type == "special_variable_name" or name.isdigit():
            return _Value("", why=f"{shown(self.raw(node))} is the script's arguments, known only at run time")
        if len(inner) == 1:
            return self._variable(name, node.start_byte, None, "", depth)
        operator = self.raw(inner[1])
        if operator not in (":-", "-", ":=", "=", ":+", "+"):
            return _Value("", why=f"{shown(self.raw(node))} is not evaluated by bindguard")
        default = self._join(inner[2:], depth, quoted=True) if len(inner) > 2 else _Value("")
        return self._variable(name, node.start_byte, default, operator, depth)

    def _variable(self, name: str, at: int, default: _Value | None, operator: str, depth: int) -> _Value:
        if name == EXPRESSION_NAME or name.startswith(EXPRESSION_NAME):
            return _Value("", why="a template expression of the outer file decides it, known only at run time")
        assigned = self.lookup(name, at, depth)
        if operator in (":+", "+"):
            if assigned is None:
                return _Value("")
            if assigned.why:
                return _Value("", why=assigned.why)
            return default if (assigned.text or operator == "+") and default else _Value("")
        if assigned is not None and (assigned.text or assigned.why or operator in ("-", "=")):
            return assigned._replace(split=True)
        if default is not None:
            return default._replace(split=True)
        if assigned is not None:
            return assigned._replace(split=True)
        return _Value("", (name,), split=True)  # unset, no default: empty, as in the shell


QUOTED_ESCAPES = '$`"\\\n'  # what a backslash quotes inside double quotes


def _unescape(text: str, escapable: str | None = None) -> str:
    """A backslash quotes the next character (inside double quotes: only one of
    ``escapable``, else it stays); backslash-newline is nothing."""
    if "\\" not in text:
        return text
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text) and (escapable is None or text[i + 1] in escapable):
            if text[i + 1] != "\n":
                out.append(text[i + 1])
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


_ASSIGNING = frozenset({"variable_assignment", "for_statement", "command", "declaration_command"})
# node types that hold no command and no assignment: the walk does not go into them
# (nor does `${...}` in practice: a command substitution inside a default, `${X:-$(docker run ...)}`,
# is not looked into)
_LEAVES = frozenset({"word", "number", "raw_string", "string_content", "simple_expansion", "variable_name",
                     "special_variable_name", "ansi_c_string", "comment", "heredoc_body", "test_operator",
                     "expansion"})


def _walk(root):
    """Every node, parents before children, in document order (a tree cursor: no recursion limit)."""
    cursor = root.walk()
    while True:
        node = cursor.node
        yield node
        if node.type not in _LEAVES and cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return


def _note(script: _Script, node) -> None:
    """Remember what ``node`` assigns, if it is an assignment, a for loop or a read."""
    kind = node.type
    if kind in _ASSIGNING:
        if kind == "variable_assignment":
            parent = node.parent
            if parent is not None and parent.type == "command":
                return  # `HOST=x docker run ...`: the command's environment, not the shell's
            name_node = node.child_by_field_name("name")
            value_node = node.child_by_field_name("value")
            if name_node is None:
                return
            name = script.raw(name_node)
            if name_node.type == "subscript" or (value_node is not None and value_node.type == "array"):
                script.note_assignment(name.split("[")[0], node.start_byte, f"${name.split('[')[0]} is an array")
                return
            op = node.children[1] if len(node.children) > 1 else None
            if op is not None and script.raw(op) == "+=":
                script.note_assignment(name, node.start_byte, f"${name} is appended to (+=)")
                return
            script.note_assignment(name, node.end_byte, value_node)
        elif kind == "for_statement":
            var = node.child_by_field_name("variable")
            if var is not None:
                script.note_assignment(script.raw(var), node.start_byte, f"${script.raw(var)} is set by a for loop")
        elif kind == "declaration_command":
            _note_exports(script, node)
        elif kind == "command":
            name = node.child_by_field_name("name")
            if name is not None and script.raw(name) == "set":
                _note_allexport(script, node)
            if name is not None and script.raw(name) in ("read", "mapfile", "readarray", "getopts"):
                for arg in node.children[1:]:
                    if arg.type == "word" and not script.raw(arg).startswith("-"):
                        script.note_assignment(script.raw(arg), node.start_byte,
                                               f"${script.raw(arg)} is read at run time")


def _note_exports(script: _Script, node) -> None:
    """``export A=1 B``, ``declare -x A``: the names a program started later inherits
    (the assignments themselves are noted as the walk reaches them)."""
    children = node.children
    keyword = children[0].type if children else ""
    flags = "".join(script.raw(c) for c in children[1:] if c.type == "word" and script.raw(c).startswith("-"))
    if keyword != "export" and not (keyword in ("declare", "typeset", "local") and "x" in flags):
        return
    for child in children[1:]:
        if child.type == "variable_name":
            script.note_export(script.raw(child), child.start_byte)
        elif child.type == "variable_assignment" and (name := child.child_by_field_name("name")) is not None:
            script.note_export(script.raw(name).split("[")[0], child.end_byte)


def _note_allexport(script: _Script, node) -> None:
    """``set -a`` / ``set -o allexport`` (and ``+``): every later assignment is exported."""
    words = [script.raw(c) for c in node.children[1:] if c.type in ("word", "raw_string", "string")]
    for i, word in enumerate(words):
        if word[:1] in ("-", "+") and not word.startswith("--") and "a" in word[1:] and word[1:] != "o":
            script.allexport = word[0] == "-"
        elif word in ("-o", "+o") and i + 1 < len(words) and words[i + 1] == "allexport":
            script.allexport = word == "-o"


class _Command(NamedTuple):
    program: str
    words: list  # the nodes after the program
    node: Any
    env: tuple[tuple[str, _Value], ...] = ()  # `env NAME=VALUE` before the program: its environment


def _command_words(script: _Script, node) -> list:
    return [c for c in node.children if c.type not in ("variable_assignment", "file_redirect", "herestring_redirect",
                                                      "heredoc_redirect", "command_name", "comment")]


def _strip_prefixes(script: _Script, node) -> _Command | None:
    """``sudo -E env A=1 docker ...`` -> (docker, the words after it)."""
    name = node.child_by_field_name("name")
    if name is None or not name.children:
        return None
    words = [name.children[0]] + _command_words(script, node)
    env: list[tuple[str, _Value]] = []
    i = 0
    while i < len(words):
        text = script.value(words[i]).text
        base = text.rsplit("/", 1)[-1]
        if base in _PREFIXES:
            takes = _PREFIX_VALUE.get(base, frozenset())
            i += 1
            while i < len(words):
                v = script.value(words[i])
                w = v.text
                if w in takes:
                    i += 2
                elif w.startswith("-"):
                    i += 1
                elif base == "env" and "=" in w and not w.startswith("="):
                    key, _, rest = w.partition("=")
                    env.append((key, v._replace(text=rest)))
                    i += 1
                else:
                    break
            i += _PREFIX_OPERANDS.get(base, 0)
            continue
        return _Command(base, words[i + 1:], node, tuple(env))
    return None


def _args(script: _Script, nodes) -> list[Arg]:
    out: list[Arg] = []
    for node in nodes:
        v = script.value(node)
        where = script.where(node)
        raw = script.raw(node)
        if v.split and not v.why and any(ch in v.text for ch in " \t\n"):
            out.extend(Arg(w, where, v.variables, "", raw) for w in v.text.split())
        elif v.split and not v.why and v.text == "" and not v.variables and node.type != "string":
            continue  # an unquoted empty expansion is no word at all
        else:
            out.append(Arg(v.text, where, v.variables, v.why, raw if (v.variables or v.why or raw != v.text) else ""))
    return out


def _past_options(script: _Script, words: list, takes_value: frozenset[str]) -> int:
    """The index of the first word that is not an option (``takes_value``: those whose value is
    the next word), or ``len(words)``."""
    i = 0
    while i < len(words):
        text = script.value(words[i]).text
        if not text.startswith("-"):
            return i
        i += 2 if text in takes_value else 1
    return len(words)


def _subcommand(script: _Script, words: list) -> tuple[str, list]:
    """(``run``/``create``/``service create``/..., the words after it), past global options."""
    i = _past_options(script, words, _GLOBAL_VALUE)
    if i >= len(words):
        return "", []
    text = script.value(words[i]).text
    if text in ("container", "service") and i + 1 < len(words):
        return f"{text} {script.value(words[i + 1]).text}", words[i + 2:]
    return text, words[i + 1:]


def _swarm_entry(text: str, service: str, where: Location) -> Binding | Problem:
    """``docker service create -p``: ``8080:80`` or ``published=8080,target=80,mode=host``."""
    if "=" in text:
        item: dict[str, object] = {}
        for part in text.split(","):
            key, _, value = part.partition("=")
            key = {"host_ip": "host_ip"}.get(key.strip(), key.strip())
            if key not in LONG_KEYS:
                return Problem(INVALID_ENTRY, f"invalid --publish entry: unknown key {shown(key)}", where,
                               service=service, entry=text)
            item[key] = value.strip()
        try:
            spec = parse_long(item, "--publish")
        except PortSyntaxError as exc:
            return Problem(INVALID_ENTRY, f"invalid --publish entry: {exc}", where, service=service, entry=text)
        binding = spec_binding(spec, service, where, text, SWARM_DEFAULT)
    else:
        result = short_binding(text, service, where, SWARM_DEFAULT, "--publish entry")
        if isinstance(result, Problem):
            return result
        binding = result
    origin = ("swarm ignores the host IP: the routing mesh publishes on every node's every address"
              if binding.host_ip else SWARM_DEFAULT.origin)
    return binding._replace(host_ip="", ignored_host_ip=binding.host_ip, swarm=True,
                            default_host_ip=DEFAULT.addresses, default_origin=origin)


def _named(found: Found, what: str, problems: list[Problem]) -> tuple[str, tuple[Binding, ...]]:
    """(the container's name: ``--name``, else the image or service, else ``what``; its
    bindings under that name), its problems added to ``problems`` under it too."""
    name = found.name or found.image or what
    problems.extend(p._replace(service=name) for p in found.problems)
    return name, tuple(b._replace(service=name) for b in found.bindings)


def _engine_command(script: _Script, command: _Command, services: list[Service], problems: list[Problem]) -> None:
    sub, rest = _subcommand(script, command.words)
    where = script.where(command.node)
    if sub in ("run", "create", "container run", "container create"):
        found = scan(_args(script, rest), f"{command.program} {sub}", DEFAULT)
        name, bindings = _named(found, f"{command.program} {sub}", problems)
        network = "host" if found.network == "host" else found.network
        services.append(host_aware(Service(name, where, network, found.network_at, bindings)))
    elif sub == "compose":
        _compose_run(script, command, rest, services, problems)
    elif sub == "service create":
        found = scan(_args(script, rest), "docker service create", SWARM_DEFAULT, publish_entry=_swarm_entry)
        name, bindings = _named(found, "docker service create", problems)
        services.append(Service(name, where, bindings=bindings))


def _compose_run(script: _Script, command: _Command, words: list, services: list[Service],
                 problems: list[Problem]) -> None:
    """``docker compose [-f F -p NAME] run [-p X] SERVICE``: its ``-p`` publishes a one-off
    container of that service (the service's own ports are its compose file's, linted there)."""
    i = _past_options(script, words, _COMPOSE_VALUE)
    if i >= len(words) or script.value(words[i]).text != "run":
        return
    what = f"{command.program} compose run" if command.program in ENGINES else f"{command.program} run"
    args = _args(script, words[i + 1:])
    found = scan(args, what, COMPOSE_RUN_DEFAULT, flags=COMPOSE_RUN)
    name, bindings = _named(found, what, problems)
    options = [a.text for a in args[:next((k for k, a in enumerate(args) if a.text == found.image), len(args))]]
    if bindings and any(o == "--service-ports" or (o[:1] == "-" and o[1:2] != "-" and "P" in o) for o in options):
        # Compose stops before creating anything: "--service-ports and --publish are incompatible"
        problems.append(Problem(INVALID_ENTRY, f"{what} refuses --service-ports with --publish, so it publishes "
                                "nothing; drop one of them", script.where(command.node), service=name))
        return
    if bindings:
        services.append(Service(name, script.where(command.node), bindings=bindings))


def _eval_command(script: _Script, command: _Command, problems: list[Problem]) -> None:
    text = " ".join(script.raw(w) for w in command.words)
    _unresolved_run(text, command.program, script.where(command.node),
                    "the command runs through eval, whose text is built at run time", problems)


def _script_words(script: _Script, command: _Command) -> tuple[list, bool] | None:
    """(the words a command runs as a shell script, whether that shell inherits this one's
    environment), or None: ``sh -c WORD``, ``su -c WORD``, ``ssh HOST WORDS...`` (the remote
    shell joins them with spaces, and sees nothing of this one's variables)."""
    if command.program in SHELLS:
        word = _shell_script_word(script, command)
        return ([word], True) if word is not None else None
    if command.program == "su":
        word = _su_command(script, command.words)
        return ([word], True) if word is not None else None
    if command.program == "ssh":
        words = _ssh_command(script, command.words)
        return (words, False) if words else None
    return None


def _su_command(script: _Script, words: list):
    """The word ``su -c WORD`` (``--command WORD``, ``--command=WORD``) runs, or None."""
    for i, word in enumerate(words):
        text = script.value(word).text
        if text in ("-c", "--command", "--session-command") and i + 1 < len(words):
            return words[i + 1]
        if text.startswith("--command=") and word.type == "word":
            return None  # the command is glued to its option: not a word of its own to read
    return None


def _ssh_command(script: _Script, words: list) -> list:
    """The words after ssh's destination (its remote command), or none."""
    i = 0
    while i < len(words):
        text = script.value(words[i]).text
        if text == "--":
            i += 1
            break
        if not text.startswith("-") or len(text) == 1:
            break
        i += 1
        for at, flag in enumerate(text[1:], 1):
            if flag == "N":
                return []  # no remote command
            if flag in _SSH_VALUE:
                if at == len(text) - 1:
                    i += 1  # its value is the next word (-p 22), not glued to it (-p22)
                break
    return words[i + 1:]  # past the destination


def _shell_script_word(script: _Script, command: _Command):
    """The word ``sh -c WORD`` (``bash -ec WORD``, ``busybox sh -c WORD``) runs as a script, or None."""
    words = command.words
    i = 0
    if command.program == "busybox":
        if not words or script.value(words[0]).text not in SHELLS - {"busybox"}:
            return None
        i = 1
    takes_script = False
    while i < len(words):
        text = script.value(words[i]).text
        if text == "--":
            i += 1
            break
        if text in _SHELL_VALUE:
            i += 2
            continue
        if text.startswith("--"):
            i += 1
            continue
        if text[:1] in ("-", "+") and len(text) > 1:
            takes_script = takes_script or (text[0] == "-" and "c" in text[1:])
            i += 1
            continue
        break
    return words[i] if takes_script and i < len(words) else None


def _nested(script: _Script, command: _Command, services: list[Service], problems: list[Problem],
            depth: int, budget: list[int]) -> None:
    """``sh -c "docker run -p ..."``: the string is a script of its own, read by the same reader.

    Its text is the word's value as this script expands it (the outer shell
    expands a double-quoted string before ``sh`` runs; a single-quoted one is
    expanded by the inner shell, which sees only what this script exported or
    set for the command: ``_environment``).
    Written as it runs (no escape, no expansion), its entries keep their own
    line and column, so ``fix`` can rewrite them; otherwise they are placed
    at the word.  A word whose value is known only at run time, or nesting
    deeper than ``MAX_NESTING``, is an unresolved publish when its text
    names an engine and a publish option, as ``eval`` is; so is a text
    that would take all scripts run this way past ``budget`` bytes (a
    variable's value run on every line: reading it each time would not be
    linear in the file).
    """
    found_words = _script_words(script, command)
    if found_words is None:
        return
    words, inherits = found_words
    word = words[0]
    value = _joined(script, words)
    where = script.where(word)
    raw = " ".join(script.raw(w) for w in words)
    text = value.text
    if script.shell.expressions:  # the script as the inner shell parses it: expressions as placeholders
        script.placeholders = True
        try:
            text = _joined(script, words).text
        finally:
            script.placeholders = False
    why = value.why
    if not why and depth >= MAX_NESTING:
        why = f"shells nested more than {MAX_NESTING} deep are not read"
    elif not why and len(text) > budget[0]:
        why = "the scripts run through sh -c add up to more text than bindguard reads for this file"
    if why:
        said = f"the script {command.program} runs is built at run time ({why})" if value.why else why
        # what it names is in its text as written, or (from a variable) in what is known of its value
        _unresolved_run(raw, command.program, where, said, problems, also=value.text, seen=script.searched)
        return
    budget[0] -= len(text)
    written = script.data[word.start_byte:word.end_byte].decode("utf-8", "replace")
    quote = 1 if word.type in ("raw_string", "string") and len(written) >= 2 else 0
    exact = len(words) == 1 and written[quote:len(written) - quote] == text and "\r" not in text
    if exact:
        row, count = word.start_point[0], text.count("\n") + 1
        lines = tuple(_outer_line(script, row + i) for i in range(count))
        columns = (where.column - 1 + quote, *(_outer_column(script, row + i) for i in range(1, count)))
        nested_text = ShellText(text, lines, columns, script.shell.expressions)
    else:
        nested_text = ShellText(text, (where.line,), (where.column - 1,), script.shell.expressions)
    found, trouble = analyse(script.path, nested_text, script.source, depth + 1, budget,
                             _environment(script, command) if inherits else None)
    if not _names_publish(text, script.searched):
        # a string sh cannot parse fails when it runs: a finding only where it would publish
        trouble = [p for p in trouble if p.code != INVALID_FILE]
    if not exact:  # escapes or expansions moved its text: every place is the word's
        found = [_placed(s, where) for s in found]
        trouble = [p._replace(location=where) for p in trouble]
    if value.variables:  # this script's unset variables made part of its text: said on each entry
        found = [s._replace(bindings=tuple(b._replace(variables=tuple(dict.fromkeys((*b.variables, *value.variables))))
                                           for b in s.bindings)) for s in found]
    services.extend(found)
    problems.extend(trouble)


class _Inherited:
    """What the shell a command starts sees of the script that starts it: ``NAME=value`` given
    to that command (``A=1 sh -c``, ``env A=1 sh -c``), else the value the script holds there of
    a variable it exported before (``export``, ``declare -x``, ``set -a``) or itself inherited.
    An assignment that is not exported is not seen (nor is the process environment, which
    bindguard never reads: a variable it does not see is unset, its default applies).  Looked up
    by name when asked, never copied: a script may export thousands of names and run as many
    ``sh -c``."""

    def __init__(self, outer: _Script, at: int, given: dict[str, _Value]) -> None:
        self.outer, self.at, self.given = outer, at, given

    def get(self, name: str) -> _Value | None:
        if name in self.given:
            return self.given[name]
        outer = self.outer
        marks = outer.exports.get(name)
        exported = marks is not None and marks[0] < self.at
        if exported or (outer.inherited is not None and outer.inherited.get(name) is not None):
            return outer.lookup(name, self.at, 0)
        return None


def _joined(script: _Script, words: list) -> _Value:
    """The words' values joined with spaces, as ssh joins its remote command."""
    if len(words) == 1:
        return script.value(words[0])
    values = [script.value(w) for w in words]
    return _Value(" ".join(v.text for v in values), tuple(dict.fromkeys(n for v in values for n in v.variables)),
                  next((v.why for v in values if v.why), ""))


def _environment(script: _Script, command: _Command) -> _Inherited:
    """What the shell ``command`` starts inherits from ``script`` (see :class:`_Inherited`)."""
    given: dict[str, _Value] = {}
    for child in command.node.children:
        if child.type == "variable_assignment" and (name := child.child_by_field_name("name")) is not None:
            value = child.child_by_field_name("value")
            given[script.raw(name)] = script.value(value) if value is not None else _Value("")
    given.update(command.env)
    return _Inherited(script, command.node.start_byte, given)


def _outer_line(script: _Script, row: int) -> int:
    if script.shell.lines:
        return script.shell.lines[min(row, len(script.shell.lines) - 1)]
    return row + 1


def _outer_column(script: _Script, row: int) -> int:
    if script.shell.columns:
        return script.shell.columns[min(row, len(script.shell.columns) - 1)]
    return 0


def _placed(service: Service, where: Location) -> Service:
    return service._replace(location=where, network_mode_location=where if service.network_mode_location else None,
                            bindings=tuple(b._replace(location=where) for b in service.bindings))


def _unresolved_run(text: str, program: str, where: Location, why: str, problems: list[Problem],
                    also: str = "", seen: dict[str, bool] | None = None) -> None:
    """An unresolved publish for a command ``text`` built at run time, when it (or ``also``, what is
    known of its value) names an engine and publishes."""
    if _names_publish(text) or (also and _names_publish(also, seen)):
        from bindguard.sources.common import unresolved

        problems.append(unresolved(text if len(text) <= 80 else text[:80] + "...", program, where, why))


def _names_publish(text: str, seen: dict[str, bool] | None = None) -> bool:
    """Does ``text`` name an engine and a publish option?  ``seen`` remembers the answer per
    text: a variable's value (one string, its hash kept) run on every line is searched once."""
    if seen is not None and text in seen:
        return seen[text]
    found = any(e in text for e in ENGINES) and ("-p" in text or "--publish" in text or "-P" in text)
    if seen is not None and len(text) > 256:
        seen[text] = found
    return found


def analyse(path: str, shell: ShellText, source: str = SOURCE, depth: int = 0,
            budget: list[int] | None = None,
            inherited: _Inherited | None = None) -> tuple[list[Service], list[Problem]]:
    """The publishes in one shell text (a script, shell cut out of another file, or the
    script a ``sh -c`` runs: ``depth`` levels down, within ``budget`` characters of such
    scripts in all: the file's own text and 64 KiB)."""
    data = shell.text.encode("utf-8", "surrogatepass")
    if budget is None:
        budget = [len(shell.text) + 65536]
    tree = _parser().parse(data)
    script = _Script(path, shell, source, data, tree)
    script.inherited = inherited
    services: list[Service] = []
    problems: list[Problem] = []
    if tree.root_node.has_error:
        bad = next((n for n in _walk(tree.root_node) if n.type == "ERROR" or n.is_missing), tree.root_node)
        what = f"missing {bad.type!r}" if bad.is_missing else "the shell cannot parse this"
        problems.append(Problem(INVALID_FILE, f"shell syntax error: {what}", script.where(bad)))
    for node in _walk(tree.root_node):  # document order: a use sees only the assignments before it
        _note(script, node)
        if node.type != "command":
            continue
        command = _strip_prefixes(script, node)
        if command is None:
            continue
        if command.program in ENGINES:
            _engine_command(script, command, services, problems)
        elif command.program in COMPOSE_PROGRAMS:
            _compose_run(script, command, command.words, services, problems)
        elif command.program == "eval":
            _eval_command(script, command, problems)
        elif command.program in SHELLS or command.program in ("su", "ssh"):
            _nested(script, command, services, problems, depth, budget)
    return services, problems


def read(path: str):
    """A script file (``*.sh``, ``*.bash``, a shell shebang)."""
    text, problem = read_text(path, SOURCE)
    if problem is not None or text is None:
        return subject(path, [], [problem] if problem else []), ""
    services, problems = analyse(path, ShellText(text))
    return subject(path, services, problems), text


MAKE_NAMES = frozenset({"Makefile", "makefile", "GNUmakefile"})
JUST_NAMES = frozenset({"justfile", ".justfile"})
GITLAB_NAMES = frozenset({".gitlab-ci.yml", ".gitlab-ci.yaml"})


def is_make_name(name: str) -> bool:
    return name in MAKE_NAMES or name.endswith(".mk")
