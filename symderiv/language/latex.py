"""Reading LaTeX steps (``'$\\frac{\\partial J}{\\partial v_c}$'``) into the expression parser's tree.

``latex_tokens`` turns the text into tokens with pylatexenc; ``_Reader`` here is a
small precedence parser over them that builds the same frozen nodes as
``parsing.parse`` (Num, Name, Neg, Bin, Transpose, Index, Call, Calculus), from a
fixed table of commands: nothing is evaluated, no macro is expanded or defined.
The rules a user can rely on (docs/format.md, "LaTeX steps"):

- juxtaposition and ``\\cdot`` are ``*`` when one side is a scalar and ``@``
  otherwise (``\\cdot`` of two vectors of the same shape is their dot product);
  ``\\odot`` and ``\\circ`` are elementwise ``*``; all of them, ``*`` and ``/``
  bind equally, left to right;
- letters written together are read as the longest declared name that starts
  there (``xW`` is ``x W`` unless ``xW`` is declared); ``v_c`` is ``v_c``, else
  ``vc``, else ``v[c]`` for an index ``c``; accents name ``y_hat``, ``x_bar``,
  ``x_tilde``; Greek letters are their names;
- ``\\frac{\\partial f}{\\partial x}`` and ``\\frac{d}{dx} f`` are ``diff`` for a
  scalar ``x``, ``grad`` for a scalar ``f``, else ``jacobian``; an operator form
  (``\\frac{d}{dx}``, ``\\nabla_x``) applies to the product that follows it.
"""
from __future__ import annotations

import re

from .latex_reader import _Reader
from .latex_scope import Scope
from .latex_tokens import LatexError, tokens, walk
from .parsing import Node, ParseError

__all__ = ["Scope", "is_latex", "read_equation", "read_latex", "split_sides", "strip_dollars"]


def is_latex(text: object) -> bool:
    """A step written in LaTeX: a string that starts and ends with ``$``."""
    return isinstance(text, str) and len(text.strip()) >= 2 and text.strip()[0] == "$" and text.strip()[-1] == "$"


def strip_dollars(text: str) -> str:
    return text.strip().strip("$")


def read_latex(text: str, scope: Scope) -> Node:
    """One expression in LaTeX (with or without its ``$``); LatexError when it cannot be read."""
    parts = read_equation(text, scope)
    if len(parts) != 1:
        raise LatexError(f"a step is one expression, but this LaTeX has {len(parts) - 1} '=' in it")
    return parts[0]


def read_equation(text: str, scope: Scope) -> list[Node]:
    """The sides of ``a = b = c`` (one side for a plain expression)."""
    body = strip_dollars(text)
    if not body.strip():
        raise LatexError("empty LaTeX formula")
    toks = tokens(walk(body), body)
    reader = _Reader(toks, body, scope)
    try:
        parts = [reader.expr()]
        while reader.peek().text == "=" and reader.peek().kind == "op":
            reader.advance()
            parts.append(reader.expr())
        reader.expect_end()
    except ParseError:
        raise
    except RecursionError:
        raise LatexError("LaTeX nested too deeply to read") from None
    except (IndexError, KeyError, TypeError, ValueError, AttributeError) as e:    # a last guard: never a traceback
        at = reader.peek()
        raise LatexError(f"cannot read the LaTeX near character {at.pos + 1} ({type(e).__name__})") from None
    return parts


def split_sides(text: str) -> list[str]:
    """The sides of ``a = b = c`` as LaTeX text, split at the top-level ``=``; the whole text when it
    cannot be tokenised (reading it then says why).  A condition before a top-level colon
    (``x > 0:``) and a remark after a top-level comma (``,\\quad u = ...``) are not sides."""
    body = _before_remark(_after_condition(strip_dollars(text)))
    try:
        toks = tokens(walk(body), body)
    except LatexError:
        return [body]
    cuts = [t.pos for t in toks if t.kind == "op" and t.text == "="]
    bounds = [-1] + cuts + [len(body)]
    return [body[a + 1:b].strip() for a, b in zip(bounds, bounds[1:])]


def _after_condition(body: str) -> str:
    """``x > 0:\\ f(x) = 1`` without its condition: the text after the last top-level colon."""
    depth, cut = 0, -1
    for k, ch in enumerate(body):
        if ch in "{([":
            depth += 1
        elif ch in "})]":
            depth -= 1
        elif ch == ":" and depth == 0 and (k == 0 or body[k - 1] != "\\"):
            cut = k
    return re.sub(r"^(?:\s|\\[ ,;:!]|\\q?quad)+", "", body[cut + 1:]) if cut >= 0 else body


def _before_remark(body: str) -> str:
    """``f = g,\\quad u = v/|v|`` without its remark: the text before the first top-level comma."""
    depth = 0
    for k, ch in enumerate(body):
        if ch in "{([":
            depth += 1
        elif ch in "})]":
            depth -= 1
        elif ch == "," and depth == 0 and (k == 0 or body[k - 1] != "\\"):
            return body[:k].strip()
    return body


__all__ = ["LatexError", "Scope", "is_latex", "read_equation", "read_latex", "split_sides", "strip_dollars"]
