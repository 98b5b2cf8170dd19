"""``symderiv explain FILE [CLAIM]``: the full story of a claim, for a student who wants to see why.

For each step: the step as written and as math, its expanded and simplified form at
the smallest size, and, for each pair of adjacent steps, what was proved at which
sizes and by which method, how many numeric points agreed, or where and how the
step went wrong.  The check itself runs in a worker with the usual time limit;
the expanded forms are computed here, each within a short time budget.

``math_lines`` renders an expression as math with SymPy's Unicode pretty printer.
It reads the text with Python's ``ast`` (never ``eval``) into a display-only SymPy
expression: nothing is evaluated or reordered (``A @ B`` stays in that order, both
``*`` and ``@`` are drawn as a product, ``.T`` as a superscript T), and anything it cannot show returns None (the text is then
shown as written).
"""
from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from .results import ClaimResult

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
MAX_MATH_TEXT = 2_000       # longer steps are shown as written
MAX_MATH_NODES = 400
MAX_MATH_WIDTH = 150
MAX_MATH_HEIGHT = 12
EXPAND_SECONDS = 5.0        # building one step's explicit arrays at the smallest size
SIMPLIFY_SECONDS = 1.0      # simplifying one entry of it for display
MAX_EXPANDED_CHARS = 400


# ---------------------------------------------------------------- math rendering
def math_lines(text: str) -> list[str] | None:
    """The expression drawn as math (one or more lines), or None when it cannot be drawn."""
    if len(text) > MAX_MATH_TEXT:
        return None
    try:
        tree = ast.parse(text.strip(), mode="eval")
        if sum(1 for _ in ast.walk(tree)) > MAX_MATH_NODES:
            return None
        import sympy as sp
        expr = _Display(sp, text.strip()).convert(tree.body)
        drawn = sp.pretty(expr, use_unicode=True, num_columns=10_000, order="none")
    except Exception:  # noqa: BLE001 - display only: anything odd is shown as written instead
        return None
    lines = [ln.rstrip() for ln in drawn.splitlines()]
    if not lines or max(len(ln) for ln in lines) > MAX_MATH_WIDTH or len(lines) > MAX_MATH_HEIGHT:
        return None
    return lines


class _Display:
    """ast -> an unevaluated SymPy expression, for drawing only."""

    def __init__(self, sp: Any, text: str) -> None:
        self.sp, self.text = sp, text
        self.T = sp.Symbol("T")

    def convert(self, n: ast.AST) -> Any:
        sp = self.sp
        if isinstance(n, ast.Constant) and isinstance(n.value, (int, float)) and not isinstance(n.value, bool):
            literal = ast.get_source_segment(self.text, n) or repr(n.value)
            f = Fraction(literal.replace("_", ""))
            return sp.Rational(f.numerator, f.denominator)
        if isinstance(n, ast.Name):
            return sp.pi if n.id == "pi" else sp.Symbol(n.id)
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, (ast.USub, ast.UAdd)):
            x = self.convert(n.operand)
            if isinstance(n.op, ast.UAdd):
                return x
            return -x if x.is_Number else sp.Mul(-1, x, evaluate=False)
        if isinstance(n, ast.BinOp):
            a, b = self.convert(n.left), self.convert(n.right)
            if isinstance(n.op, ast.Add):
                return sp.Add(a, b, evaluate=False)
            if isinstance(n.op, ast.Sub):
                return sp.Add(a, sp.Mul(-1, b, evaluate=False), evaluate=False)
            if isinstance(n.op, (ast.Mult, ast.MatMult)):
                return sp.Mul(a, b, evaluate=False)
            if isinstance(n.op, ast.Div):
                inverse = sp.Pow(b, -1, evaluate=False)
                return inverse if a == 1 else sp.Mul(a, inverse, evaluate=False)
            if isinstance(n.op, ast.Pow):
                return sp.Pow(a, b, evaluate=False)
        if isinstance(n, ast.Attribute) and n.attr == "T":
            return sp.Pow(self.convert(n.value), self.T, evaluate=False)
        if isinstance(n, ast.Subscript):
            return sp.Symbol(ast.unparse(n))
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and not n.keywords:
            return self.call(n.func.id, n.args)
        raise ValueError("not drawable")

    def call(self, fn: str, args: list[ast.expr]) -> Any:
        sp = self.sp
        if fn in ("diff", "grad", "jacobian") and len(args) == 2:
            var = sp.Symbol(ast.unparse(args[1]))
            return sp.Derivative(self.convert(args[0]), var, evaluate=False)
        xs = [sp.Symbol(ast.unparse(a)) if isinstance(a, ast.Constant) or fn in ("onehot", "ones", "zeros", "eye")
              else self.convert(a) for a in args]
        if fn == "sqrt" and len(xs) == 1:
            return sp.Pow(xs[0], sp.Rational(1, 2), evaluate=False)
        if fn == "exp" and len(xs) == 1:
            return sp.Pow(sp.E, xs[0], evaluate=False)
        if fn == "abs" and len(xs) == 1:
            return sp.Abs(xs[0], evaluate=False)
        if fn == "log" and len(xs) == 1:
            return sp.log(xs[0], evaluate=False)
        name = "sigma" if fn == "sigmoid" else fn
        return sp.Function(name)(*xs)


