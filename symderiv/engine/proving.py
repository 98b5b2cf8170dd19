"""Deciding whether a SymPy expression is identically zero, cheapest stage first.

1. ``identical``: the difference is already 0 (or already a nonzero constant,
   which refutes: this is how ``sigma(x)`` vs ``sigma(x) + 1e-12`` is caught).
2. ``exact evaluation``: every ``exp(...)``, ``log(...)``, root and other
   non-rational piece is replaced by a fresh symbol (the same piece always by the
   same symbol; ``exp(a + 2b)`` becomes ``E_a * E_b**2``, ``exp(-a)`` becomes
   ``1/E_a``; polynomial terms of an exponent are expanded first, other terms are
   kept whole, which can only lose a proof, never make one; ``log(e^a * y)``
   becomes ``a + log(y)`` when a is real wherever defined, exact for the principal
   logarithm whatever y's sign; see ``atoms``), which leaves a rational function R of
   symbols.  If R is the zero
   rational function, the difference is zero wherever it is defined.  R is
   evaluated *exactly*, in integers modulo the prime p = 2^61 - 1, at independent
   uniformly random points.  When R is not zero its numerator, of total degree at
   most D (a bound computed from the expression), vanishes at a random point with
   probability at most D/p (Schwartz-Zippel); the trials are repeated until
   (D/p)^t < 2^-100, and a point where a denominator vanishes is drawn again.
   So ``proved`` by this stage is wrong with probability below 2^-100.  When R is
   a nonzero constant c (R - c is zero by the same test, c found by exact rational
   evaluation), the difference is the constant c everywhere: refuted.
3. ``simplify``: SymPy's ``simplify``, within a time budget, for identities that
   need relations between the pieces (``log(exp(x)) = x``, ``sqrt(x)**2 = x``).
   It proves only when it returns exactly 0.
Anything else is ``unknown``: the claim is then at best ``numeric``.
"""
from __future__ import annotations

import math
import random
import signal
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterator

import sympy as sp

from .atoms import Atoms

PRIME = 2 ** 61 - 1
ERROR_BITS = 100


class Unsupported(Exception):
    """The expression has a piece the exact evaluator cannot handle."""


class ZeroDenominator(Exception):
    pass


class OutOfTime(Exception):
    pass


@dataclass(frozen=True)
class Decision:
    status: str                  # "zero", "constant", "unknown"
    method: str | None = None
    constant: Any = None         # the nonzero constant, as a SymPy number


def _post_order(*roots: sp.Basic) -> Iterator[sp.Basic]:
    """Each distinct node of the roots once, children before parents, without recursion."""
    seen: set[int] = set()
    stack: list[tuple[sp.Basic, bool]] = [(r, False) for r in reversed(roots)]
    while stack:
        node, ready = stack.pop()
        if ready:
            yield node
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        if node.is_Add or node.is_Mul or node.is_Pow:
            stack.extend((a, False) for a in node.args)


def degree_bound(expr: sp.Basic, order: list[sp.Basic] | None = None) -> int:
    """A bound on the total degree of the numerator of ``expr`` (a rational function)."""
    return _degrees(order if order is not None else list(_post_order(expr)))[id(expr)][0]


def _degrees(order: list[sp.Basic]) -> dict[int, tuple[int, int]]:
    """Bounds on the total degrees of (numerator, denominator) of every node, by id."""
    deg: dict[int, tuple[int, int]] = {}
    for n in order:
        if n.is_Symbol:
            d = (1, 0)
        elif n.is_Rational:
            d = (0, 0)
        elif n.is_Add:
            parts = [deg[id(a)] for a in n.args]
            den = sum(p[1] for p in parts)
            d = (max(p[0] + den - p[1] for p in parts), den)
        elif n.is_Mul:
            parts = [deg[id(a)] for a in n.args]
            d = (sum(p[0] for p in parts), sum(p[1] for p in parts))
        elif n.is_Pow and n.exp.is_Integer:
            num, den = deg[id(n.base)]
            k = int(n.exp)
            d = (k * num, k * den) if k >= 0 else (-k * den, -k * num)
        else:
            raise Unsupported(type(n).__name__)
        deg[id(n)] = d
    return deg


