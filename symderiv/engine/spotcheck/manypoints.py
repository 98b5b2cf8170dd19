"""The numeric check's steps at many points in one batched numpy evaluation.

``_Context.numeric`` compares adjacent steps at several points of an instance.  Here
every step is evaluated once for all of them: each symbol's values at the points are
stacked on a leading axis (one-hot label rows, the same at every point, stay 2-D), and
the tree is walked once (``finitediff.BatchEvaluator``).  A derivative inside a step
is a central finite difference at every point at once: its perturbations are a second
batch, offset x position x point (``_differences``), with the per-position steps,
formulas and kink rule of ``numeric.partial``, per point (a point's own positions when
an index symbol differs between the stacked instances, ``allinstances``); only what f
reads is repeated for every perturbation.  So the values are those of one evaluation
per point.  Each point's row of values remembers the batch it came from
(``compare.Row``), so a pair is compared at all the batch's points at once.

What cannot be batched (a derivative inside a derivative's f, a shape error, an
arithmetic or domain error at some point) is evaluated point by point as before, so
errors keep their messages and a point where a step fails is the only one without
a value.
"""
from __future__ import annotations

import itertools
import math
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from . import compare, finitediff, numeric
from ..building.evaluate import Instance, Program
from ..building.instances import MAX_ENTRIES
from .finitediff import FALLBACK, BatchBackend, BatchEvaluator, Unbatchable
from .lanes import Lanes
from ...language.functions import ShapeError
from ...language.parsing import Calculus, Node

MAX_POINTS = 16       # points evaluated together
MANY_POINTS = 64      # ... or this many when their symbols' values have at most STACK_ENTRIES entries in all
STACK_ENTRIES = 1 << 16


def evaluated(program: Program, nodes: list[Node], inst: Instance, points: Iterable[numeric.Point],
              located: Callable[[int, Exception], Exception]
              ) -> Iterator[tuple[numeric.Point, list[np.ndarray | None]]]:
    """Each point with its steps' values, evaluated MAX_POINTS (small points: MANY_POINTS) points at a time
    (``step_values``)."""
    chunk: list[numeric.Point] = []
    size = MAX_POINTS
    for point in itertools.chain(points, [None]):
        if point is not None:
            if not chunk:
                size = MANY_POINTS if MANY_POINTS * entries(point) <= STACK_ENTRIES else MAX_POINTS
            chunk.append(point)
        if chunk and (point is None or len(chunk) == size):
            yield from zip(chunk, step_values(program, nodes, inst, chunk, located))
            chunk = []


def entries(point: numeric.Point) -> int:
    """The entries of a point's values (its symbols' arrays) in all."""
    return sum(a.size for a in point.values.values())


def step_values(program: Program, nodes: list[Node], inst: Instance, points: list[numeric.Point],
                located: Callable[[int, Exception], Exception]) -> list[list[np.ndarray | None]]:
    """``out[i][k]``: step k at point i, None where it fails there (an arithmetic or domain error);
    a shape error is raised as ``located(k, error)``, as at the first point that meets it."""
    out: list[list[np.ndarray | None]] = [[] for _ in points]
    single: list[Any] = [None] * len(points)
    batch = _evaluator(program, inst, points) if len(points) > 1 else None
    stacked: list[np.ndarray | None] = []
    for k, node in enumerate(nodes):
        if batch is not None:
            try:
                with np.errstate(all="ignore"):
                    v = np.asarray(batch.value(node), dtype=float)
                for i in range(len(points)):
                    out[i].append(v[i] if v.ndim == 3 else v)
                stacked.append(v)
                continue
            except FALLBACK:
                pass
        stacked.append(None)
        for i, point in enumerate(points):         # one point at a time, as numeric.evaluate
            if single[i] is None:
                single[i] = numeric.evaluator(program, inst, point)
            try:
                out[i].append(numeric.value(single[i], node))
            except ShapeError as e:
                raise located(k, e) from None
            except (ArithmeticError, ValueError):
                out[i].append(None)
    together = compare.Batch(stacked, len(points))
    return [compare.Row(row, together, i) for i, row in enumerate(out)]


def stacked_values(program: Program, nodes: list[Node], lanes: Lanes, points: list[numeric.Point]
                   ) -> list[np.ndarray | None]:
    """Every step at points of several instances of one size assignment (point p at ``lanes.insts[lanes.owner[p]]``),
    in one batched evaluation: per step, its values with the points on the leading axis (2-D when they do not
    depend on the point), or None where the step cannot be batched (then each instance is evaluated alone)."""
    batch = _evaluator(program, lanes.insts[0], points, lanes)
    out: list[np.ndarray | None] = []
    for node in nodes:
        try:
            with np.errstate(all="ignore"):
                out.append(np.asarray(batch.value(node), dtype=float))
        except FALLBACK:
            out.append(None)
    return out


def _evaluator(program: Program, inst: Instance, points: list[numeric.Point], lanes: Lanes | None = None
               ) -> "PointsEvaluator":
    backend = BatchBackend(lanes if lanes is not None and lanes.varying else None)
    backend.points = len(points)
    return PointsEvaluator(backend, program, stacked_env(program, points), inst)


KEPT_ENVS = 64        # stacked environments kept with a program


