"""Sizes beyond the instantiated ones: where a proof at 2 and 3 is extended, and which index values.

A claim is about every size of every dim, but it is instantiated (every index value
enumerated) at a few small sizes only.  Identities that hold at small sizes only
exist: ``(n - 2)(n - 3) x = 0``, ``A @ B = B @ A`` at size 1, and the trace form of
Cayley-Hamilton for 3 x 3 matrices (true for n <= 3, false at n = 4).  A
polynomial identity in the entries of n x n matrices of degree P that holds at
n = P holds at every n (no nontrivial trace identity has degree <= n), and a
polynomial in n of degree P is determined by P + 1 values; so the extension
reaches 4 and 5 for every dim, and for claims of one or two dims a size above the
claim's degree ``positions`` (the number of factors its products, powers and traces
multiply, counting dims used as numbers).

``extension_assignments`` gives a few assignments, each dim at 4 and 5 over them,
neighbouring dims at different sizes within an assignment (so a transpose or a
swapped dim is visible); ``larger_instances`` checks every index value and one-hot label
combination there when there are at most MAX_ENUMERATED (PIECEWISE_ENUMERATED for a
piecewise claim; they share one parametric build), and otherwise ``sampled_instances`` draws
one at random (operating-system randomness), so the extension stays cheap.  There the caller
first tries one test of every combination at once (``fastproof.GraphProver.everywhere``), then
listing them all when the shared build makes that cheap (``GraphProver.every_instance``); a
size the draw alone proves is reported as sampled, not as proved.
"""
from __future__ import annotations

import random
from typing import Any

from ..building.evaluate import Instance, Program, instances, shape_of
from ..building.instances import combinations
from ...language.functions import ShapeError
from ...language.parsing import Bin, Calculus, Call, Index, Name, Neg, Node, Num, Transpose

FIRST = 4                 # the smallest extension size
MAX_SIZE = 7              # the largest: beyond this the cost grows faster than the evidence
MAX_ENUMERATED = 64       # at a larger size, every index value and label combination up to this many
PIECEWISE_ENUMERATED = 8  # the same for a piecewise claim (a SymPy build and case split per combination)
OS_RANDOM = random.SystemRandom()


def positions(nodes: list[Node], program: Program) -> int:
    """A bound on the degree of the steps as polynomials in the array entries and the dims."""
    memo: dict[str, int] = {}

    def deg(n: Any) -> int:
        if isinstance(n, Num):
            return 0
        if isinstance(n, Name):
            if n.name in program.defines:
                if n.name not in memo:
                    memo[n.name] = 0            # a define cannot refer to itself; guards a cycle anyway
                    memo[n.name] = deg(program.defines[n.name])
                return memo[n.name]
            decl = program.symbols.get(n.name)
            return 0 if decl is None or decl.kind in ("index", "onehot_rows") else 1
        if isinstance(n, (Neg, Transpose, Index)):
            return deg(n.x)
        if isinstance(n, Bin):
            a, b = deg(n.a), deg(n.b)
            if n.op in ("+", "-"):
                return max(a, b)
            if n.op == "**":
                k = n.b.value if isinstance(n.b, Num) else None
                return a * min(abs(int(k)), MAX_SIZE) if k is not None and k.denominator == 1 else a + b
            return a + b
        if isinstance(n, Call):
            return sum(deg(a) for a in n.args if not isinstance(a, (int, str)))
        if isinstance(n, Calculus):
            return deg(n.f)
        return 0

    return max((deg(n) for n in nodes), default=0)


def extension_assignments(used: set[str], program: Program, nodes: list[Node],
                          instantiated: list[dict[str, int]]) -> list[dict[str, int]]:
    """Size assignments for the extension, none already instantiated.

    For a claim of one or two dims, two assignments give every dim the sizes 4 and 5
    (two dims at different sizes), and a third, every dim above the claim's degree (at
    most MAX_SIZE), when that degree is above 4.  A claim of three or more dims gets one
    assignment, every dim at 4: the cost of building the steps grows with the product
    of the sizes (the instantiated sizes already tell its dims apart).
    """
    dims = sorted(n for n in used if program.symbols[n].kind == "dim")
    if not dims:
        return []
    candidates = [{d: FIRST + i % 2 if len(dims) <= 2 else FIRST for i, d in enumerate(dims)}]
    if len(dims) <= 2:
        candidates.append({d: FIRST + 1 - i % 2 for i, d in enumerate(dims)})
        top = min(positions(nodes, program) + 1, MAX_SIZE)
        if top > FIRST + 1:
            candidates.append({d: top - i % 2 for i, d in enumerate(dims)})
    out: list[dict[str, int]] = []
    for a in candidates:
        if a not in out and a not in instantiated:
            out.append(a)
    return out


