"""A factor that depends on the sizes: step k is m times step k-1 (a forgotten 1/m, 1/n, 1/sqrt(d)).

At each instance the ratio of the two steps may be a constant that changes with a
dim.  Candidates are k * d1^e1 * d2^e2 for the dims that vary (exponents -2 .. 2 in
halves, at most two dims), k rational; a candidate is kept only when the ratio at
the first nonzero entry equals it at every instance (a cheap filter on numbers),
and then the step minus the candidate times the step before is shown zero entry
by entry at every instance with the prover's exact test.  So the diagnosis, like
every other one, is proved, not guessed.
"""
from __future__ import annotations

import cmath
import itertools
import math
import random
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from ..building.evaluate import Instance, Program
from ..prove import dag
from ..prove.graphbuild import compile_nodes
from ..prove.proving import Prover, Unsupported, zero_mask
from .graphballs import graph_arrays
from ...language.parsing import Node

EXPONENTS = (sp.Integer(1), sp.Integer(-1), sp.Rational(1, 2), sp.Rational(-1, 2), sp.Integer(2), sp.Integer(-2))
MAX_CANDIDATES = 200
MAX_CANCEL_OPS = 200   # the largest ratio (in operations) cancelled to find an irrational factor
ROUGHLY = 1e-9      # relative spread of floating-point ratios beyond which a candidate is dropped untested


def ratio(prover: Prover, a: np.ndarray, b: np.ndarray) -> Any:
    """b / a at the first entry of a not shown zero, when it is a number; else None."""
    for idx in np.ndindex(a.shape):
        if a[idx] == 0 or prover.decide(a[idx], use_simplify=False).status == "zero":
            continue
        r = b[idx] / a[idx]
        if not r.is_number:
            c = prover.constant(prover.atoms.rational(r))
            if c is not None:
                r = sp.Rational(c.numerator, c.denominator)
            elif sp.count_ops(r) <= MAX_CANCEL_OPS:
                # an irrational ratio (a forgotten 1/sqrt(d)): the exact stage sees sqrt(2) as a free piece,
                # so b / a is 2/s to it; cancel treats sqrt(2) as a number.  _fits proves what it finds.
                r = sp.cancel(r)
            if not r.is_number:
                # sqrt(2) also inside exp (attention's softmax of K q / sqrt(d)): a float that is the same at a few
                # random points is a candidate's value only; _fits proves the factor exactly or drops it
                return _constant_in_floats(r)
        return r if r is not None and r.is_number and r != 0 else None
    return None


def _constant_in_floats(r: Any) -> float | None:
    """The value of r when it is the same real number, to 1e-12, at three random points; else None."""
    syms = sorted(r.free_symbols, key=str)
    rng = random.Random(0)
    try:
        f = sp.lambdify(syms, r, "math")
        values = [f(*[rng.uniform(-1.0, 1.0) for _ in syms]) for _ in range(3)]
    except (ArithmeticError, TypeError, ValueError, NameError, SyntaxError, RecursionError):
        return None
    if not all(isinstance(v, float) and math.isfinite(v) and v != 0 for v in values):
        return None
    return values[0] if all(abs(v - values[0]) <= 1e-12 * abs(values[0]) for v in values) else None


