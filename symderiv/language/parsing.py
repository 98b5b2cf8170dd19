"""A safe parser: expression text to a small typed tree, with no ``eval``.

``ast.parse(text, mode="eval")`` gives Python's syntax tree; ``_Converter`` accepts
only the node types, names, functions and the ``.T`` attribute the format allows,
and turns them into the frozen nodes below.  Text length, node count, nesting depth
and integer powers are bounded, so no text can make parsing (or later evaluation)
hang.
"""
from __future__ import annotations

import ast
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping, Union

from .functions import CALCULUS, FUNCTIONS
from .hints import attribute_message, describe, juxtaposition_hint, not_allowed_message, operator_message, suggestion

MAX_LENGTH = 20_000
MAX_NODES = 5_000
MAX_DEPTH = 100
MAX_POWER = 100          # |n| in x**n for a non-constant x
MAX_CONSTANT_BITS = 4_096


class ParseError(ValueError):
    """An expression that cannot be accepted; the message says why, for the user."""


# ---------------------------------------------------------------- the tree
@dataclass(frozen=True)
class Num:
    value: Fraction


@dataclass(frozen=True)
class Name:
    name: str            # a declared symbol, a define, or "pi"


@dataclass(frozen=True)
class Neg:
    x: "Node"


@dataclass(frozen=True)
class Bin:
    op: str              # one of + - * / ** @
    a: "Node"
    b: "Node"


@dataclass(frozen=True)
class Transpose:
    x: "Node"


@dataclass(frozen=True)
class IndexExpr:
    """Index arithmetic, ``k + 1`` or ``n - 1``: a tree of Num, Name (index symbols, dims), Neg and
    Bin (+ - *), whose value at an instance must be an integer in range."""

    node: "Node"


IndexBound = Union[int, str, IndexExpr, None]


@dataclass(frozen=True)
class Slice:
    """``lo:hi`` with numpy's meaning (hi excluded); a bound left out is None (the start or the end)."""

    lo: IndexBound
    hi: IndexBound


# an index item: an int literal, an index-symbol name, or None for ":" (the original three), or
# IndexExpr (index arithmetic) and Slice (a range of rows or columns)
IndexItem = Union[int, str, None, IndexExpr, Slice]


@dataclass(frozen=True)
class Index:
    x: "Node"
    items: tuple[IndexItem, ...]


@dataclass(frozen=True)
class Call:
    fn: str
    args: tuple["Arg", ...]


@dataclass(frozen=True)
class Calculus:
    kind: str            # diff, grad, jacobian
    f: "Node"
    var: str             # a declared symbol
    items: tuple[IndexItem, ...] | None   # a selection of it (U[:, o]), or None for all of it


Node = Union[Num, Name, Neg, Bin, Transpose, Index, Call, Calculus]
# arguments of a call are nodes, or (for d/i/x kinds) ints and names
Arg = Union[Node, int, str]

BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.MatMult: "@"}


@dataclass(frozen=True)
class Namespace:
    """What names an expression may use: symbol kinds by name, and the defines so far."""

    kinds: Mapping[str, str]          # name -> scalar/positive/dim/index/vector/matrix/...
    defines: frozenset[str]

    def describe(self, name: str) -> str | None:
        if name in self.kinds:
            return self.kinds[name]
        if name in self.defines:
            return "define"
        if name == "pi":
            return "constant"
        return None


ARRAY_KINDS = {"scalar", "positive", "vector", "matrix", "onehot_rows", "positive_vector", "positive_matrix"}


