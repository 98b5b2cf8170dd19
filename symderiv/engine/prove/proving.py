"""Deciding whether a SymPy expression is identically zero, cheapest stage first.

1. ``identical``: the difference is already 0 (or already a nonzero rational
   number, which refutes: the constant is exact).
2. ``exact evaluation``: every ``exp(...)``, ``log(...)``, root and other
   non-rational piece is replaced by a fresh symbol (the same piece always by the
   same symbol; see ``atoms``: treating the pieces as independent can only lose a
   proof, never make one), which leaves a rational function R of symbols.  If R is
   the zero rational function, the difference is zero wherever it is defined.  R is
   compiled once to a straight-line program (``exact``) and evaluated exactly, in
   integers, modulo fresh random primes at fresh random points.
3. ``simplify``: SymPy's ``simplify``, within a time budget, for identities that
   need relations between the pieces (``log(exp(x)) = x``, ``sqrt(x)**2 = x``).
   It proves only when it returns exactly 0, and refutes only when it returns a
   nonzero rational number.
Anything else is ``unknown``: the claim is then at best ``numeric``.

The error bound of ``zero`` from the exact stage
-------------------------------------------------
Let the program compute R = N / Q, where N and Q are the *unreduced* numerator and
denominator it builds (polynomials with integer coefficients, before any
cancellation; R != 0 exactly when N != 0).  ``exact.compile_program`` bounds the
total degree D of N and the bits H of the sum of the absolute values of its
coefficients, and the same (D_inv, H_inv) summed over every value the program
inverts and every constant's denominator.

One trial draws a prime p uniformly from the primes in [2^62, 2^63) and a point x
uniformly from F_p^n, both from the operating system's randomness (never from the
file's ``seed``, so a file cannot place the roots of its difference on the points,
nor make its coefficients multiples of the prime).  Suppose R != 0.  The trial
wrongly sees zero only if
  (a) p divides every coefficient of N: N has a nonzero coefficient of at most H
      bits, which has at most H/62 prime factors >= 2^62; there are more than 2^56
      primes in [2^62, 2^63) (Rosser and Schoenfeld: x/ln x < pi(x) < 1.25506 x/ln x,
      so pi(2^63) - pi(2^62) > 2^62 * 0.0165 > 2^56); so this has probability at
      most H / (62 * 2^56); or
  (b) N mod p is a nonzero polynomial of degree <= D that vanishes at x: at most
      D / 2^62 (Schwartz-Zippel).
So a trial errs with probability at most e = D / 2^62 + H / (62 * 2^56).  A trial
where some inversion fails (a denominator vanishes modulo p) is drawn again, prime
and point; that happens with probability at most d = D_inv / 2^62 + H_inv / (62 *
2^56) by the same argument, so conditioned on its success a trial errs with
probability at most e / (1 - d).  Trials are independent (t primes at once: the
program runs modulo their product at a point uniform modulo it, which by the Chinese
remainder theorem is t independent uniform points), so with t trials such that
(e / (1 - d))^t < 2^-100, ``zero`` is wrong with probability below 2^-100 for each
expression tested.  Expressions too large for a useful bound are left undecided.

A nonzero constant is never decided modulo a prime: c is computed exactly, as a
Fraction, at a rational point where R is defined, c != 0 is checked exactly, and
R - c is shown zero by the test above (its numerator c_den * N - c_num * Q has
degree <= max(D, D_Q) and at most 1 + max(bits(c_den) + H, bits(c_num) + H_Q)
bits).  So "the difference is the constant c" is wrong with probability below
2^-100 too, and c itself is exact.
"""
from __future__ import annotations

import math
import random
import signal
import time
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterator

import sympy as sp

from . import exact
from .atoms import Atoms
from .exact import Bound, Program, Unsupported, ZeroDenominator, compile_program

ERROR_BITS = 100
MAX_TRIALS = 40
MAX_REDRAWS = 20
OVERDUE = 1e-4     # an enclosing budget that ran out meanwhile fires this soon after the inner one ends
REFIRE = 0.25      # seconds (of the budget's clock) after which an alarm whose OutOfTime was lost fires again


class OutOfTime(Exception):
    pass


@dataclass(frozen=True)
class Decision:
    status: str                  # "zero", "constant", "unknown"; "open": only simplify (not asked for) may settle it
    method: str | None = None
    constant: Any = None         # the nonzero constant, as a SymPy number


def _log2_trial_error(num: Bound, inverted: Bound) -> float:
    """log2 of the bound e / (1 - d) on one trial's error (see the module docstring)."""
    scale = 62 * 2.0 ** 56
    e = num.degree / 2.0 ** exact.PRIME_MIN_LOG2 + num.bits / scale
    d = inverted.degree / 2.0 ** exact.PRIME_MIN_LOG2 + inverted.bits / scale
    if d >= 0.5 or e >= 0.25:
        raise Unsupported("too large for a useful error bound")
    return math.log2(max(e, 2.0 ** -200) * 1.000001 / (1 - d))


