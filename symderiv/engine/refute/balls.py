"""Real ball arithmetic (python-flint's ``arb``) that refuses to guess.

A value is an ``R`` (a ball: a midpoint and a radius that together enclose the true
real number) or a ``Dual`` (forward-mode derivative: a value and its derivative by
one seeded variable, each an ``R`` or a ``Dual`` of an outer seed, so derivatives
nest).  Every operation either returns an enclosure of the true result or raises:

- ``Kink``: the answer depends on which side of a kink, pole or domain boundary the
  true value lies, and the ball does not say (``abs`` of a ball containing 0, a
  division by a ball containing 0, ``log``/``sqrt`` of a ball touching 0, a
  comparison of overlapping balls).  ``exact`` is set when the ball is exactly the
  critical value, so no precision can resolve it.
- ``Undefined``: certainly outside the real domain (``log`` or ``sqrt`` of a ball
  that lies entirely below 0), with what and where in words.
- ``Unsupported``: a piece this module has no enclosure for.

``R`` and ``Dual`` offer the methods numpy calls on object arrays (``exp``, ``log``,
``sqrt``, ``tanh``, ``__abs__``, comparisons), so the numeric function table runs on
them unchanged; ``float()`` of a ball raises ``Unsupported`` rather than round.
``sympy_values`` evaluates SymPy expressions (the prover's arrays) on the same rules.
"""
from __future__ import annotations

from contextlib import contextmanager
from fractions import Fraction
from typing import Any, Callable, Iterator

import numpy as np
import sympy as sp
from flint import arb, ctx, fmpq


class Kink(Exception):
    def __init__(self, what: str, exact: bool = False) -> None:
        super().__init__(what)
        self.exact = exact


class Undefined(Exception):
    """Certainly outside the real domain: ``what`` says which function of which value."""


class Unsupported(Exception):
    pass


@contextmanager
def precision(bits: int) -> Iterator[None]:
    old = ctx.prec
    ctx.prec = bits
    try:
        yield
    finally:
        ctx.prec = old


class _Ops:
    """The Python and numpy surface shared by R and Dual; the work is in the module functions."""

    __slots__ = ()

    def __add__(self, o: Any) -> Any: return add(self, o)
    def __radd__(self, o: Any) -> Any: return add(o, self)
    def __sub__(self, o: Any) -> Any: return add(self, neg(lift(o)))
    def __rsub__(self, o: Any) -> Any: return add(o, neg(self))
    def __mul__(self, o: Any) -> Any: return mul(self, o)
    def __rmul__(self, o: Any) -> Any: return mul(o, self)
    def __truediv__(self, o: Any) -> Any: return div(self, o)
    def __rtruediv__(self, o: Any) -> Any: return div(o, self)
    def __pow__(self, o: Any) -> Any: return power(self, o)
    def __rpow__(self, o: Any) -> Any: return power(lift(o), self)
    def __neg__(self) -> Any: return neg(self)
    def __pos__(self) -> Any: return self
    def __abs__(self) -> Any: return absolute(self)
    def __lt__(self, o: Any) -> bool: return less(self, o)
    def __gt__(self, o: Any) -> bool: return less(o, self)
    def __le__(self, o: Any) -> bool: return less(self, o)     # equality is a kink: never decided
    def __ge__(self, o: Any) -> bool: return less(o, self)
    def __float__(self) -> float: raise Unsupported("a ball is not rounded to a float")
    def __int__(self) -> int: raise Unsupported("a ball is not rounded to an integer")
    def exp(self) -> Any: return exp(self)
    def log(self) -> Any: return log(self)
    def sqrt(self) -> Any: return sqrt(self)
    def tanh(self) -> Any: return tanh(self)
    def sin(self) -> Any: return sin(self)
    def cos(self) -> Any: return cos(self)
    def tan(self) -> Any: return tan(self)
    def arctan(self) -> Any: return atan(self)
    def sinh(self) -> Any: return sinh(self)
    def cosh(self) -> Any: return cosh(self)
    def conjugate(self) -> Any: return self


