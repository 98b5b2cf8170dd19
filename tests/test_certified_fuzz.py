"""Issue 12, acceptance: true identities are never refuted; tiny perturbations of them always are.

Identities come from a small grammar (sigma, exp, log, tanh and polynomials of x, with
derivatives); perturbations are far below floating point at the sample points (1e-15,
e^-500, a factor 1 + 1e-12, a polynomial vanishing at every simple point, a term that
only matters beyond [-3, 3]).  A perturbed claim must be ``refuted`` with a certified
witness; an unperturbed one must never be ``refuted``.  The example counts are bounded
so the file runs in well under a minute.
"""
from __future__ import annotations

import json
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symderiv import check_text

SIMPLE_ROOTS = "(x - 1)*(x + 1/2)*(x - 2)*(x + 1)*(x - 1/2)*(x + 2)*(x - 3/2)*(x + 3/2)*(x - 3)*(x + 3)"

PERTURBATIONS = [
    " + 1e-15 * x",
    " + exp(-500)",
    " + exp(-300) * x**2",
    " * (1 + 1e-12)",
    f" + {SIMPLE_ROOTS} / 10**9",
    " + x**40 / 10**30",
]


def _rational(c: Fraction) -> str:
    return f"({c.numerator}/{c.denominator})" if c.denominator != 1 else f"({c.numerator})"


def _polynomial(coeffs: list[Fraction]) -> str:
    return " + ".join(f"{_rational(c)}*x**{k}" for k, c in enumerate(coeffs)) or "0"


def _derivative(coeffs: list[Fraction]) -> str:
    return _polynomial([k * c for k, c in enumerate(coeffs)][1:])


coefficient = st.fractions(min_value=-3, max_value=3, max_denominator=4)
polynomial = st.lists(coefficient, min_size=2, max_size=3).filter(lambda cs: any(c != 0 for c in cs[1:]))


@st.composite
def identities(draw: st.DrawFn) -> tuple[str, str]:
    cs = draw(polynomial)
    e, de = _polynomial(cs), _derivative(cs)
    kind = draw(st.sampled_from(["sigma", "tanh", "exp", "dsigma", "dlogsigma", "dtanh", "poly"]))
    if kind == "sigma":
        return f"sigma({e})", f"1 / (1 + exp(-({e})))"
    if kind == "tanh":
        return f"tanh({e})", f"2*sigma(2*({e})) - 1"
    if kind == "exp":
        return f"exp({e}) * exp(x)", f"exp({e} + x)"
    if kind == "dsigma":
        return f"diff(sigma({e}), x)", f"sigma({e}) * (1 - sigma({e})) * ({de})"
    if kind == "dlogsigma":
        return f"diff(log(sigma({e})), x)", f"(1 - sigma({e})) * ({de})"
    if kind == "dtanh":
        return f"diff(tanh({e}), x)", f"(1 - tanh({e})**2) * ({de})"
    return f"({e})**2", f"({e}) * ({e})"


def _check(lhs: str, rhs: str):  # type: ignore[no-untyped-def]
    text = (f'[symbols]\nx = "scalar"\n[[claim]]\nname = "c"\nsteps = [{json.dumps(lhs)}, {json.dumps(rhs)}]\n'
            "[check]\nsamples = 6\ntimeout = 30\n")
    return check_text(text, "fuzz.toml")[0]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(identities())
def test_a_true_identity_is_never_refuted(pair: tuple[str, str]) -> None:
    r = _check(*pair)
    assert r.verdict.value in ("proved", "numeric"), (pair, r.verdict, r.counterexample, r.message)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(identities(), st.sampled_from(PERTURBATIONS))
def test_a_tiny_perturbation_is_refuted_with_a_certified_witness(pair: tuple[str, str], tiny: str) -> None:
    lhs, rhs = pair
    r = _check(lhs, f"({rhs}){tiny}")
    assert r.verdict.value == "refuted", (lhs, rhs, tiny, r.verdict, r.message)
    cx = r.counterexample
    assert cx is not None and cx.certificate, (lhs, rhs, tiny, cx)
    assert cx.certificate.startswith(("exact", "ball arithmetic")) and cx.point is not None
