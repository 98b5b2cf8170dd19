"""``symderiv explain FILE [CLAIM]``: the full story of a claim, for a student who wants to see why.

For each step: the step as written and as math, its expanded and simplified form at
the smallest size, and, for each pair of adjacent steps, what was proved at which
sizes and by which method, how many numeric points agreed, or where and how the
step went wrong.  The check itself runs in a worker with the usual time limit;
the expanded forms are computed here, each within a short time budget.

"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..results import ClaimResult
from .mathtext import math_lines

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
EXPAND_SECONDS = 5.0        # building one step's explicit arrays at the smallest size
SIMPLIFY_SECONDS = 1.0      # simplifying one entry of it for display
SIMPLIFY_LARGEST = 600      # ...when it is at most this long as text: a longer one seldom shrinks to MAX_EXPANDED_CHARS,
                            # and simplify spent its whole second on each (11 s for a 5-step network claim)
MAX_EXPANDED_CHARS = 400


# ---------------------------------------------------------------- the story
@dataclass(frozen=True)
class StepStory:
    index: int
    text: str
    math: list[str] | None
    tex: str | None
    expanded: str | None            # simplified explicit form at the smallest size (or why not)
    expanded_shape: tuple[int, int] | None
    reading: str | None = None      # a LaTeX step in symderiv's syntax


@dataclass(frozen=True)
class ClaimStory:
    result: ClaimResult
    steps: tuple[StepStory, ...]
    smallest: str                  # the instance the expanded forms are shown at
    settings_note: str             # sizes, samples, seed


def explain(path: Path, claim: str | None) -> int:
    """Check the claim(s) of ``path`` and print their full story; the exit status."""
    from ..run.config import ConfigError, find_config, settings_from
    from ..language.reading import read_file

    if not path.is_file():
        print(f"symderiv: error: {path}: no such file", file=sys.stderr)
        return EXIT_USAGE
    doc = read_file(path)
    if doc.fatal:
        print(f"symderiv: error: {doc.fatal}", file=sys.stderr)
        return EXIT_FAIL
    chosen, problem = choose(doc.claims, claim, len(path.read_bytes().splitlines()))
    if problem is not None:
        listing = "\n".join(f"  {c.name}  (line {c.line})" for c in doc.claims) or "  (none)"
        print(f"symderiv: error: {path} {problem}; its claims are:\n{listing}", file=sys.stderr)
        return EXIT_USAGE
    try:
        settings = settings_from(find_config())
    except (ConfigError, TypeError, ValueError) as e:
        print(f"symderiv: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    settings = settings.for_file(doc.check)

    from .reporting import console, print_story
    from ..run.workers import Task, default_jobs, run_tasks

    results = run_tasks([Task(doc, i, settings) for i in chosen], default_jobs())
    out = console()
    for problem in doc.problems:
        print(f"symderiv: warning: {problem}", file=sys.stderr)
    ok = True
    for i, r in zip(chosen, results):
        assert r is not None
        ok = ok and r.ok
        print_story(story(doc, i, r, settings), out)
    return EXIT_OK if ok else EXIT_FAIL


def choose(claims: Any, query: str | None, lines: int | None = None) -> tuple[list[int], str | None]:
    """The claims ``query`` names: every claim for None, else its exact name, a line number in the
    claim's table (``57``; the file has ``lines`` lines), or a unique part of its name (``u_k``; case is
    ignored when that is unique)."""
    names = [c.name for c in claims]
    if query is None:
        return list(range(len(names))), None
    if query in names:
        return [names.index(query)], None
    if query.strip().isdigit():
        line = int(query)
        starts = [k for k, c in enumerate(claims) if c.line <= line]
        if lines is not None and line > lines:
            return [], f"has no line {line} (it has {lines})"
        if not starts:
            return [], f"has no claim at line {line} (the first starts at line {min(c.line for c in claims)})" \
                if claims else "has no claims"
        return [max(starts, key=lambda k: claims[k].line)], None
    for fold in (str, str.casefold):
        hits = [k for k, n in enumerate(names) if fold(query) in fold(n)]
        if len(hits) == 1:
            return hits, None
        if len(hits) > 1:
            return [], (f"has {len(hits)} claims whose name contains {query!r} ("
                        + ", ".join(repr(names[k]) for k in hits[:5]) + (", ..." if len(hits) > 5 else "")
                        + "); give more of the name, or the claim's line number")
    return [], f"has no claim named {query!r}, nor one whose name contains it"


def story(doc: Any, index: int, result: ClaimResult, settings: Any) -> ClaimStory:
    """The claim's steps as math and expanded at the smallest size, with its check result."""
    spec = doc.claims[index]
    tex = spec.tex if len(spec.tex) == len(spec.steps) else ()
    expanded, smallest = _expanded(doc, spec.steps, settings)
    read = result.readings
    marks = result.elementwise
    steps = tuple(StepStory(k, text, math_lines(read[k] if k < len(read) and read[k] else text,
                                                marks[k] if k < len(marks) else None),
                            tex[k] if tex else None, *expanded[k], reading=read[k] if k < len(read) else None)
                  for k, text in enumerate(spec.steps))
    sizes = ", ".join(f"{d} in {list(v)}" for d, v in sorted(settings.sizes.items()))
    note = (f"sizes: {sizes or 'the defaults (each dim 2 and 3)'}; {settings.samples} numeric points per "
            f"instance, seed {settings.seed}, rtol {settings.rtol:g}, atol {settings.atol:g}")
    return ClaimStory(result, steps, smallest, note)


