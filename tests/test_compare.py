"""Issue 15: the numeric check compares a pair of steps at all the points of an instance at once
(engine/spotcheck/compare.py), with the outcome the point-by-point tests give at each point."""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from symderiv.engine.spotcheck import compare, numeric

NAN, INF = float("nan"), float("inf")


def _by_point(rows: list[list[Any]], k: int) -> list[int]:
    return [compare._one(row[k - 1], row[k], 1e-6, 1e-9) for row in rows]


def _col(*values: float) -> np.ndarray:
    return np.array(values, dtype=float).reshape(-1, 1)


POINTS = [(_col(1, 2), _col(1, 2 + 1e-7)),          # agree within rtol
          (_col(1, 2), _col(1, 2.01)),              # differ
          (_col(1, NAN), _col(1, 2)),               # the earlier step undefined: skipped
          (_col(1, 2), _col(INF, 2)),               # only the later step undefined: offered to the certifier
          (_col(0, 0), _col(5e-10, -5e-10)),        # agree within atol
          (_col(1e308, 0), _col(-1e308, 0))]        # the difference overflows: differ


def test_all_points_at_once_give_each_points_outcome() -> None:
    rows = [[a, b] for a, b in POINTS]
    got = compare.outcomes(rows, 1, 1e-6, 1e-9)
    assert got == [compare.AGREE, compare.DIFFER, compare.UNDEFINED, compare.LATER_UNDEFINED, compare.AGREE,
                   compare.DIFFER]
    assert got == _by_point(rows, 1)


@pytest.mark.parametrize("odd", [None, np.zeros((1, 2))])
def test_a_failed_step_or_a_shape_mismatch_is_decided_point_by_point(odd: Any) -> None:
    rows = [[a, b] for a, b in POINTS]
    rows[1] = [rows[1][0], odd]
    got = compare.outcomes(rows, 1, 1e-6, 1e-9)
    assert got[1] == (compare.SKIP if odd is None else compare.SHAPE)
    assert got == _by_point(rows, 1)
    assert numeric.first_difference(rows[0][0], rows[0][1], 1e-6, 1e-9) is None


def test_points_of_one_batch_are_compared_once_for_the_whole_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    """The instances evaluated together share one batch: each instance's outcomes are read from one
    comparison over all the batch's points, and are those of comparing point by point."""
    A = np.stack([a for a, _ in POINTS])
    B = np.stack([b for _, b in POINTS])
    batch = compare.Batch([A, B, np.zeros((1, 2))], len(POINTS))   # the last: the same at every point
    rows = [compare.Row([A[i], B[i], np.zeros((1, 2))], batch, i) for i in range(len(POINTS))]
    calls = []
    real = compare._stacked

    def counted(*args: Any) -> Any:
        calls.append(args[2])
        return real(*args)
    monkeypatch.setattr(compare, "_stacked", counted)
    first, second = rows[:2], rows[2:]          # two instances of the batch
    got = compare.outcomes(first, 1, 1e-6, 1e-9) + compare.outcomes(second, 1, 1e-6, 1e-9)
    assert got == _by_point([list(r) for r in rows], 1) and calls == [len(POINTS)]
    assert compare.outcomes(second, 2, 1e-6, 1e-9) == [compare.SHAPE] * 4        # 2 x 1 against 1 x 2
