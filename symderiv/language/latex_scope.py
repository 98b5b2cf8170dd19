"""What a LaTeX formula may name (the reader's scope), apart from the reader so both its halves can use it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from .parsing import Namespace, Node
from .shapes import ShapeScope


@dataclass(frozen=True)
class Scope:
    """What a LaTeX formula may name: the namespace, and the shapes of symbols and defines."""

    ns: Namespace
    shapes: ShapeScope

    @staticmethod
    def of(ns: Namespace, symbols: Mapping[str, tuple[str, tuple[str | int, ...]]],
           defines: Mapping[str, Node]) -> "Scope":
        return Scope(ns, ShapeScope(symbols, defines))

    def declared(self, name: str) -> bool:
        return self.ns.describe(name) not in (None, "constant")