class R(_Ops):
    """A real ball."""

    __slots__ = ("a",)

    def __init__(self, a: arb) -> None:
        self.a = a

    def __repr__(self) -> str:
        return f"R({self.a})"


class Dual(_Ops):
    """v + d*eps_tag: a value and its derivative by the variable seeded with ``tag``."""

    __slots__ = ("tag", "v", "d")

    def __init__(self, tag: int, v: Any, d: Any) -> None:
        self.tag, self.v, self.d = tag, v, d

    def __repr__(self) -> str:
        return f"Dual[{self.tag}]({self.v!r}, {self.d!r})"


def lift(x: Any) -> Any:
    """A plain number as an exact ball (a float is the binary rational it stores)."""
    if isinstance(x, (R, Dual)):
        return x
    if isinstance(x, (bool, np.bool_)):
        raise Unsupported("a truth value in arithmetic")
    if isinstance(x, (int, np.integer)):
        return R(arb(int(x)))
    if isinstance(x, (float, np.floating)):
        if not np.isfinite(x):
            raise Unsupported("a non-finite float")
        return R(arb(float(x)))
    if isinstance(x, Fraction):
        return R(arb(fmpq(x.numerator, x.denominator)))
    raise Unsupported(f"a value of type {type(x).__name__}")


def ball(x: Fraction | int) -> R:
    return lift(Fraction(x))


def primal(x: Any) -> arb:
    while isinstance(x, Dual):
        x = x.v
    return x.a


def _tag(x: Any, y: Any) -> int | None:
    tx = x.tag if isinstance(x, Dual) else None
    ty = y.tag if isinstance(y, Dual) else None
    if tx is None:
        return ty
    return tx if ty is None else max(tx, ty)


def _parts(x: Any, tag: int) -> tuple[Any, Any]:
    return (x.v, x.d) if isinstance(x, Dual) and x.tag == tag else (x, ZERO)


def add(x: Any, y: Any) -> Any:
    x, y = lift(x), lift(y)
    t = _tag(x, y)
    if t is None:
        return R(x.a + y.a)
    (xv, xd), (yv, yd) = _parts(x, t), _parts(y, t)
    return Dual(t, add(xv, yv), add(xd, yd))


def neg(x: Any) -> Any:
    return R(-x.a) if isinstance(x, R) else Dual(x.tag, neg(x.v), neg(x.d))


def mul(x: Any, y: Any) -> Any:
    x, y = lift(x), lift(y)
    t = _tag(x, y)
    if t is None:
        return R(x.a * y.a)
    (xv, xd), (yv, yd) = _parts(x, t), _parts(y, t)
    return Dual(t, mul(xv, yv), add(mul(xv, yd), mul(xd, yv)))


def _nonzero(x: Any, what: str) -> None:
    p = primal(x)
    if p.contains(0):
        raise Kink(f"{what} of a value that may be 0 ({p.str(5)})", exact=p.is_exact() and p.is_zero())


def div(x: Any, y: Any) -> Any:
    x, y = lift(x), lift(y)
    _nonzero(y, "division")
    t = _tag(x, y)
    if t is None:
        return R(x.a / y.a)
    (xv, xd), (yv, yd) = _parts(x, t), _parts(y, t)
    q = div(xv, yv)
    return Dual(t, q, div(add(xd, neg(mul(q, yd))), yv))


def _positive(x: Any, what: str) -> None:
    """x > 0 certainly, else Undefined (x < 0 certainly) or Kink (the ball touches 0)."""
    p = primal(x)
    if p > 0:
        return
    if p < 0:
        raise Undefined(f"{what} of {show(p)} < 0")
    raise Kink(f"{what} of a value that may be 0 ({p.str(5)})", exact=p.is_exact() and p.is_zero())