def parse(text: str, ns: Namespace) -> Node:
    if not isinstance(text, str):
        raise ParseError(f"an expression must be a string, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ParseError(f"expression too long ({len(text)} characters; the limit is {MAX_LENGTH})")
    if not text.strip():
        raise ParseError("empty expression")
    # a multi-line expression (a TOML \"\"\" string): line breaks are whitespace
    text = text.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
    _no_compatibility_forms(text)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        if "Exceeds the limit" in e.msg and "digits" in e.msg:       # Python's own words, with its own advice
            raise ParseError("an integer with more than 4300 digits; write it as a power (10**400)") from None
        shown = text.strip() if len(text.strip()) <= 80 else text.strip()[:79] + "…"   # the step is quoted already
        raise ParseError(f"syntax error in {shown!r}: {e.msg}" + (f" (column {e.offset})" if e.offset else "")
                         + juxtaposition_hint(text)) from None
    except (RecursionError, MemoryError, ValueError):
        raise ParseError("expression is nested too deeply to read (a sum or product of thousands of terms "
                         "nests as deeply as thousands of parentheses)") from None
    count = sum(1 for _ in ast.walk(tree))
    if count > MAX_NODES:
        raise ParseError(f"expression too large ({count} syntax nodes; the limit is {MAX_NODES})")
    return _Converter(text.strip(), ns).convert(tree.body, 0)


def _no_compatibility_forms(text: str) -> None:
    """Refuse a character Python reads as another (identifiers are NFKC: ``ｘ`` is ``x``, ``ﬁ`` is ``fi``):
    a claim showing two letters was checked as if it had one (``diff(x * ｘ, x) = 2*x`` was proved)."""
    if text.isascii() or unicodedata.normalize("NFKC", text) == text:
        return
    for col, ch in enumerate(text, 1):
        plain = unicodedata.normalize("NFKC", ch)
        if plain != ch:
            raise ParseError(f"the character {ch!r} (U+{ord(ch):04X}, column {col}) would be read as {plain!r}; "
                             f"write {plain!r} if that is what you mean")
    raise ParseError("the expression changes under Unicode normalisation (NFKC); write it in ASCII")


def constant_value(node: Node) -> Fraction | None:
    return node.value if isinstance(node, Num) else None


class _Converter:
    def __init__(self, text: str, ns: Namespace) -> None:
        self.text = text
        self.ns = ns

    def fail(self, msg: str) -> ParseError:
        return ParseError(msg)

    def convert(self, n: ast.AST, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise self.fail(f"expression nested more than {MAX_DEPTH} levels deep")
        d = depth + 1
        if isinstance(n, ast.Constant):
            return Num(self.number(n))
        if isinstance(n, ast.Name):
            return self.name(n.id)
        if isinstance(n, ast.UnaryOp):
            x = self.convert(n.operand, d)
            if isinstance(n.op, ast.UAdd):
                return x
            if isinstance(n.op, ast.USub):
                return Num(-x.value) if isinstance(x, Num) else Neg(x)
            raise self.fail(operator_message(n.op))
        if isinstance(n, ast.BinOp):
            op = BINOPS.get(type(n.op))
            if op is None:
                raise self.fail(operator_message(n.op))
            return self.binop(op, self.convert(n.left, d), self.convert(n.right, d))
        if isinstance(n, ast.Attribute):
            if n.attr != "T":
                raise self.fail(attribute_message(n, set(FUNCTIONS) | set(CALCULUS)))
            return Transpose(self.convert(n.value, d))
        if isinstance(n, ast.Subscript):
            return Index(self.convert(n.value, d), self.index_items(n.slice))
        if isinstance(n, ast.Call):
            return self.call(n, d)
        raise self.fail(not_allowed_message(n))

    def number(self, n: ast.Constant) -> Fraction:
        v = n.value
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise self.fail(f"{v!r} is not a number; only integers and decimals are allowed")
        if isinstance(v, int):
            if v.bit_length() > MAX_CONSTANT_BITS:
                raise self.fail("integer literal too large")
            return Fraction(v)
        literal = ast.get_source_segment(self.text, n) or repr(v)
        try:
            value = Fraction(literal.replace("_", ""))
        except (ValueError, ZeroDivisionError):
            raise self.fail(f"cannot read the number {literal!r}") from None
        if value.numerator.bit_length() > MAX_CONSTANT_BITS or value.denominator.bit_length() > MAX_CONSTANT_BITS:
            raise self.fail(f"number {literal!r} is too large or too precise")
        return value

    def name(self, name: str) -> Name:
        what = self.ns.describe(name)
        if what is None:
            if name in FUNCTIONS or name in CALCULUS:
                raise self.fail(f"{name} is a function; call it, e.g. {name}(x)")
            raise self.fail(_unknown(name, list(self.ns.kinds) + list(self.ns.defines)))
        return Name(name)

    def binop(self, op: str, a: Node, b: Node) -> Node:
        if isinstance(a, Num) and isinstance(b, Num):
            return Num(_fold(op, a.value, b.value))
        if op == "**":
            if isinstance(b, Num) and b.value.denominator == 1 and abs(b.value) > MAX_POWER:
                raise self.fail(f"power {b.value} is too large (the limit is {MAX_POWER})")
            if isinstance(b, Num) and abs(b.value.numerator) > MAX_POWER * b.value.denominator:
                raise self.fail(f"power {b.value} is too large (the limit is {MAX_POWER})")
        return Bin(op, a, b)

    def index_items(self, s: ast.AST) -> tuple[IndexItem, ...]:
        parts = s.elts if isinstance(s, ast.Tuple) else [s]
        if len(parts) > 2:
            raise self.fail("at most two indices are allowed: v[i] or A[i, j]")
        return tuple(self.index_item(p) for p in parts)

    def index_item(self, p: ast.AST) -> IndexItem:
        if isinstance(p, ast.Slice):
            if p.step is not None:
                raise self.fail("a slice step is not supported: write lo:hi (as in x[0:2] or A[:, 1:])")
            if p.lower is None and p.upper is None:
                return None
            lo = None if p.lower is None else self.index_item(p.lower)
            hi = None if p.upper is None else self.index_item(p.upper)
            return Slice(lo, hi)  # type: ignore[arg-type]
        if isinstance(p, ast.Constant) and isinstance(p.value, int) and not isinstance(p.value, bool):
            if p.value < 0:
                raise self.fail("indices are 0-based and not negative")
            return p.value
        if isinstance(p, ast.Name):
            kind = self.ns.kinds.get(p.id)
            if kind == "dim":
                return IndexExpr(Name(p.id))
            if kind != "index":
                raise self.fail(f"index {p.id!r} must be an integer or an index symbol"
                                + ("" if kind else f" ({p.id!r} is not declared)"))
            return p.id
        if isinstance(p, ast.UnaryOp) and isinstance(p.op, ast.USub) and isinstance(p.operand, ast.Constant):
            raise self.fail("indices are 0-based and not negative")
        if isinstance(p, (ast.BinOp, ast.UnaryOp)):
            return IndexExpr(self.index_arithmetic(p, 0))
        raise self.fail("an index must be an integer literal, an index symbol, index arithmetic (k + 1), "
                        "a slice (lo:hi) or ':'")

    def index_arithmetic(self, p: ast.AST, depth: int) -> Node:
        """``k + 1``, ``n - k - 1``, ``2 * k``: integers, index symbols and dims with + - *."""
        if depth > MAX_DEPTH:
            raise self.fail(f"index nested more than {MAX_DEPTH} levels deep")
        if isinstance(p, ast.Constant) and isinstance(p.value, int) and not isinstance(p.value, bool):
            if p.value.bit_length() > 64:
                raise self.fail("index literal too large")
            return Num(Fraction(p.value))
        if isinstance(p, ast.Name):
            if self.ns.kinds.get(p.id) not in ("index", "dim"):
                raise self.fail(f"index arithmetic may use integers, index symbols and dims; {p.id!r} is "
                                + (f"a {self.ns.describe(p.id)}" if self.ns.describe(p.id) else "not declared"))
            return Name(p.id)
        if isinstance(p, ast.UnaryOp) and isinstance(p.op, (ast.USub, ast.UAdd)):
            x = self.index_arithmetic(p.operand, depth + 1)
            return x if isinstance(p.op, ast.UAdd) else Neg(x)
        if isinstance(p, ast.BinOp) and type(p.op) in (ast.Add, ast.Sub, ast.Mult):
            return Bin(BINOPS[type(p.op)], self.index_arithmetic(p.left, depth + 1),
                       self.index_arithmetic(p.right, depth + 1))
        raise self.fail("index arithmetic may use integers, index symbols and dims with + - * only")

    def call(self, n: ast.Call, d: int) -> Node:
        if not isinstance(n.func, ast.Name):
            if isinstance(n.func, ast.Attribute):
                raise self.fail(attribute_message(n.func, set(FUNCTIONS) | set(CALCULUS)))
            raise self.fail(f"only named functions can be called, not {describe(n.func)}")
        fn = n.func.id
        if n.keywords:
            raise self.fail(f"{fn}() takes no keyword arguments")
        if any(isinstance(a, ast.Starred) for a in n.args):
            raise self.fail(f"{fn}() takes no starred arguments")
        if fn in CALCULUS:
            return self.calculus(fn, n.args, d)
        f = FUNCTIONS.get(fn)
        if f is None:
            if self.ns.describe(fn) is not None:
                raise self.fail(f"{fn} is a {self.ns.describe(fn)}, not a function")
            raise self.fail(_unknown(fn, list(FUNCTIONS) + list(CALCULUS), what="function"))
        if getattr(f, "variadic", False) and len(n.args) >= len(f.args):
            return Call(fn, tuple(self.arg(fn, f.args[-1], a, d) for a in n.args))
        lo, hi = len(f.args) - f.optional, len(f.args)
        if not lo <= len(n.args) <= hi:
            want = str(lo) if lo == hi else f"{lo} or {hi}"
            want += " or more" if getattr(f, "variadic", False) else ""
            raise self.fail(f"{fn}() takes {want} argument{'s' if hi > 1 else ''}, got {len(n.args)}")
        return Call(fn, tuple(self.arg(fn, kind, a, d) for kind, a in zip(f.args, n.args)))

    def arg(self, fn: str, kind: str, a: ast.AST, d: int) -> Arg:
        if kind == "a":
            return self.convert(a, d)
        if kind == "x":
            if isinstance(a, ast.Constant) and a.value in (0, 1) and not isinstance(a.value, bool):
                return int(a.value)
            hint = (f"; for the elementwise {fn}imum of two arrays use {fn}imum(a, b)" if fn in ("max", "min") else "")
            raise self.fail(f"the axis of {fn}() must be 0 (columns) or 1 (rows){hint}")
        want = "dim" if kind == "d" else "index"
        if isinstance(a, ast.Constant) and isinstance(a.value, int) and not isinstance(a.value, bool):
            if a.value < (1 if kind == "d" else 0):
                raise self.fail(f"{fn}(): {a.value} is not a valid {'size' if kind == 'd' else 'index'}")
            if kind == "d" and a.value > 10_000:
                raise self.fail(f"{fn}(): size {a.value} is too large")
            return int(a.value)
        if isinstance(a, ast.Name) and self.ns.kinds.get(a.id) == want:
            return a.id
        raise self.fail(f"{fn}() needs {'a size (a dim name or a positive integer)' if kind == 'd' else 'an index (an index symbol or an integer)'} here")

    def calculus(self, fn: str, args: list[ast.expr], d: int) -> Calculus:
        if len(args) != 2:
            raise self.fail(f"{fn}() takes 2 arguments: {fn}(f, x)")
        f = self.convert(args[0], d)
        v = args[1]
        items: tuple[IndexItem, ...] | None = None
        if isinstance(v, ast.Subscript):
            items = self.index_items(v.slice)
            v = v.value
        # a define that is itself invalid passes here: its own error is reported where the step is checked
        is_define = isinstance(v, ast.Name) and (v.id in self.ns.defines or self.ns.kinds.get(v.id) == "invalid")
        if not isinstance(v, ast.Name) or not (is_define or self.ns.kinds.get(v.id) in ARRAY_KINDS - {"onehot_rows"}):
            raise self.fail(f"{fn}(f, x): x must be a declared scalar, vector or matrix symbol or a define, "
                            "or a column, row or entry of one (e.g. U[:, o])")
        return Calculus(fn, f, v.id, items)


def _fold(op: str, a: Fraction, b: Fraction) -> Fraction:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op in ("*", "@"):
        return a * b
    if op == "/":
        if b == 0:
            raise ParseError("division by zero")
        return a / b
    # power of constants: only integer exponents are folded, and only while small
    if b.denominator != 1:
        raise ParseError(f"{a} ** {b}: a constant to a fractional power is not supported; write sqrt(...)")
    n = int(b)
    bits = max(a.numerator.bit_length(), a.denominator.bit_length())
    if abs(n) * max(bits, 1) > MAX_CONSTANT_BITS and abs(a) != 1 and a != 0:
        raise ParseError(f"constant power too large: {a} ** {n}")
    if a == 0 and n < 0:
        raise ParseError("division by zero (0 to a negative power)")
    return a ** n


def _unknown(name: str, known: list[str], what: str = "name") -> str:
    hint = suggestion(name, known)
    if what == "name":
        return f"unknown name {name!r}: not a declared symbol, a define, or a constant{hint}"
    return f"unknown function {name!r}{hint}"
