"""Checking one claim: numeric spot check first, then proof, then the verdict.

``check_claim`` is a generator of provisional results: after the numeric stage it
yields what the claim would be if the proof never finished (``numeric`` when every
spot check agrees, ``refuted`` when one does not); then the final result.  The
worker pool keeps the last one it received, so a claim stopped at its time limit
still gets the verdict it has earned.
"""
from __future__ import annotations

import time
from dataclasses import replace
from typing import Iterable, Iterator

import numpy as np

from .spotcheck import compare, manypoints, numeric
from .spotcheck.allinstances import AllInstances
from ..settings import Settings
from .refute.certify import PRECISIONS, Certifier
from .refute.witnesspoints import exact_point, random_points
from .refute.graphdiagnosis import GraphTests, diagnose_pair
from .refute.showcase import exact_values
from .building.evaluate import Instance, Program, ProgramError, instances, size_assignments
from ..language.functions import ShapeError
from ..language.parsing import Node, ParseError
from .prove.domains import unimplied
from .prove.fastproof import GraphProver
from .building.parametric import SizeBuild
from .prove.proving import OutOfTime, Prover, budget
from .prove.sizes import extension_assignments, larger_instances, listable_instances, note_checked
from .texcheck import check_tex, drawn_products, readings
from .prove.casework import piecewise_claim, region_samples, with_region
from ..language.reading import ClaimSpec, Document
from ..results import ClaimResult, Counterexample, Verdict
from .pairs import Pair, indices_of, note_vacuous, result_of, short
from .proofstage import QUICK_POINTS, ProofStage

SIMPLIFY_SHARE = 0.5     # at most this share of the claim's time limit for one simplify call
LARGER_SECONDS = 1.0     # the least CPU time the check at larger sizes may take
MAX_CANDIDATES = 4       # numeric disagreements offered to the certifier per pair (each may cost 4 precisions)
RANDOM_PER_INSTANCE = 1  # every instance gets random points beyond the fixed simple ones
SEARCH_POINTS = 6        # random points per instance in the witness search for an undecided pair
LARGER_WITNESS_SECONDS = 2.0   # the witness search for a pair the exact test does not settle at a larger size


class ClaimError(Exception):
    """The claim cannot be checked; the message is for the user, already located."""


def _program(doc: Document, cache: dict[int, Program] = {}) -> Program:  # noqa: B006 - per-process memo
    key = id(doc)
    if key not in cache:
        cache.clear()
        cache[key] = Program.build(doc)
    return cache[key]


def check_claim(doc: Document, index: int, settings: Settings) -> Iterator[ClaimResult]:
    spec = doc.claims[index]
    base = ClaimResult(doc.path, spec.line, spec.name, Verdict.ERROR, expect=spec.expect, steps=spec.steps,
                       note=spec.note, tex=spec.tex if spec.tex else None)
    start = time.monotonic()
    try:
        if spec.problem is None:
            read = readings(_program(doc), spec)
            base = replace(base, readings=read, elementwise=drawn_products(_program(doc), spec, read))
        final = None
        for final in _check(doc, spec, settings, base, start):
            yield final
        if final is not None and spec.tex:
            yield from check_tex(_program(doc), spec, final, lambda pair: _last(_check(doc, pair, settings, base, start)))
    except ClaimError as e:
        yield replace(base, message=str(e), seconds=time.monotonic() - start)
    except (MemoryError, RecursionError) as e:
        yield replace(base, message=f"{doc.path}:{spec.line}: the claim is too large to check "
                                    f"({type(e).__name__}); make it smaller or use smaller sizes",
                      seconds=time.monotonic() - start)


def _last(results: Iterator[ClaimResult]) -> ClaimResult:
    try:
        last = None
        for last in results:
            pass
    except ClaimError as e:
        return ClaimResult("", 0, "", Verdict.ERROR, message=str(e))
    assert last is not None
    return last