# ---------------------------------------------------------------- the story
@dataclass(frozen=True)
class StepStory:
    index: int
    text: str
    math: list[str] | None
    tex: str | None
    expanded: str | None            # simplified explicit form at the smallest size (or why not)
    expanded_shape: tuple[int, int] | None


@dataclass(frozen=True)
class ClaimStory:
    result: ClaimResult
    steps: tuple[StepStory, ...]
    smallest: str                  # the instance the expanded forms are shown at
    settings_note: str             # sizes, samples, seed


def explain(path: Path, claim: str | None) -> int:
    """Check the claim(s) of ``path`` and print their full story; the exit status."""
    from .config import ConfigError, find_config, settings_from
    from .reading import read_file

    if not path.is_file():
        print(f"symderiv: error: {path}: no such file", file=sys.stderr)
        return EXIT_USAGE
    doc = read_file(path)
    if doc.fatal:
        print(f"symderiv: error: {doc.fatal}", file=sys.stderr)
        return EXIT_FAIL
    names = [c.name for c in doc.claims]
    if claim is not None and claim not in names:
        listing = "\n".join(f"  {n}" for n in names) or "  (none)"
        print(f"symderiv: error: {path} has no claim named {claim!r}; its claims are:\n{listing}", file=sys.stderr)
        return EXIT_USAGE
    try:
        settings = settings_from(find_config())
    except (ConfigError, TypeError, ValueError) as e:
        print(f"symderiv: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    settings = settings.for_file(doc.check)
    chosen = [i for i, n in enumerate(names) if claim is None or n == claim]

    from .reporting import console, print_story
    from .workers import Task, default_jobs, run_tasks

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


def story(doc: Any, index: int, result: ClaimResult, settings: Any) -> ClaimStory:
    """The claim's steps as math and expanded at the smallest size, with its check result."""
    spec = doc.claims[index]
    tex = spec.tex if len(spec.tex) == len(spec.steps) else ()
    expanded, smallest = _expanded(doc, spec.steps, settings)
    steps = tuple(StepStory(k, text, math_lines(text), tex[k] if tex else None, *expanded[k])
                  for k, text in enumerate(spec.steps))
    sizes = ", ".join(f"{d} in {list(v)}" for d, v in sorted(settings.sizes.items()))
    note = (f"sizes: {sizes or 'the defaults (each dim 2 and 3)'}; {settings.samples} numeric points per "
            f"instance, seed {settings.seed}, rtol {settings.rtol:g}, atol {settings.atol:g}")
    return ClaimStory(result, steps, smallest, note)


def _expanded(doc: Any, texts: tuple[str, ...], settings: Any
              ) -> tuple[list[tuple[str | None, tuple[int, int] | None]], str]:
    """Each step's explicit value at the smallest instance, simplified for display."""
    from .arrays import evaluator
    from .evaluate import Program, ProgramError, instances, size_assignments
    from .functions import ShapeError
    from .parsing import ParseError
    from .proving import OutOfTime, budget

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
