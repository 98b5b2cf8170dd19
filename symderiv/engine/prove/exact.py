"""Exact evaluation of rational expressions: compiled once, evaluated modulo fresh random primes.

``compile_program`` turns SymPy rational expressions (after ``atoms``: symbols,
rationals, ``+``, ``*`` and integer powers only) into one flat straight-line
program: a list of instructions over numbered registers, each distinct node (shared
objects: SymPy's cache makes equal pieces one object) computed once.  The program is then evaluated with plain Python integers, which are exact:

- ``modular``: modulo M = p_1 * ... * p_t, the product of t primes drawn afresh
  (``random_prime``), at a point drawn uniformly modulo M.  By the Chinese
  remainder theorem that is t independent trials at once, each modulo its own
  prime at its own uniform point; the value is zero modulo M exactly when it is
  zero modulo every p_i.  An inversion of a value not invertible modulo M (a
  vanishing denominator modulo some p_i) raises ``ZeroDenominator``.
- ``rational``: exactly, in ``Fraction``s, at a rational point.

For every output the program also bounds its *unreduced numerator* N (the
polynomial with integer coefficients that the program computes before any
cancellation, over the unreduced denominator Q): its total degree and the bit
length of the sum of the absolute values of its coefficients (so every coefficient
has at most that many bits), and the same for everything that is ever inverted.
``proving`` turns these bounds into the error bound of its zero test.

Randomness comes from the operating system (``random.SystemRandom``), never from
the derivation file's ``seed``: a file cannot place roots on points or primes it
cannot predict.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterator

import sympy as sp
from flint import fmpz

PRIME_BITS = 63                  # primes are drawn uniformly from [2^62, 2^63)
PRIME_MIN_LOG2 = PRIME_BITS - 1  # every prime is >= 2^62
PRIMES_IN_RANGE_LOG2 = 56        # there are more than 2^56 primes in [2^62, 2^63) (see proving.py)

OS_RANDOM = random.SystemRandom()

# opcodes
_VAR, _CONST, _ADD, _MUL, _POW = range(5)


class Unsupported(Exception):
    """The expression has a piece the exact evaluator cannot handle."""


class ZeroDenominator(Exception):
    """A value to be inverted is zero (modulo one of the primes)."""


def random_prime(rng: random.Random = OS_RANDOM) -> int:
    """A prime drawn uniformly from the primes in [2^62, 2^63) (rejection sampling, OS randomness).

    The candidates' random bits are read 64 candidates at a time (one read of the OS source instead of one
    per candidate, which was most of the cost); each candidate is still uniform and independent."""
    low = 1 << PRIME_MIN_LOG2
    mask = low - 1
    while True:
        block = rng.getrandbits(PRIME_MIN_LOG2 * 64)
        for _ in range(64):
            n = (low | (block & mask)) | 1
            block >>= PRIME_MIN_LOG2
            if fmpz(n).is_prime():     # FLINT's test (proven, and cheaper than a gcd filter first)
                return n


@dataclass(frozen=True)
class Bound:
    """Bounds on an unreduced numerator: total degree, and bits of its coefficients' absolute sum."""

    degree: int
    bits: int


@dataclass
class Program:
    """A straight-line program: ``code[k]`` computes register ``k``; ``outputs`` are the roots' registers."""

    code: list[tuple[int, Any]]
    symbols: list[sp.Basic]          # register of symbol i is ``inputs[i]``
    inputs: list[int]
    outputs: list[int]
    numerators: list[Bound]          # per output: its unreduced numerator
    denominators: list[Bound]        # per output: its unreduced denominator
    inverted: Bound                  # sum over every inverted value and constant denominator

    def __len__(self) -> int:
        return len(self.code)


