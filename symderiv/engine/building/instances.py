"""The sizes and index values a claim is checked at: each dim's sizes, every index value, every
combination of one-hot labels, with the limits that keep a claim's work bounded."""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...language.functions import ShapeError
from ...language.reading import SymbolDecl
from ...limits import MAX_DIM

if TYPE_CHECKING:
    from .program import Program

MAX_ENTRIES = 65_536
MAX_INSTANCES = 4_096
DEFAULT_SIZES = (2, 3)


@dataclass(frozen=True)
class Instance:
    sizes: dict[str, int]
    indices: dict[str, Any]      # index symbol -> int; onehot_rows symbol -> tuple of row labels

    def describe(self) -> str:
        parts = [f"{k}={v}" for k, v in {**self.sizes, **self.indices}.items()]
        return ", ".join(parts) if parts else "no sizes"


def shape_of(decl: SymbolDecl, sizes: dict[str, int]) -> tuple[int, int]:
    dims = [d if isinstance(d, int) else sizes[d] for d in decl.dims]
    if decl.kind in ("vector", "positive_vector"):
        return (dims[0], 1)
    if decl.kind in ("matrix", "onehot_rows", "positive_matrix"):
        return (dims[0], dims[1])
    return (1, 1)


def size_assignments(used: set[str], program: Program, configured: dict[str, tuple[int, ...]]
                     ) -> list[dict[str, int]]:
    dims = sorted(n for n in used if program.symbols[n].kind == "dim")
    # a size of 1 only adds: sizes that are all below 2 keep the defaults too (at size 1 every matrix
    # commutes, and a file must not narrow a claim about every size down to that)
    choices = [c if max(c) >= 2 else tuple(sorted(set(c) | set(DEFAULT_SIZES)))
               for c in (configured.get(d, DEFAULT_SIZES) for d in dims)]
    for d, c in zip(dims, choices):
        if max(c) > MAX_DIM:
            raise ShapeError(f"size {max(c)} for {d!r} is too large (the limit is {MAX_DIM})")
    combos = [dict(zip(dims, vals)) for vals in itertools.product(*choices)]
    if len(combos) > MAX_INSTANCES:
        raise ShapeError(f"{len(combos)} size combinations are too many (the limit is {MAX_INSTANCES})")
    return sorted(combos, key=lambda c: (sum(c.values()), tuple(c.values())))


def _check_entries(used: set[str], program: Program, sizes: dict[str, int]) -> None:
    for name in used:
        decl = program.symbols[name]
        if decl.kind not in ("dim", "index"):
            r, c = shape_of(decl, sizes)
            if r * c > MAX_ENTRIES:
                raise ShapeError(f"{name!r} would have {r * c} entries at {sizes} (the limit is {MAX_ENTRIES})")


def combinations(used: set[str], program: Program, sizes: dict[str, int]) -> int:
    """How many index value and one-hot label combinations ``instances`` would list, without listing them
    (a ShapeError, as there, when an array would be too large)."""
    _check_entries(used, program, sizes)
    total = 1
    for n in used:
        decl = program.symbols[n]
        if decl.kind == "index":
            total *= decl.dims[0] if isinstance(decl.dims[0], int) else sizes[decl.dims[0]]
        elif decl.kind == "onehot_rows":
            r, c = shape_of(decl, sizes)
            total *= c ** r
    return total


def instances(used: set[str], program: Program, sizes: dict[str, int]) -> list[Instance]:
    """Every value of every index (and one-hot label) symbol the claim uses, at these sizes."""
    _check_entries(used, program, sizes)
    names = sorted(n for n in used if program.symbols[n].kind in ("index", "onehot_rows"))
    ranges: list[list[Any]] = []
    for n in names:
        decl = program.symbols[n]
        r, c = shape_of(decl, sizes)
        if decl.kind == "index":
            bound = decl.dims[0] if isinstance(decl.dims[0], int) else sizes[decl.dims[0]]
            ranges.append(list(range(bound)))
        else:
            if c ** r > MAX_INSTANCES:
                raise ShapeError(f"{n!r} has {c}^{r} label combinations (the limit is {MAX_INSTANCES})")
            ranges.append(list(itertools.product(range(c), repeat=r)))
    total = 1
    for r in ranges:
        total *= len(r)
    if total > MAX_INSTANCES:
        raise ShapeError(f"{total} index combinations are too many (the limit is {MAX_INSTANCES})")
    return [Instance(dict(sizes), dict(zip(names, vals))) for vals in itertools.product(*ranges)]