def show(p: arb) -> str:
    """A ball for a reader: an exact short rational as a fraction (-273/16), else its leading digits."""
    if p.is_exact():
        man, exp = p.mid().man_exp()
        f = Fraction(int(man)) * Fraction(2) ** int(exp)
        if f.denominator < 10 ** 6 and abs(f.numerator) < 10 ** 12:
            return str(f)
    return p.str(10, radius=False)


def _unary(x: Any, f: Callable[[arb], arb], df: Callable[[Any, Any], Any]) -> Any:
    """f(x); for a Dual, the chain rule with df(v, f(v)) the derivative at v."""
    if isinstance(x, R):
        return R(f(x.a))
    fv = _unary(x.v, f, df)
    return Dual(x.tag, fv, mul(df(x.v, fv), x.d))


def exp(x: Any) -> Any:
    return _unary(lift(x), arb.exp, lambda v, fv: fv)


def log(x: Any) -> Any:
    x = lift(x)
    _positive(x, "log")
    return _unary(x, arb.log, lambda v, fv: div(ONE, v))


def sqrt(x: Any) -> Any:
    x = lift(x)
    _positive(x, "sqrt")
    return _unary(x, arb.sqrt, lambda v, fv: div(HALF, fv))


def tanh(x: Any) -> Any:
    return _unary(lift(x), arb.tanh, lambda v, fv: add(ONE, neg(mul(fv, fv))))


def sin(x: Any) -> Any:
    return _unary(lift(x), arb.sin, lambda v, fv: cos(v))


def cos(x: Any) -> Any:
    return _unary(lift(x), arb.cos, lambda v, fv: neg(sin(v)))


def tan(x: Any) -> Any:
    x = lift(x)
    _nonzero(R(primal(x).cos()), "tan at a pole: the cosine")
    return _unary(x, arb.tan, lambda v, fv: add(ONE, mul(fv, fv)))


def sinh(x: Any) -> Any:
    return _unary(lift(x), arb.sinh, lambda v, fv: cosh(v))


def cosh(x: Any) -> Any:
    return _unary(lift(x), arb.cosh, lambda v, fv: sinh(v))


def erf(x: Any) -> Any:
    return _unary(lift(x), arb.erf, lambda v, fv: mul(div(TWO, sqrt(R(arb.pi()))), exp(neg(mul(v, v)))))


def atan(x: Any) -> Any:
    return _unary(lift(x), arb.atan, lambda v, fv: div(ONE, add(ONE, mul(v, v))))


def sign(x: Any) -> int:
    x = lift(x)
    _nonzero(x, "the sign")
    return 1 if primal(x) > 0 else -1


def absolute(x: Any) -> Any:
    return mul(sign(x), x)


def less(x: Any, y: Any) -> bool:
    """x < y, when the balls say so either way; equal or overlapping values are a kink."""
    px, py = primal(lift(x)), primal(lift(y))
    if px < py:
        return True
    if px > py:
        return False
    raise Kink(f"a comparison of {px.str(5)} with {py.str(5)}", exact=(px - py).is_exact() and (px - py).is_zero())


def power(x: Any, y: Any) -> Any:
    x, y = lift(x), lift(y)
    if isinstance(y, R) and y.a.is_exact() and y.a.is_integer():
        return _integer_power(x, int(y.a.unique_fmpz()))
    _positive(x, "a fractional power")
    return exp(mul(y, log(x)))


def _integer_power(x: Any, n: int) -> Any:
    if n < 0:
        return div(ONE, _integer_power(x, -n))
    if isinstance(x, R):
        if x.a.is_exact() or not x.a.contains(0):
            return R(x.a ** n)
        return R(_power_by_squaring(x.a, n))   # python-flint's ** is nan on a ball around 0: (0 +/- 1e-15)**2
    if n == 0:
        return ONE
    return Dual(x.tag, _integer_power(x.v, n), mul(mul(n, _integer_power(x.v, n - 1)), x.d))


