"""The counterexample a student is shown: the simplest certified point where two steps differ.

Simple points are tried first (zeros, ones, 1 2 3 ..., alternating signs, ...), each
certified by the claim's ``Certifier`` before it replaces the point the check found; the
values there are exact (rational, or in the shortest form a few cheap rewrites find).
"""
from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from ..building.arrays import free_symbols
from ..building.evaluate import Instance, Program, shape_of
from ...language.functions import ShapeError
from ..spotcheck.numeric import Point
from ...language.parsing import Node
from ...language.reading import POSITIVE_KINDS, REAL_KINDS
from ..prove.proving import OutOfTime, Unsupported, budget
from ...results import Counterexample
from ..building.stepvalues import StepValues
from .graphwitness import UNKNOWN, first_difference

if TYPE_CHECKING:
    from .certify import Certifier
    from .graphdiagnosis import GraphTests, GraphBuild


WITNESS_SECONDS = 10.0     # a safety net only: MAX_CANDIDATES bounds the search, so reports are reproducible
READABLE_OPS = 60          # rewrite an exact value for display only when it is this small...
READABLE_SECONDS = 5.0     # ...and give up after this long (a safety net: the size bound keeps reports reproducible)
READABLE_EXPONENT = 100    # ...and its rational exponents have numerator and denominator at most this
MAX_CANDIDATES = 12
MAX_SEARCH_NODES = 2_000   # steps larger than this (as trees) are not evaluated by SymPy (evalf is slow)


def exact_values(program: Program, a_node: Node, b_node: Node, used: set[str], inst: Instance | None,
                 point: Point | None, cex: Counterexample, limit: int = 200,
                 certifier: "Certifier | None" = None, graph: "GraphTests | None" = None) -> Counterexample:
    """The counterexample at the simplest point where the two steps provably differ, with exact values.

    Simple points are tried first (zeros, ones, 1 2 3 ..., alternating signs, ...;
    the simplest combinations first), then ``point`` (the numeric check's point,
    when it was a simple rational one), all at ``inst`` (the instance of the
    counterexample).  A point is used only when both values there are finite
    real numbers and their difference is a nonzero rational, or a number shown
    nonzero to 30 digits, and (with a ``certifier``) a certified witness is found
    there, away from kinks and poles; a point whose values are both rational
    (checkable by hand) wins at once.  Values are shown in the shortest form ``_readable``
    finds quickly.  Without any such point, ``cex`` is returned unchanged.  At a point where
    every value is rational, the values come from ``graph``'s build (``graphwitness``); the
    steps' SymPy arrays (the ``certifier``'s, built once per instance for the pair) are built
    only for a point the graph cannot value exactly, and not searched at all when they are
    larger than MAX_SEARCH_NODES as trees.
    """
    if inst is None or cex.lhs_shape is not None:
        return cex
    deadline = time.monotonic() + WITNESS_SECONDS
    try:
        values = certifier.values if certifier is not None else StepValues(program, a_node, b_node, used)
        built = graph.build(inst) if graph is not None else None
        sympy_side: list[tuple[np.ndarray, np.ndarray, dict[Any, tuple[str, tuple[int, int]]], bool]] = []

        def on_sympy() -> tuple[np.ndarray, np.ndarray, dict[Any, tuple[str, tuple[int, int]]], bool]:
            """The steps' SymPy arrays, built on first need: only a point the graph cannot value exactly needs them."""
            if not sympy_side:
                ev, a, b = values.at(inst)
                large = _tree_size(list(a.flat) + list(b.flat), MAX_SEARCH_NODES) >= MAX_SEARCH_NODES
                sympy_side.append((a, b, free_symbols(ev.env), large))
            return sympy_side[0]

        if built is not None:
            a_shape, b_shape = built.a.shape, built.b.shape
        else:
            a, b, _, _ = on_sympy()
            a_shape, b_shape = a.shape, b.shape
        if a_shape != b_shape:
            return cex
        best: _Witness | None = None
        for cand in _candidates(program, used, inst, point):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                with budget(left):
                    w = _graph_witness(built, cand) if built is not None else UNKNOWN
                    if w is UNKNOWN:
                        a, b, syms, large = on_sympy()
                        if large:           # too large to evaluate as trees: the numeric check's values stand
                            continue
                        w = _witness(a, b, syms, cand)
            except OutOfTime:
                break
            if w is not None and (best is None or w.score < best.score):
                if certifier is not None:
                    proof = certifier.at(inst, cand)
                    if proof is None or proof.undefined is not None:
                        continue
                    w = replace(w, certificate=("exact: both values are rational" if w.rational
                                                else proof.counterexample(inst).certificate))
                best = w
                if w.rational:
                    break
    except (ShapeError, Unsupported, ArithmeticError, KeyError, TypeError, ValueError, RecursionError):
        return cex
    if best is None:
        return cex
    lhs_text, rhs_text = _readable(best.lhs), _readable(best.rhs)
    exact = len(lhs_text) <= limit and len(rhs_text) <= limit
    gap = best.gap
    return replace(cex, point=Point({}, best.point).describe(), entry=best.entry,
                   lhs=float(sp.N(best.lhs, 17)), rhs=float(sp.N(best.rhs, 17)), exact=exact,
                   lhs_exact=lhs_text if exact else None, rhs_exact=rhs_text if exact else None,
                   difference=str(gap) if gap.is_Rational else repr(float(sp.N(gap, 17))),
                   certificate=best.certificate if best.certificate is not None else cex.certificate)


