"""Calculus on the expression graph (``dag``): reverse-mode derivatives and substitution.

Derivatives are new nodes of the same graph, built with the textbook local rules (sum,
product, integer power, and the pieces: d exp(u) = exp(u) du, d log(u) = du / u,
d sqrt(u) = du / (2 sqrt(u))), so a derivative of a derivative works and the result goes
through the same exact test as any other node.  ``substitute`` rebuilds nodes with some
variables replaced (a derivative by a define: its fresh variables by the define's value),
through the graph's rewrites, so both sides of a claim get the same pieces.
"""
from __future__ import annotations

from .dag import ADD, EXP, LOG, MUL, POW, SQRT, Graph, Node, Unsupported, children, post_order


def gradients(g: Graph, root: Node, targets: list[Node]) -> dict[Node, Node]:
    """d root / d t for each target variable it depends on (absent: 0), by reverse mode."""
    wanted = set(targets)
    depends: dict[Node, bool] = {}
    order: list[Node] = []
    for n in post_order([root]):
        kids = n.kids
        if kids:
            d = depends[n] = any(depends[a] for a in kids)
            if d:
                order.append(n)
        else:
            depends[n] = n in wanted
    if not depends.get(root):
        return {}
    adjoint: dict[Node, list[Node]] = {root: [g.one]}
    for n in reversed(order):
        parts = adjoint.pop(n, None)
        if not parts:
            continue
        bar = g.add(parts)
        for child, local in _local(g, n, depends):
            adjoint.setdefault(child, []).append(g.mul((bar, local)))
    return {t: g.add(adjoint[t]) for t in targets if t in adjoint}

def _local(g: Graph, n: Node, depends: dict[Node, bool]) -> list[tuple[Node, Node]]:
    op, args = n.op, n.args
    if op == ADD:
        return [(a, g.one) for a in args if depends[a]]
    if op == MUL:
        if len(args) <= 3:
            return [(a, g.mul(args[:i] + args[i + 1:])) for i, a in enumerate(args) if depends[a]]
        # the product of the other factors, from prefix and suffix products: linear in the number of
        # factors (a softmax numerator exp(u . v) is a product of d pieces), not quadratic
        n = len(args)
        prefix, suffix = [g.one] * (n + 1), [g.one] * (n + 1)
        for i in range(n):
            prefix[i + 1] = _product(g, prefix[i], args[i])
            suffix[n - 1 - i] = _product(g, args[n - 1 - i], suffix[n - i])
        return [(a, _product(g, prefix[i], suffix[i + 1])) for i, a in enumerate(args) if depends[a]]
    if op == POW:
        base, k = args
        return [(base, g.mul((g.const(k), g.pow(base, k - 1))))]
    if op == EXP:
        return [(args[0], n)]
    if op == LOG:
        return [(args[0], g.pow(args[0], -1))]
    if op == SQRT:
        return [(args[0], g.mul((g.half, g.pow(n, -1))))]
    raise Unsupported(f"no derivative rule for op {op}")

def substitute(g: Graph, roots: list[Node], values: dict[Node, Node]) -> list[Node]:
    """The roots with each key of ``values`` (a variable) replaced, rebuilt through the rewrites."""
    memo: dict[Node, Node] = {}
    for n in post_order(roots):
        if n in values:
            memo[n] = values[n]
            continue
        kids = children(n)
        new = [memo[k] for k in kids]
        if all(a is b for a, b in zip(new, kids)):
            memo[n] = n
        elif n.op == ADD:
            memo[n] = g.add(new)
        elif n.op == MUL:
            memo[n] = g.mul(new)
        elif n.op == POW:
            memo[n] = g.pow(new[0], n.args[1])
        elif n.op == EXP:
            memo[n] = g.exp(new[0])
        elif n.op == LOG:
            memo[n] = g.log(new[0])
        else:
            memo[n] = g.sqrt(new[0])
    return [memo[r] for r in roots]


def _product(g: Graph, a: Node, b: Node) -> Node:
    """a * b as one binary node, not flattened: for the derivative's partial products only (they are
    never the argument of a piece, where the flattened form keeps the two sides' pieces the same)."""
    if a is g.one:
        return b
    if b is g.one:
        return a
    return g._node(MUL, (a, b))
