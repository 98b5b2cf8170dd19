"""Issue 15: the numeric check evaluates the instances of a size assignment (index values, one-hot label
combinations) together (engine/spotcheck/allinstances.py, lanes.py), and gives each instance exactly the
points and values of evaluating it alone; what cannot be evaluated so is evaluated per instance, with the
errors raised where they were raised before."""
from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from symderiv.engine.spotcheck import allinstances, drawing, manypoints, numeric
from symderiv.engine.building.evaluate import Program, instances
from symderiv.language.reading import read_text

SYMS = ('n = "dim"\nC = "dim"\nm = "dim"\nk = "index(C)"\nj = "index(n)"\nU = "matrix(n, C)"\nv = "vector(n)"\n'
        'Y = "onehot_rows(m, C)"\nX = "matrix(m, n)"\ns = "positive"\n')
DEFINES = ('[define]\nz = "U.T @ v"\np = "softmax(z)"\nJ = "-log(p[k])"\n'
           'L = "-sum(Y * log(softmax(X @ U, 1)))"\n')
STEPS = ["grad(J, v)", "U @ (p - onehot(k, C))", "grad(J, U[:, k])", "(p[k] - 1) * v", "v[j] * k + s ** 2",
         "grad(L, U)", "diff(J, v[j])", "sum(U[j:j + 1, k:k + 1]) * s"]


def _program() -> Program:
    return Program.build(read_text(f"[symbols]\n{SYMS}{DEFINES}[[claim]]\nname = \"c\"\nlhs = \"s\"\nrhs = \"s\"\n",
                                   "t.toml"))


def _alone(program: Program, nodes: list[Any], inst: Any, count: int) -> list[tuple[Any, list[Any]]]:
    points = numeric.sample_points(program, program.names_used(nodes), inst, count, 5)
    return list(manypoints.evaluated(program, nodes, inst, points, lambda k, e: AssertionError(k, e)))


def _same(got: list[tuple[Any, list[Any]]], ref: list[tuple[Any, list[Any]]]) -> None:
    assert len(got) == len(ref)
    for (p, row), (q, ref_row) in zip(got, ref):
        assert p.values.keys() == q.values.keys()
        assert all(np.array_equal(p.values[n], q.values[n]) for n in p.values)
        assert p.exact is not None and q.exact is not None
        assert all(p.exact[n].tolist() == q.exact[n].tolist() for n in p.exact)
        for a, b in zip(row, ref_row):
            assert (a is None) == (b is None)
            if a is not None:
                assert a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


