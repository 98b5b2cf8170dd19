"""The fixed table of LaTeX commands a formula may use, and what each one reads as.

Every command not handled here is refused with the part of the formula that holds
it (``\\input``, ``\\def``, ``\\newcommand``, ``\\sum``, ...): nothing is expanded.
"""
from __future__ import annotations

from typing import Any

from .functions import FUNCTIONS
from .latex_tokens import Tok, tokens
from .parsing import Name, Node

GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota",
         "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "varrho", "sigma", "tau", "upsilon", "phi", "varphi",
         "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi",
         "Omega"}
ACCENTS = {"hat": "hat", "widehat": "hat", "bar": "bar", "overline": "bar", "tilde": "tilde", "widetilde": "tilde"}
FUNCTION_MACROS = {"ln": "log"}               # \exp, \log, \tanh, \sqrt, \sigma, ... are their own names
WORD_MACROS = {"mathrm", "operatorname", "mathbf", "boldsymbol", "bm", "mathit", "mathsf"}
TRANSPOSE = {"T", "top", "intercal", "mathsf"}
PRODUCT_MACROS = {"cdot", "times"}
ELEMENTWISE_MACROS = {"odot", "circ"}
NORMS = {"lVert": "rVert", "|": "|", "Vert": "Vert"}
REFUSED = {"sum": "sums", "prod": "products", "int": "integrals", "lim": "limits"}
ELEMENTWISE = {"exp", "log", "sqrt", "tanh", "sigma", "sigmoid", "relu", "abs", "softplus", "swish", "gelu", "erf",
               "sin", "cos", "tan", "arctan", "sinh", "cosh"}


class MacroReading:
    """The LaTeX reader's commands, mixed into ``latex_reader._Reader`` (whose methods ``r`` calls)."""

    def macro(self, t: Tok) -> Node:
        """A command (``\\frac``, ``\\sqrt``, a Greek letter, a function, ...) at the reader's position."""
        r: Any = self          # the reader this is mixed into
        name = t.text
        if name in REFUSED:
            raise r.fail(t, f"{REFUSED[name]} (\\{name}) are not read; write the terms out, or use "
                            "\\operatorname{sum}(...) for the sum of an array's entries")
        if name in ("frac", "dfrac", "tfrac"):
            r.advance()
            return r.frac(t)
        if name == "sqrt":
            r.advance()
            if len(t.args) > 1 and t.args[0] is not None:
                raise r.fail(t, "only the square root \\sqrt{...} is read, not \\sqrt[n]{...}")
            if not t.args or t.args[-1] is None:
                raise r.fail(t, "\\sqrt needs an argument in braces: \\sqrt{x}")
            return r.call("sqrt", [r.group_expr([t.args[-1]], t)], t)
        if name in ACCENTS:
            r.advance()
            base = _word(t.args) or _greek_arg(t)
            if base is None:
                raise r.fail(t, f"\\{name} is read only over one letter or name, as in \\{name}{{y}}")
            return r.name(f"{base}_{ACCENTS[name]}", t)
        if name in WORD_MACROS:
            r.advance()
            word = _word(t.args)
            greek = _greek_arg(t) if word is None else None
            if greek is not None:             # \boldsymbol{\theta} is \theta
                return self.greek(greek, t)
            if word is None:
                raise r.fail(t, f"\\{name}{{...}} is read only around a plain name or a Greek letter")
            fn = word if word in FUNCTIONS else word.lower() if word.lower() in FUNCTIONS else None
            if fn is not None and not r.scope.declared(word):
                return r.apply(fn, t)
            return r.name(word, t)
        if name in GREEK:
            r.advance()
            return self.greek(name, t)
        if name in FUNCTIONS or name in FUNCTION_MACROS:
            r.advance()
            return r.apply(FUNCTION_MACROS.get(name, name), t)
        if name == "nabla":
            r.advance()
            if not r.is_op("_"):
                raise r.fail(t, "\\nabla is read with a subscript: \\nabla_x f")
            us = r.advance()
            var_toks = r.script_tokens(us)
            var, items = r.variable(r.sub_reader(var_toks, t).primary_only(), t)
            return r.derivative(r.term(), var, items, t, kind="grad")
        if name in NORMS:
            r.advance()
            close = NORMS[name]
            inner = int(close == name)     # \| and \Vert close what they open
            r.norms += inner
            node = r.expr()
            r.norms -= inner
            end = r.peek()
            if not (end.kind == "macro" and end.text == close):
                raise r.fail(end, f"expected \\{close} to close \\{name} at character {t.pos + 1}")
            r.advance()
            if r.is_op("_"):         # \|x\|_2, \|X\|_F: what `norm` is; \|x\|_1, \|x\|_0, \|X\|_2 are other norms
                at = r.advance()
                sub = "".join(tok.text for tok in r.script_tokens(at))
                if not (sub == "F" or (sub == "2" and 1 in r.shape(node, t))):
                    raise r.fail(at, f"\\|...\\|_{sub} is not read: norm is the Euclidean norm of a vector "
                                     "(\\|x\\|_2) and the Frobenius norm of a matrix (\\|X\\|_F)")
            return r.call("norm", [node], t)
        if name == "partial":
            raise r.fail(t, "\\partial is read only in \\frac{\\partial f}{\\partial x}")
        raise r.fail(t, f"\\{name} is not a command symderiv reads (nothing is expanded or defined)")


    def greek(self, name: str, t: Tok) -> Node:
        """A Greek letter already read: the declared symbol, pi, or the function (``\\sigma`` the sigmoid)."""
        r: Any = self          # the reader this is mixed into
        if r.scope.declared(name) or name not in FUNCTIONS:
            if name == "pi" and not r.scope.declared(name) and not r.is_op("_"):
                return Name("pi")
            return r.name(name, t)
        return r.apply(name, t)

    def frac(self, t: Tok) -> Node:
        """``\\frac{a}{b}``; ``\\frac{d}{dx}`` and ``\\frac{\\partial}{\\partial x}`` (operators on what follows);
        ``\\frac{df}{dx}`` and ``\\frac{\\partial f}{\\partial x}``."""
        r: Any = self          # the reader this is mixed into
        if len(t.args) != 2 or t.args[0] is None or t.args[1] is None:
            raise r.fail(t, "\\frac needs two arguments")
        num = tokens([t.args[0]], r.text)[:-1]
        den = tokens([t.args[1]], r.text)[:-1]
        if num and num[0].kind == "group":
            num = tokens(list(num[0].args), r.text)[:-1] if len(num) == 1 else num
        if den and den[0].kind == "group":
            den = tokens(list(den[0].args), r.text)[:-1] if len(den) == 1 else den
        marker = _derivative_marker(num, den)
        if marker is not None:
            var, items = r.variable(r.sub_reader(den[1:], t).primary_only(), t)
            if len(num) == 1:
                f = r.term()
            else:
                f = r.sub_reader(num[1:], t).whole()
            return r.derivative(f, var, items, t)
        a = r.group_expr([t.args[0]], t)
        b = r.group_expr([t.args[1]], t)
        return r.binop("/", a, b, at=t)

    def sub_reader(self, toks: list[Tok], at: Tok) -> "_TokReader":
        """A reader of the same kind over tokens already split off (the parts of a \\frac, a \\nabla subscript)."""
        return _TokReader(self, toks, at)


