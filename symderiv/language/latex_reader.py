"""The grammar of a LaTeX formula: a precedence parser over ``latex_tokens`` tokens.

Sums and differences of terms; a term is a product of factors, written with ``*``,
``/``, ``\\cdot``, ``\\times``, ``\\odot``, ``\\circ``, ``\\div`` or nothing at all
(juxtaposition), all binding equally, left to right; a factor is a primary with its
superscripts and subscripts.  ``latex_macros`` reads the commands, ``latex_build``
makes the nodes (and decides juxtaposition and derivatives from shapes).
"""
from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from .functions import FUNCTIONS
from .latex_apply import FunctionReading
from .latex_build import _Builder
from .latex_macros import ELEMENTWISE_MACROS, GREEK, PRODUCT_MACROS, TRANSPOSE, MacroReading, _word
from .latex_tokens import LatexError, Tok, excerpt, tokens
from .parsing import MAX_DEPTH, Bin, Call, Index, IndexItem, Name, Neg, Node, Num, Transpose
from .showing import show

if TYPE_CHECKING:
    from .latex_scope import Scope


class _Reader(MacroReading, FunctionReading, _Builder):
    def __init__(self, toks: list[Tok], text: str, scope: "Scope", depth: int = 0) -> None:
        self.toks, self.text, self.scope, self.k, self.depth = toks, text, scope, 0, depth
        self.bars = 0                       # inside |...|: a bar closes rather than opens
        self.norms = 0                      # inside \|...\| or \Vert...\Vert: \| and \Vert close

    # ------------------------------------------------------------ tokens
    def peek(self, ahead: int = 0) -> Tok:
        return self.toks[min(self.k + ahead, len(self.toks) - 1)]

    def advance(self) -> Tok:
        t = self.peek()
        self.k = min(self.k + 1, len(self.toks) - 1)
        return t

    def is_op(self, text: str, ahead: int = 0) -> bool:
        t = self.peek(ahead)
        return t.kind == "op" and t.text == text

    def fail(self, t: Tok, reason: str) -> LatexError:
        shown = excerpt(self.text, t.pos, t.end) if t.kind != "end" else "the end of the formula"
        return LatexError(f"cannot read `{shown}` (character {t.pos + 1} of the LaTeX): {reason}")

    def expect(self, text: str, opened: Tok) -> None:
        if not self.is_op(text):
            raise self.fail(self.peek(), f"expected {text!r} to close {opened.text!r} at character {opened.pos + 1}")
        self.advance()

    def expect_end(self) -> None:
        if self.peek().kind != "end":
            t = self.peek()
            raise self.fail(t, "this does not continue the formula" if t.kind != "macro"
                            else f"\\{t.text} is not a command symderiv reads here")

    def sub(self, nodes: tuple | list | None, at: Tok) -> "_Reader":
        if self.depth > MAX_DEPTH:
            raise self.fail(at, f"nested more than {MAX_DEPTH} levels deep")
        return _Reader(tokens(list(nodes or []), self.text), self.text, self.scope, self.depth + 1)

    def group_expr(self, nodes: tuple | list | None, at: Tok) -> Node:
        r = self.sub(nodes, at)
        if r.peek().kind == "end":
            raise self.fail(at, "an empty group {} where an expression is needed")
        node = r.expr()
        r.expect_end()
        return node

    # ------------------------------------------------------------ grammar
    def expr(self) -> Node:
        self.depth += 1
        if self.depth > 3 * MAX_DEPTH:
            raise self.fail(self.peek(), f"nested more than {MAX_DEPTH} levels deep")
        node = self.term()
        while self.is_op("+") or self.is_op("-"):
            op = self.advance().text
            node = self.binop(op, node, self.term())
        self.depth -= 1
        return node

    def term(self) -> Node:
        if self.is_op("-") or self.is_op("+"):       # a sign applies to the whole product after it: -a b is -(a b)
            sign = self.advance().text
            x = self.term()
            return x if sign == "+" else Num(-x.value) if isinstance(x, Num) else Neg(x)
        node = self.unary()
        while True:
            t = self.peek()
            if t.kind == "op" and t.text in "*/":
                self.advance()
                node = self.binop(t.text, node, self.unary())
            elif t.kind == "macro" and t.text in PRODUCT_MACROS | ELEMENTWISE_MACROS | {"div"}:
                self.advance()
                rhs = self.unary()
                if t.text == "div":
                    node = self.binop("/", node, rhs)
                elif t.text in ELEMENTWISE_MACROS:
                    node = self.binop("*", node, rhs, at=t)
                else:
                    node = self.product(node, rhs, t, dot=t.text == "cdot")
            elif self.starts_primary(t):
                node = self.product(node, self.postfix(self.primary()), t)
            else:
                return node

    def unary(self) -> Node:
        if self.is_op("-"):
            self.advance()
            x = self.unary()
            return Num(-x.value) if isinstance(x, Num) else Neg(x)
        if self.is_op("+"):
            self.advance()
            return self.unary()
        return self.postfix(self.primary())

    def starts_primary(self, t: Tok) -> bool:
        if t.kind in ("num", "letter", "group"):
            return True
        if t.kind == "op":
            return t.text in "([" or (t.text == "|" and not self.bars)
        if t.kind == "macro" and t.text in ("Vert", "|"):        # 2\|w\|: a norm opens after a factor
            return not self.norms
        return t.kind == "macro" and t.text not in PRODUCT_MACROS | ELEMENTWISE_MACROS | {"div", "rVert"}

    def postfix(self, node: Node) -> Node:
        while True:
            if self.is_op("^"):
                at = self.advance()
                if self.transpose_mark():
                    node = node if isinstance(node, Num) else Transpose(node)    # a number is its own transpose
                    continue
                if self.transpose_mark(inverse=True):                            # X^{-T}: the inverse's transpose
                    node = self.binop("**", node, Num(Fraction(-1)), at=at) if self.scalar(node) \
                        else Transpose(Call("inv", (node,)))
                    continue
                power = self.script(at)
                if isinstance(node, Call) and node.fn == "exp" and node.args == (Num(Fraction(1)),):
                    node = Call("exp", (power,))      # e^{x}
                elif power == Num(Fraction(-1)) and not self.scalar(node):
                    if "inv" not in FUNCTIONS:
                        raise self.fail(at, "^{-1} of a matrix is its inverse, which symderiv does not read here")
                    node = Call("inv", (node,))
                elif isinstance(power, Num) and power.value < 0 and not self.scalar(node):
                    raise self.ambiguous_power(node, power, at)
                elif isinstance(power, Num) and power.value > 1 and power.value.denominator == 1 \
                        and not self.scalar(node) and self.square(node, at):
                    raise self.ambiguous_square(node, power, at)
                else:
                    node = self.binop("**", node, power, at=at)
            elif self.is_op("_"):
                at = self.advance()
                node = Index(node, self.index_items(self.script_tokens(at), at))
            elif self.is_op("'"):
                raise self.fail(self.peek(), "a prime is read only right after a function, as in \\sigma'(x)")
            else:
                return node

    def ambiguous_power(self, node: Node, power: Num, at: Tok) -> LatexError:
        """``A^{-2}`` of an array: a power of the inverse on paper, of each entry in numpy's ``**``."""
        entries = f"each entry's power in an expression step, {show(Bin('**', node, power))}"
        rows, cols = self.shape(node, at)
        k = -power.value
        if rows != cols or k.denominator != 1:
            return self.fail(at, f"a negative power of a {self.scope.shapes.describe((rows, cols))} array is not "
                                 f"read (only ^{{-1}} of a square matrix, its inverse); write {entries}")
        a = node.name if isinstance(node, Name) else "(...)"
        product = " ".join([f"{a}^{{-1}}"] * int(k)) if k <= 4 else f"{a}^{{-1}} {a}^{{-1}} ..."
        return self.fail(at, f"a negative power of a matrix other than ^{{-1}} is ambiguous (a power of the "
                             f"inverse, or of each entry): write the matrix power as a product, {product}, "
                             f"or {entries}")

    def square(self, node: Node, at: Tok) -> bool:
        rows, cols = self.shape(node, at)
        return rows == cols and rows != 1

    def ambiguous_square(self, node: Node, power: Num, at: Tok) -> LatexError:
        """``A^2`` of a square matrix: the matrix power on paper, each entry squared in numpy's ``**``."""
        a = node.name if isinstance(node, Name) else "(...)"
        k = int(power.value)
        product = " ".join([a] * k) if k <= 4 else f"{a} {a} ..."
        return self.fail(at, f"a power of a square matrix is ambiguous (the matrix power, or each entry's "
                             f"power): write the matrix power as a product, {product}, or each entry's power "
                             f"in an expression step, {show(Bin('**', node, power))}")

    def transpose_mark(self, inverse: bool = False) -> bool:
        """Is the superscript a transpose mark (``^T``, ``^\\top``, ...), or with ``inverse`` one after a
        minus sign (``^{-T}``, ``^{-\\top}``)?  Consumed when it is."""
        t = self.peek()
        marks = [t]
        if t.kind == "group":
            inner = tokens(list(t.args), self.text)
            marks = inner[:-1]
        if inverse:
            if t.kind != "group" or len(marks) != 2 or not (marks[0].kind == "op" and marks[0].text == "-"):
                return False
            marks = marks[1:]
        if len(marks) == 1 and marks[0].text in TRANSPOSE and marks[0].kind in ("letter", "macro"):
            if marks[0].text == "mathsf" and not _word(marks[0].args) == "T":
                return False
            self.advance()
            return True
        return False

    def script(self, at: Tok) -> Node:
        """The operand of ``^`` or ``_``: a group, or one character or command."""
        t = self.peek()
        if t.kind == "group":
            self.advance()
            return self.group_expr(t.args, t)
        if t.kind == "num" and len(t.text) > 1 and "." not in t.text:   # x^23 is x^2 times 3, as in TeX
            self.toks[self.k] = Tok("num", t.text[1:], t.pos + 1, t.end)
            return Num(Fraction(int(t.text[0])))
        if t.kind in ("num", "letter") or (t.kind == "macro" and t.text in GREEK):
            return self.primary()
        if self.is_op("-") and self.peek(1).kind in ("num", "letter"):
            self.advance()
            return self.binop("-", Num(Fraction(0)), self.primary())
        raise self.fail(t if t.kind != "end" else at, "expected a superscript or subscript here")

    def script_tokens(self, at: Tok) -> list[Tok]:
        t = self.advance()
        if t.kind == "group":
            return tokens(list(t.args), self.text)[:-1]
        if t.kind in ("letter", "num", "macro"):
            if t.kind == "num" and len(t.text) > 1 and "." not in t.text:
                self.k -= 1
                self.toks[self.k] = Tok("num", t.text[1:], t.pos + 1, t.end)
                return [Tok("num", t.text[0], t.pos, t.pos + 1)]
            return [t]
        raise self.fail(t if t.kind != "end" else at, "expected a subscript here")

    def joined_index(self, toks: list[Tok]) -> str | None:
        """The index symbol a run of letters and digits spells (``k1``, ``kk``), if it is one."""
        if len(toks) < 2 or not all(t.kind in ("letter", "num") for t in toks):
            return None
        word = "".join(t.text for t in toks)
        return word if self.scope.ns.kinds.get(word) == "index" else None

    def index_items(self, toks: list[Tok], at: Tok) -> tuple[IndexItem, ...]:
        if (word := self.joined_index(toks)) is not None:     # u_{k1}: one index named k1, not k and 1
            return (word,)
        parts: list[list[Tok]] = [[]]
        for t in toks:
            if t.kind == "op" and t.text == ",":
                parts.append([])
            else:
                parts[-1].append(t)
        if len(parts) == 1 and len(toks) == 2:      # A_{ij}
            parts = [[toks[0]], [toks[1]]]
        items: list[IndexItem] = []
        for p in parts:
            if len(p) == 1 and p[0].kind == "num" and "." not in p[0].text:
                items.append(int(p[0].text))
            elif len(p) == 1 and p[0].kind == "op" and p[0].text == ":":
                items.append(None)
            elif len(p) == 1 and p[0].kind in ("letter", "macro") and self.scope.ns.kinds.get(_tok_name(p[0])) == "index":
                items.append(_tok_name(p[0]))
            else:
                raise self.fail(at, "a subscript here must be an index symbol or an integer (or name a declared "
                                    "symbol, as v_c does)")
        if len(items) > 2:
            raise self.fail(at, "at most two indices")
        return tuple(items)

    # ------------------------------------------------------------ primaries
    def primary(self) -> Node:
        t = self.peek()
        if t.kind == "num":
            self.advance()
            return Num(Fraction(t.text))
        if t.kind == "letter":
            return self.letters()
        if t.kind == "group":
            self.advance()
            return self.group_expr(t.args, t)
        if t.kind == "op" and t.text in "([":
            self.advance()
            node = self.expr()
            self.expect(")" if t.text == "(" else "]", t)
            return node
        if t.kind == "op" and t.text == "|":
            self.advance()
            self.bars += 1
            node = self.expr()
            self.bars -= 1
            self.expect("|", t)
            return Call("abs", (node,))
        if t.kind == "macro":
            return self.macro(t)
        raise self.fail(t, "expected an expression here")

    def letters(self) -> Node:
        """The longest declared name starting here (letters written together), or a function, or e."""
        run: list[Tok] = []
        while True:       # letters written together, and digits right after them (W1, b2)
            t = self.peek(len(run))
            digits = t.kind == "num" and t.text.isdigit()
            if not (t.kind == "letter" or (run and digits)) or (run and t.pos != run[-1].end):
                break
            run.append(t)
        word = "".join(t.text for t in run)
        after = self.peek(len(run))
        if word in FUNCTIONS and after.kind == "op" and after.text in "('":
            self.k += len(run)
            return self.apply(word, run[0])
        subscripted = after.kind == "op" and after.text == "_" and after.pos == run[-1].end
        for j in range(len(run), 0, -1):
            name = "".join(t.text for t in run[:j])
            if j == len(run) and subscripted:
                self.k += j
                found = self.subscripted(name, run[0])
                if found is not None:
                    return found
                self.k -= j
            if self.scope.declared(name) or name == "pi":
                self.k += j
                return Name(name)
        if word[0] == "e":
            self.advance()
            return Call("exp", (Num(Fraction(1)),))
        raise self.fail(run[0], _unknown(word[0], word))

    def subscripted(self, base: str, at: Tok) -> Node | None:
        """``base_sub`` after ``base`` was read: a declared ``base_sub`` or ``basesub``, else ``base[sub]``."""
        save = self.k
        us = self.advance()
        toks = self.script_tokens(us)
        sub = "".join(_tok_name(t) for t in toks if t.kind != "op" or t.text == ",").replace(",", "")
        for name in (f"{base}_{sub}", f"{base}{sub}"):
            if sub and self.scope.declared(name):
                return Name(name)
        if self.scope.declared(base):
            return Index(Name(base), self.index_items(toks, at))
        column = base.upper() if len(base) == 1 and base.islower() else None
        if column and self.scope.ns.kinds.get(column) == "matrix" and (len(toks) == 1 or self.joined_index(toks)):
            return Index(Name(column), (None,) + self.index_items(toks, at))     # u_k is column k of U
        self.k = save
        return None

    def name(self, base: str, at: Tok) -> Node:
        """A name from a command (Greek letter, accent, \\mathrm{...}), with its subscript if any."""
        if self.is_op("_"):
            found = self.subscripted(base, at)
            if found is not None:
                return found
        if self.scope.declared(base) or base == "pi":
            return Name(base)
        raise self.fail(at, _unknown(base, base))


def _tok_name(t: Tok) -> str:
    return t.text


def _unknown(letter: str, word: str) -> str:
    where = f" (in {word!r})" if word != letter else ""
    return f"unknown name {letter!r}{where}: not a declared symbol or define"

