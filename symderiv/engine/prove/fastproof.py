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
only ever removes work, it never decides ``refuted`` or an error.  The graph itself is
built by ``graphbuild``.

The index values and one-hot labels of a size share one build with them as parameters;
where they are too many to list by default, ``GraphProver.everywhere`` tests them all at
once and ``GraphProver.every_instance`` lists them when that is cheap.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np

from . import dag, exact
from .graphbuild import DagBackend, DagEvaluator, compile_nodes, graph_env, one_minus
from ..building.evaluate import Instance, Program
from .proving import OutOfTime, SharedTrials, zero_mask
from .radicals import rationalised
from ...language.parsing import Node

_EVALUATORS: dict[tuple[Any, ...], tuple["DagEvaluator", dict[dag.Node, tuple[str, Any]]]] = {}
MAX_LISTED_WORK = 300_000  # registers evaluated to list a larger size's many combinations (``every_instance``)
MAX_EVALUATORS = 96       # graphs kept per process: the size assignments of the document being checked


def _evaluator(program: Program, used: set[str], inst: Instance, params: bool, generic: bool = False
               ) -> tuple["DagEvaluator", dict[dag.Node, tuple[str, Any]]]:
    """The graph evaluator for these sizes and index values (or, with ``params``, for every index value
    and label at once) and its indicators (parameter -> (symbol, the value it marks)).  With ``generic``
    too, the indicators of each index and of each one-hot row sum to 1 (the last is 1 minus the others):
    ``_Build.everywhere`` proves for all their values at once.

    Claims of one document share it: a define is built once per size, not once per claim (its value
    does not depend on the claim), and so is a derivative of it by the same variable.  Every claim adds
    the array symbols it uses; its index and one-hot symbols are part of the key."""
    marked = tuple(sorted(n for n in used if program.symbols[n].kind in ("index", "onehot_rows")))
    generic = generic and params
    key = (id(program), tuple(sorted(inst.sizes.items())), params, generic,
           marked if params else tuple(sorted(inst.indices.items())))
    hit = _EVALUATORS.get(key)
    if hit is not None and hit[0].program is program:
        ev = hit[0]
        missing = {n for n in used if n not in ev.env}
        if missing:
            ev.env.update(graph_env(ev.B, program, missing, inst, params, generic))
        return hit
    B = DagBackend()
    indicators: dict[dag.Node, tuple[str, Any]] = {}
    index_params: dict[str, tuple[Any, ...]] = {}
    env = graph_env(B, program, used, inst, params, generic)
    if params:
        for name in marked:
            decl = program.symbols[name]
            if decl.kind == "index":
                bound = decl.dims[0] if isinstance(decl.dims[0], int) else inst.sizes[decl.dims[0]]
                ws = [B.g.var(("index", name, k)) for k in range(bound)]
                if generic:
                    ws[-1] = one_minus(B.g, ws[:-1])
                index_params[name] = tuple(ws)
                indicators.update({w: (name, k) for k, w in enumerate(index_params[name])})
            else:
                indicators.update({w: (name, idx) for idx, w in np.ndenumerate(env[name])})
        inst = Instance(dict(inst.sizes), {})
    ev = DagEvaluator(B, program, env, inst, params=index_params)
    if len(_EVALUATORS) >= MAX_EVALUATORS or any(k[0] != id(program) for k in _EVALUATORS):
        _EVALUATORS.clear()
    if MAX_EVALUATORS:
        _EVALUATORS[key] = (ev, indicators)
    return ev, indicators


