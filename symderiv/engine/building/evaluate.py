"""Evaluating a parsed tree at concrete sizes, on a backend.

One evaluator serves both paths: the symbolic backend (``symderiv.arrays``) gives
explicit SymPy arrays, the numeric backend (``symderiv.numeric``) gives floats.
Values are always 2-D numpy arrays; a scalar is 1 x 1.  Shapes follow the format
exactly (elementwise operators need equal shapes or a 1 x 1 operand; ``@`` needs
matching inner sizes) and a violation is a ``ShapeError`` naming the operator and
both shapes.  ``Program`` (``program``) holds a document's parsed defines; it and
``instances`` (which enumerates the sizes and index values a claim must be checked at) are
re-exported here.
"""
from __future__ import annotations

import operator
from dataclasses import replace
from typing import Any, Protocol

import numpy as np

from ...language.functions import FUNCTIONS, ShapeError
from ...language.parsing import Bin, Calculus, Call, Index, IndexItem, Name, Neg, Node, Num, Transpose
from ...language.showing import show
from .indexing import take
from .program import Program, ProgramError, depends_on  # noqa: F401  (re-exported: where Program is used)
from .instances import (DEFAULT_SIZES, MAX_DIM, MAX_ENTRIES, MAX_INSTANCES, Instance, instances,  # noqa: F401
                        shape_of, size_assignments)


ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}   # elementwise


class Backend(Protocol):
    zero: Any
    one: Any
    pi: Any

    def const(self, value: Any) -> Any: ...
    def full(self, shape: tuple[int, int], value: Any) -> np.ndarray: ...
    def total(self, a: np.ndarray) -> Any: ...
    def matmul(self, a: np.ndarray, b: np.ndarray) -> np.ndarray: ...
    def partial(self, ev: "Evaluator", f: Node, var: str, pos: tuple[int, int], f0: np.ndarray) -> np.ndarray: ...


# ---------------------------------------------------------------- the evaluator
def _check_entries(what: str, shape: tuple[int, int]) -> None:
    """Every value has at most MAX_ENTRIES entries: ``ones(10000, 10000)`` is an error, not 800 MB."""
    if shape[0] * shape[1] > MAX_ENTRIES:
        raise ShapeError(f"{what} would give a {shape[0]} x {shape[1]} array, {shape[0] * shape[1]} entries "
                         f"(the limit is {MAX_ENTRIES})")


class DefineShapeError(ShapeError):
    """A shape error inside a define, already located at the define's line."""


