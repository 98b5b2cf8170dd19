"""Fuzzing symderiv with hypothesis: the parser never fails but with ParseError, and no verdict is unsound.

    python bench/fuzz.py --examples 10000 [--jobs 2] [--hang 60]

Runs the parser fuzz (random text, random well-formed Python ASTs) and the
soundness properties over generated expressions ``e`` in ``x`` (scalar), ``p``
(positive) and ``v`` (a vector of dim ``n``):

* ``e = e`` is proved or numeric, never refuted;
* ``e = e + c`` for a nonzero rational ``c`` (down to 10**-12) is refuted, never proved or numeric;
* ``e = 2*e`` is refuted when ``e`` is not identically zero;
* a claim and its rewrite by an identity (``(a+b)*(a-b)`` vs ``a*a - b*b``, ...) agree.

Counts: crashes (an exception, or ``error`` for a well-formed claim), hangs (an
example still running after ``--hang`` seconds), unsound verdicts (a false claim
proved, a true claim refuted; and for ``e = e + c`` anything but refuted), and two
that are shown but do not fail the run: blind (in the identity property, a shifted
false claim rated ``numeric``: its difference is below what the spot check can see,
e.g. 10**-8 beside values of 10**50, and the proof did not decide it) and weak
(``timeout`` where a verdict was due).

Exits 1 when crashes, hangs or unsound verdicts are not all 0.  The generators
are shared with ``tests/test_fuzz.py``, which runs a quick profile under pytest.
"""
from __future__ import annotations

import _thread
import argparse
import ast
import math
import os
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Callable

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from symderiv import check_text  # noqa: E402
from symderiv.language.parsing import Namespace, ParseError, parse  # noqa: E402

SYMBOLS = '[symbols]\nx = "scalar"\np = "positive"\nn = "dim"\nv = "vector(n)"\n'
NAMESPACE = Namespace({"x": "scalar", "p": "positive", "n": "dim", "v": "vector", "i": "index"}, frozenset({"y"}))
OK, REFUTED = {"proved", "numeric"}, {"refuted"}


# ---------------------------------------------------------------- expressions
@dataclass(frozen=True)
class Expr:
    """An expression's text and an independent float evaluation of it (x, p, v -> value)."""

    text: str
    f: Callable[[float, float, list[float]], float]
    positive: bool = False


def _num(q: Fraction) -> Expr:
    text = f"({q.numerator})" if q.denominator == 1 else f"({q.numerator}/{q.denominator})"   # -2**2 is -4
    return Expr(text, lambda x, p, v: float(q), positive=q > 0)


LEAVES = [
    Expr("x", lambda x, p, v: x),
    Expr("p", lambda x, p, v: p, positive=True),
    Expr("sum(v)", lambda x, p, v: sum(v)),
    Expr("dot(v, v)", lambda x, p, v: sum(t * t for t in v)),
    Expr("(v.T @ v)", lambda x, p, v: sum(t * t for t in v)),
    Expr("sum(exp(v))", lambda x, p, v: sum(math.exp(t) for t in v), positive=True),
    Expr("logsumexp(v)[0]", lambda x, p, v: math.log(sum(math.exp(t) for t in v))),
    Expr("sum(sigma(v) * v)", lambda x, p, v: sum(t / (1 + math.exp(-t)) for t in v)),
]
CONSTANTS = st.sampled_from([Fraction(k) for k in (1, 2, 3, -1, -2)] + [Fraction(1, 2), Fraction(-3, 4)])