def _post_order(roots: list[sp.Basic]) -> Iterator[sp.Basic]:
    # keyed by the node itself, not id(): equal pieces that are distinct objects (SymPy's cache evicts, so
    # Symbol("x") made twice can be two objects) must be one register, or one variable would become two
    seen: set[sp.Basic] = set()
    stack: list[tuple[sp.Basic, bool]] = [(r, False) for r in reversed(roots)]
    while stack:
        node, ready = stack.pop()
        if ready:
            yield node
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        if node.is_Add or node.is_Mul or node.is_Pow:
            stack.extend((a, False) for a in node.args)


class Emitter:
    """Appends instructions to a straight-line program and keeps, for every register, bounds on its
    unreduced numerator and denominator (total degree, bits of the sum of absolute coefficients), and
    the same summed over every value the program inverts (see ``proving`` for the error bound)."""

    def __init__(self) -> None:
        self.code: list[tuple[int, Any]] = []
        self.num: list[tuple[int, int]] = []
        self.den: list[tuple[int, int]] = []
        self.inv_degree = self.inv_bits = 0
        self.symbols: list[Any] = []
        self.inputs: list[int] = []

    def _emit(self, op: tuple[int, Any], nd: tuple[int, int], dd: tuple[int, int]) -> int:
        self.code.append(op)
        self.num.append(nd)
        self.den.append(dd)
        return len(self.code) - 1

    def var(self, symbol: Any) -> int:
        self.inputs.append(len(self.code))
        self.symbols.append(symbol)
        return self._emit((_VAR, len(self.symbols) - 1), (1, 0), (0, 0))

    def const(self, p: int, q: int) -> int:
        if q != 1:
            self.inv_bits += q.bit_length()
        return self._emit((_CONST, (p, q)), (0, abs(p).bit_length()), (0, q.bit_length()))

    def add(self, args: list[int]) -> int:
        num, den = self.num, self.den
        den_deg = den_bits = 0
        for a in args:
            d = den[a]
            den_deg += d[0]
            den_bits += d[1]
        top_deg = top_bits = 0               # the max over the terms (every value is >= 0)
        for a in args:
            n, d = num[a], den[a]
            x = n[0] + den_deg - d[0]
            y = n[1] + den_bits - d[1]
            if x > top_deg:
                top_deg = x
            if y > top_bits:
                top_bits = y
        return self._emit((_ADD, args), (top_deg, (len(args) - 1).bit_length() + top_bits), (den_deg, den_bits))

    def mul(self, args: list[int]) -> int:
        num, den = self.num, self.den
        n_deg = n_bits = d_deg = d_bits = 0
        for a in args:
            n, d = num[a], den[a]
            n_deg += n[0]
            n_bits += n[1]
            d_deg += d[0]
            d_bits += d[1]
        return self._emit((_MUL, args), (n_deg, n_bits), (d_deg, d_bits))

    def pow(self, b: int, k: int) -> int:
        (n_deg, n_bits), (d_deg, d_bits) = self.num[b], self.den[b]
        if k >= 0:
            return self._emit((_POW, (b, k)), (k * n_deg, k * n_bits), (k * d_deg, k * d_bits))
        self.inv_degree += n_deg
        self.inv_bits += n_bits
        return self._emit((_POW, (b, k)), (-k * d_deg, -k * d_bits), (-k * n_deg, -k * n_bits))

    def program(self, outputs: list[int]) -> Program:
        return Program(self.code, self.symbols, self.inputs, outputs, [Bound(*self.num[o]) for o in outputs],
                       [Bound(*self.den[o]) for o in outputs], Bound(self.inv_degree, self.inv_bits))


def compile_program(roots: list[sp.Basic]) -> Program:
    """One program for all ``roots`` (SymPy rational expressions), with degree and size bounds."""
    out = Emitter()
    reg: dict[sp.Basic, int] = {}
    for n in _post_order(roots):
        if n.is_Symbol:
            reg[n] = out.var(n)
        elif n.is_Rational:
            reg[n] = out.const(int(n.p), int(n.q))
        elif n.is_Add:
            reg[n] = out.add([reg[a] for a in n.args])
        elif n.is_Mul:
            reg[n] = out.mul([reg[a] for a in n.args])
        elif n.is_Pow and n.exp.is_Integer:
            reg[n] = out.pow(reg[n.base], int(n.exp))
        else:
            raise Unsupported(type(n).__name__)
    return out.program([reg[r] for r in roots])


