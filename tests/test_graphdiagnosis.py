"""The diagnosis of a wrong step on the expression graph (issue 15): the same classes, without SymPy arrays.

The graph route must give the diagnoses the SymPy route gives.  The first group is checked
with the SymPy route switched off (it raises), so each expected class here is the graph's
own answer; the second group needs the SymPy route (the graph cannot build the step, or
cannot certify that a class fails) and must still be diagnosed by it.
"""
from __future__ import annotations

import json
from typing import Any

import pytest

from symderiv import check_text
from symderiv.engine.refute import graphdiagnosis
from symderiv.report.wording import describe_diagnosis

HEADER = """
[symbols]
x = "scalar"
p = "positive"
n = "dim"
m = "dim"
a = "vector(n)"
b = "vector(m)"
c = "vector(n)"
A = "matrix(n, n)"

[check]
sizes = { n = [3, 4], m = [2] }
"""

ON_THE_GRAPH = {
    # name: (steps, diagnosis, words the report must use)
    "sign, through a derivative of sigma": (["diff(sigma(x), x)", "-sigma(x) * (1 - sigma(x))"], "sign",
                                            "flips the sign"),
    "sign of a gradient": (["grad(dot(a, c), a)", "-c"], "sign", "flips the sign"),
    # the graph's log(b^k) = k log b for positive b: a class the SymPy atoms alone did not show
    "sign through the log of a positive square": (["log(p*p)", "-2*log(p)"], "sign", "flips the sign"),
    "factor 3 of a softmax": (["grad(logsumexp(a), a)", "3 * softmax(a)"], "factor", "factor of 3"),
    "factor 2 of tanh'": (["diff(tanh(x), x)", "2*(1 - tanh(x)**2)"], "factor", "factor of 2"),
    "factor 1/2": (["diff(x**2, x)", "x"], "factor", "factor of 1/2"),
    "transpose, square": (["outer(a, c)", "outer(c, a)"], "transpose", "transpose"),
    "transpose, shapes differ": (["outer(a, b)", "outer(b, a)"], "transpose", "transpose"),
    "transpose of a Jacobian": (["jacobian(A @ a, a)", "A.T"], "transpose", "transpose"),
    "shape": (["a", "sum(a)"], "shape", "shape"),
    "missing term": (["x**2 + 2*x + 1", "x**2 + 1"], "missing-term", "drops the term 2 * x"),
    "missing log term": (["exp(x) + log(p) + x", "exp(x) + x"], "missing-term", "drops the term log(p)"),
    "extra term": (["x**2 + 1", "x**2 + 1 + sigma(x)"], "extra-term", "adds the term sigma(x)"),
    # traps: a class must hold at every entry and every size
    "x**3 for x**2 is none": (["x**2", "x**3"], None, "not equal"),
    "zero for a one-term step is not missing-term": (["sigma(x)", "0"], None, "not equal"),
    "the negation at the first entry only is not sign": (
        ["a", "2 * (a - a[0] * ones(n)) - a + (sigma(x) + sigma(-x) - 1) * ones(n)"], None, "not equal"),
    "a transpose at n = 3 only is not transpose": (["a @ c.T", "(a @ c.T).T + (n - 3) * eye(n)"], None,
                                                   "not equal"),
    "a factor at one entry only is not factor": (["a", "2 * a - a[0] * onehot(0, n)"], None, "not equal"),
    "the exp of a different argument is not extra-term": (["exp(x) + x", "exp(2*x) + x + 1"], None, "not equal"),
}

NEEDS_SYMPY = {
    "sin is not on the graph: sign": (["sin(x)", "-sin(x)"], "sign", "flips the sign"),
    "relu is not on the graph: factor": (["relu(x)", "2*relu(x)"], "factor", "factor of 2"),
    "a factor of the size": (["x", "n * x"], "factor", "is n times step 0"),
    "negation at n = 3 only is not sign": (["x", "(n - 4) * x"], None, "not equal"),
}


def _text(cases: dict[str, Any]) -> str:
    return HEADER + "".join(f"\n[[claim]]\nname = {json.dumps(k)}\nsteps = {json.dumps(v[0])}\nexpect = false\n"
                            for k, v in cases.items())


