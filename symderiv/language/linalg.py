"""Rows of the function table for linear algebra and stacking: inv, det, logdet, solve,
hstack, vstack, kron.

Symbolic definitions work on the explicit entries, with no division but the last:
``det`` is the cofactor (Laplace) expansion with every minor computed once (a
minor is named by its rows and columns), ``inv`` is the adjugate over the
determinant, ``solve(A, b)`` is ``inv(A) @ b``.  So every entry is a rational
function of the entries of A, which the exact stage decides.  Points where A is
singular are outside the domain: the symbolic value has a zero denominator there,
and the numeric definitions (numpy.linalg, written independently) give NaN, so
nothing is compared there.  ``logdet`` is log(det A), defined where det A > 0.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .errors import ShapeError

Shape = tuple[int, int]
MAX_LINALG = 8           # symbolic determinants of larger matrices would have too many terms
ILL_CONDITIONED = 1e10   # numerically singular: the point is outside the domain, compared nowhere


# ---------------------------------------------------------------- shape rules
def _square(name: str, result: Callable[[Shape], Shape]) -> Callable[[Shape], Shape]:
    def rule(s: Shape) -> Shape:
        if s[0] != s[1]:
            raise ShapeError(f"{name} takes a square matrix, got shape {s}")
        if s[0] > MAX_LINALG:
            raise ShapeError(f"{name} of a {s[0]} x {s[0]} matrix is too large (the limit is {MAX_LINALG})")
        return result(s)
    return rule


def _solve_shape(a: Shape, b: Shape) -> Shape:
    _square("solve", lambda s: s)(a)
    if b[0] != a[0]:
        raise ShapeError(f"solve(A, b): A is {a[0]} x {a[1]} but b has {b[0]} rows")
    return (a[0], b[1])


def _hstack_shape(*shapes: Shape) -> Shape:
    if len({s[0] for s in shapes}) != 1:
        raise ShapeError(f"hstack needs the same number of rows, got shapes {', '.join(map(str, shapes))}")
    return (shapes[0][0], sum(s[1] for s in shapes))


def _vstack_shape(*shapes: Shape) -> Shape:
    if len({s[1] for s in shapes}) != 1:
        raise ShapeError(f"vstack needs the same number of columns, got shapes {', '.join(map(str, shapes))}")
    return (sum(s[0] for s in shapes), shapes[0][1])


def _kron_shape(a: Shape, b: Shape) -> Shape:
    return (a[0] * b[0], a[1] * b[1])


# ---------------------------------------------------------------- symbolic definitions
class _Minors:
    """Determinants of the square submatrices of one matrix, each computed once."""

    def __init__(self, B: Any, a: np.ndarray) -> None:
        self.B, self.a = B, a
        self.memo: dict[tuple[tuple[int, ...], tuple[int, ...]], Any] = {}

    def det(self, rows: tuple[int, ...], cols: tuple[int, ...]) -> Any:
        if not rows:
            return self.B.one
        key = (rows, cols)
        hit = self.memo.get(key)
        if hit is None:
            r, rest = rows[0], rows[1:]
            terms = []
            for k, c in enumerate(cols):
                x = self.a[r, c]
                if x == 0:
                    continue
                minor = self.det(rest, cols[:k] + cols[k + 1:])
                terms.append(x * minor if k % 2 == 0 else -x * minor)
            hit = self.memo[key] = self.B.total(np.array(terms + [self.B.zero], dtype=object))
        return hit


def _sym_det(B: Any, a: np.ndarray) -> np.ndarray:
    n = a.shape[0]
    return B.full((1, 1), _Minors(B, a).det(tuple(range(n)), tuple(range(n))))


def _sym_inv(B: Any, a: np.ndarray) -> np.ndarray:
    n = a.shape[0]
    m = _Minors(B, a)
    full = tuple(range(n))
    d = m.det(full, full)
    out = B.full((n, n), B.zero)
    for i in range(n):
        for j in range(n):
            cof = m.det(full[:i] + full[i + 1:], full[:j] + full[j + 1:])
            out[j, i] = (cof if (i + j) % 2 == 0 else -cof) / d
    return out


def _sym_logdet(B: Any, a: np.ndarray) -> np.ndarray:
    return B.full((1, 1), B.math.log(_sym_det(B, a)[0, 0]))


def _sym_solve(B: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return B.matmul(_sym_inv(B, a), b)


def _sym_hstack(B: Any, *parts: np.ndarray) -> np.ndarray:
    rows = parts[0].shape[0]
    out = B.full((rows, sum(p.shape[1] for p in parts)), B.zero)
    col = 0
    for p in parts:
        for j in range(p.shape[1]):
            for i in range(rows):
                out[i, col] = p[i, j]
            col += 1
    return out


def _sym_vstack(B: Any, *parts: np.ndarray) -> np.ndarray:
    return _sym_hstack(B, *[p.T for p in parts]).T


def _sym_kron(B: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    (p, q), (r, s) = a.shape, b.shape
    out = B.full((p * r, q * s), B.zero)
    for i in range(p):
        for j in range(q):
            for k in range(r):
                for m in range(s):
                    out[i * r + k, j * s + m] = a[i, j] * b[k, m]
    return out


# ---------------------------------------------------------------- numeric definitions (numpy.linalg)
def _regular(a: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(a))) and float(np.linalg.cond(a)) < ILL_CONDITIONED


def _exact_det(a: np.ndarray) -> Any:
    """det of an object array (exact rationals, balls, dual numbers: anything with + - *), by the
    Leibniz expansion with Python operators; for backends other than floats."""
    n = a.shape[0]
    if n == 1:
        return a[0, 0]
    total: Any = None
    for j in range(n):
        minor = np.delete(np.delete(a, 0, axis=0), j, axis=1)
        term = a[0, j] * _exact_det(minor)
        total = term if total is None else (total + term if j % 2 == 0 else total - term)
    return total


def _num_det(B: Any, a: np.ndarray) -> np.ndarray:
    if a.dtype == object:
        return B.full((1, 1), _exact_det(a))
    return np.array([[float(np.linalg.det(a))]])


def _num_inv(B: Any, a: np.ndarray) -> np.ndarray:
    if a.dtype == object:
        n = a.shape[0]
        d = _exact_det(a)
        out = B.full((n, n), B.zero)
        for i in range(n):
            for j in range(n):
                cof = _exact_det(np.delete(np.delete(a, i, axis=0), j, axis=1)) if n > 1 else B.one
                out[j, i] = (cof if (i + j) % 2 == 0 else -cof) / d
        return out
    if not _regular(a):
        return np.full(a.shape, np.nan)
    return np.linalg.inv(a)


def _num_logdet(B: Any, a: np.ndarray) -> np.ndarray:
    if a.dtype == object:        # exact or ball values: log of the Leibniz determinant, where the backend has a log
        log = getattr(getattr(B, "math", None), "log", None)
        if log is None:
            raise TypeError("logdet on this backend: no logarithm here")
        return B.full((1, 1), log(_exact_det(a)))
    if not bool(np.all(np.isfinite(a))):
        return np.array([[np.nan]])
    sign, logabs = np.linalg.slogdet(a)
    return np.array([[float(logabs) if sign > 0 else np.nan]])


def _num_solve(B: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.dtype == object or b.dtype == object:
        return B.matmul(_num_inv(B, a), b)
    if not _regular(a) or not bool(np.all(np.isfinite(b))):
        return np.full((a.shape[0], b.shape[1]), np.nan)
    return np.linalg.solve(a, b)


# name, argument kinds, optional, shape rule, symbolic, numeric, doc, variadic
LINALG_ROWS: list[tuple[str, tuple[str, ...], int, Callable[..., Shape], Callable[..., Any], Callable[..., Any], str, bool]] = [
    ("det", ("a",), 0, _square("det", lambda s: (1, 1)), _sym_det, _num_det, "determinant of a square matrix", False),
    ("inv", ("a",), 0, _square("inv", lambda s: s), _sym_inv, _num_inv,
     "inverse of a square matrix (undefined where it is singular)", False),
    ("logdet", ("a",), 0, _square("logdet", lambda s: (1, 1)), _sym_logdet, _num_logdet,
     "log det A, defined where det A > 0", False),
    ("solve", ("a", "a"), 0, _solve_shape, _sym_solve, _num_solve, "inv(A) @ b, the solution of A x = b", False),
    ("hstack", ("a", "a"), 0, _hstack_shape, _sym_hstack, lambda B, *p: np.hstack(p),
     "side by side: [A B ...] (same number of rows)", True),
    ("vstack", ("a", "a"), 0, _vstack_shape, _sym_vstack, lambda B, *p: np.vstack(p),
     "one above the other: [A; B; ...] (same number of columns)", True),
    ("kron", ("a", "a"), 0, _kron_shape, _sym_kron, lambda B, a, b: np.kron(a, b), "Kronecker product A (x) B", False),
]
