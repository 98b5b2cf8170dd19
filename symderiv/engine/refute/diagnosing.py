"""What a wrong step most likely got wrong, decided by proof, never by resemblance.

Each class is a claim about the two steps that must hold at *every* instantiated
size and index value, shown with the same exact zero test the prover uses:
``sign`` (step k + step k-1 is zero), ``factor`` (step k - c * step k-1 is zero for
one rational c other than 1 and -1), ``transpose`` (step k transposed equals step
k-1), ``shape`` (the shapes differ and no transpose explains it),
``missing-term``/``extra-term`` (step k equals step k-1 less one of its written
terms / step k less one of its own terms equals step k-1).  When none holds at
every size, the diagnosis is None.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any, Protocol

import numpy as np
import sympy as sp

from ..building.evaluate import Instance, Program
from ...language.functions import ShapeError
from ...language.parsing import Bin, Node, Num
from ...language.showing import candidate_terms, show
from .factors import holds_on_graph, ratio, symbolic_factor
from ..prove.proving import Prover, Unsupported, zero_mask
from ..building.stepvalues import StepValues


MAX_FACTOR_INSTANCES = 16     # above this, a factor of the sizes is shown at one instance per size assignment


def _all_zero(prover: Prover, arr: np.ndarray) -> bool:
    """Is every entry shown zero by the exact stage (what ``decide`` without ``simplify`` says, entry by entry)?

    A wrong step's arrays are seldom zero, and mostly not at their first entry: that entry is
    tested alone, then the others together, as one program at shared points and primes (each
    "zero" keeps its error bound; a "not zero" is certain: a nonzero value modulo a prime)."""
    exprs = [e for e in arr.flat if e != 0]
    if not all(prover.decide(e, use_simplify=False).status == "zero" for e in exprs if e.is_number):
        return False
    rest = [e for e in exprs if not e.is_number]
    return all(_shown_zero(prover, group) for group in (rest[:1], rest[1:]) if group)


def _shown_zero(prover: Prover, exprs: list[sp.Basic]) -> bool:
    try:
        return all(zero_mask(prover.program(exprs)))
    except (Unsupported, RecursionError):       # e.g. too many trials for the whole group: one by one
        return all(prover.decide(e, use_simplify=False).status == "zero" for e in exprs)


def _factor(prover: Prover, a: np.ndarray, b: np.ndarray) -> Fraction | None:
    for idx in np.ndindex(a.shape):
        if prover.decide(a[idx], use_simplify=False).status == "zero":
            continue
        try:
            c = prover.constant(b[idx] / a[idx])
        except (Unsupported, ZeroDivisionError):
            return None
        if c is None or c in (1, -1):
            return None
        return c if _all_zero(prover, b - sp.Rational(c.numerator, c.denominator) * a) else None
    return None


class SympyTests:
    """The class tests on the pair's SymPy arrays with the prover's exact stage (the route for every step)."""

    errors: tuple[type[BaseException], ...] = (ShapeError, Unsupported, ArithmeticError, RecursionError)

    def __init__(self, prover: Prover, values: StepValues) -> None:
        self.prover, self.values = prover, values

    def at(self, inst: Instance) -> tuple[Any, np.ndarray, np.ndarray]:
        return self.values.at(inst)

    def all_zero(self, arr: np.ndarray) -> bool:
        return _all_zero(self.prover, arr)

    def factor(self, a: np.ndarray, b: np.ndarray) -> Fraction | None:
        return _factor(self.prover, a, b)

    def scaled(self, insts: list[Instance], done: list[tuple[Instance, np.ndarray, np.ndarray]]
               ) -> tuple[str | None, str | None]:
        return _scaled_by_size(self.values, insts, self.prover, done)


class Tests(Protocol):
    """What ``classify`` asks of a route: the arrays at an instance and three exact tests."""

    errors: tuple[type[BaseException], ...]      # what makes the diagnosis None (anything else propagates)

    def at(self, inst: Instance) -> tuple[Any, np.ndarray, np.ndarray]: ...
    def all_zero(self, arr: np.ndarray) -> bool: ...
    def factor(self, a: np.ndarray, b: np.ndarray) -> Fraction | None: ...
    def scaled(self, insts: list[Instance], done: list[tuple[Instance, np.ndarray, np.ndarray]]
               ) -> tuple[str | None, str | None]: ...


def diagnose(program: Program, a_node: Node, b_node: Node, insts: list[Instance], used: set[str],
             prover: Prover, values: StepValues | None = None) -> tuple[str | None, str | None]:
    """(class, words) for step b against the step a before it; (None, None) when none fits.

    Every class must hold at every instance (size and index values) in ``insts``: a
    step that is the negation of the one before at one size only is not ``sign``.
    When the shapes differ at some size, the answer is ``transpose`` if the
    transpose explains the step at every size, else ``shape``.  ``values``: the
    pair's SymPy arrays, shared with the certifier and the counterexample shown.
    """
    values = values or StepValues(program, a_node, b_node, used)
    return classify(SympyTests(prover, values), a_node, b_node, insts)


def classify(tests: Tests, a_node: Node, b_node: Node, insts: list[Instance]) -> tuple[str | None, str | None]:
    """``diagnose`` on the arrays and exact tests of a route (``SympyTests``, or the graph's in
    ``graphdiagnosis``): the same classes, in the same order, with the same words."""
    live = {"sign", "factor", "transpose", "missing-term", "extra-term"}
    shape_words: str | None = None
    factor: Fraction | None = None
    found_term: dict[str, str] = {}
    a_terms, b_terms = candidate_terms(a_node), candidate_terms(b_node)
    differs = False      # b - a is not shown zero at some instance (a 1 x 1 or symmetric "transpose" is no slip)
    scaled: list[tuple[Instance, np.ndarray, np.ndarray]] = []     # (instance, a, b) so far, for a factor of the sizes
    try:
        for inst in insts:
            ev, a, b = tests.at(inst)
            if a.shape != b.shape:
                if shape_words is None:
                    shape_words = (f"the shapes differ: {a.shape[0]} x {a.shape[1]} before, "
                                   f"{b.shape[0]} x {b.shape[1]} after (at {inst.describe()})")
                if not (b.T.shape == a.shape and tests.all_zero(b.T - a)):
                    return "shape", shape_words
                live &= {"transpose"}
                continue
            if "sign" in live and not tests.all_zero(a + b):
                live.discard("sign")
            if "factor" in live:
                c = tests.factor(a, b)
                if c is None or (factor is not None and c != factor):
                    live.discard("factor")
                factor = c
            if "transpose" in live and not (a.shape[0] == a.shape[1] and tests.all_zero(b.T - a)):
                live.discard("transpose")
            if not differs and not tests.all_zero(b - a):
                differs = True
            for kind, pool in (("missing-term", a_terms), ("extra-term", b_terms)):
                if kind not in live:
                    continue
                hit = None
                for s, t in pool if len(pool) > 1 else []:
                    tv = ev.value(t)
                    # missing: b = a - s*t, so b - a + s*t = 0; extra: b - s*t = a, so b - a - s*t = 0
                    rest = b - a + s * tv if kind == "missing-term" else b - a - s * tv
                    if tests.all_zero(rest):
                        text = _term_text(t)
                        hit = ("-" + (f"({text})" if isinstance(t, Bin) and t.op in "+-" else text)) if s < 0 else text
                        break
                if hit is None or found_term.get(kind, hit) != hit:
                    live.discard(kind)
                else:
                    found_term[kind] = hit
            scaled.append((inst, a, b))
            if not live:
                if shape_words:
                    return "shape", shape_words
                return tests.scaled(insts, scaled)
    except tests.errors:
        return None, None
    if shape_words is not None:
        return ("transpose", "it is the transpose of the step before") if "transpose" in live else ("shape", shape_words)
    if "sign" in live:
        return "sign", "it flips the sign of the step before"
    if "factor" in live and factor is not None:
        return "factor", f"it is off by a factor of {_fraction(factor)}"
    if "transpose" in live and differs:
        return "transpose", "it is the transpose of the step before"
    if "missing-term" in live:
        return "missing-term", f"it drops the term {found_term['missing-term']} of the step before"
    if "extra-term" in live:
        return "extra-term", f"it adds the term {found_term['extra-term']}"
    return tests.scaled(insts, scaled)


def _scaled_by_size(values: StepValues, insts: list[Instance], prover: Prover,
                    done: list[tuple[Instance, np.ndarray, np.ndarray]]) -> tuple[str | None, str | None]:
    """``factor`` with a factor that depends on the sizes (step k is m times step k-1), else (None, None).

    With more than MAX_FACTOR_INSTANCES instances it is found at the first instance of each size assignment
    (building the SymPy arrays of every label combination of a batch network, hundreds, took 36 s for a
    forgotten 1/m) and then shown at every other instance on the graph (``holds_on_graph``); a factor that
    cannot be shown there is no diagnosis: it may depend on index values or labels after all."""
    if not done or len({tuple(i.sizes.items()) for i in insts}) < 2:
        return None, None
    every = list(insts)
    if len(insts) > MAX_FACTOR_INSTANCES:
        firsts: dict[tuple[Any, ...], Instance] = {}
        for i in insts:
            firsts.setdefault(tuple(sorted(i.sizes.items())), i)
        insts = list(firsts.values())
        done = [d for d in done if d[0] in insts]
        if not done:
            done = [(insts[0], *values.at(insts[0])[1:])]
    try:
        inst0, a0, b0 = done[0]
        if a0.shape != b0.shape or ratio(prover, a0, b0) is None:
            return None, None
        pairs = list(done)
        seen = {id(i) for i, _, _ in done}
        for inst in insts:
            if id(inst) in seen:
                continue
            _, a, b = values.at(inst)
            pairs.append((inst, a, b))
        factor = symbolic_factor(prover, pairs)
        rest = [i for i in every if i not in insts]
        if factor is not None and rest and not holds_on_graph(values.program, values.a, values.b, values.used,
                                                               factor, rest):
            return None, None       # shown at the first instance of each size only, and not at every other one
    except (ShapeError, Unsupported, ArithmeticError, RecursionError, TypeError, ValueError):
        return None, None
    return ("factor", f"it is {factor} times the step before") if factor is not None else (None, None)


def _term_text(t: Node) -> str:
    """A term as written; a constant also as a decimal when that is shorter (1/1000000000000 (= 1e-12))."""
    text = show(t)
    if isinstance(t, Num) and t.value.denominator != 1:
        dec = f"{float(t.value):.6g}"
        if len(dec) < len(text):
            return f"{text} (= {dec})"
    return text


def _fraction(c: Fraction) -> str:
    return str(c.numerator) if c.denominator == 1 else f"{c.numerator}/{c.denominator}"


def power_hint(program: Program, a_node: Node, b_node: Node, used: set[str], inst: Instance,
               values: StepValues | None = None) -> str | None:
    """A hint when either step raises a square matrix to a power with ``**`` (elementwise, as in
    numpy), where the writer most likely meant a matrix power (``A @ A``)."""
    try:
        ev, _, _ = (values or StepValues(program, a_node, b_node, used)).at(inst)
    except (ShapeError, ArithmeticError, TypeError, ValueError, RecursionError):
        return None
    return f"hint: {ev.hints[0]}" if ev.hints else None
