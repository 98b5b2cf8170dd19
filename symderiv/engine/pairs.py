"""What is known about each pair of adjacent steps, and the claim result it adds up to.

``checking`` fills one ``Pair`` per pair of steps as the numeric check, the proof, the
witness search and the larger sizes go; ``result_of`` turns the pairs into the
``ClaimResult`` reported so far (``provisional`` while the proof may still change it).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

from ..results import ClaimResult, Counterexample, StepResult, Verdict
from .building.instances import Instance
from .spotcheck.numeric import Point
from .prove.sizes import scope


NO_POINT = (" (so not the time limit: is a step defined nowhere, or on a small region only? heaviside and "
            "sign are undefined at 0, log at 0 and below)")


@dataclass
class Pair:
    """What is known so far about step k against step k-1."""

    k: int
    samples: int = 0
    refuted: Counterexample | None = None
    shape: bool = False
    open_points: bool = False            # numeric found at least one point in the domain
    proved_sizes: list[dict[str, int]] = field(default_factory=list)
    numeric_sizes: list[dict[str, int]] = field(default_factory=list)   # where some numeric point agreed
    sampled_sizes: list[dict[str, int]] = field(default_factory=list)   # proved at drawn index values only
    methods: set[str] = field(default_factory=set)
    undecided: str | None = None         # why the proof stopped
    diagnosis: tuple[str | None, str | None] = (None, None)
    symbolic_done: bool = False
    diagnosed: bool = False
    where: tuple[Instance, Point | None] | None = None   # the counterexample's instance (and point)
    candidates: int = 0                  # points offered to the certifier
    hint: str | None = None              # for a refuted step: a likely slip the diagnosis classes do not name
    quick: set[str] = field(default_factory=set)   # instances whose first witness points were tried before simplify
    quick_seconds: float = 0.0           # the time those tries took
    # per size assignment, per instance (described): why the earlier step is defined nowhere there (``nowhere``)
    vacuous: dict[tuple[tuple[str, int], ...], dict[str, str]] = field(default_factory=dict)
    empty_sizes: list[tuple[dict[str, int], str]] = field(default_factory=list)   # vacuous at every instance


def note_vacuous(pairs: list[Pair], sizes: dict[str, int], count: int) -> None:
    """Record ``sizes`` as vacuous for each pair whose earlier step is defined nowhere at all ``count`` of
    their instances (proved there, since there is nothing to compare: the claim's message says so)."""
    for p in pairs:
        why = p.vacuous.get(tuple(sorted(sizes.items())), {})
        if count and len(why) >= count and all(z != sizes for z, _ in p.empty_sizes):
            p.empty_sizes.append((sizes, next(iter(why.values()))))


def vacuous_note(pairs: list[Pair]) -> str | None:
    """"step 0 is defined nowhere at k=3, n=2 (...)" for the sizes where a pair holds vacuously."""
    notes = []
    for p in pairs:
        if not p.empty_sizes:
            continue
        where = "; ".join(", ".join(f"{d}={v}" for d, v in sorted(z.items())) for z, _ in p.empty_sizes)
        notes.append(f"step {p.k - 1} is defined nowhere at {where} (it takes the {p.empty_sizes[0][1]} there), "
                     f"so step {p.k} is compared with it at the other sizes only")
    return "; ".join(notes) or None


def shape_refuted(p: Pair, inst: Instance, lhs: tuple[int, int], rhs: tuple[int, int]) -> None:
    p.shape = True
    if p.refuted is None:
        p.refuted = Counterexample(dict(inst.sizes), indices_of(inst), {}, None, None, None,
                                   lhs_shape=lhs, rhs_shape=rhs)


def indices_of(inst: Instance) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in inst.indices.items()}


def clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return f"`{text}`" if len(text) <= limit else f"`{text[:limit - 1]}…`"


def result_of(base: ClaimResult, pairs: list[Pair], start: float, provisional: bool) -> ClaimResult:
    steps: list[StepResult] = []
    for p in pairs:
        if p.refuted is not None:
            verdict, msg = Verdict.REFUTED, p.hint
        elif not p.open_points and not p.symbolic_done:
            verdict, msg = Verdict.TIMEOUT, "no numeric sample point was in the domain of both steps" + NO_POINT
        elif p.undecided or not p.symbolic_done:
            verdict = Verdict.NUMERIC if p.open_points else Verdict.TIMEOUT
            msg = p.undecided or "the symbolic proof did not finish in the time allowed"
            if not p.open_points:
                msg += "; no numeric sample point was in the domain of both steps" + NO_POINT
        else:
            verdict, msg = Verdict.PROVED, None if p.open_points else "proved symbolically; no numeric point was in the domain"
        method = "simplify" if "simplify" in p.methods else ("exact evaluation" if "exact evaluation" in p.methods
                                                             else ("identical" if p.methods else None))
        steps.append(StepResult(p.k, verdict, method, tuple(p.proved_sizes), p.samples,
                                p.diagnosis[0], p.diagnosis[1], p.refuted, msg,
                                sampled_sizes=tuple(p.sampled_sizes) if verdict is Verdict.PROVED else ()))
    failed = next((s for s in steps if s.verdict is Verdict.REFUTED), None)
    order = [Verdict.REFUTED, Verdict.TIMEOUT, Verdict.NUMERIC, Verdict.PROVED]
    verdict = next(v for v in order if any(s.verdict is v for s in steps) or v is Verdict.PROVED)
    if provisional and verdict is Verdict.PROVED:
        verdict = Verdict.NUMERIC
    message = failed.message if failed else None
    if failed is None:
        worst = next((s for s in steps if s.verdict is verdict and s.message), None)
        message = f"step {worst.index}: {worst.message}" if worst and verdict is not Verdict.PROVED else None
        if (empty := vacuous_note(pairs)) is not None:
            message = f"{message}; {empty}" if message else empty
    proved_sizes, numeric_sizes, sampled_sizes = ((), (), ()) if verdict not in (Verdict.PROVED, Verdict.NUMERIC) \
        else scope([p.proved_sizes for p in pairs], [p.numeric_sizes for p in pairs],
                   [p.sampled_sizes for p in pairs], verdict is Verdict.PROVED)
    return replace(base, verdict=verdict, failed_step=failed.index if failed else None,
                   proved_sizes=proved_sizes, numeric_sizes=numeric_sizes, sampled_sizes=sampled_sizes,
                   diagnosis=failed.diagnosis if failed else None,
                   counterexample=failed.counterexample if failed else None,
                   message=message, step_results=tuple(steps), seconds=time.monotonic() - start)
