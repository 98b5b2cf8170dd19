"""Steps built on the ``dag`` graph: the evaluator's graph backend, a claim's variables, and the program.

``DagBackend`` is the evaluator's backend on a hash-consed ``dag.Graph`` (no SymPy: the table's
symbolic definitions with the graph's ``exp``, ``log`` and ``sqrt``, derivatives by reverse mode on
the graph); ``graph_env`` makes the variables of a claim's arrays (one-hot labels as 0/1 constants,
as parameters, or as parameters whose rows sum to 1); ``compile_nodes`` turns graph nodes into the
straight-line program the exact stage tests.  ``fastproof`` proves with them, ``refute`` diagnoses.
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from . import dag, exact
from .exact import Emitter, Unsupported
from .proving import OutOfTime
from .reverse import gradients, substitute
from ..building.arrays import array_env, symbol_name
from ..building.evaluate import Evaluator, Instance, Program
from ...language.parsing import Node
from ...language.reading import POSITIVE_KINDS

# the table's functions whose symbolic definitions the graph can build (the rest take the SymPy route)
DAG_FUNCTIONS = frozenset({
    "exp", "log", "sqrt", "tanh", "sigma", "softplus", "swish", "softmax", "logsumexp", "sum", "mean", "dot",
    "outer", "norm", "trace", "diag", "onehot", "ones", "zeros", "eye", "numel", "hstack", "vstack", "kron",
    "det", "inv", "logdet", "solve",
})


def _no_erf(x: Any) -> Any:
    raise Unsupported("erf is not a piece of the graph")


class DagBackend:
    """The evaluator's backend on a ``dag.Graph``: arrays are numpy object arrays of graph nodes."""

    symbolic = True

    def __init__(self) -> None:
        g = self.g = dag.Graph()
        self.zero, self.one, self.pi = g.zero, g.one, g.var("pi")
        self.math = SimpleNamespace(exp=lambda x: g.exp(g.lift(x)), log=lambda x: g.log(g.lift(x)),
                                    sqrt=lambda x: g.sqrt(g.lift(x)), erf=_no_erf)
        self.fresh_count = 0

    def const(self, value: Any) -> dag.Node:
        return self.g.const(value)

    def full(self, shape: tuple[int, int], value: Any) -> np.ndarray:
        a = np.empty(shape, dtype=object)
        a.fill(self.g.lift(value))
        return a

    def total(self, a: np.ndarray) -> dag.Node:
        lift = self.g.lift
        return self.g.add([lift(x) for x in a.flat])

    def matmul(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        g = self.g
        lift, mul = g.lift, g.mul
        out = np.empty((a.shape[0], b.shape[1]), dtype=object)
        for i in range(a.shape[0]):
            row = [lift(x) for x in a[i]]
            for j in range(b.shape[1]):
                out[i, j] = g.add([mul((x, lift(b[k, j]))) for k, x in enumerate(row)])
        return out

    def power(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        g = self.g
        return np.frompyfunc(lambda x, y: g.power(g.lift(x), g.lift(y)), 2, 1)(a, b)

    def fresh(self, name: str, shape: tuple[int, int]) -> np.ndarray:
        self.fresh_count += 1
        out = np.empty(shape, dtype=object)
        for idx in np.ndindex(shape):
            out[idx] = self.g.var(("fresh", self.fresh_count, name, idx))
        return out

    def substitute(self, a: np.ndarray, symbols: np.ndarray, values: np.ndarray) -> np.ndarray:
        lift = self.g.lift
        subs = {s: lift(v) for s, v in zip(symbols.flat, values.flat)}
        return dag.as_array(substitute(self.g, [lift(x) for x in a.flat], subs), a.shape)

    def partial(self, ev: Evaluator, f: Node, var: str, pos: tuple[int, int], f0: np.ndarray) -> np.ndarray:
        """The derivative of every entry of ``f0`` by entry ``pos`` of ``var``: one reverse sweep per entry of
        ``f0``, kept for the other positions of the same ``grad``/``jacobian``."""
        memo: dict[tuple[int, str], tuple[np.ndarray, list[dict[dag.Node, dag.Node]]]]
        memo = ev.__dict__.setdefault("_reverse_mode", {})
        hit = memo.get((id(f0), var))
        if hit is None or hit[0] is not f0:
            targets = [e for e in ev.env[var].flat if isinstance(e, dag.Node) and e.op == dag.VAR]
            hit = (f0, [gradients(self.g, self.g.lift(e), targets) for e in f0.flat])
            memo[(id(f0), var)] = hit
        x = ev.env[var][pos]
        return dag.as_array((g.get(x, self.zero) for g in hit[1]), f0.shape)


class DagEvaluator(Evaluator):
    def implementation(self, f: Any) -> Any:
        if f.name not in DAG_FUNCTIONS:
            raise Unsupported(f"{f.name} is not built on the graph")
        return f.symbolic


def graph_env(B: DagBackend, program: Program, used: set[str], inst: Instance, params: bool = False,
         generic: bool = False) -> dict[str, np.ndarray]:
    """Variables for every array symbol; one-hot labels as 0/1 constants, or (``params``) as variables, or
    (``generic``) as variables whose rows sum to 1 (the last entry of a row is 1 minus the others)."""
    def entry(name: str, decl: Any, shape: tuple[int, int], idx: tuple[int, int]) -> dag.Node:
        if generic and decl.kind == "onehot_rows" and idx[1] == shape[1] - 1:
            return one_minus(B.g, [B.g.var(("label", name, (idx[0], c))) for c in range(idx[1])])
        key = ("label", name, idx) if decl.kind == "onehot_rows" else symbol_name(name, shape, idx, decl.kind)
        if decl.kind in POSITIVE_KINDS:          # the claim is about positive values only: log(p q) = log p + log q
            B.g.positive_vars.add(key)
        return B.g.var(key)
    return array_env(program, used, inst, B, entry, labels=not params)


def one_minus(g: dag.Graph, xs: list[dag.Node]) -> dag.Node:
    """1 minus the sum of xs: the last of indicators that sum to 1."""
    return g.add([g.one] + [g.neg(x) for x in xs])


def build(program: Program, used: set[str], inst: Instance, nodes: list[Node]
          ) -> tuple[list[np.ndarray], dict[str, np.ndarray]] | None:
    """The steps' arrays on the graph at one instance and the environment of variables they use; None
    when the graph cannot build one of them (a function outside ``DAG_FUNCTIONS``, a shape error...)."""
    try:
        B = DagBackend()
        env = graph_env(B, program, used, inst)
        ev = DagEvaluator(B, program, env, inst)
        return [ev.value(n) for n in nodes], env
    except OutOfTime:
        raise
    except Exception:       # noqa: BLE001 - the caller takes the SymPy route, which reports
        return None


def compile_nodes(roots: list[dag.Node]) -> exact.Program:
    """The straight-line program of the roots over their variables and pieces, with the degree and
    coefficient bounds ``proving`` needs (the same rules as ``exact.compile_program``).

    A piece is an input of its own, but its argument is computed too, and the argument of a log or a
    square root is inverted (its value unused): every inversion anywhere in the graph is then part of
    the program, so a step that is nowhere defined (``log(x - x)``, ``0 * (1 / (x - x))``) makes every
    trial hit a zero denominator and is left to the SymPy route instead of being proved vacuously."""
    out = Emitter()
    reg: dict[dag.Node, int] = {}
    for n in dag.post_order(roots):
        op = n.op
        if op in (dag.LOG, dag.SQRT):            # the argument must be nonzero somewhere: invert it
            out.pow(reg[n.args[0]], -1)
        if op in dag.ATOMS:
            reg[n] = out.var(n)
        elif op == dag.CONST:
            reg[n] = out.const(n.data.numerator, n.data.denominator)
        elif op == dag.ADD:
            reg[n] = out.add([reg[a] for a in n.args])
        elif op == dag.MUL:
            reg[n] = out.mul([reg[a] for a in n.args])
        else:                                    # POW
            reg[n] = out.pow(reg[n.args[0]], n.args[1])
    return out.program([reg[r] for r in roots])
