"""Indexing at an instance: integers, index symbols, index arithmetic and slices, with numpy's meaning.

Every index is resolved to integers at the instance (sizes and index values), so
``x[k + 1]`` and ``x[k:k + 3]`` are plain selections there.  An index or a slice
bound outside the array is an error naming the value it took (the caller adds the
sizes); nothing wraps around or is clipped, unlike numpy, because a derivation that
reads past the end of a vector at some size is wrong at that size.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ...language.errors import ShapeError
from ...language.parsing import Bin, IndexItem, Name, Neg, Node, Num, Slice
from ...language.showing import show_item


def integer(node: Node, sizes: dict[str, int], indices: dict[str, Any]) -> int:
    """The value of index arithmetic at an instance."""
    if isinstance(node, Num):
        return int(node.value)
    if isinstance(node, Name):
        return int(indices[node.name]) if node.name in indices else int(sizes[node.name])
    if isinstance(node, Neg):
        return -integer(node.x, sizes, indices)
    if isinstance(node, Bin):
        a, b = integer(node.a, sizes, indices), integer(node.b, sizes, indices)
        return a + b if node.op == "+" else a - b if node.op == "-" else a * b
    raise TypeError(f"not index arithmetic: {node!r}")


def _bound(item: Any, sizes: dict[str, int], indices: dict[str, Any]) -> int | None:
    if item is None or isinstance(item, int):
        return item
    if isinstance(item, str):
        return int(indices[item])
    return integer(item.node, sizes, indices)


def resolve(item: IndexItem, sizes: dict[str, int], indices: dict[str, Any]) -> int | tuple[int | None, int | None] | None:
    """An int (one row/column), (lo, hi) for a slice, or None for ':'."""
    if isinstance(item, Slice):
        return (_bound(item.lo, sizes, indices), _bound(item.hi, sizes, indices))
    return _bound(item, sizes, indices)


def take(x: np.ndarray, items: tuple[IndexItem, ...], sizes: dict[str, int], indices: dict[str, Any]) -> np.ndarray:
    vals = [resolve(i, sizes, indices) for i in items]
    rows, cols = x.shape
    shown = list(items)
    if len(vals) == 1:
        (v,) = vals
        if v is None:
            return x
        if cols == 1:
            vals, shown = [v, 0], [items[0], 0]
        elif rows == 1:
            vals, shown = [0, v], [0, items[0]]
        elif isinstance(v, tuple):
            vals, shown = [v, None], [items[0], None]      # numpy: A[lo:hi] is A[lo:hi, :]
        else:
            raise ShapeError(f"v[i] needs a vector, got a {rows} x {cols} matrix; use A[i, j], A[:, j] or A[i, :]")
    picks = []
    for v, item, bound, what in ((vals[0], shown[0], rows, "row"), (vals[1], shown[1], cols, "column")):
        picks.append(_pick(v, item, bound, what, x.shape))
    return x[picks[0], picks[1]]


def _pick(v: Any, item: Any, bound: int, what: str, shape: tuple[int, int]) -> slice:
    if v is None:
        return slice(None)
    text = show_item(item)
    if isinstance(v, tuple):
        lo = 0 if v[0] is None else v[0]
        hi = bound if v[1] is None else v[1]
        if not 0 <= lo < hi <= bound:
            value = f"{'' if v[0] is None else lo}:{'' if v[1] is None else hi}"
            raise ShapeError(f"{what} slice {text if text == value else f'{text} = {value}'} is out of range "
                             f"for shape {shape} ({bound} {what}s; a slice must select at least one and end by the last)")
        return slice(lo, hi)
    if not 0 <= v < bound:
        raise ShapeError(f"{what} index {text if text == str(v) else f'{text} = {v}'} is out of range for shape {shape}")
    return slice(v, v + 1)
