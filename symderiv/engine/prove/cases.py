"""Proof by cases for piecewise steps (relu, abs, maximum, clip, heaviside, sign, max, ...).

Every piecewise function is written with the unit step ``Step(u)`` (``language/piecewise``).
The distinct innermost steps of a difference split the space into regions, one per
combination of their branches (u > 0 or u < 0); in each region every step is a
constant 0 or 1 and the difference is an ordinary expression.  The regions are
enumerated depth first, so a step nested inside another's argument (``max`` of three
entries, ``clip`` with symbolic bounds) is split once the steps inside it are fixed.

- A region whose linear conditions admit no point (an exact LP, ``regions.feasible``)
  needs nothing; a region with a nonlinear condition is kept (only a proof can be lost).
- The difference is ``proved`` when it is shown zero in every kept region by the
  prover's exact stages: each region's expression is zero wherever it is defined, and
  the kinks between regions are a set of measure zero.
- A refutation needs a witness: a point of exact rationals strictly inside a region
  (every branch condition checked exactly at it) where both steps are finite and
  differ exactly (a rational difference, or one nonzero to 30 digits).  A point on a
  kink makes a step undefined (``nan``), so it can never be a witness.
- At most ``MAX_REGIONS`` regions per entry; more is "too many" and the entry is
  left undecided (``numeric`` at best).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterable

import numpy as np
import sympy as sp

from ...language.piecewise import NATIVE, Step, to_steps
from .regions import Condition, Point, feasible, words

MAX_REGIONS = 4096
SAMPLE_REGIONS = 32         # regions whose interior points the numeric check adds, per instance
WITNESS_TRIES = 24


class TooManyRegions(Exception):
    pass


def _nodes(exprs: Iterable[sp.Basic]) -> Iterable[sp.Basic]:
    """Every distinct node of the expressions once (a DAG walk: shared pieces are not walked again)."""
    seen: set[int] = set()
    stack = list(exprs)
    while stack:
        e = stack.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        if not e.is_Atom:
            stack.extend(e.args)


def has_pieces(e: Any) -> bool:
    return isinstance(e, sp.Basic) and any(isinstance(n, (Step, *NATIVE)) for n in _nodes([e]))


def _replace(exprs: tuple[sp.Basic, ...], old: sp.Basic, new: sp.Basic) -> tuple[sp.Basic, ...]:
    """``old`` replaced by ``new`` in every expression, each shared piece rebuilt once."""
    memo: dict[int, sp.Basic] = {}

    def go(e: sp.Basic) -> sp.Basic:
        if e == old:
            return new
        if e.is_Atom:
            return e
        hit = memo.get(id(e))
        if hit is None:
            args = [go(a) for a in e.args]
            hit = e if all(x is y for x, y in zip(args, e.args)) else e.func(*args)
            memo[id(e)] = hit
        return hit
    return tuple(go(e) for e in exprs)


@dataclass(frozen=True)
class Leaf:
    exprs: tuple[sp.Basic, ...]
    conditions: tuple[Condition, ...]
    nonempty: bool | None          # True: shown non-empty (with ``point`` inside); None: not decided
    point: Point | None


def _innermost(exprs: Iterable[sp.Basic]) -> list[sp.Basic]:
    steps = {n for n in _nodes(exprs) if isinstance(n, Step)}
    inner = {s for s in steps if not any(isinstance(n, Step) for n in _nodes(s.args))}
    return sorted(inner, key=sp.default_sort_key)


def leaves(exprs: list[sp.Basic], limit: int | None = None, strict: bool = True) -> list[Leaf]:
    """The regions of the steps of ``exprs`` that are not shown empty, with ``exprs`` in each."""
    limit = MAX_REGIONS if limit is None else limit
    out: list[Leaf] = []
    stack: list[tuple[tuple[sp.Basic, ...], tuple[Condition, ...], bool | None, Point | None]]
    stack = [(tuple(exprs), (), True, {})]
    while stack:
        es, conds, nonempty, point = stack.pop()
        steps = _innermost(es)
        if not steps:
            out.append(Leaf(es, conds, nonempty, point))
            if len(out) >= limit and stack:
                if strict:
                    raise TooManyRegions(limit)
                return out
            continue
        s = steps[0]
        u = s.args[0]
        for sign in (-1, 1):                      # the u > 0 branch is explored first
            c = conds + ((u, sign),)
            ok, p = feasible(c, point)
            if ok is False:
                continue
            value = sp.Integer(1 if sign > 0 else 0)
            stack.append((_replace(es, s, value), c, ok, p if p else point))
    return out


@dataclass(frozen=True)
class CaseProof:
    status: str                         # "zero", "open" (some region not shown zero), "too-many"
    regions: int = 0
    open: tuple[Leaf, ...] = ()         # regions where the difference was not shown zero
    methods: frozenset[str] = frozenset()


def prove_by_cases(diff: sp.Basic, prover: Any, limit: int | None = None, use_simplify: bool = True) -> CaseProof:
    limit = MAX_REGIONS if limit is None else limit
    e = to_steps(diff)
    try:
        found = leaves([e], limit)
    except TooManyRegions:
        return CaseProof("too-many", limit)
    shown = prover.zeros([leaf.exprs[0] for leaf in found])
    methods = {"exact evaluation"} if any(shown) else set()
    open_ = []
    for leaf, zero in zip(found, shown):
        if zero:
            continue
        d = prover.decide(leaf.exprs[0], use_simplify=use_simplify)
        if d.status == "zero":
            methods.add(d.method or "identical")
            continue
        open_.append(leaf)
    return CaseProof("open" if open_ else "zero", len(found), tuple(open_), frozenset(methods))


# ---------------------------------------------------------------- witnesses
@dataclass(frozen=True)
class Witness:
    point: Point                # every symbol of the entry, exact
    lhs: sp.Basic
    rhs: sp.Basic
    gap: sp.Basic
    region: str


def _sign(v: sp.Basic) -> int:
    """The sign of an exact number: exactly for a rational, to 30 digits otherwise (0: undecided)."""
    if v.is_Rational:
        return int(bool(v > 0)) - int(bool(v < 0))
    if v.free_symbols or v.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return 0
    g = sp.N(v, 30)
    if not g.is_Float or abs(g) <= 1e-20:
        return 0
    return 1 if g > 0 else -1


def _rational(q: Fraction) -> sp.Rational:
    return sp.Rational(q.numerator, q.denominator)


def _inside(conditions: Iterable[Condition], subs: dict[sp.Basic, sp.Basic]) -> bool:
    return all(_sign(u.xreplace(subs)) == sign for u, sign in conditions)


def _default(s: sp.Symbol, rng: random.Random) -> Fraction:
    if s.is_positive:
        return Fraction(rng.randint(1, 24), 8)
    return Fraction(rng.randint(-24, 24), 8)


def _candidates(leaf: Leaf, symbols: list[sp.Symbol], rng: random.Random) -> Iterable[Point]:
    base = leaf.point or {}
    yield {s: base.get(s, _default(s, rng)) for s in symbols}
    for k in range(WITNESS_TRIES):
        if base and k % 2 == 0:
            yield {s: (base[s] + Fraction(rng.randint(-4, 4), 16)) if s in base else _default(s, rng)
                   for s in symbols}
        else:
            yield {s: _default(s, rng) for s in symbols}


def witness(a: sp.Basic, b: sp.Basic, open_: Iterable[Leaf], seed: int = 0) -> Witness | None:
    """A point strictly inside one of the regions ``open_`` where a and b are finite and differ."""
    symbols = sorted((a.free_symbols | b.free_symbols), key=str)
    rng = random.Random(seed)
    for leaf in sorted(open_, key=lambda leaf: leaf.nonempty is not True):
        for point in _candidates(leaf, symbols, rng):
            subs = {s: _rational(v) for s, v in point.items()}
            if not _inside(leaf.conditions, subs):
                continue
            lhs, rhs = a.xreplace(subs), b.xreplace(subs)
            gap = rhs - lhs
            if _sign(lhs) == 0 and lhs != 0 or _sign(rhs) == 0 and rhs != 0:
                continue                     # not a finite real number there
            if _sign(gap) == 0:
                continue
            return Witness(point, lhs, rhs, gap, words(list(leaf.conditions)))
    return None


def region_at(a: sp.Basic, b: sp.Basic, subs: dict[sp.Basic, sp.Basic]) -> str | None:
    """The region of the difference's steps that contains the point, in words (None: on a kink,
    or the difference has no steps)."""
    e = to_steps(b - a)
    conds: list[Condition] = []
    while True:
        steps = _innermost([e])
        if not steps:
            break
        s = steps[0]
        u = s.args[0]
        sign = _sign(u.xreplace(subs))
        if sign == 0:
            return None
        conds.append((u, sign))
        e = _replace((e,), s, sp.Integer(1 if sign > 0 else 0))[0]
    return words(conds) if conds else None


def sample_points(exprs: list[sp.Basic], limit: int = SAMPLE_REGIONS) -> list[Point]:
    """Points strictly inside the non-empty regions of the steps of ``exprs`` that the LP finds."""
    pieces = [e for e in exprs if has_pieces(e)]
    if not pieces:
        return []
    try:
        found = leaves([to_steps(e) for e in pieces], limit, strict=False)
    except (RecursionError, ArithmeticError):
        return []
    return [leaf.point for leaf in found if leaf.point]


def as_arrays(point: Point, syms: dict[Any, tuple[str, tuple[int, int]]], shapes: dict[str, tuple[int, int]],
              fill: Any) -> dict[str, np.ndarray]:
    """A point (symbol -> Fraction) as Fraction arrays by symbol name; entries it leaves out from ``fill``."""
    out = {name: np.empty(shape, dtype=object) for name, shape in shapes.items()}
    for sym, (name, pos) in syms.items():
        out[name][pos] = point[sym] if sym in point else fill(sym)
    return out
