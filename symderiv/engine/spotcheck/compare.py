"""How two adjacent steps compare at each point, worked out for all the points of an instance at once.

``checking._Context.numeric`` walks the points in order and, per pair of steps, skips a point
where a step failed, notes a shape mismatch, offers a point where only the later step is
undefined to the certifier, skips one where the earlier is undefined, and otherwise counts an
agreement or confirms a disagreement.  Those tests (``numeric.finite``,
``numeric.first_difference``) are the same numpy formula at every point, so here they are
evaluated once on the points stacked, entry for entry the same operations; the walk then only
reads the outcome.
"""
from __future__ import annotations

import numpy as np

from . import numeric

SKIP, SHAPE, LATER_UNDEFINED, UNDEFINED, AGREE, DIFFER = range(6)

class Batch:
    """The steps' values at several points as evaluated together: per step, the points on the leading axis
    (2-D when the value does not depend on the point), or None where the step was evaluated otherwise.
    The outcomes of a pair over all the points are worked out once and kept (``memo``)."""

    def __init__(self, values: list[np.ndarray | None], points: int) -> None:
        self.values, self.points = values, points
        self.memo: dict[tuple[int, float, float], list[int]] = {}


class Row(list):            # type: ignore[type-arg]
    """The steps' values at one point (a list, as before), and where they sit in their ``Batch``."""

    def __init__(self, values: list[np.ndarray | None], batch: Batch | None = None, at: int = 0) -> None:
        super().__init__(values)
        self.batch, self.at = batch, at


def outcomes(rows: list[list[np.ndarray | None]], k: int, rtol: float, atol: float) -> list[int]:
    """The outcome for the pair (step k - 1, step k) at each point (``rows[i]``: the steps' values there)."""
    batch = getattr(rows[0], "batch", None) if rows else None
    if batch is not None and batch.values[k - 1] is not None and batch.values[k] is not None and all(
            getattr(row, "batch", None) is batch and row.at == rows[0].at + i for i, row in enumerate(rows)):
        key = (k, rtol, atol)
        if key not in batch.memo:
            batch.memo[key] = _stacked(batch.values[k - 1], batch.values[k], batch.points, rtol, atol)
        got = batch.memo[key]
        if got:
            return got[rows[0].at:rows[0].at + len(rows)]
    a = [row[k - 1] for row in rows]
    b = [row[k] for row in rows]
    if not rows or any(x is None for x in a) or any(y is None for y in b) or len(
            {x.shape for x in a} | {y.shape for y in b}) != 1:                  # type: ignore[union-attr]
        return [_one(x, y, rtol, atol) for x, y in zip(a, b)]
    return _stacked(np.stack(a), np.stack(b), len(rows), rtol, atol)             # type: ignore[arg-type]


def _stacked(A: np.ndarray, B: np.ndarray, P: int, rtol: float, atol: float) -> list[int]:
    """The outcomes at P points of values stacked on a leading axis (2-D: the same at every point); [] when
    the shapes differ (then point by point)."""
    if A.shape[-2:] != B.shape[-2:]:
        return []
    A = np.broadcast_to(A, (P,) + A.shape[-2:])
    B = np.broadcast_to(B, (P,) + B.shape[-2:])
    fa = np.isfinite(A).reshape(P, -1).all(axis=1)
    fb = np.isfinite(B).reshape(P, -1).all(axis=1)
    with np.errstate(all="ignore"):
        bad = (np.abs(A - B) > atol + rtol * np.maximum(np.abs(A), np.abs(B))).reshape(P, -1).any(axis=1)
    out = np.where(fa & fb, np.where(bad, DIFFER, AGREE), np.where(fa, LATER_UNDEFINED, UNDEFINED))
    return out.tolist()


def _one(a: np.ndarray | None, b: np.ndarray | None, rtol: float, atol: float) -> int:
    if a is None or b is None:
        return SKIP
    if a.shape != b.shape:
        return SHAPE
    if not numeric.finite(a, b):
        return LATER_UNDEFINED if numeric.finite(a) else UNDEFINED
    with np.errstate(all="ignore"):
        return AGREE if numeric.first_difference(a, b, rtol, atol) is None else DIFFER
