"""Finite differences of one derivative with every perturbation in one batched numpy evaluation.

``grad(f, W)`` needs f at W + t e_p for every position p of W and every offset t of the
central difference (+h, -h, and +h/2, -h/2 with Richardson extrapolation).  Instead of
one evaluation of f per perturbation, f is evaluated once with a leading batch axis: the
perturbed variable becomes an (N, rows, cols) array, N = offsets x positions (offset
major), and every value that depends on it carries the batch axis too; values that do
not (other symbols, constants, defines independent of the variable) stay 2-D and
broadcast.  The points, steps and formulas are the per-position ones (``numeric``), and
so is the kink rule: every branch record a piecewise function reports (``watch``) is
kept with its batch axis, and a position is discarded when its records differ between
its offsets or its first one sits exactly on a kink.

Nothing here knows a derivative rule: only f is evaluated.  What cannot be batched (a
derivative inside f, a shape error, a value too large to stack) raises ``Unbatchable``
and the caller evaluates one perturbation at a time, which also gives any error its
usual message.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..building.evaluate import ARITHMETIC, Evaluator, Program
from ..building.indexing import take
from .lanes import Lanes
from ...language.functions import ELEMENTWISE, FUNCTIONS
from ...language.linalg import ILL_CONDITIONED
from ...language.parsing import Bin, Calculus, Call, Index, Name, Neg, Node, Num, Transpose

BATCH_ENTRIES = 1 << 20      # entries of the largest batched value (8 MB of floats); more: one at a time
MAX_POSITIONS = 256          # positions evaluated together
PIECEWISE_ELEMENTWISE = frozenset({"relu", "abs", "sign", "heaviside", "maximum", "minimum", "clip"})


class Unbatchable(Exception):
    """f cannot be evaluated with a batch axis here; evaluate one perturbation at a time."""


# what makes the caller evaluate one perturbation at a time (and so raise any error as it always did)
FALLBACK = (Unbatchable, ArithmeticError, ValueError, TypeError, IndexError, KeyError)


def offsets(richardson: bool) -> tuple[float, ...]:
    """The offsets of a central difference, as multiples of h, in the order ``numeric`` evaluates them."""
    return (1.0, -1.0, 0.5, -0.5) if richardson else (1.0, -1.0)


def partials(step: float, richardson: bool, ev: Evaluator, f: Node, var: str, positions: list[tuple[int, int]],
             kept: dict[str, np.ndarray]) -> list[np.ndarray]:
    """The central differences of f by each position of ``var`` (NaN where a kink is crossed), f's centre
    value being finite.  ``kept``: define values a perturbation leaves as they are."""
    if has_calculus(ev.program, f):
        raise Unbatchable("a derivative inside f")
    base = np.asarray(ev.env[var], dtype=float)
    ts = offsets(richardson)
    chunk = positions_per_batch(ev, base, kept, ts)
    out: list[np.ndarray] = []
    for start in range(0, len(positions), chunk):
        out.extend(_chunk(step, ts, ev, f, var, base, positions[start:start + chunk], kept))
    return out


def positions_per_batch(ev: Evaluator, base: np.ndarray, kept: dict[str, np.ndarray], ts: tuple[float, ...]) -> int:
    """How many positions one batched evaluation takes, so that no value exceeds BATCH_ENTRIES entries."""
    biggest = max([base.size, *(np.size(v) for v in ev.env.values()), *(np.size(v) for v in kept.values())])
    return max(1, min(MAX_POSITIONS, BATCH_ENTRIES // (len(ts) * biggest)))


def _chunk(step: float, ts: tuple[float, ...], ev: Evaluator, f: Node, var: str, base: np.ndarray,
           positions: list[tuple[int, int]], kept: dict[str, np.ndarray]) -> list[np.ndarray]:
    K, E = len(positions), len(ts)
    rows = np.array([p[0] for p in positions])
    cols = np.array([p[1] for p in positions])
    x0 = base[rows, cols]
    h = step * np.maximum(1.0, np.abs(x0))          # per position, as numeric.partial: step * max(1, |x0|)
    moved = np.broadcast_to(base, (E * K,) + base.shape).copy()
    for e, t in enumerate(ts):
        moved[e * K + np.arange(K), rows, cols] = x0 + h * t      # t = ±1, ±1/2: exactly x0 ± h, x0 ± h/2
    backend = BatchBackend()
    batch = BatchEvaluator(backend, ev.program, {**ev.env, var: moved}, ev.inst, ev.fixed)
    batch.memo.update(kept)
    with np.errstate(all="ignore"):
        value = batch.value(f)
    value = np.broadcast_to(value, (E * K,) + value.shape[-2:]).reshape(E, K, *value.shape[-2:])
    hh = h.reshape(K, 1, 1)
    d1 = (value[0] - value[1]) / (2 * hh)
    if E == 4:
        d2 = (value[2] - value[3]) / hh
        d1 = (4 * d2 - d1) / 3
    kink = crossed_kinks(backend.log, E, K)
    return [np.full(d1[k].shape, math.nan) if kink[k] else d1[k] for k in range(K)]


def crossed_kinks(log: list[tuple[np.ndarray, bool]], evaluations: int, positions: int) -> np.ndarray:
    """Per position: did a piecewise function change branch between the evaluations of its finite
    difference, or sit exactly on a kink at the first of them?  The rule of ``numeric._crosses_kink``,
    applied to batched records (a record without a batch axis is the same in every evaluation)."""
    kink = np.zeros(positions, dtype=bool)
    for record, batched in log:
        if batched:
            r = record.reshape(evaluations, positions, -1)
            for e in range(1, evaluations):
                kink |= ~np.all(r[e] == r[0], axis=-1)           # NaN != NaN: a changed branch, as array_equal
            if record.dtype.kind == "f":
                kink |= np.any(r[0] == 0, axis=-1)
        elif (record.dtype.kind == "f" and bool(np.any(record == 0))) or not np.array_equal(record, record):
            kink[:] = True
    return kink


def reads(program: Program, f: Node) -> frozenset[str]:
    """The symbols and defines f reads, through its defines (what a batch evaluating f needs)."""
    cache: dict[int, tuple[Node, frozenset[str]]] = program.__dict__.setdefault("_reads", {})
    hit = cache.get(id(f))
    if hit is None or hit[0] is not f:
        hit = (f, frozenset(n.name for n in program.walk([f]) if isinstance(n, Name)))
        cache[id(f)] = hit
    return hit[1]


def has_calculus(program: Program, f: Node) -> bool:
    cache: dict[int, tuple[Node, bool]] = program.__dict__.setdefault("_has_calculus", {})
    hit = cache.get(id(f))
    if hit is None or hit[0] is not f:
        hit = (f, any(isinstance(n, Calculus) for n in program.walk([f])))
        cache[id(f)] = hit
    return hit[1]


class BatchBackend:
    """The numeric backend's arithmetic on values that may carry a leading batch axis."""
    symbolic = False
    zero = 0.0
    one = 1.0
    pi = math.pi

    def __init__(self, lanes: Lanes | None = None, tile: int = 1) -> None:
        self.points = 0                                   # the size of a points axis (manypoints), or 0
        self.lanes = lanes        # the instances of the points, when they differ in an index value (lanes.py)
        self.tile = tile          # the batch is this many copies of the points axis (point innermost)
        self.log: list[tuple[np.ndarray, bool]] = []      # (branch record, has the batch axis)
        self.capture: list[np.ndarray] | None = None      # records of one slice (see ``_per_slice``)

    def watch(self, branch: np.ndarray) -> None:
        if self.capture is not None:
            self.capture.append(branch)
        else:
            self.log.append((branch, branch.ndim == 3))

    def const(self, value: Any) -> float:
        return float(value)

    def full(self, shape: tuple[int, int], value: Any) -> np.ndarray:
        return np.full(shape, value, dtype=float)

    def total(self, a: np.ndarray) -> float:
        if a.ndim > 2:
            raise Unbatchable("a total over a batch")
        return float(np.sum(a))

    def matmul(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.matmul(a, b)

    def partial(self, *args: Any) -> np.ndarray:
        raise Unbatchable("a derivative inside f")


def _lead(*values: Any) -> int:
    return max((v.shape[0] for v in values if isinstance(v, np.ndarray) and v.ndim == 3), default=1)


def _fits(lead: int, shape: tuple[int, int]) -> None:
    if lead * shape[0] * shape[1] > BATCH_ENTRIES:
        raise Unbatchable("too large to batch")


class BatchEvaluator(Evaluator):
    """``Evaluator`` on values of shape (rows, cols) or (N, rows, cols); shapes are the last two axes.
    Any shape error is left to the one-at-a-time evaluation (``Unbatchable``), which words it."""

    def value(self, n: Node) -> np.ndarray:
        if isinstance(n, (Num, Name, Neg)):
            return super().value(n)
        if isinstance(n, Bin):
            return self.binop(n.op, self.value(n.a), self.value(n.b))
        if isinstance(n, Transpose):
            return np.swapaxes(self.value(n.x), -1, -2)
        if isinstance(n, Index):
            return self.index(self.value(n.x), n.items)
        if isinstance(n, Call):
            return self.call(n)
        raise Unbatchable(f"{type(n).__name__} inside f")

    def binop(self, op: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        sa, sb = a.shape[-2:], b.shape[-2:]
        lead = _lead(a, b)
        if op == "@":
            if sa[1] != sb[0]:
                raise Unbatchable("shapes")
            _fits(lead, (sa[0], sb[1]))
            return np.matmul(a, b)
        if sa != sb and any(x != y and 1 not in (x, y) for x, y in zip(sa, sb)):
            raise Unbatchable("shapes")
        _fits(lead, (max(sa[0], sb[0]), max(sa[1], sb[1])))
        return ARITHMETIC[op](a, b) if op in ARITHMETIC else a ** b

    def name(self, name: str) -> np.ndarray:
        lanes = self.B.lanes
        if lanes is not None and name in lanes.varying:
            return lanes.number(name, self.B.tile)
        return super().name(name)

    def index(self, x: np.ndarray, items: Any) -> np.ndarray:
        lanes = self.B.lanes
        if lanes is not None and lanes.varies(items):
            return lanes.gather(x, items, self.B.tile)
        if x.ndim == 2:
            return take(x, items, self.inst.sizes, self.inst.indices)
        rows, cols = x.shape[-2:]
        chosen = take(np.arange(rows * cols).reshape(rows, cols), items, self.inst.sizes, self.inst.indices)
        return x.reshape(x.shape[0], rows * cols)[:, chosen]

    def call(self, n: Call) -> np.ndarray:
        f = FUNCTIONS[n.fn]
        kinds = f.args + (f.args[-1],) * (len(n.args) - len(f.args)) if f.variadic else f.args
        values: list[Any] = []
        shapes: list[Any] = []
        lanes = self.B.lanes
        if lanes is not None and any(kind == "i" and a in lanes.varying for kind, a in zip(kinds, n.args)):
            return self.per_instance(n, f, kinds, lanes)
        for kind, a in zip(kinds, n.args):
            if kind == "a":
                v = self.value(a)  # type: ignore[arg-type]
                values.append(v)
                shapes.append(v.shape[-2:])
            else:
                v = a if isinstance(a, int) else (self.inst.sizes[a] if kind == "d" else int(self.inst.indices[a]))  # type: ignore[index]
                values.append(v)
                shapes.append(v)
        try:
            shape = f.shape(*shapes)
        except ValueError as e:
            raise Unbatchable("shapes") from e
        lead = _lead(*values)
        _fits(lead, shape)
        if lead == 1 or f.name in ELEMENTWISE or f.name in PIECEWISE_ELEMENTWISE:
            out = f.numeric(self.B, *values)
        elif f.name in BATCHED:
            out = BATCHED[f.name](*values)
        else:
            out = _per_slice(self.B, f.numeric, values, lead)
        if out.shape[-2:] != shape:
            raise Unbatchable("shapes")
        return out


    def per_instance(self, n: Call, f: Any, kinds: tuple[str, ...], lanes: Lanes) -> np.ndarray:
        """A call with an index argument whose value differs between the stacked instances (``onehot(k, n)``):
        worked out at each instance, read per slice; only when no other argument is an array."""
        if "a" in kinds or f.name in PIECEWISE_ELEMENTWISE:
            raise Unbatchable("an index argument beside arrays")

        def at(inst: Any) -> np.ndarray:
            values = [a if isinstance(a, int) else (inst.sizes[a] if kind == "d" else int(inst.indices[a]))
                      for kind, a in zip(kinds, n.args)]
            return f.numeric(self.B, *values)
        out = lanes.per_instance(at, self.B.tile)
        _fits(out.shape[0], out.shape[-2:])
        return out


def _per_slice(B: BatchBackend, impl: Any, values: list[Any], lead: int) -> np.ndarray:
    """A function without a batched definition, applied to each slice of the batch; the branch records
    of the slices are stacked into batched records (the same records in every slice, or no batching)."""
    outs, records = [], []
    try:
        for i in range(lead):
            B.capture = []
            outs.append(np.asarray(impl(B, *[v[i] if isinstance(v, np.ndarray) and v.ndim == 3 else v
                                            for v in values]), dtype=float))
            records.append(B.capture)
    finally:
        B.capture = None
    if len({len(r) for r in records}) != 1:
        raise Unbatchable("the slices report different branch records")
    for j in range(len(records[0])):
        parts = [r[j] for r in records]
        if len({p.shape for p in parts}) != 1:
            raise Unbatchable("the slices report different branch records")
        B.log.append((np.stack(parts), True))
    return np.stack(outs)


# ---------------------------------------------------------------- batched definitions (numeric ones, per slice)
def _axes(axis: int | None) -> Any:
    """The axes of one part a reduction works on: the whole array, each column (0) or each row (1)."""
    return (-2, -1) if axis is None else (-2 if axis == 0 else -1)


def _sum(a: np.ndarray, axis: int | None = None) -> np.ndarray:
    return np.sum(a, axis=_axes(axis), keepdims=True)


def _mean(a: np.ndarray, axis: int | None = None) -> np.ndarray:
    rows, cols = a.shape[-2:]
    return _sum(a, axis) / (rows * cols if axis is None else (rows, cols)[axis])


def _softmax(v: np.ndarray, axis: int | None = None) -> np.ndarray:
    e = np.exp(v - np.max(v, axis=_axes(axis), keepdims=True))
    return e / np.sum(e, axis=_axes(axis), keepdims=True)


def _logsumexp(v: np.ndarray, axis: int | None = None) -> np.ndarray:
    m = np.max(v, axis=_axes(axis), keepdims=True)
    return m + np.log(np.sum(np.exp(v - m), axis=_axes(axis), keepdims=True))


def _flat(a: np.ndarray) -> np.ndarray:
    return a.reshape(a.shape[:-2] + (-1,))


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(_flat(a) * _flat(b), axis=-1)[..., None, None]


def _outer(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return _flat(a)[..., :, None] * _flat(b)[..., None, :]


def _diag(v: np.ndarray) -> np.ndarray:
    flat = _flat(v)
    n = flat.shape[-1]
    out = np.zeros(flat.shape[:-1] + (n, n))
    out[..., np.arange(n), np.arange(n)] = flat
    return out


def _trace(a: np.ndarray) -> np.ndarray:
    return np.sum(np.diagonal(a, axis1=-2, axis2=-1), axis=-1)[..., None, None]


def _numel(a: np.ndarray) -> np.ndarray:
    rows, cols = a.shape[-2:]
    return np.full((1, 1), float(rows * cols))


def _norm(a: np.ndarray) -> np.ndarray:
    """np.linalg.norm per slice: the square root of the flattened slice's dot with itself (matmul of a
    row by a column is numpy's dot per slice, so the same sums)."""
    flat = _flat(a)
    return np.sqrt(np.matmul(flat[..., None, :], flat[..., :, None]))


def _finite_slices(a: np.ndarray) -> np.ndarray:
    return np.isfinite(a).all(axis=(-2, -1))


def _logdet(a: np.ndarray) -> np.ndarray:
    """``linalg._num_logdet`` per slice: NaN where the slice is not finite or its determinant not positive."""
    finite = _finite_slices(a)
    sign, logabs = np.linalg.slogdet(np.where(finite[:, None, None], a, np.eye(a.shape[-1])))
    return np.where(finite & (sign > 0), logabs, np.nan)[:, None, None]


def _inv(a: np.ndarray) -> np.ndarray:
    """``linalg._num_inv`` per slice: NaN where the slice is not finite or is ill-conditioned (LAPACK's
    inverse and condition number work slice by slice)."""
    finite = _finite_slices(a)
    safe = np.where(finite[:, None, None], a, np.eye(a.shape[-1]))
    regular = finite & (np.linalg.cond(safe) < ILL_CONDITIONED)
    out = np.full(a.shape, np.nan)
    if regular.any():
        out[regular] = np.linalg.inv(a[regular])
    return out


BATCHED = {"sum": _sum, "mean": _mean, "softmax": _softmax, "logsumexp": _logsumexp, "dot": _dot,
           "outer": _outer, "diag": _diag, "trace": _trace, "numel": _numel, "norm": _norm, "logdet": _logdet,
           "inv": _inv}
