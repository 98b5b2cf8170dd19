"""A small expression graph for the exact stage: built without SymPy.

The proof only ever asks one question of an expression: is it the zero rational
function of its symbols and of its non-rational pieces (``atoms``)?  Answering it
needs no algebra system, only a faithful straight-line program.  This module builds
the expressions directly, micrograd-style: every entry of every array is a ``Node`` of
a hash-consed graph (structurally equal pieces are one node), and ``exp``, ``log`` and
``sqrt`` are pieces (inputs of the program, independent of each other: that can only
lose a proof, never make one, see ``atoms``).  ``reverse`` differentiates the graph
and ``fastproof`` compiles it for the exact test.

A few exact rewrites keep common relations between pieces visible, as ``atoms`` does
for SymPy expressions: ``exp(a + b) = exp(a) exp(b)``, ``exp(k u) = exp(u)^k`` for an
integer k (``exp(-u) = 1 / exp(u)``), ``log(p y) = log p + log y`` for a positive p
(an exp of a real, a declared positive symbol, ...), ``log(b^k) = k log b`` for a
positive b, and ``sqrt(u) sqrt(u) = u``.  Anything else (a float, a function outside
``DAG_FUNCTIONS``, a constant pole) raises ``Unsupported``; the caller then takes the
SymPy route, exactly as before.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any, Iterable

import numpy as np

from .exact import Unsupported

CONST, VAR, ADD, MUL, POW, EXP, LOG, SQRT = range(8)
ATOMS = (VAR, EXP, LOG, SQRT)          # the program's inputs
MAX_EXP_POWER = 64                     # exp(k u) = exp(u)^k only for |k| up to this


class Node:
    """One distinct expression of a ``Graph``: ``op``, ``args`` (nodes; an int exponent for POW) and
    ``data`` (a Fraction for CONST, a name for VAR).  Arithmetic builds new nodes of the same graph."""

    __slots__ = ("g", "op", "args", "data", "real", "pole", "positive")

    def __init__(self, g: "Graph", op: int, args: tuple[Any, ...], data: Any, real: bool, pole: bool,
                 positive: bool) -> None:
        self.g, self.op, self.args, self.data, self.real = g, op, args, data, real
        self.pole = pole            # an inversion, log or sqrt inside: may be undefined somewhere
        self.positive = positive    # > 0 wherever defined (declared positive symbols, exp of a real, ...)

    def __repr__(self) -> str:
        return show(self)

    def __add__(self, other: Any) -> "Node":
        return self.g.add((self, self.g.lift(other)))

    __radd__ = __add__

    def __sub__(self, other: Any) -> "Node":
        return self.g.add((self, self.g.neg(self.g.lift(other))))

    def __rsub__(self, other: Any) -> "Node":
        return self.g.add((self.g.lift(other), self.g.neg(self)))

    def __mul__(self, other: Any) -> "Node":
        return self.g.mul((self, self.g.lift(other)))

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> "Node":
        return self.g.mul((self, self.g.pow(self.g.lift(other), -1)))

    def __rtruediv__(self, other: Any) -> "Node":
        return self.g.mul((self.g.lift(other), self.g.pow(self, -1)))

    def __neg__(self) -> "Node":
        return self.g.neg(self)

    def __pos__(self) -> "Node":
        return self

    def __pow__(self, other: Any) -> "Node":
        return self.g.power(self, self.g.lift(other))

    def __rpow__(self, other: Any) -> "Node":
        return self.g.power(self.g.lift(other), self)


class Graph:
    """The hash-consing table: one node per distinct (op, args, data)."""

    def __init__(self) -> None:
        self.table: dict[tuple[Any, ...], Node] = {}
        self.positive_vars: set[Any] = {"pi"}        # names of variables declared positive (before use)
        self.zero = self.const(Fraction(0))
        self.one = self.const(Fraction(1))
        self.minus_one = self.const(Fraction(-1))
        self.half = self.const(Fraction(1, 2))

    def _node(self, op: int, args: tuple[Any, ...], data: Any, real: bool) -> Node:
        key = (op, args, data)
        n = self.table.get(key)
        if n is None:
            pole = op in (LOG, SQRT) or (op == POW and args[1] < 0) or any(
                a.pole for a in args if isinstance(a, Node))
            n = self.table[key] = Node(self, op, args, data, real, pole, self._positive(op, args, data))
        return n

    def _positive(self, op: int, args: tuple[Any, ...], data: Any) -> bool:
        if op == CONST:
            return data > 0
        if op == VAR:
            return data in self.positive_vars
        if op == EXP:
            return args[0].real
        if op in (ADD, MUL):
            return all(a.positive for a in args)
        return op in (POW, SQRT) and args[0].positive

    # ------------------------------------------------------------ leaves
    def const(self, value: Any) -> Node:
        if isinstance(value, Node):
            return value
        if isinstance(value, bool) or not isinstance(value, (int, Fraction)):
            raise Unsupported(f"not an exact number: {value!r}")
        return self._node(CONST, (), Fraction(value), True)

    def var(self, name: Any) -> Node:
        return self._node(VAR, (), name, True)

    def lift(self, value: Any) -> Node:
        if isinstance(value, Node):
            if value.g is not self:
                raise Unsupported("nodes of two graphs")
            return value
        return self.const(value)

    # ------------------------------------------------------------ rational operations
    def add(self, xs: Iterable[Node]) -> Node:
        c = Fraction(0)
        terms: list[Node] = []
        for x in xs:
            if x.op == CONST:
                c += x.data
            elif x.op == ADD:
                for t in x.args:
                    if t.op == CONST:
                        c += t.data
                    else:
                        terms.append(t)
            else:
                terms.append(x)
        terms.sort(key=id)
        if c:
            terms.insert(0, self.const(c))           # a constant term comes first
        if not terms:
            return self.zero
        if len(terms) == 1:
            return terms[0]
        return self._node(ADD, tuple(terms), None, all(t.real for t in terms))

    def mul(self, xs: Iterable[Node]) -> Node:
        c = Fraction(1)
        factors: list[Node] = []
        for x in xs:
            if x.op == CONST:
                c *= x.data
            elif x.op == MUL:
                for f in x.args:
                    if f.op == CONST:
                        c *= f.data
                    else:
                        factors.append(f)
            else:
                factors.append(x)
        if not c and not any(f.pole for f in factors):
            return self.zero          # 0 * (1 / (x - x)) is kept: the exact stage must see the pole
        if any(f.op == SQRT or (f.op == POW and f.args[0].op == SQRT) for f in factors):
            factors = self._pair_roots(factors)
            return self.mul([self.const(c), *factors]) if any(f.op in (MUL, CONST) for f in factors) else \
                self._finish_mul(c, factors)
        return self._finish_mul(c, factors)

    def _pair_roots(self, factors: list[Node]) -> list[Node]:
        """sqrt(u)^a * sqrt(u)^b = u^((a + b) // 2) * sqrt(u)^((a + b) % 2): the relation of a root and its
        argument, kept visible in products (the norm's v / |v| times itself)."""
        powers: dict[Node, int] = {}
        rest: list[Node] = []
        for f in factors:
            if f.op == SQRT:
                powers[f] = powers.get(f, 0) + 1
            elif f.op == POW and f.args[0].op == SQRT:
                powers[f.args[0]] = powers.get(f.args[0], 0) + f.args[1]
            else:
                rest.append(f)
        for root, k in powers.items():
            q, r = divmod(k, 2)
            rest.extend(x for x in (self.pow(root.args[0], q), self.pow(root, r)) if x is not self.one)
        return rest

    def _finish_mul(self, c: Fraction, factors: list[Node]) -> Node:
        factors.sort(key=id)
        if c != 1:
            factors.insert(0, self.const(c))         # the coefficient comes first: see exp
        if not factors:
            return self.one
        if len(factors) == 1:
            return factors[0]
        return self._node(MUL, tuple(factors), None, all(f.real for f in factors))

    def neg(self, x: Node) -> Node:
        return self.mul((self.minus_one, x))

    def pow(self, base: Node, k: int) -> Node:
        if k == 0:
            return self.one
        if k == 1:
            return base
        if base.op == CONST:
            if not base.data and k < 0:
                raise Unsupported("a constant division by zero")
            return self.const(base.data ** k)
        if base.op == POW:
            return self.pow(base.args[0], base.args[1] * k)
        if base.op == SQRT and k % 2 == 0:
            return self.pow(base.args[0], k // 2)
        return self._node(POW, (base, k), None, base.real)

    def power(self, base: Node, exponent: Node) -> Node:
        """base ** exponent: an integer power, a square root, or exp(exponent log base)."""
        if exponent.op == CONST:
            e = exponent.data
            if e.denominator == 1:
                return self.pow(base, int(e))
            if e.denominator == 2:
                return self.pow(self.sqrt(base), int(e.numerator))
            raise Unsupported("a fractional power other than a square root")
        return self.exp(self.mul((exponent, self.log(base))))

    # ------------------------------------------------------------ pieces
    def exp(self, u: Node) -> Node:
        if u.op == CONST and not u.data:
            return self.one
        if u.op == ADD:
            return self.mul(self.exp(t) for t in u.args)
        if u.op == MUL and u.args[0].op == CONST:
            k, rest = u.args[0].data, self.mul(u.args[1:])
            if k.denominator == 1 and abs(k) <= MAX_EXP_POWER:
                return self.pow(self.exp(rest), int(k))   # rest may be a sum: exp(-(a + b)) = 1 / (E_a E_b)
            if k < 0:
                return self.pow(self.exp(self.mul((self.const(-k), rest))), -1)
        return self._node(EXP, (u,), None, u.real)

    def log(self, u: Node) -> Node:
        if u.op == CONST and u.data == 1:
            return self.zero
        if u.op == EXP and u.real:
            return u.args[0]
        if u.op == POW and u.args[0].positive:             # log(b^k) = k log b for b > 0
            return self.mul((self.const(u.args[1]), self.log(u.args[0])))
        if u.op == MUL:
            # log(p y) = log p + log y for p > 0 (exp of a real, a declared positive symbol, ...) and any
            # y != 0: multiplying by p does not change y's argument, so it holds for the principal log
            moved = [f for f in u.args if f.positive or (f.op == EXP and f.real)]
            if moved:
                rest = [f for f in u.args if not (f.positive or (f.op == EXP and f.real))]
                return self.add([self.log(f) for f in moved] + ([self.log(self.mul(rest))] if rest else []))
        return self._node(LOG, (u,), None, False)

    def sqrt(self, u: Node) -> Node:
        if u.op == CONST and u.data in (0, 1):
            return u
        return self._node(SQRT, (u,), None, False)


def children(n: Node) -> tuple[Node, ...]:
    if n.op in (ADD, MUL):
        return n.args
    if n.op in (POW, EXP, LOG, SQRT):
        return n.args[:1]
    return ()


def post_order(roots: list[Node]) -> list[Node]:
    """Every node under the roots (the pieces' arguments too), children first."""
    out: list[Node] = []
    seen: set[Node] = set()
    stack: list[tuple[Node, bool]] = [(r, False) for r in reversed(roots)]
    while stack:
        n, ready = stack.pop()
        if ready:
            out.append(n)
            continue
        if n in seen:
            continue
        seen.add(n)
        stack.append((n, True))
        stack.extend((a, False) for a in reversed(children(n)))
    return out


def show(n: Node, depth: int = 6) -> str:
    """A short readable form, for messages and debugging."""
    if depth <= 0:
        return "..."
    if n.op == CONST:
        return str(n.data)
    if n.op == VAR:
        return str(n.data)
    if n.op == ADD:
        return "(" + " + ".join(show(a, depth - 1) for a in n.args) + ")"
    if n.op == MUL:
        return "*".join(show(a, depth - 1) for a in n.args)
    if n.op == POW:
        return f"{show(n.args[0], depth - 1)}^{n.args[1]}"
    name = {EXP: "exp", LOG: "log", SQRT: "sqrt"}[n.op]
    return f"{name}({show(n.args[0], depth - 1)})"


def as_array(values: Iterable[Node], shape: tuple[int, ...]) -> np.ndarray:
    out = np.empty(shape, dtype=object)
    for k, v in enumerate(values):
        out.flat[k] = v
    return out
