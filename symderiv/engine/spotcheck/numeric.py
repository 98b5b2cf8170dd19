"""The independent numeric check: evaluate each step with numpy at seeded points.

``diff``/``grad``/``jacobian`` are computed here by central finite differences of
the *undifferentiated* expression, never from SymPy's derivative, so a bug in the
symbolic path cannot confirm itself.  Points come simplest first (small integers
and halves, so a counterexample can be checked by hand), then random exact rationals
of spread magnitudes (near 0, in [-2, 2], up to 20).  A point where either side is
not finite (log of a negative, overflow, f itself at the centre of a finite
difference) is outside the domain and is skipped.  A disagreement found here is a
candidate only: ``certify`` decides whether it refutes.  The evaluations are batched
(``finitediff``: every perturbation of one derivative at once; ``manypoints``: every
point of an instance at once) with the values of this one-at-a-time definition.
"""
from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterator

import numpy as np

from . import finitediff
from .drawing import (SIMPLE_ORDER, Spec, _fraction, _objects, _spread_one_by_one, _Words,  # noqa: F401
                      simple_arrays, spread, spread_point, spread_points)
from ..building.evaluate import Evaluator, Instance, Program, depends_on, shape_of
from ...language.parsing import Call, Name, Node
from ...language.piecewise import NAMES as PIECEWISE
from ...language.reading import POSITIVE_KINDS, REAL_KINDS

SIMPLE_PATTERNS = len(SIMPLE_ORDER)


