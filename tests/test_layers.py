"""The house's shape: imports flow backends -> tools -> agent -> tui, never back up; no
import cycle among the modules of the packages in CYCLE_PACKAGES; no module over
LINE_LIMIT lines in LINE_LIMIT_PACKAGES; no tool module imports another; a run's progress is
saved only by the registry's driver; seeds are combined only by the seed rule.

Imports are read from the source (ast), not by importing it: `import X` and `from X
import Y`, at the top of a module or inside a function, except those under
`if TYPE_CHECKING:`, which never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

PACKAGES = ("backends", "tools", "agent", "tui")  # lowest layer first
CYCLE_PACKAGES = PACKAGES
LINE_LIMIT_PACKAGES = PACKAGES
LINE_LIMIT = 400


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def module_paths(packages=PACKAGES) -> dict[str, Path]:
    return {module_name(p): p for package in packages for p in sorted((REPO / package).rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imported_names(source: str, module: str, is_package: bool = False) -> set[str]:
    """Every dotted name `source` imports (`from X import Y` gives X.Y: module X.Y if there
    is one, else the name Y of module X), those under `if TYPE_CHECKING:` left out;
    relative imports resolved against `module`."""
    names: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, base] if base else package)
            names.update(f"{base}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source))
    return names


def project_module(name: str, modules) -> str | None:
    """The project module a dotted name refers to: itself, or the nearest enclosing module."""
    parts = name.split(".")
    while parts:
        if ".".join(parts) in modules:
            return ".".join(parts)
        parts.pop()
    return None


def import_graph(packages=PACKAGES) -> dict[str, set[str]]:
    """Each module of `packages` -> the modules of `packages` it imports (itself left out)."""
    paths = module_paths(PACKAGES)
    graph: dict[str, set[str]] = {}
    for module, path in paths.items():
        if module.split(".")[0] not in packages:
            continue
        names = imported_names(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")
        targets = {project_module(n, paths) for n in names} - {None, module}
        graph[module] = {t for t in targets if t.split(".")[0] in packages}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles: each strongly connected component of more than one module, as one
    cycle through it (its first module again at the end)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return [_one_cycle(graph, component) for component in components]


def _one_cycle(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """A shortest path from the component's first module back to itself, inside the component."""
    start, members = component[0], set(component)
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for v in frontier:
            for w in sorted(graph.get(v, set()) & members):
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if w not in came_from:
                    came_from[w] = v
                    following.append(w)
        frontier = following
    return component  # pragma: no cover - a component always has a cycle


def _describe(found: list[list[str]]) -> str:
    return "; ".join(" -> ".join(cycle) for cycle in found)


# ---------------------------------------------------------------- the reader and the cycle finder


def test_imports_are_read_inside_functions_and_not_under_type_checking():
    source = (
        "from typing import TYPE_CHECKING\n"
        "import backends.core.errors\n"
        "from tools import REGISTRY\n"
        "if TYPE_CHECKING:\n"
        "    from tui.app import ParleyApp\n"
        "else:\n"
        "    from backends.core import settings\n"
        "def later():\n"
        "    from agent.session import Session\n"
        "    from . import wording\n"
    )
    names = imported_names(source, "agent.nodes")
    assert {"backends.core.errors", "tools.REGISTRY", "backends.core.settings", "agent.session.Session",
            "agent.wording"} <= names, names
    assert not any(n.startswith("tui") for n in names), names


def test_a_cycle_of_imports_is_found_and_named():
    graph = {"tui.a": {"tui.b"}, "tui.b": {"tui.c"}, "tui.c": {"tui.a"}, "tui.d": {"tui.a"}}
    assert cycles(graph) == [["tui.a", "tui.b", "tui.c", "tui.a"]]
    assert cycles({"tui.a": {"tui.b"}, "tui.b": set()}) == []


def test_the_real_graph_is_read():
    graph = import_graph()
    assert "tui.chat" in graph["tui.cli"]  # an import inside a function
    assert "agent.session" in graph["tui.chat"]
    assert "backends.core.errors" in graph["tui.chat"]
    assert "tools" in graph["tui.tools_cli"]  # `from tools import REGISTRY`: the package's name


# ---------------------------------------------------------------- the rules


def test_no_import_cycle_among_the_modules_of_the_project():
    found = cycles(import_graph(CYCLE_PACKAGES))
    assert not found, f"import cycles in {', '.join(CYCLE_PACKAGES)}: {_describe(found)}"


def test_no_module_imports_a_package_above_its_own():
    layer = {package: n for n, package in enumerate(PACKAGES)}
    upward = sorted(
        f"{module} imports {target}"
        for module, targets in import_graph().items()
        for target in targets
        if layer[target.split(".")[0]] > layer[module.split(".")[0]]
    )
    assert not upward, "imports against the layers (backends -> tools -> agent -> tui): " + "; ".join(upward)


def test_no_module_is_over_the_line_limit():
    lengths = {module: len(path.read_text(encoding="utf-8").splitlines())
               for module, path in module_paths(LINE_LIMIT_PACKAGES).items()}
    over = sorted(f"{module} ({n} lines)" for module, n in lengths.items() if n > LINE_LIMIT)
    assert not over, f"modules over {LINE_LIMIT} lines in {', '.join(LINE_LIMIT_PACKAGES)}: {', '.join(over)}"


def tool_modules() -> set[str]:
    """The modules of tools/ that register a tool (not the registry itself)."""
    return {module for module, path in module_paths(("tools",)).items()
            if module != "tools.registry" and "@register(" in path.read_text(encoding="utf-8")}


def test_no_tool_module_imports_another_tool_module():
    tools, graph = tool_modules(), import_graph(("tools",))
    assert len(tools) >= 8, tools
    sideways = sorted(f"{m} imports {t}" for m in tools for t in graph.get(m, ()) if t in tools)
    assert not sideways, "tools import each other (move the shared part to tools/inputs.py, references.py, " \
                         "present.py or the backend): " + "; ".join(sideways)


SAVERS = ("save_progress(", "save_partial(")


def test_a_runs_progress_is_saved_only_by_the_registrys_driver():
    savers = sorted(module for module, path in module_paths().items()
                    if module not in ("tools.registry", "backends.core.runstore")
                    and any(call in path.read_text(encoding="utf-8") for call in SAVERS))
    assert not savers, f"progress saved outside tools/registry.drive: {', '.join(savers)}"


def seed_arithmetic(source: str) -> list[int]:
    """Lines where a value named like a seed meets +, -, * or % (what `derive` is for)."""

    def seedy(node: ast.AST) -> bool:
        name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
        return "seed" in name.lower()

    return sorted({node.lineno for node in ast.walk(ast.parse(source))
                   if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Mod))
                   and (seedy(node.left) or seedy(node.right))})


def test_the_seed_arithmetic_finder_finds_it():
    assert seed_arithmetic("a = seed * 1_000_003 + i\nb = s.seed + 1\nc = derive(seed, 'x', i)\n") == [1, 2]


def test_seeds_are_combined_only_by_the_seed_rule():
    found = sorted(f"{module}:{line}" for module, path in module_paths(("backends", "tools")).items()
                   if module != "backends.core.seeds" for line in seed_arithmetic(path.read_text(encoding="utf-8")))
    assert not found, f"arithmetic on seeds outside backends/core/seeds.derive: {', '.join(found)}"
