"""The table of functions an expression may call, as data.

Each row gives a function's name, the kinds of its arguments, its shape rule, its
symbolic definition (used to build SymPy arrays, so every function is expanded to
elementary operations before any comparison) and its numeric definition (used by
the independent numeric check; written differently on purpose, e.g. the stable
forms of softmax and logsumexp, so a slip in one definition shows up as a
disagreement).

Definitions take a backend ``B`` first: the same small interface is offered by the
symbolic backend (``symderiv.arrays``) and the numeric one (``symderiv.numeric``):
``B.full(shape, value)``, ``B.total(array)``, ``B.zero``, ``B.one``.  Arrays are
always 2-D numpy arrays (object arrays of SymPy expressions, or floats); a scalar
is a 1 x 1 array.  The calculus functions (``diff``, ``grad``, ``jacobian``) are
not rows here: they are handled by the evaluator.

Argument kinds: ``a`` an array expression, ``d`` a size (a dim name or an integer
literal), ``i`` an index (an index symbol or an integer literal), ``x`` an axis
(the literal 0 or 1).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from . import piecewise
from .errors import ShapeError
from .linalg import LINALG_ROWS
from .trig import TRIG

Shape = tuple[int, int]


@dataclass(frozen=True)
class Function:
    name: str
    args: tuple[str, ...]          # argument kinds; trailing ones in ``optional`` may be left out
    optional: int
    shape: Callable[..., Shape]
    symbolic: Callable[..., Any]
    numeric: Callable[..., Any]
    doc: str
    variadic: bool = False         # the last argument kind repeats: hstack(A, B, C, ...)


# ---------------------------------------------------------------- shape rules
def _is_vector(s: Shape) -> bool:
    return s[0] == 1 or s[1] == 1


def _same(s: Shape, axis: int | None = None) -> Shape:
    return s


def _scalar(*_: Any) -> Shape:
    return (1, 1)


def _vector_only(name: str) -> Callable[..., Shape]:
    def rule(s: Shape, axis: int | None = None) -> Shape:
        if axis is None and not _is_vector(s):
            raise ShapeError(f"{name} takes a vector, got shape {s}; give an axis, e.g. {name}(A, 1) for rows")
        return s
    return rule


def _reduce(s: Shape, axis: int | None = None) -> Shape:
    if axis is None:
        return (1, 1)
    return (1, s[1]) if axis == 0 else (s[0], 1)


def _reduce_vector(name: str) -> Callable[..., Shape]:
    def rule(s: Shape, axis: int | None = None) -> Shape:
        if axis is None and not _is_vector(s):
            raise ShapeError(f"{name} takes a vector, got shape {s}; give an axis, e.g. {name}(A, 1) for rows")
        return _reduce(s, axis)
    return rule


def _two_vectors(name: str, result: Callable[[Shape, Shape], Shape]) -> Callable[..., Shape]:
    def rule(a: Shape, b: Shape) -> Shape:
        if not (_is_vector(a) and _is_vector(b)):
            raise ShapeError(f"{name} takes two vectors, got shapes {a} and {b}")
        return result(a, b)
    return rule


def _dot_shape(a: Shape, b: Shape) -> Shape:
    if a[0] * a[1] != b[0] * b[1]:
        raise ShapeError(f"dot needs vectors of the same length, got shapes {a} and {b}")
    return (1, 1)


def _square(name: str) -> Callable[[Shape], Shape]:
    def rule(s: Shape) -> Shape:
        if s[0] != s[1]:
            raise ShapeError(f"{name} takes a square matrix, got shape {s}")
        return (1, 1)
    return rule


def _diag_shape(s: Shape) -> Shape:
    if not _is_vector(s):
        raise ShapeError(f"diag takes a vector, got shape {s}")
    n = s[0] * s[1]
    return (n, n)


def _sizes(n: int, m: int | None = None) -> Shape:
    return (n, 1 if m is None else m)


# ---------------------------------------------------------------- shared definitions
def _elementwise(symbolic: Callable[[Any, Any], Any], numeric: Callable[[np.ndarray], np.ndarray]
                 ) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """A symbolic definition ``f(M, x)`` is written with the backend's ``math`` (``exp``, ``log``, ``sqrt``,
    ``erf``), so one definition serves SymPy arrays and the exact stage's graph alike."""
    return (lambda B, a: np.frompyfunc(lambda x: symbolic(B.math, x), 1, 1)(a)), (lambda B, a: numeric(a))


def _lines(a: np.ndarray, axis: int | None) -> list[np.ndarray]:
    """The parts a reduction works on: the whole array, or each column (0) / row (1)."""
    if axis is None:
        return [a]
    return [a[:, j:j + 1] for j in range(a.shape[1])] if axis == 0 else [a[i:i + 1, :] for i in range(a.shape[0])]


def _join(parts: list[np.ndarray], axis: int | None) -> np.ndarray:
    if axis is None:
        return parts[0]
    return np.concatenate(parts, axis=1 if axis == 0 else 0)