def symbolic_factor(prover: Prover, pairs: list[tuple[Instance, np.ndarray, np.ndarray]]) -> Any:
    """The factor (a SymPy expression in the dims: m, 1/sqrt(d), 2*n) when step b = factor * step a at every
    instance of ``pairs``; None when none is found."""
    if len(pairs) < 2:
        return None
    ratios = []
    for _, a, b in pairs:
        if a.shape != b.shape:
            return None
        try:
            r = ratio(prover, a, b)
        except (Unsupported, ArithmeticError, TypeError, ValueError, RecursionError):
            return None
        if r is None:
            return None
        ratios.append(r)
    dims = sorted({d for inst, _, _ in pairs for d in inst.sizes
                   if len({i.sizes.get(d) for i, _, _ in pairs}) > 1})
    if not dims:
        return None
    symbols = {d: sp.Symbol(d, positive=True) for d in dims}
    tried = 0
    for count in (1, 2):
        for chosen in itertools.combinations(dims, count):
            for exps in itertools.product(EXPONENTS, repeat=count):
                tried += 1
                if tried > MAX_CANDIDATES:
                    return None
                shape = sp.Mul(*[symbols[d] ** e for d, e in zip(chosen, exps)])
                found = _fits(prover, pairs, ratios, shape, symbols)
                if found is not None:
                    return found
    return None


def _fits(prover: Prover, pairs: list[tuple[Instance, np.ndarray, np.ndarray]], ratios: list[Any],
          shape: sp.Expr, symbols: dict[str, sp.Symbol]) -> Any:
    values = [shape.xreplace({s: sp.Integer(inst.sizes[d]) for d, s in symbols.items()}) for inst, _, _ in pairs]
    if not _roughly_constant(ratios, values):
        return None
    if any(isinstance(r, float) for r in ratios):       # a ratio known in floats only: k is a small rational
        q = float(ratios[0]) / float(values[0])
        k = sp.Rational(Fraction(q).limit_denominator(64))
        if k == 0 or abs(float(k) - q) > ROUGHLY * abs(q):
            return None
    else:
        k = _exact(ratios[0] / values[0])
        if not k.is_Rational or k == 0:
            return None
        for r, v in zip(ratios, values):
            if _exact(r - k * v) != 0:
                return None
    for (inst, a, b), v in zip(pairs, values):
        g = k * v
        for idx in np.ndindex(a.shape):
            d = b[idx] - g * a[idx]
            if prover.decide(d, use_simplify=False).status == "zero":
                continue
            # an irrational g (sqrt(2)): its square is known once multiplied out, never to the exact stage
            if g.is_Rational or prover.decide(sp.expand(d), use_simplify=False).status != "zero":
                return None
    return k * shape


def holds_on_graph(program: Program, a: Node, b: Node, used: set[str], factor: Any, insts: list[Instance]) -> bool:
    """Is step b exactly ``factor`` (an expression in the dims) times step a at every one of these instances,
    shown on the graph with the exact test?  False when the graph cannot build a step or show it, and for a
    factor that is not rational at some instance (the graph has no exact irrational constants)."""
    for inst in insts:
        g = factor.xreplace({s: sp.Integer(inst.sizes[s.name]) for s in factor.free_symbols})
        if not g.is_Rational:
            return False
        built = graph_arrays(program, used, inst, a, b)
        if built is None:
            return False
        va, vb, _ = built
        c = Fraction(int(g.p), int(g.q))
        diffs = [y - x * c for x, y in zip(va.flat, vb.flat)]
        if any(d.op == dag.CONST and d.data for d in diffs):
            return False
        live = [d for d in diffs if d.op != dag.CONST]
        try:
            if live and not all(zero_mask(compile_nodes(live))):
                return False
        except (Unsupported, RecursionError, ArithmeticError):
            return False
    return True


def _roughly_constant(ratios: list[Any], values: list[Any]) -> bool:
    """The cheap filter: are the ratios over the candidate's values one number, in floating point?
    Only a candidate that passes is tested exactly; one that cannot be valued in floats is not filtered."""
    try:
        q = [complex(r) / complex(v) for r, v in zip(ratios, values)]
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return True
    if not all(cmath.isfinite(x) for x in q):
        return True
    return all(abs(x - q[0]) <= ROUGHLY * max(abs(x), abs(q[0])) for x in q)


def _exact(x: sp.Expr) -> sp.Expr:
    """A number in its simplest form: SymPy's own evaluation when that gives a rational, else ``simplify``."""
    return x if x.is_Rational else sp.simplify(x)
