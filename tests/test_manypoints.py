"""Issue 15: the numeric check evaluates each step at all its points of an instance in one batched
evaluation (engine/manypoints.py), derivatives as finite differences at every point at once; the values
are those of one evaluation per point, kinks and undefined points included."""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from symderiv.engine.spotcheck import finitediff, manypoints, numeric
from symderiv.engine.building.evaluate import Instance, Program
from symderiv.language.functions import ShapeError
from symderiv.language.reading import read_text

SYMS = ('m = "dim"\nn = "dim"\nW = "matrix(m, n)"\nx = "vector(n)"\ny = "vector(m)"\nv = "vector(n)"\n'
        's = "scalar"\n')
# relu's kink at 1/3: no sample point is on it
DEFINES = '[define]\nz = "W @ x"\nJ = "sum(softmax(z) * y) + sum(relu(W - 1/3) * W)"\nr = "norm(v)"\n'
INST = Instance({"m": 2, "n": 3}, {})


def _program() -> Program:
    return Program.build(read_text(f"[symbols]\n{SYMS}{DEFINES}[[claim]]\nname = \"c\"\nlhs = \"s\"\nrhs = \"s\"\n",
                                   "t.toml"))


def _points(**at: Any) -> list[numeric.Point]:
    """Six points of the instance; ``at``: values of some symbols at the third point."""
    program = _program()
    points = list(numeric.sample_points(program, set(program.symbols), INST, 6, 0))
    values = dict(points[2].values)
    values.update({k: np.asarray(v, dtype=float) for k, v in at.items()})
    points[2] = numeric.Point(values)
    return points


def _compare(steps: list[str], points: list[numeric.Point], monkeypatch: pytest.MonkeyPatch,
             batched: bool = True) -> list[list[Any]]:
    program = _program()
    nodes = [program.parse_step(t) for t in steps]
    fallbacks = []
    real = manypoints.PointsEvaluator.value

    def watched(self: Any, n: Any) -> Any:
        try:
            return real(self, n)
        except finitediff.FALLBACK:
            fallbacks.append(n)
            raise
    monkeypatch.setattr(manypoints.PointsEvaluator, "value", watched)
    table = manypoints.step_values(program, nodes, INST, points, lambda k, e: AssertionError(k, e))
    assert (not fallbacks) == batched, fallbacks
    for point, row in zip(points, table):
        for node, got in zip(nodes, row):
            try:
                ref = numeric.evaluate(program, node, INST, point)
            except (ArithmeticError, ValueError):
                ref = None
            assert (got is None) == (ref is None)
            if ref is not None:
                assert got.shape == ref.shape and np.array_equal(got, ref, equal_nan=True)
    return table


STEPS = ["grad(J, W)", "jacobian(z, x)", "grad(J, z)", "grad(sum(sigma(W) * W), W[:, 1])", "diff(s ** 3, s)",
         "jacobian(v / r, v)", "grad(sum(W @ x * y), x) + v"]


def test_every_point_at_once_gives_each_points_own_values(monkeypatch: pytest.MonkeyPatch) -> None:
    table = _compare(STEPS, _points(), monkeypatch)
    assert all(np.isfinite(v).all() for row in table for v in row)


def test_a_kink_crossed_at_one_point_discards_that_position_at_that_point_only(
        monkeypatch: pytest.MonkeyPatch) -> None:
    table = _compare(STEPS[:1], _points(W=[[1 / 3 + 2 ** -20, 2, -1], [0.5, 3, 1.5]]), monkeypatch)
    assert np.array_equal(np.isnan(table[2][0]), [[True, False, False], [False, False, False]])
    assert all(np.isfinite(row[0]).all() for i, row in enumerate(table) if i != 2)


def test_a_point_where_f_is_not_finite_has_no_derivative_there_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """log((v - 1)**2) is -inf at v[0] = 1 but finite at 1 +- h: its difference there is 0, never compared."""
    points = _points(v=[[1], [2], [3]])
    table = _compare(["grad(sum(log((v - 1) ** 2)), v)", "2 / (v - 1)"], points, monkeypatch)
    for point, row in zip(points, table):
        if (point.values["v"] != 1).all():
            assert np.allclose(row[0], row[1], rtol=1e-6)
        else:
            assert np.isnan(row[0]).all()
    assert np.isnan(table[2][0]).all() and not all(np.isnan(row[0]).all() for row in table)


