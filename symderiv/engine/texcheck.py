"""A claim's ``tex`` is checked against its steps, by the same machinery (issue 16).

A ``tex`` is what a report shows beside a proved step, so it must say the same
thing.  Each side of each readable ``tex`` form is compared with its step as a
two-step claim of its own; a disagreement makes the claim ``error`` with both forms
in the message.  A ``tex`` that cannot be read is only displayed, with a note that
says why (``symderiv check -v``).  The comparisons run after the claim itself, so
a claim's own verdict never waits for its ``tex``.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Iterator

from fractions import Fraction

from ..language.functions import ShapeError
from ..language.latex import is_latex, split_sides
from ..language.parsing import Bin, Calculus, Call, Index, Name, Neg, Node, Num, ParseError, Transpose
from ..language.products import elementwise_products
from ..language.showing import show
from ..language.reading import ClaimSpec
from ..results import ClaimResult, Verdict
from .building.evaluate import Program, ProgramError


@dataclass(frozen=True)
class TexSide:
    step: int          # the step it must equal
    latex: str         # one side of the tex, as written
    node: Node         # how it was read


def readings(program: Program, spec: ClaimSpec) -> tuple[str | None, ...]:
    """How each LaTeX step was read, in symderiv's syntax (None for an expression step or an unreadable one)."""
    out: list[str | None] = []
    for text in spec.steps:
        try:
            out.append(show(program.parse_step(text)) if is_latex(text) else None)
        except (ParseError, ProgramError):
            out.append(None)
    return tuple(out) if any(out) else ()


def drawn_products(program: Program, spec: ClaimSpec, read: tuple[str | None, ...]
                   ) -> tuple[tuple[int, ...] | None, ...]:
    """For each step's drawn text (its reading, else the step), which ``*`` multiply two arrays, so
    that the drawing can tell an elementwise product from a scalar one (``language.products``)."""
    shapes = program.shape_scope()

    def is_scalar(text: str) -> bool:
        try:
            return shapes.shape(program.parse_step(text)) == (1, 1)
        except Exception:  # noqa: BLE001 - display only: never in the way of the check itself
            return False       # not known: drawn as an elementwise product, which is what `*` says

    return tuple(elementwise_products(read[k] if k < len(read) and read[k] else text, is_scalar)
                 for k, text in enumerate(spec.steps))


def tex_sides(program: Program, spec: ClaimSpec) -> tuple[list[TexSide], list[str]]:
    """The readable sides of the claim's tex with the step each must equal, and notes about the rest."""
    n = len(spec.steps)
    if not spec.tex or n < 2:
        return [], []
    if len(spec.tex) == n:
        pairs = [(k, side) for k, t in enumerate(spec.tex) if t.strip() for side in split_sides(t)]
    elif len(spec.tex) == 1:
        sides = split_sides(spec.tex[0])
        if len(sides) == 1:
            return [], [f"the tex was not checked: it is one expression (no '='), the claim has {n} steps"]
        if len(sides) == n:
            pairs = list(enumerate(sides))
        else:      # "lhs = an intermediate form = rhs": its first and last sides are the claim's
            pairs = [(0, sides[0]), (n - 1, sides[-1])]
    else:
        return [], [f"the tex was not checked: it has {len(spec.tex)} strings, the claim has {n} steps"]
    found: list[TexSide] = []
    notes: list[str] = []
    for k, side in pairs:
        try:
            node = program.parse_step(f"${side}$")
        except (ParseError, ProgramError) as e:
            notes.append(f"the tex of step {k} was not checked: {e}")
            continue
        found.append(TexSide(k, side, node))
    return found, notes


