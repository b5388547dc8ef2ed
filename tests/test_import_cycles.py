"""No import circles: a module never imports (directly or through others) a module that
imports it back. In jobs/ every import counts, those inside functions too (an import
moved into a function to dodge a circle is still one); only ``if TYPE_CHECKING:`` blocks
(annotations, never run) are left out. In engines/, the imports run at import time."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported_names(path: Path, name: str, *, in_functions: bool = True) -> set[str]:
    """Every module ``path`` imports (``from a import b`` counts as ``a`` and ``a.b``);
    with ``in_functions=False`` only those run when the module is imported."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for branch in node.orelse:
                visit(branch)
            return
        if not in_functions and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(), filename=str(path)))
    return found


def import_graph(packages: tuple[str, ...], *, in_functions: bool = True) -> dict[str, set[str]]:
    """Module -> the modules of ``packages`` it imports (a package's __init__ included)."""
    paths = {module_name(p): p for pkg in packages for p in sorted((ROOT / pkg).rglob("*.py"))}
    graph = {}
    for name, path in paths.items():
        targets = set()
        for imported in imported_names(path, name, in_functions=in_functions):
            if imported in paths and imported != name:
                targets.add(imported)
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_the_graph_sees_a_circle_when_there_is_one():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_job_system_has_no_import_circles():
    assert cycles(import_graph(("jobs",))) == []


def test_the_engines_have_no_import_circles_at_import_time():
    # Imports inside functions are left out here: the catalog reaches the families, and
    # loading a family's tiny checkpoint reaches the catalog again, only when called.
    assert cycles(import_graph(("engines",), in_functions=False)) == []
