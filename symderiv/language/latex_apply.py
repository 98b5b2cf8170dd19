"""Functions applied in LaTeX: ``\\log(x)``, ``\\log x``, ``\\tanh^2(x)``, ``\\sigma'(x)``, ``\\max(a, b)``.

Mixed into ``latex_reader._Reader``, whose token and grammar methods it calls.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any

from .functions import FUNCTIONS
from .latex_macros import ACCENTS, ELEMENTWISE, GREEK, WORD_MACROS, _greek_arg, _word
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
        elif r.peek().kind == "num":
            args = [self.bare_number_argument(fn, at)]
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

    def bare_number_argument(self, fn: str, at: Tok) -> Node:
        """The argument of ``\\sin 2x``, ``\\log 2\\pi\\sigma^2``: a number and the symbols written after it,
        up to another function, an operator or the end; a bracket there is ambiguous (``\\sin 2(x + 1)``)."""
        r: Any = self          # the reader this is mixed into
        node = r.postfix(r.primary())
        while self.starts_symbol(r.peek()):
            t = r.peek()
            node = r.product(node, r.postfix(r.primary()), t)
        t = r.peek()
        if t.kind == "group" or (t.kind == "op" and t.text in "(["):
            raise r.fail(t, f"a bracket after \\{fn} and a number is ambiguous (more of the argument, or a factor "
                            f"after {fn}): write the whole argument in parentheses, \\{fn}(2(x + 1)), or "
                            f"\\{fn}(2) \\cdot (x + 1)")
        return node

    def starts_symbol(self, t: Tok) -> bool:
        """Does a symbol start at the token (a name, a Greek letter, an accent), not a function or a number?"""
        r: Any = self          # the reader this is mixed into
        if t.kind == "letter":
            k, word = 0, ""
            while (u := r.peek(k)).kind == "letter" or (word and u.kind == "num" and u.text.isdigit()):
                if word and u.pos != r.peek(k - 1).end:
                    break
                word, k = word + u.text, k + 1
            after = r.peek(k)
            return not (word in FUNCTIONS and after.kind == "op" and after.text in "('")
        if t.kind != "macro":
            return False
        name = t.text
        if name in WORD_MACROS:
            name = _word(t.args) or _greek_arg(t) or ""
            if name in FUNCTIONS or name.lower() in FUNCTIONS:
                return r.scope.declared(name)
            return bool(name)
        if name in GREEK:
            return r.scope.declared(name) or name not in FUNCTIONS
        return name in ACCENTS

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

