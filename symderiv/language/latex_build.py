"""Making nodes while reading LaTeX: products, derivatives and powers, decided from shapes."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .functions import CALCULUS, ShapeError
from .latex_tokens import LatexError, Tok
from .parsing import ARRAY_KINDS, MAX_POWER, Bin, Calculus, Call, Index, IndexItem, Name, Node, Num, ParseError, _fold
from .showing import show

if TYPE_CHECKING:
    from .latex_scope import Scope


class _Builder:
    scope: "Scope"

    def fail(self, t: Tok, reason: str) -> LatexError:
        raise NotImplementedError

    def peek(self, ahead: int = 0) -> Tok:
        raise NotImplementedError

    def variable(self, n: Node, at: Tok) -> tuple[str, tuple[IndexItem, ...] | None]:
        """What one differentiates with respect to: a declared symbol, or an entry or column of one."""
        base, items = (n.x, n.items) if isinstance(n, Index) else (n, None)
        if isinstance(base, Name) and self.scope.ns.kinds.get(base.name) in ARRAY_KINDS - {"onehot_rows"}:
            return base.name, items
        if isinstance(base, Name) and items is None and base.name in self.scope.ns.defines:
            return base.name, None          # a gradient by an intermediate (a define), as grad(L, s)
        raise self.fail(at, f"{show(n)} is not a declared scalar, vector or matrix symbol (or an entry of one) "
                            "to differentiate with respect to")

    def derivative(self, f: Node, var: str, items: tuple[IndexItem, ...] | None, at: Tok,
                   kind: str | None = None) -> Node:
        if kind is None:
            x = self.scope.shapes.of_symbol(var)
            sel = x if items is None else self.scope.shapes.index(x, items)
            fs = self.shape(f, at)
            if sel == (1, 1):
                kind = "diff"
            elif fs == (1, 1):
                kind = "grad"
            elif 1 in fs and 1 in sel:
                kind = "jacobian"
            else:
                raise self.fail(at, f"the derivative of a {self.scope.shapes.describe(fs)} array with respect to "
                                    f"a {self.scope.shapes.describe(sel)} array is not a vector or matrix")
        assert kind in CALCULUS
        return Calculus(kind, f, var, items)

    def shape(self, n: Node, at: Tok) -> tuple[int, int]:
        try:
            return self.scope.shapes.shape(n)
        except (ShapeError, KeyError, TypeError, ValueError, IndexError) as e:
            raise self.fail(at, f"the shapes do not fit: {e}") from None

    def scalar(self, n: Node) -> bool:
        try:
            return self.scope.shapes.shape(n) == (1, 1)
        except (ShapeError, KeyError, TypeError, ValueError, IndexError):
            return False

    def product(self, a: Node, b: Node, at: Tok, dot: bool = False) -> Node:
        """Juxtaposition (and \\cdot): ``*`` with a scalar, ``@`` between arrays, dot of equal vectors."""
        sa, sb = self.shape(a, at), self.shape(b, at)
        if sa == (1, 1) or sb == (1, 1):
            return self.binop("*", a, b)
        if dot and sa == sb and 1 in sa:
            return Call("dot", (a, b))
        if sa[1] == sb[0]:
            return Bin("@", a, b)
        d = self.scope.shapes.describe
        raise self.fail(at, f"cannot read a product of a {d(sa)} array and a {d(sb)} array "
                            "(use \\odot for an elementwise product, ^\\top for a transpose)")

    def binop(self, op: str, a: Node, b: Node, at: Tok | None = None) -> Node:
        if isinstance(a, Num) and isinstance(b, Num):
            try:
                return Num(_fold(op, a.value, b.value))
            except ParseError as e:
                raise self.fail(at or self.peek(), str(e)) from None
        if op == "**" and isinstance(b, Num) and abs(b.value.numerator) > MAX_POWER * b.value.denominator:
            raise self.fail(at or self.peek(), f"power {b.value} is too large (the limit is {MAX_POWER})")
        node = Bin(op, a, b)
        if at is not None:
            self.shape(node, at)
        return node

