"""The terminal report, with rich (the only module that imports it).

Text from derivation files is always passed as ``Text`` (never as markup), so a
claim named ``[red]x`` is printed as written.  Verdicts are words as well as
colours, so the report reads the same with ``NO_COLOR`` or ``TERM=dumb``.
"""
from __future__ import annotations

import re
import sys
from typing import IO, Any, Sequence

from rich.console import Console, Group
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from .wording import aftermath, describe_diagnosis, scope_text
from .mathml import format_value
from ..results import ClaimResult, Counterexample, FileResult, StepResult, Verdict, summarize

STYLE = {
    Verdict.PROVED: "bold green", Verdict.NUMERIC: "yellow", Verdict.REFUTED: "bold red",
    Verdict.TIMEOUT: "magenta", Verdict.ERROR: "bold red",
}
_RATIONAL = re.compile(r"-?\d+(/\d+)?")
MARK = {Verdict.PROVED: "✓", Verdict.NUMERIC: "≈", Verdict.REFUTED: "✗", Verdict.TIMEOUT: "?", Verdict.ERROR: "!"}


def console(file: IO[str] | None = None) -> Console:
    return Console(file=file or sys.stdout, highlight=False, soft_wrap=True)


def _shape(shape: Sequence[int]) -> str:
    return " x ".join(str(s) for s in shape)


def counterexample_lines(c: Counterexample, k: int | None = None, indent: str = "    ") -> list[Text]:
    """The counterexample: where (sizes, index values, point) and both values there."""
    this = f"step {k}" if k is not None else "this step"
    before = f"step {k - 1}" if k is not None else "the step before"
    head = Text(f"{indent}counterexample", style="bold")
    where = [f"{n} = {v}" for n, v in c.sizes.items()] + [f"{n} = {format_value(v)}" for n, v in c.indices.items()]
    head.append(f" at {', '.join(where)}" if where else "")
    lines = [head]
    if c.lhs_shape is not None:
        lines.append(Text(f"{indent}  {before} is {_shape(c.lhs_shape)}, {this} is {_shape(c.rhs_shape or ())}"))
        return lines
    if c.point:
        lines.append(Text(f"{indent}  at " + ", ".join(f"{n} = {format_value(v)}" for n, v in c.point.items())))
    elif c.difference is not None:
        lines.append(Text(f"{indent}  (the difference is the same constant at every point)"))
    entry = f"[{c.entry[0]}, {c.entry[1]}]" if c.entry is not None else ""
    width = max(len(before), len(this)) + len(entry)
    for name, val, exact in ((before, c.lhs, c.lhs_exact), (this, c.rhs, c.rhs_exact)):
        shown = exact or (format_value(val) if val is not None else "undefined")
        t = Text(f"{indent}  {(name + entry).ljust(width)} = {shown}")
        if exact and isinstance(val, float) and not _RATIONAL.fullmatch(exact):
            t.append(f"  (≈ {format_value(val)})", style="dim")
        lines.append(t)
    if c.difference:
        lines.append(Text(f"{indent}  difference ({this} minus {before}) = {c.difference}"))
    if c.certificate:
        lines.append(Text(f"{indent}  certified by {c.certificate}", style="dim"))
    if c.region:
        lines.append(Text(f"{indent}  the steps differ in the region where {c.region}"))
    return lines


def _math(text: str, elementwise: tuple[int, ...] | None) -> list[str] | None:
    try:
        from .mathtext import math_lines
    except ImportError:  # pragma: no cover - part of the package
        return None
    return math_lines(text, elementwise)


def _chain(r: ClaimResult, verbose: bool) -> list[Text]:
    lines = []
    by_index = {s.index: s for s in r.step_results}
    per_step_tex = r.tex if r.tex and len(r.tex) == len(r.steps) else None
    if r.tex and per_step_tex is None:
        lines.append(Text(f"    tex: {' '.join(r.tex)}", style="dim"))
    for k, step in enumerate(r.steps):
        s = by_index.get(k)
        if s is None:          # step 0, or a claim that could not be checked (error)
            mark, style = " ", ""
        else:
            mark, style = MARK[s.verdict], STYLE[s.verdict]
        wrong = r.failed_step == k
        line = Text(f"  {mark} ", style=style)
        line.append(f"step {k}: ", style="bold red" if wrong else "dim")
        line.append(step, style="reverse red" if wrong else "")
        if wrong:
            line.append("   <- first wrong step", style="bold red")
        lines.append(line)
        reading = r.readings[k] if k < len(r.readings) else None
        drawn = _math(reading or step, r.elementwise[k] if k < len(r.elementwise) else None)
        if drawn and len(drawn) > 1:
            lines.extend(Text(f"             {d}", style="bold red" if wrong else "") for d in drawn)
        if reading and verbose:
            lines.append(Text(f"             read as: {reading}", style="dim"))
        if per_step_tex and per_step_tex[k]:
            lines.append(Text(f"             tex: {per_step_tex[k]}", style="dim"))
        if s is not None and s.verdict is Verdict.REFUTED:
            words = describe_diagnosis(s)
            if words:
                lines.append(Text(f"    {words}", style="red"))
            if s.counterexample is not None and (wrong or verbose):
                lines.extend(counterexample_lines(s.counterexample, k))
        elif s is not None and verbose and s.method:
            lines.append(Text(f"    {_proof_words(s)}", style="dim"))
    after = aftermath(r)
    if after:
        lines.append(Text(f"    {after}", style="bold"))
    if verbose:
        lines.extend(Text(f"    note: {n}", style="dim") for n in r.tex_notes)
    return lines


