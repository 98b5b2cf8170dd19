"""Expressions drawn as math in the terminal, with SymPy's Unicode pretty printer.

``math_lines`` reads the text with Python's ``ast`` (never ``eval``) into a
display-only SymPy expression: nothing is evaluated or reordered (``A @ B`` stays in
that order, both ``*`` and ``@`` are drawn as a product, ``.T`` as a superscript T), and
anything it cannot show returns None (the text is then shown as written).
"""
from __future__ import annotations

import ast
import json
import os
from fractions import Fraction
from pathlib import Path
from typing import Any

MAX_MATH_TEXT = 2_000       # longer steps are shown as written
MAX_MATH_NODES = 400
MAX_MATH_WIDTH = 150
MAX_MATH_HEIGHT = 12


class _Store:
    """Drawings kept from run to run (``use_store``), so that a run whose every claim comes from
    the result cache draws its steps without importing SymPy.  Keyed by the step's text; the
    whole store is dropped when this module's source changes."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self.drawings: dict[str, list[str] | None] = {}
        self.dirty = False

    @staticmethod
    def version() -> str:
        import hashlib
        return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]

    def load(self, path: Path) -> None:
        self.path, self.drawings, self.dirty = path, {}, False
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("version") == self.version() and isinstance(data.get("drawings"), dict):
                self.drawings = {k: v for k, v in data["drawings"].items() if isinstance(k, str) and (
                    v is None or (isinstance(v, list) and all(isinstance(x, str) for x in v)))}
        except (OSError, ValueError):
            pass

    def save(self) -> None:
        if self.path is None or not self.dirty or not self.path.parent.is_dir():
            return
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps({"version": self.version(), "drawings": self.drawings}), encoding="utf-8")
            os.replace(tmp, self.path)
            self.dirty = False
        except OSError:
            tmp.unlink(missing_ok=True)


_STORE = _Store()


def use_store(path: Path) -> None:
    """Read and keep drawings in ``path`` (a JSON file in the result cache's folder)."""
    _STORE.load(path)


def save_store() -> None:
    """Write the drawings made since ``use_store`` (only into an existing folder)."""
    _STORE.save()


def math_lines(text: str) -> list[str] | None:
    """The expression drawn as math (one or more lines), or None when it cannot be drawn."""
    if _STORE.path is None:
        return _draw(text)
    if text not in _STORE.drawings:
        _STORE.drawings[text] = _draw(text)
        _STORE.dirty = True
    got = _STORE.drawings[text]
    return list(got) if got is not None else None


def _draw(text: str) -> list[str] | None:
    if len(text) > MAX_MATH_TEXT:
        return None
    try:
        tree = ast.parse(text.strip(), mode="eval")
        if sum(1 for _ in ast.walk(tree)) > MAX_MATH_NODES:
            return None
        import sympy as sp
        expr = _Display(sp, text.strip()).convert(tree.body)
        drawn = sp.pretty(expr, use_unicode=True, num_columns=10_000, order="none")
    except Exception:  # noqa: BLE001 - display only: anything odd is shown as written instead
        return None
    lines = [ln.rstrip() for ln in drawn.splitlines()]
    if not lines or max(len(ln) for ln in lines) > MAX_MATH_WIDTH or len(lines) > MAX_MATH_HEIGHT:
        return None
    return lines


class _Display:
    """ast -> an unevaluated SymPy expression, for drawing only."""

    def __init__(self, sp: Any, text: str) -> None:
        self.sp, self.text = sp, text
        self.T = sp.Symbol("T")

    def convert(self, n: ast.AST) -> Any:
        sp = self.sp
        if isinstance(n, ast.Constant) and isinstance(n.value, (int, float)) and not isinstance(n.value, bool):
            literal = ast.get_source_segment(self.text, n) or repr(n.value)
            f = Fraction(literal.replace("_", ""))
            return sp.Rational(f.numerator, f.denominator)
        if isinstance(n, ast.Name):
            return sp.pi if n.id == "pi" else sp.Symbol(n.id)
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, (ast.USub, ast.UAdd)):
            x = self.convert(n.operand)
            if isinstance(n.op, ast.UAdd):
                return x
            return -x if x.is_Number else sp.Mul(-1, x, evaluate=False)
        if isinstance(n, ast.BinOp):
            a, b = self.convert(n.left), self.convert(n.right)
            if isinstance(n.op, ast.Add):
                return sp.Add(a, b, evaluate=False)
            if isinstance(n.op, ast.Sub):
                return sp.Add(a, sp.Mul(-1, b, evaluate=False), evaluate=False)
            if isinstance(n.op, (ast.Mult, ast.MatMult)):
                return sp.Mul(a, b, evaluate=False)
            if isinstance(n.op, ast.Div):
                inverse = sp.Pow(b, -1, evaluate=False)
                return inverse if a == 1 else sp.Mul(a, inverse, evaluate=False)
            if isinstance(n.op, ast.Pow):
                return sp.Pow(a, b, evaluate=False)
        if isinstance(n, ast.Attribute) and n.attr == "T":
            return sp.Pow(self.convert(n.value), self.T, evaluate=False)
        if isinstance(n, ast.Subscript):
            return sp.Symbol(ast.unparse(n))
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and not n.keywords:
            return self.call(n.func.id, n.args)
        raise ValueError("not drawable")

    def call(self, fn: str, args: list[ast.expr]) -> Any:
        sp = self.sp
        if fn in ("diff", "grad", "jacobian") and len(args) == 2:
            var = sp.Symbol(ast.unparse(args[1]))
            return sp.Derivative(self.convert(args[0]), var, evaluate=False)
        xs = [sp.Symbol(ast.unparse(a)) if isinstance(a, ast.Constant) or fn in ("onehot", "ones", "zeros", "eye")
              else self.convert(a) for a in args]
        if fn == "sqrt" and len(xs) == 1:
            return sp.Pow(xs[0], sp.Rational(1, 2), evaluate=False)
        if fn == "exp" and len(xs) == 1:
            return sp.Pow(sp.E, xs[0], evaluate=False)
        if fn == "abs" and len(xs) == 1:
            return sp.Abs(xs[0], evaluate=False)
        if fn == "log" and len(xs) == 1:
            return sp.log(xs[0], evaluate=False)
        name = "sigma" if fn == "sigmoid" else fn
        return sp.Function(name)(*xs)
