"""The values of the numeric check's points: the simple patterns and the seeded random rationals.

A report's points must not change (a counterexample is reproducible from the file's seed),
so the random values are those of drawing, entry by entry, each integer with numpy's
``Generator.integers`` (``_spread_one_by_one``, kept as the reference).  ``spread`` draws
the same 32-bit words in one call per array and maps them to integers as numpy maps them
(Lemire's method), all entries at once with numpy; a word numpy would reject (probability
below 2^-24 per word here) sends the whole array to the word-by-word mapping (``_Words``),
which draws again exactly as numpy does.

The simple points do not depend on the instance's index values or labels, only on the
arrays' shapes and kinds, so their arrays are made once per process and shared (read-only).
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

# (pool, positive pool, offset) per simple pattern: distinct small values, never all equal (all-ones
# is degenerate for many claims).  Each simple pattern counts as one of the ``samples`` points, and
# checking.py spreads at least SIMPLE_PATTERNS points over each instance, so keep this list short;
# showcase.exact_values tries many more simple points when it looks for a witness to show.  Magnitudes
# stay small: at large arguments (sigma(-20)) finite differences lose precision, and a simple point is
# no use if the numeric check cannot trust it.
SIMPLE = [Fraction(v) for v in ("1", "-1/2", "2", "-1", "1/2", "-2", "3/2", "-3/2", "3", "-3", "1/4", "-1/4")]
SIMPLE_POSITIVE = [Fraction(v) for v in ("1", "1/2", "2", "3/2", "3", "1/4", "5/2", "3/4")]
SMALL = [Fraction(v) for v in ("1/2", "-1", "1/4", "1", "-1/2", "-1/4")]
SMALL_POSITIVE = [Fraction(v) for v in ("1/2", "1", "1/4", "3/4")]
SIMPLE_ORDER = [(SIMPLE, SIMPLE_POSITIVE, 0), (SMALL, SMALL_POSITIVE, 0)]

Spec = tuple[tuple[str, tuple[int, int], bool], ...]     # (name, shape, positive) per array, in drawing order
_SIMPLE_POINTS: dict[tuple[Spec, int], tuple[dict[str, np.ndarray], dict[str, np.ndarray]]] = {}


def simple_arrays(spec: Spec, p: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Simple pattern p for the arrays of ``spec``: (floats, Fractions) per name, read-only and shared.
    The k-th entry of all the arrays together (in ``spec``'s order) is the pattern's pool value k."""
    key = (spec, p)
    got = _SIMPLE_POINTS.get(key)
    if got is None:
        if len(_SIMPLE_POINTS) > 4096:
            _SIMPLE_POINTS.clear()
        general, positives, offset = SIMPLE_ORDER[p]
        values, exact = {}, {}
        k = 0
        for name, shape, positive in spec:
            pool = positives if positive else general
            size = shape[0] * shape[1]
            fr = _objects([pool[(k + offset + i) % len(pool)] for i in range(size)], shape)
            k += size
            values[name] = fr.astype(float)
            exact[name] = fr
            values[name].setflags(write=False)
            fr.setflags(write=False)
        got = _SIMPLE_POINTS[key] = (values, exact)
    return got


def _objects(items: list[Fraction], shape: tuple[int, int]) -> np.ndarray:
    fr = np.empty(len(items), dtype=object)
    fr[:] = items
    return fr.reshape(shape)


def _bounds(positive: bool, p: int) -> tuple[int, ...]:
    """The ranges n of the integers drawn per entry, in drawing order: the numerator (then, near 0, the
    power of ten), then the sign."""
    if p % 5 == 4:
        ns: tuple[int, ...] = (99, 2)
    elif p % 3 == 2:
        ns = (320,)
    else:
        ns = (192 if positive else 128,)
    return ns if positive else ns + (2,)


def spread(rng: np.random.Generator, shape: tuple[int, int], positive: bool, p: int
           ) -> tuple[np.ndarray, np.ndarray]:
    """Random exact rationals (short ones, so a counterexample reads well) of a magnitude chosen by ``p``:
    mostly in [-2, 2] (positive: (0, 3]), every third point up to 20 in size, every fifth near 0; as
    Fractions and as floats, the values ``_spread_one_by_one`` draws (see the module)."""
    ((fr, floats),) = spread_point(rng, (("", shape, positive),), p).values()
    return fr, floats