def check_tex(program: Program, spec: ClaimSpec, final: ClaimResult,
              run: Callable[[ClaimSpec], ClaimResult]) -> Iterator[ClaimResult]:
    """After the claim's final result: the same result, or ``error`` when a tex disagrees with its step."""
    sides, notes = tex_sides(program, spec)
    if notes:
        final = replace(final, tex_notes=final.tex_notes + tuple(notes))
        yield final
    for side in sides:
        step = spec.steps[side.step]
        zeros = _zero_array(program, step, side.node)
        if _same_tree(program, step, side.node if zeros is None else zeros):
            continue
        got = run(ClaimSpec(spec.name, (step, zeros or f"${side.latex}$"), spec.line))
        if got.verdict is Verdict.REFUTED:
            where = f"{program.doc.path}:{spec.line}"
            yield replace(final, verdict=Verdict.ERROR, failed_step=None, diagnosis=None, counterexample=None,
                          message=f"{where}: the tex of step {side.step} says {side.latex}, the step says "
                                  f"{spec.steps[side.step]}{_where(got)}; fix the tex (it is what reports show)")
            return
        if got.verdict not in (Verdict.PROVED, Verdict.NUMERIC):
            final = replace(final, tex_notes=final.tex_notes + (
                f"the tex of step {side.step} was not checked: {got.verdict.value}"
                + (f" ({got.message})" if got.message else ""),))
            yield final


def _same_tree(program: Program, step: str, side: Node | str) -> bool:
    """Is the side read as the very tree the step is, or the same tree once every define is written out
    (so equal by construction, at every size and point)?"""
    try:
        a, b = program.parse_step(step), (program.parse_step(side) if isinstance(side, str) else side)
    except (ParseError, ProgramError):
        return False
    if a == b:
        return True
    a, b = _written_out(program, a), _written_out(program, b)
    return a is not None and a == b


def _written_out(program: Program, n: Node) -> Node | None:
    """The tree with each define's name replaced by the define's own tree; None when a derivative is
    taken by a define (it holds the define's inputs fixed: writing the define out would change it)."""
    if isinstance(n, Name):
        return _written_out(program, program.defines[n.name]) if n.name in program.defines else n
    if isinstance(n, (Neg, Transpose)):
        x = _written_out(program, n.x)
        return None if x is None else type(n)(x)
    if isinstance(n, Bin):
        a, b = _written_out(program, n.a), _written_out(program, n.b)
        return None if a is None or b is None else Bin(n.op, a, b)
    if isinstance(n, Index):
        x = _written_out(program, n.x)
        return None if x is None else Index(x, n.items)
    if isinstance(n, Call):
        args = [a if isinstance(a, (int, str)) else _written_out(program, a) for a in n.args]
        return None if any(a is None for a in args) else Call(n.fn, tuple(args))
    if isinstance(n, Calculus):
        f = None if n.var in program.defines else _written_out(program, n.f)
        return None if f is None else Calculus(n.kind, f, n.var, n.items)
    return n


def _zero_array(program: Program, step: str, side: Node) -> str | None:
    """A tex side that is the number 0 beside an array step means the zero array (``= 0`` in a paper)."""
    try:
        if side != Num(Fraction(0)):
            return None
        shapes = program.shape_scope()
        shape = shapes.shape(program.parse_step(step))
    except (ParseError, ProgramError, ShapeError, KeyError, TypeError, ValueError):
        return None
    if shape == (1, 1):
        return None
    rows, cols = shapes.describe(shape).split(" x ")
    return f"zeros({rows}, {cols})"


def _where(r: ClaimResult) -> str:
    c = r.counterexample
    if c is None:
        return ""
    if c.lhs_shape is not None:
        return f" (the step is {c.lhs_shape[0]} x {c.lhs_shape[1]}, the tex {c.rhs_shape[0]} x {c.rhs_shape[1]})" \
            if c.rhs_shape else ""
    at = ", ".join(f"{k} = {v}" for k, v in {**c.sizes, **c.indices, **c.point}.items())
    lhs, rhs = c.lhs_exact or c.lhs, c.rhs_exact or c.rhs
    return f" (at {at}: the step is {lhs}, the tex {rhs})" if at else f" (the step is {lhs}, the tex {rhs})"
