"""The SymPy arrays of two adjacent steps at an instance, built once for everything that needs them.

A refuted pair needs its steps' SymPy arrays at the same instances several times over:
the certifier evaluates them on balls, the diagnosis tests its classes on them, the
``**`` hint reads what evaluating them noticed, the counterexample shown is looked for
on them, and a piecewise claim names the region of its point from them.  Each used to
build its own (evaluating every derivative again); the pair's ``StepValues`` builds them
once per instance and hands out the same evaluator and arrays.  A build that raises is
not kept: the next caller builds again and meets the same error, as before.
"""
from __future__ import annotations

import numpy as np

from .arrays import evaluator as symbolic_evaluator
from .evaluate import Evaluator, Instance, Program
from ...language.parsing import Node


class StepValues:
    def __init__(self, program: Program, a: Node, b: Node, used: set[str]) -> None:
        self.program, self.a, self.b, self.used = program, a, b, used
        self._built: dict[int, tuple[Instance, Evaluator, np.ndarray, np.ndarray]] = {}

    def at(self, inst: Instance) -> tuple[Evaluator, np.ndarray, np.ndarray]:
        """The evaluator at ``inst`` (its environment names the symbols) and both steps' arrays there,
        the earlier step evaluated first (so the evaluator's ``hints`` come in the order a fresh one gives)."""
        hit = self._built.get(id(inst))
        if hit is None or hit[0] is not inst:       # keyed by identity; the instance is kept, so ids stay unique
            ev = symbolic_evaluator(self.program, self.used, inst)
            a = ev.value(self.a)
            b = ev.value(self.b)
            hit = (inst, ev, a, b)
            self._built[id(inst)] = hit
        return hit[1], hit[2], hit[3]
