"""A nonzero difference certified at an exact rational point.

When the difference of two entries is a rational function of the claim's own
symbols (no ``exp``/``log``/root piece survives in it: ``sigma(x) + c*x - sigma(x)``
is ``c*x``), its value at a rational point is computed exactly, so a point where
it is not 0 is a certificate that the steps differ, however small the difference
(1e-12, 2^-300) and wherever its roots are (first small points, then ones with
large numerators and denominators).  A point is used only when both steps are
finite real numbers there and it is away from every kink: each argument of ``Abs``,
``sign``, ``Heaviside`` and each difference of arguments of ``Max``/``Min`` is nonzero.

The points come from ``witness_rng``, seeded from the file's ``[check] seed`` and the
pair's identity, so the same file shows the same counterexample on every run.  A point
the file can predict is sound here: wherever it is, the difference is computed exactly
there.  The proof's points and primes stay unpredictable (``prove/exact.py``): there a
point on a root would turn a nonzero difference into a wrong "zero".
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable

import numpy as np
import sympy as sp

from ..prove import exact
from ..building.arrays import free_symbols
from ..prove.atoms import Atoms
from .showcase import finite_real
from ..building.evaluate import Instance
from ..prove.exact import Unsupported, ZeroDenominator, compile_program
from ..spotcheck.numeric import Point
from ...results import Counterexample

TRIES = 40


@dataclass(frozen=True)
class Witness:
    values: dict[sp.Symbol, Fraction]     # every symbol of both entries
    lhs: sp.Basic                          # exact values of the two entries there
    rhs: sp.Basic
    gap: Fraction                          # rhs - lhs, exactly


def witness_rng(seed: int, *identity: object) -> random.Random:
    """A generator that draws the same numbers on every run for the same ``seed`` and ``identity``.

    ``identity`` (step texts, sizes, index values, an entry) is written with ``repr`` and hashed
    with SHA-256: never Python's ``hash()``, which is salted per process for strings.
    """
    digest = hashlib.sha256(repr((int(seed), *identity)).encode()).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


def rational_witness(rational_form: sp.Basic, lhs: sp.Basic, rhs: sp.Basic, symbols: list[sp.Symbol],
                     rng: random.Random, accept: Callable[[dict[sp.Symbol, Fraction]], bool] | None = None
                     ) -> Witness | None:
    """A point where ``rhs - lhs`` (whose rational form, atoms replaced, is ``rational_form``) is exactly nonzero.

    None when the rational form still has atoms (its value is then not exact) or no
    usable point was found; a point is usable when ``accept`` (if given) accepts its values.
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
            if finite_real(a) and finite_real(b) and _off_kinks(lhs, subs) and _off_kinks(rhs, subs) \
                    and (accept is None or accept(values)):
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


def nonzero_counterexample(atoms: Atoms, env: dict[str, np.ndarray], inst: Instance, idx: tuple[int, ...],
                           lhs: sp.Basic, rhs: sp.Basic, diff: sp.Basic, rng: random.Random,
                           defined: Callable[[dict[str, np.ndarray]], bool]) -> Counterexample | None:
    """The exact counterexample for entry ``idx`` when its difference ``diff`` = rhs - lhs is a rational
    function of the claim's symbols and nonzero at some rational point drawn from ``rng`` (``witness_rng``
    of the pair, instance and entry) that ``defined`` accepts (Fraction arrays by name: the caller certifies
    that the steps as written are defined there, since ``lhs`` and ``rhs`` may be derivatives, which forget
    where the function differentiated is defined); None otherwise."""
    try:
        form = atoms.rational(diff)
    except (Unsupported, RecursionError):
        return None

    def arrays_at(values: dict[sp.Symbol, Fraction]) -> dict[str, np.ndarray]:
        arrays: dict[str, np.ndarray] = {}
        for name, arr in env.items():
            out = np.empty(arr.shape, dtype=object)
            for pos in np.ndindex(arr.shape):
                e = arr[pos]
                out[pos] = Fraction(int(e.p), int(e.q)) if getattr(e, "is_Rational", False) else values.get(e, Fraction(0))
            arrays[name] = out
        return arrays

    w = rational_witness(form, lhs, rhs, list(free_symbols(env)), rng, lambda values: defined(arrays_at(values)))
    if w is None:
        return None
    a, b = str(w.lhs), str(w.rhs)
    short = len(a) <= 200 and len(b) <= 200
    gap = str(w.gap.numerator) if w.gap.denominator == 1 else f"{w.gap.numerator}/{w.gap.denominator}"
    indices = {k: (list(v) if isinstance(v, tuple) else v) for k, v in inst.indices.items()}
    return Counterexample(dict(inst.sizes), indices, Point({}, arrays_at(w.values)).describe(),
                          (int(idx[0]), int(idx[1])), float(sp.N(w.lhs, 17)), float(sp.N(w.rhs, 17)), exact=True,
                          difference=gap, lhs_exact=a if short else None, rhs_exact=b if short else None,
                          certificate="exact: the difference is a rational function, nonzero at this rational point")
