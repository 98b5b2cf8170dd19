"""Building a claim's symbolic arrays once per size assignment, for every index value at once.

A claim that uses index symbols (``index(N)``) or one-hot labels (``onehot_rows``) must
hold for every value of each; building its arrays anew for each value repeats all
the work (the two-layer net over m samples has 3^3 label combinations per size).
Here each index symbol i is a set of indicator parameters [i == k] (fresh Dummy
symbols, one per value k) and each one-hot label matrix is a matrix of parameters;
the evaluator turns anything that depends on an index value into the indicator-
weighted sum over the values (see ``Evaluator``).  The arrays are built (and
differentiated) once; each instance then substitutes its 0/1 values for the
parameters.  With one-hot indicators the weighted sums select exactly the entry
the instance's value selects, so each substituted array *is* that instance's array
(up to SymPy's automatic rewriting), and every instance is still proved on its own.

Anything the parametric build cannot do (an index out of range for some value, an
unexpected error) makes ``SizeBuild.value`` return None, and the caller builds
that instance directly, exactly as before.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import sympy as sp

from .arrays import SYMBOLIC, symbolic_env
from .evaluate import Evaluator, Instance, Program, shape_of
from ...language.parsing import Node


class SizeBuild:
    """Each step's arrays at one size assignment, built on first use, shared by the instances."""

    def __init__(self, program: Program, nodes: list[Node], used: set[str], sizes: dict[str, int]) -> None:
        self.nodes = nodes
        self.indices: dict[str, tuple[sp.Dummy, ...]] = {}
        self.labels: dict[str, np.ndarray] = {}
        plain = set(used)
        for name in sorted(used):
            decl = program.symbols[name]
            if decl.kind == "index":
                bound = decl.dims[0] if isinstance(decl.dims[0], int) else sizes[decl.dims[0]]
                self.indices[name] = tuple(sp.Dummy(f"[{name}=={k}]", real=True) for k in range(bound))
            elif decl.kind == "onehot_rows":
                shape = shape_of(decl, sizes)
                grid = np.empty(shape, dtype=object)
                for idx in np.ndindex(shape):
                    grid[idx] = sp.Dummy(f"{name}[{idx[0]},{idx[1]}]", real=True)
                self.labels[name] = grid
                plain.discard(name)
        env = symbolic_env(program, plain, Instance(dict(sizes), {}))
        env.update(self.labels)
        self.ev = Evaluator(SYMBOLIC, program, env, Instance(dict(sizes), {}), params=dict(self.indices))
        self.built: dict[int, np.ndarray | None] = {}
        self.marks: dict[sp.Basic, int] = {}
        self.infinite = False
        self._params = frozenset(self.assignment_symbols())
        self._subs: dict[tuple[Any, ...], _Substitution] = {}

    @staticmethod
    def worth(program: Program, nodes: list[Node], used: set[str], sizes: dict[str, int], instances: int
              ) -> "SizeBuild | None":
        """A shared build when it saves work: a parametric build costs about as much as one direct
        build per parameter (each index value's entries are built), so it pays when the instances
        (the product of the index ranges) outnumber the parameters (their sum)."""
        if instances <= 1:
            return None
        build = SizeBuild(program, nodes, used, sizes)
        return build if instances > len(build._params) else None

    @staticmethod
    def later(program: Program, nodes: list[Node], used: set[str], sizes: dict[str, int], instances: int
              ) -> "LaterBuild":
        """``worth``, decided on first use: when the graph route proves every pair, no SymPy symbol is made."""
        return LaterBuild(lambda: SizeBuild.worth(program, nodes, used, sizes, instances))

    def value(self, k: int, inst: Instance) -> np.ndarray | None:
        """Step k's array at this instance, or None when the parametric build cannot give it."""
        if k not in self.built:
            try:
                self.built[k] = self.ev.value(self.nodes[k])
                self.infinite |= mark(list(self.built[k].flat), self._params, self.marks)
            except Exception:   # noqa: BLE001 - the direct build reports it, located, as before
                self.built[k] = None
            self._subs.clear()                    # a substitution made before saw fewer nodes
        full = self.built[k]
        if full is None:
            return None
        key = tuple(sorted(inst.indices.items()))
        if key not in self._subs:
            self._subs.clear()              # instances come one after another: keep one substitution
            self._subs[key] = _Substitution(self.assignment(inst), self.marks, self.infinite)
        try:
            return self._subs[key].array(full)
        except RecursionError:
            return None

    def assignment_symbols(self) -> list[sp.Basic]:
        return [w for ws in self.indices.values() for w in ws] + [e for g in self.labels.values() for e in g.flat]

    def assignment(self, inst: Instance) -> dict[sp.Basic, sp.Integer]:
        one, zero = sp.Integer(1), sp.Integer(0)
        out: dict[sp.Basic, sp.Integer] = {}
        for name, ws in self.indices.items():
            for k, w in enumerate(ws):
                out[w] = one if inst.indices[name] == k else zero
        for name, grid in self.labels.items():
            for (r, c), e in np.ndenumerate(grid):
                out[e] = one if inst.indices[name][r] == c else zero
        return out


