"""The diagnosis of a wrong step on the expression graph (``prove.dag``), before any SymPy array.

``diagnosing.classify`` asks a route for the pair's arrays at each instance and for
three exact tests (is this array zero, the factor c with b = c a, a factor of the
sizes).  ``GraphTests`` answers them on the graph of the proof's fast route
(``fastproof``: no SymPy, derivatives by reverse mode), so a refuted pair no longer
builds SymPy arrays at every instance to be diagnosed.  The answers must be the SymPy
route's, so every test is decided one of three ways:

- *zero*: shown by the exact stage (``compile_nodes`` + ``zero_mask``, the same error
  bound below 2^-100 as the SymPy route, fresh primes and points from the OS): a class
  is claimed only so, never from values;
- *not zero*: an entry is a nonzero constant, or its enclosure in ball arithmetic
  (python-flint's ``arb``) at a rational point excludes 0.  That is a certificate that
  the function is not zero, so the SymPy route's exact test cannot show it zero either;
- otherwise (the graph's exact test says "not zero" but no point certifies it: an
  identity only a relation between ``exp``/``log``/root pieces explains, which SymPy's
  own rewrites might see) ``Undecided``: the whole diagnosis goes to the SymPy route.

Anything the graph cannot build (a function outside ``DAG_FUNCTIONS``, a piecewise
function, ``erf``, a shape error) is ``Undecided`` too.  The graph may show an identity
the SymPy route's atoms miss (``log(p y) = log p + log y`` for positive p): that is a
class claimed by the same exact test, so it is as sound, but it is the one way the two
routes can differ.
"""
from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

import numpy as np
from flint import arb, fmpq

from . import balls
from .diagnosing import classify, diagnose, power_hint
from ..building.arrays import array_env, symbol_name
from ..building.evaluate import Evaluator, Instance, Program
from ..building.stepvalues import StepValues
from ...language.parsing import Node
from ...language.reading import POSITIVE_KINDS
from ..prove import dag, exact
from ..prove.graphbuild import DagBackend, DagEvaluator, compile_nodes
from ..prove.proving import OutOfTime, Prover, zero_mask

BITS = 128           # the balls' precision: a certificate of "not zero" only, so modest
POINTS = 3           # rational points per instance at which an entry may be certified nonzero
REDRAWS = 20         # random points tried for an exact value before giving up


class Undecided(Exception):
    """The graph cannot answer as the SymPy route would: that route diagnoses the pair."""


class GraphBuild:
    """Both steps on one graph at one instance, with the evaluator (for the terms and the hints)."""

    def __init__(self, program: Program, used: set[str], inst: Instance, a_node: Node, b_node: Node) -> None:
        B = DagBackend()
        self.g = B.g
        self.where: dict[dag.Node, bool] = {}       # each variable: is it declared positive
        self.names: dict[dag.Node, tuple[str, tuple[int, int]]] = {}     # ...and the symbol entry it stands for

        def entry(name: str, decl: Any, shape: tuple[int, int], idx: tuple[int, int]) -> dag.Node:
            key = symbol_name(name, shape, idx, decl.kind)
            if decl.kind in POSITIVE_KINDS:
                B.g.positive_vars.add(key)
            v = B.g.var(key)
            self.where[v] = decl.kind in POSITIVE_KINDS
            self.names[v] = (name, idx)
            return v
        env = array_env(program, used, inst, B, entry)
        self.ev: Evaluator = DagEvaluator(B, program, env, inst)
        self.a = self.ev.value(a_node)          # the earlier step first: the hints come in a fresh build's order
        self.b = self.ev.value(b_node)
        self.seed = f"diagnosis:{sorted(inst.sizes.items())}:{sorted(inst.indices.items())}"
        self.memos: list[dict[dag.Node, Any]] = []

    def ball(self, n: dag.Node, k: int) -> Any:
        """The enclosure of ``n`` at the k-th rational point of this instance; None where it is not a
        finite real number there (a pole, a log of a value that may be <= 0)."""
        while len(self.memos) <= k:
            self.memos.append(self._point(len(self.memos)))
        memo = self.memos[k]
        if n in memo:
            return memo[n]
        with balls.precision(BITS):
            stack: list[tuple[dag.Node, bool]] = [(n, False)]
            while stack:
                m, ready = stack.pop()
                if m in memo:
                    continue
                if not ready:
                    stack.append((m, True))
                    stack.extend((c, False) for c in dag.children(m) if c not in memo)
                    continue
                memo[m] = _ball_of(m, memo)
        return memo[n]

    def _point(self, k: int) -> dict[dag.Node, Any]:
        rng = random.Random(f"{self.seed}:{k}")
        memo: dict[dag.Node, Any] = {}
        for v, positive in sorted(self.where.items(), key=lambda item: str(item[0].data)):
            q = Fraction(rng.randint(1, 60), 20) if positive else Fraction(rng.randint(-60, 60), rng.randint(7, 23))
            memo[v] = arb(fmpq(q.numerator, q.denominator))
        return memo


