"""A document's parsed program: its symbols and defines, and the names an expression uses.

``Program.build`` parses every define once (a define that cannot be parsed is recorded
as invalid, with its located message, and so is anything that uses it); ``parse_step``
parses a claim's step in the same namespace.  The scans here (``walk``, ``names_used``,
``depends_on``) follow defines, so a step's symbols are found through them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from ...language.parsing import (Bin, Calculus, Call, Index, IndexExpr, IndexItem, Name, Namespace, Neg, Node,
                                 ParseError, Slice, Transpose, parse)
from ...language.latex import Scope, is_latex, read_latex
from ...language.reading import Document, SymbolDecl
from ...language.shapes import ShapeScope


class ProgramError(ValueError):
    """A define or claim that cannot be parsed; the message is located (file:line: ...)."""


@dataclass(frozen=True)
class Program:
    """A document's symbols and parsed defines: everything a claim's steps may refer to."""

    doc: Document
    symbols: dict[str, SymbolDecl]
    defines: dict[str, Node]
    invalid: dict[str, str]
    parsed: dict[str, Node] = field(default_factory=dict, compare=False, repr=False)   # step text -> tree

    @staticmethod
    def build(doc: Document) -> "Program":
        symbols = {s.name: s for s in doc.symbols}
        invalid = dict(doc.invalid)
        kinds = {s.name: s.kind for s in doc.symbols}
        defines: dict[str, Node] = {}
        for d in doc.defines:
            ns = Namespace(_with_invalid(kinds, invalid), frozenset(defines))
            try:
                defines[d.name] = _parse_checked(d.text, ns, invalid, _shapes(symbols, defines))
            except ParseError as e:
                invalid[d.name] = f"{doc.path}:{d.line}: define {d.name!r}: {e}"
        return Program(doc, symbols, defines, invalid)

    def parse_step(self, text: str) -> Node:
        """The step's tree; parsed once per program (a claim's steps are read again by its readings, its
        tex check and its tex pairs), errors every time (they are rare, and raised afresh)."""
        hit = self.parsed.get(text)
        if hit is None:
            kinds = {s: d.kind for s, d in self.symbols.items()}
            hit = self.parsed[text] = _parse_checked(text, Namespace(_with_invalid(kinds, self.invalid),
                                                                     frozenset(self.defines)),
                                                     self.invalid, self.shape_scope())
        return hit

    def shape_scope(self) -> ShapeScope:
        """Shapes of the symbols and defines, for working out a parsed tree's shape without evaluating it."""
        return _shapes(self.symbols, self.defines)

    def walk(self, nodes: list[Node]) -> Iterator[Node]:
        """Every node of the expressions, each define they use entered once (for scans such as
        "does a step take a derivative" or "is there a piecewise function")."""
        seen: set[str] = set()
        stack: list[Node] = list(nodes)
        while stack:
            n = stack.pop()
            yield n
            if isinstance(n, Name) and n.name in self.defines and n.name not in seen:
                seen.add(n.name)
                stack.append(self.defines[n.name])
            elif isinstance(n, (Neg, Transpose, Index)):
                stack.append(n.x)
            elif isinstance(n, Bin):
                stack.extend((n.a, n.b))
            elif isinstance(n, Call):
                stack.extend(a for a in n.args if not isinstance(a, (int, str)))
            elif isinstance(n, Calculus):
                stack.append(n.f)

    def names_used(self, nodes: list[Node]) -> set[str]:
        """Symbol names the nodes use, following defines."""
        seen: set[str] = set()
        stack = list(nodes)
        while stack:
            n = stack.pop()
            for name in _names(n):
                if name in seen:
                    continue
                seen.add(name)
                if name in self.defines:
                    stack.append(self.defines[name])
                decl = self.symbols.get(name)
                if decl:
                    seen.update(x for x in decl.dims if isinstance(x, str))
        return {n for n in seen if n in self.symbols}


def _with_invalid(kinds: dict[str, str], invalid: dict[str, str]) -> dict[str, str]:
    out = dict(kinds)
    out.update({k: "invalid" for k in invalid})
    return out


def _shapes(symbols: dict[str, SymbolDecl], defines: dict[str, Node]) -> ShapeScope:
    return ShapeScope({n: (s.kind, s.dims) for n, s in symbols.items()}, dict(defines))


def _parse_checked(text: str, ns: Namespace, invalid: dict[str, str], shapes: ShapeScope) -> Node:
    """An expression, or a LaTeX formula when the text is written between dollars."""
    node = read_latex(text, Scope(ns, shapes)) if is_latex(text) else parse(text, ns)
    for name in _all_names(node):
        if name in invalid:
            raise ParseError(f"uses {name!r}, which is invalid: {invalid[name]}")
    return node


def _names(n: Node) -> Iterator[str]:
    if isinstance(n, Name):
        yield n.name
    elif isinstance(n, (Neg, Transpose)):
        yield from _names(n.x)
    elif isinstance(n, Bin):
        yield from _names(n.a)
        yield from _names(n.b)
    elif isinstance(n, Index):
        yield from _names(n.x)
        yield from _item_names(n.items)
    elif isinstance(n, Call):
        for a in n.args:
            if isinstance(a, str):
                yield a
            elif not isinstance(a, int):
                yield from _names(a)
    elif isinstance(n, Calculus):
        yield n.var
        yield from _item_names(n.items or ())
        yield from _names(n.f)


def _item_names(items: tuple[IndexItem, ...]) -> Iterator[str]:
    for i in items:
        if isinstance(i, str):
            yield i
        elif isinstance(i, IndexExpr):
            yield from _names(i.node)
        elif isinstance(i, Slice):
            yield from _item_names((i.lo, i.hi))


def depends_on(program: "Program", name: str, var: str) -> bool:
    """Does the define ``name`` use ``var``, directly or through other defines?"""
    seen: set[str] = set()
    stack = [name]
    while stack:
        n = stack.pop()
        if n == var:
            return True
        if n in seen or n not in program.defines:
            continue
        seen.add(n)
        stack.extend(_names(program.defines[n]))
    return False


def _all_names(n: Node) -> set[str]:
    return set(_names(n))
