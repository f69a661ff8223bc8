"""The package layering, read from the source (issue 26).

The import graph of ``src/bindguard`` is built with ``ast`` from every
``import`` statement, at module level and inside functions alike (a lazy
import is still a dependency: it only moves when the cost is paid).  It
must have no cycle, and no arrow across the layers in the wrong direction:
parsers know the model, never the rules; rules know the model, never where
it came from; nothing below the command line imports it.  A newcomer who
adds an import that breaks this gets the arrow named here.
"""

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "bindguard"

# Subpackages are one node each in the package-level graph; top-level modules are their own node.
# (importer layer, imported layer) pairs that must never appear, with the reason shown on failure.
PARSERS = ("compose", "sources", "ports", "stdin", "bounded_read")
COMMAND_LINE = ("cli", "cli_options", "cli_help", "commands", "entry", "__main__")
FORBIDDEN: dict[tuple[str, str], str] = {}
for _parser in PARSERS:
    for _above in ("rules", "runner", "engine", "lint", "reporters", "fix", "probe", "config", "settings",
                   "ignores", *COMMAND_LINE):
        FORBIDDEN[(_parser, _above)] = "a parser produces the model and knows nothing above it"
for _above in ("compose", "engine", "lint", "runner", "reporters", "fix", "probe", "config", "settings",
               *COMMAND_LINE):
    FORBIDDEN[("rules", _above)] = "a rule reads the model, not where it came from or who runs it"
for _above in ("lint", "engine", "fix", "probe", "runner", *COMMAND_LINE):
    FORBIDDEN[("reporters", _above)] = "a reporter renders a Report; assembling it is not its job"
for _above in ("lint", *COMMAND_LINE):
    FORBIDDEN[("engine", _above)] = "the engine path feeds the runner and reporters, not lint or the CLI"
FORBIDDEN[("model", "*")] = "the model is the bottom layer: it imports no other bindguard module"
for _below in ("compose", "rules", "runner", "lint", "engine", "fix", "probe", "reporters", "config", "settings",
               "ignores", "output", "baseline", "suggest", "ports_report", "metrics", "hooks"):
    for _cli in COMMAND_LINE:
        FORBIDDEN[(_below, _cli)] = "nothing below the command line imports it"

# Arrows that break a rule above and are being removed; each names its issue, and the test fails once
# the arrow is gone so that the exception goes with it.
KNOWN_ARROWS: set[tuple[str, str]] = set()  # none left: confirm plans with bindguard.planning (issue 26)
# Package-level cycles that are known (none since issue 26 moved the fix of one entry, which lint's
# hints use, out of fix/ into entryfix/).
KNOWN_PACKAGE_CYCLES: list[set[str]] = []


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph() -> dict[str, set[str]]:
    """module -> the bindguard modules it imports anywhere in its source (``from pkg import mod`` counts mod)."""
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                wanted = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(parent + ([node.module] if node.module else []))
                wanted = [base] + [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            targets.update(w for w in wanted if w in paths and w != name)
        graph[name] = targets
    return graph


def layer(module: str) -> str:
    """``bindguard.compose.sniff`` -> ``compose``; ``bindguard.lint`` -> ``lint``; ``bindguard`` -> ``bindguard``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components with more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for module, targets in graph.items():
        out.setdefault(layer(module), set()).update(layer(t) for t in targets if layer(t) != layer(module))
    return out


def forbidden_arrows(graph: dict[str, set[str]]) -> list[str]:
    bad = []
    for module, targets in sorted(graph.items()):
        for target in sorted(targets):
            source, sink = layer(module), layer(target)
            if source == sink or sink == "bindguard":
                continue
            why = FORBIDDEN.get((source, sink)) or FORBIDDEN.get((source, "*"))
            if why and (module, target) not in KNOWN_ARROWS:
                bad.append(f"{module} -> {target}: {why}")
    return bad


GRAPH = import_graph()


def test_the_graph_is_read():
    """The reader sees lazy imports and ``from package import module`` (else the checks below prove nothing)."""
    assert "bindguard.lint" in GRAPH["bindguard.commands"]  # imported inside commands.lint's body
    assert "bindguard.rules.bg001_implicit_all_interfaces" in GRAPH["bindguard.rules"]
    assert "bindguard.compose.yaml_reader" in GRAPH["bindguard.compose.sniff"]


def test_no_module_imports_itself_back():
    assert cycles(GRAPH) == []


def test_no_package_cycle_beyond_the_known_one():
    assert [c for c in cycles(package_graph(GRAPH)) if c not in KNOWN_PACKAGE_CYCLES] == []


def test_no_arrow_crosses_a_layer_downwards():
    assert forbidden_arrows(GRAPH) == []


def test_known_exceptions_are_still_needed():
    """A known arrow that is gone leaves its exception behind: remove it from KNOWN_ARROWS."""
    assert [arrow for arrow in sorted(KNOWN_ARROWS) if arrow[1] not in GRAPH[arrow[0]]] == []


def test_known_package_cycles_are_still_there():
    """A known cycle that is gone leaves its exception behind: remove it from KNOWN_PACKAGE_CYCLES."""
    present = cycles(package_graph(GRAPH))
    assert [known for known in KNOWN_PACKAGE_CYCLES if known not in present] == []


def test_the_checks_catch_a_cycle_and_a_wrong_arrow():
    graph = {"bindguard.compose.x": {"bindguard.rules.y"}, "bindguard.rules.y": {"bindguard.compose.x"}}
    assert cycles(graph) == [{"bindguard.compose.x", "bindguard.rules.y"}]
    assert [a.split(":")[0] for a in forbidden_arrows(graph)] == [
        "bindguard.compose.x -> bindguard.rules.y", "bindguard.rules.y -> bindguard.compose.x",
    ]


def test_reading_a_compose_file_loads_no_rule():
    """compose/ takes the problem codes it emits from the model, so a parse imports no rule module."""
    code = (
        "import sys\n"
        "import bindguard.compose.project, bindguard.compose.discover, bindguard.compose.bindings\n"
        "print(sorted(m for m in sys.modules if m.startswith('bindguard.rules')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
