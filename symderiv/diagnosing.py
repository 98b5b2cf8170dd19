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

from dataclasses import replace
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from .arrays import evaluator as symbolic_evaluator
from .arrays import free_symbols
from .evaluate import Instance, Program
from .functions import ShapeError
from .numeric import Point
from .parsing import Node, show, terms
from .proving import Prover, Unsupported
from .results import Counterexample


def _all_zero(prover: Prover, arr: np.ndarray) -> bool:
    return all(prover.decide(e, use_simplify=False).status == "zero" for e in arr.flat)


def _factor(prover: Prover, a: np.ndarray, b: np.ndarray) -> Fraction | None:
    for idx in np.ndindex(a.shape):
        if prover.decide(a[idx], use_simplify=False).status == "zero":
            continue
        try:
            c = prover.constant(prover.atoms.rational(b[idx] / a[idx]))
        except (Unsupported, ZeroDivisionError):
            return None
        if c is None or c in (1, -1):
            return None
        return c if _all_zero(prover, b - sp.Rational(c.numerator, c.denominator) * a) else None
    return None


def diagnose(program: Program, a_node: Node, b_node: Node, insts: list[Instance], used: set[str],
             prover: Prover) -> tuple[str | None, str | None]:
    """(class, words) for step b against the step a before it; (None, None) when none fits."""
    live = {"sign", "factor", "transpose", "missing-term", "extra-term"}
    shape_differs = False
    factor: Fraction | None = None
    found_term: dict[str, str] = {}
    a_terms, b_terms = terms(a_node), terms(b_node)
    try:
        for inst in insts:
            ev = symbolic_evaluator(program, used, inst)
            a, b = ev.value(a_node), ev.value(b_node)
            if a.shape != b.shape:
                shape_differs = True
                if not (b.T.shape == a.shape and _all_zero(prover, b.T - a)):
                    return "shape", f"the shapes differ: {a.shape} before, {b.shape} after (at {inst.describe()})"
                continue
            if shape_differs:
                live.discard("transpose")
            if "sign" in live and not _all_zero(prover, a + b):
                live.discard("sign")
            if "factor" in live:
                c = _factor(prover, a, b)
                if c is None or (factor is not None and c != factor):
                    live.discard("factor")
                factor = c
            if "transpose" in live and not (a.shape[0] == a.shape[1] and _all_zero(prover, b.T - a)):
                live.discard("transpose")
            for kind, pool in (("missing-term", a_terms), ("extra-term", b_terms)):
                if kind not in live:
                    continue
                hit = None
                for s, t in pool if len(pool) > 1 else []:
                    tv = ev.value(t)
                    # missing: b = a - s*t, so b - a + s*t = 0; extra: b - s*t = a, so b - a - s*t = 0
                    rest = b - a + s * tv if kind == "missing-term" else b - a - s * tv
                    if _all_zero(prover, rest):
                        hit = ("-" if s < 0 else "") + show(t)
                        break
                if hit is None or found_term.get(kind, hit) != hit:
                    live.discard(kind)
                else:
                    found_term[kind] = hit
            if not live:
                return None, None
    except (ShapeError, Unsupported, ArithmeticError, RecursionError):
        return None, None
    if shape_differs:
        return ("transpose", "it is the transpose of the step before") if "transpose" in live else (None, None)
    if "sign" in live:
        return "sign", "it flips the sign of the step before"
    if "factor" in live and factor is not None:
        return "factor", f"it is off by a factor of {_fraction(factor)}"
    if "transpose" in live:
        return "transpose", "it is the transpose of the step before"
    if "missing-term" in live:
        return "missing-term", f"it drops the term {found_term['missing-term']} of the step before"
    if "extra-term" in live:
        return "extra-term", f"it adds the term {found_term['extra-term']}"
    return None, None


def _fraction(c: Fraction) -> str:
    return str(c.numerator) if c.denominator == 1 else f"{c.numerator}/{c.denominator}"


def exact_values(program: Program, a_node: Node, b_node: Node, used: set[str], inst: Instance, point: Point,
                 cex: Counterexample, limit: int = 200) -> Counterexample:
    """The counterexample with exact values of both sides, when its point is a simple rational one."""
    if point.exact is None or cex.entry is None:
        return cex
    try:
        ev = symbolic_evaluator(program, used, inst)
        a, b = ev.value(a_node), ev.value(b_node)
        subs: dict[Any, Any] = {}
        for sym, (name, pos) in free_symbols(ev.env).items():
            v = point.exact[name][pos]
            subs[sym] = sp.Rational(v.numerator, v.denominator)
        lhs, rhs = a[cex.entry].xreplace(subs), b[cex.entry].xreplace(subs)
        gap = rhs - lhs
        diff = gap if gap.is_Rational else None
        lt, rt = str(lhs), str(rhs)
        if len(lt) > limit or len(rt) > limit:
            return cex
        return replace(cex, lhs_exact=lt, rhs_exact=rt, exact=True,
                       difference=str(diff) if diff is not None else cex.difference)
    except (ShapeError, ArithmeticError, KeyError, TypeError, ValueError, RecursionError):
        return cex