def trials_needed(num: Bound, inverted: Bound) -> int:
    """Trials so that a nonzero expression passes them all with probability below 2^-ERROR_BITS."""
    t = math.ceil(ERROR_BITS / -_log2_trial_error(num, inverted))
    if t > MAX_TRIALS:
        raise Unsupported("too many trials needed")
    return max(t, 1)


def _offset_bound(num: Bound, den: Bound, c: Fraction) -> Bound:
    """Bounds on the unreduced numerator of R - c, where R = N / Q."""
    return Bound(max(num.degree, den.degree),
                 1 + max(c.denominator.bit_length() + num.bits, abs(c.numerator).bit_length() + den.bits))


def _mod(c: Fraction, p: int) -> int:
    try:
        return c.numerator * pow(c.denominator, -1, p) % p
    except ValueError:
        raise ZeroDenominator from None


def zero_mask(program: Program, offsets: list[Fraction] | None = None, fixed: dict[int, int] | None = None
              ) -> list[bool]:
    """For each output R_i: is R_i - offsets[i] the zero rational function (error < 2^-ERROR_BITS each)?

    ``fixed`` gives some symbols (by position) a fixed integer value: the test is then of the
    specialised function, whose unreduced numerator has no larger degree and, for 0/1 values, no
    larger sum of absolute coefficients, so the same bound holds; Schwartz-Zippel runs over the
    other symbols."""
    if fixed and any(v not in (0, 1) for v in fixed.values()):
        raise ValueError("only 0/1 values keep the error bound")
    offs = offsets or [Fraction(0)] * len(program.outputs)
    extra = sum(c.denominator.bit_length() for c in offs)
    inverted = Bound(program.inverted.degree, program.inverted.bits + extra)
    bounds = [_offset_bound(n, d, c) if c else n for n, d, c in zip(program.numerators, program.denominators, offs)]
    trials = max(trials_needed(b, inverted) for b in bounds)
    for _ in range(MAX_REDRAWS):
        primes = [exact.random_prime() for _ in range(trials)]
        try:
            values = exact.modular(program, primes, fixed=fixed)
            targets = [[_mod(c, p) for p in primes] if c else [0] * len(primes) for c in offs]
        except ZeroDenominator:
            continue
        return [v == t for v, t in zip(values, targets)]
    raise Unsupported("every random point hit a zero denominator")


class SharedTrials:
    """``zero_mask`` for the instances of one program that differ only in the 0/1 values of some symbols
    (``fastproof``'s indicators of index values and one-hot labels), with one draw of primes and point.

    Each instance's test is exactly ``zero_mask``'s trial: primes and a point drawn from the operating
    system, independently of the file and so of the instance's 0/1 values; that they are the same for
    the other instances of the size changes no instance's error bound (each is a separate claim about a
    separate specialised function, and the bound is per test).  The registers that do not depend on the
    0/1 symbols are computed once; the others again per instance.  An instance whose trial hits a zero
    denominator, or a draw whose shared part does, takes ``zero_mask`` itself (fresh draws)."""

    def __init__(self, program: Program, positions: set[int]) -> None:
        self.program = program
        trials = max(trials_needed(b, program.inverted) for b in program.numerators)
        self.primes = [exact.random_prime() for _ in range(trials)]
        self.modulus = math.prod(self.primes)
        self.point = exact.uniform_below(self.modulus, len(program.symbols))
        dep = exact.dependents(program, positions)
        self.which = [r for r, d in enumerate(dep) if d]
        try:
            self.base: list[Any] | None = exact.run(program, self.point, self.modulus,
                                                     which=[r for r, d in enumerate(dep) if not d])
        except ZeroDenominator:
            self.base = None

    def mask(self, fixed: dict[int, int]) -> list[bool]:
        if any(v not in (0, 1) for v in fixed.values()):
            raise ValueError("only 0/1 values keep the error bound")
        if self.base is not None:
            point = list(self.point)
            for k, v in fixed.items():
                point[k] = v
            try:
                regs = exact.run(self.program, point, self.modulus, regs=list(self.base), which=self.which)
                return [regs[o] == 0 for o in self.program.outputs]   # zero modulo every prime at once
            except ZeroDenominator:
                pass
        return zero_mask(self.program, fixed=fixed)


def _random_rational_point(n: int, rng: random.Random) -> list[Fraction]:
    return [Fraction(rng.randrange(-2 ** 20, 2 ** 20), rng.randrange(1, 2 ** 10)) for _ in range(n)]


def exact_constant(program: Program) -> Fraction | None:
    """The value of the program's only output when it is a nonzero constant rational function, else None.

    A cheap filter first (two points modulo the same primes must agree), then c exactly at a
    random rational point, c != 0 exactly, and R - c shown zero with fresh primes.
    """
    primes = [exact.random_prime(), exact.random_prime()]
    try:
        if exact.modular(program, primes) != exact.modular(program, primes):
            return None
    except ZeroDenominator:
        pass
    for _ in range(MAX_REDRAWS):
        try:
            c = exact.rational(program, _random_rational_point(len(program.symbols), exact.OS_RANDOM))[0]
            break
        except ZeroDenominator:
            continue
    else:
        return None
    return c if c != 0 and zero_mask(program, [c])[0] else None


