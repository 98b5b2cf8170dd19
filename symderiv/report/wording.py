"""The words every report uses: what a step got wrong, the counterexample in one line, a claim's headline.

Shared by the terminal report, the machine-readable formats, the HTML report and the
pytest plugin.  Steps are numbered from 0 in words as in the JSON's ``failed_step``
("step 2 flips the sign of step 1").  Nothing here imports rich.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..results import ClaimResult, Counterexample, StepResult, Verdict
from .mathml import format_value

_NUMBER = re.compile(r"[-+]?[\d./]+|[-+]?\d*\.?\d+(e[-+]?\d+)?", re.IGNORECASE)
MAX_POINT_CHARS = 1_500


def step_label(index: int) -> str:
    """How a step is named in words: by its 0-based index, as in the JSON report."""
    return f"step {index}"


# ---------------------------------------------------------------- wording
def describe_diagnosis(step_result: StepResult) -> str:
    """What went wrong (or right) between step ``index - 1`` and step ``index``, in words."""
    k, j = step_label(step_result.index), step_label(step_result.index - 1)
    detail = (step_result.diagnosis_detail or "").strip()
    v = step_result.verdict
    if v is Verdict.PROVED:
        how = f" ({step_result.method})" if step_result.method else ""
        return f"{k} equals {j}{how}"
    if v is Verdict.NUMERIC:
        return f"{k} agrees with {j} at {step_result.samples} random points, but was not proved symbolically"
    if v is Verdict.TIMEOUT:
        return f"{k} could not be compared with {j} in the time allowed" + (f": {step_result.message}" if step_result.message else "")
    if v is Verdict.ERROR:
        return f"{k} could not be checked" + (f": {step_result.message}" if step_result.message else "")
    d = step_result.diagnosis
    extra = f": {detail}" if detail else ""
    if d is None:
        return f"{k} is not equal to {j}"
    if detail.startswith("it ") and d != "shape":
        # the diagnoser's own words, e.g. "it is off by a factor of 2", "it drops the term x of the step before"
        return f"{k} {detail[3:]}".replace("the step before", j)
    if d == "sign":
        return f"{k} flips the sign of {j}"
    if d == "factor":
        if detail and len(detail) <= 40 and _NUMBER.fullmatch(detail):
            return f"{k} is off by a factor of {detail} from {j}"
        return f"{k} is off by a constant factor from {j}{extra}"
    if d == "transpose":
        return f"{k} is the transpose of {j}"
    if d == "shape":
        cx = step_result.counterexample
        if cx is not None and cx.lhs_shape and cx.rhs_shape:
            return f"{k} has shape {_shape(cx.rhs_shape)} but {j} has shape {_shape(cx.lhs_shape)}"
        return f"the shapes of {k} and {j} differ" + (f" ({detail.removeprefix('the shapes differ: ')})" if detail else "")
    if d == "domain":
        return f"{k} is undefined where {j} is defined{extra}"
    if d == "missing-term":
        return f"{k} drops a term of {j}{extra}"
    if d == "extra-term":
        return f"{k} adds a term that is not in {j}{extra}"
    return f"{k} differs from {j} ({d}{extra})"


def _shape(shape: Sequence[int]) -> str:
    return " \u00d7 ".join(str(s) for s in shape)


def _assignments(values: dict[str, Any]) -> str:
    return ", ".join(f"{name} = {format_value(v)}" for name, v in values.items())


def _exact(value: Any, exact: str | None) -> str:
    """``1/2`` for an exact form, with its floating value when that adds something."""
    if not exact:
        return format_value(value)
    approx = format_value(value)
    return exact if value is None or approx == exact else f"{exact} (\u2248 {approx})"


def describe_counterexample(cx: Counterexample, index: int | None = None) -> str:
    """The counterexample in one line: sizes, indices, the point and both values."""
    k = step_label(index) if index is not None else "this step"
    j = step_label(index - 1) if index is not None else "the step before"
    parts = []
    if cx.sizes:
        parts.append(f"sizes {_assignments(cx.sizes)}")
    if cx.indices:
        parts.append(f"indices {_assignments(cx.indices)}")
    if cx.point:
        point = _assignments(cx.point)
        parts.append("at " + (point if len(point) <= MAX_POINT_CHARS else point[:MAX_POINT_CHARS] + " \u2026"))
    if cx.lhs_shape and cx.rhs_shape and tuple(cx.lhs_shape) != tuple(cx.rhs_shape):
        parts.append(f"{j} is {_shape(cx.lhs_shape)}, {k} is {_shape(cx.rhs_shape)}")
    if cx.lhs is not None or cx.rhs is not None:
        where = f" entry {tuple(cx.entry)}" if cx.entry is not None else ""
        before, after = (_exact(v, x) if v is not None else "undefined"
                         for v, x in ((cx.lhs, cx.lhs_exact), (cx.rhs, cx.rhs_exact)))
        exact = "" if cx.exact or getattr(cx, "lhs_exact", None) else " (floating point)"
        parts.append(f"{j}{where} = {before}, {k}{where} = {after}{exact}")
    if cx.difference:
        parts.append(f"difference {cx.difference}")
    if cx.certificate:
        parts.append(f"certified by {cx.certificate}")
    if getattr(cx, "region", None):
        parts.append(f"in the region where {cx.region}")
    return "; ".join(parts) if parts else "no details"


def refuted_steps(result: ClaimResult) -> list[StepResult]:
    """The refuted comparisons of a claim; built from the claim's own fields when it has none."""
    found = [s for s in result.step_results if s.verdict is Verdict.REFUTED]
    if not found and result.verdict is Verdict.REFUTED:
        index = result.failed_step if result.failed_step is not None else 1
        found = [StepResult(index, Verdict.REFUTED, diagnosis=result.diagnosis, counterexample=result.counterexample)]
    return found


