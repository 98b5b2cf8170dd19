"""What a check finds: verdicts and frozen result records, shared by every stage.

Nothing here imports SymPy, numpy or rich, so reports and the CLI can use these
types without paying for the heavy imports.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any


class Verdict(str, Enum):
    PROVED = "proved"
    NUMERIC = "numeric"
    REFUTED = "refuted"
    TIMEOUT = "timeout"
    ERROR = "error"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Counterexample:
    """Where two adjacent steps differ.

    ``point`` maps each free symbol to its value there (nested lists for arrays);
    ``entry`` is the (row, column) of the first differing entry; ``lhs``/``rhs`` are
    the values of step k-1 and step k at that entry.  ``exact`` says whether those
    values are exact (from the symbolic stage) or floating point.  ``certificate``
    says how the difference was shown nonzero there: exactly, or by ball arithmetic
    whose enclosure excludes 0 (``rhs`` is None where the later step is undefined).
    """

    sizes: dict[str, int]
    indices: dict[str, int]
    point: dict[str, Any]
    entry: tuple[int, int] | None
    lhs: Any
    rhs: Any
    exact: bool = False
    lhs_shape: tuple[int, int] | None = None
    rhs_shape: tuple[int, int] | None = None
    difference: str | None = None
    lhs_exact: str | None = None      # exact forms of lhs/rhs at a simple rational point, when known
    rhs_exact: str | None = None
    certificate: str | None = None    # how the difference was shown nonzero (exact, or ball arithmetic at N bits)
    region: str | None = None         # for piecewise steps: the region of the point, in words ("x > 6")

    def to_json(self) -> dict[str, Any]:
        return {
            "sizes": dict(self.sizes),
            "indices": dict(self.indices),
            "point": dict(self.point),
            "entry": list(self.entry) if self.entry is not None else None,
            "lhs": self.lhs,
            "rhs": self.rhs,
            "exact": self.exact,
            "lhs_shape": list(self.lhs_shape) if self.lhs_shape else None,
            "rhs_shape": list(self.rhs_shape) if self.rhs_shape else None,
            "difference": self.difference,
            "lhs_exact": self.lhs_exact,
            "rhs_exact": self.rhs_exact,
            "certificate": self.certificate,
            "region": self.region,
        }


@dataclass(frozen=True)
class StepResult:
    """The comparison of step ``index`` with step ``index - 1``."""

    index: int
    verdict: Verdict
    method: str | None = None          # how equality was shown ("exact evaluation", "simplify", ...)
    sizes: tuple[dict[str, int], ...] = ()   # size assignments at which it was shown
    samples: int = 0                   # numeric points that agreed
    diagnosis: str | None = None
    diagnosis_detail: str | None = None
    counterexample: Counterexample | None = None
    message: str | None = None
    sampled_sizes: tuple[dict[str, int], ...] = ()   # shown at index values drawn at random there, not all


@dataclass(frozen=True)
class ClaimResult:
    file: str
    line: int
    claim: str
    verdict: Verdict
    expect: bool = True
    ok: bool = False
    failed_step: int | None = None
    diagnosis: str | None = None
    counterexample: Counterexample | None = None
    message: str | None = None
    seconds: float = 0.0
    steps: tuple[str, ...] = ()
    step_results: tuple[StepResult, ...] = ()
    note: str | None = None
    tex: str | None = None
    readings: tuple[str | None, ...] = ()   # per step: how a LaTeX step was read (None for an expression)
    tex_notes: tuple[str, ...] = ()         # why (part of) the claim's tex was not checked
    proved_sizes: tuple[dict[str, int], ...] = ()    # the size assignments the proof covers
    numeric_sizes: tuple[dict[str, int], ...] = ()   # size assignments the proof does not cover
    sampled_sizes: tuple[dict[str, int], ...] = ()   # of those, the ones proved at randomly drawn index values
    # per step: which `*` of its drawn text (reading, else step) multiply two arrays (language.products;
    # None, or no entry: not known)
    elementwise: tuple[tuple[int, ...] | None, ...] = ()

    def finish(self, *, strict: bool, seconds: float | None = None) -> "ClaimResult":
        """Set ``ok`` (and the time taken) from the verdict, ``expect`` and ``--strict``."""
        if self.expect:
            good = {Verdict.PROVED} if strict else {Verdict.PROVED, Verdict.NUMERIC}
            ok = self.verdict in good
        else:
            ok = self.verdict is Verdict.REFUTED
        done = replace(self, ok=ok, seconds=self.seconds if seconds is None else seconds)
        if self.verdict not in (Verdict.PROVED, Verdict.NUMERIC):    # a scope belongs to what stands only
            done = replace(done, proved_sizes=(), numeric_sizes=(), sampled_sizes=())
        return done

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "claim": self.claim,
            "verdict": self.verdict.value,
            "expect": self.expect,
            "ok": self.ok,
            "failed_step": self.failed_step,
            "diagnosis": self.diagnosis,
            "counterexample": self.counterexample.to_json() if self.counterexample else None,
            "message": self.message,
            "seconds": round(self.seconds, 3),
            "step_texts": list(self.steps),
            "readings": list(self.readings) if any(self.readings) else None,
            "tex_notes": list(self.tex_notes),
            "proved_sizes": [dict(z) for z in self.proved_sizes],
            "numeric_sizes": [dict(z) for z in self.numeric_sizes],
            "sampled_sizes": [dict(z) for z in self.sampled_sizes],
            "steps": [
                {
                    "index": s.index,
                    "verdict": s.verdict.value,
                    "method": s.method,
                    "diagnosis": s.diagnosis,
                    "diagnosis_detail": s.diagnosis_detail,
                    "message": s.message,
                }
                for s in self.step_results
            ],
        }


@dataclass(frozen=True)
class FileResult:
    path: str
    title: str
    source: str | None
    results: tuple[ClaimResult, ...] = field(default_factory=tuple)


def summarize(files: "list[FileResult] | tuple[FileResult, ...]") -> dict[str, int]:
    results = [r for f in files for r in f.results]
    summary = {"claims": len(results), "ok": sum(r.ok for r in results)}
    for v in Verdict:
        summary[v.value] = sum(r.verdict is v for r in results)
    return summary


def report_json(files: "list[FileResult] | tuple[FileResult, ...]") -> dict[str, Any]:
    """The contract's JSON report (version 1)."""
    return {
        "version": 1,
        "results": [r.to_json() for f in files for r in f.results],
        "summary": summarize(files),
    }