def _unary(a: Expr, which: str) -> Expr:
    if which == "neg":
        return Expr(f"(-{a.text})", lambda x, p, v: -a.f(x, p, v))
    if which == "exp":
        return Expr(f"exp({a.text})", lambda x, p, v: math.exp(a.f(x, p, v)), positive=True)
    if which == "tanh":
        return Expr(f"tanh({a.text})", lambda x, p, v: math.tanh(a.f(x, p, v)))
    if which == "sigma":
        return Expr(f"sigma({a.text})", lambda x, p, v: 1 / (1 + math.exp(-a.f(x, p, v))), positive=True)
    if which == "square":
        return Expr(f"({a.text})**2", lambda x, p, v: a.f(x, p, v) ** 2)
    if which == "cube":
        return Expr(f"({a.text})**3", lambda x, p, v: a.f(x, p, v) ** 3)
    if which == "log" and a.positive:
        return Expr(f"log({a.text})", lambda x, p, v: math.log(a.f(x, p, v)))
    if which == "sqrt" and a.positive:
        return Expr(f"sqrt({a.text})", lambda x, p, v: math.sqrt(a.f(x, p, v)), positive=True)
    if which == "recip" and a.positive:
        return Expr(f"(1 / {a.text})", lambda x, p, v: 1 / a.f(x, p, v), positive=True)
    return Expr(f"(1 + ({a.text})**2)", lambda x, p, v: 1 + a.f(x, p, v) ** 2, positive=True)


def _binary(a: Expr, b: Expr, op: str) -> Expr:
    fa, fb = a.f, b.f
    if op == "+":
        return Expr(f"({a.text} + {b.text})", lambda x, p, v: fa(x, p, v) + fb(x, p, v), a.positive and b.positive)
    if op == "-":
        return Expr(f"({a.text} - {b.text})", lambda x, p, v: fa(x, p, v) - fb(x, p, v))
    if op == "/" and b.positive:
        return Expr(f"({a.text} / {b.text})", lambda x, p, v: fa(x, p, v) / fb(x, p, v), a.positive)
    return Expr(f"({a.text} * {b.text})", lambda x, p, v: fa(x, p, v) * fb(x, p, v), a.positive and b.positive)


UNARY = ["neg", "exp", "tanh", "sigma", "square", "cube", "log", "sqrt", "recip", "onesq"]
exprs: st.SearchStrategy[Expr] = st.recursive(
    st.one_of(st.sampled_from(LEAVES), CONSTANTS.map(_num)),
    lambda inner: st.one_of(
        st.builds(_unary, inner, st.sampled_from(UNARY)),
        st.builds(_binary, inner, inner, st.sampled_from(["+", "-", "*", "/"]))),
    max_leaves=6)
tiny_constants = st.one_of(
    st.integers(1, 12).map(lambda k: Fraction(1, 10 ** k)),
    st.fractions(min_value=-5, max_value=5, max_denominator=1000).filter(lambda q: q != 0))


def claim(lhs: str, rhs: str, name: str = "c") -> str:
    return f'{SYMBOLS}\n[[claim]]\nname = "{name}"\nlhs = "{lhs}"\nrhs = "{rhs}"\n'


def verdict(text: str, timeout: float = 4.0) -> str:
    (r,) = check_text(text, "fuzz.toml", samples=4, timeout=timeout, sizes={"n": (2,)})
    return r.verdict.value


def clearly_nonzero(e: Expr) -> bool:
    """e is not identically zero: |e| > 1e-3 somewhere, by its own float evaluation."""
    for x, p, v in ((1.0, 1.0, [1.0, -0.5]), (-0.7, 2.5, [0.3, 1.2]), (1.9, 0.3, [-1.5, 0.4])):
        try:
            if abs(e.f(x, p, v)) > 1e-3:
                return True
        except (ArithmeticError, ValueError):
            continue
    return False


