"""The numeric check's values at every instance of a size assignment, evaluated together.

A claim with an index symbol or one-hot labels is checked at every index value and label
combination of each size assignment, a few points each (``checking._Context.numeric``,
one call per instance).  Evaluated one instance at a time, each walk of a step's tree
serves a handful of points, and the per-node overhead of numpy dominates (the 3^3 label
combinations of ``network_batch.toml``: 213 evaluations of 3 points per claim).  Here,
when the first instance of a size assignment is asked for, the points of it and of the
following instances (up to MAX_POINTS points) are drawn as each instance draws them and
evaluated in one batched evaluation (``manypoints.stacked_values``, the instances told
apart per slice by ``lanes``); the next instances' values are then handed out as they are
asked for.  A step that cannot be batched so is evaluated instance by instance as before
(``manypoints.evaluated``), which also raises its errors where they were raised before.

The points, and the values at them, are those of one evaluation per instance: only the
order of the work changes, never what is compared.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator

import numpy as np

from . import compare, manypoints, numeric
from .lanes import Lanes
from ..building.evaluate import Instance, Program, instances
from ...language.functions import ShapeError
from ...language.parsing import Node

MAX_POINTS = 512          # points of several instances evaluated together (their values: manypoints.STACK_ENTRIES)

Values = list[np.ndarray | None]
Ready = tuple[int, list[numeric.Point], compare.Batch, int]     # count, the points, their group's batch, where


def _key(inst: Instance) -> tuple[Any, ...]:
    return (tuple(inst.sizes.items()), repr(tuple(inst.indices.items())))


class AllInstances:
    """One claim's numeric values, instances of a size assignment evaluated together (see the module)."""

    def __init__(self, program: Program, nodes: list[Node], used: set[str], seed: int) -> None:
        self.program, self.nodes, self.used, self.seed = program, nodes, used, seed
        self._plans: dict[tuple[Any, ...], tuple[list[Instance], dict[tuple[Any, ...], int]]] = {}
        self._ready: dict[tuple[Any, ...], Ready] = {}

    def evaluated(self, inst: Instance, count: int, located: Callable[[int, Exception], Exception]
                  ) -> Iterator[tuple[numeric.Point, Values]]:
        """The instance's ``count`` sample points, each with every step's value there (None where a step
        fails at the point), as ``manypoints.evaluated`` gives them."""
        key = _key(inst)
        ready = self._ready.pop(key, None)
        if ready is not None and ready[0] != count:
            ready = None
        if ready is None:
            ready = self._prefetch(inst, count)
        if ready is None:
            points = numeric.sample_points(self.program, self.used, inst, count, self.seed)
            yield from manypoints.evaluated(self.program, self.nodes, inst, points, located)
            return
        _, points, batch, start = ready
        values = batch.values
        missing = [k for k, v in enumerate(values) if v is None]
        rows: list[Values] = [[] for _ in points]
        if missing:         # those steps one instance at a time, as before (errors raised as before)
            nodes = [self.nodes[k] for k in missing]
            rows = [row for _, row in manypoints.evaluated(self.program, nodes, inst, points,
                                                           lambda j, e: located(missing[j], e))]
        for i, point in enumerate(points):
            row = iter(rows[i])
            yield point, compare.Row([next(row) if v is None else (v[start + i] if v.ndim == 3 else v)
                                      for v in values], batch, start + i)

    def _prefetch(self, inst: Instance, count: int) -> Ready | None:
        """When ``inst`` starts a group of its size assignment's instances (the first, or the first after a
        full group): evaluate it together with the instances that follow it, keep theirs for later and
        return its own.  None: evaluate it alone."""
        sizes = tuple(inst.sizes.items())
        if sizes not in self._plans:
            try:
                plan = instances(self.used, self.program, inst.sizes)
            except ShapeError:
                plan = []
            self._plans[sizes] = (plan, {_key(i): j for j, i in enumerate(plan)})
        plan, where = self._plans[sizes]
        j = where.get(_key(inst))
        if len(plan) < 2 or count < 1 or j is None:
            return None
        own = list(numeric.sample_points(self.program, self.used, inst, count, self.seed))
        if not own:
            return None
        take = max(1, min(MAX_POINTS // count, manypoints.STACK_ENTRIES // max(1, manypoints.entries(own[0]) * count)))
        if j % take or take < 2:
            return None
        group = plan[j:j + take]
        points = [own] + [list(numeric.sample_points(self.program, self.used, i, count, self.seed))
                          for i in group[1:]]
        lanes = Lanes(self.program, group, [g for g, ps in enumerate(points) for _ in ps])
        flat = [p for ps in points for p in ps]
        batch = compare.Batch(manypoints.stacked_values(self.program, self.nodes, lanes, flat), len(flat))
        parts: list[Ready] = []
        start = 0
        for ps in points:
            parts.append((count, ps, batch, start))
            start += len(ps)
        for i, part in zip(group[1:], parts[1:]):
            self._ready[_key(i)] = part
        return parts[0]
