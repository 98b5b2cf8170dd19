"""Where and how a derivation went wrong (issue 5): first wrong step, diagnosis, counterexample."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from symderiv import check_text

ROOT = Path(__file__).resolve().parents[1]
RATIONAL = re.compile(r"-?\d+(/\d+)?")

HEADER = """
[symbols]
x = "scalar"
n = "dim"
m = "dim"
a = "vector(n)"
b = "vector(m)"
c = "vector(n)"

[check]
sizes = { n = [3, 4], m = [2] }
"""


def claim(name: str, steps: list[str]) -> str:
    quoted = ", ".join(json.dumps(s) for s in steps)
    return f'\n[[claim]]\nname = {json.dumps(name)}\nsteps = [{quoted}]\nexpect = false\n'


CHAINS = {
    # name: (steps, failed step, diagnosis, verdicts of every pair)
    "wrong at 1": (["(x + 1)**2", "x**2 + 1", "1 + x**2", "x*x + 1"], 1, None,
                   ["refuted", "proved", "proved"]),
    "wrong in the middle": (["(x + 1)**2", "x**2 + 2*x + 1", "x**2 + 2*x", "x*(x + 2)"], 2, "missing-term",
                            ["proved", "refuted", "proved"]),
    "wrong last": (["(x + 1)**2", "x**2 + 2*x + 1", "x**2 + 2*x - 1"], 2, None, ["proved", "refuted"]),
    # step 2 equals step 0 again, but step 1 is still the first wrong step
    "repaired later": (["(x + 1)**2", "x**2 + 1", "x**2 + 2*x + 1"], 1, None, ["refuted", "refuted"]),
}

CLASSES = {
    # name: (steps, diagnosis, words the report must use)
    "sign": (["grad(dot(a, c), a)", "-c"], "sign", "step 1 flips the sign of step 0"),
    "factor 2*x for x": (["x", "2*x"], "factor", "factor of 2"),
    "factor 1/2": (["diff(x**2, x)", "x"], "factor", "factor of 1/2"),
    "outer(b, a) for outer(a, b), shapes differ": (["outer(a, b)", "outer(b, a)"], "transpose", "transpose"),
    "outer(c, a) for outer(a, c), square": (["outer(a, c)", "outer(c, a)"], "transpose", "transpose"),
    "shape": (["a", "sum(a)"], "shape", "shape"),
    "missing term": (["x**2 + 2*x + 1", "x**2 + 1"], "missing-term", "drops the term 2 * x"),
    "extra term": (["x**2 + 1", "x**2 + 1 + sigma(x)"], "extra-term", "adds the term sigma(x)"),
    "a 1e-12 offset": (["sigma(x)", "sigma(x) + 0.000000000001"], "extra-term", "1e-12"),
    # traps and cases no class explains
    "x**3 for x**2 is none of them": (["x**2", "x**3"], None, "step 1 is not equal to step 0"),
    "negation at n = 3 only is not sign": (["x", "(n - 4) * x"], None, "step 1 is not equal to step 0"),
    "a multiple that changes with the size is a factor of the size": (["x", "n * x"], "factor",
                                                                      "step 1 is n times step 0"),
    "a multiple that is no power of the size is not factor": (["x", "(n + 1) * x"], None, "not equal"),
    "zero for a one-term step is not missing-term": (["sigma(x)", "0"], None, "not equal"),
    # every entry must be shown zero, not the first one only (the first entry is tested on its own)
    "the negation at the first entry only is not sign": (
        ["a", "2 * (a - a[0] * ones(n)) - a + (sigma(x) + sigma(-x) - 1) * ones(n)"], None, "not equal"),
    "a transpose at n = 3 only is not transpose": (["a @ c.T", "(a @ c.T).T + (n - 3) * eye(n)"], None, "not equal"),
}


@pytest.fixture(scope="module")
def results() -> dict[str, object]:
    text = HEADER + "".join(claim(k, v[0]) for k, v in {**CHAINS, **CLASSES}.items())
    return {r.claim: r for r in check_text(text, "diag.toml")}


@pytest.mark.parametrize("name", list(CHAINS))
def test_the_first_wrong_step_is_reported_exactly(results: dict, name: str) -> None:
    steps, failed, diagnosis, pairs = CHAINS[name]
    r = results[name]
    assert r.verdict.value == "refuted" and r.ok
    assert r.failed_step == failed
    assert r.diagnosis == diagnosis
    assert [s.verdict.value for s in r.step_results] == pairs
    assert [s.index for s in r.step_results] == list(range(1, len(steps)))


@pytest.mark.parametrize("name", list(CLASSES))
def test_each_diagnosis_is_decided_by_proof(results: dict, name: str) -> None:
    from symderiv.report.wording import describe_diagnosis as describe_step

    _, diagnosis, words = CLASSES[name]
    r = results[name]
    assert r.verdict.value == "refuted" and r.failed_step == 1
    assert r.diagnosis == diagnosis, (r.diagnosis, r.step_results[0].diagnosis_detail)
    assert words in describe_step(r.step_results[0])


def test_a_step_that_is_the_negation_at_one_size_still_has_a_counterexample_there(results: dict) -> None:
    cx = results["negation at n = 3 only is not sign"].counterexample
    assert cx.sizes == {"n": 3}
    assert (cx.lhs_exact, cx.rhs_exact) == ("1", "-1")


def test_a_shape_difference_is_its_own_counterexample(results: dict) -> None:
    cx = results["shape"].counterexample
    assert cx.sizes == {"n": 3}
    assert tuple(cx.lhs_shape) == (3, 1) and tuple(cx.rhs_shape) == (1, 1)
    t = results["outer(b, a) for outer(a, b), shapes differ"].counterexample
    assert tuple(t.lhs_shape) == (3, 2) and tuple(t.rhs_shape) == (2, 3)


def test_counterexamples_prefer_the_simplest_point_with_exact_values(results: dict) -> None:
    # x = 0 shows nothing for (x+1)^2 vs x^2 + 1; x = 1 is the simplest point that does
    cx = results["wrong at 1"].counterexample
    assert cx.point == {"x": 1} and cx.sizes == {} and cx.entry == (0, 0)
    assert (cx.lhs_exact, cx.rhs_exact, cx.difference) == ("4", "2", "-2")
    assert (cx.lhs, cx.rhs) == (4.0, 2.0)
    # smallest size first, and the first entry that differs
    sign = results["sign"].counterexample
    assert sign.sizes == {"n": 3} and sign.entry == (0, 0)
    assert RATIONAL.fullmatch(sign.lhs_exact) and RATIONAL.fullmatch(sign.rhs_exact)
    assert float(sign.lhs_exact.split("/")[0]) != 0


NEGATIVE_SAMPLING = """
title = "negative sampling, 3(c), dJ/du_k"
[symbols]
d   = "dim"
K   = "dim"
v_c = "vector(d)"
u_o = "vector(d)"
Uk  = "matrix(d, K)"
k   = "index(K)"

