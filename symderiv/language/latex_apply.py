"""Functions applied in LaTeX: ``\\log(x)``, ``\\log x``, ``\\tanh^2(x)``, ``\\sigma'(x)``, ``\\max(a, b)``.

Mixed into ``latex_reader._Reader``, whose token and grammar methods it calls.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any

from .functions import FUNCTIONS
from .latex_macros import ELEMENTWISE
from .latex_tokens import Tok
from .parsing import Bin, Calculus, Call, Name, Node, Num
from .showing import show

MAX_PRIMES = 3          # up to \sigma'''(x); a fourth derivative is written with \frac{d}{dx}


class FunctionReading:
    """Applying a function of the table, mixed into the LaTeX reader."""

    def apply(self, fn: str, at: Tok) -> Node:
        """A function applied: ``\\log(x)``, ``\\log x``, ``\\tanh^2(x)``, ``\\sigma'(x)``."""
        r: Any = self          # the reader this is mixed into
        power: Node | None = None
        primes = 0                        # \sigma''(x) is the second derivative, \sigma' '(x) too
        while r.is_op("^") or r.is_op("'"):
            if r.advance().text == "'":
                primes += 1
            else:
                power = r.script(at)
                if isinstance(power, Num) and power.value < 0 or isinstance(power, Bin) and power.op == "-" \
                        and power.a == Num(Fraction(0)):
                    raise r.fail(at, f"a negative power of a function name (\\{fn}^{{-1}}) is not read: it means "
                                     f"the inverse function to some and 1/{fn} to others; write 1/\\{fn}(x), or "
                                     "the inverse function by its name")
        if r.is_op("_"):
            raise r.fail(at, f"a subscript on {fn} (a base, \\log_2) is not read; write \\log(x) / \\log(2)")
        if r.is_op("("):
            opened = r.advance()
            args = [r.expr()]
            while r.is_op(","):
                r.advance()
                args.append(r.expr())
            r.expect(")", opened)
        elif r.peek().kind == "group":
            g = r.advance()
            args = [r.group_expr(g.args, g)]
        elif r.starts_primary(r.peek()):
            args = [r.postfix(r.primary())]
        else:
            raise r.fail(at, f"{fn} needs an argument")
        if fn in ("max", "min") and len(args) == 2 and f"{fn}imum" in FUNCTIONS:
            fn = f"{fn}imum"                  # \max(0, x) is the binary maximum, as on paper
        node = r.call(fn, args, at)
        if primes:
            node = r.prime(fn, node, primes, at)
        return node if power is None else r.binop("**", node, power, at=at)

    def call(self, fn: str, args: list[Node], at: Tok) -> Node:
        r: Any = self          # the reader this is mixed into
        f = FUNCTIONS[fn]
        lo, hi = len(f.args) - f.optional, len(f.args)
        variadic = getattr(f, "variadic", False)
        if not lo <= len(args) <= (len(args) if variadic else hi):
            raise r.fail(at, f"{fn} takes {lo if lo == hi else f'{lo} or {hi}'}{' or more' if variadic else ''} "
                             f"argument(s), got {len(args)}")
        out: list[object] = []
        for kind, a in zip(list(f.args) + [f.args[-1]] * max(0, len(args) - hi), args):
            if kind == "a":
                out.append(a)
            elif isinstance(a, Num) and a.value.denominator == 1 and a.value >= 0:
                out.append(int(a.value))
            elif isinstance(a, Name) and r.scope.ns.kinds.get(a.name) == ("dim" if kind == "d" else "index"):
                out.append(a.name)
            else:
                raise r.fail(at, f"argument {show(a)} of {fn} must be a size, an index or an axis")
        node = Call(fn, tuple(out))  # type: ignore[arg-type]
        r.shape(node, at)
        return node

    def prime(self, fn: str, node: Call, primes: int, at: Tok) -> Node:
        """``\\sigma'(x)`` with ``primes`` primes: that many derivatives by the argument, nested."""
        r: Any = self          # the reader this is mixed into
        if fn not in ELEMENTWISE or len(node.args) != 1:
            raise r.fail(at, f"{fn}' is read only for an elementwise function")
        if primes > MAX_PRIMES:
            raise r.fail(at, f"at most {MAX_PRIMES} primes are read; write a higher derivative with \\frac{{d}}{{dx}}")
        var, items = r.variable(node.args[0], at)  # type: ignore[arg-type]
        out: Node = node
        for _ in range(primes):
            out = Calculus("diff", out, var, items)
        return out

