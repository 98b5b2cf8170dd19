"""Explicit symbolic arrays: every vector and matrix is a numpy object array of
real SymPy symbols at a concrete size (``positive=True`` only where declared).

This is deliberately not SymPy's matrix-expression calculus: derivatives of scalar
functions of ``MatrixSymbol`` can come back as wrong zeros, while differentiating
explicit entries is plain multivariate calculus.
"""
from __future__ import annotations

from fractions import Fraction
from types import SimpleNamespace
from typing import Any, Callable

import numpy as np
import sympy as sp

from .evaluate import Evaluator, Instance, Program, shape_of
from ...language.parsing import Node
from ...language.piecewise import NATIVE
from ...language.piecewise import local_derivatives as native_derivatives
from ...language.reading import POSITIVE_KINDS, SymbolDecl


class SymbolicBackend:
    symbolic = True
    math = SimpleNamespace(exp=sp.exp, log=sp.log, sqrt=sp.sqrt, erf=sp.erf)   # for the function table
    zero = sp.Integer(0)
    one = sp.Integer(1)
    pi = sp.pi

    def const(self, value: Any) -> sp.Expr:
        if isinstance(value, Fraction):
            return sp.Rational(value.numerator, value.denominator)
        return sp.Integer(int(value))

    def full(self, shape: tuple[int, int], value: Any) -> np.ndarray:
        a = np.empty(shape, dtype=object)
        a.fill(value)
        return a

    def total(self, a: np.ndarray) -> sp.Expr:
        return sp.Add(*a.flat)

    def matmul(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = np.empty((a.shape[0], b.shape[1]), dtype=object)
        for i in range(a.shape[0]):
            for j in range(b.shape[1]):
                out[i, j] = sp.Add(*[a[i, k] * b[k, j] for k in range(a.shape[1])])
        return out

    def power(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """a ** b entry by entry; a symbolic exponent as exp(b log a) (the base must be positive there), so
        that the exact stage sees one exp piece for p**y and p**(y - 1) = exp(y log p) / p alike."""
        return np.frompyfunc(_power, 2, 1)(a, b)

    def fresh(self, name: str, shape: tuple[int, int]) -> np.ndarray:
        """New real symbols standing for a define's entries (a derivative by that define)."""
        out = np.empty(shape, dtype=object)
        for i in range(shape[0]):
            for j in range(shape[1]):
                out[i, j] = sp.Dummy(symbol_name(name, shape, (i, j), "matrix" if shape[1] > 1 else "vector")
                                     if shape != (1, 1) else name, real=True)
        return out

    def substitute(self, a: np.ndarray, symbols: np.ndarray, values: np.ndarray) -> np.ndarray:
        subs = {s: v for s, v in zip(symbols.flat, values.flat)}
        out = np.empty(a.shape, dtype=object)
        for idx in np.ndindex(a.shape):
            e = a[idx]          # our own values (SymPy expressions, or plain numbers): no text is converted
            out[idx] = e.xreplace(subs) if isinstance(e, sp.Basic) else e
        return out

    def partial(self, ev: Evaluator, f: Node, var: str, pos: tuple[int, int], f0: np.ndarray) -> np.ndarray:
        """The derivative of every entry of ``f0`` by the entry ``pos`` of ``var``.

        Computed in reverse mode (see ``gradients``): one sweep per entry of ``f0``
        gives its derivative by every entry of ``var`` at once, and is kept on the
        evaluator for the other positions of the same ``grad``/``jacobian``.
        """
        memo: dict[tuple[int, str], tuple[np.ndarray, list[dict[sp.Basic, sp.Expr]]]]
        memo = ev.__dict__.setdefault("_reverse_mode", {})
        hit = memo.get((id(f0), var))
        if hit is None or hit[0] is not f0:
            if any(isinstance(e, sp.Basic) and e.has(sp.nan, sp.zoo) for e in f0.flat):
                # SymPy's nan has no symbols, so its "derivative" would be 0: the function is nowhere defined
                raise NowhereDefined("differentiates a function that is defined nowhere "
                                     "(a division by zero or the log of 0 in it)")
            targets = [e for e in ev.env[var].flat if isinstance(e, sp.Symbol)]
            hit = (f0, [gradients(e, targets) for e in f0.flat])
            memo[(id(f0), var)] = hit
        x = ev.env[var][pos]
        out = np.empty(f0.shape, dtype=object)
        for k, g in enumerate(hit[1]):
            out.flat[k] = g.get(x, sp.Integer(0)) if isinstance(x, sp.Symbol) else sp.Integer(0)
        return out


class NowhereDefined(ValueError):
    """A step (or what it differentiates) has no value anywhere: SymPy made it nan or zoo."""


SYMBOLIC = SymbolicBackend()


def _power(a: Any, b: Any) -> Any:
    if getattr(b, "is_number", True):
        return a ** b
    return sp.exp(b * sp.log(a))


def gradients(expr: sp.Expr, targets: list[sp.Symbol]) -> dict[sp.Basic, sp.Expr]:
    """d expr / d t for every target symbol t, by reverse-mode differentiation of the expression DAG.

    Structurally equal subexpressions are one node, so a shared piece (a softmax
    denominator, a hidden layer) is differentiated once and its adjoint reaches
    every use.  The local rules are SymPy's own: the sum and product rules, the
    power rule, and ``Function.fdiff`` for applied functions, exactly what
    ``sympy.diff`` applies; any other kind of node that depends on a target is
    handed to ``sympy.diff`` whole.  Targets the expression does not depend on
    are absent (their derivative is 0).
    """
    wanted = set(targets)
    depends: dict[sp.Basic, bool] = {}
    order: list[sp.Basic] = []                 # non-target nodes that depend on a target, children first
    stack: list[tuple[sp.Basic, bool]] = [(expr, False)]
    while stack:
        node, ready = stack.pop()
        if ready:
            depends[node] = d = any(depends[a] for a in _children(node))
            if d:
                order.append(node)
            continue
        if node in depends:
            continue
        if node.is_Atom or not _children(node):
            depends[node] = d = node in wanted if node.is_Atom else bool(node.free_symbols & wanted)
            if d and node not in wanted:
                order.append(node)
            continue
        depends[node] = False                  # provisional; a DAG never reaches a node through itself
        stack.append((node, True))
        stack.extend((a, False) for a in _children(node) if a not in depends)
    if not depends.get(expr):
        return {}
    if expr in wanted:
        return {expr: sp.Integer(1)}
    adjoint: dict[sp.Basic, list[sp.Expr]] = {expr: [sp.Integer(1)]}
    for node in reversed(order):
        parts = adjoint.pop(node, None)
        if not parts:
            continue
        bar = sp.Add(*parts)
        for child, local in _local_derivatives(node, depends, wanted):
            adjoint.setdefault(child, []).append(bar * local)
    return {t: sp.Add(*adjoint[t]) for t in targets if t in adjoint}


def _children(node: sp.Basic) -> tuple[sp.Basic, ...]:
    """The arguments of the node kinds with a local rule; () for every other kind."""
    if node.is_Add or node.is_Mul or node.is_Pow or isinstance(node, (sp.Function, *NATIVE)):
        return node.args
    return ()


def _local_derivatives(node: sp.Basic, depends: dict[sp.Basic, bool], wanted: set[sp.Basic]
                       ) -> list[tuple[sp.Basic, sp.Expr]]:
    """(child, d node / d child) for each child that depends on a target; (target, d node / d target)
    for a node kind without a local rule."""
    args = node.args
    if node.is_Add:
        return [(a, sp.Integer(1)) for a in args if depends[a]]
    if node.is_Mul:
        return [(a, sp.Mul(*(args[:i] + args[i + 1:]))) for i, a in enumerate(args) if depends[a]]
    if node.is_Pow:
        base, e = args
        out = []
        if depends[base]:
            out.append((base, e * sp.Pow(base, e - 1)))
        if depends[e]:
            out.append((e, node * sp.log(base)))
        return out
    if isinstance(node, NATIVE):             # SymPy's Abs/Max/...: no value at a kink (Heaviside(0) = 1/2)
        return [(a, d) for a, d in zip(args, native_derivatives(node)) if depends[a]]
    if isinstance(node, sp.Function):
        try:
            return [(a, node.fdiff(i + 1)) for i, a in enumerate(args) if depends[a]]
        except (sp.ArgumentIndexError, NotImplementedError, TypeError, AttributeError):
            pass                               # no local rule: differentiate the node whole
    return [(t, sp.diff(node, t)) for t in wanted if t in node.free_symbols]


def symbol_name(name: str, shape: tuple[int, int], pos: tuple[int, int], kind: str) -> str:
    if shape == (1, 1) and kind in ("scalar", "positive"):
        return name
    if kind in ("vector", "positive_vector"):
        return f"{name}[{pos[0]}]"
    return f"{name}[{pos[0]},{pos[1]}]"


def symbolic_env(program: Program, used: set[str], inst: Instance) -> dict[str, np.ndarray]:
    """Explicit arrays of real symbols for every array symbol the claim uses."""
    def entry(name: str, decl: SymbolDecl, shape: tuple[int, int], idx: tuple[int, int]) -> sp.Symbol:
        return sp.Symbol(symbol_name(name, shape, idx, decl.kind), real=True,
                         **({"positive": True} if decl.kind in POSITIVE_KINDS else {}))
    return array_env(program, used, inst, SYMBOLIC, entry)


def array_env(program: Program, used: set[str], inst: Instance, B: Any,
              entry: Callable[[str, SymbolDecl, tuple[int, int], tuple[int, int]], Any],
              labels: bool = True) -> dict[str, np.ndarray]:
    """An array for every array symbol the claim uses, ``entry(name, decl, shape, index)`` for each entry;
    one-hot label matrices as the instance's 0/1 labels (or, without ``labels``, by ``entry`` too)."""
    env: dict[str, np.ndarray] = {}
    for name in sorted(used):
        decl = program.symbols[name]
        if decl.kind in ("dim", "index"):
            continue
        shape = shape_of(decl, inst.sizes)
        if decl.kind == "onehot_rows" and labels:
            env[name] = onehot_rows(B, shape, inst.indices[name])
            continue
        a = np.empty(shape, dtype=object)
        for i in range(shape[0]):
            for j in range(shape[1]):
                a[i, j] = entry(name, decl, shape, (i, j))
        env[name] = a
    return env


def onehot_rows(B: Any, shape: tuple[int, int], labels: tuple[int, ...]) -> np.ndarray:
    a = B.full(shape, B.zero)
    for i, k in enumerate(labels):
        a[i, k] = B.one
    return a


def evaluator(program: Program, used: set[str], inst: Instance) -> Evaluator:
    return Evaluator(SYMBOLIC, program, symbolic_env(program, used, inst), inst)


def free_symbols(env: dict[str, np.ndarray]) -> dict[sp.Symbol, tuple[str, tuple[int, int]]]:
    """Each SymPy symbol of the environment, and which symbol entry it stands for."""
    out = {}
    for name, a in env.items():
        for i in range(a.shape[0]):
            for j in range(a.shape[1]):
                if isinstance(a[i, j], sp.Symbol):
                    out[a[i, j]] = (name, (i, j))
    return out
