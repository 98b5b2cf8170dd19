"""Expressions drawn as math in the terminal, with SymPy's Unicode pretty printer.

``math_lines`` reads the text with Python's ``ast`` (never ``eval``) into a
display-only SymPy expression: nothing is evaluated or reordered (``A @ B`` stays in
that order, ``.T`` is a superscript T), and anything it cannot show returns None (the
text is then shown as written).  A matrix product and a product by a scalar are drawn
``A⋅x``; an elementwise product of two arrays ``x∘y`` (which ``*`` those are, the
checker works out from the shapes: ``language.products``; not knowing, every ``*`` but
one by a number is drawn ``∘``).  Since ``∘`` and a matrix product do not associate,
``(A @ x) * y`` is drawn ``(A⋅x)∘y`` and ``A @ (x * y)`` is drawn ``A⋅(x∘y)``.
"""
from __future__ import annotations

import ast
import functools
import json
import os
from fractions import Fraction
from pathlib import Path
from typing import Any, Sequence

from ..language.products import star_products

MAX_MATH_TEXT = 2_000       # longer steps are shown as written
MAX_MATH_NODES = 400
MAX_MATH_WIDTH = 150
MAX_MATH_HEIGHT = 12


class _Store:
    """Drawings kept from run to run (``use_store``), so that a run whose every claim comes from
    the result cache draws its steps without importing SymPy.  Keyed by the step's text (and which
    of its ``*`` are elementwise); the whole store is dropped when the source of this module (or of
    ``language.products``) changes."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self.drawings: dict[str, list[str] | None] = {}
        self.dirty = False

    @staticmethod
    def version() -> str:
        import hashlib

        from ..language import products          # its numbering of the `*` is part of a drawing's key
        return hashlib.sha256(Path(__file__).read_bytes() + Path(products.__file__).read_bytes()).hexdigest()[:16]

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


def math_lines(text: str, elementwise: Sequence[int] | None = None) -> list[str] | None:
    """The expression drawn as math (one or more lines), or None when it cannot be drawn.
    ``elementwise``: which ``*`` multiply two arrays (numbered by ``language.products``), if known."""
    if _STORE.path is None:
        return _draw(text, elementwise)
    key = text if elementwise is None else f"{text}\0{','.join(map(str, elementwise))}"
    if key not in _STORE.drawings:
        _STORE.drawings[key] = _draw(text, elementwise)
        _STORE.dirty = True
    got = _STORE.drawings[key]
    return list(got) if got is not None else None


def _draw(text: str, elementwise: Sequence[int] | None) -> list[str] | None:
    if len(text) > MAX_MATH_TEXT:
        return None
    try:
        tree = ast.parse(text.strip(), mode="eval")
        if sum(1 for _ in ast.walk(tree)) > MAX_MATH_NODES:
            return None
        import sympy as sp
        stars = star_products(tree)
        hadamard = ({id(stars[k]) for k in elementwise if 0 <= k < len(stars)} if elementwise is not None
                    else {id(n) for n in stars if not (_literal(n.left) or _literal(n.right))})
        expr = _Display(sp, text.strip(), hadamard).convert(tree.body)
        drawn = sp.pretty(expr, use_unicode=True, num_columns=10_000, order="none")
    except Exception:  # noqa: BLE001 - display only: anything odd is shown as written instead
        return None
    lines = [ln.rstrip() for ln in drawn.splitlines()]
    if not lines or max(len(ln) for ln in lines) > MAX_MATH_WIDTH or len(lines) > MAX_MATH_HEIGHT:
        return None
    return lines


def _literal(n: ast.AST) -> bool:
    """A number (signed, or a fraction of numbers, or pi): a scalar whatever the shapes."""
    if isinstance(n, ast.UnaryOp) and isinstance(n.op, (ast.USub, ast.UAdd)):
        return _literal(n.operand)
    if isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Div, ast.Mult, ast.Pow)):
        return _literal(n.left) and _literal(n.right)
    if isinstance(n, ast.Name):
        return n.id == "pi"
    return isinstance(n, ast.Constant) and isinstance(n.value, (int, float)) and not isinstance(n.value, bool)


_CLASH = frozenset({"matrix", "elementwise"})     # products that do not associate with each other


@functools.cache
def _product_nodes(sp: Any) -> tuple[type, type]:
    """Display-only SymPy nodes: an elementwise product ``x∘y``, and an operand in parentheses."""
    from sympy.printing.precedence import PRECEDENCE
    from sympy.printing.pretty.stringpict import prettyForm, stringPict

    class Hadamard(sp.Expr):
        precedence = PRECEDENCE["Mul"]
        is_commutative = True      # as the Symbols beside it are: else 1/sum(x∘y) is drawn sum⁻¹(x∘y)

        def _pretty(self, printer: Any) -> Any:
            parts: list[Any] = []
            for k, arg in enumerate(self.args):
                p = printer._print(arg)
                if p.binding > prettyForm.MUL and not (k == 0 and p.binding == prettyForm.NEG):
                    p = prettyForm(*p.parens())           # a sum, or a minus sign but in front
                parts += [p] if k == 0 else ["\u2218", p]
            first = printer._print(self.args[0]).binding == prettyForm.NEG
            return prettyForm(*stringPict.next(*parts), binding=prettyForm.NEG if first else prettyForm.MUL)

    class Grouped(sp.Expr):
        precedence = PRECEDENCE["Atom"]
        is_commutative = True

        def _pretty(self, printer: Any) -> Any:
            return prettyForm(*printer._print(self.args[0]).parens())

    return Hadamard, Grouped


class _Display:
    """ast -> an unevaluated SymPy expression, for drawing only."""

    def __init__(self, sp: Any, text: str, hadamard: set[int]) -> None:
        self.sp, self.text = sp, text
        self.T = sp.Symbol("T")
        self.hadamard = hadamard                          # ids of the `*` nodes drawn as ∘
        self.Hadamard, self.Grouped = _product_nodes(sp)
        self.chains: dict[int, frozenset[str]] = {}      # id of a node -> the products drawn flat at its top

    def product(self, n: ast.BinOp, a: Any, b: Any) -> Any:
        """``a @ b``, ``a * b``: parentheses around an operand whose products do not associate with the others
        drawn beside them (a matrix product next to an elementwise one)."""
        kind = ("matrix" if isinstance(n.op, ast.MatMult) else
                "elementwise" if id(n) in self.hadamard else "scalar")
        chain, sides = {kind}, []
        for node, x in ((n.left, a), (n.right, b)):
            inner = self.chains.get(id(node), frozenset())
            if _CLASH <= chain | inner:
                x = self.Grouped(x)
            else:
                chain |= inner
            sides.append(x)
        self.chains[id(n)] = frozenset(chain)
        return self.Hadamard(*sides) if kind == "elementwise" else self.sp.Mul(*sides, evaluate=False)

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
            self.chains[id(n)] = self.chains.get(id(n.operand), frozenset())      # -A⋅x is drawn flat
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
                return self.product(n, a, b)
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
