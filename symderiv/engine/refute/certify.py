"""Certified witnesses: the only way a step is ``refuted`` by its values.

A witness is a point of exact rationals (at given sizes and index values) where two
adjacent steps are shown to differ by ball arithmetic (python-flint's ``arb``; see
``balls``): an enclosure of ``step k - step k-1`` at some entry that excludes 0.
Two computations are made at every point, independently:

1. the prover's own build evaluated in ball arithmetic: the graph of the graph route
   (``fastproof``, derivatives by reverse mode on the graph; ``graphballs``) when it can
   build the steps, else SymPy arrays (derivatives by reverse mode, ``arrays.gradients``;
   ``balls.sympy_values``);
2. the parsed tree evaluated directly on balls by the shared ``Evaluator``, with the
   numeric function table (written independently of the symbolic one) and every
   ``diff``/``grad``/``jacobian`` computed by forward-mode differentiation (``Dual``
   balls seeded at the variable), never by SymPy.  Six functions whose numeric forms
   cannot run on balls (``erf``, ``softplus``, ``gelu``, ``norm``, ``softmax``,
   ``logsumexp``: they round to floats or compare) take the table's symbolic definition
   there, written with the backend's ``math`` (``BallBackend.math``: exact integer
   constants, every operation an enclosure); their derivatives are still forward mode.

A step with a derivative is refuted only when both computations exclude 0 at the
same entry and their enclosures of each step overlap (so a bug in either cannot
refute a true claim); a step without one needs every computation that supports its
functions to agree, and at least one.  A point where either computation meets a
kink, pole or domain boundary (``balls.Kink``) is no witness: the precision is
raised (64, 256, 1024, 4096 bits) until the balls decide, or the point is dropped.

The same evaluation gives the ``domain`` witness of contract v1.1: the earlier step
is a finite real number there (every computation), and the later step takes the
``log``/``sqrt``/fractional power of a value whose ball lies entirely below 0.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction
from types import SimpleNamespace
from typing import Any

import numpy as np

from . import balls

from ..prove import dag
from ..building.arrays import free_symbols
from .balls import R, Dual, Kink, Undefined, Unsupported
from ..building.evaluate import Evaluator, Instance, Program, shape_of
from .graphballs import ball_values, graph_arrays
from ..building.stepvalues import StepValues
from ...language import functions
from ...language.functions import ShapeError
from ...language.parsing import Calculus, Node
from ...results import Counterexample

PRECISIONS = (64, 256, 1024, 4096)
_ROUTE_ERRORS = (Unsupported, ShapeError, TypeError, AttributeError, ValueError, ArithmeticError,
                 RecursionError, KeyError, IndexError)


# ---------------------------------------------------------------- the parsed tree on balls
class BallBackend:
    symbolic = False
    math = SimpleNamespace(exp=balls.exp, log=balls.log, sqrt=balls.sqrt, erf=balls.erf)   # for the table

    def __init__(self) -> None:
        self.tags = itertools.count(1)     # increasing: an inner derivative's seed is newer than the outer's

    zero = balls.ZERO
    one = balls.ONE

    @property
    def pi(self) -> R:
        from flint import arb
        return R(arb.pi())

    def const(self, value: Any) -> Any:
        return balls.lift(Fraction(value))

    def full(self, shape: tuple[int, int], value: Any) -> np.ndarray:
        a = np.empty(shape, dtype=object)
        a.fill(balls.lift(value) if not isinstance(value, (R, Dual)) else value)
        return a

    def total(self, a: np.ndarray) -> Any:
        acc: Any = balls.ZERO
        for x in a.flat:
            acc = balls.add(acc, x)
        return acc

    def matmul(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = np.empty((a.shape[0], b.shape[1]), dtype=object)
        for i in range(a.shape[0]):
            for j in range(b.shape[1]):
                acc: Any = balls.ZERO
                for k in range(a.shape[1]):
                    acc = balls.add(acc, balls.mul(a[i, k], b[k, j]))
                out[i, j] = acc
        return out

    def partial(self, ev: Evaluator, f: Node, var: str, pos: tuple[int, int], f0: np.ndarray) -> np.ndarray:
        """Forward mode: f evaluated again with the entry ``pos`` of ``var`` seeded; its derivative parts."""
        tag = next(self.tags)
        env = dict(ev.env)
        arr = env[var].copy()
        arr[pos] = Dual(tag, arr[pos], balls.ONE)
        env[var] = arr
        out = ev.with_env(env).value(f)
        res = np.empty(out.shape, dtype=object)
        for k, v in enumerate(out.flat):
            res.flat[k] = v.d if isinstance(v, Dual) and v.tag == tag else balls.ZERO
        return res


def _broadcast(f: Any, nargs: int) -> Any:
    ufunc = np.frompyfunc(f, nargs, 1)

    def apply(B: Any, *arrays: np.ndarray) -> np.ndarray:
        out = ufunc(*np.broadcast_arrays(*arrays))
        return np.array(out, dtype=object).reshape(np.broadcast_shapes(*(a.shape for a in arrays)))
    return apply


def _maximum(a: Any, b: Any) -> Any:
    return b if balls.less(a, b) else a      # equal or overlapping: a kink, never decided


def _minimum(a: Any, b: Any) -> Any:
    return a if balls.less(a, b) else b


def _fold(f: Any) -> Any:
    def reduce(B: Any, part: np.ndarray) -> np.ndarray:
        flat = list(part.flat)
        out = flat[0]
        for x in flat[1:]:
            out = f(out, x)
        return B.full((1, 1), out)
    return reduce


# functions whose numeric definitions round to floats (math.erf, float(norm)), use numpy's float-only
# ufuncs (logaddexp) or compare (the stable forms' max): the table's symbolic definitions, on balls
_SYMBOLIC = frozenset({"erf", "softplus", "gelu", "norm", "softmax", "logsumexp"})
_OVERRIDES: dict[str, Any] = {
    # the piecewise functions (language/piecewise.py): every branch decided by a certain comparison
    "relu": _broadcast(lambda x: _maximum(x, balls.ZERO), 1),
    "abs": _broadcast(balls.absolute, 1),
    "sign": _broadcast(lambda x: balls.lift(balls.sign(x)), 1),
    "heaviside": _broadcast(lambda x: balls.ONE if balls.sign(x) > 0 else balls.ZERO, 1),
    "maximum": _broadcast(_maximum, 2),
    "minimum": _broadcast(_minimum, 2),
    "clip": _broadcast(lambda x, lo, hi: _minimum(_maximum(x, lo), hi), 3),
    "max": functions._per_line(_fold(_maximum)),
    "min": functions._per_line(_fold(_minimum)),
}


class BallEvaluator(Evaluator):
    def implementation(self, f: Any) -> Any:
        return f.symbolic if f.name in _SYMBOLIC else _OVERRIDES.get(f.name, f.numeric)


def has_calculus(program: Program, node: Node) -> bool:
    """Does the step take a derivative, itself or through a define?"""
    return any(isinstance(n, Calculus) for n in program.walk([node]))


# ---------------------------------------------------------------- witnesses
@dataclass(frozen=True)
class Witness:
    point: dict[str, np.ndarray]          # Fraction arrays
    entry: tuple[int, int] | None
    lhs: Any                              # arb enclosures (None: undefined there)
    rhs: Any
    bits: int
    how: str                              # "ball arithmetic" / "... confirmed by forward-mode derivatives"
    undefined: str | None = None          # a domain witness: what is undefined in the later step

    def counterexample(self, inst: Instance) -> Counterexample:
        from ..spotcheck.numeric import Point
        point = Point({}, self.point).describe()
        indices = {k: (list(v) if isinstance(v, tuple) else v) for k, v in inst.indices.items()}
        lhs = float(self.lhs.mid()) if self.lhs is not None else None
        if self.undefined is not None:
            return Counterexample(dict(inst.sizes), indices, point, self.entry, lhs, None, exact=False,
                                  certificate=f"ball arithmetic at {self.bits} bits: the step before is "
                                              f"{balls.show(self.lhs)}; this step takes the {self.undefined}")
        gap = self.rhs - self.lhs
        return Counterexample(dict(inst.sizes), indices, point, self.entry, lhs, float(self.rhs.mid()),
                              exact=False, difference=gap.str(6, radius=False),
                              certificate=f"{self.how} at {self.bits} bits: the difference is in {gap.str(6)}")


class Certifier:
    """Certifies points for one pair of steps; the SymPy arrays are built once per instance, in ``values``
    (shared with the diagnosis and the counterexample shown)."""

    def __init__(self, program: Program, a: Node, b: Node, used: set[str]) -> None:
        self.program, self.a, self.b, self.used = program, a, b, used
        self.calculus = has_calculus(program, a) or has_calculus(program, b)
        self.values = StepValues(program, a, b, used)
        self._symbolic: dict[int, tuple[Instance, Any]] = {}     # by id; the instance kept, so ids stay unique

    def _arrays(self, inst: Instance) -> Any:
        hit = self._symbolic.get(id(inst))
        if hit is None or hit[0] is not inst:
            graph = graph_arrays(self.program, self.used, inst, self.a, self.b)
            if graph is not None:                 # the prover's graph (fastproof): no SymPy arrays needed
                self._symbolic[id(inst)] = (inst, graph)
                return graph
            try:
                ev, sa, sb = self.values.at(inst)
                arrays = (sa, sb, free_symbols(ev.env)) if sa.shape == sb.shape else None
            except _ROUTE_ERRORS:
                arrays = None
            hit = self._symbolic[id(inst)] = (inst, arrays)
        return hit[1]

    def at(self, inst: Instance, point: dict[str, np.ndarray], max_bits: int = PRECISIONS[-1]) -> Witness | None:
        """A witness at this exact point, or None (equal there as far as the balls see, a kink, or unsure)."""
        arrays = self._arrays(inst)
        routes = {"symbolic": arrays is not None, "tree": True}
        for bits in (b for b in PRECISIONS if b <= max_bits):
            with balls.precision(bits):
                try:
                    values = {}
                    if routes["tree"]:
                        values["tree"] = self._tree(inst, point, routes)
                    if routes["symbolic"]:
                        values["symbolic"] = self._sympy(arrays, point, routes)
                except Kink as e:
                    if e.exact:
                        return None
                    continue
                except _Outside:
                    return None
                except _Domain as d:
                    return self._domain(d, point, bits, routes, inst)
            if not values or (self.calculus and len(values) < 2):
                return None
            found = self._differs(values, point, bits)
            if found is not None:
                return found if found is not _CONFLICT else None
        return None

    def earlier_defined(self, inst: Instance, point: dict[str, np.ndarray], nowhere: str) -> Witness | None:
        """A ``domain`` witness where the later step is defined at no point of this instance (``nowhere``: it
        takes the inverse of a matrix whose determinant is identically 0 there, say): the earlier step is
        certified a finite real number here.  None at a kink or pole of the earlier step, or outside its domain."""
        for bits in PRECISIONS:
            with balls.precision(bits):
                try:
                    a = _finite(BallEvaluator(BallBackend(), self.program, self._env(inst, point), inst).value(self.a))
                except Kink as e:
                    if e.exact:
                        return None
                    continue
                except (Undefined, *_ROUTE_ERRORS):
                    return None
                idx = _undefined_entry(self.program, self.b, inst, point, a.shape) or (0, 0)
                return Witness(point, idx, a[idx].a, None, bits, "ball arithmetic", undefined=nowhere)
        return None

    def _env(self, inst: Instance, point: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        env = {}
        for name, arr in point.items():
            env[name] = np.frompyfunc(balls.lift, 1, 1)(arr)
        for name in self.used:
            if self.program.symbols[name].kind == "onehot_rows":
                from ..building.arrays import onehot_rows
                env[name] = onehot_rows(BallBackend(), shape_of(self.program.symbols[name], inst.sizes),
                                        inst.indices[name])
        return env

    def _tree(self, inst: Instance, point: dict[str, np.ndarray], routes: dict[str, bool]) -> Any:
        env = self._env(inst, point)
        try:
            try:
                a = _finite(BallEvaluator(BallBackend(), self.program, env, inst).value(self.a))
            except Undefined:
                raise _Outside() from None
            try:
                b = _finite(BallEvaluator(BallBackend(), self.program, env, inst).value(self.b))
            except Undefined as e:
                raise _Domain(str(e), a) from None
        except _ROUTE_ERRORS:
            routes["tree"] = False
            return None
        if a.shape != b.shape:
            routes["tree"] = False
            return None
        return a, b

    def _sympy(self, arrays: Any, point: dict[str, np.ndarray], routes: dict[str, bool]) -> Any:
        sa, sb, syms = arrays
        values = {s: balls.lift(point[name][pos]) for s, (name, pos) in syms.items() if name in point}
        evaluate = ball_values if sa.size and isinstance(sa.flat[0], dag.Node) else balls.sympy_values
        try:
            try:
                a = evaluate(list(sa.flat), values)
            except Undefined:
                raise _Outside() from None
            try:
                b = evaluate(list(sb.flat), values)
            except Undefined as e:
                raise _Domain(str(e), np.array(a, dtype=object).reshape(sa.shape)) from None
        except _ROUTE_ERRORS:
            routes["symbolic"] = False
            return None
        return np.array(a, dtype=object).reshape(sa.shape), np.array(b, dtype=object).reshape(sb.shape)

    def _differs(self, values: dict[str, Any], point: dict[str, np.ndarray], bits: int) -> Any:
        live = [v for v in values.values() if v is not None]
        if not live or (self.calculus and len(live) < 2):
            return None
        a0, b0 = live[0]
        for idx in np.ndindex(a0.shape):
            for a, b in live[1:]:
                if not (a[idx].a.overlaps(a0[idx].a) and b[idx].a.overlaps(b0[idx].a)):
                    return _CONFLICT        # the computations disagree: a bug in one; never refute on it
            if all(not (b[idx].a - a[idx].a).contains(0) for a, b in live):
                how = ("ball arithmetic, the symbolic derivative confirmed by forward-mode derivatives"
                       if self.calculus else "ball arithmetic")
                return Witness(point, (int(idx[0]), int(idx[1])), a0[idx].a, b0[idx].a, bits, how)
        return None

    def _domain(self, d: "_Domain", point: dict[str, np.ndarray], bits: int, routes: dict[str, bool],
                inst: Instance) -> Witness | None:
        """The later step is undefined here; a witness when the earlier step is a finite number in every
        computation that could evaluate it.  Its entry is one where the later step's floating-point value is
        not finite (the balls say only that some entry is undefined)."""
        if not routes["tree"] and self.calculus:
            return None
        a = d.earlier
        if isinstance(a, np.ndarray) and a.size:
            idx = _undefined_entry(self.program, self.b, inst, point, a.shape) or (0, 0)
            return Witness(point, idx, a[idx].a, None, bits, "ball arithmetic", undefined=d.what)
        return None


def _undefined_entry(program: Program, node: Node, inst: Instance, point: dict[str, np.ndarray],
                     shape: tuple[int, ...]) -> tuple[int, int] | None:
    """The first entry of the step, evaluated in floating point at the point, that is not a finite number."""
    from ..spotcheck.numeric import Point, evaluate
    try:
        v = evaluate(program, node, inst, Point({n: np.asarray(x, dtype=float) for n, x in point.items()}, point))
    except Exception:       # noqa: BLE001 - only which entry to show depends on it
        return None
    if v.shape != shape:
        return None
    nan = next(((int(i[0]), int(i[1])) for i in np.ndindex(v.shape) if np.isnan(v[i])), None)   # not an overflow
    return nan or next(((int(i[0]), int(i[1])) for i in np.ndindex(v.shape) if not np.isfinite(v[i])), None)


class _Outside(Exception):
    """The earlier step is undefined here: not a point of its domain."""


class _Domain(Exception):
    def __init__(self, what: str, earlier: Any) -> None:
        super().__init__(what)
        self.what, self.earlier = what, earlier


_CONFLICT: Any = object()


def _finite(arr: np.ndarray) -> np.ndarray:
    """Every entry as a finite ball (a numeric definition may leave a plain constant: relu's 0.0)."""
    out = np.empty(arr.shape, dtype=object)
    for idx in np.ndindex(arr.shape):
        v = balls.lift(arr[idx])
        if not isinstance(v, R):
            raise Unsupported("a value that is not a ball")
        if not v.a.is_finite():
            raise Kink("a value that is not finite")
        out[idx] = v
    return out


def gap_text(w: Witness) -> str:
    return "undefined" if w.undefined else (w.rhs - w.lhs).str(6)

