"""The HTML report: one self-contained page (inline CSS, no scripts, no network).

Every claim shows its steps as MathML with a mark beside each (✓ proved equal to the
step before, ≈ equal only numerically, ✗ not, ? undecided), the first wrong step highlighted, the diagnosis in words
and the counterexample.  All text that comes from derivation files is escaped.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .wording import aftermath, describe_diagnosis, headline, refuted_steps, scope_text, step_label
from .mathml import esc, format_value, to_mathml, value_to_mathml
from ..results import ClaimResult, Counterexample, FileResult, StepResult, Verdict, summarize

CSS = """
:root { --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --muted: #57606a; --line: #d0d7de;
        --bg: #ffffff; --fg: #1f2328; --hi: #ffebe9; --card: #f6f8fa; }
@media (prefers-color-scheme: dark) {
  :root { --ok: #3fb950; --bad: #f85149; --warn: #d29922; --muted: #8b949e; --line: #30363d;
          --bg: #0d1117; --fg: #e6edf3; --hi: #3c1618; --card: #161b22; } }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
       background: var(--bg); max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.25rem; margin: 2rem 0 .2rem; }
h3 { font-size: 1.05rem; margin: 0; }
.muted, .meta { color: var(--muted); font-size: .9rem; }
.summary { display: flex; flex-wrap: wrap; gap: .5rem; padding: 0; list-style: none; }
.summary li { border: 1px solid var(--line); border-radius: 6px; padding: .2rem .7rem; }
.claim { border: 1px solid var(--line); border-left: 5px solid var(--ok); border-radius: 6px;
         padding: .7rem 1rem; margin: .8rem 0; background: var(--card); }
.claim.notok { border-left-color: var(--bad); }
.badge { display: inline-block; border-radius: 4px; padding: 0 .45rem; margin-right: .4rem;
         font-size: .8rem; font-weight: 600; color: #fff; background: var(--muted); }
.v-proved { background: var(--ok); } .v-numeric { background: #0969da; }
.v-refuted { background: var(--bad); } .v-timeout, .v-error { background: var(--warn); }
.message { white-space: pre-wrap; color: var(--bad); }
.note { font-style: italic; }
ol.chain { list-style: none; padding-left: 0; margin: .6rem 0; }
ol.chain > li { display: grid; grid-template-columns: 1.6rem 3.6rem 1fr; gap: .4rem; align-items: baseline;
                padding: .25rem .4rem; border-radius: 4px; }
ol.chain > li.wrong { background: var(--hi); }
ol.chain > li.first-wrong { outline: 2px solid var(--bad); }
.mark { font-weight: 700; text-align: center; } .mark.good { color: var(--ok); }
.mark.bad { color: var(--bad); } .mark.unknown { color: var(--warn); } .mark.numeric { color: #0969da; }
.label { color: var(--muted); font-size: .85rem; }
.src, .tex { display: block; color: var(--muted); font: .8rem ui-monospace, monospace; white-space: pre-wrap;
             word-break: break-all; }
math { font-size: 1.1rem; }
.why { grid-column: 3; }
.diagnosis { font-weight: 600; color: var(--bad); margin: .2rem 0; }
dl.cx { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .8rem; margin: .2rem 0; font-size: .9rem; }
dl.cx dt { color: var(--muted); } dl.cx dd { margin: 0; overflow-x: auto; }
"""


def render_html(files: Sequence[FileResult]) -> str:
    files = list(files)
    summary = summarize(files)
    bad = summary["claims"] - summary["ok"]
    verdict_counts = "".join(
        f'<li><span class="badge v-{v.value}">{v.value}</span>{summary[v.value]}</li>' for v in Verdict)
    parts = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>symderiv report</title>", f"<style>{CSS}</style>", "</head>\n<body>",
        "<header><h1>symderiv report</h1>",
        (f'<p class="muted">{len(files)} file{"s" if len(files) != 1 else ""}, {summary["claims"]} claims: '
         f'<strong>{summary["ok"]} ok</strong>, <strong>{bad} not ok</strong></p>'),
        f'<ul class="summary">{verdict_counts}</ul></header>',
    ]
    counter = 0
    for f in files:
        parts.append(f'<section class="file"><h2>{esc(f.title or f.path)}</h2>')
        src = f" \u00b7 {esc(f.source)}" if f.source else ""
        parts.append(f'<p class="muted"><code>{esc(f.path)}</code>{src}</p>')
        for r in f.results:
            counter += 1
            parts.append(_claim(r, counter))
        parts.append("</section>")
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)


def _claim(r: ClaimResult, number: int) -> str:
    cls = "claim ok" if r.ok else "claim notok"
    status = "ok" if r.ok else "not ok"
    expect = "" if r.expect else " \u00b7 expected to be refuted"
    out = [
        f'<article class="{cls}" id="claim-{number}">',
        f'<h3><span class="badge v-{r.verdict.value}">{r.verdict.value}</span>{esc(r.claim)}</h3>',
        f'<p class="meta">{status} \u00b7 {esc(r.file)}:{r.line} \u00b7 {r.seconds:.2f} s{expect}</p>',
    ]
    words = headline(r)
    if r.verdict not in (Verdict.ERROR, Verdict.TIMEOUT) and words != r.verdict.value:
        out.append(f"<p>{esc(words)}</p>")
    scope = scope_text(r) if r.verdict in (Verdict.PROVED, Verdict.NUMERIC) else None
    if scope:
        out.append(f'<p class="scope">{esc(scope)}</p>')
    if r.note:
        out.append(f'<p class="note">{esc(r.note)}</p>')
    if r.message:
        out.append(f'<p class="message">{esc(r.message)}</p>')
    if isinstance(r.tex, str) and r.tex.strip():
        out.append(f'<p class="tex">handwritten: {esc(r.tex)}</p>')
    out.append(_chain(r))
    out.extend(f'<p class="muted">{esc(n)}</p>' for n in r.tex_notes)
    out.append("</article>")
    return "\n".join(out)


def _mark(r: ClaimResult, k: int) -> tuple[str, str, str]:
    """(symbol, css class, tooltip) for step ``k``."""
    if not r.step_results:
        return "\u00b7", "unknown", "not compared"
    if k == 0:
        return "\u2713", "good", "the starting expression"
    sr = _step_result(r, k)
    if sr is None:
        return "?", "unknown", "not compared"
    if sr.verdict is Verdict.PROVED:
        return "\u2713", "good", f"equal to {step_label(k - 1)} (proved)"
    if sr.verdict is Verdict.NUMERIC:
        return "\u2248", "numeric", f"agrees with {step_label(k - 1)} numerically (not proved)"
    if sr.verdict is Verdict.REFUTED:
        return "\u2717", "bad", f"not equal to {step_label(k - 1)}"
    return "?", "unknown", f"{sr.verdict.value}"


def _step_result(r: ClaimResult, k: int) -> StepResult | None:
    for s in r.step_results:
        if s.index == k:
            return s
    return r.step_results[k - 1] if 0 < k <= len(r.step_results) else None


def _chain(r: ClaimResult) -> str:
    if not r.steps:
        return ""
    wrong = {s.index: s for s in refuted_steps(r)} if r.verdict is Verdict.REFUTED else {}
    first = r.failed_step if r.failed_step is not None else (min(wrong) if wrong else None)
    tex: list[str] = [str(t or "") for t in r.tex] if isinstance(r.tex, (list, tuple)) else []
    items = []
    for k, text in enumerate(r.steps):
        symbol, mark_cls, tip = _mark(r, k)
        classes = " ".join(c for c in ("step", "wrong" if k in wrong else "", "first-wrong" if k == first else "") if c)
        hand = f'<span class="tex">{esc(tex[k])}</span>' if k < len(tex) and tex[k] else ""
        reading = r.readings[k] if k < len(r.readings) else None
        if reading:
            hand += f'<span class="tex">read as: {esc(reading)}</span>'
        why = ""
        if k in wrong:
            sr = wrong[k]
            cx = _counterexample(sr.counterexample, k) if sr.counterexample is not None else ""
            why = f'<div class="why"><p class="diagnosis">{esc(describe_diagnosis(sr))}</p>{cx}</div>'
        items.append(
            f'<li class="{classes}"><span class="mark {mark_cls}" title="{esc(tip)}" aria-label="{esc(tip)}">'
            f'{symbol}</span><span class="label">{step_label(k)}</span>'
            f'<span>{to_mathml(reading or text, "block")}<code class="src">{esc(text)}</code>{hand}</span>{why}</li>')
    words = aftermath(r)
    after = f'<p class="muted">{esc(words[0].upper() + words[1:])}.</p>' if words else ""
    return f'<ol class="chain">{"".join(items)}</ol>{after}'


def _values(values: dict[str, Any]) -> str:
    return ", ".join(f"{esc(name)} = {value_to_mathml(v)}" for name, v in values.items())


def _counterexample(cx: Counterexample, k: int) -> str:
    rows: list[tuple[str, str]] = []
    if cx.sizes:
        rows.append(("sizes", esc(", ".join(f"{n} = {v}" for n, v in cx.sizes.items()))))
    if cx.indices:
        rows.append(("indices", esc(", ".join(f"{n} = {v}" for n, v in cx.indices.items()))))
    if cx.point:
        rows.append(("point", _values(cx.point)))
    if cx.lhs_shape or cx.rhs_shape:
        a, b = (" \u00d7 ".join(map(str, s)) if s else "?" for s in (cx.lhs_shape, cx.rhs_shape))
        rows.append(("shapes", esc(f"{step_label(k - 1)}: {a}, {step_label(k)}: {b}")))
    if cx.entry is not None:
        rows.append(("entry", esc(str(tuple(cx.entry)))))
    if cx.lhs is not None or cx.rhs is not None:
        for label, value, exact in ((step_label(k - 1), cx.lhs, getattr(cx, "lhs_exact", None)),
                                    (step_label(k), cx.rhs, getattr(cx, "rhs_exact", None))):
            approx = f" \u2248 {esc(format_value(value))}" if exact and value is not None else ""
            rows.append((label, value_to_mathml(exact or value) + approx if (exact or value is not None)
                         else "undefined"))
        rows.append(("values", "exact" if cx.exact or getattr(cx, "lhs_exact", None) else "floating point"))
    if cx.difference:
        rows.append(("difference", esc(cx.difference)))
    if cx.certificate:
        rows.append(("certified by", esc(cx.certificate)))
    if getattr(cx, "region", None):
        rows.append(("region", esc(f"where {cx.region}")))
    body = "".join(f"<dt>{esc(a)}</dt><dd>{b}</dd>" for a, b in rows)
    return f'<p class="label">counterexample</p><dl class="cx">{body}</dl>'

