"""The proof stage of one claim: each pair of steps at one instance, the graph route first.

``ProofStage.prove`` is mixed into the checking context (``checking._Context``), which
holds the claim's program, steps, symbols, prover and certifiers: first the graph route
(``fastproof``) for every pair at once, then SymPy's arrays entry by entry for what it
leaves, region by region for piecewise differences (``by_cases``).  A nonzero constant
difference, or one a rational point shows nonzero exactly, refutes the pair.  Before
``simplify`` is asked about a difference with pieces, the witness search's first points are
tried (``quick_witness``): a certified witness costs milliseconds, while ``simplify`` can spend
the claim's time (and overrun its budget inside C code) on a difference like e^-300 x².
Anything the exact stage and ``simplify`` cannot settle leaves it undecided.
"""
from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from .building.arrays import NowhereDefined
from .building.arrays import evaluator as symbolic_evaluator
from .prove.casework import point_of, witness_counterexample
from .prove.cases import has_pieces, prove_by_cases, witness
from .prove.domains import divisors
from .refute.certify import PRECISIONS
from .refute.witnesspoints import exact_point, random_points
from .building.evaluate import Instance
from ..language.functions import ShapeError
from .refute.nonzero import nonzero_counterexample, witness_rng
from .pairs import Pair, clip, shape_refuted
from .spotcheck.numeric import Point
from .building.parametric import LaterBuild
from .prove.proving import OutOfTime, budget

if TYPE_CHECKING:
    import random

    from .refute.certify import Certifier, Witness
    from .building.evaluate import Program
    from .prove.fastproof import GraphProver
    from .prove.proving import Prover
    from ..language.parsing import Node
    from ..language.reading import ClaimSpec
    from ..settings import Settings


QUICK_POINTS = 2      # witness-search points tried before simplify (at the highest precision)
QUICK_SECONDS = 2.0   # at most this long for them, per pair (all its instances together)
NOWHERE_POINTS = 8    # points tried for a domain witness when the later step is defined nowhere at an instance