IDENTITIES: list[Callable[[Expr, Expr], tuple[str, str]]] = [
    lambda a, b: (f"({a.text} + {b.text}) * ({a.text} - {b.text})", f"{a.text} * {a.text} - {b.text} * {b.text}"),
    lambda a, b: (f"exp({a.text}) * exp({b.text})", f"exp({a.text} + {b.text})"),
    lambda a, b: (f"({a.text} + {b.text})**2", f"{a.text}*{a.text} + 2*{a.text}*{b.text} + {b.text}*{b.text}"),
    lambda a, b: (f"sigma({a.text})", f"1 / (1 + exp(-{a.text}))"),
    lambda a, b: (f"tanh({a.text})", f"2 * sigma(2 * {a.text}) - 1"),
    lambda a, b: (f"log(exp({a.text}) * exp({b.text}))", f"{a.text} + {b.text}"),
    lambda a, b: (f"sqrt(1 + ({a.text})**2) * sqrt(1 + ({b.text})**2)",   # (a)**2: a may end in **3
                  f"sqrt((1 + ({a.text})**2) * (1 + ({b.text})**2))"),
]


# ---------------------------------------------------------------- the properties, as outcomes
SEVERITY = ["crash", "unsound", "blind", "weak", "ok"]


def judge(got: str, true: bool) -> str:
    """One verdict of a claim whose truth is known.

    unsound: a false claim proved, or a true claim refuted (what must never happen);
    blind: a false claim rated numeric (its difference is below what the spot check can
    see, and the proof did not decide it); weak: timeout where a verdict was due.
    """
    if got == "error":
        return "crash"
    if true:
        return "ok" if got in OK else "unsound" if got in REFUTED else "weak"
    if got in REFUTED:
        return "ok"
    return "unsound" if got == "proved" else "blind" if got == "numeric" else "weak"


def outcome_same(e: Expr) -> str:
    return judge(verdict(claim(e.text, e.text)), True)


def outcome_shifted(e: Expr, c: Fraction) -> str:
    """``e = e + c``: anything but refuted is unsound here, numeric included (the issue's rule)."""
    got = judge(verdict(claim(e.text, f"{e.text} + ({c.numerator}/{c.denominator})")), False)
    return "unsound" if got == "blind" else got


def outcome_doubled(e: Expr) -> str:
    if not clearly_nonzero(e):
        return "skipped"
    return judge(verdict(claim(e.text, f"2 * {e.text}")), False)


def outcome_identity(a: Expr, b: Expr, k: int, target: Expr, shift: Fraction | None) -> str:
    """The identity itself is not refuted; a claim and its rewrite both get the verdict their truth earns."""
    left, right = IDENTITIES[k % len(IDENTITIES)](a, b)
    t = target.text if shift is None else f"{target.text} + ({shift.numerator}/{shift.denominator})"
    results = [judge(verdict(claim(left, right)), True),
               judge(verdict(claim(f"{left} + {target.text}", f"{right} + {t}")), shift is None),
               judge(verdict(claim(f"{right} + {target.text}", f"{left} + {t}")), shift is None)]
    return min(results, key=SEVERITY.index)


# ---------------------------------------------------------------- the parser fuzz
NAMES = ["x", "p", "v", "n", "i", "y", "pi", "T", "exp", "grad", "sum", "ones", "__import__", "__class__",
         "eval", "os", "self", "None", "True", "lambda_"]
ATTRS = ["T", "real", "__class__", "__bases__", "t", "system"]


