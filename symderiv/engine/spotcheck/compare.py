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

Row = list[np.ndarray | None]


def outcomes(rows: list[Row], k: int, rtol: float, atol: float) -> list[int]:
    """The outcome for the pair (step k - 1, step k) at each point (``rows[i]``: the steps' values there)."""
    a = [row[k - 1] for row in rows]
    b = [row[k] for row in rows]
    if not rows or any(x is None for x in a) or any(y is None for y in b) or len(
            {x.shape for x in a} | {y.shape for y in b}) != 1:                  # type: ignore[union-attr]
        return [_one(x, y, rtol, atol) for x, y in zip(a, b)]
    A, B = np.stack(a), np.stack(b)                                               # type: ignore[arg-type]
    P = len(rows)
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
