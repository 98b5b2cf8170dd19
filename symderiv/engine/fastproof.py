"""The fast route to ``proved``: both steps built as one ``dag`` graph, compared by the exact stage.

For a claim without piecewise functions, each pair of steps is first built on the
graph backend (no SymPy: the table's symbolic definitions with the graph's ``exp``,
``log`` and ``sqrt``, derivatives by reverse mode on the graph) and every entry of
every difference is compiled into one straight-line program and tested with
``proving.zero_mask``: the same error bound (below 2^-100 per expression), the same
fresh primes and points from the operating system.  A pair all of whose entries
are zero is proved at this instance.  Anything else, a nonzero entry, a function
the graph does not know, a shape the step does not fit, is left to the SymPy route
(``checking``), which repeats the work and reports exactly as before: this route
only ever removes work, it never decides ``refuted`` or an error.
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from . import dag
from .arrays import onehot_rows, symbol_name
from .evaluate import Evaluator, Instance, Program, shape_of
from .exact import Unsupported
from .proving import OutOfTime, zero_mask
from ..language.parsing import Node

# the table's functions whose symbolic definitions the graph can build (the rest take the SymPy route)
DAG_FUNCTIONS = frozenset({
    "exp", "log", "sqrt", "tanh", "sigma", "softplus", "swish", "softmax", "logsumexp", "sum", "mean", "dot",
    "outer", "norm", "trace", "diag", "onehot", "ones", "zeros", "eye", "numel", "hstack", "vstack", "kron",
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
        return dag.as_array(self.g.substitute([lift(x) for x in a.flat], subs), a.shape)

    def partial(self, ev: Evaluator, f: Node, var: str, pos: tuple[int, int], f0: np.ndarray) -> np.ndarray:
        """The derivative of every entry of ``f0`` by entry ``pos`` of ``var``: one reverse sweep per entry of
        ``f0``, kept for the other positions of the same ``grad``/``jacobian``."""
        memo: dict[tuple[int, str], tuple[np.ndarray, list[dict[dag.Node, dag.Node]]]]
        memo = ev.__dict__.setdefault("_reverse_mode", {})
        hit = memo.get((id(f0), var))
        if hit is None or hit[0] is not f0:
            targets = [e for e in ev.env[var].flat if isinstance(e, dag.Node) and e.op == dag.VAR]
            hit = (f0, [self.g.gradients(self.g.lift(e), targets) for e in f0.flat])
            memo[(id(f0), var)] = hit
        x = ev.env[var][pos]
        return dag.as_array((g.get(x, self.zero) for g in hit[1]), f0.shape)


class DagEvaluator(Evaluator):
    def implementation(self, f: Any) -> Any:
        if f.name not in DAG_FUNCTIONS:
            raise Unsupported(f"{f.name} is not built on the graph")
        return f.symbolic


def _env(B: DagBackend, program: Program, used: set[str], inst: Instance) -> dict[str, np.ndarray]:
    env: dict[str, np.ndarray] = {}
    for name in sorted(used):
        decl = program.symbols[name]
        if decl.kind in ("dim", "index"):
            continue
        shape = shape_of(decl, inst.sizes)
        if decl.kind == "onehot_rows":
            env[name] = onehot_rows(B, shape, inst.indices[name])
            continue
        a = np.empty(shape, dtype=object)
        for idx in np.ndindex(shape):
            a[idx] = B.g.var(symbol_name(name, shape, idx, decl.kind))    # type: ignore[arg-type]
        env[name] = a
    return env


def proved_pairs(program: Program, nodes: list[Node], used: set[str], inst: Instance, ks: list[int]) -> set[int]:
    """The pairs k (step k - 1 against step k) shown equal at this instance by the graph route; the empty
    set when the route cannot build a step (the SymPy route then does all the work)."""
    try:
        B = DagBackend()
        ev = DagEvaluator(B, program, _env(B, program, used, inst), inst)
        values: dict[int, np.ndarray] = {}

        def value(k: int) -> np.ndarray:
            if k not in values:
                values[k] = ev.value(nodes[k])
            return values[k]

        roots: list[dag.Node] = []
        owner: list[int] = []
        for k in ks:
            a, b = value(k - 1), value(k)
            if a.shape != b.shape:
                continue
            for x, y in zip(a.flat, b.flat):
                d = B.g.lift(y) - B.g.lift(x)
                if d.op == dag.CONST:
                    if d.data:
                        break                      # a nonzero constant: the SymPy route refutes it
                    continue
                roots.append(d)
                owner.append(k)
            else:
                owner.append(-k)                   # every entry built: a candidate
        candidates = {-k for k in owner if k < 0}
        if roots:
            mask = zero_mask(dag.compile_nodes(roots))
            for k, zero in zip((o for o in owner if o > 0), mask):
                if not zero:
                    candidates.discard(k)
        return candidates
    except OutOfTime:
        raise
    except Exception:       # noqa: BLE001 - anything the graph cannot do, the SymPy route does and reports
        return set()
