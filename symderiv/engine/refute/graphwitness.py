"""The counterexample's exact values at a simple point, computed on the expression graph.

``showcase.exact_values`` tries simple points (zeros, ones, 1 2 3, ...) in order and
keeps the first where the steps differ with both values rational.  At most of those
points every entry of both steps is a rational number: the pieces take rational values
there (``exp(0) = 1``, ``log(1) = 0``, the square root of a square).  Then the values
are computed here in exact ``Fraction`` arithmetic on the graph the diagnosis built
(``graphdiagnosis``) instead of substituting into SymPy trees and evaluating them
(``xreplace`` and ``evalf``).  The values are the same numbers either way (the same
function, evaluated exactly), and SymPy shows an exact rational as ``Fraction`` does,
so the witness is the one the SymPy route finds.  At a point where some value is not
rational, or some step's graph is undefined (a zero denominator), ``UNKNOWN`` hands the
point to the SymPy route, which decides it as before.
"""
from __future__ import annotations

from fractions import Fraction
from math import isqrt
from typing import Any

import numpy as np

from ..prove import dag

UNKNOWN: Any = object()      # this point is for the SymPy route


def _root(q: Fraction) -> Fraction | None:
    if q < 0:
        return None
    n, d = isqrt(q.numerator), isqrt(q.denominator)
    return Fraction(n, d) if n * n == q.numerator and d * d == q.denominator else None


def rational_values(roots: list[dag.Node], names: dict[dag.Node, tuple[str, tuple[int, int]]],
                    point: dict[str, np.ndarray]) -> list[Fraction] | None:
    """Every root's exact value at the point, when each is a rational number there (None otherwise)."""
    memo: dict[dag.Node, Fraction] = {}
    for n in dag.post_order(roots):
        op = n.op
        if op == dag.CONST:
            v: Fraction | None = n.data
        elif op == dag.VAR:
            where = names.get(n)
            if where is None:
                return None                     # pi, or a variable of no symbol
            v = Fraction(point[where[0]][where[1]])
        elif op == dag.ADD:
            v = sum((memo[a] for a in n.args), Fraction(0))
        elif op == dag.MUL:
            v = Fraction(1)
            for a in n.args:
                v *= memo[a]
        elif op == dag.POW:
            x, k = memo[n.args[0]], n.args[1]
            if k < 0 and not x:
                return None                     # a zero denominator
            v = x ** k
        else:
            x = memo[n.args[0]]
            if op == dag.EXP:
                v = Fraction(1) if not x else None
            elif op == dag.LOG:
                v = Fraction(0) if x == 1 else None
            else:
                v = _root(x)
        if v is None:
            return None
        memo[n] = v
    return [memo[r] for r in roots]


def first_difference(a: np.ndarray, b: np.ndarray, names: dict[dag.Node, tuple[str, tuple[int, int]]],
                     point: dict[str, np.ndarray]) -> Any:
    """(entry, lhs, rhs) at the first entry where the steps' rational values differ; None when they agree
    at every entry; ``UNKNOWN`` when some value is not a rational number here (or a node is no graph node)."""
    nodes = list(a.flat) + list(b.flat)
    if not all(isinstance(x, dag.Node) for x in nodes) or any(name not in point for name, _ in names.values()):
        return UNKNOWN
    values = rational_values(nodes, names, point)
    if values is None:
        return UNKNOWN
    lhs, rhs = values[:a.size], values[a.size:]
    for k, idx in enumerate(np.ndindex(a.shape)):
        if lhs[k] != rhs[k]:
            return (int(idx[0]), int(idx[1])), lhs[k], rhs[k]
    return None
