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
# A product of more factors than this enters another product as one factor instead of being copied
# into it: softmax's y_w = exp(u_1 v_1) ... exp(u_d v_d) / S times each U[j, w] made d W products of
# d + 2 factors (d^2 W in all) at (d, W) = (64, 128). Nesting changes no value, only which node is
# which, so it can only lose a rewrite that looks at factors (roots paired, logs split), never make one.
FLATTEN_MAX = 8


class Node:
    """One distinct expression of a ``Graph``: ``op``, ``args`` (nodes; an int exponent for POW) and
    ``data`` (for CONST an int, or a Fraction when it is not an integer; a name for VAR).  Arithmetic builds new nodes of the same graph."""

    __slots__ = ("g", "op", "args", "data", "real", "pole", "positive", "kids", "serial")

    def __init__(self, g: "Graph", op: int, args: tuple[Any, ...], data: Any, real: bool, pole: bool,
                 positive: bool) -> None:
        self.g, self.op, self.args, self.data, self.real = g, op, args, data, real
        self.pole = pole            # an inversion, log or sqrt inside: may be undefined somewhere
        self.positive = positive    # > 0 wherever defined (declared positive symbols, exp of a real, ...)
        self.kids: tuple[Node, ...] = args if op == ADD or op == MUL else args[:1]   # the node arguments
        g.count += 1
        self.serial = g.count       # creation order: every node is made after its kids (a topological order)

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
        self.count = 0                               # nodes made so far (``Node.serial``)
        self.consts: dict[Any, Node] = {}           # constants by value (int or Fraction)
        self.roots = False                           # a SQRT node exists: products may pair roots
        self.positive_vars: set[Any] = {"pi"}        # names of variables declared positive (before use)
        self.zero = self.const(0)
        self.one = self.const(1)
        self.minus_one = self.const(-1)
        self.half = self.const(Fraction(1, 2))

    def _node(self, op: int, args: tuple[Any, ...], data: Any = None) -> Node:
        key = (op, args, data)
        n = self.table.get(key)
        if n is None:                  # a new node: its flags, worked out once
            if op == ADD or op == MUL:
                real = positive = True
                pole = False
                for a in args:
                    real = real and a.real
                    positive = positive and a.positive
                    pole = pole or a.pole
            elif op == VAR:
                real, pole, positive = True, False, data in self.positive_vars
            else:
                u = args[0]
                if op == POW:
                    real, pole, positive = u.real, u.pole or args[1] < 0, u.positive
                elif op == EXP:
                    real, pole, positive = u.real, u.pole, u.real
                else:                  # LOG, SQRT
                    real, pole, positive = False, True, op == SQRT and u.positive
                    self.roots = self.roots or op == SQRT
            n = self.table[key] = Node(self, op, args, data, real, pole, positive)
        return n

    # ------------------------------------------------------------ leaves
    def const(self, value: Any) -> Node:
        """The constant node of an int or Fraction; its ``data`` is an int when the value is an integer
        (exact either way, and int arithmetic is much cheaper than Fraction's), else a Fraction."""
        t = type(value)
        if t is not int:
            if t is Node:
                return value
            if t is Fraction:
                value = value.numerator if value.denominator == 1 else value
            elif isinstance(value, int) and not isinstance(value, bool):
                value = int(value)
            else:
                raise Unsupported(f"not an exact number: {value!r}")
        n = self.consts.get(value)
        if n is None:
            n = self.consts[value] = Node(self, CONST, (), value, True, False, value > 0)
        return n

    def var(self, name: Any) -> Node:
        return self._node(VAR, (), name)

    def lift(self, value: Any) -> Node:
        if type(value) is Node:
            if value.g is not self:
                raise Unsupported("nodes of two graphs")
            return value
        return self.const(value)

    # ------------------------------------------------------------ rational operations
    def add(self, xs: Iterable[Node]) -> Node:
        c: Any = 0
        terms: list[Node] = []
        for x in xs:
            op = x.op
            if op == CONST:
                c += x.data
            elif op == ADD:
                args = x.args
                if args[0].op == CONST:              # an ADD node's constant term is its first
                    c += args[0].data
                    terms.extend(args[1:])
                else:
                    terms.extend(args)
            else:
                terms.append(x)
        if not terms:
            return self.const(c)
        if len(terms) == 1 and not c:
            return terms[0]
        terms.sort(key=id)
        if c:
            terms.insert(0, self.const(c))           # a constant term comes first
        return self._node(ADD, tuple(terms))

    def mul(self, xs: Iterable[Node]) -> Node:
        c: Any = 1
        factors: list[Node] = []
        for x in xs:
            op = x.op
            if op == CONST:
                c *= x.data
            elif op == MUL and len(x.args) <= FLATTEN_MAX:
                args = x.args
                if args[0].op == CONST:              # a MUL node's coefficient is its first factor
                    c *= args[0].data
                    factors.extend(args[1:])
                else:
                    factors.extend(args)
            else:
                factors.append(x)
        if not c and not any(f.pole for f in factors):
            return self.zero          # 0 * (1 / (x - x)) is kept: the exact stage must see the pole
        if self.roots and any(f.op == SQRT or (f.op == POW and f.args[0].op == SQRT) for f in factors):
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

    def _finish_mul(self, c: Any, factors: list[Node]) -> Node:
        if not factors:
            return self.const(c)
        if len(factors) == 1 and c == 1:
            return factors[0]
        factors.sort(key=id)
        if c != 1:
            factors.insert(0, self.const(c))         # the coefficient comes first: see exp
        return self._node(MUL, tuple(factors))

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
            return self.const(Fraction(base.data) ** k)
        if base.op == POW:
            return self.pow(base.args[0], base.args[1] * k)
        if base.op == SQRT and k % 2 == 0:
            return self.pow(base.args[0], k // 2)
        return self._node(POW, (base, k))

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
        return self._node(EXP, (u,))

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
        return self._node(LOG, (u,))

    def sqrt(self, u: Node) -> Node:
        if u.op == CONST and u.data in (0, 1):
            return u
        return self._node(SQRT, (u,))


def children(n: Node) -> tuple[Node, ...]:
    return n.kids


def reachable(roots: list[Node]) -> set[Node]:
    """Every node under the roots, the roots and the pieces' arguments included."""
    seen = set(roots)
    stack = list(seen)
    pop, push, add = stack.pop, stack.append, seen.add
    while stack:
        for a in pop().kids:
            if a not in seen:
                add(a)
                push(a)
    return seen


def post_order(roots: list[Node]) -> list[Node]:
    """Every node under the roots (the pieces' arguments too), children first (in creation order, which
    puts every node after its arguments)."""
    return sorted(reachable(roots), key=_serial)


def _serial(n: Node) -> int:
    return n.serial


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