class _Build:
    """The pairs' differences at one size assignment, compiled into one program."""

    def __init__(self, program: Program, nodes: list[Node], used: set[str], inst: Instance, ks: list[int],
                 params: bool, generic: bool = False) -> None:
        ev, self.indicators = _evaluator(program, used, inst, params, generic)
        B = ev.B
        values = [ev.value(n) if k in ks or k + 1 in ks else None for k, n in enumerate(nodes)]
        self.candidates: set[int] = set()
        roots: list[dag.Node] = []
        self.owner: list[int] = []
        for k in ks:
            a, b = values[k - 1], values[k]
            assert a is not None and b is not None
            if a.shape != b.shape:
                continue
            diffs = [B.g.lift(y) - B.g.lift(x) for x, y in zip(a.flat, b.flat)]
            if any(d.op == dag.CONST and d.data for d in diffs) and not params:
                continue                      # a nonzero constant: the SymPy route refutes it
            self.candidates.add(k)
            for d in diffs:
                if d.op != dag.CONST:
                    roots.append(d)
                    self.owner.append(k)
                elif d.data:                  # a constant, at every instance: never zero
                    self.candidates.discard(k)
        self.code = compile_nodes(roots) if roots else None
        self.roots: list[dag.Node] = roots
        self.trials: SharedTrials | None = None
        self._radical: Any = None

    def everywhere(self) -> set[int]:
        """The pairs shown equal at every index value and label combination at once (a ``generic`` build).

        Each index's indicators and each one-hot row's entries are variables on the hyperplane where they
        sum to 1, which holds every 0/1 choice.  When they enter the differences through sums, products
        and powers with natural exponents only (never a denominator, nor the argument of exp, log or
        sqrt), each difference is a polynomial in them whose coefficients are rational functions of the
        other inputs, with denominators that do not depend on them: a difference shown to be the zero
        rational function on the hyperplane (``zero_mask``, the same error bound) is zero at every
        choice, wherever the steps are defined, and they are defined at a choice exactly where they
        are at any other.  Otherwise nothing is proved here (the caller draws or lists the choices)."""
        if self.code is None:
            return set(self.candidates)
        if not _polynomial_in(self.roots, set(self.indicators)):
            return set()
        out = set(self.candidates)
        for k, zero in zip(self.owner, zero_mask(self.code)):
            if not zero:
                out.discard(k)
        return out

    def _fixed(self, code: "exact.Program", inst: Instance) -> dict[int, int] | None:
        """The 0/1 values of the instance's index and label indicators, by their positions in ``code``."""
        if not self.indicators:
            return None
        fixed = {}
        for pos, sym in enumerate(code.symbols):
            marks = self.indicators.get(sym)
            if marks is not None:
                name, value = marks
                chosen = inst.indices[name]
                fixed[pos] = int(chosen == value if isinstance(value, int) else chosen[value[0]] == value[1])
        return fixed

    def proved(self, inst: Instance) -> set[int]:
        out = set(self.candidates)
        if self.code is not None:
            fixed = self._fixed(self.code, inst)
            if fixed is None:
                mask = zero_mask(self.code)
            else:
                if self.trials is None:
                    self.trials = SharedTrials(self.code, set(fixed))     # one draw for the size's instances
                mask = self.trials.mask(fixed)
            if not all(mask) and (radical := self.radical()) is not None:  # sqrt(u)**2 = u, by a change of variables
                mask = [a or b for a, b in zip(mask, zero_mask(radical, fixed=self._fixed(radical, inst)))]
            for k, zero in zip(self.owner, mask):
                if not zero:
                    out.discard(k)
        return out

    def radical(self) -> "exact.Program | None":
        """The differences with their one square root made a symbol (``radicals``), compiled; None without one."""
        if self._radical is None:
            changed = rationalised(self.roots) if self.roots and self.roots[0].g.roots else None
            self._radical = compile_nodes(changed) if changed is not None else False
        return self._radical or None