def _derivative_marker(num: list[Tok], den: list[Tok]) -> str | None:
    """``partial`` or ``d`` when the fraction is a derivative: both parts start with it, the bottom has more."""
    def mark(ts: list[Tok]) -> str | None:
        if not ts:
            return None
        if ts[0].kind == "macro" and ts[0].text == "partial":
            return "partial"
        if ts[0].kind == "letter" and ts[0].text == "d":
            return "d"
        if ts[0].kind == "macro" and ts[0].text == "mathrm" and _word_of(ts[0]) == "d":
            return "d"
        return None
    m = mark(num)
    if m is None or mark(den) != m or len(den) < 2:
        return None
    return m


def _word_of(t: Tok) -> str | None:
    return _word(t.args)


def _greek_arg(t: Tok) -> str | None:
    from pylatexenc.latexwalker import LatexCharsNode, LatexGroupNode, LatexMacroNode

    if not t.args or t.args[0] is None:
        return None
    n = t.args[0]
    nodes = n.nodelist if isinstance(n, LatexGroupNode) else [n]
    nodes = [c for c in nodes if not (isinstance(c, LatexCharsNode) and not c.chars.strip())]    # { \theta }
    if len(nodes) == 1 and isinstance(nodes[0], LatexMacroNode) and nodes[0].macroname in GREEK:
        return nodes[0].macroname
    return None


class _TokReader:
    """A reader over a list of tokens already split off (the parts of a \\frac, a \\nabla subscript)."""

    def __init__(self, r: Any, toks: list[Tok], at: Tok) -> None:
        end = toks[-1].end if toks else at.end
        self.r = type(r)(list(toks) + [Tok("end", "", end, end)], r.text, r.scope, r.depth + 1)
        self.at = at

    def whole(self) -> Node:
        node = self.r.expr()
        self.r.expect_end()
        return node

    def primary_only(self) -> Node:
        if self.r.peek().kind == "end":
            raise self.r.fail(self.at, "expected the variable of the derivative")
        node = self.r.postfix(self.r.primary())
        self.r.expect_end()
        return node


def _word(args: tuple) -> str | None:
    """The plain letters of a command's one argument (``\\mathrm{softmax}`` gives ``softmax``)."""
    from pylatexenc.latexwalker import LatexCharsNode, LatexGroupNode
    if not args or args[0] is None:
        return None
    n = args[0]
    nodes = n.nodelist if isinstance(n, LatexGroupNode) else [n]
    if not all(isinstance(c, LatexCharsNode) for c in nodes):
        return None
    word = "".join(c.chars for c in nodes).strip()
    return word if word and all(ch.isalnum() or ch == "_" for ch in word) else None

