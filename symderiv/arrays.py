"""Explicit symbolic arrays: every vector and matrix is a numpy object array of
real SymPy symbols at a concrete size (``positive=True`` only where declared).

This is deliberately not SymPy's matrix-expression calculus: derivatives of scalar
functions of ``MatrixSymbol`` can come back as wrong zeros, while differentiating
explicit entries is plain multivariate calculus.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from .evaluate import Evaluator, Instance, Program, shape_of
from .parsing import Node


class SymbolicBackend:
    symbolic = True
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

    def partial(self, ev: Evaluator, f: Node, var: str, pos: tuple[int, int], f0: np.ndarray) -> np.ndarray:
        x = ev.env[var][pos]
        return np.frompyfunc(lambda e: sp.diff(e, x), 1, 1)(f0)


SYMBOLIC = SymbolicBackend()


def symbol_name(name: str, shape: tuple[int, int], pos: tuple[int, int], kind: str) -> str:
    if shape == (1, 1) and kind in ("scalar", "positive"):
        return name
    if kind == "vector":
        return f"{name}[{pos[0]}]"
    return f"{name}[{pos[0]},{pos[1]}]"


def symbolic_env(program: Program, used: set[str], inst: Instance) -> dict[str, np.ndarray]:
    """Explicit arrays of real symbols for every array symbol the claim uses."""
    env: dict[str, np.ndarray] = {}
    for name in sorted(used):
        decl = program.symbols[name]
        if decl.kind in ("dim", "index"):
            continue
        shape = shape_of(decl, inst.sizes)
        if decl.kind == "onehot_rows":
            env[name] = onehot_rows(SYMBOLIC, shape, inst.indices[name])
            continue
        a = np.empty(shape, dtype=object)
        positive = decl.kind == "positive"
        for i in range(shape[0]):
            for j in range(shape[1]):
                a[i, j] = sp.Symbol(symbol_name(name, shape, (i, j), decl.kind), real=True,
                                    **({"positive": True} if positive else {}))
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