class NumericBackend:
    symbolic = False
    zero = 0.0
    one = 1.0
    pi = math.pi

    def __init__(self, step: float = 1e-5, richardson: bool = False) -> None:
        self.step, self.richardson = step, richardson
        self.logs: list[list[np.ndarray]] = []     # branch records of the evaluations under way

    def watch(self, branch: np.ndarray) -> None:
        """A piecewise function says which branch each entry is on (see ``partial``)."""
        for log in self.logs:
            log.append(branch)

    def const(self, value: Any) -> float:
        return float(value)

    def full(self, shape: tuple[int, int], value: Any) -> np.ndarray:
        return np.full(shape, value, dtype=float)

    def total(self, a: np.ndarray) -> float:
        return float(np.sum(a))

    def matmul(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a @ b

    def partials(self, ev: Evaluator, f: Node, var: str, positions: list[tuple[int, int]], f0: np.ndarray
                 ) -> list[np.ndarray]:
        """Every position's finite difference in one batched evaluation of f (``finitediff``); one
        evaluation per perturbation when f cannot be batched, or inside another finite difference (whose
        evaluations each log the branches of this one)."""
        if not self.logs and np.all(np.isfinite(np.asarray(f0, dtype=float))):
            try:
                return finitediff.partials(self.step, self.richardson, ev, f, var, positions,
                                           _independent_defines(ev, var))
            except finitediff.FALLBACK:
                pass
        return [self.partial(ev, f, var, p, f0) for p in positions]

    def partial(self, ev: Evaluator, f: Node, var: str, pos: tuple[int, int], f0: np.ndarray) -> np.ndarray:
        if not np.all(np.isfinite(np.asarray(f0, dtype=float))):
            return np.full(f0.shape, np.nan)     # f is not finite at the centre: no derivative to estimate here
        x0 = float(ev.env[var][pos])
        h = self.step * max(1.0, abs(x0))

        branches: list[list[np.ndarray]] = []
        kept = _independent_defines(ev, var)
        env = dict(ev.env)
        base = env[var]

        def at(t: float) -> np.ndarray:
            arr = base.copy()
            arr[pos] = x0 + t
            env[var] = arr
            log: list[np.ndarray] = []
            self.logs.append(log)
            moved = ev.with_env(env)
            moved.memo.update(kept)
            try:
                return moved.value(f)
            finally:
                self.logs.pop()
                branches.append(log)

        d1 = (at(h) - at(-h)) / (2 * h)
        if self.richardson:
            d2 = (at(h / 2) - at(-h / 2)) / h
            d1 = (4 * d2 - d1) / 3
        if _crosses_kink(branches):            # the derivative does not exist here: nothing to compare
            return np.full(np.shape(d1), math.nan)
        return d1


def _crosses_kink(branches: list[list[np.ndarray]]) -> bool:
    """Did a piecewise function change branch between the evaluations of one finite difference
    (or sit exactly on a kink)?"""
    if not branches or not branches[0]:
        return False
    first = branches[0]
    for other in branches[1:]:
        if len(other) != len(first) or any(a.shape != b.shape or not np.array_equal(a, b)
                                           for a, b in zip(first, other)):
            return True
    return any(bool(np.any(b == 0)) for b in first if b.dtype.kind == "f")


def _independent_defines(ev: Evaluator, var: str) -> dict[str, np.ndarray]:
    """The define values ``ev`` has computed that do not depend on ``var`` (a symbol, or a define a
    derivative is taken by): a perturbation of ``var`` leaves them as they are, so the perturbed
    evaluations reuse them instead of recomputing them.  Defines with a piecewise function are
    recomputed, so every branch they take is watched in each perturbed evaluation as before."""
    names = reusable_defines(ev.program, var)
    return {name: value for name, value in ev.memo.items() if name in names}


def reusable_defines(program: Program, var: str) -> frozenset[str]:
    """The defines that neither depend on ``var`` nor call a piecewise function; they depend on the
    program alone, so they are worked out once per program and variable."""
    cache: dict[str, frozenset[str]] = program.__dict__.setdefault("_reusable_defines", {})
    if var not in cache:
        cache[var] = frozenset(name for name in program.defines
                               if not depends_on(program, name, var) and not _piecewise(program, name))
    return cache[var]


def _piecewise(program: Program, name: str) -> bool:
    """Does the define call a piecewise function, directly or through other defines?"""
    seen: set[str] = set()
    stack: list[Any] = [program.defines[name]]
    while stack:
        n = stack.pop()
        if isinstance(n, Call) and n.fn in PIECEWISE:
            return True
        if isinstance(n, Name) and n.name in program.defines and n.name not in seen:
            seen.add(n.name)
            stack.append(program.defines[n.name])
        elif isinstance(n, tuple):
            stack.extend(n)
        elif hasattr(n, "__dataclass_fields__"):
            stack.extend(getattr(n, f) for f in n.__dataclass_fields__)
    return False


NUMERIC = NumericBackend()
ACCURATE = NumericBackend(step=1e-3, richardson=True)


@dataclass(frozen=True)
class Point:
    values: dict[str, np.ndarray]               # float arrays, the numeric environment
    exact: dict[str, np.ndarray] | None = None  # Fraction arrays when the point is a simple one

    def describe(self) -> dict[str, Any]:
        src = self.exact if self.exact is not None else self.values
        out: dict[str, Any] = {}
        for name, a in src.items():
            conv = (lambda x: _fraction_text(x)) if self.exact is not None else float
            rows = [[conv(x) for x in row] for row in a]
            out[name] = rows[0][0] if a.shape == (1, 1) else ([r[0] for r in rows] if a.shape[1] == 1 else rows)
        return out


def _fraction_text(x: Fraction) -> str | int:
    return int(x) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


CACHED_ENTRIES = 4096     # points of at most this many entries in all are kept for the next claim


def sample_points(program: Program, used: set[str], inst: Instance, count: int, seed: int,
                  positive: bool = False) -> Iterator[Point]:
    """The points of one instantiation, made one at a time (``count`` x the arrays' size may be large).
    Small ones are kept with the program: the claims of a file share instances and symbols, so points.
    The first k of n points are the k points (one generator, drawn in order).  ``positive``: every real
    entry drawn positive, as for a declared positive kind (for steps whose domain the signed points miss:
    ``log(x)`` of a vector of 5 entries is defined at one signed point in 32)."""
    names = tuple(n for n in sorted(used) if program.symbols[n].kind in REAL_KINDS
                  or program.symbols[n].kind == "onehot_rows")
    shapes = [shape_of(program.symbols[n], inst.sizes) for n in names]
    if count * sum(r * c for r, c in shapes) > CACHED_ENTRIES:
        yield from _draw_points(program, used, inst, count, seed, positive=positive)
        return
    cache: dict[Any, list[Point]] = program.__dict__.setdefault("_sample_points", {})
    key = (names, tuple(inst.sizes.items()), repr(tuple(inst.indices.items())), seed, positive)
    if len(cache.get(key, ())) < count:
        if len(cache) > 512:
            cache.clear()
        cache[key] = [_frozen(p) for p in _draw_points(program, used, inst, count, seed, bulk=True, positive=positive)]
    yield from cache[key][:count]


def _frozen(point: Point) -> Point:
    """A point shared between claims: its arrays cannot be written to."""
    for arrays in (point.values, point.exact or {}):
        for a in arrays.values():
            a.setflags(write=False)
    return point


def _draw_points(program: Program, used: set[str], inst: Instance, count: int, seed: int, bulk: bool = False,
                 positive: bool = False) -> Iterator[Point]:
    """The points one after the other; ``bulk``: the random ones drawn all at once (few entries in all)."""
    from ..building.arrays import onehot_rows

    spec: Spec = tuple((n, shape_of(program.symbols[n], inst.sizes), positive or program.symbols[n].kind in POSITIVE_KINDS)
                       for n in sorted(used) if program.symbols[n].kind in REAL_KINDS)
    fixed = {n: onehot_rows(NUMERIC, shape_of(program.symbols[n], inst.sizes), inst.indices[n])
             for n in sorted(used) if program.symbols[n].kind == "onehot_rows"}
    for p in range(min(count, SIMPLE_PATTERNS)):    # the same arrays at every instance: made once, shared
        floats, fractions = simple_arrays(spec, p)
        yield Point({**fixed, **floats}, dict(fractions))
    if count <= SIMPLE_PATTERNS:
        return
    # crc32, not hash(): str hashes are salted per process, and a report must not change between runs
    key = [seed & 0xFFFFFFFF, *inst.sizes.values(), *[zlib.crc32(str(v).encode()) for v in inst.indices.values()],
           *([1] if positive else [])]
    rng = np.random.default_rng(key)
    drawn = (spread_points(rng, spec, tuple(range(SIMPLE_PATTERNS, count))) if bulk
             else (spread_point(rng, spec, p) for p in range(SIMPLE_PATTERNS, count)))
    for arrays in drawn:
        yield Point({**fixed, **{name: v for name, (_, v) in arrays.items()}},
                    {name: fr for name, (fr, _) in arrays.items()})


def evaluate(program: Program, node: Node, inst: Instance, point: Point,
             backend: NumericBackend = NUMERIC) -> np.ndarray:
    return value(evaluator(program, inst, point, backend), node)


def evaluator(program: Program, inst: Instance, point: Point, backend: NumericBackend = NUMERIC) -> Evaluator:
    """One evaluator for every step at a point: a define is computed once for all of them."""
    return Evaluator(backend, program, dict(point.values), inst)


def value(ev: Evaluator, node: Node) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.asarray(ev.value(node), dtype=float)


def first_difference(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> tuple[int, int] | None:
    """The first entry where a and b differ beyond tolerance (None when they agree)."""
    if a.shape == (1, 1) == b.shape:        # a scalar: the same IEEE operations on Python floats, no numpy calls
        x, y = a.item(), b.item()
        if math.isfinite(x) and math.isfinite(y):
            return None if abs(x - y) <= atol + rtol * max(abs(x), abs(y)) else (0, 0)
    bad = np.abs(a - b) > atol + rtol * np.maximum(np.abs(a), np.abs(b))
    if not bad.any():
        return None
    i, j = np.argwhere(bad)[0]
    return (int(i), int(j))


def finite(*arrays: np.ndarray) -> bool:
    for a in arrays:
        if not (math.isfinite(a.item()) if a.size == 1 else bool(np.isfinite(a).all())):
            return False
    return True


def confirmed(program: Program, a: Node, b: Node, inst: Instance, point: Point, rtol: float, atol: float
              ) -> tuple[np.ndarray, np.ndarray] | None:
    """Re-evaluate a disagreement with more accurate derivatives; the values if it still stands."""
    va, vb = evaluate(program, a, inst, point, ACCURATE), evaluate(program, b, inst, point, ACCURATE)
    if va.shape != vb.shape or not finite(va, vb):
        return None
    return (va, vb) if first_difference(va, vb, rtol, atol) is not None else None
