"""Imports flow one way: language <- engine <- run <- report <- cli, with results, settings and version
at the bottom; no module of the four layers imports a layer above it or the package root."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "symderiv"
LAYERS = {"results": 0, "settings": 0, "version": 0, "language": 1, "engine": 2, "run": 3, "report": 4}


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
