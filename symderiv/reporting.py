"""The terminal report, with rich (the only module that imports it).

Text from derivation files is always passed as ``Text`` (never as markup), so a
claim named ``[red]x`` is printed as written.  Verdicts are words as well as
colours, so the report reads the same with ``NO_COLOR`` or ``TERM=dumb``.
"""
from __future__ import annotations

import sys
from typing import IO, Any, Sequence

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from .results import ClaimResult, Counterexample, FileResult, StepResult, Verdict, summarize

STYLE = {
    Verdict.PROVED: "bold green", Verdict.NUMERIC: "yellow", Verdict.REFUTED: "bold red",
    Verdict.TIMEOUT: "magenta", Verdict.ERROR: "bold red",
}
MARK = {Verdict.PROVED: "✓", Verdict.NUMERIC: "≈", Verdict.REFUTED: "✗", Verdict.TIMEOUT: "?", Verdict.ERROR: "!"}


def console(file: IO[str] | None = None) -> Console:
    return Console(file=file or sys.stdout, highlight=False, soft_wrap=True)


def describe_step(s: StepResult) -> str:
    try:
        from .formats import describe_diagnosis
        return describe_diagnosis(s)
    except ImportError:  # pragma: no cover - formats is part of the package
        return s.diagnosis_detail or s.diagnosis or ""


def _value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def _counterexample(c: Counterexample) -> Text:
    t = Text("    counterexample: ", style="bold")
    where = {**c.sizes, **c.indices}
    if where:
        t.append(", ".join(f"{k}={v}" for k, v in where.items()))
    if c.lhs_shape is not None:
        t.append(f"; shapes {c.lhs_shape} before and {c.rhs_shape} after")
        return t
    if c.point:
        t.append("\n      at " + ", ".join(f"{k} = {v}" for k, v in c.point.items()))
    entry = f" entry {list(c.entry)}" if c.entry is not None else ""
    before = c.lhs_exact or _value(c.lhs)
    after = c.rhs_exact or _value(c.rhs)
    t.append(f"\n      step before{entry} = {before}")
    if c.lhs_exact:
        t.append(f"  (≈ {_value(c.lhs)})")
    t.append(f"\n      this step{entry}  = {after}")
    if c.rhs_exact:
        t.append(f"  (≈ {_value(c.rhs)})")
    if c.difference:
        t.append(f"\n      difference = {c.difference}")
    return t


def _chain(r: ClaimResult, verbose: bool) -> list[Text]:
    lines = []
    by_index = {s.index: s for s in r.step_results}
    for k, step in enumerate(r.steps):
        s = by_index.get(k)
        if k == 0:
            mark, style = " ", ""
        else:
            assert s is not None
            mark, style = MARK[s.verdict], STYLE[s.verdict]
        wrong = r.failed_step == k
        line = Text(f"  {mark} ", style=style)
        line.append(f"step {k}: ", style="bold red" if wrong else "dim")
        line.append(step, style="reverse red" if wrong else "")
        if r.tex and k < len(r.tex) and verbose:
            line.append(f"    [{r.tex[k]}]", style="dim")
        lines.append(line)
        if s is not None and s.verdict is Verdict.REFUTED:
            words = describe_step(s)
            if words:
                lines.append(Text(f"    {words}", style="red"))
            if s.counterexample is not None and (wrong or verbose):
                lines.append(_counterexample(s.counterexample))
        elif s is not None and verbose and s.method:
            sizes = "; ".join(", ".join(f"{a}={b}" for a, b in z.items()) or "fixed sizes" for z in s.sizes)
            lines.append(Text(f"    shown equal by {s.method} ({sizes}); {s.samples} numeric points agree",
                              style="dim"))
    return lines


def render(files: Sequence[FileResult], out: Console, quiet: bool = False, verbose: bool = False) -> None:
    for f in files:
        shown = [r for r in f.results if verbose or not quiet or not r.ok]
        if not shown:
            continue
        head = Text(f.title, style="bold")
        head.append(f"  {f.path}", style="dim")
        if f.source:
            head.append(f"  ({f.source})", style="dim")
        out.print(head)
        for r in shown:
            line = Text("  ")
            line.append(f"{'ok  ' if r.ok else 'FAIL'} ", style="green" if r.ok else "bold red")
            line.append(f"{r.verdict.value.upper():8}", style=STYLE[r.verdict])
            line.append(f" {r.claim}")
            if not r.expect:
                line.append("  (expected wrong)", style="dim")
            line.append(f"  {r.seconds:.2f}s  line {r.line}", style="dim")
            out.print(line)
            if r.message and (not r.ok or verbose or r.verdict is not Verdict.PROVED):
                out.print(Text(f"    {r.message}", style="red" if not r.ok else "dim"))
            if len(r.steps) >= 2 and (r.verdict is Verdict.REFUTED or verbose):
                for line in _chain(r, verbose):
                    out.print(line)
            if r.note and (verbose or not r.ok):
                out.print(Text(f"    note: {r.note}", style="dim"))
        out.print()
    s = summarize(files)
    bad = s["claims"] - s["ok"]
    summary = Text(f"{s['claims']} claims: {s['ok']} ok, {bad} not ok", style="bold green" if not bad else "bold red")
    summary.append(f"  (proved {s['proved']}, numeric {s['numeric']}, refuted {s['refuted']}, "
                   f"timeout {s['timeout']}, error {s['error']})")
    out.print(summary)


class ProgressBar:
    """A transient progress bar (only on a terminal)."""

    def __init__(self, total: int, out: Console) -> None:
        self.enabled = out.is_terminal and total > 1
        self.progress = Progress(TextColumn("checking"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                 console=out, transient=True)
        self.total = total
        self.task = None

    def __enter__(self) -> "ProgressBar":
        if self.enabled:
            self.progress.start()
            self.task = self.progress.add_task("check", total=self.total)
        return self

    def advance(self, _: ClaimResult | None = None) -> None:
        if self.enabled and self.task is not None:
            self.progress.advance(self.task)

    def __exit__(self, *exc: Any) -> None:
        if self.enabled:
            self.progress.stop()
