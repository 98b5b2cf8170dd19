"""Issue 15: the numeric stage's finite differences evaluate every perturbation of a derivative in one
batched numpy evaluation (engine/finitediff.py), and give exactly what one evaluation per perturbation
gives: the same values, the same discarded positions at kinks, the same candidates."""
from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from symderiv.engine.spotcheck import finitediff, numeric
from symderiv.engine.checking import check_claim
from symderiv.engine.building.evaluate import Instance, Program
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


# ---------------------------------------------------------------- the random points, drawn all at once
@pytest.mark.parametrize("positive", [False, True])
def test_random_points_drawn_at_once_are_those_drawn_one_by_one(positive: bool) -> None:
    """A report's counterexample points must not change: each magnitude class, both signs, and the
    generator left where the one-by-one draws leave it (the next array's values follow on)."""
    for seed in range(30):
        for p in range(2, 8):
            one, many = np.random.default_rng([seed, 3]), np.random.default_rng([seed, 3])
            one.integers(0, 5), many.integers(0, 5)     # a state holding half of a 64-bit word
            exact = numeric._spread_one_by_one(one, (3, 2), positive, p)
            fr, values = numeric.spread(many, (3, 2), positive, p)
            assert fr.tolist() == exact.tolist()
            assert np.array_equal(values, exact.astype(float))
            assert one.integers(0, 1 << 30) == many.integers(0, 1 << 30)


def test_a_word_numpy_would_reject_is_drawn_again_as_numpy_does() -> None:
    """Lemire's method draws again when the low half of word * n is below (2**32 - n) % n (4 for n = 99)."""
    class Words:
        def __init__(self, words: list[int]) -> None:
            self.words = words

        def integers(self, lo: int, hi: int, size: int, dtype: Any) -> np.ndarray:
            assert (lo, hi, dtype) == (0, 1 << 32, np.uint32)
            out, self.words = self.words[:size], self.words[size:]
            return np.array(out, dtype=np.uint32)

    words = Words([0, 1 << 31, (1 << 31) + 5, 7])
    fr, values = numeric.spread(words, (1, 1), True, 4)  # type: ignore[arg-type]
    # 0 rejected; (2**31 * 99) >> 32 = 49: numerator 50; ((2**31 + 5) * 2) >> 32 = 1: 10**3
    assert fr.tolist() == [[Fraction(50, 1000)]] and values.tolist() == [[0.05]]
    assert words.words == [7]


def test_points_kept_for_the_next_claim_are_the_points_drawn_afresh() -> None:
    """The claims of a file share their points (kept with the program); a claim asking for fewer points
    gets the first ones, one asking for more gets them all, each as if drawn for it alone."""
    def points(program: Program, count: int) -> list[Any]:
        return [(p.values["W"].tolist(), p.exact["W"].tolist(), p.values["s"].tolist())
                for p in numeric.sample_points(program, {"W", "s", "m", "n"}, INST, count, 7)]

    fresh = [points(_program(), k) for k in (2, 4, 7)]
    shared = _program()
    assert [points(shared, k) for k in (4, 2, 7)] == [fresh[1], fresh[0], fresh[2]]
    assert fresh[2][:4] == fresh[1] and fresh[2][4] != fresh[2][5]
