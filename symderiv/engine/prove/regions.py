"""Regions of branch conditions: exact linear programming over the rationals, and words.

A region is a conjunction of strict conditions ``sign * u > 0`` on the arguments u of
the unit steps of a difference.  When every u is linear in the symbols (with rational
coefficients), the region is non-empty iff the LP

    maximise t  subject to  sign_i * u_i(x) >= t  (every i),  t <= 1

has optimum t* > 0; the optimal x is then a point strictly inside the region, at
margin t* from every boundary.  The LP is solved exactly with ``Fraction`` arithmetic
(a dense simplex with Bland's rule, so it cannot cycle), never with floats: a region
declared empty is empty.  A condition that is not linear calls a region empty only
through a relaxation: every product or function of the symbols a variable of its own
(``_relaxed_empty``), whose emptiness implies the region's.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Iterable

import sympy as sp

Linear = tuple[dict[sp.Symbol, Fraction], Fraction]      # coefficients and constant: a . x + c
Condition = tuple[sp.Basic, int]                         # (u, +1) is u > 0, (u, -1) is u < 0
Point = dict[sp.Symbol, Fraction]


def linear_form(u: sp.Basic, relaxed: bool = False) -> Linear | None:
    """u as a . x + c with rational a, c; None when u is not of that form.  ``relaxed``: every product
    or function of the symbols in the expanded u (``a*s``, ``exp(x)``) is a variable of its own, so that
    u is always linear in them (for deciding emptiness only: see ``feasible``)."""
    if not relaxed and u.has(sp.Function, sp.Pow) and not u.is_polynomial():
        return None
    try:
        e = sp.expand(u)
    except (RecursionError, MemoryError):
        return None
    coeffs: dict[sp.Symbol, Fraction] = {}
    const = Fraction(0)
    for term in sp.Add.make_args(e):
        c, rest = term.as_coeff_Mul()
        if not c.is_Rational:
            return None
        c = Fraction(int(c.p), int(c.q))
        if rest == 1:
            const += c
        elif rest.is_Symbol or (relaxed and rest.free_symbols):
            coeffs[rest] = coeffs.get(rest, Fraction(0)) + c
        else:
            return None
    return {s: v for s, v in coeffs.items() if v != 0}, const


def value(form: Linear, point: Point) -> Fraction:
    a, c = form
    return c + sum((k * point.get(s, Fraction(0)) for s, k in a.items()), Fraction(0))


def interior(forms: list[Linear]) -> tuple[Fraction, Point]:
    """(t*, x): the largest margin t <= 1 with every form >= t at x, and such an x.

    The region {every form > 0} is non-empty iff t* > 0.
    """
    variables = sorted({s for a, _ in forms for s in a}, key=str)
    n = len(variables)
    t0 = min([Fraction(0)] + [c for _, c in forms]) - 1      # t = s + t0, s >= 0: the origin is feasible
    # columns: x+ (n), x- (n), s;  rows: -a.x + s <= c - t0 (i.e. a.x + c >= t), and s <= 1 - t0
    A: list[list[Fraction]] = []
    b: list[Fraction] = []
    for a, c in forms:
        row = [-a.get(v, Fraction(0)) for v in variables]
        A.append(row + [-x for x in row] + [Fraction(1)])
        b.append(c - t0)
    A.append([Fraction(0)] * (2 * n) + [Fraction(1)])
    b.append(1 - t0)
    best, y = _simplex(A, b, [Fraction(0)] * (2 * n) + [Fraction(1)])
    point = {v: y[j] - y[n + j] for j, v in enumerate(variables)}
    return best + t0, point


def _simplex(A: list[list[Fraction]], b: list[Fraction], c: list[Fraction]) -> tuple[Fraction, list[Fraction]]:
    """max c.y subject to A y <= b, y >= 0, for b >= 0 (the origin is feasible) and a bounded optimum.

    Integer pivoting (Bareiss): every row is scaled to integers once, and the tableau is kept
    as integers T with the true tableau T / D (D the last pivot, always > 0), so no fraction
    is ever reduced; each division below is exact.  Bland's rule: no cycling.
    """
    m, n = len(A), len(c)
    T: list[list[int]] = []
    for i in range(m):
        scale = math.lcm(*(x.denominator for x in A[i]), b[i].denominator)
        T.append([int(x * scale) for x in A[i]] + [int(i == j) for j in range(m)] + [int(b[i] * scale)])
    scale = math.lcm(*(x.denominator for x in c))
    z = [int(-x * scale) for x in c] + [0] * m + [0]
    basis = [n + i for i in range(m)]
    D = 1
    while True:
        e = next((j for j in range(n + m) if z[j] < 0), None)       # Bland: the smallest improving column
        if e is None:
            break
        r = -1
        for i in range(m):
            if T[i][e] > 0 and (r < 0 or T[i][-1] * T[r][e] < T[r][-1] * T[i][e]
                                or (T[i][-1] * T[r][e] == T[r][-1] * T[i][e] and basis[i] < basis[r])):
                r = i
        if r < 0:
            raise ArithmeticError("unbounded linear program")     # cannot happen: t <= 1
        p, row = T[r][e], T[r]
        for i in range(m):
            if i != r:
                f = T[i][e]
                T[i] = [(p * x - f * y) // D for x, y in zip(T[i], row)]
        f = z[e]
        z = [(p * x - f * y) // D for x, y in zip(z, row)]
        D = p
        basis[r] = e
    y = [Fraction(0)] * (n + m)
    for i, j in enumerate(basis):
        y[j] = Fraction(T[i][-1], D)
    return Fraction(z[-1], D * scale), y[:n]


def oriented(form: Linear, sign: int) -> Linear:
    a, c = form
    return ({s: sign * k for s, k in a.items()}, sign * c)


def feasible(conditions: Iterable[Condition], hint: Point | None = None) -> tuple[bool | None, Point | None]:
    """Is the region non-empty: True (with a point strictly inside, for its linear conditions),
    False (its linear conditions alone admit no point), or None (nonlinear: not decided)."""
    forms: list[Linear] = []
    nonlinear = False
    conditions = list(conditions)
    for u, sign in conditions:
        f = linear_form(u)
        if f is None:
            nonlinear = True
        else:
            forms.append(oriented(f, sign))
    if nonlinear and _relaxed_empty(conditions):
        return False, None
    variables = {v for a, _ in forms for v in a}
    forms += [({v: Fraction(1)}, Fraction(0)) for v in sorted(variables, key=str) if v.is_positive]
    if hint is not None and all(value(f, hint) > 0 for f in forms):
        return (None if nonlinear else True), {**{v: Fraction(0) for v in variables}, **hint}
    if not forms:
        return None, {}
    t, point = interior(forms)
    if t <= 0:
        return False, None
    return (None if nonlinear else True), point


def _relaxed_empty(conditions: list[Condition]) -> bool:
    """Are the conditions contradictory even with each product or function of the symbols a free variable
    (``a*s + 1 < 0`` and ``a*s - 1 > 0`` with m = a*s)?  Any point of the region gives those variables
    values that satisfy the relaxed conditions, so a relaxed region that is empty (the same exact LP) is
    empty itself.  Only the declared positive symbols themselves are constrained further."""
    forms: list[Linear] = []
    for u, sign in conditions:
        f = linear_form(u, relaxed=True)
        if f is None:
            return False
        forms.append(oriented(f, sign))
    variables = {v for a, _ in forms for v in a}
    forms += [({v: Fraction(1)}, Fraction(0)) for v in sorted(variables, key=str) if v.is_Symbol and v.is_positive]
    return bool(forms) and interior(forms)[0] <= 0


def essential(conditions: list[Condition]) -> list[Condition]:
    """The conditions with those implied by the others left out (linear ones only), for display."""
    kept = list(conditions)
    for cond in list(conditions):
        others = [c for c in kept if c is not cond]
        if len(others) == len(kept) or linear_form(cond[0]) is None or not others:
            continue
        if feasible(others + [(cond[0], -cond[1])])[0] is False:
            kept = others
    return kept


def words(conditions: list[Condition]) -> str:
    """A region in words: "x > 6", "x[0] > x[1] and x[0] + x[1] < 1"."""
    return " and ".join(_condition_text(u, s) for u, s in essential(conditions))


def _condition_text(u: sp.Basic, sign: int) -> str:
    f = linear_form(u)
    if f is None:
        return f"{sp.sstr(u)} {'>' if sign > 0 else '<'} 0"
    a, c = oriented(f, sign)                   # a . x + c > 0
    if len(a) == 1:
        (s, k), = a.items()
        bound = -c / k
        return f"{s} {'>' if k > 0 else '<'} {_num(bound)}"
    pos = [(s, k) for s, k in a.items() if k > 0]
    neg = [(s, -k) for s, k in a.items() if k < 0]
    op = ">"
    if not pos:
        pos, neg, c, op = neg, [], -c, "<"
    left = _sum(sorted(pos, key=lambda p: str(p[0])))
    right_terms = sorted(neg, key=lambda p: str(p[0]))
    right = _sum(right_terms) if right_terms else ""
    if c != 0:
        const = _num(-c if op == ">" else -c)
        right = f"{right} {'-' if -c < 0 else '+'} {_num(abs(c))}" if right else const
    return f"{left} {op} {right or '0'}"


def _sum(terms: list[tuple[sp.Symbol, Fraction]]) -> str:
    parts = []
    for s, k in terms:
        parts.append(str(s) if k == 1 else f"{_num(k)}*{s}")
    return " + ".join(parts)


def _num(q: Fraction) -> str:
    return str(q.numerator) if q.denominator == 1 else f"{q.numerator}/{q.denominator}"