@contextmanager
def budget(seconds: float | None, cpu: bool = False) -> Iterator[None]:
    """Raise OutOfTime after ``seconds`` of wall-clock time, or of the process's CPU time when ``cpu``
    (main thread of a process only; else no limit).  The alarms are separate, so a CPU budget may
    hold wall-clock ones (``simplify``'s) inside it.  A budget inside another of the same kind ends
    no later than the outer one, and the outer one's time runs on after it (it used to be cancelled)."""
    sig, timer = (signal.SIGVTALRM, signal.ITIMER_VIRTUAL) if cpu else (signal.SIGALRM, signal.ITIMER_REAL)
    usable = seconds is not None and seconds > 0 and hasattr(signal, "setitimer")
    if usable:
        try:
            old = signal.signal(sig, _alarm)
        except ValueError:          # not the main thread
            usable = False
    if not usable:
        yield
        return
    assert seconds is not None
    outer = signal.getitimer(timer)[0]          # what an enclosing budget has left (0: none)
    clock = time.process_time if cpu else time.monotonic
    started = clock()
    signal.setitimer(timer, min(seconds, outer) if outer else seconds)
    try:
        yield
    finally:
        signal.setitimer(timer, 0)
        signal.signal(sig, old)
        if outer:                               # the enclosing budget's alarm, at its own time
            signal.setitimer(timer, max(outer - (clock() - started), OVERDUE))


def _alarm(signum: int, frame: Any) -> None:
    # armed again before raising: an exception raised inside a gc callback or a finaliser (or caught by a
    # broad ``except`` in a library) is lost, and the computation would run on; the budget's own clean-up
    # disarms the timer first thing, so an OutOfTime that reaches it is the last
    signal.setitimer(signal.ITIMER_VIRTUAL if signum == signal.SIGVTALRM else signal.ITIMER_REAL, REFIRE)
    raise OutOfTime()


class Prover:
    """Decides entries of one claim; shares the atom table across them.

    ``seed`` is accepted for compatibility and ignored: the exact stage's points and
    primes come from the operating system's randomness, never from the file.
    """

    def __init__(self, seed: int = 0, simplify_seconds: float | None = 5.0) -> None:
        self.atoms = Atoms()
        self.simplify_seconds = simplify_seconds

    def program(self, exprs: list[sp.Basic]) -> Program:
        """The straight-line program of the expressions' rational forms (atoms replaced)."""
        return compile_program([self.atoms.rational(e) for e in exprs])

    def decide(self, expr: sp.Basic, use_simplify: bool = True) -> Decision:
        if expr == 0:
            return Decision("zero", "identical")
        if expr.is_number:
            if expr.is_Rational or expr.is_zero is False:
                return Decision("constant", "identical", expr)
        try:
            form = self.atoms.rational(expr)
            prog = compile_program([form])
            if zero_mask(prog)[0]:
                return Decision("zero", "exact evaluation")
            c = exact_constant(prog)
            if c is not None:
                return Decision("constant", "exact evaluation", sp.Rational(c.numerator, c.denominator))
            if not form.has(sp.Dummy):
                # no piece was replaced: expr is a rational function of its own symbols, which the exact stage
                # decides completely (nonzero at a point modulo p is certain), so simplify could add nothing
                return Decision("unknown")
        except (Unsupported, RecursionError):
            pass
        if not use_simplify:
            return Decision("open")
        return self.simplified(expr)

    def zeros(self, exprs: list[sp.Basic]) -> list[bool]:
        """Which expressions are shown identically zero by the exact stage, tested together.

        All of them are evaluated in one program at the same random points and primes,
        so a piece shared between entries (a softmax denominator) is evaluated once.
        The trials are enough for the largest bound among them, so each "zero" keeps
        its error bound of 2^-ERROR_BITS.  False means "not shown here": ``decide``
        says what it is.
        """
        shown = [e == 0 for e in exprs]
        todo = [i for i, e in enumerate(exprs) if not shown[i] and not e.is_number]
        if not todo:
            return shown
        try:
            mask = zero_mask(self.program([exprs[i] for i in todo]))
        except (Unsupported, RecursionError):
            return shown
        for i, zero in zip(todo, mask):
            shown[i] = zero
        return shown

    def constant(self, expr: sp.Basic) -> Fraction | None:
        """The value of expr's rational form when it is a nonzero constant (exact), else None."""
        try:
            return exact_constant(self.program([expr]))
        except (Unsupported, RecursionError):
            return None

    def simplified(self, expr: sp.Basic) -> Decision:
        try:
            with budget(self.simplify_seconds):
                s = sp.simplify(expr)
        except OutOfTime:
            return Decision("unknown", "simplify ran out of time")
        except (RecursionError, MemoryError, TypeError, ValueError, NotImplementedError, AttributeError,
                ZeroDivisionError):
            return Decision("unknown", "simplify failed")
        if s == 0:
            return Decision("zero", "simplify")
        if s.is_number and (s.is_Rational or s.is_zero is False):
            return Decision("constant", "simplify", s)
        return Decision("unknown")