class ProofStage:
    """The proof, for ``checking._Context`` (which provides the attributes below and ``located``)."""

    program: "Program"
    nodes: "list[Node]"
    spec: "ClaimSpec"
    used: set[str]
    settings: "Settings"
    prover: "Prover"
    pieces: bool
    graph: "GraphProver"

    def located(self, k: int, inst: Instance, e: Exception) -> Exception: ...
    def certifier(self, k: int) -> "Certifier": ...
    def certify(self, p: Pair, inst: Instance, point: dict[str, np.ndarray], max_bits: int = ...,
                limited: bool = True) -> bool: ...

    def prove(self, inst: Instance, todo: list[Pair], start: float, shared: LaterBuild | None = None,
              exact_only: bool = False, count: int = 1) -> None:
        """Prove each pair at this instance; ``shared`` holds the arrays built once for all its index values;
        ``exact_only``: the exact test without ``simplify`` (the larger sizes); ``count``: the number of
        instances at these sizes (the graph route shares one build among them when there are several)."""
        used = self.used
        direct: list[Any] = []
        cache: dict[int, np.ndarray] = {}

        def direct_ev() -> Any:
            """The instance's own evaluator (its environment names the symbols a witness gives values)."""
            if not direct:
                direct.append(symbolic_evaluator(self.program, used, inst))
            return direct[0]

        def value(k: int) -> np.ndarray:
            if k not in cache:
                try:
                    got = shared.value(k, inst) if shared is not None else None
                    if got is None:
                        got = direct_ev().value(self.nodes[k])
                    if any(isinstance(e, sp.Basic) and e.has(sp.nan, sp.zoo) for e in got.flat):
                        raise NowhereDefined("is defined nowhere (a division by zero, the log of 0, or a step "
                                             "function at its jump, in it)")
                    if (odd := next((e for e in got.flat if isinstance(e, sp.Basic) and e.has(sp.I)), None)) is not None:
                        raise ValueError(clip(str(odd), 80))    # sqrt(1 + (-2)**3**2) * p is sqrt(511)*I*p
                except ShapeError as e:
                    raise self.located(k, inst, e) from None
                except NowhereDefined as e:
                    raise self.located(k, inst, e) from None
                except (ValueError, TypeError, ArithmeticError) as e:   # e.g. relu of the complex log(-3)
                    raise self.located(k, inst, ValueError(
                        f"is not a real number wherever it is defined ({e}); "
                        "is there a log or sqrt of a negative constant?")) from None
                cache[k] = got
            return cache[k]

        ks = [p.k for p in todo if not (p.refuted or p.undecided)]
        fast = self.graph.proved(inst, ks, count) if ks and not self.pieces else set()
        for p in todo:
            if p.refuted or p.undecided:
                continue
            if p.k in fast:                        # the graph route (fastproof.py): no SymPy needed
                p.methods.add("exact evaluation")
                continue
            if (why := self.nowhere(p.k - 1, inst)) is not None:    # nothing to compare at this instance
                p.vacuous.setdefault(_sizes_key(inst), {})[inst.describe()] = why
                continue
            if (why := self.nowhere(p.k, inst)) is not None:        # undefined wherever step k - 1 is defined
                points = random_points(self.program, used, inst, self.settings.seed, NOWHERE_POINTS)
                if not any(self.refute_with(p, inst, self.certifier(p.k).earlier_defined(
                                     inst, point, f"{why} at these sizes (exact evaluation modulo random primes)"))
                           for point in points):
                    p.undecided = (f"step {p.k} is defined nowhere at {inst.describe()} (it takes the {why}), "
                                   f"and no point where step {p.k - 1} is defined was found")
                continue
            a, b = value(p.k - 1), value(p.k)
            if a.shape != b.shape:            # the proof compares shapes too: no point may be needed
                shape_refuted(p, inst, a.shape, b.shape)
                break
            indices = list(np.ndindex(a.shape))
            diffs = [b[idx] - a[idx] for idx in indices]
            shown = self.prover.zeros(diffs)       # every entry at once; the rest one by one below
            for idx, diff, zero in zip(indices, diffs, shown):
                if zero:
                    p.methods.add("identical" if diff == 0 else "exact evaluation")
                    continue
                if self.pieces and has_pieces(diff):
                    if self.by_cases(p, inst, idx, a[idx], b[idx], diff, exact_only):
                        continue
                    if p.refuted or p.undecided:
                        break
                d = self.prover.decide(diff, use_simplify=False)
                if d.status == "open" and not exact_only:
                    # a certified witness first: ball arithmetic sees a gap of 1e-130 at a few points in
                    # milliseconds, where simplify can spend its whole budget (and overrun it inside one
                    # big-integer gcd) on a difference like exp(-300) x**2
                    if self.quick_witness(p, inst):
                        break
                    d = self.prover.simplified(diff)
                if d.status == "zero":
                    p.methods.add(d.method or "identical")
                    continue
                if d.status == "constant" and d.constant.is_real is not True:
                    for k, v in ((p.k - 1, a[idx]), (p.k, b[idx])):
                        if v.is_number and v.is_real is not True:
                            raise self.located(k, inst, ValueError(
                                f"is not a real number ({clip(str(v), 80)}); "
                                "is there a log or sqrt of a negative constant?"))
                    p.undecided = f"{_entry(idx, inst, a.shape)} is not a real number"
                    break
                if d.status == "constant":
                    # nonzero wherever both steps are defined: refuted at a point of the earlier step's domain,
                    # which the witness search looks for (log(-x*x - 1) and its derivative are defined nowhere)
                    p.undecided = (f"{_entry(idx, inst, a.shape)} is the constant "
                                   f"{clip(str(d.constant), 80)} wherever both steps are defined, but no point "
                                   f"where step {p.k - 1} is defined was found")
                    p.methods.add(d.method or "identical")
                elif (cex := nonzero_counterexample(self.prover.atoms, direct_ev().env, inst, idx, a[idx], b[idx],
                                                    diff, self.witness_rng(p, inst, idx),
                                                    lambda point: self.defined_at(p, inst, point))) is not None:
                    p.refuted, p.where = cex, (inst, None)
                    p.methods.add("exact evaluation")
                else:
                    p.undecided = (f"{_entry(idx, inst, a.shape)} was not shown to be zero"
                                   + (f" ({d.method})" if d.method else ""))
                break

    def nowhere(self, k: int, inst: Instance) -> str | None:
        """Why step k is defined at no point of this instance: a value it divides by, inverts or takes the log
        of (``domains.divisors``) is identically 0 there, every entry of it (``zero_mask``'s error bound);
        None when none is shown to be.  At such an instance the pair with the step after holds vacuously
        (contract v1.1: the later step must agree wherever the earlier one is defined)."""
        memo = self.__dict__.setdefault("_nowhere", {})
        found = self.__dict__.setdefault("_divisors", {})
        if k not in found:                  # the step's divisors, walked once for all its instances
            found[k] = divisors(self.program, self.nodes[k])
        key = (k, inst.describe())
        if key not in memo:
            memo[key] = next((words for words, sub in found[k] if self.graph.vanishes(inst, sub)), None)
        return memo[key]

    def refute_with(self, p: Pair, inst: Instance, w: "Witness | None") -> bool:
        """Refute the pair with this certified witness (a ``domain`` one when the later step is undefined there)."""
        if w is None:
            return False
        p.refuted = w.counterexample(inst)
        p.where = (inst, Point({n: a.astype(float) for n, a in w.point.items()}, w.point))
        if w.undefined is not None:
            p.diagnosis = ("domain", f"it is undefined where the step before is defined: it takes the {w.undefined}")
            p.diagnosed = True
        return True

    def defined_at(self, p: Pair, inst: Instance, point: dict[str, np.ndarray]) -> bool:
        """Is the exact difference's witness a point of the earlier step's domain, with both steps' values
        certified there?  The difference of SymPy's derivatives forgets where the function differentiated is
        defined (``diff(log(-x*x - 1), x)`` is the rational ``2x / (x**2 + 1)``); the certifier evaluates the
        steps as written, derivatives by forward mode, and finds no witness outside the domain."""
        w = self.certifier(p.k).at(inst, point)
        return w is not None and w.undefined is None

    def quick_witness(self, p: Pair, inst: Instance) -> bool:
        """The witness search's first ``QUICK_POINTS`` points at this instance (``checking._Context.search``,
        which then skips them for this pair), tried before ``simplify``; True when the pair is refuted.
        The certifier compares every entry of the two steps, so this is done once per pair and instance,
        within QUICK_SECONDS per pair over all its instances (a claim with many index values and large
        arrays must not spend its time limit here instead of in ``simplify``)."""
        left = QUICK_SECONDS - p.quick_seconds
        if inst.describe() in p.quick or left <= 0:
            return False
        p.quick.add(inst.describe())
        started = time.monotonic()
        try:
            with budget(left):
                for point in random_points(self.program, self.used, inst, self.settings.seed, QUICK_POINTS):
                    if self.certify(p, inst, point, PRECISIONS[-1], limited=False):
                        return True
        except OutOfTime:
            pass
        finally:
            p.quick_seconds += time.monotonic() - started
        return False

    def witness_rng(self, p: Pair, inst: Instance, idx: tuple[int, ...]) -> "random.Random":
        """The counterexample search's generator for this pair, instance and entry: the same on every run.

        Seeded from the file's seed and everything the difference is written with (both steps' texts and
        every define's), so a file cannot place its difference's roots on the points it will be tried at
        without finding a fixed point of SHA-256: a wrong claim is not made to dodge its refutation."""
        defines = tuple((d.name, d.text) for d in self.program.doc.defines)
        return witness_rng(self.settings.seed, self.spec.steps[p.k - 1], self.spec.steps[p.k], defines,
                           sorted(inst.sizes.items()), sorted(inst.indices.items()), tuple(int(i) for i in idx))

    def by_cases(self, p: Pair, inst: Instance, idx: tuple[int, ...], a: Any, b: Any, diff: Any,
                 exact_only: bool = False) -> bool:
        """Prove one entry region by region (True), or refute it inside a region, or give up on it."""
        try:
            outcome = prove_by_cases(diff, self.prover, use_simplify=not exact_only)
        except RecursionError:
            return False
        if outcome.status == "zero":
            p.methods |= outcome.methods or {"identical"}
            return True
        if outcome.status == "too-many":
            p.undecided = (f"{_entry(tuple(idx), inst, None)} has more than "
                           f"{outcome.regions} regions of its piecewise pieces to prove one by one")
            return False
        found = witness(a, b, outcome.open, self.settings.seed)
        if found is not None:
            used = self.used
            cex = witness_counterexample(self.program, used, inst, (int(idx[0]), int(idx[1])), found)
            point = point_of(self.program, used, inst, found)
            sure = self.certifier(p.k).at(inst, exact_point(point))     # refuted only where certified
            if sure is not None and sure.undefined is None:
                p.refuted = replace(cex, certificate=sure.counterexample(inst).certificate)
                p.where = (inst, point)
        return False


def _sizes_key(inst: Instance) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(inst.sizes.items()))


def _entry(idx: tuple[int, ...], inst: Instance, shape: tuple[int, ...] | None) -> str:
    """How a message names one entry of a difference: "entry (0, 1) of the difference at n=2", or "the
    difference" for a number at no sizes."""
    what = "the difference" if shape == (1, 1) else f"entry {tuple(int(i) for i in idx)} of the difference"
    return f"{what} at {inst.describe()}" if inst.sizes or inst.indices else what