def _per_line(f: Callable[[Any, np.ndarray], np.ndarray]) -> Callable[..., np.ndarray]:
    def apply(B: Any, a: np.ndarray, axis: int | None = None) -> np.ndarray:
        return _join([f(B, part) for part in _lines(a, axis)], axis)
    return apply


def _sum(B: Any, a: np.ndarray, axis: int | None = None) -> np.ndarray:
    return _join([B.full((1, 1), B.total(p)) for p in _lines(a, axis)], axis)


def _mean(B: Any, a: np.ndarray, axis: int | None = None) -> np.ndarray:
    count = a.size if axis is None else a.shape[axis]
    return _sum(B, a, axis) / count


def _onehot(B: Any, i: int, n: int) -> np.ndarray:
    if not 0 <= i < n:
        raise ShapeError(f"onehot index {i} is out of range for size {n}")
    out = B.full((n, 1), B.zero)
    out[i, 0] = B.one
    return out


def _eye(B: Any, n: int) -> np.ndarray:
    out = B.full((n, n), B.zero)
    for k in range(n):
        out[k, k] = B.one
    return out


def _diag(B: Any, v: np.ndarray) -> np.ndarray:
    flat = v.reshape(-1)
    out = B.full((flat.size, flat.size), B.zero)
    for k, x in enumerate(flat):
        out[k, k] = x
    return out


