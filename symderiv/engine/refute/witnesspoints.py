"""Where the witness search looks: seeded rational points of spread magnitudes, and the numeric check's
point as exact rationals (``certify`` decides at them)."""
from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

import numpy as np

from ..building.evaluate import Instance, Program, shape_of


def spread_value(rng: random.Random, positive: bool, k: int) -> Fraction:
    """A random rational, of a magnitude chosen by ``k``: near 0, in [-2, 2], up to 3, up to 20."""
    while True:
        kind = k % 4
        if kind == 0:
            v = Fraction(rng.randint(-128, 128), 64)
        elif kind == 1:
            v = Fraction(rng.randint(-320, 320), 16)
        elif kind == 2:
            v = Fraction(rng.randint(-99, 99), 10 ** rng.randint(2, 3))
        else:
            v = Fraction(rng.randint(-24, 24), 8)
        if positive:
            v = abs(v)
        if v != 0:
            return v


def random_points(program: Program, used: set[str], inst: Instance, seed: int, count: int
                  ) -> list[dict[str, np.ndarray]]:
    """Seeded (so a refutation is reproducible) rational points at this instance, of spread magnitudes."""
    rng = random.Random(f"witness:{seed}:{sorted(inst.sizes.items())}:{sorted(inst.indices.items())}")
    names = [n for n in sorted(used) if program.symbols[n].kind in ("scalar", "positive", "vector", "matrix")]
    out = []
    for k in range(count):
        point = {}
        for j, name in enumerate(names):
            decl = program.symbols[name]
            shape = shape_of(decl, inst.sizes)
            arr = np.empty(shape, dtype=object)
            for n, idx in enumerate(np.ndindex(shape)):
                # one magnitude class per point for every entry, with the near-0 class mixed into the others
                arr[idx] = spread_value(rng, decl.kind == "positive", k if (n + j) % 3 else k + 2 * (k % 2))
            point[name] = arr
        out.append(point)
    return out


def exact_point(point: Any) -> dict[str, np.ndarray]:
    """The numeric check's point as exact rationals (a float is the binary rational it stores)."""
    if point.exact is not None:
        return dict(point.exact)
    return {name: np.frompyfunc(lambda x: Fraction(float(x)), 1, 1)(arr) for name, arr in point.values.items()}
