"""Issue 15: the numeric stage's finite differences evaluate every perturbation of a derivative in one
batched numpy evaluation (engine/finitediff.py), and give exactly what one evaluation per perturbation
gives: the same values, the same discarded positions at kinks, the same candidates."""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from symderiv.engine import finitediff, numeric
from symderiv.engine.checking import check_claim
from symderiv.engine.evaluate import Instance, Program
from symderiv.language.reading import read_text
from symderiv.settings import Settings

SYMS = ('m = "dim"\nn = "dim"\nW = "matrix(m, n)"\nA = "matrix(n, n)"\nx = "vector(n)"\ny = "vector(m)"\n'
        'v = "vector(n)"\ns = "scalar"\n')
INST = Instance({"m": 2, "n": 3}, {})


class OneAtATime(numeric.NumericBackend):
    partials = None          # Evaluator.partials then asks for one position at a time, as before batching


def _program(defines: str = "") -> Program:
    return Program.build(read_text(f"[symbols]\n{SYMS}{defines}[[claim]]\nname = \"c\"\nlhs = \"s\"\nrhs = \"s\"\n",
                                   "t.toml"))


def _point(p: int = 2, **fixed: Any) -> numeric.Point:
    program = _program()
    point = list(numeric.sample_points(program, set(program.symbols), INST, p + 1, 0))[p]
    values = dict(point.values)
    values.update({k: np.asarray(v, dtype=float) for k, v in fixed.items()})
    return numeric.Point(values)


def _both(text: str, point: numeric.Point, monkeypatch: pytest.MonkeyPatch, defines: str = ""
          ) -> list[tuple[np.ndarray, np.ndarray]]:
    """(batched, one at a time) for the plain and the accurate (Richardson) finite differences; fails
    unless the batched evaluation really ran."""
    program = _program(defines)
    node = program.parse_step(text)
    batched = []
    real = finitediff.partials

    def counted(*args: Any, **kw: Any) -> list[np.ndarray]:
        out = real(*args, **kw)
        batched.append(len(out))
        return out
    monkeypatch.setattr(finitediff, "partials", counted)
    out = []
    for backend in (numeric.NUMERIC, numeric.ACCURATE):
        a = numeric.evaluate(program, node, INST, point, backend)
        b = numeric.evaluate(program, node, INST, point, OneAtATime(backend.step, backend.richardson))
        out.append((a, b))
    assert batched, "the batched evaluation fell back to one perturbation at a time"
    return out


SMOOTH = [
    "grad(sum(softmax(W @ x) * y), W)",
    "grad(logsumexp(W @ x) - dot(y, W @ x), W)",
    "jacobian(tanh(W @ x), x)",
    "jacobian(W.T @ y, y)",
    "grad(sum(sigma(W) * W), W[:, 1])",
    "grad(mean(W ** 2, 0) @ x, W)",
    "grad(sum(mean(exp(W), 1) * softmax(W, 1)[:, 2]), W)",
    "grad(trace(diag(v) @ A) + norm(v) + sum(outer(v, x)) + numel(A) * sum(v), v)",
    "grad(det(A) + sum(inv(A)), A)",
    "diff(sin(s) * s ** 3, s)",
    "grad(W[1, 2] * sum(W[0, :] * x.T), W)",
]


@pytest.mark.parametrize("text", SMOOTH)
def test_batched_finite_differences_equal_one_evaluation_per_perturbation(text: str,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    for batched, single in _both(text, _point(), monkeypatch):
        assert batched.shape == single.shape
        assert np.isfinite(batched).all()
        assert np.array_equal(batched, single)


def test_only_the_position_whose_difference_crosses_a_kink_is_discarded(monkeypatch: pytest.MonkeyPatch) -> None:
    point = _point(W=[[1 + 2 ** -20, 2, -1], [0.5, 3, 1.5]])     # W[0, 0] is within one step h of relu's kink
    for batched, single in _both("grad(sum(relu(W - 1) * W), W)", point, monkeypatch):
        assert np.array_equal(np.isnan(batched), [[True, False, False], [False, False, False]])
        assert np.array_equal(batched, single, equal_nan=True)
        assert batched[0, 1] == pytest.approx(2 * 2 - 1)       # d/dw (w - 1) w = 2w - 1 where w > 1


def test_a_tie_in_max_discards_exactly_the_tied_positions(monkeypatch: pytest.MonkeyPatch) -> None:
    point = _point(v=[[2], [2], [1]])         # max(v) is at position 0 or 1: a perturbation switches it
    for batched, single in _both("grad(max(v) * sum(v), v)", point, monkeypatch):
        assert np.array_equal(np.isnan(batched), [[True], [True], [False]])
        assert np.array_equal(batched, single, equal_nan=True)


def test_a_value_on_a_kink_discards_every_position(monkeypatch: pytest.MonkeyPatch) -> None:
    point = _point(W=[[1, 2, -1], [0.5, 3, 1.5]])       # W[0, 0] - 1 = 0 in every other position's difference
    for batched, single in _both("grad(sum(relu(W - 1) * W), W)", point, monkeypatch):
        assert np.isnan(batched).all() and np.isnan(single).all()


def test_a_piecewise_define_on_its_kink_discards_every_position(monkeypatch: pytest.MonkeyPatch) -> None:
    """As one evaluation at a time: a branch record exactly on a kink discards the difference, even when the
    define does not depend on the variable."""
    point = _point(y=[[1], [2]])
    for batched, single in _both("grad(sum(r) * sum(v * v), v)", point, monkeypatch,
                                 defines='[define]\nr = "relu(y - 1)"\n'):
        assert np.isnan(batched).all() and np.isnan(single).all()


def _first_result(lhs: str, rhs: str) -> Any:
    doc = read_text(f'[symbols]\n{SYMS}[[claim]]\nname = "c"\nlhs = "{lhs}"\nrhs = "{rhs}"\n', "t.toml")
    return next(check_claim(doc, 0, Settings()))       # after the numeric stage, before any proof


def test_a_gradient_wrong_in_one_entry_is_found_by_the_numeric_stage_at_that_entry() -> None:
    wrong = _first_result("grad(sum(exp(W @ x)), W)", "exp(W @ x) @ x.T + onehot(1, m) @ onehot(1, n).T")
    assert wrong.verdict.value == "refuted", wrong.message
    assert wrong.counterexample.entry == (1, 1)
    right = _first_result("grad(sum(exp(W @ x)), W)", "exp(W @ x) @ x.T")
    assert right.verdict.value == "numeric"