def _sizes_text(sizes: tuple[dict[str, int], ...]) -> str:
    return "; ".join(", ".join(f"{a}={b}" for a, b in z.items()) or "fixed sizes" for z in sizes)


def _proof_words(s: StepResult) -> str:
    sizes = _sizes_text(s.sizes)
    if s.sampled_sizes:
        sizes += f"; at one random choice of index values: {_sizes_text(s.sampled_sizes)}"
    return f"shown equal by {s.method} ({sizes}); {s.samples} numeric points agree"


def render(files: Sequence[FileResult], out: Console, quiet: bool = False, verbose: bool = False) -> None:
    for f in files:
        render_file(f, out, quiet, verbose)
    render_summary(files, out)


def render_file(f: FileResult, out: Console, quiet: bool = False, verbose: bool = False) -> None:
    """One file's part of the report (``check`` prints each as soon as the file is done)."""
    shown = [r for r in f.results if verbose or not quiet or not r.ok]
    if shown:
        _render_claims(f, shown, out, verbose)


def _render_claims(f: FileResult, shown: list[ClaimResult], out: Console, verbose: bool) -> None:
    # one print per file: under the progress bar every print redraws the bar, which cost more than the
    # report itself when each line was printed on its own
    out.print(Group(*_claim_lines(f, shown, verbose)))


def _claim_lines(f: FileResult, shown: list[ClaimResult], verbose: bool) -> list[Text]:
    head = Text(f.title, style="bold")
    head.append(f"  {f.path}", style="dim")
    if f.source:
        head.append(f"  ({f.source})", style="dim")
    lines = [head]
    for r in shown:
        line = Text("  ")
        line.append(f"{'ok  ' if r.ok else 'FAIL'} ", style="green" if r.ok else "bold red")
        line.append(f"{r.verdict.value.upper():8}", style=STYLE[r.verdict])
        line.append(f" {r.claim}")
        if not r.expect:
            line.append("  (expected wrong)", style="dim")
        line.append(f"  {r.seconds:.2f}s  line {r.line}", style="dim")
        scope = scope_text(r)
        if scope and r.verdict in (Verdict.PROVED, Verdict.NUMERIC):
            line.append(f"  {scope}", style="dim")
        lines.append(line)
        if r.message:     # a proved claim's message is about its scope (larger sizes not reached): always shown
            lines.append(Text(_indented(r.message, "    "), style="red" if not r.ok else "dim"))
        if len(r.steps) >= 2 and (r.verdict is Verdict.REFUTED or verbose):
            lines.extend(_chain(r, verbose))
        if r.note and (verbose or not r.ok):
            lines.append(Text(f"    note: {r.note}", style="dim"))
    lines.append(Text(""))
    return lines


def render_summary(files: Sequence[FileResult], out: Console) -> None:
    s = summarize(files)
    bad = s["claims"] - s["ok"]
    summary = Text(f"{s['claims']} claims: {s['ok']} ok, {bad} not ok", style="bold green" if not bad else "bold red")
    summary.append(f"  (proved {s['proved']}, numeric {s['numeric']}, refuted {s['refuted']}, "
                   f"timeout {s['timeout']}, error {s['error']})")
    out.print(summary)