def stacked_env(program: Program, points: list[numeric.Point]) -> dict[str, np.ndarray]:
    """Each symbol's values at the points, stacked on a leading axis (2-D when every point has the same
    array).  The claims of a file share their points (``numeric.sample_points`` keeps them with the
    program), so the stacked arrays are kept too, read-only, keyed by the points themselves."""
    cache: dict[tuple[int, ...], tuple[list[numeric.Point], dict[str, np.ndarray]]] = \
        program.__dict__.setdefault("_stacked_envs", {})
    key = tuple(map(id, points))
    hit = cache.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], points)):
        return hit[1]
    first = points[0].values
    env = {name: (a if all(p.values[name] is a for p in points) else np.stack([p.values[name] for p in points]))
           for name, a in first.items()}
    if all(not a.flags.writeable for p in points for a in p.values.values()):     # points kept for other claims
        for a in env.values():
            a.setflags(write=False)
        if len(cache) >= KEPT_ENVS:
            cache.clear()
        cache[key] = (list(points), env)          # the points kept alive with it, so their ids stay theirs
    return env


class PointsEvaluator(BatchEvaluator):
    """A batch of points: derivatives are finite differences at every point at once."""

    def value(self, n: Node) -> np.ndarray:
        if isinstance(n, Calculus):
            return self.calculus(n)
        return super().value(n)

    def calculus(self, n: Calculus) -> np.ndarray:
        if n.var in self.program.defines and n.var not in self.fixed:
            return self.by_define(n)
        f0 = self.value(n.f)
        P = self.B.points
        rows, cols = self.env[n.var].shape[-2:]
        grid = np.arange(rows * cols).reshape(rows, cols)
        chosen = grid if n.items is None else self.index(grid, n.items)    # per point when an index varies
        shape = chosen.shape[-2:]
        flat = np.broadcast_to(chosen.reshape(-1, shape[0] * shape[1]), (P, shape[0] * shape[1])).T
        K = flat.shape[0]
        if (n.kind == "diff" and K != 1) or (n.kind == "grad" and f0.shape[-2:] != (1, 1)) or (
                n.kind == "jacobian" and (1 not in f0.shape[-2:] or 1 not in shape)):
            raise Unbatchable("shapes")      # the point-by-point evaluation words the error
        if n.kind == "jacobian" and f0.shape[-2] * f0.shape[-1] * K > MAX_ENTRIES:
            raise Unbatchable("too large")
        f0 = np.broadcast_to(f0, (P,) + f0.shape[-2:])
        names = numeric.reusable_defines(self.program, n.var)
        kept = {name: v for name, v in self.memo.items() if name in names}
        parts = _differences(self, n.f, n.var, flat // cols, flat % cols, kept)
        undefined = ~np.isfinite(f0).reshape(P, -1).all(axis=1)     # f not finite at the centre: no derivative
        for d in parts:
            d[undefined] = math.nan
        if n.kind == "diff":
            return parts[0]
        if n.kind == "grad":
            return np.stack([d[:, 0, 0] for d in parts], axis=1).reshape((P,) + shape)
        return np.stack([d.reshape(P, -1) for d in parts], axis=-1)


def _differences(ev: PointsEvaluator, f: Node, var: str, rows: np.ndarray, cols: np.ndarray,
                 kept: dict[str, np.ndarray]) -> list[np.ndarray]:
    """Per position, the central difference of f at every point, (points, rows, cols), NaN where it
    crosses a kink at that point: ``finitediff.partials`` with a points axis inside the batch.
    ``rows[k, p]``, ``cols[k, p]``: the k-th position perturbed at point p."""
    if finitediff.has_calculus(ev.program, f):
        raise Unbatchable("a derivative inside f")
    step = numeric.NUMERIC.step
    P = ev.B.points
    ts = finitediff.offsets(False)
    base = np.broadcast_to(np.asarray(ev.env[var], dtype=float), (P,) + ev.env[var].shape[-2:])
    chunk = finitediff.positions_per_batch(ev, base, kept, ts)
    out: list[np.ndarray] = []
    for start in range(0, rows.shape[0], chunk):
        out.extend(_chunk(step, ts, ev, f, var, base, rows[start:start + chunk], cols[start:start + chunk], kept))
    return out


def _chunk(step: float, ts: tuple[float, ...], ev: PointsEvaluator, f: Node, var: str, base: np.ndarray,
           rows: np.ndarray, cols: np.ndarray, kept: dict[str, np.ndarray]) -> list[np.ndarray]:
    P, K, E = base.shape[0], rows.shape[0], len(ts)
    points = np.arange(P)
    x0 = base[points, rows, cols]                    # (positions, points)
    h = step * np.maximum(1.0, np.abs(x0))
    moved = np.broadcast_to(base, (E, K) + base.shape).copy()       # offset, position, point, rows, cols
    for e, t in enumerate(ts):
        moved[e, np.arange(K)[:, None], points, rows, cols] = x0 + h * t

    def tiled(v: np.ndarray) -> np.ndarray:          # a value per point, the same for every perturbation
        return v if v.ndim == 2 else np.broadcast_to(v, (E * K,) + v.shape).reshape((E * K * P,) + v.shape[1:])

    needed = finitediff.reads(ev.program, f)          # only what f reads is repeated for every perturbation
    env = {name: tiled(v) for name, v in ev.env.items() if name in needed}
    env[var] = moved.reshape((E * K * P,) + base.shape[1:])
    backend = BatchBackend(ev.B.lanes, E * K)
    batch = BatchEvaluator(backend, ev.program, env, ev.inst, ev.fixed)
    batch.memo.update({name: tiled(v) for name, v in kept.items() if name in needed})
    with np.errstate(all="ignore"):
        value = batch.value(f)
    shape = value.shape[-2:]
    value = np.broadcast_to(value, (E * K * P,) + shape).reshape((E, K, P) + shape)
    hh = h.reshape(K, P, 1, 1)
    d1 = (value[0] - value[1]) / (2 * hh)
    kink = finitediff.crossed_kinks(backend.log, E, K * P).reshape(K, P)
    return [np.where(kink[k][:, None, None], math.nan, d1[k]) for k in range(K)]
