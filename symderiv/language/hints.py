"""Words for a student who wrote something the parser cannot take: close names, numpy habits.

Suggestions are conservative on purpose: a name is offered only when it is one
slip away from what was written (a swapped pair of letters, one letter missing or
extra; for names of four letters or more one wrong letter too, and two slips for
names of seven or more), so ``foo`` gets no suggestion and ``tarce`` gets ``trace``.
"""
from __future__ import annotations

import ast
import re

MODULE_PREFIXES = ("np", "numpy", "math", "torch", "sp", "sympy", "jnp", "scipy", "tf")


def slips(a: str, b: str) -> int:
    """The optimal-string-alignment distance (insertions, deletions, substitutions, swaps of neighbours)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[len(b)]


def _close(name: str, candidate: str) -> int | None:
    """How many slips separate the two, when few enough to suggest; else None."""
    if name == candidate:
        return None
    d = slips(name.lower(), candidate.lower())
    shortest = min(len(name), len(candidate))
    if d == 1 and shortest <= 3:
        # a three-letter name: a swap or one letter more or less, never a different letter (det / dot)
        if len(name) == len(candidate) and sorted(name) != sorted(candidate):
            return None
        return d
    allowed = 1 if shortest < 7 else 2
    return d if d <= allowed else None


def close_names(name: str, known: list[str], limit: int = 4) -> list[str]:
    """The known names one or two slips from ``name``, closest first."""
    scored = [(d, k) for k in dict.fromkeys(known) if (d := _close(name, k)) is not None]
    return [k for _, k in sorted(scored)[:limit]]


def suggestion(name: str, known: list[str]) -> str:
    close = close_names(name, known)
    if not close:
        return ""
    if len(close) == 1:
        return f"; did you mean {close[0]!r}?"
    return "; did you mean one of " + ", ".join(repr(c) for c in close) + "?"


def dotted(n: ast.AST) -> str | None:
    """``np.linalg.inv`` as text, for a chain of names; None for anything else."""
    parts = []
    while isinstance(n, ast.Attribute):
        parts.append(n.attr)
        n = n.value
    if not isinstance(n, ast.Name):
        return None
    parts.append(n.id)
    return ".".join(reversed(parts))


def attribute_message(n: ast.Attribute, functions: set[str]) -> str:
    """Why ``x.sum`` / ``np.exp`` is not allowed, and what to write instead."""
    text = dotted(n)
    root = text.split(".")[0] if text else ""
    if n.attr == "T":
        return f"{text or 'x.T'} is the transpose already, without parentheses: write {text or 'x.T'}, not {text or 'x.T'}()"
    if n.attr in ("transpose", "t"):
        return f"attribute .{n.attr} is not allowed; the transpose is written x.T"
    if n.attr in ("dot", "matmul"):
        return f"attribute .{n.attr} is not allowed; write the matrix product as a @ b"
    if root in MODULE_PREFIXES and n.attr in functions:
        return f"{text} is not needed: functions are called by their own name; write {n.attr}(x)"
    if root in MODULE_PREFIXES:
        return (f"{text}: there are no modules here (no {root}.); functions are called by their own name, "
                f"e.g. exp(x){_function_hint(n.attr, functions)}")
    if n.attr in functions:
        return f"attribute .{n.attr} is not allowed; only .T (transpose) is; write {n.attr}(x) instead of x.{n.attr}"
    return f"attribute .{n.attr} is not allowed; only .T (transpose) is"


def _function_hint(attr: str, functions: set[str]) -> str:
    close = close_names(attr, sorted(functions))
    return f" ({attr!r} is not a function here; close: {', '.join(close)})" if close else \
        f" ({attr!r} is not a function here)"


def operator_message(op: ast.AST) -> str:
    if isinstance(op, ast.BitXor):
        return "^ is not a power here (in Python it is bitwise xor); use ** for powers, e.g. x**2"
    if isinstance(op, ast.FloorDiv):
        return "// is not allowed; use / for division"
    if isinstance(op, ast.Mod):
        return "% is not allowed; use + - * / ** @"
    return f"operator {type(op).__name__} is not allowed; use + - * / ** @"


def describe(n: ast.AST) -> str:
    """What a piece of Python syntax is, in words ("a comparison")."""
    names = {
        ast.Lambda: "a lambda", ast.ListComp: "a comprehension", ast.GeneratorExp: "a generator",
        ast.SetComp: "a comprehension", ast.DictComp: "a comprehension", ast.JoinedStr: "an f-string",
        ast.NamedExpr: "an assignment (:=)", ast.Compare: "a comparison", ast.BoolOp: "a boolean operator",
        ast.IfExp: "a conditional expression", ast.List: "a list", ast.Tuple: "a tuple", ast.Dict: "a dict",
        ast.Set: "a set", ast.Starred: "a starred expression", ast.Await: "await", ast.Yield: "yield",
    }
    return names.get(type(n), f"a {type(n).__name__} expression")


def not_allowed_message(n: ast.AST) -> str:
    """Syntax an expression may not hold; a comparison of two indices is most likely a Kronecker delta."""
    hint = ""
    if isinstance(n, ast.Compare) and len(n.ops) == 1 and isinstance(n.ops[0], ast.Eq):
        hint = "; for a Kronecker delta of two indices write eye(n)[i, k] (or onehot(i, n)[k])"
    return f"{describe(n)} is not allowed in an expression{hint}"


def juxtaposition_hint(text: str) -> str:
    """For a syntax error: a number written against a name (2x) is a product without its operator."""
    m = re.search(r"(?<![\w.])(\d+(?:\.\d+)?)([A-Za-z_]\w*)", text)
    if m is None or re.fullmatch(r"e\d*|j", m[2]):
        return ""
    return f"; a product needs its operator: write {m[1]} * {m[2]}, not {m[0]}"