def _tree_size(exprs: list[Any], cap: int) -> int:
    """The number of nodes of the expressions as trees (shared pieces counted at each use), up to ``cap``.

    That, not the number of distinct nodes, is what printing and ``evalf`` walk.
    """
    count = 0
    stack = list(exprs)
    while stack and count < cap:
        e = stack.pop()
        count += 1
        stack.extend(getattr(e, "args", ()))
    return count


@dataclass(frozen=True)
class _Witness:
    point: dict[str, np.ndarray]     # Fraction arrays
    entry: tuple[int, int]
    lhs: Any
    rhs: Any
    gap: Any
    rational: bool
    score: tuple[int, int, int]
    certificate: str | None = None


# simple values for every entry of an array: (name, values for n entries, allowed for positive symbols)
_PATTERNS: list[tuple[str, Any, bool]] = [
    ("zeros", lambda n: [0] * n, False),
    ("ones", lambda n: [1] * n, True),
    ("count", lambda n: list(range(1, n + 1)), True),
    ("minus ones", lambda n: [-1] * n, False),
    ("alternating", lambda n: [(-1) ** i for i in range(n)], False),
    ("first one", lambda n: [1] + [0] * (n - 1), False),
    ("twos", lambda n: [2] * n, True),
    ("halves", lambda n: [Fraction(1, 2)] * n, True),
]


def _candidates(program: Program, used: set[str], inst: Instance, point: Point | None
                ) -> list[dict[str, np.ndarray]]:
    """Simple points at this instance, simplest first; the numeric check's own point last."""
    names = [n for n in sorted(used) if program.symbols[n].kind in REAL_KINDS]
    options: list[list[tuple[int, np.ndarray]]] = []
    for name in names:
        decl = program.symbols[name]
        shape = shape_of(decl, inst.sizes)
        n = shape[0] * shape[1]
        seen: set[tuple[Fraction, ...]] = set()
        opts = []
        for rank, (_, make, positive_ok) in enumerate(_PATTERNS):
            if decl.kind in POSITIVE_KINDS and not positive_ok:
                continue
            vals = tuple(Fraction(v) for v in make(n))
            if vals in seen:
                continue
            seen.add(vals)
            arr = np.empty(shape, dtype=object)
            for k, idx in enumerate(np.ndindex(shape)):
                arr[idx] = vals[k]
            opts.append((rank, arr))
        options.append(opts)
    while options and math.prod(len(o) for o in options) > 20_000:
        longest = max(options, key=len)
        longest.pop()
    out = [{name: arr for name, (_, arr) in zip(names, combo)} for combo in simplest(options, MAX_CANDIDATES)]
    if point is not None and point.exact is not None:
        out.append({name: point.exact[name] for name in names if name in point.exact})
    return out


def simplest(options: list[list[tuple[int, Any]]], count: int) -> list[tuple[tuple[int, Any], ...]]:
    """The first ``count`` of ``sorted(itertools.product(*options), key=(sum of ranks, largest rank))``
    (ties in product order), without listing every combination: they come sum by sum.

    Each list holds (rank, value) with increasing ranks.
    """
    if not options or any(not o for o in options):
        return list(itertools.product(*options))[:count]
    low = [0] * (len(options) + 1)       # least and greatest rank sum of the lists from i on
    high = [0] * (len(options) + 1)
    for i in range(len(options) - 1, -1, -1):
        low[i], high[i] = low[i + 1] + options[i][0][0], high[i + 1] + options[i][-1][0]
    out: list[tuple[tuple[int, Any], ...]] = []
    chosen: list[tuple[int, Any]] = []

    def walk(i: int, left: int, level: list[tuple[tuple[int, Any], ...]]) -> None:
        if i == len(options):
            level.append(tuple(chosen))
            return
        for item in options[i]:          # in list order: the combinations come in product order
            if item[0] > left - low[i + 1]:
                break
            if item[0] >= left - high[i + 1]:
                chosen.append(item)
                walk(i + 1, left - item[0], level)
                chosen.pop()

    for total in range(low[0], high[0] + 1):
        level: list[tuple[tuple[int, Any], ...]] = []
        walk(0, total, level)
        out.extend(sorted(level, key=lambda c: max(r for r, _ in c)))
        if len(out) >= count:
            break
    return out[:count]