@pytest.fixture(scope="module")
def graph_only() -> dict[str, Any]:
    """Results with the SymPy route of the diagnosis switched off: every diagnosis is the graph's."""
    mp = pytest.MonkeyPatch()

    def no_sympy(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the SymPy route was used")
    mp.setattr(graphdiagnosis, "diagnose", no_sympy)
    mp.setattr(graphdiagnosis, "power_hint", no_sympy)
    try:
        return {r.claim: r for r in check_text(_text(ON_THE_GRAPH), "graph.toml")}
    finally:
        mp.undo()


@pytest.mark.parametrize("name", list(ON_THE_GRAPH))
def test_the_graph_diagnoses_without_sympy_arrays(graph_only: dict, name: str) -> None:
    _, diagnosis, words = ON_THE_GRAPH[name]
    r = graph_only[name]
    assert r.verdict.value == "refuted" and r.failed_step == 1, r.message
    assert r.diagnosis == diagnosis, (r.diagnosis, r.step_results[0].diagnosis_detail)
    assert words in describe_diagnosis(r.step_results[0])


@pytest.fixture(scope="module")
def with_fallback() -> tuple[dict[str, Any], list[str]]:
    used: list[str] = []
    original = graphdiagnosis.diagnose

    def spy(program: Any, a: Any, b: Any, *args: Any, **kwargs: Any) -> Any:
        used.append(repr(b))
        return original(program, a, b, *args, **kwargs)
    mp = pytest.MonkeyPatch()
    mp.setattr(graphdiagnosis, "diagnose", spy)
    try:
        return {r.claim: r for r in check_text(_text(NEEDS_SYMPY), "fallback.toml")}, used
    finally:
        mp.undo()


@pytest.mark.parametrize("name", list(NEEDS_SYMPY))
def test_the_sympy_route_still_diagnoses_what_the_graph_cannot(with_fallback: tuple, name: str) -> None:
    results, used = with_fallback
    _, diagnosis, words = NEEDS_SYMPY[name]
    r = results[name]
    assert r.verdict.value == "refuted" and r.failed_step == 1, r.message
    assert r.diagnosis == diagnosis, (r.diagnosis, r.step_results[0].diagnosis_detail)
    assert words in describe_diagnosis(r.step_results[0])
    assert len(used) == len(NEEDS_SYMPY)          # each of these went to the SymPy route


def test_a_graph_that_claims_every_difference_zero_is_not_believed() -> None:
    """The rejections are certified by balls, but a class is claimed only by the exact test: with a broken
    exact test that says "zero" to everything, x**3 for x**2 would be "sign"; the balls at a point show
    x**2 + x**3 is not zero, so the class is rejected before the exact test is asked."""
    mp = pytest.MonkeyPatch()
    mp.setattr(graphdiagnosis, "zero_mask", lambda program, *a, **k: [True] * len(program.outputs))
    try:
        (r,) = check_text(_text({"cube": (["x**2", "x**3"],)}), "cube.toml")
    finally:
        mp.undo()
    assert r.verdict.value == "refuted" and r.diagnosis is None


def test_the_power_hint_comes_from_the_graph_too() -> None:
    mp = pytest.MonkeyPatch()
    mp.setattr(graphdiagnosis, "power_hint", lambda *a, **k: (_ for _ in ()).throw(AssertionError("SymPy")))
    try:
        (r,) = check_text(_text({"power": (["A @ (A @ a)", "A**2 @ a"],)}), "power.toml")
    finally:
        mp.undo()
    assert r.verdict.value == "refuted"
    assert "for a matrix power write A @ A" in r.message


def test_the_counterexample_values_at_a_rational_point_come_from_the_graph() -> None:
    """x = 0 shows nothing for (x+1)^2 against x^2 + 1, x = 1 does; sigma'(0) = 1/4 against -1/4: both found
    with the SymPy evaluation of the candidate points switched off."""
    from symderiv.engine.refute import showcase
    mp = pytest.MonkeyPatch()
    mp.setattr(showcase, "_witness", lambda *a, **k: (_ for _ in ()).throw(AssertionError("SymPy values")))
    try:
        square, sigma = check_text(_text({"square": (["(x + 1)**2", "x**2 + 1"],),
                                          "sigma": (["diff(sigma(x), x)", "-sigma(x) * (1 - sigma(x))"],)}),
                                   "values.toml")
    finally:
        mp.undo()
    cx = square.counterexample
    assert cx.point == {"x": 1} and cx.entry == (0, 0)
    assert (cx.lhs_exact, cx.rhs_exact, cx.difference, cx.lhs, cx.rhs) == ("4", "2", "-2", 4.0, 2.0)
    assert cx.certificate == "exact: both values are rational"
    cx = sigma.counterexample
    assert cx.point == {"x": 0} and (cx.lhs_exact, cx.rhs_exact, cx.difference) == ("1/4", "-1/4", "-1/2")


def test_an_irrational_counterexample_is_still_shown_exactly_by_sympy() -> None:
    """exp(x + 1/3) against 2 exp(x + 1/3): no simple point gives rational values, so the SymPy route shows them."""
    from symderiv.engine.refute import showcase
    calls: list[object] = []
    original = showcase._witness

    def spy(*args: Any) -> Any:
        calls.append(args)
        return original(*args)
    mp = pytest.MonkeyPatch()
    mp.setattr(showcase, "_witness", spy)
    try:
        (r,) = check_text(_text({"e": (["exp(x + 1/3)", "2 * exp(x + 1/3)"],)}), "e.toml")
    finally:
        mp.undo()
    cx = r.counterexample
    assert r.diagnosis == "factor" and calls
    assert cx.point == {"x": 0} and (cx.lhs_exact, cx.rhs_exact) == ("exp(1/3)", "2*exp(1/3)")
    assert cx.difference == "1.3956124250860895"


def test_an_irrational_counterexample_is_shown_in_a_short_form() -> None:
    """tanh'(x) = 1 + tanh(x)^2 at x = 1: the wrong side is shown as tanh(1)**2 + 1, not as exponentials."""
    (r,) = check_text(_text({"e": (["diff(tanh(x), x)", "1 + tanh(x)**2"],)}), "e.toml")
    cx = r.counterexample
    assert r.verdict.value == "refuted" and cx.point == {"x": 1}
    assert (cx.lhs_exact, cx.rhs_exact) == ("cosh(1)**(-2)", "tanh(1)**2 + 1")



def test_a_value_with_a_huge_exponent_is_shown_as_built_without_factoring(monkeypatch) -> None:
    """exp(b**3) for a rational b of a few digits is exp(-1524095/262144) at v = 0: ``factor`` would work on a
    polynomial of that degree (it ran until its 5 s budget ran out, twice per claim), so it is not asked."""
    from symderiv.engine.refute import showcase

    def no_factor(e: Any) -> Any:
        raise AssertionError(f"factor asked of {e}")

    monkeypatch.setattr(showcase.sp, "factor", no_factor)
    b = "(((-3/4))**3 - (1 + ((-3/4))**2))**3"
    text = ('[symbols]\nn = "dim"\nv = "vector(n)"\n[check]\nsizes = { n = [2] }\n[[claim]]\nname = "shift"\n'
            f'lhs = "exp(sum(exp(v)) - v.T @ v) * exp({b}) + exp(1/sqrt(3))"\n'
            f'rhs = "exp(sum(exp(v)) - v.T @ v + {b}) + exp(1/sqrt(3)) + 1/100000000"\n')
    (r,) = check_text(text, "big.toml")
    cx = r.counterexample
    assert r.verdict.value == "refuted" and cx.point == {"v": [0, 0]}
    assert cx.lhs_exact == "exp(-1524095/262144) + exp(sqrt(3)/3)"
    assert cx.rhs_exact == "1/100000000 + exp(-1524095/262144) + exp(sqrt(3)/3)"
    monkeypatch.undo()        # small exponents are still rewritten: cancelled, factored, as hyperbolic functions
    e = showcase.sp.E
    assert showcase._readable(e / (e + showcase.sp.exp(2))) == "1/(1 + E)"
    assert showcase._readable(4 * showcase.sp.exp(2) / (1 + showcase.sp.exp(2)) ** 2) == "cosh(1)**(-2)"

BACKPROP = """
[symbols]
D = "dim"
H = "dim"
C = "dim"
x = "vector(D)"
W1 = "matrix(H, D)"
b1 = "vector(H)"
W2 = "matrix(C, H)"
b2 = "vector(C)"
k = "index(C)"

[define]
h = "sigma(W1 @ x + b1)"
z2 = "W2 @ h + b2"
J = "-log(softmax(z2)[k])"

[[claim]]
name = "wrong: dJ/dW2 = h delta2^T"
expect = false
lhs = "grad(J, W2)"
rhs = "h @ grad(J, z2).T"
"""


def test_a_step_too_large_for_sympy_still_gets_an_exact_counterexample_from_the_graph() -> None:
    """The SymPy trees are over the size bound of the search, but at zeros the graph values every entry exactly."""
    (r,) = check_text(BACKPROP, "b.toml")
    cx = r.counterexample
    assert r.verdict.value == "refuted" and cx.exact
    assert cx.certificate == "exact: both values are rational"
    assert (cx.lhs_exact, cx.rhs_exact) == ("-1/4", "1/4")
