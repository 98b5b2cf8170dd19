"""Expression text for a parsed tree (to name a term in a diagnosis, an index in a message)."""
from __future__ import annotations

from .parsing import Bin, Calculus, Call, Index, IndexExpr, IndexItem, Name, Neg, Node, Num, Slice, Transpose

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "@": 2, "**": 4}


def show(n: Node | int | str, outer: int = 0) -> str:
    """Expression text for a node (used to name a term in a diagnosis)."""
    if isinstance(n, (int, str)):
        return str(n)
    if isinstance(n, Num):
        v = n.value
        text = str(v.numerator) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"
        return f"({text})" if (outer and (v < 0 or v.denominator != 1)) else text
    if isinstance(n, Name):
        return n.name
    if isinstance(n, Neg):
        text = "-" + show(n.x, 3)
        return f"({text})" if outer >= 2 else text
    if isinstance(n, Bin):
        p = _PRECEDENCE[n.op]
        right = p + 1 if n.op != "**" else p
        text = f"{show(n.a, p if n.op != '**' else p + 1)} {n.op} {show(n.b, right)}"
        return f"({text})" if p < outer or (n.op == "**" and outer >= p) else text
    if isinstance(n, Transpose):
        return f"{show(n.x, 5)}.T"
    if isinstance(n, Index):
        return f"{show(n.x, 5)}[{show_items(n.items)}]"
    if isinstance(n, Call):
        return f"{n.fn}({', '.join(show(a) for a in n.args)})"
    if isinstance(n, Calculus):
        var = n.var if n.items is None else f"{n.var}[{show_items(n.items)}]"
        return f"{n.kind}({show(n.f)}, {var})"
    return "?"


def show_item(i: IndexItem) -> str:
    if i is None:
        return ":"
    if isinstance(i, IndexExpr):
        return show(i.node)
    if isinstance(i, Slice):
        return ("" if i.lo is None else show_item(i.lo)) + ":" + ("" if i.hi is None else show_item(i.hi))
    return str(i)


def show_items(items: tuple[IndexItem, ...]) -> str:
    return ", ".join(show_item(i) for i in items)


def candidate_terms(n: Node) -> list[tuple[int, Node]]:
    """The top-level terms, and each parenthesised sum among them as one term too (``x + (z - 1)``: the
    slip may be the whole of ``z - 1``): what a missing or extra term is looked for among."""
    out = terms(n)

    def groups(sign: int, m: Node) -> None:
        if isinstance(m, Neg):
            groups(-sign, m.x)
        elif isinstance(m, Bin) and m.op in ("+", "-"):
            groups(sign, m.a)
            s = sign if m.op == "+" else -sign
            if isinstance(m.b, Bin) and m.b.op in ("+", "-") and (s, m.b) not in out:
                out.append((s, m.b))         # a sum as a right operand was written in parentheses
            groups(s, m.b)
    groups(1, n)
    return out


def terms(n: Node) -> list[tuple[int, Node]]:
    """The top-level additive terms of a node, with their signs (a derivative of a sum: one per term)."""
    if isinstance(n, Bin) and n.op in "+-" and len(n.op) == 1:
        sign = 1 if n.op == "+" else -1
        return terms(n.a) + [(s * sign, t) for s, t in terms(n.b)]
    if isinstance(n, Neg):
        return [(-s, t) for s, t in terms(n.x)]
    if isinstance(n, Calculus) and len(inner := terms(n.f)) > 1:    # a derivative of a sum: the sum of the derivatives
        return [(s, Calculus(n.kind, t, n.var, n.items)) for s, t in inner]
    return [(1, n)]
