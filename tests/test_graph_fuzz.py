"""Issue 15: the graph route never proves a false equality.

Random expressions in x and y (rationals, + - * /, squares, exp, log, sqrt, sigma, tanh,
softplus) are paired with a random mutation of themselves (a changed constant, a sign, a
dropped term, exp for log...) and with their derivatives.  Whenever the graph route says a
pair is equal, the two sides must agree numerically at every sample point where both are
finite: the numeric evaluator (numpy, the table's numeric definitions, finite differences)
shares nothing with the graph.
"""
from __future__ import annotations

import json
import math
import random
import re

import numpy as np
import sympy
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from strategies import expressions as shared_expressions

from symderiv.engine.spotcheck import numeric
from symderiv.engine.building.evaluate import Instance, Program
from symderiv.engine.prove.fastproof import proved_pairs
from symderiv.language.parsing import ParseError
from symderiv.language.reading import read_text

LEAVES = ["x", "y", "p", "1", "2", "1/2", "-3"]     # p is declared positive
UNARY = ["exp", "log", "sqrt", "sigma", "tanh", "softplus", "neg", "square"]
FORMS = {f: (lambda a, f=f: f"{f}({a})") for f in UNARY} | {"neg": lambda a: f"(-({a}))", "square": lambda a: f"(({a})**2)"}


def expressions(depth: int = 3) -> st.SearchStrategy[str]:
    return shared_expressions(LEAVES, FORMS, depth)


def mutate(e: str, rng: random.Random) -> str:
    swaps = [(r" \+ ", " - "), (r" - ", " + "), (r" \* ", " / "), (r"\bexp\(", "log("), (r"\bsigma\(", "tanh("),
             (r"\bx\b", "y"), (r"\bp\b", "x"), (r"(?<![/\d])\b2\b", "3"), (r"1/2", "1/3"), (r"\*\*2", "**3")]
    rng.shuffle(swaps)
    for pattern, replacement in swaps:
        changed = re.sub(pattern, replacement, e, count=1)
        if changed != e:
            return changed
    return f"{e} + 1"


def _program(a: str, b: str) -> tuple[Program, list]:
    """The two steps parsed; examples the parser rejects (a constant division by zero) are skipped."""
    text = (f'[symbols]\nx = "scalar"\ny = "scalar"\np = "positive"\n[[claim]]\nname = "c"\nlhs = {json.dumps(a)}\n'
            f"rhs = {json.dumps(b)}\n")
    program = Program.build(read_text(text, "fuzz.toml"))
    try:
        return program, [program.parse_step(a), program.parse_step(b)]
    except ParseError:
        assume(False)
        raise


def _agree_numerically(program: Program, nodes: list, seed: int, inner: list | None = None) -> bool:
    """Do the two nodes agree in floating point at random points?  Points where a value, or a value of
    ``inner`` (the functions a derivative differentiates, by finite differences), is over 1e6 are skipped:
    d/dx (exp(x) + exp(exp(3))) loses its digits to the constant 5e8."""
    rng = np.random.default_rng(seed)
    inst = Instance({}, {})
    for _ in range(12):
        values = {"x": np.array([[rng.uniform(-2.5, 2.5)]]), "y": np.array([[rng.uniform(-2.5, 2.5)]]),
                  "p": np.array([[rng.uniform(0.05, 3.0)]])}
        point = numeric.Point(values)
        try:
            va = numeric.evaluate(program, nodes[0], inst, point)
            vb = numeric.evaluate(program, nodes[1], inst, point)
            sizes = [abs(float(numeric.evaluate(program, n, inst, point)[0, 0])) for n in inner or []]
        except (ArithmeticError, ValueError):
            continue
        a, b = float(va[0, 0]), float(vb[0, 0])
        if not (math.isfinite(a) and math.isfinite(b)) or max([abs(a), abs(b), *sizes]) > 1e6:
            continue
        if abs(a - b) > 1e-4 * (1 + max(abs(a), abs(b))):
            return False
    return True


def _defined_somewhere(program: Program, node, text: str) -> bool:
    """Is the expression finite at one of a few random points? (x + x / (x - x) is nowhere defined, and
    the route rightly leaves it unproved: every trial of the exact stage hits its zero denominator.)
    A division by an exact zero counts as undefined even where floats carry on past it (softplus(2/0) = 0,
    and -3 / ((2 + x) / 0), which SymPy would evaluate to 0): the text is read without evaluation, the
    functions left undefined, and every divisor that is 0 once evaluated makes it undefined."""
    names = {f: sympy.Function(f) for f in UNARY}
    tree = sympy.sympify(text, locals=names, evaluate=False)
    divisors = [n.base for n in sympy.preorder_traversal(tree) if isinstance(n, sympy.Pow) and n.exp.is_negative]
    if any(d.doit() == 0 for d in divisors):
        return False
    rng = np.random.default_rng(0)
    for _ in range(8):
        point = numeric.Point({"x": np.array([[rng.uniform(-2.5, 2.5)]]), "y": np.array([[rng.uniform(-2.5, 2.5)]]),
                               "p": np.array([[rng.uniform(0.05, 3.0)]])})
        try:
            with np.errstate(all="ignore"):
                if math.isfinite(float(numeric.evaluate(program, node, Instance({}, {}), point)[0, 0])):
                    return True
        except (ArithmeticError, ValueError):
            continue
    return False


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions(), st.integers(0, 2 ** 31), st.booleans())
@example("((((exp(x)) + (exp(p)))) + (exp(exp(2))))", 722045, True)      # the oracle's own float error
def test_whatever_the_graph_proves_agrees_numerically(e: str, seed: int, derivative: bool) -> None:
    f = mutate(e, random.Random(seed))
    a, b = (f"diff({e}, x)", f"diff({f}, x)") if derivative else (e, f)
    program, nodes = _program(a, b)
    if proved_pairs(program, nodes, {"x", "y", "p"}, Instance({}, {}), [1]) == {1}:
        inner = [n.f for n in nodes] if derivative else None
        assert _agree_numerically(program, nodes, seed, inner), (a, b)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions())
@example("softplus(((2) / (x)) / ((2) - (2)))")
@example("((-3) / (((((2) + (x))) / (((-3) - (-3))))))")
def test_an_expression_is_proved_equal_to_itself_rebuilt(e: str) -> None:
    """A sanity floor for the test above: the route does prove things (e against e + 0, e * 1)."""
    program, nodes = _program(e, f"({e}) * 1 + 0")
    assert proved_pairs(program, nodes, {"x", "y", "p"}, Instance({}, {}), [1]) in ({1}, set())
    if "log" not in e and "sqrt" not in e and _defined_somewhere(program, nodes[0], e):
        assert proved_pairs(program, nodes, {"x", "y", "p"}, Instance({}, {}), [1]) == {1}, e


def test_the_oracle_counts_a_division_by_an_exact_zero_as_undefined() -> None:
    """softplus((2/x)/(2 - 2)) is defined nowhere, though floats make it softplus(-inf) = 0: the
    sanity test above must not demand a proof of it (found at 2,500 examples)."""
    for e, defined in [("softplus((2/x)/(2 - 2))", False), ("softplus(2/x)", True), ("x / (x - x)", False),
                       ("(-3) / ((2 + x) / ((-3) - (-3)))", False), ("x / ((y - y) + 1)", True)]:
        program, nodes = _program(e, "1")
        assert _defined_somewhere(program, nodes[0], e) is defined, e
