"""Several instances of one size assignment on one batch axis: which instance each slice belongs to.

The numeric check evaluates every step at the points of each instance (each index value,
each combination of one-hot labels).  The instances of one size assignment have the same
shapes, so their points can share one batched evaluation (``manypoints``): a one-hot label
matrix is then a value per point like any symbol, and an index symbol whose value differs
between the instances is read per slice of the batch, here.  ``x[k]`` gathers, in every
slice, the entries that ``take`` selects at that slice's instance (the same entries one
evaluation per instance reads, so the values are those), ``k`` as a number is its value per
slice, and ``onehot(k, n)`` is the instance's vector per slice.

A batch is ``tile`` copies of the points axis (a finite difference's offset x position x
point, point innermost), so slice s belongs to the instance of point s mod P.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..building.evaluate import Instance, Program
from ..building.indexing import take
from ...language.parsing import Bin, IndexExpr, IndexItem, Name, Neg, Node, Slice


class Lanes:
    """The instances stacked on a points axis: ``owner[p]`` is the instance (a position in ``insts``)
    of point p.  ``varying``: the index symbols whose value is not the same in every instance."""

    def __init__(self, program: Program, insts: list[Instance], owner: list[int]) -> None:
        self.insts = insts
        self.owner = np.asarray(owner, dtype=np.intp)
        self.varying = frozenset(name for name in insts[0].indices if program.symbols[name].kind == "index"
                                 and len({inst.indices[name] for inst in insts}) > 1)
        self._chosen: dict[Any, np.ndarray] = {}
        self._tiled: dict[int, np.ndarray] = {}

    def slices(self, tile: int) -> np.ndarray:
        """The instance of each slice of a batch of ``tile`` copies of the points axis."""
        got = self._tiled.get(tile)
        if got is None:
            got = self._tiled[tile] = np.tile(self.owner, tile)
        return got

    def varies(self, items: tuple[IndexItem, ...] | None) -> bool:
        """Does the selection read an index symbol whose value differs between the instances?"""
        return bool(self.varying) and items is not None and any(_reads(item, self.varying) for item in items)

    def chosen(self, items: tuple[IndexItem, ...], shape: tuple[int, int]) -> np.ndarray:
        """Per instance, the flat positions (in a ``shape`` array) that ``take`` selects, stacked: (instances,
        rows, cols).  A ValueError (an index out of range, a selection whose shape depends on the value)
        makes the caller evaluate one instance at a time, which words it."""
        key = (items, shape)
        got = self._chosen.get(key)
        if got is None:
            grid = np.arange(shape[0] * shape[1]).reshape(shape)
            parts = [take(grid, items, inst.sizes, inst.indices) for inst in self.insts]
            if len({p.shape for p in parts}) != 1:
                raise ValueError("the selection's shape depends on the index value")
            got = self._chosen[key] = np.stack(parts)
        return got

    def gather(self, x: np.ndarray, items: tuple[IndexItem, ...], tile: int) -> np.ndarray:
        """``x[items]`` in every slice, at that slice's instance: (slices, rows, cols)."""
        rows, cols = x.shape[-2:]
        per = self.chosen(items, (rows, cols))[self.slices(tile)]
        if x.ndim == 2:
            return x.reshape(-1)[per]
        if x.shape[0] != per.shape[0]:
            raise ValueError("a batch of another length")
        flat = np.take_along_axis(x.reshape(x.shape[0], rows * cols), per.reshape(per.shape[0], -1), axis=1)
        return flat.reshape(per.shape)

    def number(self, name: str, tile: int) -> np.ndarray:
        """The index symbol's value in every slice, as 1 x 1 floats."""
        values = np.array([float(inst.indices[name]) for inst in self.insts])
        return values[self.slices(tile)].reshape(-1, 1, 1)

    def per_instance(self, make: Callable[[Instance], np.ndarray], tile: int) -> np.ndarray:
        """A value that depends on the instance alone, made once per instance and read per slice."""
        return np.stack([np.asarray(make(inst), dtype=float) for inst in self.insts])[self.slices(tile)]


def _reads(item: Any, names: frozenset[str]) -> bool:
    if isinstance(item, str):
        return item in names
    if isinstance(item, Slice):
        return _reads(item.lo, names) or _reads(item.hi, names)
    if isinstance(item, IndexExpr):
        return _node_reads(item.node, names)
    return False


def _node_reads(node: Node, names: frozenset[str]) -> bool:
    if isinstance(node, Name):
        return node.name in names
    if isinstance(node, Neg):
        return _node_reads(node.x, names)
    if isinstance(node, Bin):
        return _node_reads(node.a, names) or _node_reads(node.b, names)
    return False