def spread_point(rng: np.random.Generator, spec: Spec, p: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``spread`` for every array of ``spec`` in turn: their words are one stream, drawn in one call."""
    total = sum(shape[0] * shape[1] * len(_bounds(positive, p)) for _, shape, positive in spec)
    words = _Words(rng, rng.integers(0, 1 << 32, size=total, dtype=np.uint32).tolist())
    return {name: _spread_words(words, shape, positive, p) for name, shape, positive in spec}


class _Layout:
    """Where each entry's integers sit in the stream of words of several points (``spread_points``)."""

    def __init__(self, spec: Spec, ps: tuple[int, ...]) -> None:
        n: list[int] = []
        at_a: list[int] = []
        at_b: list[int] = []          # the power of ten's word, or -1
        at_sign: list[int] = []       # the sign's word, or -1
        denominator: list[int] = []
        self.parts: list[tuple[int, str, tuple[int, int], int, int]] = []    # (point's place, name, shape, start, end)
        for j, p in enumerate(ps):
            for name, shape, positive in spec:
                start = len(at_a)
                ns = _bounds(positive, p)
                for _ in range(shape[0] * shape[1]):
                    base = len(n)
                    n.extend(ns)
                    at_a.append(base)
                    at_b.append(base + 1 if p % 5 == 4 else -1)
                    at_sign.append(base + len(ns) - 1 if not positive else -1)
                    denominator.append(0 if p % 5 == 4 else 16 if p % 3 == 2 else 64)
                self.parts.append((j, name, shape, start, len(at_a)))
        self.words = len(n)
        self.n = np.array(n, dtype=np.uint64)
        self.limits = (np.uint64(1 << 32) - self.n) % self.n
        self.at_a = np.array(at_a, dtype=np.intp)
        self.at_b, self.has_b = np.maximum(np.array(at_b, dtype=np.intp), 0), np.array(at_b) >= 0
        self.at_sign, self.has_sign = np.maximum(np.array(at_sign, dtype=np.intp), 0), np.array(at_sign) >= 0
        self.denominator = np.array(denominator, dtype=np.int64)


_LAYOUTS: dict[tuple[Spec, tuple[int, ...]], _Layout] = {}


def spread_points(rng: np.random.Generator, spec: Spec, ps: tuple[int, ...]
                  ) -> list[dict[str, tuple[np.ndarray, np.ndarray]]]:
    """``spread_point`` for the points ``ps`` in turn (their words are one stream), mapped all at once
    with numpy; a word numpy would reject sends them to ``spread_point`` one after the other."""
    layout = _LAYOUTS.get((spec, ps))
    if layout is None:
        if len(_LAYOUTS) > 256:
            _LAYOUTS.clear()
        layout = _LAYOUTS[(spec, ps)] = _Layout(spec, ps)
    raw = rng.integers(0, 1 << 32, size=layout.words, dtype=np.uint32)
    m = raw.astype(np.uint64) * layout.n
    if bool(np.any((m & np.uint64(0xFFFFFFFF)) < layout.limits)):
        words = _Words(rng, raw.tolist())
        return [{name: _spread_words(words, shape, positive, p) for name, shape, positive in spec} for p in ps]
    r = (m >> np.uint64(32)).astype(np.int64)
    a = 1 + r[layout.at_a]
    a = np.where(layout.has_sign & (r[layout.at_sign] == 1), -a, a)
    b = np.where(layout.has_b, np.where(r[layout.at_b] == 1, 1000, 100), layout.denominator)   # 10^(2 + 0 or 1)
    floats = a / b                          # correctly rounded, as float(Fraction(a, b))
    get = _FRACTIONS.get
    exact = [get(ab) or _fraction(*ab) for ab in zip(a.tolist(), b.tolist())]
    out: list[dict[str, tuple[np.ndarray, np.ndarray]]] = [{} for _ in ps]
    for j, name, shape, start, end in layout.parts:
        out[j][name] = (_objects(exact[start:end], shape), floats[start:end].reshape(shape))
    return out


def _spread_words(words: "_Words", shape: tuple[int, int], positive: bool, p: int) -> tuple[np.ndarray, np.ndarray]:
    exact, floats = [], []
    for _ in range(shape[0] * shape[1]):
        if p % 5 == 4:
            a, b = 1 + words.below(99), 10 ** (2 + words.below(2))
        elif p % 3 == 2:
            a, b = 1 + words.below(320), 16
        else:
            a, b = 1 + words.below(192 if positive else 128), 64
        if not positive and words.below(2):
            a = -a
        exact.append(_fraction(a, b))
        floats.append(a / b)               # correctly rounded, as float(Fraction(a, b))
    return _objects(exact, shape), np.array(floats, dtype=float).reshape(shape)


class _Words:
    """numpy's bounded integers from a generator's stream of 32-bit words: ``rng.integers(lo, lo + n)``
    takes the next word w and gives lo + (w n >> 32), drawing again while the low half of w n is below
    (2**32 - n) % n (Lemire's method); ``words``: the words drawn so far, more drawn only after such a redraw."""

    def __init__(self, rng: np.random.Generator, words: list[int]) -> None:
        self.rng = rng
        self.words = words
        self.next = 0

    def below(self, n: int) -> int:
        if self.next < len(self.words):         # the usual case: no redraw
            m = self.words[self.next] * n
            if (m & 0xFFFFFFFF) >= ((1 << 32) - n) % n:
                self.next += 1
                return m >> 32
        while True:
            if self.next == len(self.words):
                self.words.extend(self.rng.integers(0, 1 << 32, size=1, dtype=np.uint32).tolist())
            m = self.words[self.next] * n
            self.next += 1
            if (m & 0xFFFFFFFF) >= ((1 << 32) - n) % n:
                return m >> 32


_FRACTIONS: dict[tuple[int, int], Fraction] = {}


def _fraction(a: int, b: int) -> Fraction:
    got = _FRACTIONS.get((a, b))
    if got is None:
        got = _FRACTIONS[(a, b)] = Fraction(a, b)
    return got


def _spread_one_by_one(rng: np.random.Generator, shape: tuple[int, int], positive: bool, p: int) -> np.ndarray:
    fr = np.empty(shape, dtype=object)
    for idx in np.ndindex(shape):
        if p % 5 == 4:
            v = Fraction(int(rng.integers(1, 100)), 10 ** int(rng.integers(2, 4)))
        elif p % 3 == 2:
            v = Fraction(int(rng.integers(1, 321)), 16)
        else:
            v = Fraction(int(rng.integers(1, 193 if positive else 129)), 64)
        if not positive and rng.integers(0, 2):
            v = -v
        fr[idx] = v
    return fr

