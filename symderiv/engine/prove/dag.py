"""A small expression graph for the exact stage: built, differentiated and compiled without SymPy.

The proof only ever asks one question of an expression: is it the zero rational
function of its symbols and of its non-rational pieces (``atoms``)?  Answering it
needs no algebra system, only a faithful straight-line program.  This module builds
that program directly, micrograd-style: every entry of every array is a ``Node`` of
a hash-consed graph (structurally equal pieces are one node), ``exp``, ``log`` and
``sqrt`` are pieces (inputs of the program, independent of each other: that can
only lose a proof, never make one, see ``atoms``), and derivatives are taken by
reverse mode on the graph itself with the textbook local rules, giving new nodes
(so a derivative of a derivative works).

A few exact rewrites keep common relations between pieces visible, as ``atoms``
does for SymPy expressions: ``exp(a + b) = exp(a) exp(b)``, ``exp(k u) = exp(u)^k``
for an integer k (``exp(-u) = 1 / exp(u)``), ``log(exp(a) y) = a + log(y)`` for a
real a, and ``sqrt(u)^2 = u``.  Anything else (a float, a function outside
``DAG_FUNCTIONS``, a constant pole) raises ``Unsupported``; the caller then takes
the SymPy route, exactly as before.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any, Iterable

import numpy as np

from .exact import Emitter, Program, Unsupported

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
            if len(factors) == 1 and c == 1:
                return factors[0]
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

    def _product(self, a: Node, b: Node) -> Node:
        """a * b as one binary node, not flattened: for the derivative's partial products only (they are
        never the argument of a piece, where the flattened form keeps the two sides' pieces the same)."""
        if a is self.one:
            return b
        if b is self.one:
            return a
        return self._node(MUL, (a, b), None, a.real and b.real)

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

    # ------------------------------------------------------------ calculus
    def gradients(self, root: Node, targets: list[Node]) -> dict[Node, Node]:
        """d root / d t for each target variable it depends on (absent: 0), by reverse mode."""
        wanted = set(targets)
        depends: dict[Node, bool] = {}
        order: list[Node] = []
        stack: list[tuple[Node, bool]] = [(root, False)]
        while stack:
            n, ready = stack.pop()
            if ready:
                d = depends[n] = any(depends[a] for a in _children(n))
                if d:
                    order.append(n)
                continue
            if n in depends:
                continue
            kids = _children(n)
            if not kids:
                depends[n] = n in wanted
                continue
            depends[n] = False
            stack.append((n, True))
            stack.extend((a, False) for a in kids if a not in depends)
        if not depends.get(root):
            return {}
        adjoint: dict[Node, list[Node]] = {root: [self.one]}
        for n in reversed(order):
            parts = adjoint.pop(n, None)
            if not parts:
                continue
            bar = self.add(parts)
            for child, local in self._local(n, depends):
                adjoint.setdefault(child, []).append(self.mul((bar, local)))
        return {t: self.add(adjoint[t]) for t in targets if t in adjoint}

    def _local(self, n: Node, depends: dict[Node, bool]) -> list[tuple[Node, Node]]:
        op, args = n.op, n.args
        if op == ADD:
            return [(a, self.one) for a in args if depends[a]]
        if op == MUL:
            if len(args) <= 3:
                return [(a, self.mul(args[:i] + args[i + 1:])) for i, a in enumerate(args) if depends[a]]
            # the product of the other factors, from prefix and suffix products: linear in the number of
            # factors (a softmax numerator exp(u . v) is a product of d pieces), not quadratic
            n = len(args)
            prefix, suffix = [self.one] * (n + 1), [self.one] * (n + 1)
            for i in range(n):
                prefix[i + 1] = self._product(prefix[i], args[i])
                suffix[n - 1 - i] = self._product(args[n - 1 - i], suffix[n - i])
            return [(a, self._product(prefix[i], suffix[i + 1])) for i, a in enumerate(args) if depends[a]]
        if op == POW:
            base, k = args
            return [(base, self.mul((self.const(k), self.pow(base, k - 1))))]
        if op == EXP:
            return [(args[0], n)]
        if op == LOG:
            return [(args[0], self.pow(args[0], -1))]
        if op == SQRT:
            return [(args[0], self.mul((self.half, self.pow(n, -1))))]
        raise Unsupported(f"no derivative rule for op {op}")

    def substitute(self, roots: list[Node], values: dict[Node, Node]) -> list[Node]:
        """The roots with each key of ``values`` (a variable) replaced, rebuilt through the rewrites."""
        memo: dict[Node, Node] = {}
        for n in post_order(roots):
            if n in values:
                memo[n] = values[n]
                continue
            kids = _children(n)
            new = [memo[k] for k in kids]
            if all(a is b for a, b in zip(new, kids)):
                memo[n] = n
            elif n.op == ADD:
                memo[n] = self.add(new)
            elif n.op == MUL:
                memo[n] = self.mul(new)
            elif n.op == POW:
                memo[n] = self.pow(new[0], n.args[1])
            elif n.op == EXP:
                memo[n] = self.exp(new[0])
            elif n.op == LOG:
                memo[n] = self.log(new[0])
            else:
                memo[n] = self.sqrt(new[0])
        return [memo[r] for r in roots]


def _children(n: Node) -> tuple[Node, ...]:
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
        stack.extend((a, False) for a in reversed(_children(n)))
    return out


# ---------------------------------------------------------------- the exact program
def compile_nodes(roots: list[Node]) -> Program:
    """The straight-line program of the roots over their variables and pieces, with the degree and
    coefficient bounds ``proving`` needs (the same rules as ``exact.compile_program``).

    A piece is an input of its own, but its argument is computed too, and the argument of a log or a
    square root is inverted (its value unused): every inversion anywhere in the graph is then part of
    the program, so a step that is nowhere defined (``log(x - x)``, ``0 * (1 / (x - x))``) makes every
    trial hit a zero denominator and is left to the SymPy route instead of being proved vacuously."""
    out = Emitter()
    reg: dict[Node, int] = {}
    for n in post_order(roots):
        op = n.op
        if op in (LOG, SQRT):                    # the argument must be nonzero somewhere: invert it
            out.pow(reg[n.args[0]], -1)
        if op in ATOMS:
            reg[n] = out.var(n)
        elif op == CONST:
            reg[n] = out.const(n.data.numerator, n.data.denominator)
        elif op == ADD:
            reg[n] = out.add([reg[a] for a in n.args])
        elif op == MUL:
            reg[n] = out.mul([reg[a] for a in n.args])
        else:                                    # POW
            reg[n] = out.pow(reg[n.args[0]], n.args[1])
    return out.program([reg[r] for r in roots])


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