def _dot(B: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return B.full((1, 1), B.total(a.reshape(-1) * b.reshape(-1)))


def _outer(B: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a.reshape(-1, 1) * b.reshape(1, -1)


def _trace(B: Any, a: np.ndarray) -> np.ndarray:
    return B.full((1, 1), B.total(np.diagonal(a)))


# symbolic definitions of the non-elementwise math functions
def _sym_softmax(B: Any, v: np.ndarray) -> np.ndarray:
    e = np.frompyfunc(B.math.exp, 1, 1)(v)
    return e / B.total(e)


def _sym_logsumexp(B: Any, v: np.ndarray) -> np.ndarray:
    return B.full((1, 1), B.math.log(B.total(np.frompyfunc(B.math.exp, 1, 1)(v))))


def _sym_norm(B: Any, v: np.ndarray) -> np.ndarray:
    return B.full((1, 1), B.math.sqrt(B.total(v * v)))


# numeric definitions: stable forms, written independently of the symbolic ones
def _num_softmax(B: Any, v: np.ndarray) -> np.ndarray:
    z = v - np.max(v)
    e = np.exp(z)
    return e / np.sum(e)


def _num_logsumexp(B: Any, v: np.ndarray) -> np.ndarray:
    m = np.max(v)
    return np.array([[m + np.log(np.sum(np.exp(v - m)))]])


def _num_norm(B: Any, v: np.ndarray) -> np.ndarray:
    return np.array([[float(np.linalg.norm(v.reshape(-1)))]])


def _num_sigmoid(a: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * a))


_erf = np.vectorize(math.erf, otypes=[float])

# symbolic definitions take the backend's math namespace M first (see _elementwise)
_ELEMENTWISE: dict[str, tuple[Callable[[Any, Any], Any], Callable[[np.ndarray], np.ndarray], str]] = {
    "exp": (lambda M, x: M.exp(x), np.exp, "e to the x"),
    "log": (lambda M, x: M.log(x), np.log, "natural logarithm"),
    "sqrt": (lambda M, x: M.sqrt(x), np.sqrt, "square root"),
    "tanh": (lambda M, x: (M.exp(x) - M.exp(-x)) / (M.exp(x) + M.exp(-x)), np.tanh,
             "hyperbolic tangent, (e^x - e^-x) / (e^x + e^-x)"),
    "sigma": (lambda M, x: 1 / (1 + M.exp(-x)), _num_sigmoid, "logistic sigmoid, 1 / (1 + e^-x)"),
    "softplus": (lambda M, x: M.log(1 + M.exp(x)), lambda a: np.logaddexp(0.0, a), "log(1 + e^x)"),
    "swish": (lambda M, x: x / (1 + M.exp(-x)), lambda a: a * _num_sigmoid(a), "x * sigma(x)"),
    "gelu": (lambda M, x: x * (1 + M.erf(x / M.sqrt(2))) / 2,
             lambda a: 0.5 * a * (1.0 + _erf(a / math.sqrt(2.0))), "x * Phi(x), Phi the standard normal CDF"),
    "erf": (lambda M, x: M.erf(x), _erf, "the error function"),
    **{name: ((lambda f: lambda M, x: f(x))(sym), num, doc) for name, (sym, num, doc) in TRIG.items()},
}
ELEMENTWISE = frozenset(_ELEMENTWISE)     # entry by entry: a numeric definition applies to any stack of arrays
_ALIASES = {"sigmoid": "sigma", "tr": "trace", "Tr": "trace", "ln": "log"}   # other common spellings


def _build_table() -> dict[str, Function]:
    table: dict[str, Function] = {}
    for name, (sym, num, doc) in _ELEMENTWISE.items():
        s, n = _elementwise(sym, num)
        table[name] = Function(name, ("a",), 0, _same, s, n, doc)
    rows = [
        Function("softmax", ("a", "x"), 1, _vector_only("softmax"), _per_line(_sym_softmax),
                 _per_line(_num_softmax), "exp(v) / sum(exp(v)), over a vector (or each row/column with an axis)"),
        Function("logsumexp", ("a", "x"), 1, _reduce_vector("logsumexp"), _per_line(_sym_logsumexp),
                 _per_line(_num_logsumexp), "log(sum(exp(v))), a scalar (or one per row/column with an axis)"),
        Function("sum", ("a", "x"), 1, _reduce, _sum, _sum, "sum of all entries (or of each row/column)"),
        Function("mean", ("a", "x"), 1, _reduce, _mean, _mean, "mean of all entries (or of each row/column)"),
        Function("dot", ("a", "a"), 0, _two_vectors("dot", _dot_shape), _dot, _dot, "inner product of two vectors"),
        Function("outer", ("a", "a"), 0, _two_vectors("outer", lambda a, b: (a[0] * a[1], b[0] * b[1])),
                 _outer, _outer, "a b^T for vectors a, b"),
        Function("norm", ("a",), 0, _scalar, _sym_norm, _num_norm, "Euclidean (Frobenius) norm"),
        Function("trace", ("a",), 0, _square("trace"), _trace, _trace, "sum of the diagonal"),
        Function("diag", ("a",), 0, _diag_shape, _diag, _diag, "a vector to a diagonal matrix"),
        Function("onehot", ("i", "d"), 0, lambda i, n: (n, 1), _onehot, _onehot, "the N x 1 vector e_i"),
        Function("ones", ("d", "d"), 1, _sizes, lambda B, n, m=None: B.full(_sizes(n, m), B.one),
                 lambda B, n, m=None: B.full(_sizes(n, m), B.one), "an array of ones"),
        Function("zeros", ("d", "d"), 1, _sizes, lambda B, n, m=None: B.full(_sizes(n, m), B.zero),
                 lambda B, n, m=None: B.full(_sizes(n, m), B.zero), "an array of zeros"),
        Function("eye", ("d",), 0, lambda n: (n, n), _eye, _eye, "the N x N identity"),
        Function("numel", ("a",), 0, _scalar, lambda B, a: B.full((1, 1), B.const(a.size)),
                 lambda B, a: B.full((1, 1), B.const(a.size)), "the number of entries"),
    ]
    rows += [Function(name, args, optional, shape, sym, num, doc, variadic)
             for name, args, optional, shape, sym, num, doc, variadic in LINALG_ROWS]
    table.update({f.name: f for f in rows})
    table.update({f.name: f for f in _piecewise_rows()})
    for alias, target in _ALIASES.items():
        table[alias] = table[target]
    return table


def _reduce_not_scalar(name: str) -> Callable[..., Shape]:
    """``max(x, 0)`` of a scalar is almost always ``maximum(x, 0)`` misspelt (numpy rejects an axis there too)."""
    def rule(s: Shape, axis: int | None = None) -> Shape:
        if axis is not None and s == (1, 1):
            raise ShapeError(f"{name}(x, {axis}) takes the {name}imum of a scalar along axis {axis}; "
                             f"for the {name}imum of x and {axis} use {name}imum(x, {axis})")
        return _reduce(s, axis)
    return rule


def _piecewise_rows() -> list[Function]:
    """relu, abs, sign, heaviside, maximum, minimum, clip, max, min: see ``piecewise``."""
    P = piecewise
    rows = [Function(name, ("a",) * arity, 0, P.broadcast(name, ShapeError), P.symbolic_elementwise(s),
                     P.numeric_elementwise(n), doc)
            for name, arity, s, n, doc in (
                ("relu", 1, P.s_relu, P.n_relu, "max(0, x)"),
                ("abs", 1, P.s_abs, P.n_abs, "absolute value"),
                ("sign", 1, P.s_sign, P.n_sign, "-1, 1 by the sign of x (undefined at 0)"),
                ("heaviside", 1, P.s_step, P.n_step, "the unit step: 1 for x > 0, 0 for x < 0 (undefined at 0)"),
                ("maximum", 2, P.s_maximum, P.n_maximum, "elementwise maximum of a and b (broadcasting)"),
                ("minimum", 2, P.s_minimum, P.n_minimum, "elementwise minimum of a and b (broadcasting)"),
                ("clip", 3, P.s_clip, P.n_clip, "clip(x, lo, hi) = minimum(maximum(x, lo), hi)"))]
    for name, fold in (("max", P.s_maximum), ("min", P.s_minimum)):
        rows.append(Function(name, ("a", "x"), 1, _reduce_not_scalar(name), _per_line(P.s_reduce(fold)),
                             _per_line(P.n_reduce(name)),
                             f"the {name}imum of all entries (or of each row/column with an axis)"))
    return rows


FUNCTIONS: dict[str, Function] = _build_table()
CALCULUS = ("diff", "grad", "jacobian")
