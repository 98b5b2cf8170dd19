"""Steps defined nowhere at some sizes: X.T @ X of an n x k matrix X is singular for every X when k > n.

Before, such a size left the exact stage with a zero denominator at every trial: least squares' normal
equations ended `numeric`, the hat matrix's idempotence ran into the time limit, and a later step defined
nowhere at k > n was `proved` there (SymPy's simplify cancelled the 0/0)."""
from __future__ import annotations

import json

from symderiv import check_text

OLS = '''
[symbols]
n = "dim"
k = "dim"
X = "matrix(n, k)"
y = "vector(n)"
[define]
b = "inv(X.T @ X) @ X.T @ y"
'''


def check(lhs: str, rhs: str, symbols: str = OLS) -> object:
    (r,) = check_text(f'{symbols}\n[[claim]]\nname = "c"\nlhs = {json.dumps(lhs)}\nrhs = {json.dumps(rhs)}\n',
                      "ols.toml")
    return r


def test_normal_equations_are_proved_and_the_sizes_where_they_say_nothing_are_named() -> None:
    r = check("X.T @ (y - X @ b)", "0 * X.T @ y")
    assert r.verdict.value == "proved", r.message
    assert {"k": 3, "n": 2} in r.proved_sizes and {"k": 2, "n": 3} in r.proved_sizes
    assert any(z["k"] >= 4 and z["n"] >= z["k"] for z in r.proved_sizes)     # a larger size where it is defined
    assert "step 0 is defined nowhere at k=3, n=2" in r.message
    assert "inverse of (X.T @ X), whose determinant is identically 0" in r.message


def test_the_hat_matrix_is_idempotent() -> None:
    hat = "X @ inv(X.T @ X) @ X.T"
    r = check(f"{hat} @ {hat}", hat)
    assert r.verdict.value == "proved", r.message
    assert "step 0 is defined nowhere at k=3, n=2" in r.message     # not left to SymPy there (it took minutes)


def test_a_wrong_claim_is_refuted_where_its_steps_are_defined() -> None:
    r = check("X.T @ (y - X @ b)", "X.T @ y")
    assert r.verdict.value == "refuted"
    sizes = r.counterexample.sizes
    assert sizes["k"] <= sizes["n"], sizes


def test_a_later_step_defined_nowhere_at_some_sizes_is_refuted_there_with_class_domain() -> None:
    r = check("0 * X.T @ y", "X.T @ (y - X @ b)")
    assert r.verdict.value == "refuted", r.message
    assert r.diagnosis == "domain"
    assert r.counterexample.sizes == {"k": 3, "n": 2}
    assert r.counterexample.rhs is None and r.counterexample.lhs == 0.0
    assert "determinant is identically 0" in r.counterexample.certificate


def test_a_divisor_with_only_some_entries_identically_zero_makes_no_step_vacuous() -> None:
    """x - x[0] is 0 in its first entry only: the step (x / (x - x[0]))[1] is defined at almost every point,
    so the wrong claim that it is 7 must not be proved vacuously."""
    r = check("(x / (x - x[0]))[1]", "7", symbols='[symbols]\nn = "dim"\nx = "vector(n)"\n')
    assert r.verdict.value != "proved", r.message


def test_a_step_defined_nowhere_at_every_size_is_an_error() -> None:
    r = check("X.T @ (y - X @ inv(X.T @ X - X.T @ X) @ X.T @ y)", "0 * X.T @ y")
    assert r.verdict.value == "error"
    assert "ols.toml:" in r.message and "step 0" in r.message and "defined nowhere at any size checked" in r.message


def test_a_domain_counterexample_of_a_later_step_defined_nowhere_names_an_undefined_entry() -> None:
    symbols = OLS.replace("[define]", 'z = "scalar"\n[define]')
    r = check("vstack(z, X.T @ y)", "vstack(z, X.T @ X @ inv(X.T @ X) @ X.T @ y)", symbols)
    assert r.verdict.value == "refuted" and r.diagnosis == "domain"
    assert r.counterexample.entry != (0, 0) and list(r.counterexample.entry) != [0, 0], r.counterexample
