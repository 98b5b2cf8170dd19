"""A square root made rational by a change of variables: layer norm's sqrt(var + eps).

The exact stage treats ``sqrt(u)`` as a piece, a symbol of its own, so it never sees
``sqrt(u)**2 = u`` inside a sum: layer norm's compact backward formula was proved only
where ``simplify`` could help (the smallest sizes) and checked numerically above them.

When the differences hold exactly one square root, and its argument is ``u = c*v + w`` for
a symbol v (a real or positive scalar or entry, c a nonzero rational) that w does not
contain, write v = (s*s - w) / c for a new positive symbol s.  Then u = s*s, and
sqrt(u) = s wherever u > 0, since s > 0.  Let F(x, v) be a difference and
G(x, s) = F(x, (s*s - w(x)) / c) with the root replaced by s.  If G is the zero rational
function (the exact test, with its error bound), then F is 0 at every point (x, v) of its
domain: there u > 0, and s = sqrt(u) > 0 gives v back, so F(x, v) = G(x, s) = 0.  Only this
direction is needed, and it holds whatever else v appears in (v is replaced everywhere, the
other pieces rebuilt through the graph's exact rewrites).  ``fastproof`` tries the change only
for differences the usual test did not show zero, so no proof is lost to it.
"""
from __future__ import annotations

from fractions import Fraction

from . import dag
from .reverse import substitute


def rationalised(roots: list[dag.Node]) -> list[dag.Node] | None:
    """The differences with their one square root written as a new positive symbol (above); None when they
    hold no square root, more than one, or one whose argument has no symbol to solve for."""
    if not roots:
        return None
    g = roots[0].g
    roots_of = [n for n in dag.post_order(roots) if n.op == dag.SQRT]
    if len(roots_of) != 1:
        return None
    root = roots_of[0]
    u = root.args[0]
    if u.op != dag.ADD:
        return None
    for k, term in enumerate(u.args):
        v, c = _scaled_symbol(term)
        if v is None:
            continue
        rest = u.args[:k] + u.args[k + 1:]
        if v in dag.reachable(list(rest)):
            continue
        name = ("root", v.data)
        g.positive_vars.add(name)
        s = g.var(name)
        w = g.add(rest) if rest else g.zero
        value = g.mul((g.const(1 / c), g.add((g.mul((s, s)), g.neg(w)))))
        return substitute(g, roots, {v: value, root: s})
    return None


def _scaled_symbol(term: dag.Node) -> tuple[dag.Node | None, Fraction]:
    """(v, c) when the term is c * v for a symbol v of the claim (not pi, an index's or a label's 0/1 value)."""
    c: Fraction = Fraction(1)
    if term.op == dag.MUL and len(term.args) == 2 and term.args[0].op == dag.CONST:
        c, term = Fraction(term.args[0].data), term.args[1]
    if term.op != dag.VAR or not isinstance(term.data, str) or term.data == "pi" or not c:
        return None, c
    return term, c