def _ast_strategy() -> st.SearchStrategy[ast.expr]:
    leaf = st.one_of(
        st.sampled_from(NAMES).map(lambda n: ast.Name(n, ast.Load())),
        st.one_of(st.integers(-10 ** 6, 10 ** 6), st.floats(allow_nan=True), st.text(max_size=5), st.none(),
                  st.booleans(), st.binary(max_size=3), st.complex_numbers(max_magnitude=10),
                  st.just(...), st.integers(-3, 3)).map(ast.Constant))
    ops = st.sampled_from([ast.Add(), ast.Sub(), ast.Mult(), ast.Div(), ast.Pow(), ast.MatMult(), ast.Mod(),
                           ast.FloorDiv(), ast.BitXor(), ast.LShift()])

    def extend(inner: st.SearchStrategy[ast.expr]) -> st.SearchStrategy[ast.expr]:
        small = st.lists(inner, max_size=3)
        name = st.sampled_from(NAMES)
        return st.one_of(
            st.builds(ast.BinOp, inner, ops, inner),
            st.builds(ast.UnaryOp, st.sampled_from([ast.USub(), ast.UAdd(), ast.Not(), ast.Invert()]), inner),
            st.builds(lambda f, a, kw: ast.Call(ast.Name(f, ast.Load()), a,
                                                [ast.keyword(k, v) for k, v in kw]),
                      name, small, st.lists(st.tuples(st.sampled_from(["x", "axis"]), inner), max_size=1)),
            st.builds(lambda f, a: ast.Call(f, [ast.Starred(a, ast.Load())], []), inner, inner),
            st.builds(lambda v, a: ast.Attribute(v, a, ast.Load()), inner, st.sampled_from(ATTRS)),
            st.builds(lambda v, s: ast.Subscript(v, s, ast.Load()), inner, st.one_of(
                inner, st.builds(lambda a, b: ast.Tuple([a, b], ast.Load()), inner, inner),
                st.builds(ast.Slice, st.none() | inner, st.none() | inner, st.none()))),
            st.builds(lambda b: ast.Lambda(ast.arguments([], [], None, [], [], None, []), b), inner),
            st.builds(lambda e, it: ast.ListComp(e, [ast.comprehension(ast.Name("q", ast.Store()), it, [], 0)]),
                      inner, inner),
            st.builds(lambda a, b: ast.Compare(a, [ast.Lt()], [b]), inner, inner),
            st.builds(lambda a, b: ast.BoolOp(ast.And(), [a, b]), inner, inner),
            st.builds(ast.IfExp, inner, inner, inner),
            st.builds(lambda e: ast.NamedExpr(ast.Name("q", ast.Store()), e), inner),
            st.builds(lambda e: ast.JoinedStr([ast.FormattedValue(e, -1, None)]), inner),
            small.map(lambda xs: ast.Tuple(xs, ast.Load())),
            small.map(lambda xs: ast.List(xs, ast.Load())),
        )

    return st.recursive(leaf, extend, max_leaves=12)


python_asts = _ast_strategy()


def parse_outcome(text: str) -> str:
    """"ok" when parse gives a node or ParseError; else "crash" (anything else escaped)."""
    try:
        parse(text, NAMESPACE)
    except ParseError:
        pass
    except Exception:  # noqa: BLE001 - that is exactly what is counted
        return "crash"
    return "ok"


def unparse(tree: ast.expr) -> str | None:
    try:
        return ast.unparse(ast.fix_missing_locations(ast.Expression(tree)))
    except Exception:  # noqa: BLE001 - a tree ast itself cannot print is not an input
        return None


# ---------------------------------------------------------------- the long run
class Watchdog:
    """A per-example hang detector: a thread that interrupts the main thread (KeyboardInterrupt)
    when one example runs past its limit.  (Not SIGALRM: the prover's own simplify budget uses it.)
    An example that cannot be interrupted (stuck in C) ends the process with exit status 3."""

    def __init__(self, seconds: float) -> None:
        self.seconds, self.deadline, self.fired = seconds, None, False
        self.lock = threading.Lock()
        threading.Thread(target=self._watch, daemon=True).start()

    def start(self) -> None:
        with self.lock:
            self.deadline, self.fired = time.monotonic() + self.seconds, False

    def stop(self) -> bool:
        with self.lock:
            self.deadline = None
            return self.fired

    def _watch(self) -> None:
        while True:
            time.sleep(0.2)
            with self.lock:
                late = self.deadline is not None and time.monotonic() > self.deadline
                if late and not self.fired:
                    self.fired = True
                    self.deadline = time.monotonic() + self.seconds
                    _thread.interrupt_main()
                elif late:
                    print("hang: an example could not be interrupted", flush=True)
                    os._exit(3)


