"""Which ``*`` of an expression's text multiply two arrays (elementwise), for drawing the text as math.

``*`` is elementwise between arrays and an ordinary product when a side is a scalar;
``@`` is the matrix product.  A drawing must tell the three apart, but the text alone
cannot say which ``*`` is which: that needs the shapes of the operands.  The checker
works it out once per step (``elementwise_products``, given a test of whether an
operand's text is a scalar) and the drawing only reads the numbers (``star_products``
is the numbering both sides share).  Pure ``ast``: nothing here imports numpy or SymPy.
"""
from __future__ import annotations

import ast
from typing import Callable

MAX_TEXT = 2_000       # as long as a drawn step can be (report.mathtext.MAX_MATH_TEXT)


def star_products(tree: ast.AST) -> list[ast.BinOp]:
    """The ``*`` operations of a syntax tree, numbered in ``ast.walk`` order."""
    return [n for n in ast.walk(tree) if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult)]


def elementwise_products(text: str, is_scalar: Callable[[str], bool]) -> tuple[int, ...] | None:
    """The numbers (``star_products``) of the ``*`` whose operands are both arrays (neither is a
    scalar, nor a 1 x 1 array); None when the text is not an expression that can be drawn."""
    if len(text) > MAX_TEXT:
        return None
    src = text.strip()
    try:
        tree = ast.parse(src, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    out: list[int] = []
    for k, n in enumerate(star_products(tree)):
        sides = [ast.get_source_segment(src, x) for x in (n.left, n.right)]
        if all(s is not None and not is_scalar(s) for s in sides):
            out.append(k)
    return tuple(out)