[define]
s_o  = "sigma(u_o.T @ v_c)"
s_k  = "sigma(-Uk.T @ v_c)"
J    = "-log(s_o) - sum(log(s_k))"
ds_k = "s_k * (1 - s_k)"

[[claim]]
name   = "dJ/du_k as written"
expect = false
steps  = [
  "grad(J, Uk[:, k])",
  "(1 / s_k[k]) * ds_k[k] * v_c",
  "-(1 - sigma(-Uk[:, k].T @ v_c)) * v_c",
]

[[claim]]
name   = "dJ/du_k, the right last step"
steps  = [
  "grad(J, Uk[:, k])",
  "(1 / s_k[k]) * ds_k[k] * v_c",
  "(1 - sigma(-Uk[:, k].T @ v_c)) * v_c",
]

[check]
sizes = { d = [2, 3], K = [1, 2] }
"""


def test_the_seed_3c_sign_slip_is_named_with_a_counterexample_checkable_by_hand(tmp_path: Path) -> None:
    f = tmp_path / "negative_sampling.toml"
    f.write_text(NEGATIVE_SAMPLING)
    proc = subprocess.run([sys.executable, "-m", "symderiv", "check", str(f), "--format", "json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wrong, right = json.loads(proc.stdout)["results"]
    assert right["verdict"] == "proved"
    assert wrong["verdict"] == "refuted" and wrong["failed_step"] == 2 and wrong["diagnosis"] == "sign"
    assert [s["verdict"] for s in wrong["steps"]] == ["proved", "refuted"]
    cx = wrong["counterexample"]
    assert cx["sizes"] == {"K": 1, "d": 2} and cx["indices"] == {"k": 0}
    assert set(cx["point"]) == {"Uk", "u_o", "v_c"}
    # a point where sigma is evaluated at 0: both values are small rationals, opposite in sign
    assert RATIONAL.fullmatch(cx["lhs_exact"]) and RATIONAL.fullmatch(cx["rhs_exact"])
    assert cx["lhs_exact"] == cx["rhs_exact"].removeprefix("-") and cx["rhs_exact"].startswith("-")
    assert cx["lhs"] == -cx["rhs"] != 0

    text = subprocess.run([sys.executable, "-m", "symderiv", "check", str(f)], capture_output=True, text=True,
                          cwd=ROOT, timeout=600, env={**os.environ, "NO_COLOR": "1"}).stdout
    assert "step 2 flips the sign of step 1" in text
    assert "step 2, the last step, is the first wrong step" in text
    assert f"step 1[0, 0] = {cx['lhs_exact']}" in text and f"step 2[0, 0] = {cx['rhs_exact']}" in text


def test_the_simplest_candidate_points_come_in_the_order_of_sorting_every_combination() -> None:
    import itertools
    import random
    from symderiv.engine.refute.showcase import simplest
    rng = random.Random(5)
    for _ in range(300):
        options = [[(r, object()) for r in sorted(rng.sample(range(8), rng.randint(1, 8)))]
                   for _ in range(rng.randint(0, 4))]
        count = rng.choice([1, 12, 50])
        every = sorted(itertools.product(*options),
                       key=lambda c: (sum(r for r, _ in c), max((r for r, _ in c), default=0)))
        assert simplest(options, count) == every[:count]


def test_a_forgotten_one_over_sqrt_d_in_attention_is_a_factor() -> None:
    """sqrt(d) also inside the softmax: the ratio of the two gradients is sqrt(2) to SymPy only after the
    exponentials cancel, which nothing did, so the canonical attention slip had no diagnosis."""
    text = ('[symbols]\nd = "dim"\nn = "dim"\nq = "vector(d)"\nK = "matrix(n, d)"\n'
            '[define]\ns = "K @ q / sqrt(d)"\nL = "logsumexp(s)"\n'
            '[[claim]]\nname = "forgot 1/sqrt(d)"\nexpect = false\nlhs = "grad(L, q)"\nrhs = "K.T @ softmax(s)"\n')
    (r,) = check_text(text, "attention.toml")
    assert r.verdict.value == "refuted"
    assert r.diagnosis == "factor"
    assert r.step_results[0].diagnosis_detail == "it is sqrt(d) times the step before"


def test_a_size_factor_is_no_diagnosis_when_it_depends_on_an_index_value() -> None:
    """With more than 16 instances the factor was shown at the first instance of each size only: a step
    that is n times the one before at i = 0 but n + 1 times at i = 1 was diagnosed "n times"."""
    head = '[symbols]\nn = "dim"\nx = "vector(n)"\ni = "index(n)"\nj = "index(n)"\nk = "index(n)"\n'
    body = ('[[claim]]\nname = "{name}"\nexpect = false\nlhs = "x[i] * x[j] * x[k]"\n'
            'rhs = "{rhs} * x[i] * x[j] * x[k]"\n')
    text = head + body.format(name="a", rhs="(numel(x) + onehot(i, n)[1])") + body.format(name="b", rhs="numel(x)")
    a, b = check_text(text, "t.toml")
    assert a.verdict.value == "refuted" and a.diagnosis is None, a.step_results[0].diagnosis_detail
    assert b.diagnosis == "factor" and b.step_results[0].diagnosis_detail == "it is n times the step before"