class LaterBuild:
    """A ``SizeBuild`` made when a step's array is first asked for (or None when it does not pay)."""

    def __init__(self, make: Callable[[], SizeBuild | None]) -> None:
        self.make: Callable[[], SizeBuild | None] | None = make
        self.build: SizeBuild | None = None

    def value(self, k: int, inst: Instance) -> np.ndarray | None:
        if self.make is not None:
            self.build, self.make = self.make(), None
        return self.build.value(k, inst) if self.build is not None else None


class _Substitution:
    """Substitute 0/1 values for the parameters in many expressions, each shared subexpression once.

    Only nodes that contain a parameter are rebuilt.  A product with a factor that becomes 0 is 0
    without substituting its other factors, which is where the time goes (most terms of a one-hot
    weighted sum vanish), except the factors that could become infinite (a parameter in a denominator
    or a function argument: ``risky``), which are substituted so that 0 * zoo stays nan as in a direct
    build.  With ``exact`` (an infinity anywhere in the arrays) every node is rebuilt.
    """

    def __init__(self, values: dict[sp.Basic, sp.Basic], marks: dict[sp.Basic, int], exact: bool) -> None:
        self.memo: dict[sp.Basic, sp.Basic] = dict(values)
        self.marks, self.exact = marks, exact

    def array(self, a: np.ndarray) -> np.ndarray:
        out = np.empty(a.shape, dtype=object)
        for idx in np.ndindex(a.shape):
            out[idx] = self.expr(a[idx])
        return out

    def expr(self, node: sp.Basic) -> sp.Basic:
        got = self.memo.get(node)
        if got is not None:
            return got
        marks = self.marks
        if not marks.get(node, DEPENDS):
            return node
        args = node.args
        if node.is_Mul and not self.exact:
            new = []
            for a in sorted(args, key=lambda a: not a.is_Atom):
                v = self.expr(a)
                if v is sp.S.Zero:
                    rest = [self.expr(b) for b in args if marks.get(b, DEPENDS) & RISKY]
                    out = sp.Mul(v, *rest)
                    break
                new.append(v)
            else:
                out = node.func(*new)
        else:
            new = [self.expr(a) for a in args]
            out = node if all(x is y for x, y in zip(new, args)) else node.func(*new)
        self.memo[node] = out
        return out


DEPENDS, RISKY = 1, 2


def mark(roots: list[sp.Basic], params: frozenset[sp.Basic], marks: dict[sp.Basic, int]) -> bool:
    """Mark in ``marks`` which nodes under the roots contain a parameter (DEPENDS) and which could
    become infinite when 0 is put for one (RISKY: a parameter under a function, a negative or
    symbolic power); True when an infinity or nan is among the nodes."""
    infinite = False
    stack: list[tuple[sp.Basic, bool]] = [(r, False) for r in roots]
    while stack:
        node, ready = stack.pop()
        if ready:
            m = 0
            for a in node.args:
                m |= marks[a]
            if m and not (node.is_Add or node.is_Mul or (node.is_Pow and node.exp.is_Integer
                                                         and node.exp >= 0 and not marks[node.exp])):
                m |= RISKY
            marks[node] = m
            continue
        if node in marks:
            continue
        if not node.args:
            marks[node] = DEPENDS if node in params else 0
            if node.is_Number and not node.is_finite:
                infinite = True
            continue
        stack.append((node, True))
        stack.extend((a, False) for a in node.args if a not in marks)
    return infinite
