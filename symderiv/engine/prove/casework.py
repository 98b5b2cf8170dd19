"""The case split (``cases``) applied to a claim: which claims need it, the numeric check's
points inside every region, and counterexamples that name their region.
"""
from __future__ import annotations

import random
import zlib
from dataclasses import replace
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from . import cases
from ..building.arrays import evaluator as symbolic_evaluator
from ..building.arrays import free_symbols
from ..building.evaluate import Instance, Program
from ..spotcheck.numeric import Point
from ...language.functions import ShapeError
from ...language.parsing import Call, Node
from ...language.piecewise import NAMES
from ...results import Counterexample
from ..building.stepvalues import StepValues

_ERRORS = (ShapeError, ArithmeticError, TypeError, ValueError, KeyError, RecursionError)


def piecewise_claim(program: Program, nodes: list[Node]) -> bool:
    """Does any step (or a define it uses) call a piecewise function?"""
    return any(isinstance(n, Call) and n.fn in NAMES for n in program.walk(list(nodes)))


def _fill(inst: Instance, seed: int) -> Any:
    """Values for the symbols a point leaves free: small nonzero rationals, the same for the same instance."""
    rng = random.Random(zlib.crc32(f"{seed}:{inst.describe()}".encode()))

    def value(sym: sp.Symbol) -> Fraction:
        v = Fraction(rng.randint(1, 16), 8)
        return v if sym.is_positive or rng.random() < 0.5 else -v
    return value


def _point(ev: Any, inst: Instance, point: dict[sp.Symbol, Fraction], seed: int) -> Point:
    syms = free_symbols(ev.env)
    names = {name for name, _ in syms.values()}
    shapes = {name: ev.env[name].shape for name in names}
    exact = cases.as_arrays(point, syms, shapes, _fill(inst, seed))
    values: dict[str, np.ndarray] = {name: a.astype(float) for name, a in exact.items()}
    for name, a in ev.env.items():
        if name not in values:                       # one-hot label rows: fixed at this instance
            values[name] = np.asarray(a, dtype=float)
    return Point(values, exact)


def region_samples(program: Program, nodes: list[Node], used: set[str], inst: Instance, seed: int = 0
                   ) -> list[Point]:
    """Points strictly inside the non-empty regions of every step's branch conditions (those the LP finds)."""
    try:
        ev = symbolic_evaluator(program, used, inst)
        exprs = [e for n in nodes for e in ev.value(n).flat]
        return [_point(ev, inst, p, seed) for p in cases.sample_points(exprs)]
    except _ERRORS:
        return []


def point_of(program: Program, used: set[str], inst: Instance, w: cases.Witness, seed: int = 0) -> Point:
    return _point(symbolic_evaluator(program, used, inst), inst, w.point, seed)


def _text(v: sp.Basic) -> str:
    return str(v)


def witness_counterexample(program: Program, used: set[str], inst: Instance, entry: tuple[int, int],
                           w: cases.Witness, seed: int = 0) -> Counterexample:
    point = point_of(program, used, inst, w, seed)
    gap = w.gap
    return Counterexample(dict(inst.sizes), {k: (list(v) if isinstance(v, tuple) else v) for k, v in inst.indices.items()},
                          point.describe(), entry, float(sp.N(w.lhs, 17)), float(sp.N(w.rhs, 17)), exact=True,
                          difference=str(gap) if gap.is_Rational else repr(float(sp.N(gap, 17))),
                          lhs_exact=_text(w.lhs) if w.lhs.is_Rational else None,
                          rhs_exact=_text(w.rhs) if w.rhs.is_Rational else None, region=w.region)


def _value(v: Any) -> Fraction:
    return Fraction(v) if isinstance(v, (int, float)) else Fraction(str(v))


def with_region(program: Program, a_node: Node, b_node: Node, used: set[str], inst: Instance,
                cex: Counterexample, values: StepValues | None = None) -> Counterexample:
    """The counterexample with the region of its point named, when the point is inside one (``values``:
    the pair's SymPy arrays, when already built)."""
    if cex.entry is None or not cex.point:
        return cex
    try:
        ev, a_all, b_all = (values or StepValues(program, a_node, b_node, used)).at(inst)
        a, b = a_all[cex.entry], b_all[cex.entry]
        subs: dict[sp.Basic, sp.Basic] = {}
        for sym, (name, (i, j)) in free_symbols(ev.env).items():
            v = cex.point[name]
            shape = ev.env[name].shape
            v = v if shape == (1, 1) else (v[i] if shape[1] == 1 else v[i][j])
            q = _value(v)
            subs[sym] = sp.Rational(q.numerator, q.denominator)
        region = cases.region_at(a, b, subs)
    except (*_ERRORS, IndexError):
        return cex
    return replace(cex, region=region) if region else cex