class Rational:
    """A rational expression made ready for exact evaluation: its distinct nodes in
    post-order (children first) and its symbols, found once."""

    def __init__(self, expr: sp.Basic) -> None:
        self.expr = expr
        self.order = list(_post_order(expr))
        self.symbols = [n for n in self.order if n.is_Symbol]

    def degree(self) -> int:
        return degree_bound(self.expr, self.order)


def _evaluate_nodes(order: list[sp.Basic], values: dict[sp.Basic, Any], field: str) -> dict[int, Any]:
    """The exact value of every node, by id (``order``: children before parents): modulo PRIME
    (field "mod") or as a Fraction."""
    out: dict[int, Any] = {}
    mod = field == "mod"
    for n in order:
        if n.is_Symbol:
            v = values[n]
        elif n.is_Rational:
            if mod:
                if n.q % PRIME == 0:
                    raise ZeroDenominator
                v = n.p * pow(n.q, -1, PRIME) % PRIME
            else:
                v = Fraction(int(n.p), int(n.q))
        elif n.is_Add:
            v = sum(out[id(a)] for a in n.args)
            v = v % PRIME if mod else v
        elif n.is_Mul:
            v = 1
            for a in n.args:
                v = v * out[id(a)] % PRIME if mod else v * out[id(a)]
        elif n.is_Pow and n.exp.is_Integer:
            b, k = out[id(n.base)], int(n.exp)
            if k < 0:
                if b == 0:
                    raise ZeroDenominator
                b, k = (pow(b, -1, PRIME), -k) if mod else (1 / b, -k)
            v = pow(b, k, PRIME) if mod else b ** k
        else:
            raise Unsupported(type(n).__name__)
        out[id(n)] = v
    return out


def _random_values(symbols: list[sp.Basic], rng: random.Random, field: str) -> dict[sp.Basic, Any]:
    if field == "mod":
        return {s: rng.randrange(1, PRIME) for s in symbols}
    return {s: Fraction(rng.randrange(1, 1000)) for s in symbols}


def _nodes_at_random_point(order: list[sp.Basic], symbols: list[sp.Basic], rng: random.Random, field: str
                           ) -> dict[int, Any]:
    """Every node's value at a random point, drawn again where a denominator vanishes."""
    for _ in range(20):
        try:
            return _evaluate_nodes(order, _random_values(symbols, rng, field), field)
        except ZeroDenominator:
            continue
    raise Unsupported("every random point hit a zero denominator")


def _value_at_random_point(expr: "sp.Basic | Rational", rng: random.Random, field: str) -> Any:
    r = expr if isinstance(expr, Rational) else Rational(expr)
    return _nodes_at_random_point(r.order, r.symbols, rng, field)[id(r.expr)]


def _trials(degree: int) -> int:
    """Random points needed so that a nonzero numerator of this degree passes them all with
    probability below 2^-ERROR_BITS (Schwartz-Zippel: at most degree/PRIME per point)."""
    d = max(degree, 1)
    if d >= PRIME >> 10:
        raise Unsupported("degree too large for exact evaluation")
    return math.ceil(ERROR_BITS / (math.log2(PRIME) - math.log2(d)))


def vanishes(expr: "sp.Basic | Rational", rng: random.Random, offset: Fraction = Fraction(0)) -> bool:
    """Is ``expr - offset`` the zero rational function (error below 2^-ERROR_BITS)?"""
    r = expr if isinstance(expr, Rational) else Rational(expr)
    c = offset.numerator * pow(offset.denominator, -1, PRIME) % PRIME
    return all(_value_at_random_point(r, rng, "mod") == c for _ in range(_trials(r.degree())))