def _ball_of(m: dag.Node, memo: dict[dag.Node, Any]) -> Any:
    op = m.op
    if op == dag.CONST:
        return arb(fmpq(m.data.numerator, m.data.denominator))
    if op == dag.VAR:
        return arb.pi() if m.data == "pi" else None        # a variable without a value: a fresh one
    args = [memo[c] for c in dag.children(m)]
    if any(x is None for x in args):
        return None
    x = args[0]
    if op == dag.ADD:
        for y in args[1:]:
            x = x + y
    elif op == dag.MUL:
        for y in args[1:]:
            x = x * y
    elif op == dag.POW:
        k = m.args[1]
        if k < 0:
            if x.contains(0):
                return None
            x, k = 1 / x, -k
        x = x ** k
    elif op == dag.EXP:
        x = x.exp()
    elif op in (dag.LOG, dag.SQRT):
        if not x > 0:
            return None
        x = x.log() if op == dag.LOG else x.sqrt()
    return x if x.is_finite() else None


class GraphTests:
    """``diagnosing.Tests`` on the graph; every answer certain, or ``Undecided``."""

    errors: tuple[type[BaseException], ...] = ()      # nothing here is a diagnosis of None: the SymPy route decides

    def __init__(self, program: Program, a_node: Node, b_node: Node, used: set[str]) -> None:
        self.program, self.a_node, self.b_node, self.used = program, a_node, b_node, used
        self.built: dict[int, tuple[Instance, GraphBuild | None]] = {}
        self.graphs: dict[int, GraphBuild] = {}

    def build(self, inst: Instance) -> GraphBuild | None:
        hit = self.built.get(id(inst))
        if hit is None or hit[0] is not inst:           # keyed by identity; the instance is kept, so ids stay unique
            try:
                got: GraphBuild | None = GraphBuild(self.program, self.used, inst, self.a_node, self.b_node)
            except OutOfTime:
                raise
            except Exception:       # noqa: BLE001 - anything the graph cannot build, the SymPy route builds
                got = None
            if got is not None:
                self.graphs[id(got.g)] = got
            hit = self.built[id(inst)] = (inst, got)
        return hit[1]

    def at(self, inst: Instance) -> tuple[Any, np.ndarray, np.ndarray]:
        built = self.build(inst)
        if built is None:
            raise Undecided("the graph cannot build the steps here")
        return built.ev, built.a, built.b

    def hint(self, inst: Instance) -> str | None:
        """``power_hint`` from the graph's evaluator (the hints come from the parsed tree, not the backend)."""
        built = self.build(inst)
        if built is None:
            raise Undecided("the graph cannot build the steps here")
        return f"hint: {built.ev.hints[0]}" if built.ev.hints else None

    # ------------------------------------------------------------ the tests
    def _owner(self, nodes: list[dag.Node]) -> GraphBuild:
        built = self.graphs.get(id(nodes[0].g)) if nodes else None
        if built is None:
            raise Undecided("nodes of no known build")
        return built

    def _nodes(self, arr: np.ndarray) -> list[dag.Node]:
        nodes = [x for x in arr.flat if isinstance(x, dag.Node)]
        if len(nodes) != arr.size:
            raise Undecided("an entry that is not a graph node")
        return nodes

    def _certified(self, built: GraphBuild, nodes: list[dag.Node], points: range) -> bool:
        """Is some node's enclosure free of 0 at one of these points (so it is not the zero function)?"""
        for k in points:
            for n in nodes:
                v = built.ball(n, k)
                if v is not None and not v.contains(0):
                    return True
        return False

    def _zero(self, nodes: list[dag.Node]) -> bool:
        """True: every node shown zero exactly; False: certainly not; else ``Undecided``."""
        live = [n for n in nodes if not (n.op == dag.CONST and not n.data)]
        if any(n.op == dag.CONST for n in live):
            return False                                  # a nonzero constant
        if not live:
            return True
        built = self._owner(live)
        if self._certified(built, live, range(1)):
            return False
        try:
            if all(zero_mask(compile_nodes(live))):
                return True
        except (exact.Unsupported, RecursionError):
            raise Undecided("the exact test cannot decide") from None
        if self._certified(built, live, range(1, POINTS)):
            return False
        raise Undecided("not zero on the graph, and no point certifies it")

    def all_zero(self, arr: np.ndarray) -> bool:
        return self._zero(self._nodes(arr))

    def _varies(self, built: GraphBuild, r: dag.Node) -> bool:
        """Is ``r`` certainly not constant: two points whose enclosures of it are disjoint?"""
        seen = [v for v in (built.ball(r, k) for k in range(POINTS)) if v is not None]
        return any(not x.overlaps(y) for i, x in enumerate(seen) for y in seen[i + 1:])

    def _value(self, r: dag.Node) -> Fraction:
        """r's exact value at a random rational point, its pieces given random rational values too: if r is
        constant as a function of its variables and pieces, that constant."""
        program = compile_nodes([r])
        rng = exact.OS_RANDOM
        for _ in range(REDRAWS):
            point = [Fraction(rng.randrange(-2 ** 20, 2 ** 20), rng.randrange(1, 2 ** 10)) for _ in program.symbols]
            try:
                return exact.rational(program, point)[0]
            except exact.ZeroDenominator:
                continue
        raise Undecided("every rational point hit a zero denominator")

    def factor(self, a: np.ndarray, b: np.ndarray) -> Fraction | None:
        """``diagnosing._factor``: c from the first entry of a that is not zero, then b - c a shown zero."""
        xs, ys = self._nodes(a), self._nodes(b)
        for x, y in zip(xs, ys):
            if self._zero([x]):
                continue
            built = self._owner([x])
            r = y / x
            if self._varies(built, r):
                return None                              # b / a is no constant: no factor
            c = self._value(r)
            if not self._zero([y - c * x]):      # r is no constant on the graph, yet not certainly varying
                raise Undecided("the ratio may be a constant only a relation between pieces shows")
            if c in (0, 1, -1):
                return None
            return c if self.all_zero(b - a * c) else None
        return None

    def scaled(self, insts: list[Instance], done: list[tuple[Instance, np.ndarray, np.ndarray]]
               ) -> tuple[str | None, str | None]:
        """``diagnosing._scaled_by_size`` when it certainly finds nothing: the ratio b / a at the first
        entry of a that is not zero is certainly not a constant (or is 0); anything else is ``Undecided``."""
        if not done or len({tuple(i.sizes.items()) for i in insts}) < 2:
            return None, None
        _, a0, b0 = done[0]
        if a0.shape != b0.shape:
            return None, None
        for x, y in zip(self._nodes(a0), self._nodes(b0)):
            if self._zero([x]):
                continue
            if y.op == dag.CONST and not y.data:
                return None, None                        # the ratio is 0: no factor
            if self._varies(self._owner([x]), y / x):
                return None, None
            if any(self._no_multiple(a, b) for _, a, b in done if a.shape == b.shape):
                return None, None
            raise Undecided("the ratio may be a number: the SymPy route looks for a factor of the sizes")
        return None, None

    def _no_multiple(self, a: np.ndarray, b: np.ndarray) -> bool:
        """Is b certainly no number times a here (two entries' ratios disjoint at one point, or b nonzero
        where a is 0)?  Then no factor of the sizes fits: it must make b - factor * a zero at every instance."""
        xs, ys = self._nodes(a), self._nodes(b)
        built = self._owner(xs)
        for k in range(POINTS):
            ratios = []
            for x, y in zip(xs, ys):
                bx, by = built.ball(x, k), built.ball(y, k)
                if bx is None or by is None:
                    continue
                if bx.contains(0):
                    if bx.is_zero() and not by.contains(0):
                        return True
                    continue
                with balls.precision(BITS):
                    ratios.append(by / bx)
            if any(not r.overlaps(ratios[0]) for r in ratios[1:]):
                return True
        return False


def diagnose_pair(graph: GraphTests, insts: list[Instance], prover: Prover, values: StepValues
                  ) -> tuple[tuple[str | None, str | None], str | None]:
    """(diagnosis, hint) for a refuted pair: on the graph when it can answer, else on SymPy arrays."""
    program, a_node, b_node, used = graph.program, graph.a_node, graph.b_node, graph.used
    try:
        found = classify(graph, a_node, b_node, insts)
    except OutOfTime:
        raise
    except Exception:       # noqa: BLE001 - Undecided, or anything else the graph cannot do: the SymPy route
        found = diagnose(program, a_node, b_node, insts, used, prover, values)
    try:
        hint = graph.hint(insts[0])
    except Undecided:
        hint = power_hint(program, a_node, b_node, used, insts[0], values)
    return found, hint