def _expanded(doc: Any, texts: tuple[str, ...], settings: Any
              ) -> tuple[list[tuple[str | None, tuple[int, int] | None]], str]:
    """Each step's explicit value at the smallest instance, simplified for display."""
    from ..engine.building.arrays import evaluator
    from ..engine.building.evaluate import Program, ProgramError, instances, size_assignments
    from ..language.functions import ShapeError
    from ..language.parsing import ParseError
    from ..engine.prove.proving import OutOfTime, budget

    none: list[tuple[str | None, tuple[int, int] | None]] = [(None, None)] * len(texts)
    try:
        program = Program.build(doc)
        nodes = [program.parse_step(t) for t in texts]
        used = program.names_used(nodes)
        sizes = size_assignments(used, program, settings.sizes)[0]
        inst = instances(used, program, sizes)[0]
    except (ParseError, ProgramError, ShapeError, IndexError):
        return none, "no instance"
    ev = evaluator(program, used, inst)
    out: list[tuple[str | None, tuple[int, int] | None]] = []
    for node in nodes:
        try:
            with budget(EXPAND_SECONDS):
                value = ev.value(node)
        except OutOfTime:
            out.append(("(too large to expand quickly)", None))
            continue
        except (ShapeError, ArithmeticError, RecursionError) as e:
            out.append((f"(cannot be expanded: {e})", None))
            continue
        out.append((_show_array(value, SIMPLIFY_SECONDS, budget, OutOfTime), value.shape))
    return out, inst.describe()


def _show_array(value: Any, seconds: float, budget: Any, out_of_time: type) -> str:
    import sympy as sp

    entries = []
    for e in value.flat:
        if len(str(e)) > SIMPLIFY_LARGEST:
            entries.append(e)
            continue
        try:
            with budget(seconds):
                s = sp.simplify(e)
            e = s if len(str(s)) <= len(str(e)) else e
        except (out_of_time, RecursionError, TypeError, ValueError, ArithmeticError, AttributeError,
                NotImplementedError):
            pass
        entries.append(e)
    if value.shape == (1, 1):
        text = str(entries[0])
    else:
        rows = [entries[r * value.shape[1]:(r + 1) * value.shape[1]] for r in range(value.shape[0])]
        text = "[" + "; ".join(", ".join(str(x) for x in row) for row in rows) + "]"
    if len(text) > MAX_EXPANDED_CHARS:
        first = str(entries[0])
        first = first if len(first) <= MAX_EXPANDED_CHARS else first[:MAX_EXPANDED_CHARS - 1] + "…"
        return f"entry [0, 0] = {first}  (the whole {value.shape[0]} x {value.shape[1]} array is too long to show)"
    return text
