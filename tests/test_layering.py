"""Imports flow one way: language <- engine <- run <- report <- cli, with results, settings, version,
formatnames and limits at the bottom; no module of the four layers imports a layer above it or the package root,
and no two modules import each other, directly or through others."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "symderiv"
LAYERS = {"results": 0, "settings": 0, "version": 0, "formatnames": 0, "limits": 0, "language": 1, "engine": 2, "run": 3, "report": 4}


def _imported(module: list[str], node: ast.Import | ast.ImportFrom) -> list[list[str]]:
    """The dotted names an import statement reads, relative ones resolved against ``module``'s package."""
    if isinstance(node, ast.Import):
        return [a.name.split(".") for a in node.names]
    if not node.level:
        return [node.module.split(".")] if node.module else []
    base = module[:len(module) - node.level]
    if node.module:
        return [base + node.module.split(".")]
    return [base + [a.name] for a in node.names]


def _runtime_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement, except those under ``if TYPE_CHECKING:`` (annotations only)."""
    out: list[ast.Import | ast.ImportFrom] = []
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            stack.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            out.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return out


def test_no_layer_imports_a_layer_above_it_or_the_package_root() -> None:
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ["symderiv", *path.relative_to(PACKAGE).with_suffix("").parts]
        if len(module) < 3 or module[1] not in ("language", "engine", "run", "report"):
            continue
        layer = LAYERS[module[1]]
        for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            for name in _imported(module, node):
                if name[0] != "symderiv":
                    continue
                target = name[1] if len(name) > 1 else None
                if target not in LAYERS or LAYERS[target] > layer:
                    wrong.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {'.'.join(name)}")
    assert not wrong, wrong


def _module_of(name: list[str]) -> str | None:
    """The package module a dotted import name reads (``symderiv.language.latex_reader._Reader`` gives
    ``symderiv.language.latex_reader``; the package root is ``symderiv``); None outside the package."""
    if name[0] != "symderiv":
        return None
    for n in range(len(name), 0, -1):
        path = PACKAGE.parent.joinpath(*name[:n])
        if path.with_suffix(".py").is_file() or (path / "__init__.py").is_file():
            return ".".join(name[:n])
    return None


def _import_graph() -> dict[str, set[str]]:
    """Each package module, and the package modules it imports at run time (inside functions too)."""
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ["symderiv", *path.relative_to(PACKAGE).with_suffix("").parts]   # a package's: [..., "__init__"]
        key = ".".join(module[:-1] if module[-1] == "__init__" else module)
        graph[key] = set()
        for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            for name in _imported(module, node):
                target = _module_of(name)
                if target is not None and target != key:
                    graph[key].add(target)
    return graph


def test_no_modules_import_each_other() -> None:
    """No circle of run-time imports, counting the ones inside functions: a circle means neither module
    can be understood, or imported, without the other (the LaTeX reader had one through its commands)."""
    graph = _import_graph()
    state: dict[str, int] = {}
    circles: list[list[str]] = []

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for t in sorted(graph.get(m, ())):
            if state.get(t) == 1:
                circles.append(path[path.index(t):] + [t])
            elif t not in state:
                visit(t, path + [t])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert not circles, circles


def test_the_bottom_modules_import_nothing_of_the_package_above_them() -> None:
    """results, settings, version and formatnames are read by every layer, so they read none of them
    (settings read FORMATS from the package root, whose check_text imports the engine)."""
    graph = _import_graph()
    bottom = {"symderiv.results", "symderiv.settings", "symderiv.version", "symderiv.formatnames"}
    wrong = {m: sorted(graph[m] - bottom) for m in bottom if graph[m] - bottom}
    assert not wrong, wrong
