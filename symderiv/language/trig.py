"""Trigonometric and hyperbolic rows of the function table: (symbolic, numeric, doc) by name.

The symbolic definitions are chosen so that the exact stage can decide identities
between them.  It replaces every non-rational piece by an independent symbol, so
``sin(x)`` and ``cos(x)`` as two atoms would lose sin^2 + cos^2 = 1.  Written with the
half-angle tangent t = tan(x/2) instead,

    sin x = 2t / (1 + t^2),   cos x = (1 - t^2) / (1 + t^2),   tan x = 2t / (1 - t^2),

every identity in one angle is an identity of rational functions of t, and the
derivative of t is (1 + t^2) / 2, rational again (SymPy's own rule for tan).  These
are exact wherever both sides are defined; they fail only where x/2 is a pole of
tan (x = pi + 2 pi k), a set of measure zero, which the contract leaves out of
every comparison.  A constant argument keeps SymPy's own sin/cos/tan (sin(pi) is 0).
``sinh``/``cosh`` are their exp definitions; ``arctan`` is SymPy's atan, whose
derivative 1 / (1 + x^2) is rational.  The numeric definitions are numpy's own.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import sympy as sp


MAX_TERMS = 4         # an argument with more terms keeps tan(arg/2) as one piece
MAX_MULTIPLE = 8      # tan(p u) is expanded in tan(u) only for |p| <= this


def _tan_sum(a: Any, b: Any) -> Any:
    return (a + b) / (1 - a * b)


def _tan_multiple(t: Any, p: int) -> Any:
    """tan(p u) as a rational function of t = tan(u), by the addition formula."""
    out = t
    for _ in range(abs(p) - 1):
        out = _tan_sum(out, t)
    return out if p > 0 else -out


def _half(x: Any) -> Any:
    """tan(x/2), split so that related angles share pieces: for x = c1 u1 + c2 u2 + ... (c_i = p_i/q_i
    rational) it is built from tan(u_i / (2 q_i)) by the multiple-angle and addition formulas, so
    sin(2x) and sin(x + y) are rational in the same pieces as sin(x), cos(y).  Exact wherever every
    piece is finite (the formulas hold off a set of measure zero)."""
    terms = sp.Add.make_args(sp.expand(x)) if x.is_polynomial() else (x,)
    if len(terms) > MAX_TERMS:
        return sp.tan(x / 2)
    constant = sp.Add(*[t for t in terms if t.is_number])
    total = None
    for term in terms:
        if term.is_number:
            continue
        c, m = term.as_coeff_Mul()
        if not c.is_Rational or abs(c.p) > MAX_MULTIPLE:
            piece = sp.tan(term / 2)
        else:
            piece = _tan_multiple(sp.tan(m / (2 * c.q)), int(c.p))
        total = piece if total is None else _tan_sum(total, piece)
    if total is None:
        return sp.tan(x / 2)
    if constant != 0:
        k = sp.tan(constant / 2)
        if k.has(sp.zoo, sp.nan, sp.oo):            # tan(u + pi/2) = -1 / tan(u)
            return -1 / total
        total = _tan_sum(total, k)
    return total


def _sin(x: Any) -> Any:
    if x.is_number:
        return sp.sin(x)
    t = _half(x)
    return 2 * t / (1 + t ** 2)


def _cos(x: Any) -> Any:
    if x.is_number:
        return sp.cos(x)
    t = _half(x)
    return (1 - t ** 2) / (1 + t ** 2)


def _tan(x: Any) -> Any:
    if x.is_number:
        return sp.tan(x)
    t = _half(x)
    return 2 * t / (1 - t ** 2)


TRIG: dict[str, tuple[Callable[[Any], Any], Callable[[np.ndarray], np.ndarray], str]] = {
    "sin": (_sin, np.sin, "sine (radians)"),
    "cos": (_cos, np.cos, "cosine (radians)"),
    "tan": (_tan, np.tan, "tangent, sin(x) / cos(x)"),
    "arctan": (sp.atan, np.arctan, "inverse tangent, in (-pi/2, pi/2)"),
    "sinh": (lambda x: (sp.exp(x) - sp.exp(-x)) / 2, np.sinh, "hyperbolic sine, (e^x - e^-x) / 2"),
    "cosh": (lambda x: (sp.exp(x) + sp.exp(-x)) / 2, np.cosh, "hyperbolic cosine, (e^x + e^-x) / 2"),
}