def run(program: Program, values: list[Any], modulus: int | None, regs: list[Any] | None = None,
         which: list[int] | None = None) -> list[Any]:
    """Every register's value: modulo ``modulus``, or exactly (Fractions) when it is None.

    With ``regs`` (a value for every register already) and ``which``, only those registers are
    computed again, in order: the ones that depend on symbols whose values changed (``dependents``)."""
    code = program.code
    if regs is None:
        regs = [None] * len(code)
    for r in range(len(code)) if which is None else which:
        op, arg = code[r]
        if op == _VAR:
            v = values[arg]
        elif op == _ADD:
            v = 0
            for a in arg:
                v += regs[a]
            if modulus:
                v %= modulus
        elif op == _MUL:
            v = 1
            if modulus:
                for a in arg:
                    v = v * regs[a] % modulus
            else:
                for a in arg:
                    v *= regs[a]
        elif op == _POW:
            b, k = arg
            v = regs[b]
            if k < 0:
                k = -k
                try:
                    v = pow(v, -1, modulus) if modulus else 1 / v
                except (ValueError, ZeroDivisionError):
                    raise ZeroDenominator from None
            v = pow(v, k, modulus) if modulus else v ** k
        else:                                      # _CONST
            p, q = arg
            if modulus:
                try:
                    v = p * pow(q, -1, modulus) % modulus
                except ValueError:
                    raise ZeroDenominator from None
            else:
                v = Fraction(p, q)
        regs[r] = v
    return regs


def dependents(program: Program, symbols: set[int]) -> list[bool]:
    """For every register: does its value depend on one of these symbols (by position)?"""
    dep: list[bool] = []
    for op, arg in program.code:
        if op == _VAR:
            dep.append(arg in symbols)
        elif op == _ADD or op == _MUL:
            dep.append(any(dep[a] for a in arg))
        elif op == _POW:
            dep.append(dep[arg[0]])
        else:
            dep.append(False)
    return dep


def uniform_below(m: int, count: int, rng: random.Random = OS_RANDOM) -> list[int]:
    """``count`` integers drawn independently and uniformly from [0, m).

    Rejection sampling on blocks of bits read at once (one read of the random source for the whole
    point, not one per coordinate, which was most of the cost): a candidate is the k = bit_length(m)
    low bits of its bytes, uniform on [0, 2^k), kept when below m (probability above 1/2); so every
    kept value is uniform on [0, m) and independent of the others."""
    k = m.bit_length()
    size, mask = (k + 7) // 8, (1 << k) - 1
    out: list[int] = []
    while len(out) < count:
        tries = 2 * (count - len(out)) + 4
        buf = rng.randbytes(size * tries)
        for i in range(0, size * tries, size):
            v = int.from_bytes(buf[i:i + size], "little") & mask
            if v < m:
                out.append(v)
                if len(out) == count:
                    break
    return out


def modular(program: Program, primes: list[int], rng: random.Random = OS_RANDOM,
            fixed: dict[int, int] | None = None) -> list[list[int]]:
    """Each output's value modulo each prime, at a point uniform modulo each prime (independently);
    ``fixed`` gives some symbols (by position) a value instead (the 0/1 indicators of ``fastproof``)."""
    m = math.prod(primes)
    point = uniform_below(m, len(program.symbols), rng)
    for k, v in (fixed or {}).items():
        point[k] = v
    regs = run(program, point, m)
    return [[regs[o] % p for p in primes] for o in program.outputs]


def rational(program: Program, point: list[Fraction]) -> list[Fraction]:
    """Each output's exact value at ``point`` (one Fraction per symbol); ZeroDenominator if undefined."""
    regs = run(program, point, None)
    return [Fraction(regs[o]) for o in program.outputs]
