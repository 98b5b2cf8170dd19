"""The graph route's steps (``dag``) evaluated in ball arithmetic, for the certifier.

The certifier compares two independent computations of each step at a point: the
parsed tree on balls with forward-mode derivatives, and the prover's own symbolic
build.  The graph is the prover's build whenever the graph route can make it (its
derivatives come from reverse mode on the graph, never from the tree's duals), so
the certifier evaluates it here instead of building SymPy arrays; otherwise it
falls back to SymPy (``balls.sympy_values``).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import balls

from ..prove import dag
from .balls import R, Kink, Unsupported
from ..building.evaluate import Instance, Program
from ..prove.graphbuild import build
from ...language.parsing import Node


def graph_arrays(program: Program, used: set[str], inst: Instance, a: Node, b: Node
                 ) -> tuple[np.ndarray, np.ndarray, dict[dag.Node, tuple[str, tuple[int, int]]]] | None:
    """Both steps on the graph and which symbol entry each variable stands for; None when the graph
    cannot build them (or their shapes differ)."""
    got = build(program, used, inst, [a, b])
    if got is None:
        return None
    (va, vb), env = got
    if va.shape != vb.shape:
        return None
    where = {v: (name, (int(i), int(j))) for name, arr in env.items() for (i, j), v in np.ndenumerate(arr)
             if isinstance(v, dag.Node) and v.op == dag.VAR}
    return va, vb, where


def ball_values(nodes: list[Any], values: dict[dag.Node, Any]) -> list[R]:
    """Enclosures of graph nodes at a point (``values``: each variable's ball), each node once."""
    memo: dict[dag.Node, Any] = {}
    roots = [n for n in nodes if isinstance(n, dag.Node)]
    for n in dag.post_order(roots):
        op = n.op
        if op == dag.CONST:
            v = balls.lift(n.data)
        elif op == dag.VAR:
            if n in values:
                v = values[n]
            elif n.data == "pi":
                v = R(balls.arb.pi())
            else:
                raise Unsupported(f"no value for {n.data}")
        elif op in (dag.ADD, dag.MUL):
            f = balls.add if op == dag.ADD else balls.mul
            args = [memo[x] for x in n.args]
            v = args[0]
            for x in args[1:]:
                v = f(v, x)
        elif op == dag.POW:
            v = balls.power(memo[n.args[0]], balls.lift(n.args[1]))
        elif op == dag.EXP:
            v = balls.exp(memo[n.args[0]])
        elif op == dag.LOG:
            v = balls.log(memo[n.args[0]])
        else:
            v = balls.sqrt(memo[n.args[0]])
        memo[n] = v
    out = [memo[n] if isinstance(n, dag.Node) else balls.lift(n) for n in nodes]
    for v in out:
        if not isinstance(v, R) or not v.a.is_finite():
            raise Kink("a value that is not a finite real number")
    return out