class ProgressBar:
    """A transient progress bar (only on a terminal), naming the claim being checked."""

    WIDTH = 48

    def __init__(self, total: int, out: Console) -> None:
        self.enabled = out.is_terminal and total > 1
        self.progress = Progress(BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                 TextColumn("{task.description}", markup=False, style="dim"), console=out,
                                 transient=True)
        self.total = total
        self.task = None
        self.running: list[str] = []

    def started(self, claim: str) -> None:
        """A worker started checking this claim."""
        self.running.append(claim)
        self._describe()

    def _describe(self) -> None:
        if not (self.enabled and self.task is not None):
            return
        text = ""
        if self.running:
            first = " ".join(self.running[0].split())
            text = first if len(first) <= self.WIDTH else first[:self.WIDTH - 1] + "…"
            if len(self.running) > 1:
                text += f" (+{len(self.running) - 1})"
        self.progress.update(self.task, description=text)

    def __enter__(self) -> "ProgressBar":
        if self.enabled:
            self.progress.start()
            self.task = self.progress.add_task("", total=self.total)
        return self

    def advance(self, result: ClaimResult | None = None) -> None:
        if result is not None and result.claim in self.running:
            self.running.remove(result.claim)
        if self.enabled and self.task is not None:
            self.progress.advance(self.task)
            self._describe()

    def __exit__(self, *exc: Any) -> None:
        if self.enabled:
            self.progress.stop()


def print_story(story: Any, out: Console) -> None:
    """``symderiv explain``: one claim's full story (an ``explaining.ClaimStory``)."""
    r: ClaimResult = story.result
    head = Text(r.claim, style="bold")
    head.append(f"  {r.file}:{r.line}", style="dim")
    out.print(head)
    verdict = Text("  verdict: ")
    verdict.append(r.verdict.value, style=STYLE[r.verdict])
    verdict.append(f"  ({'ok' if r.ok else 'NOT ok'}: the claim is {'expected to hold' if r.expect else 'marked expect = false'})")
    out.print(verdict)
    if r.note:
        out.print(Text(f"  note: {r.note}", style="dim"))
    if r.message:
        out.print(Text(_indented(r.message, "  "), style="red" if not r.ok else "dim"))
    out.print(Text(f"  checked with {story.settings_note}", style="dim"))
    out.print(Text(f"  expanded forms are shown at the smallest instance: {story.smallest}", style="dim"))
    by_index = {s.index: s for s in r.step_results}
    for st in story.steps:
        out.print()
        wrong = r.failed_step == st.index
        line = Text(f"  step {st.index}: ", style="bold red" if wrong else "bold")
        line.append(st.text, style="reverse red" if wrong else "")
        if wrong:
            line.append("   <- first wrong step", style="bold red")
        out.print(line)
        for d in st.math or []:
            out.print(Text(f"      {d}"))
        if st.reading:
            out.print(Text(f"      read as: {st.reading}", style="dim"))
        if st.tex:
            out.print(Text(f"      tex: {st.tex}", style="dim"))
        if st.expanded is not None:
            shape = f" ({_shape(st.expanded_shape)})" if st.expanded_shape and st.expanded_shape != (1, 1) else ""
            out.print(Text(f"      expanded{shape}: {st.expanded}", style="dim"))
        s = by_index.get(st.index)
        if s is None:
            continue
        mark = Text(f"    {MARK[s.verdict]} ", style=STYLE[s.verdict])
        mark.append(f"compared with step {st.index - 1}: {s.verdict.value}", style=STYLE[s.verdict])
        out.print(mark)
        for text in _pair_story(s):
            out.print(Text(f"      {text}"))
        if s.counterexample is not None:
            for t in counterexample_lines(s.counterexample, st.index, indent="      "):
                out.print(t)
    after = aftermath(r)
    if after:
        out.print()
        out.print(Text(f"  {after}", style="bold"))
    for n in r.tex_notes:
        out.print(Text(f"  note: {n}", style="dim"))
    out.print()


def _pair_story(s: StepResult) -> list[str]:
    out = []
    if s.verdict is Verdict.REFUTED:
        out.append(describe_diagnosis(s))
        if s.diagnosis is None:
            out.append("no single slip (sign, factor, transpose, shape, a missing or extra term) explains the "
                       "difference exactly at every size")
    if s.sizes:
        how = {None: "", "identical": ", as identical expressions"}.get(s.method, f", by {s.method}")
        drawn = f"; at one random choice of index values for {_sizes_text(s.sampled_sizes)}" if s.sampled_sizes else ""
        out.append(f"proved equal at every index value for {_sizes_text(s.sizes)}{how}{drawn}")
    elif s.verdict is not Verdict.REFUTED and s.method:
        out.append(f"method: {s.method}")
    out.append(f"numeric check: {s.samples} point{'s' if s.samples != 1 else ''} agreed"
               + (" before the first disagreement" if s.verdict is Verdict.REFUTED else ""))
    if s.message:
        out.append(s.message)
    return out


def _indented(text: str, margin: str) -> str:
    """Every line of a message under its claim (a file's errors are one message, a line each)."""
    return "\n".join(margin + line for line in text.splitlines())