@pytest.mark.parametrize("count", [3, 5])
def test_instances_evaluated_together_get_the_points_and_values_of_each_alone(
        count: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Index values read as x[k], as a number, by onehot(k, C), in a slice and in a derivative's selection,
    and one-hot label rows: every instance's values are those of evaluating it alone, in one evaluation."""
    program = _program()
    nodes = [program.parse_step(t) for t in STEPS]
    used = program.names_used(nodes)
    batches = []
    real = manypoints.stacked_values

    def counted(*args: Any) -> Any:
        out = real(*args)
        batches.append([v is not None for v in out])
        return out
    monkeypatch.setattr(manypoints, "stacked_values", counted)
    spot = allinstances.AllInstances(program, nodes, used, 5)
    insts = instances(used, program, {"n": 2, "C": 3, "m": 2})
    assert len(insts) == 3 * 2 * 9
    for inst in insts:
        got = list(spot.evaluated(inst, count, lambda k, e: AssertionError(k, e)))
        _same(got, _alone(program, nodes, inst, count))
    assert batches and all(all(ok) for ok in batches), batches          # nothing fell back
    assert len(batches) == -(-len(insts) // (allinstances.MAX_POINTS // count))


def test_an_index_out_of_range_at_one_instance_is_an_error_there_only() -> None:
    """v[j + 1] is past the end at the last value of j: that instance raises, as evaluated alone; the
    others get their values."""
    program = _program()
    nodes = [program.parse_step(t) for t in ("v[j + 1] * s", "s * v[j + 1]")]
    used = program.names_used(nodes)
    spot = allinstances.AllInstances(program, nodes, used, 5)
    first, last = instances(used, program, {"n": 3})[::2]
    assert (first.indices, last.indices) == ({"j": 0}, {"j": 2})
    _same(list(spot.evaluated(first, 3, lambda k, e: RuntimeError(k, e))), _alone(program, nodes, first, 3))
    with pytest.raises(RuntimeError) as info:
        list(spot.evaluated(last, 3, lambda k, e: RuntimeError(k, e)))
    assert info.value.args[0] == 0 and "out of range" in str(info.value.args[1])


def test_a_point_drawn_in_one_call_is_the_arrays_drawn_one_by_one() -> None:
    """All the arrays of a point take their words from one stream: drawn at once they are the arrays
    ``spread`` draws one after the other, and the generator is left where those leave it."""
    spec = (("A", (3, 2), False), ("c", (1, 1), True), ("b", (4, 1), False), ("d", (2, 2), True))
    for seed in range(20):
        for p in range(2, 8):
            one, many = np.random.default_rng([seed, 9]), np.random.default_rng([seed, 9])
            ref = {name: numeric.spread(one, shape, positive, p) for name, shape, positive in spec}
            got = drawing.spread_point(many, spec, p)
            for name in ref:
                assert got[name][0].tolist() == ref[name][0].tolist()
                assert np.array_equal(got[name][1], ref[name][1])
            assert one.integers(0, 1 << 30) == many.integers(0, 1 << 30)


def test_simple_points_are_shared_between_instances_and_cannot_be_written() -> None:
    program = _program()
    used = {"n", "C", "k", "v", "U"}
    a, b = instances(used, program, {"n": 2, "C": 2})
    pa = list(numeric._draw_points(program, used, a, 3, 0))
    pb = list(numeric._draw_points(program, used, b, 3, 0))
    assert pa[0].values["U"] is pb[0].values["U"] and not pa[0].values["U"].flags.writeable
    assert pa[0].values["U"].tolist() == [[1.0, -0.5], [2.0, -1.0]]  # the first simple values, in name order
    assert pa[0].values["v"].tolist() == [[0.5], [-2.0]]
    assert not np.array_equal(pa[2].values["v"], pb[2].values["v"])     # random points differ per instance


def test_the_random_points_of_an_instance_drawn_at_once_are_those_drawn_one_after_the_other() -> None:
    """Points 2..19 in one call (every magnitude class: p % 5 == 4 near 0, p % 3 == 2 up to 20), as
    ``spread_point`` draws them in turn; a word numpy would reject takes the word-by-word way."""
    spec = (("A", (2, 2), False), ("c", (1, 1), True), ("b", (3, 1), False))
    ps = tuple(range(2, 20))
    for seed in range(10):
        one, many = np.random.default_rng([seed, 4]), np.random.default_rng([seed, 4])
        ref = [drawing.spread_point(one, spec, p) for p in ps]
        got = drawing.spread_points(many, spec, ps)
        for r, g in zip(ref, got):
            assert list(r) == list(g)
            for name in r:
                assert g[name][0].tolist() == r[name][0].tolist() and np.array_equal(g[name][1], r[name][1])
        assert one.integers(0, 1 << 30) == many.integers(0, 1 << 30)

    class Words:
        def __init__(self, words: list[int]) -> None:
            self.words = words

        def integers(self, lo: int, hi: int, size: int, dtype: Any) -> np.ndarray:
            out, self.words = self.words[:size], self.words[size:]
            return np.array(out, dtype=np.uint32)

    # a positive scalar at p = 2 (n = 320) and p = 3 (n = 192): the word 0 is rejected for 320 (its low
    # half 0 is below (2**32 - 320) % 320 = 256), so 2**31 + 1 gives 1 + 160; then 2**31 + 5, drawn again
    # as numpy does, gives 1 + 96
    words = Words([0, (1 << 31) + 1, (1 << 31) + 5, 7])
    got = drawing.spread_points(words, (("c", (1, 1), True),), (2, 3))   # type: ignore[arg-type]
    assert [g["c"][0].tolist() for g in got] == [[[Fraction(161, 16)]], [[Fraction(97, 64)]]]
    assert [g["c"][1].tolist() for g in got] == [[[161 / 16]], [[97 / 64]]] and words.words == [7]


def test_a_slice_whose_length_depends_on_the_index_is_evaluated_instance_by_instance() -> None:
    """sum(v[0:j + 1]) selects j + 1 entries: it cannot share a batch, so each instance evaluates it alone
    (with the values of evaluating that instance alone), while the other step is still shared."""
    program = _program()
    nodes = [program.parse_step(t) for t in ("sum(v[0:j + 1]) * s", "s * sum(v[0:j + 1])", "v[j] * s")]
    used = program.names_used(nodes)
    spot = allinstances.AllInstances(program, nodes, used, 5)
    insts = instances(used, program, {"n": 3})
    shared = []
    real = manypoints.stacked_values

    def seen(*args: Any) -> Any:
        out = real(*args)
        shared.append([v is not None for v in out])
        return out
    with pytest.MonkeyPatch.context() as m:
        m.setattr(manypoints, "stacked_values", seen)
        for inst in insts:
            _same(list(spot.evaluated(inst, 4, lambda k, e: AssertionError(k, e))), _alone(program, nodes, inst, 4))
    assert shared == [[False, False, True]]