def _check(doc: Document, spec: ClaimSpec, settings: Settings, base: ClaimResult, start: float
           ) -> Iterator[ClaimResult]:
    where = f"{doc.path}:{spec.line}"
    cpu_start = time.process_time()
    if spec.problem:
        raise ClaimError(spec.problem)
    program = _program(doc)
    nodes: list[Node] = []
    for k, text in enumerate(spec.steps):
        try:
            nodes.append(program.parse_step(text))
        except (ParseError, ProgramError) as e:
            raise ClaimError(f"{where}: step {k} ({short(text)}): {e}") from None
    used = program.names_used(nodes)
    try:
        assignments = size_assignments(used, program, settings.sizes)
        plan = [(sizes, instances(used, program, sizes)) for sizes in assignments]
    except ShapeError as e:
        raise ClaimError(f"{where}: {e}") from None

    pairs = [Pair(k) for k in range(1, len(nodes))]
    ctx = _Context(program, nodes, used, spec, settings, where)

    # 1. the numeric spot check, smallest sizes first
    for sizes, insts in plan:
        before = [p.samples for p in pairs]
        per_instance = max(numeric.SIMPLE_PATTERNS + RANDOM_PER_INSTANCE, -(-settings.samples // len(insts)))
        for inst in insts:
            ctx.numeric(inst, pairs, per_instance)
        note_checked(pairs, before, sizes)
    yield result_of(base, pairs, start, provisional=True)
    if ctx.pieces:      # then a point inside every region the branch conditions allow: far breakpoints too
        for _, insts in plan:
            for inst in insts:
                ctx.numeric(inst, pairs, 0, regions=True)
        yield result_of(base, pairs, start, provisional=True)

    # 2. diagnose the first wrong step the spot check found
    if ctx.diagnose_first(pairs, plan):
        yield result_of(base, pairs, start, provisional=True)

    # 3. the proof, for every pair not already refuted; a step defined nowhere at every size is an error, never a
    # verdict (at some sizes only: the pair before it holds vacuously there, the pair after it is refuted there)
    everywhere = [inst for _, insts in plan for inst in insts]
    for k in range(len(nodes)):
        if everywhere and (why := ctx.nowhere(k, everywhere[0])) and all(ctx.nowhere(k, i) for i in everywhere[1:]):
            raise ClaimError(f"{where}: step {k} ({short(spec.steps[k])}): is defined nowhere at any size checked "
                             f"(it takes the {why})")
    for sizes, insts in plan:
        todo = [p for p in pairs if not (p.refuted or p.shape or p.undecided)]
        if not todo:
            break
        shared = SizeBuild.later(ctx.program, nodes, used, sizes, len(insts))
        for inst in insts:
            ctx.prove(inst, todo, start, shared, count=len(insts))
        for p in todo:
            if not (p.refuted or p.undecided):
                p.proved_sizes.append(sizes)
        note_vacuous(todo, sizes, len(insts))
        yield result_of(base, pairs, start, provisional=True)
    # 3'. the values are equal where both steps are defined; the later step must be defined wherever the
    # earlier one is, which their forms must show (domains.py), else the witness search looks for a hole
    for p in pairs:
        if not (p.refuted or p.shape or p.undecided) and (holes := unimplied(program, nodes[p.k - 1], nodes[p.k])):
            p.undecided = (f"equal where both are defined, but it takes {' and '.join(holes)}, which may be undefined "
                           f"where step {p.k - 1} is defined (the steps' forms do not show otherwise)")
            p.proved_sizes.clear()
    # 3a. a certified witness for every pair the proof left undecided, at random points of every instance
    for _, insts in plan:
        for inst in insts:
            todo = [p for p in pairs if p.undecided and not p.refuted]
            left = settings.timeout - (time.monotonic() - start) - 1.0
            if not todo or left <= 0:
                break
            ctx.search(inst, todo, left)
    for p in pairs:
        p.symbolic_done = True
    if not any(p.refuted or p.shape for p in pairs):
        yield replace(result_of(base, pairs, start, provisional=False),    # what stands if the larger sizes do not finish
                      message="proved at the sizes listed; the check at larger sizes did not finish in the time limit")
    # 3b. larger sizes (sizes.py), within as much CPU time as the claim took so far: sizes not reached are named
    deadline = time.process_time() + max(LARGER_SECONDS, time.process_time() - cpu_start)   # CPU time: load-proof
    larger = extension_assignments(used, program, nodes, assignments)
    unreached: list[dict[str, int]] = []      # planned, and not reached within the budget: said, not hidden
    for i, sizes in enumerate(larger):
        left = deadline - time.process_time()
        if any(p.refuted or p.shape for p in pairs):
            break
        if left <= 0:
            unreached = larger[i:]
            break
        try:
            with budget(left, cpu=True):    # never yield inside: the alarm must not fire in the caller
                done = ctx.extend(sizes, pairs, start)
        except OutOfTime:
            unreached = larger[i:]
            break
        if done:
            yield result_of(base, pairs, start, provisional=False)
    # 4. a step refuted only by the proof (a constant difference) is diagnosed now
    ctx.diagnose_first(pairs, plan + ctx.extended)
    final = result_of(base, pairs, start, provisional=False)
    if unreached and final.verdict in (Verdict.PROVED, Verdict.NUMERIC):
        words = "; ".join(", ".join(f"{d}={v}" for d, v in sorted(a.items())) for a in unreached)
        note = f"the larger sizes {words} were not reached within the claim's time budget"
        final = replace(final, message=f"{final.message}; {note}" if final.message else note)
    yield final


class _Context(ProofStage):
    def __init__(self, program: Program, nodes: list[Node], used: set[str], spec: ClaimSpec, settings: Settings,
                 where: str) -> None:
        self.program, self.nodes, self.spec, self.settings, self.where = program, nodes, spec, settings, where
        self.used = used          # the symbols the steps use, through their defines: found once per claim
        self.prover = Prover(settings.seed, simplify_seconds=settings.timeout * SIMPLIFY_SHARE)
        self.certifiers: dict[int, Certifier] = {}
        self.pieces = piecewise_claim(program, nodes)     # relu, abs, max, ...: regions matter
        self.graph = GraphProver(program, nodes, used)    # the proof without SymPy, tried first
        self.extended: list[tuple[dict[str, int], list[Instance]]] = []

    def extend(self, sizes: dict[str, int], pairs: list[Pair], start: float) -> bool:
        """One larger size assignment (``larger_instances``): exact for the pairs proved so far, numeric for
        the rest and for any the exact test does not settle at an instance; False when the sizes do not fit."""
        try:
            insts, sampled = larger_instances(self.used, self.program, sizes, piecewise=self.pieces)
        except ShapeError:
            return False
        proved = [p for p in pairs if not (p.refuted or p.shape or p.undecided)]
        unproved = [p for p in pairs if not (p.refuted or p.shape) and p.undecided]
        before = {id(p): p.samples for p in pairs}
        failed: list[Pair] = []
        everywhere: list[Pair] = []
        if sampled and proved and not self.pieces:      # too many choices to list by default
            shown = self.graph.everywhere(sizes, [p.k for p in proved])     # all of them at once?
            rest = [p.k for p in proved if p.k not in shown]
            if rest and self.graph.every_instance(listable_instances(self.used, self.program, sizes), rest):
                shown |= set(rest)                                          # or listed after all
            everywhere = [p for p in proved if p.k in shown]
            proved = [p for p in proved if p.k not in shown]
        try:
            for inst in insts:
                todo = [p for p in proved if p not in failed and not (p.refuted or p.shape)]
                if todo:
                    self.prove(inst, todo, start, exact_only=True, count=len(insts))
                for p in todo:
                    if p.undecided:
                        # not shown zero here: a certified witness refutes the claim at this size (a gap of
                        # (n-2)(n-3)/10**8 is far below the numeric check's tolerance); failing that, the proof
                        # at the instantiated sizes stands and these sizes are numeric only
                        self.search(inst, [p], LARGER_WITNESS_SECONDS)
                        p.undecided = None
                        if not p.refuted:
                            failed.append(p)
                if any(p.refuted for p in todo):
                    break
                spot = [p for p in failed + unproved if not (p.refuted or p.shape)]
                if spot:     # a step that does not fit these sizes was already an error of the proof's build
                    self.numeric(inst, spot, numeric.SIMPLE_PATTERNS + 2, together=False)
        except ClaimError:
            return False
        spot = failed + unproved
        note_checked(spot, [before[id(p)] for p in spot], sizes)
        for p in proved:
            if not (p.refuted or p.shape) and p not in failed:
                (p.sampled_sizes if sampled else p.proved_sizes).append(sizes)
        for p in everywhere:
            p.proved_sizes.append(sizes)
        note_vacuous(proved, sizes, len(insts))
        self.extended.append((sizes, insts))
        return True

    def diagnose_first(self, pairs: list[Pair], plan: list[tuple[dict[str, int], list[Instance]]]) -> bool:
        """Diagnose the first refuted pair, once; True when that was done now."""
        used = self.used
        first = next((p for p in pairs if p.refuted or p.shape), None)
        if first is None or first.diagnosed:
            return False
        first.diagnosed = True
        insts = [i for _, ii in plan for i in ii]
        values = self.certifier(first.k).values       # the pair's SymPy arrays, built once per instance
        graph = GraphTests(self.program, self.nodes[first.k - 1], self.nodes[first.k], used)    # tried first
        first.diagnosis, first.hint = diagnose_pair(graph, insts, self.prover, values)
        if first.refuted is not None and first.where is not None:
            first.refuted = exact_values(self.program, self.nodes[first.k - 1], self.nodes[first.k], used,
                                         *first.where, first.refuted, certifier=self.certifier(first.k), graph=graph)
            if self.pieces:
                first.refuted = with_region(self.program, self.nodes[first.k - 1], self.nodes[first.k], used,
                                            first.where[0], first.refuted, values)
        return True

    def located(self, k: int, inst: Instance, e: Exception) -> ClaimError:
        at = f" (at {inst.describe()})" if inst.sizes or inst.indices else ""
        return ClaimError(f"{self.where}: step {k} ({short(self.spec.steps[k])}): {e}{at}")

    def numeric(self, inst: Instance, pairs: list[Pair], count: int, regions: bool = False,
                together: bool = True, positive: bool = False) -> None:
        """Compare adjacent steps at ``count`` sample points of ``inst`` (or a point in every region).
        ``together``: the instances of ``inst``'s sizes are asked for in order, so the first one evaluates
        them all in one batch (``allinstances``).  A pair none of whose points was in the domain of both
        steps is compared again at as many points with every real entry positive (``positive``)."""
        s = self.settings
        used = self.used
        located = lambda k, e: self.located(k, inst, e)  # noqa: E731
        if regions or not together or positive:
            points: Iterable[numeric.Point] = (region_samples(self.program, self.nodes, used, inst, s.seed) if regions
                                               else numeric.sample_points(self.program, used, inst, count, s.seed,
                                                                          positive))
            evaluated = manypoints.evaluated(self.program, self.nodes, inst, points, located)
        else:
            if self.__dict__.get("spot") is None:
                self.spot = AllInstances(self.program, self.nodes, used, s.seed)
            evaluated = self.spot.evaluated(inst, count, located)
        rows = list(evaluated)
        table = {p.k: compare.outcomes([v for _, v in rows], p.k, s.rtol, s.atol)
                 for p in pairs if not (p.refuted or p.shape)}      # every point's outcome at once, per pair
        inside: set[int] = set()       # the pairs with a point in the domain of both steps
        for i, (point, values) in enumerate(rows):
            for p in pairs:
                if p.refuted or p.shape:
                    continue
                outcome = table[p.k][i]
                if outcome == compare.SKIP:
                    continue
                if outcome == compare.SHAPE:
                    a, b = values[p.k - 1], values[p.k]
                    p.shape = True
                    p.refuted = Counterexample(dict(inst.sizes), indices_of(inst), {}, None, None, None,
                                               lhs_shape=a.shape, rhs_shape=b.shape)  # type: ignore[union-attr]
                    continue
                if outcome in (compare.LATER_UNDEFINED, compare.UNDEFINED):
                    if outcome == compare.LATER_UNDEFINED:
                        self.certify(p, inst, point)      # the later step undefined where the earlier is not?
                    continue
                p.open_points = True
                inside.add(p.k)
                if outcome == compare.AGREE:
                    p.samples += 1
                    continue
                if numeric.confirmed(self.program, self.nodes[p.k - 1], self.nodes[p.k], inst, point,
                                     s.rtol, s.atol) is not None:
                    self.certify(p, inst, point)   # a candidate only: refuted when certified there
        starving = [p for p in pairs if p.k not in inside and not (p.refuted or p.shape)]
        if starving and rows and not (regions or positive) and any(
                self.program.symbols[n].kind in ("scalar", "vector", "matrix") for n in used):
            self.numeric(inst, starving, len(rows), together=False, positive=True)

    def certify(self, p: Pair, inst: Instance, point: numeric.Point | dict[str, np.ndarray],
                max_bits: int = PRECISIONS[-1], limited: bool = True) -> bool:
        """Refute the pair at this point when a certified witness is found there (see ``certify``).

        ``limited``: a numeric disagreement, of which at most MAX_CANDIDATES per pair are tried.
        """
        if limited:
            if p.candidates >= MAX_CANDIDATES:
                return False
            p.candidates += 1
        exact = exact_point(point) if isinstance(point, numeric.Point) else point
        return self.refute_with(p, inst, self.certifier(p.k).at(inst, exact, max_bits))

    def certifier(self, k: int) -> Certifier:
        if k not in self.certifiers:
            self.certifiers[k] = Certifier(self.program, self.nodes[k - 1], self.nodes[k],
                                           self.used)
        return self.certifiers[k]

    def search(self, inst: Instance, pairs: list[Pair], seconds: float) -> None:
        """Look for certified witnesses at seeded random points of spread magnitudes (for undecided pairs)."""
        used = self.used
        points = random_points(self.program, used, inst, self.settings.seed, SEARCH_POINTS)
        try:
            with budget(seconds):
                for n, point in enumerate(points):
                    for p in pairs:
                        if not p.refuted and not (n < QUICK_POINTS and inst.describe() in p.quick):
                            self.certify(p, inst, point, PRECISIONS[-1] if n < 2 else PRECISIONS[1], limited=False)
        except OutOfTime:
            pass
