"""Piecewise functions (relu, abs, maximum, minimum, max, min, clip, sign, heaviside) as table rows.

Symbolically every one of them is written with a single primitive, the unit step
``heaviside(u)`` (``Step`` below): 1 where u > 0, 0 where u < 0, *undefined* at u = 0
(SymPy's ``nan``), so a kink never has a value that could be compared.  For example
``relu(u) = u * H(u)``, ``abs(u) = u * (2 H(u) - 1)``, ``maximum(a, b) = b + (a - b) H(a - b)``.
The step's derivative is 0 wherever it is defined, which gives the usual derivatives
(``diff(relu(x), x) = heaviside(x)``, ``diff(abs(x), x) = sign(x)``) and nothing at a
kink.  ``H(-u)`` is rewritten as ``1 - H(u)`` and ``H(c u)`` as ``H(u)`` for a rational
c > 0, so the same branch condition is always the same atom; the proof treats each
step as a fresh symbol first (sound: an identity in free symbols holds for 0/1 values),
and splits into the regions of the branch conditions only when that is not enough
(``engine/cases.py``).

The numeric twins use numpy's own functions (``np.maximum``, ``np.clip``, ``np.max``),
and report the signs of their branch conditions to the backend (``B.watch``), so a
finite difference that straddles a kink is discarded instead of compared.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import sympy as sp

Shape = tuple[int, int]


class Step(sp.Function):
    """The unit step: 1 for u > 0, 0 for u < 0, undefined (nan) at 0.  Printed ``heaviside``."""

    nargs = 1

    @classmethod
    def eval(cls, u: sp.Basic) -> sp.Basic | None:
        if u is sp.nan:
            return sp.nan
        if u.is_extended_positive:
            return sp.Integer(1)
        if u.is_extended_negative:
            return sp.Integer(0)
        if u.is_zero:
            return sp.nan
        if u.is_number:
            return None
        if u.is_Mul or u.is_Add:           # one form for one condition, so equal conditions are one atom
            expanded = _expand_over_steps(u)
            if expanded != u:
                return cls(expanded)
        c, p = u.as_content_primitive()
        if c.is_Rational and c > 0 and c != 1:
            return cls(p)
        if u.could_extract_minus_sign() and not (-u).could_extract_minus_sign():
            return 1 - cls(-u)
        return None

    def fdiff(self, argindex: int = 1) -> sp.Basic:
        return sp.Integer(0)           # wherever the step is defined

    def _eval_is_real(self) -> bool | None:
        return self.args[0].is_extended_real

    def _eval_is_finite(self) -> bool | None:
        return self.args[0].is_extended_real

    def _sympystr(self, printer: Any) -> str:
        return f"heaviside({printer._print(self.args[0])})"


def _expand_over_steps(u: sp.Basic) -> sp.Basic:
    """``expand(u)`` with every step in u kept whole (its argument is already in this form)."""
    outer: dict[sp.Basic, sp.Dummy] = {}
    stack = [u]
    while stack:
        e = stack.pop()
        if isinstance(e, Step):
            outer.setdefault(e, sp.Dummy())
        elif not e.is_Atom:
            stack.extend(e.args)
    if not outer:
        return sp.expand(u)
    back = {d: s for s, d in outer.items()}
    return sp.expand(u.xreplace(outer)).xreplace(back)


NATIVE = (sp.Abs, sp.Max, sp.Min, sp.sign, sp.Heaviside)
NAMES = ("relu", "abs", "maximum", "minimum", "max", "min", "clip", "sign", "heaviside")


# ---------------------------------------------------------------- symbolic definitions (scalars)
def _number(u: sp.Basic) -> bool:
    return bool(u.is_number) and bool(u.is_Rational or u.is_extended_real)


def s_step(u: sp.Basic) -> sp.Basic:
    return Step(u)


def s_relu(u: sp.Basic) -> sp.Basic:
    if _number(u) and not u.has(sp.nan):
        return sp.Max(0, u)
    return u * Step(u)


def s_abs(u: sp.Basic) -> sp.Basic:
    if _number(u) and not u.has(sp.nan):
        return sp.Abs(u)
    return u * (2 * Step(u) - 1)


def s_sign(u: sp.Basic) -> sp.Basic:
    return 2 * Step(u) - 1


def s_maximum(a: sp.Basic, b: sp.Basic) -> sp.Basic:
    d = a - b
    if d == 0:
        return a
    if _number(d):
        return a if d > 0 else b
    return b + d * Step(d)


def s_minimum(a: sp.Basic, b: sp.Basic) -> sp.Basic:
    d = a - b
    if d == 0:
        return a
    if _number(d):
        return b if d > 0 else a
    return a - d * Step(d)


def s_clip(x: sp.Basic, lo: sp.Basic, hi: sp.Basic) -> sp.Basic:
    gap = hi - lo
    if _number(gap) and gap >= 0:      # lo + relu(x - lo) - relu(x - hi): one level of steps
        return lo + s_relu(x - lo) - s_relu(x - hi)
    return s_minimum(s_maximum(x, lo), hi)


def to_steps(e: sp.Basic) -> sp.Basic:
    """``e`` with SymPy's own piecewise functions (Abs, Max, Min, sign, Heaviside) written with ``Step``.

    Exact away from the kinks (Heaviside(0) = 1/2 and sign(0) = 0 become undefined, a
    set of measure zero).  ``sqrt(x**2)`` is ``Abs(x)`` in SymPy, so this keeps such
    identities provable by cases.
    """
    if not e.has(*NATIVE):
        return e
    args = [to_steps(a) for a in e.args]
    if isinstance(e, sp.Abs):
        return s_abs(args[0])
    if isinstance(e, sp.sign):
        return s_sign(args[0])
    if isinstance(e, sp.Heaviside):
        return Step(args[0])
    if isinstance(e, (sp.Max, sp.Min)):
        fold = s_maximum if isinstance(e, sp.Max) else s_minimum
        out = args[0]
        for a in args[1:]:
            out = fold(out, a)
        return out
    return e.func(*args)


def local_derivatives(node: sp.Basic) -> list[sp.Basic]:
    """d node / d arg for each argument of a SymPy-native piecewise node, written with ``Step``
    (so a kink is undefined, never Heaviside(0) = 1/2 or sign(0) = 0)."""
    args = node.args
    if isinstance(node, sp.Abs):
        return [s_sign(args[0])]
    if isinstance(node, (sp.sign, sp.Heaviside)):
        return [sp.Integer(0) for _ in args]
    sgn = 1 if isinstance(node, sp.Max) else -1
    out = []
    for i, a in enumerate(args):
        d = sp.Integer(1)
        for j, b in enumerate(args):
            if j != i:
                d = d * Step(sgn * (a - b))
        out.append(d)
    return out


# ---------------------------------------------------------------- numeric twins
def _watch(B: Any, key: np.ndarray) -> None:
    """Tell the backend which branch every entry is on (finite differences must not cross a kink)."""
    watch = getattr(B, "watch", None)
    if watch is not None:
        watch(key)


def n_step(B: Any, a: np.ndarray) -> np.ndarray:
    _watch(B, np.sign(a))
    return np.where(a > 0, 1.0, np.where(a < 0, 0.0, math.nan))


def n_relu(B: Any, a: np.ndarray) -> np.ndarray:
    _watch(B, np.sign(a))
    return np.maximum(a, 0.0)


def n_abs(B: Any, a: np.ndarray) -> np.ndarray:
    _watch(B, np.sign(a))
    return np.abs(a)


def n_sign(B: Any, a: np.ndarray) -> np.ndarray:
    _watch(B, np.sign(a))
    return np.where(a == 0, math.nan, np.sign(a))


def n_maximum(B: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    _watch(B, np.sign(a - b))
    return np.maximum(a, b)


def n_minimum(B: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    _watch(B, np.sign(a - b))
    return np.minimum(a, b)


def n_clip(B: Any, x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    _watch(B, np.sign(x - lo))
    _watch(B, np.sign(x - hi))
    return np.minimum(np.maximum(x, lo), hi)


# ---------------------------------------------------------------- array-level definitions
def broadcast(name: str, error: type[Exception]) -> Callable[..., Shape]:
    def rule(*shapes: Shape) -> Shape:
        try:
            out = np.broadcast_shapes(*shapes)
        except ValueError:
            raise error(f"{name}: shapes {', '.join(map(str, shapes))} cannot be broadcast together") from None
        return (int(out[0]), int(out[1]))
    return rule


def symbolic_elementwise(f: Callable[..., sp.Basic]) -> Callable[..., np.ndarray]:
    ufunc = np.frompyfunc(f, f.__code__.co_argcount, 1)

    def apply(B: Any, *arrays: np.ndarray) -> np.ndarray:
        out = ufunc(*np.broadcast_arrays(*arrays))
        return np.array(out, dtype=object).reshape(np.broadcast_shapes(*(a.shape for a in arrays)))
    return apply


def numeric_elementwise(f: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
    def apply(B: Any, *arrays: np.ndarray) -> np.ndarray:
        return np.asarray(f(B, *np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in arrays))), dtype=float)
    return apply


def s_reduce(fold: Callable[[sp.Basic, sp.Basic], sp.Basic]) -> Callable[[Any, np.ndarray], sp.Basic]:
    def reduce(B: Any, part: np.ndarray) -> np.ndarray:
        level = list(part.flat)
        while len(level) > 1:              # pairwise, so steps nest log2(n) deep, not n
            level = [fold(level[k], level[k + 1]) if k + 1 < len(level) else level[k]
                     for k in range(0, len(level), 2)]
        return B.full((1, 1), level[0])
    return reduce


def n_reduce(kind: str) -> Callable[[Any, np.ndarray], np.ndarray]:
    def reduce(B: Any, part: np.ndarray) -> np.ndarray:
        flat = np.asarray(part, dtype=float).reshape(-1)
        k = int(np.argmax(flat) if kind == "max" else np.argmin(flat))
        _watch(B, np.array([k]))      # the entry chosen: a finite difference must not change it
        return np.array([[flat[k]]])
    return reduce
