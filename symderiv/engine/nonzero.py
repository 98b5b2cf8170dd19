"""A nonzero difference certified at an exact rational point.

When the difference of two entries is a rational function of the claim's own
symbols (no ``exp``/``log``/root piece survives in it: ``sigma(x) + c*x - sigma(x)``
is ``c*x``), its value at a rational point is computed exactly, so a point where
it is not 0 is a certificate that the steps differ, however small the difference
(1e-12, 2^-300) and wherever its roots are (the points come from the operating
system's randomness, first small ones, then ones with large numerators and
denominators).  A point is used only when both steps are finite real numbers
there and it is away from every kink: each argument of ``Abs``, ``sign``,
``Heaviside`` and each difference of arguments of ``Max``/``Min`` is nonzero.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy as sp

from . import exact
from .exact import Unsupported, ZeroDenominator, compile_program

TRIES = 40


@dataclass(frozen=True)
class Witness:
    values: dict[sp.Symbol, Fraction]     # every symbol of both entries
    lhs: sp.Basic                          # exact values of the two entries there
    rhs: sp.Basic
    gap: Fraction                          # rhs - lhs, exactly


def rational_witness(rational_form: sp.Basic, lhs: sp.Basic, rhs: sp.Basic, symbols: list[sp.Symbol],
                     rng: random.Random = exact.OS_RANDOM) -> Witness | None:
    """A point where ``rhs - lhs`` (whose rational form, atoms replaced, is ``rational_form``) is exactly nonzero.

    None when the rational form still has atoms (its value is then not exact) or no
    usable point was found.
    """
    if rational_form.atoms(sp.Dummy):
        return None
    try:
        program = compile_program([rational_form])
    except (Unsupported, RecursionError):
        return None
    index = {s: k for k, s in enumerate(program.symbols)}
    for attempt in range(TRIES):
        values = {s: _value(s, attempt, rng) for s in symbols}
        try:
            point = [values[s] if s in values else _value(s, attempt, rng) for s in program.symbols]
            gap = exact.rational(program, point)[0]
        except ZeroDenominator:
            continue
        if gap == 0:
            continue
        values.update({s: point[k] for s, k in index.items()})
        subs = {s: sp.Rational(v.numerator, v.denominator) for s, v in values.items()}
        try:
            a, b = lhs.xreplace(subs), rhs.xreplace(subs)
            if _finite(a) and _finite(b) and _off_kinks(lhs, subs) and _off_kinks(rhs, subs):
                return Witness(values, a, b, gap)
        except (ArithmeticError, TypeError, ValueError, RecursionError):
            continue
    return None


def _value(s: sp.Basic, attempt: int, rng: random.Random) -> Fraction:
    if attempt < TRIES // 2:                        # small, readable values first
        v = Fraction(rng.randrange(-12, 13), rng.choice((1, 2, 4)))
    else:                                           # then wide ones, which miss any fixed set of roots
        v = Fraction(rng.randrange(-2 ** 40, 2 ** 40), rng.randrange(1, 2 ** 20))
    if s.is_positive:
        v = abs(v) or Fraction(1, 3)
    return v


def _finite(e: sp.Basic) -> bool:
    if e.is_Rational:
        return True
    if e.free_symbols or e.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return False
    v = sp.N(e, 30)
    return bool(v.is_Float and v.is_finite)


def _kink_arguments(e: sp.Basic) -> list[sp.Basic]:
    out: list[sp.Basic] = []
    for node in sp.preorder_traversal(e):
        if isinstance(node, (sp.Abs, sp.sign, sp.Heaviside)):
            out.append(node.args[0])
        elif isinstance(node, (sp.Max, sp.Min)):
            args = node.args
            out.extend(args[i] - args[j] for i in range(len(args)) for j in range(i + 1, len(args)))
        elif isinstance(node, sp.Piecewise):
            for _, cond in node.args:
                if isinstance(cond, sp.core.relational.Relational):
                    out.append(cond.lhs - cond.rhs)
    return out


def _off_kinks(e: sp.Basic, subs: dict[Any, Any]) -> bool:
    for arg in _kink_arguments(e):
        v = arg.xreplace(subs)
        if v.is_Rational:
            if v == 0:
                return False
            continue
        n = sp.N(v, 30)
        if not n.is_Float or abs(n) < 1e-25:
            return False
    return True
