"""Each size's arrays built once, index values and one-hot labels substituted: the same arrays, the same verdicts."""
from __future__ import annotations

import numpy as np

from symderiv.engine.building.arrays import evaluator as direct_evaluator
from symderiv.engine.building.evaluate import Program, instances
from symderiv.engine.building.parametric import SizeBuild
from symderiv.engine.prove.proving import Prover
from symderiv.language.reading import read_text
from symderiv.results import Verdict
from symderiv.run.workers import Task, check_inline
from symderiv.settings import Settings

BATCH = """\
title = "softmax cross entropy over m labelled rows"
[symbols]
m = "dim"
n = "dim"
k = "index(n)"
Z = "matrix(m, n)"
Y = "onehot_rows(m, n)"
v = "vector(n)"
[define]
P = "softmax(Z, 1)"
J = "-sum(Y * log(P))"
[[claim]]
name = "grad of the summed cross entropy"
lhs = "grad(J, Z)"
rhs = "P - Y"
[[claim]]
name = "an entry picked by k, weighted by the labels"
lhs = "grad(sum(Y * log(P)) * v[k], v)"
rhs = "sum(Y * log(P)) * onehot(k, n)"
[[claim]]
name = "wrong: the labels dropped"
expect = false
lhs = "grad(J, Z)"
rhs = "P"
[check]
sizes = { m = [1, 2, 3], n = [2, 3] }
"""


def _steps(doc, index):
    program = Program.build(doc)
    spec = doc.claims[index]
    nodes = [program.parse_step(s) for s in spec.steps]
    return program, nodes, program.names_used(nodes)


def test_the_shared_build_gives_each_instance_its_own_arrays():
    doc = read_text(BATCH, "batch.toml")
    prover = Prover(0)
    for index in (0, 1):
        program, nodes, used = _steps(doc, index)
        sizes = {"m": 2, "n": 3}
        insts = instances(used, program, sizes)
        assert len(insts) > 1
        shared = SizeBuild(program, nodes, used, sizes)
        seen = set()
        for inst in insts:
            ev = direct_evaluator(program, used, inst)
            for k, node in enumerate(nodes):
                got, want = shared.value(k, inst), ev.value(node)
                assert got is not None and got.shape == want.shape
                assert all(prover.zeros([g - w for g, w in zip(got.flat, want.flat)]))
                seen.add(str(got.tolist()))
        assert len(seen) > len(nodes)            # the instances' arrays differ: the labels were substituted


def test_a_difference_between_instances_is_not_hidden():
    doc = read_text(BATCH, "batch.toml")
    program, nodes, used = _steps(doc, 0)
    sizes = {"m": 1, "n": 2}
    first, second = instances(used, program, sizes)
    shared = SizeBuild(program, nodes, used, sizes)
    a, b = shared.value(1, first), shared.value(1, second)      # P - Y at label 0 and at label 1
    assert not all(Prover(0).zeros([x - y for x, y in zip(a.flat, b.flat)]))


def test_claims_over_three_labelled_rows_keep_their_verdicts():
    doc = read_text(BATCH, "batch.toml")
    settings = Settings().for_file(doc.check)
    right = check_inline(Task(doc, 0, settings))
    assert right.verdict is Verdict.PROVED
    assert {"m": 3, "n": 3} in [dict(z) for z in right.step_results[0].sizes]
    assert check_inline(Task(doc, 1, settings)).verdict is Verdict.PROVED
    wrong = check_inline(Task(doc, 2, settings))
    assert wrong.verdict is Verdict.REFUTED and wrong.ok