class GraphProver:
    """The graph route for one claim: ``proved(inst, ks)`` is the set of pairs k (step k - 1 against
    step k) shown equal at the instance; the empty set when the route cannot build a step (the SymPy
    route then does all the work).

    When a size assignment has several instances (``count``), they share one build in which each index
    value and one-hot label is a 0/1 parameter (as in ``parametric``), compiled once and evaluated per
    instance with the parameters fixed; an instance that build does not prove is built directly, and so
    are the size's later instances."""

    def __init__(self, program: Program, nodes: list[Node], used: set[str]) -> None:
        self.program, self.nodes, self.used = program, nodes, used
        self.seen: set[tuple[Any, ...]] = set()
        self.shared: dict[tuple[Any, ...], _Build | None] = {}

    def proved(self, inst: Instance, ks: list[int], count: int = 1) -> set[int]:
        with _collector_paused():
            return self._proved(inst, ks, count)

    def _proved(self, inst: Instance, ks: list[int], count: int) -> set[int]:
        key = (tuple(sorted(inst.sizes.items())), tuple(ks))
        try:
            if inst.indices and (count > 1 or key in self.seen):
                if key not in self.shared:
                    self.shared[key] = self._build(inst, ks, params=True)
                build = self.shared[key]
                if build is not None:
                    if build.proved(inst) == set(ks):
                        return set(ks)
                    self.shared[key] = None       # the shared build loses this proof: build directly from now on
            self.seen.add(key)
            build = self._build(inst, ks, params=False)
            return build.proved(inst) if build is not None else set()
        except OutOfTime:
            raise
        except Exception:       # noqa: BLE001 - anything the graph cannot do, the SymPy route does and reports
            return set()

    def everywhere(self, sizes: dict[str, int], ks: list[int]) -> set[int]:
        """The pairs shown equal at these sizes for every index value and one-hot label combination at once
        (``_Build.everywhere``); the empty set when the graph cannot show it."""
        with _collector_paused():
            build = self._build(Instance(dict(sizes), {}), ks, params=True, generic=True)
            try:
                return build.everywhere() if build is not None else set()
            except OutOfTime:
                raise
            except Exception:       # noqa: BLE001 - e.g. every draw hit a zero denominator
                return set()

    def every_instance(self, insts: list[Instance], ks: list[int]) -> bool:
        """Does the size's shared build prove the pairs ks at every one of these instances?  The shared trials
        evaluate per instance only the registers that depend on the 0/1 values, so a size with more
        combinations than are listed by default is listed after all when that work (registers times
        instances: the same on every run) is at most MAX_LISTED_WORK.  False at the first instance the
        build does not prove, and when the work would be larger (the caller then draws one)."""
        if not insts:
            return False
        with _collector_paused():
            build = self._build(Instance(dict(insts[0].sizes), {}), ks, params=True)
            if build is None or build.candidates != set(ks):
                return False
            try:
                if build.code is not None:
                    marked = {pos for pos, sym in enumerate(build.code.symbols) if sym in build.indicators}
                    if len(insts) * sum(exact.dependents(build.code, marked)) > MAX_LISTED_WORK:
                        return False
                return all(build.proved(inst) == set(ks) for inst in insts)
            except OutOfTime:
                raise
            except Exception:       # noqa: BLE001 - e.g. every draw hit a zero denominator
                return False

    def vanishes(self, inst: Instance, node: Node) -> bool:
        """Is every entry of ``node``'s value at this instance identically zero (``zero_mask``'s error bound)?
        False too when the graph cannot build it."""
        with _collector_paused():
            try:
                ev, _ = _evaluator(self.program, self.used, inst, params=False)
                entries = [ev.B.g.lift(x) for x in ev.value(node).flat]
                if any(e.op == dag.CONST and e.data for e in entries):
                    return False
                roots = [e for e in entries if e.op != dag.CONST]
                return not roots or all(zero_mask(compile_nodes(roots)))
            except OutOfTime:
                raise
            except Exception:       # noqa: BLE001 - a function the graph does not know, a zero denominator
                return False

    def _build(self, inst: Instance, ks: list[int], params: bool, generic: bool = False) -> _Build | None:
        try:
            return _Build(self.program, self.nodes, self.used, inst, ks, params, generic)
        except OutOfTime:
            raise
        except Exception:       # noqa: BLE001
            return None


def _polynomial_in(roots: list[dag.Node], marks: set[dag.Node]) -> bool:
    """Do the marks (the build's indicators) reach the roots through sums, products and powers with natural
    exponents only (no inversion, no argument of exp, log or sqrt depends on them)?"""
    depends: set[dag.Node] = set()
    for n in dag.post_order(roots):
        if n in marks or any(a in depends for a in n.kids):
            if n.op in (dag.EXP, dag.LOG, dag.SQRT) or (n.op == dag.POW and n.args[1] < 0):
                return False
            depends.add(n)
    return True


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a graph is built, differentiated, compiled and tested.

    Everything those make either stays alive in the graph (its table holds every node) or is freed by
    reference counting (lists, tuples, ints), so a collection then finds nothing, yet each full one
    scans every node made so far: about a third of reverse mode's time at word2vec's (128, 256), and
    what made its cost grow faster than the graph.  The graph itself (nodes and table refer to each
    other) is collected after the proof, when it is dropped."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def proved_pairs(program: Program, nodes: list[Node], used: set[str], inst: Instance, ks: list[int]) -> set[int]:
    """The pairs shown equal at this one instance by a direct build (see ``GraphProver``)."""
    return GraphProver(program, nodes, used).proved(inst, ks)