class Evaluator:
    """Values of nodes at one instance.  ``fixed``: defines whose value is taken from ``env``
    instead of their expression (a define a derivative is taken by, see ``by_define``).

    With ``params`` (index name -> the indicators [name == k] for each value k, as backend values),
    an index symbol is not a number but a parameter: anything that depends on its value is the
    indicator-weighted sum over its values (``v[i]`` is ``sum_k [i == k] v[k]``), so one evaluation
    serves every index value once the indicators are substituted by 0 and 1 (``parametric.py``)."""

    def __init__(self, backend: Backend, program: Program, env: dict[str, np.ndarray], inst: Instance,
                 fixed: frozenset[str] = frozenset(), params: dict[str, tuple[Any, ...]] | None = None) -> None:
        self.B, self.program, self.env, self.inst, self.fixed = backend, program, env, inst, fixed
        self.params = params or {}
        self.memo: dict[str, np.ndarray] = {}
        self.hints: list[str] = []

    def with_env(self, env: dict[str, np.ndarray]) -> "Evaluator":
        return type(self)(self.B, self.program, env, self.inst, self.fixed, self.params)

    def implementation(self, f: Any) -> Any:
        """The definition of a table function this evaluator uses (``certify`` supplies its own for a few)."""
        return f.symbolic if getattr(self.B, "symbolic", False) else f.numeric

    def _mixed(self, items: tuple[Any, ...], kinds: tuple[str, ...] | None, rebuild: Any) -> np.ndarray | None:
        """When an item (of kind "i" when ``kinds`` is given) is a parameter index: the sum over its
        values k of [index == k] * rebuild(items with k in its place); None when no item is one."""
        for pos, item in enumerate(items):
            if isinstance(item, str) and item in self.params and (kinds is None or kinds[pos] == "i"):
                out = None
                for k, w in enumerate(self.params[item]):
                    part = rebuild(items[:pos] + (k,) + items[pos + 1:]) * w
                    out = part if out is None else out + part
                return out
        return None

    def value(self, n: Node) -> np.ndarray:
        B = self.B
        if isinstance(n, Num):
            return B.full((1, 1), B.const(n.value))
        if isinstance(n, Name):
            return self.name(n.name)
        if isinstance(n, Neg):
            return -self.value(n.x)
        if isinstance(n, Bin):
            a, b = self.value(n.a), self.value(n.b)
            if n.op == "**" and a.shape[0] == a.shape[1] > 1 and b.shape == (1, 1):
                self.hint_power(n)
            return self.binop(n.op, a, b)
        if isinstance(n, Transpose):
            return self.value(n.x).T
        if isinstance(n, Index):
            return self.index(self.value(n.x), n.items)
        if isinstance(n, Call):
            return self.call(n)
        if isinstance(n, Calculus):
            return self.calculus(n)
        raise TypeError(f"unknown node {n!r}")

    def name(self, name: str) -> np.ndarray:
        B = self.B
        if name == "pi":
            return B.full((1, 1), B.pi)
        if name in self.fixed:
            return self.env[name]
        if name in self.program.defines:
            if name not in self.memo:
                try:
                    self.memo[name] = self.value(self.program.defines[name])
                except DefineShapeError:
                    raise
                except ShapeError as e:
                    line = next((d.line for d in self.program.doc.defines if d.name == name), None)
                    at = f" ({self.program.doc.path}:{line})" if line else ""
                    raise DefineShapeError(f"in define {name!r}{at}: {e}") from None
            return self.memo[name]
        decl = self.program.symbols[name]
        if decl.kind == "dim":
            return B.full((1, 1), B.const(self.inst.sizes[name]))
        if decl.kind == "index":
            if name in self.params:
                return B.full((1, 1), B.total(np.array([k * w for k, w in enumerate(self.params[name])], dtype=object)))
            return B.full((1, 1), B.const(self.inst.indices[name]))
        return self.env[name]

    def hint_power(self, n: Bin) -> None:
        """The ``**`` hint, for a base that is square at every size (its dims, each at a size of its own, agree):
        ``X ** 2`` of an n x m matrix is its entries squared, meant so, whatever sizes it is checked at."""
        try:
            rows, cols = self.program.shape_scope().shape(n.a)
        except (ShapeError, KeyError, TypeError, ValueError, IndexError):
            return
        if rows != cols:
            return
        base = show(n.a, 5)
        text = (f"{show(n)} is elementwise (numpy's **): it raises each entry of the square matrix {base} "
                f"to a power; for a matrix power write {base} @ {base}")
        if text not in self.hints:
            self.hints.append(text)

    def binop(self, op: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if op == "@":
            if a.shape[1] != b.shape[0]:
                raise ShapeError(f"operator @: shapes {a.shape} and {b.shape} do not match "
                                 f"({_count(a.shape[1], 'column')} against {_count(b.shape[0], 'row')}){_matching(a.shape, b.shape)}")
            _check_entries("operator @", (a.shape[0], b.shape[1]))
            return self.B.matmul(a, b)
        if a.shape != b.shape:
            # numpy broadcasting: along each axis the sizes are equal or one of them is 1
            if any(x != y and 1 not in (x, y) for x, y in zip(a.shape, b.shape)):
                hint = "; use @ for a matrix product" if op == "*" and a.shape[1] == b.shape[0] else ""
                raise ShapeError(f"operator {op}: shapes {a.shape} and {b.shape} differ and do not broadcast "
                                 f"(numpy's rule: along each axis the sizes must be equal or one of them 1){hint}")
            _check_entries(f"operator {op}", (max(a.shape[0], b.shape[0]), max(a.shape[1], b.shape[1])))
        if op in ARITHMETIC:
            return ARITHMETIC[op](a, b)
        power = getattr(self.B, "power", None)
        return power(a, b) if power is not None else a ** b

    def index(self, x: np.ndarray, items: tuple[IndexItem, ...]) -> np.ndarray:
        mixed = self._mixed(items, None, lambda it: self.index(x, it))
        if mixed is not None:
            return mixed
        return take(x, items, self.inst.sizes, self.inst.indices)

    def call(self, n: Call) -> np.ndarray:
        f = FUNCTIONS[n.fn]
        values: list[Any] = []
        shapes: list[Any] = []
        kinds = f.args + (f.args[-1],) * (len(n.args) - len(f.args)) if f.variadic else f.args
        mixed = self._mixed(n.args, kinds, lambda args: self.call(replace(n, args=args)))
        if mixed is not None:
            return mixed
        for kind, a in zip(kinds, n.args):
            if kind == "a":
                v = self.value(a)  # type: ignore[arg-type]
                values.append(v)
                shapes.append(v.shape)
            else:
                v = a if isinstance(a, int) else (self.inst.sizes[a] if kind == "d" else int(self.inst.indices[a]))  # type: ignore[index]
                values.append(v)
                shapes.append(v)
        shape = f.shape(*shapes)
        _check_entries(f"{n.fn}()", shape)
        impl = self.implementation(f)
        out = impl(self.B, *values)
        if out.shape != shape:
            raise ShapeError(f"{n.fn}: internal shape rule gave {shape}, definition gave {out.shape}")
        return out

    def selection(self, var: str, items: tuple[IndexItem, ...] | None) -> tuple[list[tuple[int, int]], tuple[int, int]]:
        full = self.env[var]
        rows, cols = full.shape
        grid = np.empty((rows, cols), dtype=object)
        for i in range(rows):
            for j in range(cols):
                grid[i, j] = (i, j)
        chosen = grid if items is None else self.index(grid, items)
        return [p for p in chosen.flat], chosen.shape

    def by_define(self, n: Calculus) -> np.ndarray:
        """A derivative by a define s: s is an independent variable of its own shape, every other
        input held fixed.  Evaluated with s pinned to fresh symbols (symbolic backend) or to its
        value (numeric backend, whose finite differences then perturb s alone), and the fresh
        symbols replaced by s's value afterwards."""
        value = self.name(n.var)
        fresh = getattr(self.B, "fresh", None)
        pinned = fresh(n.var, value.shape) if fresh is not None else value.copy()
        sub = type(self)(self.B, self.program, {**self.env, n.var: pinned}, self.inst, self.fixed | {n.var},
                         self.params)
        sub.memo = {k: v for k, v in self.memo.items() if not depends_on(self.program, k, n.var)}
        out = sub.calculus(n)
        self.hints.extend(h for h in sub.hints if h not in self.hints)
        if fresh is None:
            return out
        return self.B.substitute(out, pinned, value)  # type: ignore[attr-defined]

    def partials(self, f: Node, var: str, positions: list[tuple[int, int]], f0: np.ndarray) -> list[np.ndarray]:
        """The derivative of f by each of the positions of ``var`` (a backend may work them out together)."""
        together = getattr(self.B, "partials", None)
        if together is not None:
            return together(self, f, var, positions, f0)
        return [self.B.partial(self, f, var, p, f0) for p in positions]

    def calculus(self, n: Calculus) -> np.ndarray:
        mixed = self._mixed(n.items or (), None, lambda items: self.calculus(replace(n, items=items)))
        if mixed is not None:
            return mixed
        if n.var in self.program.defines and n.var not in self.fixed:
            return self.by_define(n)
        f0 = self.value(n.f)
        positions, shape = self.selection(n.var, n.items)
        what = f"{n.kind}(f, {n.var}{'' if n.items is None else '[...]'})"
        if n.kind == "diff":
            if len(positions) != 1:
                raise ShapeError(f"{what}: x must be a scalar (got shape {shape}); use grad or jacobian")
            return self.partials(n.f, n.var, positions, f0)[0]
        if n.kind == "grad":
            if f0.shape != (1, 1):
                raise ShapeError(f"{what}: f must be a scalar, got shape {f0.shape}; use jacobian for a vector f")
            parts = [d[0, 0] for d in self.partials(n.f, n.var, positions, f0)]
            out = self.B.full(shape, self.B.zero)
            for k, v in enumerate(parts):
                out.flat[k] = v
            return out
        if 1 not in f0.shape or 1 not in shape:
            raise ShapeError(f"{what}: f and x must be vectors, got shapes {f0.shape} and {shape}")
        _check_entries(what, (f0.size, len(positions)))
        cols = [d.reshape(-1) for d in self.partials(n.f, n.var, positions, f0)]
        out = self.B.full((f0.size, len(positions)), self.B.zero)
        for j, c in enumerate(cols):
            out[:, j] = c
        return out


def _matching(a: tuple[int, ...], b: tuple[int, ...]) -> str:
    """What would make ``a @ b`` fit, when one transpose or swapping the operands would (a misplaced transpose
    is the commonest slip behind a shape error)."""
    if a[0] == b[0]:
        return "; the left operand transposed would match"
    if a[1] == b[1]:
        return "; the right operand transposed would match"
    if b[1] == a[0]:
        return "; the operands the other way round would match"
    return ""


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"