def run(examples: int, seed_value: int, hang: float) -> tuple[Counter[str], list[str]]:
    counts: Counter[str] = Counter()
    failures: list[str] = []
    dog = Watchdog(hang)

    def record(what: str, run_one: Callable[[], str]) -> None:
        dog.start()
        try:
            try:
                result = run_one()
            finally:
                fired = dog.stop()
        except KeyboardInterrupt:
            if not fired:
                raise
            result = "hang"
        except Exception as e:  # noqa: BLE001
            result = "crash"
            what += f" -> {type(e).__name__}: {e}"
        counts[result] += 1
        counts["examples"] += 1
        if result not in ("ok", "skipped"):      # crash, hang, unsound, blind, weak: shown (weak does not fail the run)
            failures.append(f"{result}: {what}")

    # hypothesis only draws the examples; they run afterwards, outside it (its gc callback would
    # otherwise swallow the prover's own SIGALRM budget and make a slow example look like a hang)
    drawn: list[tuple[str, Callable[[], str]]] = []

    @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def one(data: st.DataObject) -> None:
        kind = data.draw(st.integers(0, 5))
        if kind == 0:
            text = data.draw(st.one_of(st.text(max_size=40), st.text("xpvin()[]:,.+-*/@ 0123456789Te_", max_size=40)))
            drawn.append((f"parse {text!r}", lambda: parse_outcome(text)))
        elif kind == 1:
            text = unparse(data.draw(python_asts))
            if text is not None:
                drawn.append((f"parse {text!r}", lambda: parse_outcome(text)))
        elif kind == 2:
            e = data.draw(exprs)
            drawn.append((f"{e.text} = itself", lambda: outcome_same(e)))
        elif kind == 3:
            e, c = data.draw(exprs), data.draw(tiny_constants)
            drawn.append((f"{e.text} = itself + {c}", lambda: outcome_shifted(e, c)))
        elif kind == 4:
            e = data.draw(exprs)
            drawn.append((f"{e.text} = 2 * itself", lambda: outcome_doubled(e)))
        else:
            a, b, t = data.draw(exprs), data.draw(exprs), data.draw(exprs)
            k, shift = data.draw(st.integers(0, 100)), data.draw(st.none() | tiny_constants)
            drawn.append((f"identity {k % len(IDENTITIES)} on {a.text}, {b.text}; target {t.text} shift {shift}",
                          lambda: outcome_identity(a, b, k, t, shift)))

    rounds = 0
    while len(drawn) < examples and rounds < 10:     # hypothesis skips duplicates: draw until enough
        seed(seed_value + 1000 * rounds)(one)()
        rounds += 1
    for what, run_one in drawn[:examples]:
        record(what, run_one)
    return counts, failures


def _worker(args: tuple[int, int, float]) -> tuple[Counter[str], list[str]]:
    return run(*args)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--examples", type=int, default=10_000)
    ap.add_argument("--jobs", type=int, default=2, help="processes, each running its share of the examples")
    ap.add_argument("--hang", type=float, default=60.0, help="seconds after which one example counts as a hang")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    start = time.monotonic()
    shares = [(args.examples // args.jobs + (1 if k < args.examples % args.jobs else 0), args.seed + k, args.hang)
              for k in range(args.jobs)]
    if args.jobs == 1:
        parts = [run(*shares[0])]
    else:
        import multiprocessing as mp
        with mp.get_context("spawn").Pool(args.jobs) as pool:
            parts = pool.map(_worker, shares)
    counts: Counter[str] = Counter()
    failures: list[str] = []
    for c, f in parts:
        counts += c
        failures += f
    for f in failures[:50]:
        print(f)
    print(f"examples: {counts['examples']}  ok: {counts['ok']}  skipped: {counts['skipped']}  "
          f"weak (timeout): {counts['weak']}  blind (false claim rated numeric): {counts['blind']}  "
          f"({time.monotonic() - start:.0f} s)")
    print(f"crashes: {counts['crash']}  hangs: {counts['hang']}  unsound: {counts['unsound']}")
    return 0 if counts["crash"] == counts["hang"] == counts["unsound"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
