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


def _half(x: Any) -> Any:
    return sp.tan(x / 2)


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