def _power_by_squaring(a: arb, n: int) -> arb:
    """a**n (n >= 0) by products, each enclosing its factors' products: valid for any ball."""
    out = arb(1)
    for bit in bin(n)[2:]:
        out = out * out * (a if bit == "1" else 1)
    return out


ZERO, ONE, TWO, HALF = R(arb(0)), R(arb(1)), R(arb(2)), R(arb(0.5))


# ---------------------------------------------------------------- SymPy expressions
_SYMPY_UNARY: dict[type, Callable[[Any], Any]] = {
    sp.exp: exp, sp.log: log, sp.tanh: tanh, sp.sin: sin, sp.cos: cos, sp.tan: tan, sp.erf: erf, sp.atan: atan,
    sp.sinh: sinh, sp.cosh: cosh, sp.Abs: absolute,
}


def sympy_values(exprs: list[sp.Basic], values: dict[sp.Basic, Any]) -> list[R]:
    """Enclosures of SymPy expressions at a point (``values``: each symbol's ball).

    Each distinct node is evaluated once, children first, without recursion.
    """
    memo: dict[sp.Basic, Any] = {}
    stack: list[tuple[sp.Basic, bool]] = [(e, False) for e in exprs]
    while stack:
        node, ready = stack.pop()
        if node in memo:
            continue
        if not ready and node.args and not node.is_Number:
            stack.append((node, True))
            stack.extend((a, False) for a in node.args if a not in memo)
            continue
        memo[node] = _sympy_node(node, memo, values)
    out = [memo[e] for e in exprs]
    for v in out:
        if not isinstance(v, R) or not v.a.is_finite():
            raise Kink("a value that is not a finite real number")
    return out


def _sympy_node(n: sp.Basic, memo: dict[sp.Basic, Any], values: dict[sp.Basic, Any]) -> Any:
    if n.is_Symbol:
        if n not in values:
            raise Unsupported(f"no value for {n}")
        return values[n]
    if n.is_Rational:
        return lift(Fraction(int(n.p), int(n.q)))
    if n.is_Float:
        return lift(Fraction(*float(n).as_integer_ratio()))  # only a float SymPy made from an exact binary value
    if n is sp.pi:
        return R(arb.pi())
    if n is sp.E:
        return exp(ONE)
    args = [memo[a] for a in n.args] if not isinstance(n, sp.Piecewise) else None
    if n.is_Add:
        acc = args[0]
        for a in args[1:]:
            acc = add(acc, a)
        return acc
    if n.is_Mul:
        acc = args[0]
        for a in args[1:]:
            acc = mul(acc, a)
        return acc
    if n.is_Pow:
        return power(args[0], args[1])
    for kind, f in _SYMPY_UNARY.items():
        if isinstance(n, kind) and len(args) == 1:
            return f(args[0])
    if isinstance(n, sp.sign):
        return lift(sign(args[0]))
    if isinstance(n, sp.Heaviside) or type(n).__name__ == "Step":    # Step: language/piecewise.py's unit step
        return lift(1 if sign(args[0]) > 0 else 0)
    if isinstance(n, (sp.Max, sp.Min)):
        best = args[0]
        for a in args[1:]:
            if less(best, a) == isinstance(n, sp.Max):
                best = a
        return best
    if isinstance(n, sp.core.relational.Relational) and n.rel_op in ("<", "<=", ">", ">="):
        a, b = args
        return less(a, b) if n.rel_op in ("<", "<=") else less(b, a)
    if isinstance(n, sp.Piecewise):
        for expr, cond in n.args:
            if cond is sp.true or (cond is not sp.false and memo[cond] is True):
                return memo[expr]
        raise Unsupported("a piecewise expression with no branch here")
    raise Unsupported(type(n).__name__)
