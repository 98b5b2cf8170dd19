"""The shape of a parsed tree at a generic size, without evaluating it.

Reading LaTeX needs shapes before anything is instantiated: juxtaposition is a
matrix product between arrays and an ordinary product when one side is a scalar,
and ``\\frac{\\partial f}{\\partial x}`` is ``diff``, ``grad`` or ``jacobian``
depending on the shapes of ``f`` and ``x``.  Every ``dim`` is given its own small
size (2, 3, 4, ..., skipping the size literals the file declares, and small enough
for the size limits of ``inv`` and ``det``), so two different dims never look equal,
no dim looks like a literal, and no dim is 1: a shape found here is the shape at
every size where the dims are not accidentally equal.
Only the shape rules of the function table are used (no SymPy, no arrays).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from .functions import FUNCTIONS, ShapeError
from .parsing import Bin, Calculus, Call, Index, IndexExpr, IndexItem, Name, Neg, Node, Num, Slice, Transpose

Shape = tuple[int, int]


@dataclass
class ShapeScope:
    """Symbols (kind and sizes) and parsed defines: enough to know every node's shape."""

    symbols: Mapping[str, tuple[str, tuple[str | int, ...]]]     # name -> (kind, dims)
    defines: Mapping[str, Node]
    _sizes: dict[str, int] = field(default_factory=dict)
    _memo: dict[str, Shape] = field(default_factory=dict)

    def sizes(self) -> dict[str, int]:
        if not self._sizes:
            dims = [n for n, (k, _) in self.symbols.items() if k == "dim"]
            literals = {d for _, ds in self.symbols.values() for d in ds if isinstance(d, int)}
            free = (n for n in range(2, 2 + len(dims) + len(literals) + 1) if n not in literals)
            self._sizes.update(zip(dims, free))
        return self._sizes

    def size(self, d: str | int) -> int:
        return d if isinstance(d, int) else self.sizes().get(d, 1)

    def describe(self, shape: Shape) -> str:
        """``d x 1`` rather than ``10007 x 1``."""
        names = {v: k for k, v in self.sizes().items()}
        return " x ".join(names.get(s, str(s)) for s in shape)

    def of_symbol(self, name: str) -> Shape:
        if name not in self.symbols and name in self.defines:       # grad by a define
            return self.shape(Name(name))
        kind, dims = self.symbols[name]
        if kind in ("vector", "positive_vector"):
            return (self.size(dims[0]), 1)
        if kind in ("matrix", "onehot_rows", "positive_matrix"):
            return (self.size(dims[0]), self.size(dims[1]))
        return (1, 1)

    def shape(self, n: Node) -> Shape:
        """The node's shape; ShapeError when the operands cannot go together."""
        if isinstance(n, Num):
            return (1, 1)
        if isinstance(n, Name):
            if n.name in self.defines:
                if n.name not in self._memo:
                    self._memo[n.name] = self.shape(self.defines[n.name])
                return self._memo[n.name]
            return self.of_symbol(n.name) if n.name in self.symbols else (1, 1)
        if isinstance(n, Neg):
            return self.shape(n.x)
        if isinstance(n, Transpose):
            r, c = self.shape(n.x)
            return (c, r)
        if isinstance(n, Bin):
            return self.binop(n.op, self.shape(n.a), self.shape(n.b))
        if isinstance(n, Index):
            return self.index(self.shape(n.x), n.items)
        if isinstance(n, Call):
            return self.call(n)
        if isinstance(n, Calculus):
            return self.calculus(n)
        raise ShapeError(f"unknown node {n!r}")

    def binop(self, op: str, a: Shape, b: Shape) -> Shape:
        if op == "@":
            if a[1] != b[0]:
                raise ShapeError(f"@ of {self.describe(a)} and {self.describe(b)}")
            return (a[0], b[1])
        if a == (1, 1):
            return b
        if b == (1, 1) or a == b:
            return a
        raise ShapeError(f"{op} of {self.describe(a)} and {self.describe(b)}")

    def index(self, s: Shape, items: tuple[IndexItem, ...]) -> Shape:
        if len(items) == 1:
            (item,) = items
            if item is None:
                return s
            if isinstance(item, Slice):
                n = self.length(item, s[0] if s[1] == 1 or s[0] != 1 else s[1])
                return (n, s[1]) if s[1] == 1 or s[0] != 1 else (1, n)
            return (1, 1)
        return tuple(s[k] if items[k] is None else self.length(items[k], s[k]) if isinstance(items[k], Slice)
                     else 1 for k in range(2))  # type: ignore[return-value]

    def length(self, item: Slice, bound: int) -> int:
        """A slice's length at the generic size (index symbols at 0)."""
        lo = 0 if item.lo is None else self.integer(item.lo)
        hi = bound if item.hi is None else self.integer(item.hi)
        return max(hi - lo, 1)

    def integer(self, item: object) -> int:
        if isinstance(item, int):
            return item
        if isinstance(item, str):
            return 0
        node = item.node if isinstance(item, IndexExpr) else item
        if isinstance(node, Num):
            return int(node.value)
        if isinstance(node, Name):
            return self.sizes().get(node.name, 0)
        if isinstance(node, Neg):
            return -self.integer(node.x)
        if isinstance(node, Bin):
            a, b = self.integer(node.a), self.integer(node.b)
            return a + b if node.op == "+" else a - b if node.op == "-" else a * b
        raise ShapeError(f"cannot tell the length of the slice {item!r}")

    def call(self, n: Call) -> Shape:
        f = FUNCTIONS[n.fn]
        shapes: list[object] = []
        kinds = list(f.args) + [f.args[-1]] * max(0, len(n.args) - len(f.args))     # variadic: hstack(A, B, C)
        for kind, a in zip(kinds, n.args):
            if kind == "a":
                shapes.append(self.shape(a))  # type: ignore[arg-type]
            elif kind == "d":
                shapes.append(self.size(a) if isinstance(a, (str, int)) else 1)
            else:
                shapes.append(a if isinstance(a, int) else 0)
        return f.shape(*shapes)

    def calculus(self, n: Calculus) -> Shape:
        f = self.shape(n.f)
        x = self.of_symbol(n.var)
        sel = x if n.items is None else self.index(x, n.items)
        if n.kind == "diff":
            return f
        if n.kind == "grad":
            return sel
        return (f[0] * f[1], sel[0] * sel[1])


def is_scalar(scope: ShapeScope, n: Node) -> bool:
    return scope.shape(n) == (1, 1)
