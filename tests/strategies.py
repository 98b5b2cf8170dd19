"""Hypothesis strategies shared by the property tests: random expressions in the derivation syntax."""
from __future__ import annotations

from typing import Callable

from hypothesis import strategies as st

BINARY = ["+", "-", "*", "/"]


def expressions(leaves: list[str], unary: dict[str, Callable[[str], str]], depth: int = 3) -> st.SearchStrategy[str]:
    """A leaf; or, down to ``depth``, a unary form (``unary``: name -> how it wraps its argument) of a random
    expression, or two of them joined by + - * /, each side parenthesised."""
    names = list(unary)

    @st.composite
    def tree(draw: st.DrawFn, depth: int) -> str:
        if depth == 0 or draw(st.integers(0, 3)) == 0:
            return draw(st.sampled_from(leaves))
        if draw(st.booleans()):
            f = draw(st.sampled_from(names))
            return unary[f](draw(tree(depth - 1)))
        op = draw(st.sampled_from(BINARY))
        return f"(({draw(tree(depth - 1))}) {op} ({draw(tree(depth - 1))}))"

    return tree(depth)
