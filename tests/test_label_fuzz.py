"""`proved_sizes` covers every index value and one-hot label combination of a larger size, even where they are
too many to list.

At a larger size with more than 64 label combinations the proof tests all of them at once, with the
labels as variables (``fastproof._Build.everywhere``).  Random claims ``E = E + (n - 2)(n - 3) R``
(right at sizes 2 and 3; at larger sizes right exactly where R is 0) in a scalar x and the entries of a
one-hot label matrix Y and an index i (+ - * /, squares, exp, log) are checked, and at every larger size listed in
``proved_sizes`` both sides must agree, to 40 digits, at every combination (or 300 drawn ones when
there are more), at both values of i, where both are defined.  The oracle is mpmath on the expressions as written: it shares
nothing with the graph, the exact stage or the parser.  The enumerated sizes' shared build (every
index value at once) is covered too: it once took a slice by the index at the first value for all.
"""
from __future__ import annotations

import json
import random
from fractions import Fraction
from typing import Any

import mpmath
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from strategies import expressions as shared_expressions

from symderiv import check_text

LEAVES = ["x", "Y[0, 0]", "Y[0, 1]", "Y[1, 0]", "Y[1, n - 1]", "sum(Y)", "sum(Y * Y)", "1", "2", "n", "m",
          "v[i]", "v[0]", "Y[0, i]", "Y[i, 1]", "sum(v[i:])"]
FORMS = {"exp": lambda a: f"exp({a})", "log": lambda a: f"log(1 + ({a})**2)", "neg": lambda a: f"(-({a}))",
         "square": lambda a: f"(({a})**2)"}
SYMBOLS = 'n = "dim"\nm = "dim"\nx = "scalar"\nv = "vector(n)"\ni = "index(2)"\nY = "onehot_rows(m, n)"'
MAX_COMBINATIONS = 300


def expressions(depth: int = 3) -> st.SearchStrategy[str]:
    return shared_expressions(LEAVES, FORMS, depth)


@st.composite
def remainders(draw: st.DrawFn) -> str:
    """R: a random expression (mostly nonzero), one zero for generic labels too (rows sum to 1), one zero at
    every 0/1 choice only (two entries of a row), or one zero at i = 0 only (a slice by the index)."""
    a = draw(expressions(depth=2))
    return draw(st.sampled_from([a, f"({a}) * (sum(Y) - m)", f"({a}) * Y[0, 0] * Y[0, 1]",
                                 f"({a}) * (sum(Y * Y) - sum(Y))", f"({a}) * (sum(v[i:]) - sum(v))"]))


class _Labels:
    """A one-hot label matrix for the oracle: entries, elementwise product, sum."""

    def __init__(self, rows: list[list[Any]]) -> None:
        self.rows = rows

    def __getitem__(self, rc: tuple[int, int]) -> Any:
        r, c = rc
        if not (0 <= r < len(self.rows) and 0 <= c < len(self.rows[0])):
            raise IndexError(rc)
        return self.rows[r][c]

    def __mul__(self, other: "_Labels") -> "_Labels":
        return _Labels([[a * b for a, b in zip(p, q)] for p, q in zip(self.rows, other.rows)])


def _sum(a: Any) -> Any:
    return mpmath.fsum(a) if isinstance(a, list) else mpmath.fsum(v for row in a.rows for v in row)


def _value(expr: str, sizes: dict[str, int], labels: tuple[int, ...], x: Fraction, i: int) -> Any:
    """The expression's value, or None where it is not defined (a zero denominator, an overflow)."""
    m, n = sizes.get("m", 2), sizes.get("n", 2)        # a dim the claim does not use: any size
    Y = _Labels([[mpmath.mpf(int(c == k)) for c in range(n)] for k in labels])
    v = [mpmath.mpf(x.numerator) / (x.denominator + 3 * k + 1) - k for k in range(n)]
    names = {"x": mpmath.mpf(x.numerator) / x.denominator, "Y": Y, "n": n, "m": m, "v": v, "i": i,
             "exp": mpmath.exp, "log": mpmath.log, "sum": _sum}
    try:
        with mpmath.workdps(60):
            v = eval(expr, {"__builtins__": {}}, names)         # noqa: S307 - our own generated text
            return v if isinstance(v, mpmath.mpf) and mpmath.isfinite(v) else None
    except (ZeroDivisionError, OverflowError, ValueError):
        return None


def _combinations(sizes: dict[str, int], rng: random.Random) -> list[tuple[int, ...]]:
    m, n = sizes.get("m", 2), sizes.get("n", 2)
    if n ** m <= MAX_COMBINATIONS:
        out: list[tuple[int, ...]] = [()]
        for _ in range(m):
            out = [c + (k,) for c in out for k in range(n)]
        return out
    return [(0,) * m, (n - 1,) * m] + [tuple(rng.randrange(n) for _ in range(m)) for _ in range(MAX_COMBINATIONS)]


def _check(e: str, r: str) -> None:
    lhs, rhs = e, f"({e}) + (n - 2) * (n - 3) * ({r})"
    text = f'[symbols]\n{SYMBOLS}\n\n[[claim]]\nname = "c"\nlhs = {json.dumps(lhs)}\nrhs = {json.dumps(rhs)}\n'
    (res,) = check_text(text, "fuzz.toml")
    if res.verdict.value != "proved":
        return
    rng = random.Random(0)
    for sizes in res.proved_sizes:
        if max(sizes.values(), default=0) < 4:
            continue
        for labels in _combinations(sizes, rng):
            for i in (0, 1):
                for x in (Fraction(rng.randrange(-40, 40), rng.randrange(1, 9)), Fraction(3, 7)):
                    a, b = _value(lhs, sizes, labels, x, i), _value(rhs, sizes, labels, x, i)
                    if a is None or b is None:
                        continue
                    assert abs(a - b) <= mpmath.mpf(10) ** -40 * (1 + abs(a) + abs(b)), (
                        f"proved at {sizes}, yet at labels {labels}, i = {i}, x = {x}: {a} != {b}\n"
                        f"  lhs: {lhs}\n  rhs: {rhs}")


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(expressions(), remainders())
@example("x * Y[0, 0]", "Y[0, 0] - Y[1, 0]")                 # wrong unless rows 0 and 1 agree
@example("x", "x * Y[0, 0] * Y[0, 1]")                       # right at every 0/1 choice, not for generic labels
@example("x * sum(Y)", "x * (sum(Y * Y) - m)")
@example("exp(x * Y[0, 0])", "exp(x) * Y[0, 0] - x * Y[1, n - 1]")
@example("x / (2 - Y[0, 0] - Y[1, 0])", "Y[0, 0] / (1 - Y[0, 0])")
@example("v[i] * Y[0, i]", "v[i] * v[i] - v[0] * Y[i, 1]")    # an index with the labels
@example("x * v[i]", "(Y[0, i] - Y[i, 1]) * x")
@example("((log(1 + (((1)**2))**2))**2)", "((1) - (1))")        # no dim used
@example("x", "x * (sum(v[i:]) - sum(v))")                   # right at i = 0 only: a slice by the index
def test_a_larger_size_listed_as_proved_holds_at_every_label_combination(e: str, r: str) -> None:
    _check(e, r)