def aftermath(r: ClaimResult) -> str | None:
    """What the steps after the first wrong one do: "step 3 is wrong, and steps 4–5 follow correctly from it"."""
    k = r.failed_step
    if k is None:
        return None
    later = [s for s in r.step_results if s.index > k]
    if not later:
        return f"step {k}, the last step, is the first wrong step" if k == len(r.steps) - 1 else f"step {k} is wrong"
    good = [s for s in later if s.verdict in (Verdict.PROVED, Verdict.NUMERIC)]
    if len(good) == len(later):
        first, last = later[0].index, later[-1].index
        which = f"step {first} follows" if first == last else f"steps {first}–{last} follow"
        numeric = [s.index for s in later if s.verdict is Verdict.NUMERIC]
        tail = f" (step{'s' if len(numeric) > 1 else ''} {', '.join(map(str, numeric))} only numerically)" if numeric else ""
        return f"step {k} is wrong, and {which} correctly from it{tail}"
    bad = [s.index for s in later if s.verdict is Verdict.REFUTED]
    other = [s.index for s in later if s.verdict not in (Verdict.PROVED, Verdict.NUMERIC, Verdict.REFUTED)]
    text = f"step {k} is the first wrong step"
    if bad:
        text += "; " + ", ".join(f"step {b} is also not equal to step {b - 1}" for b in bad)
    if other:
        text += "; " + ", ".join(f"step {o} was not decided" for o in other)
    return text


def headline(result: ClaimResult) -> str:
    """One line saying what happened to the claim and why it is (not) ok."""
    v = result.verdict
    if v is Verdict.REFUTED:
        if not result.expect:
            return "refuted, as expected (expect = false)"
        first = refuted_steps(result)[0]
        return f"refuted: {describe_diagnosis(first)}"
    if v in (Verdict.ERROR, Verdict.TIMEOUT):
        return f"{v.value}: {result.message or 'no details'}"
    if not result.expect:
        return f"{v.value}, but the claim is marked expect = false (it was expected to be refuted)"
    if v is Verdict.NUMERIC and not result.ok:
        return "numeric: every spot check agrees, but it was not proved symbolically (--strict needs proved)"
    return str(v)


def failure_text(result: ClaimResult) -> str:
    """The full story of a claim that is not ok, as plain text over several lines."""
    lines = [f"{result.claim} ({result.file}:{result.line}): {headline(result)}"]
    if result.verdict is Verdict.REFUTED and result.expect:
        wrong = refuted_steps(result)
        for s in wrong:
            if s.index < len(result.steps):
                for k in (s.index - 1, s.index):
                    lines.append(f"  {step_label(k)}: {result.steps[k]}")
                    if k < len(result.readings) and result.readings[k]:
                        lines.append(f"    read as: {result.readings[k]}")
            if s is not wrong[0]:
                lines.append(f"  also: {describe_diagnosis(s)}")
            if s.counterexample is not None:
                lines.append(f"  counterexample: {describe_counterexample(s.counterexample, s.index)}")
    if result.note:
        lines.append(f"  note: {result.note}")
    return "\n".join(lines)


# ---------------------------------------------------------------- scope: the sizes a verdict covers
def sizes_text(assignments: Sequence[dict[str, int]]) -> str:
    """Size assignments in words: ``n = 2, 3, 4, 5``, or a grid and the rest:
    ``d ∈ {2, 3}, W ∈ {3, 4} and (d, W) = (4, 5), (5, 4)``."""
    rows = [a for a in assignments if a]
    if not rows:
        return ""
    dims = list(rows[0])
    if len(dims) == 1:
        return f"{dims[0]} = " + ", ".join(str(a[dims[0]]) for a in rows)
    grid = 0
    for k in range(len(rows), 0, -1):       # the longest prefix that is a full grid of values
        values = {d: {a[d] for a in rows[:k]} for d in dims}
        count = 1
        for v in values.values():
            count *= len(v)
        if count == k:
            grid = k
            break
    parts = []
    if grid > 1:
        values = {d: sorted({a[d] for a in rows[:grid]}) for d in dims}
        parts.append(", ".join(f"{d} \u2208 {{{', '.join(map(str, values[d]))}}}" for d in dims))
    rest = rows[grid:] if grid > 1 else rows
    if rest:
        tuples = ", ".join("(" + ", ".join(str(a[d]) for d in dims) + ")" for a in rest)
        parts.append(f"({', '.join(dims)}) = {tuples}")
    return " and ".join(parts)


def scope_text(r: ClaimResult) -> str | None:
    """The sizes a `proved` or `numeric` verdict covers: "proved at n = 2, 3, 4, 5" (None without dims);
    sizes proved at randomly drawn index values only are said so."""
    out = []
    only = tuple(z for z in r.numeric_sizes if z not in r.sampled_sizes)
    proved, sampled, checked = sizes_text(r.proved_sizes), sizes_text(r.sampled_sizes), sizes_text(only)
    if proved:
        out.append(f"proved at {proved}")
    if sampled:
        out.append(f"proved at {sampled} for one random choice of index values only")
    if checked:
        out.append(f"checked numerically only at {checked}" if proved else f"checked numerically at {checked}")
    return "; ".join(out) or None