def _witness(a: np.ndarray, b: np.ndarray, syms: dict[Any, tuple[str, tuple[int, int]]],
             cand: dict[str, np.ndarray]) -> _Witness | None:
    if any(name not in cand for name, _ in syms.values()):
        return None
    subs = _substitution(syms, lambda name, pos: cand[name][pos])
    for idx in np.ndindex(a.shape):
        lhs, rhs = a[idx].xreplace(subs), b[idx].xreplace(subs)
        if not (finite_real(lhs) and finite_real(rhs)):
            return None
        gap = rhs - lhs
        if not _nonzero(gap):
            continue
        rational = bool(lhs.is_Rational and rhs.is_Rational)
        size = len(str(lhs)) + len(str(rhs))
        return _Witness(cand, (int(idx[0]), int(idx[1])), lhs, rhs, gap, rational, (0 if rational else 1, size, 0))
    return None


def _graph_witness(built: "GraphBuild", cand: dict[str, np.ndarray]) -> Any:
    """``_witness`` from the graph's exact rational values; ``UNKNOWN`` when they are not all rational."""
    if any(name not in cand for name, _ in built.names.values()):
        return None
    found = first_difference(built.a, built.b, built.names, cand)
    if found is None or found is UNKNOWN:
        return found
    entry, x, y = found
    lhs, rhs = sp.Rational(x.numerator, x.denominator), sp.Rational(y.numerator, y.denominator)
    size = len(str(lhs)) + len(str(rhs))
    return _Witness(cand, entry, lhs, rhs, rhs - lhs, True, (0, size, 0))


def _substitution(syms: dict[Any, tuple[str, tuple[int, int]]], value: Any) -> dict[Any, Any]:
    """Each symbol to the exact rational ``value(name, position)`` (a Fraction, or a float: binary, so exact)."""
    subs = {}
    for sym, (name, pos) in syms.items():
        f = Fraction(value(name, pos))
        subs[sym] = sp.Rational(f.numerator, f.denominator)
    return subs


def _nonzero(gap: Any) -> bool | None:
    """Is an exact number nonzero: a rational exactly, anything else to 30 digits (None: not a number)."""
    if gap.is_Rational:
        return gap != 0
    g = sp.N(gap, 30)
    if not g.is_Float:
        return None
    return bool(abs(g) > 1e-20)


def finite_real(e: Any) -> bool:
    """Is an exact SymPy value a finite real number (no free symbols, no infinities, real to 30 digits)?"""
    if e.is_Rational:
        return True
    if e.free_symbols or e.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return False
    v = sp.N(e, 30)
    return bool(v.is_Float and v.is_finite)


def _readable(e: Any) -> str:
    """The exact value in the shortest form a few cheap rewrites find within a short budget.

    Not ``simplify``: it cost about three times as much here (and imports SymPy's units
    package on its first call), while cancelling, factoring and rewriting exponentials as
    hyperbolic functions find the same forms or shorter ones (``cosh(1)**(-2)``,
    ``tanh(1)**2 + 1``, ``-tanh(1/2)``).  Ties keep the earlier form, the value as built first.
    """
    raw = str(e)
    if e.is_Rational or sp.count_ops(e) > READABLE_OPS or not _small_exponents(e):
        return raw
    best = raw
    try:
        with budget(READABLE_SECONDS):
            factored, cancelled = sp.factor(e), sp.cancel(e)
            for form in (cancelled, factored, sp.exptrigsimp(e), sp.exptrigsimp(factored), sp.exptrigsimp(cancelled)):
                text = str(form)
                if len(text) < len(best):
                    best = text
    except (OutOfTime, RecursionError, TypeError, ValueError, ArithmeticError, AttributeError, NotImplementedError,
            sp.PolynomialError):
        pass
    return best


def _small_exponents(e: Any) -> bool:
    """Are the value's rational exponents small (``x**(p/q)``, and ``exp(p/q * u)`` term by term)?

    ``factor`` and ``cancel`` write ``exp(p/q)`` and ``x**(p/q)`` as the p-th power of a generator
    ``exp(1/q)`` or ``x**(1/q)``: at ``exp(-1524095/262144)`` (a point where one step has
    ``exp(b**3)`` of a rational ``b``) ``factor`` worked on a polynomial of degree 1,524,095 until its
    budget ran out.  Such values are shown as they are built."""
    for n in sp.preorder_traversal(e):
        if isinstance(n, sp.Pow):
            terms: tuple[Any, ...] = (n.exp,)
        elif isinstance(n, sp.exp):
            terms = sp.Add.make_args(n.args[0])
        else:
            continue
        for t in terms:
            c = t.as_coeff_Mul()[0]
            if c.is_Rational and (abs(c.p) > READABLE_EXPONENT or c.q > READABLE_EXPONENT):
                return False
    return True