def larger_instances(used: set[str], program: Program, sizes: dict[str, int], piecewise: bool = False
                     ) -> tuple[list[Instance], bool]:
    """The instances checked at a larger size assignment: every index value and one-hot label combination
    when there are at most MAX_ENUMERATED (PIECEWISE_ENUMERATED for a piecewise claim), else one drawn at
    random; and whether that left some out (a proof there then covers the drawn values only:
    ``sampled_sizes``)."""
    count = combinations(used, program, sizes)
    if count <= (PIECEWISE_ENUMERATED if piecewise else MAX_ENUMERATED):
        return instances(used, program, sizes), False
    return sampled_instances(used, program, sizes), True


def listable_instances(used: set[str], program: Program, sizes: dict[str, int]) -> list[Instance]:
    """Every index value and one-hot label combination at these sizes; none when there are more than may be
    listed (``instances``' limit)."""
    try:
        return instances(used, program, sizes)
    except ShapeError:
        return []


def sampled_instances(used: set[str], program: Program, sizes: dict[str, int], count: int = 1,
                      rng: random.Random = OS_RANDOM) -> list[Instance]:
    """``count`` instances at these sizes with index values and one-hot labels drawn at random."""
    names = sorted(n for n in used if program.symbols[n].kind in ("index", "onehot_rows"))
    out: list[Instance] = []
    for _ in range(count):
        values: dict[str, Any] = {}
        for n in names:
            decl = program.symbols[n]
            if decl.kind == "index":
                bound = decl.dims[0] if isinstance(decl.dims[0], int) else sizes[decl.dims[0]]
                values[n] = rng.randrange(bound)
            else:
                rows, cols = shape_of(decl, sizes)
                values[n] = tuple(rng.randrange(cols) for _ in range(rows))
        inst = Instance(dict(sizes), values)
        if inst not in out:
            out.append(inst)
    return out


Sizes = tuple[dict[str, int], ...]


def scope(proved: list[list[dict[str, int]]], checked: list[list[dict[str, int]]],
          sampled: list[list[dict[str, int]]], is_proved: bool) -> tuple[Sizes, Sizes, Sizes]:
    """(proved_sizes, numeric_sizes, sampled_sizes) of a claim from each pair's proved, numerically checked
    and sampled sizes (proved exactly at index values drawn at random, not at all of them).

    A size assignment is proved when every pair was proved there at every index value (only for a
    claim whose verdict is ``proved``); it is numeric when every pair was proved, sampled or
    numerically checked there, and it is not proved: the proof does not cover it.  Sampled sizes
    are the numeric ones where every pair was proved or sampled (for a ``proved`` claim).
    """
    if not proved:
        return (), (), ()
    every: list[dict[str, int]] = []
    for sizes in [s for group in (proved, sampled, checked) for p in group for s in p]:
        if sizes not in every:
            every.append(sizes)
    pairs = list(zip(proved, checked, sampled))
    proved_all = [s for s in every if is_proved and all(s in p for p, _, _ in pairs)]
    numeric = [s for s in every if s not in proved_all and all(s in p or s in c or s in d for p, c, d in pairs)]
    drawn = [s for s in numeric if is_proved and all(s in p or s in d for p, _, d in pairs)]
    key = (lambda s: (sum(s.values()), tuple(s.values())))
    return tuple(sorted(proved_all, key=key)), tuple(sorted(numeric, key=key)), tuple(sorted(drawn, key=key))


def note_checked(pairs: list[Any], before: list[int], sizes: dict[str, int]) -> None:
    """Record ``sizes`` as numerically checked for each pair some numeric point agreed on since ``before``."""
    for p, n in zip(pairs, before):
        if p.samples > n and sizes not in p.numeric_sizes:
            p.numeric_sizes.append(sizes)