@contextmanager
def budget(seconds: float | None) -> Iterator[None]:
    """Raise OutOfTime after ``seconds`` (main thread of a process only; else no limit)."""
    usable = seconds is not None and seconds > 0 and hasattr(signal, "setitimer")
    if usable:
        try:
            old = signal.signal(signal.SIGALRM, _alarm)
        except ValueError:          # not the main thread
            usable = False
    if not usable:
        yield
        return
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _alarm(signum: int, frame: Any) -> None:
    raise OutOfTime()


class Prover:
    """Decides entries of one claim; shares the atom table and random source across them."""

    def __init__(self, seed: int = 0, simplify_seconds: float | None = 5.0) -> None:
        self.atoms = Atoms()
        self.rng = random.Random(seed)
        self.simplify_seconds = simplify_seconds

    def decide(self, expr: sp.Basic, use_simplify: bool = True) -> Decision:
        if expr == 0:
            return Decision("zero", "identical")
        if expr.is_number:
            if expr.is_Rational or expr.is_zero is False:
                return Decision("constant", "identical", expr)
        try:
            r = Rational(self.atoms.rational(expr))
            if vanishes(r, self.rng):
                return Decision("zero", "exact evaluation")
            c = self.constant(r)
            if c is not None:
                return Decision("constant", "exact evaluation", sp.Rational(c.numerator, c.denominator))
        except (Unsupported, RecursionError):
            pass
        if not use_simplify:
            return Decision("unknown")
        return self.simplified(expr)

    def zeros(self, exprs: list[sp.Basic]) -> list[bool]:
        """Which expressions are shown identically zero by the exact stage, tested together.

        All of them are evaluated at the same random points with one memo, so a piece
        shared between entries (a softmax denominator) is evaluated once per point.
        Each expression's own test is exactly the one ``vanishes`` makes (uniform random
        points, trials from its degree bound), so each "zero" keeps its error bound of
        2^-ERROR_BITS.  False means "not shown here": ``decide`` says what it is.
        """
        shown = [e == 0 for e in exprs]
        roots: dict[int, sp.Basic] = {}
        for i, e in enumerate(exprs):
            if not shown[i] and not e.is_number:
                try:
                    roots[i] = self.atoms.rational(e)
                except (Unsupported, RecursionError):
                    pass
        if not roots:
            return shown
        try:
            order = list(_post_order(*roots.values()))
            degrees = _degrees(order)
            trials = _trials(max(degrees[id(r)][0] for r in roots.values()))
            symbols = [n for n in order if n.is_Symbol]
            alive = dict(roots)
            for _ in range(trials):
                values = _nodes_at_random_point(order, symbols, self.rng, "mod")
                alive = {i: r for i, r in alive.items() if values[id(r)] == 0}
        except (Unsupported, RecursionError):
            return shown
        for i in alive:
            shown[i] = True
        return shown

    def constant(self, r: "sp.Basic | Rational") -> Fraction | None:
        """The value of r when r is a constant rational function, else None."""
        a, b = _value_at_random_point(r, self.rng, "mod"), _value_at_random_point(r, self.rng, "mod")
        if a != b:
            return None
        c = _value_at_random_point(r, self.rng, "fraction")
        if not isinstance(c, Fraction):
            c = Fraction(c)
        return c if c != 0 and vanishes(r, self.rng, c) else None

    def simplified(self, expr: sp.Basic) -> Decision:
        try:
            with budget(self.simplify_seconds):
                s = sp.simplify(expr)
        except OutOfTime:
            return Decision("unknown", "simplify ran out of time")
        except (RecursionError, MemoryError, TypeError, ValueError, NotImplementedError, AttributeError,
                ZeroDivisionError):
            return Decision("unknown", "simplify failed")
        if s == 0:
            return Decision("zero", "simplify")
        if s.is_number and (s.is_Rational or s.is_zero is False):
            return Decision("constant", "simplify", s)
        return Decision("unknown")
