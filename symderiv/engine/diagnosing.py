"""What a wrong step most likely got wrong, decided by proof, never by resemblance.

Each class is a claim about the two steps that must hold at *every* instantiated
size and index value, shown with the same exact zero test the prover uses:
``sign`` (step k + step k-1 is zero), ``factor`` (step k - c * step k-1 is zero for
one rational c other than 1 and -1), ``transpose`` (step k transposed equals step
k-1), ``shape`` (the shapes differ and no transpose explains it),
``missing-term``/``extra-term`` (step k equals step k-1 less one of its written
terms / step k less one of its own terms equals step k-1).  When none holds at
every size, the diagnosis is None.
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

from .arrays import evaluator as symbolic_evaluator
from .arrays import free_symbols
from .evaluate import Instance, Program, shape_of
from ..language.functions import ShapeError
from .numeric import Point
from ..language.parsing import Node, Num
from ..language.showing import show, terms
from ..language.reading import POSITIVE_KINDS, REAL_KINDS
from .factors import ratio, symbolic_factor
from .proving import OutOfTime, Prover, Unsupported, budget
from ..results import Counterexample

if TYPE_CHECKING:
    from .certify import Certifier


def _all_zero(prover: Prover, arr: np.ndarray) -> bool:
    return all(prover.decide(e, use_simplify=False).status == "zero" for e in arr.flat)


def _factor(prover: Prover, a: np.ndarray, b: np.ndarray) -> Fraction | None:
    for idx in np.ndindex(a.shape):
        if prover.decide(a[idx], use_simplify=False).status == "zero":
            continue
        try:
            c = prover.constant(b[idx] / a[idx])
        except (Unsupported, ZeroDivisionError):
            return None
        if c is None or c in (1, -1):
            return None
        return c if _all_zero(prover, b - sp.Rational(c.numerator, c.denominator) * a) else None
    return None


def diagnose(program: Program, a_node: Node, b_node: Node, insts: list[Instance], used: set[str],
             prover: Prover) -> tuple[str | None, str | None]:
    """(class, words) for step b against the step a before it; (None, None) when none fits.

    Every class must hold at every instance (size and index values) in ``insts``: a
    step that is the negation of the one before at one size only is not ``sign``.
    When the shapes differ at some size, the answer is ``transpose`` if the
    transpose explains the step at every size, else ``shape``.
    """
    live = {"sign", "factor", "transpose", "missing-term", "extra-term"}
    shape_words: str | None = None
    factor: Fraction | None = None
    found_term: dict[str, str] = {}
    a_terms, b_terms = terms(a_node), terms(b_node)
    differs = False      # b - a is not shown zero at some instance (a 1 x 1 or symmetric "transpose" is no slip)
    scaled: list[tuple[Instance, np.ndarray, np.ndarray]] = []     # (instance, a, b) so far, for a factor of the sizes
    try:
        for inst in insts:
            ev = symbolic_evaluator(program, used, inst)
            a, b = ev.value(a_node), ev.value(b_node)
            if a.shape != b.shape:
                if shape_words is None:
                    shape_words = (f"the shapes differ: {a.shape[0]} x {a.shape[1]} before, "
                                   f"{b.shape[0]} x {b.shape[1]} after (at {inst.describe()})")
                if not (b.T.shape == a.shape and _all_zero(prover, b.T - a)):
                    return "shape", shape_words
                live &= {"transpose"}
                continue
            if "sign" in live and not _all_zero(prover, a + b):
                live.discard("sign")
            if "factor" in live:
                c = _factor(prover, a, b)
                if c is None or (factor is not None and c != factor):
                    live.discard("factor")
                factor = c
            if "transpose" in live and not (a.shape[0] == a.shape[1] and _all_zero(prover, b.T - a)):
                live.discard("transpose")
            if not differs and not _all_zero(prover, b - a):
                differs = True
            for kind, pool in (("missing-term", a_terms), ("extra-term", b_terms)):
                if kind not in live:
                    continue
                hit = None
                for s, t in pool if len(pool) > 1 else []:
                    tv = ev.value(t)
                    # missing: b = a - s*t, so b - a + s*t = 0; extra: b - s*t = a, so b - a - s*t = 0
                    rest = b - a + s * tv if kind == "missing-term" else b - a - s * tv
                    if _all_zero(prover, rest):
                        hit = ("-" if s < 0 else "") + _term_text(t)
                        break
                if hit is None or found_term.get(kind, hit) != hit:
                    live.discard(kind)
                else:
                    found_term[kind] = hit
            scaled.append((inst, a, b))
            if not live:
                if shape_words:
                    return "shape", shape_words
                return _scaled_by_size(program, a_node, b_node, insts, used, prover, scaled)
    except (ShapeError, Unsupported, ArithmeticError, RecursionError):
        return None, None
    if shape_words is not None:
        return ("transpose", "it is the transpose of the step before") if "transpose" in live else ("shape", shape_words)
    if "sign" in live:
        return "sign", "it flips the sign of the step before"
    if "factor" in live and factor is not None:
        return "factor", f"it is off by a factor of {_fraction(factor)}"
    if "transpose" in live and differs:
        return "transpose", "it is the transpose of the step before"
    if "missing-term" in live:
        return "missing-term", f"it drops the term {found_term['missing-term']} of the step before"
    if "extra-term" in live:
        return "extra-term", f"it adds the term {found_term['extra-term']}"
    return _scaled_by_size(program, a_node, b_node, insts, used, prover, scaled)


def _scaled_by_size(program: Program, a_node: Node, b_node: Node, insts: list[Instance], used: set[str],
                    prover: Prover, done: list[tuple[Instance, np.ndarray, np.ndarray]]) -> tuple[str | None, str | None]:
    """``factor`` with a factor that depends on the sizes (step k is m times step k-1), else (None, None)."""
    if not done or len({tuple(i.sizes.items()) for i in insts}) < 2:
        return None, None
    try:
        inst0, a0, b0 = done[0]
        if a0.shape != b0.shape or ratio(prover, a0, b0) is None:
            return None, None
        pairs = list(done)
        seen = {id(i) for i, _, _ in done}
        for inst in insts:
            if id(inst) in seen:
                continue
            ev = symbolic_evaluator(program, used, inst)
            pairs.append((inst, ev.value(a_node), ev.value(b_node)))
        factor = symbolic_factor(prover, pairs)
    except (ShapeError, Unsupported, ArithmeticError, RecursionError, TypeError, ValueError):
        return None, None
    return ("factor", f"it is {factor} times the step before") if factor else (None, None)


def _term_text(t: Node) -> str:
    """A term as written; a constant also as a decimal when that is shorter (1/1000000000000 (= 1e-12))."""
    text = show(t)
    if isinstance(t, Num) and t.value.denominator != 1:
        dec = f"{float(t.value):.6g}"
        if len(dec) < len(text):
            return f"{text} (= {dec})"
    return text


def _fraction(c: Fraction) -> str:
    return str(c.numerator) if c.denominator == 1 else f"{c.numerator}/{c.denominator}"


WITNESS_SECONDS = 10.0     # a safety net only: MAX_CANDIDATES bounds the search, so reports are reproducible
READABLE_OPS = 60          # simplify an exact value for display only when it is this small...
READABLE_SECONDS = 5.0     # ...and give up after this long (a safety net: the size bound keeps reports reproducible)
MAX_CANDIDATES = 12
MAX_SEARCH_NODES = 2_000   # steps larger than this (as trees) keep the numeric check's floating-point values (evalf is slow)


def exact_values(program: Program, a_node: Node, b_node: Node, used: set[str], inst: Instance | None,
                 point: Point | None, cex: Counterexample, limit: int = 200,
                 certifier: "Certifier | None" = None) -> Counterexample:
    """The counterexample at the simplest point where the two steps provably differ, with exact values.

    Simple points are tried first (zeros, ones, 1 2 3 ..., alternating signs, ...;
    the simplest combinations first), then ``point`` (the numeric check's point,
    when it was a simple rational one), all at ``inst`` (the instance of the
    counterexample).  A point is used only when both values there are finite
    real numbers and their difference is a nonzero rational, or a number shown
    nonzero to 30 digits, and (with a ``certifier``) a certified witness is found
    there, away from kinks and poles; a point whose values are both rational
    (checkable by hand) wins at once.  Values are shown simplified when SymPy manages that
    quickly.  Without any such point, ``cex`` is returned unchanged.
    """
    if inst is None or cex.lhs_shape is not None:
        return cex
    deadline = time.monotonic() + WITNESS_SECONDS
    try:
        ev = symbolic_evaluator(program, used, inst)
        a, b = ev.value(a_node), ev.value(b_node)
        if a.shape != b.shape:
            return cex
        syms = free_symbols(ev.env)
        best: _Witness | None = None
        candidates = _candidates(program, used, inst, point)
        if _tree_size(list(a.flat) + list(b.flat), MAX_SEARCH_NODES) >= MAX_SEARCH_NODES:
            candidates = []
        for cand in candidates:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                with budget(left):
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
    combos = sorted(itertools.product(*options), key=lambda c: (sum(r for r, _ in c), max((r for r, _ in c), default=0)))
    out = [{name: arr for name, (_, arr) in zip(names, combo)} for combo in combos[:MAX_CANDIDATES]]
    if point is not None and point.exact is not None:
        out.append({name: point.exact[name] for name in names if name in point.exact})
    return out


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
    """The exact value in its shortest form that SymPy finds within a short budget."""
    raw = str(e)
    if e.is_Rational or sp.count_ops(e) > READABLE_OPS:
        return raw
    try:
        with budget(READABLE_SECONDS):
            simpler = str(sp.simplify(e))
    except (OutOfTime, RecursionError, TypeError, ValueError, ArithmeticError, AttributeError, NotImplementedError):
        return raw
    return simpler if len(simpler) < len(raw) else raw


def differs_at(program: Program, a_node: Node, b_node: Node, used: set[str], inst: Instance, point: Point,
               seconds: float = WITNESS_SECONDS) -> bool | None:
    """Do the two steps differ at this point, evaluated exactly (not by finite differences)?

    The point's floating values are exact binary rationals, so substituting them into
    the symbolic arrays gives the true values there.  True: some entry differs (its
    difference is a nonzero rational, or nonzero to 30 digits); False: every entry's
    difference is exactly 0 or below 1e-20 at 30 digits (the numeric disagreement was a
    loss of precision); None: not decided within ``seconds``.
    """
    try:
        with budget(seconds):
            ev = symbolic_evaluator(program, used, inst)
            a, b = ev.value(a_node), ev.value(b_node)
            if a.shape != b.shape:
                return True
            exact = point.exact or {}
            subs = _substitution(free_symbols(ev.env), lambda name, pos: (exact[name] if name in exact
                                                                          else point.values[name])[pos])
            for idx in np.ndindex(a.shape):
                nonzero = _nonzero(b[idx].xreplace(subs) - a[idx].xreplace(subs))
                if nonzero is None:
                    return None
                if nonzero:
                    return True
            return False
    except (OutOfTime, ShapeError, Unsupported, ArithmeticError, KeyError, TypeError, ValueError, RecursionError):
        return None


def power_hint(program: Program, a_node: Node, b_node: Node, used: set[str], inst: Instance) -> str | None:
    """A hint when either step raises a square matrix to a power with ``**`` (elementwise, as in
    numpy), where the writer most likely meant a matrix power (``A @ A``)."""
    try:
        ev = symbolic_evaluator(program, used, inst)
        ev.value(a_node)
        ev.value(b_node)
    except (ShapeError, ArithmeticError, TypeError, ValueError, RecursionError):
        return None
    return f"hint: {ev.hints[0]}" if ev.hints else None