def test_a_derivative_inside_a_derivative_is_evaluated_point_by_point(monkeypatch: pytest.MonkeyPatch) -> None:
    table = _compare(["jacobian(grad(sum(exp(W @ x)), x), x)", "W.T @ diag(exp(W @ x)) @ W"], _points(),
                     monkeypatch, batched=False)
    for row in table:
        assert np.allclose(row[0], row[1], rtol=1e-3)


def test_a_shape_error_is_raised_as_at_the_first_point() -> None:
    program = _program()
    nodes = [program.parse_step(t) for t in ("W @ x", "W @ y")]
    with pytest.raises(RuntimeError) as info:
        manypoints.step_values(program, nodes, INST, _points(),
                               lambda k, e: RuntimeError(k, type(e)))
    assert info.value.args == (1, ShapeError)


def test_norm_logdet_and_inv_are_evaluated_for_every_slice_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Their batched definitions give each point's own values, NaN where the matrix is singular (the second row
    of W twice the first: W W^T is singular at that point only), without a numpy call per slice."""
    def per_slice(*args: Any) -> Any:
        raise AssertionError("evaluated slice by slice")
    monkeypatch.setattr(finitediff, "_per_slice", per_slice)
    steps = ["norm(W)", "jacobian(v / norm(v), v)", "logdet(W @ W.T)", "grad(logdet(W @ W.T), W)",
             "inv(W @ W.T) @ y", "grad(sum(inv(W @ W.T) @ y), y)", "logdet(-(x.T @ x))"]
    table = _compare(steps, _points(W=[[1, 2, 3], [2, 4, 6]]), monkeypatch)
    assert np.isnan(table[2][4]).all() and np.isfinite(table[3][4]).all()
    assert np.isnan(table[2][3]).all() and np.isfinite(table[3][3]).all()
    assert all(np.isnan(row[6]).all() for row in table)


def test_twenty_small_points_are_one_evaluation(monkeypatch: pytest.MonkeyPatch) -> None:
    program = _program()
    nodes = [program.parse_step("grad(J, W)")]
    calls = []
    real = manypoints.step_values

    def counted(program: Any, nodes: Any, inst: Any, points: list[Any], located: Any) -> Any:
        calls.append(len(points))
        return real(program, nodes, inst, points, located)
    monkeypatch.setattr(manypoints, "step_values", counted)
    points = list(numeric.sample_points(program, set(program.symbols), INST, 20, 0))
    got = list(manypoints.evaluated(program, nodes, INST, points, lambda k, e: AssertionError(k, e)))
    assert calls == [20] and len(got) == 20


@pytest.mark.parametrize("a, b", [(1.0, 1.0 + 1e-7), (1.0, 1.0 + 2e-6), (0.0, 1e-9), (0.0, 2e-9), (1e308, -1e308),
                                  (-3.0, 3.0), (1e300, 1e300 * (1 + 1e-6)), (5e-10, -5e-10)])
def test_a_scalar_compares_as_the_arrays_do(a: float, b: float) -> None:
    """The 1 x 1 shortcut of first_difference and finite gives what the array formula gives."""
    x, y = np.array([[a]]), np.array([[b]])
    with np.errstate(over="ignore"):
        bad = np.abs(x - y) > 1e-9 + 1e-6 * np.maximum(np.abs(x), np.abs(y))
        assert numeric.first_difference(x, y, 1e-6, 1e-9) == ((0, 0) if bad.any() else None)
    assert numeric.finite(x, y) and not numeric.finite(x, np.array([[np.inf]])) and not numeric.finite(np.array([[np.nan]]))


def test_a_finite_difference_batch_holds_only_what_f_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """grad(J, z) with J = sum(softmax(z) * y) + sum(relu(W - 1/3) * W): the perturbed batch holds z (a define,
    pinned), y and W (and x, through z's definition), not v or s, which every perturbation would otherwise copy."""
    seen = []
    real = finitediff.BatchEvaluator.__init__

    def init(self: Any, backend: Any, program: Any, env: dict[str, Any], *args: Any) -> None:
        if backend.tile > 1:         # a finite difference's batch at many points (not the reference's)
            seen.append(set(env))
        real(self, backend, program, env, *args)
    monkeypatch.setattr(finitediff.BatchEvaluator, "__init__", init)
    _compare(["grad(J, z)"], _points(), monkeypatch)
    assert seen == [{"W", "x", "y", "z"}]
