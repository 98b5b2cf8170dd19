"""Replacing the non-rational pieces of an expression by fresh symbols, soundly.

The exact stage of ``proving`` decides rational functions; this module makes one of
any expression: every ``exp``, ``log``, root or other non-rational piece becomes a
symbol, the same piece always the same symbol.  Treating the pieces as independent
symbols can only lose a proof (an identity that needs a relation between them),
never make a false one: if the rational function is zero for every value of its
symbols, it is zero for the values the pieces take.  A few rewrites keep common
relations visible, each exact: ``exp(a + 2b) = E_a * E_b**2``, ``exp(-a) = 1/E_a``,
``x**(p/q) = x**k * (x**(1/q))**r``, and ``log(e^a * y) = a + log(y)`` for real a.
"""
from __future__ import annotations

from typing import Any

import sympy as sp


class Atoms:
    """Replaces the non-rational pieces of expressions by fresh symbols, consistently."""

    def __init__(self) -> None:
        self.symbols: dict[Any, sp.Symbol] = {}
        self.cache: dict[sp.Basic, sp.Basic] = {}

    def atom(self, key: Any) -> sp.Symbol:
        s = self.symbols.get(key)
        if s is None:
            s = self.symbols[key] = sp.Dummy(f"a{len(self.symbols)}")
        return s

    def rational(self, e: sp.Basic) -> sp.Basic:
        hit = self.cache.get(e)
        if hit is not None:
            return hit
        r = self._rational(e)
        self.cache[e] = r
        return r

    def _rational(self, e: sp.Basic) -> sp.Basic:
        if e.is_Symbol or e.is_Rational:
            return e
        if e.is_Add or e.is_Mul:
            return e.func(*[self.rational(a) for a in e.args], evaluate=False)
        if e.is_Pow:
            base, x = e.args
            if x.is_Integer:
                return sp.Pow(self.rational(base), x, evaluate=False)
            if x.is_Rational:
                k, r = divmod(int(x.p), int(x.q))
                root = self.atom(("root", base, int(x.q)))
                parts = [sp.Pow(root, r, evaluate=False)]
                if k:
                    parts.append(sp.Pow(self.rational(base), k, evaluate=False))
                return sp.Mul(*parts, evaluate=False)
            return self.atom(e)
        if isinstance(e, sp.exp):
            return self._exp(e)
        if isinstance(e, sp.log):
            return self._log(e)
        return self.atom(e)

    def _log(self, e: sp.Basic) -> sp.Basic:
        """log(exp(a1) * ... * exp(ak) * y) = a1 + ... + ak + log(y), for real a_i and any y != 0.

        Multiplying by e^a > 0 does not change y's argument, so the identity holds for
        the principal logarithm whatever the sign of y; it needs every a_i real,
        which ``_real_form`` only grants to expressions that are real wherever defined.
        """
        factors = sp.Mul.make_args(e.args[0])
        exps = [f for f in factors if isinstance(f, sp.exp) and _real_form(f.args[0])]
        if not exps:
            return self.atom(e)
        rest = [f for f in factors if not (isinstance(f, sp.exp) and _real_form(f.args[0]))]
        parts = [self.rational(f.args[0]) for f in exps]
        if rest:
            parts.append(self.atom(sp.log(sp.Mul(*rest))))
        return sp.Add(*parts, evaluate=False)

    def _exp(self, e: sp.Basic) -> sp.Basic:
        arg = _expand_polynomial_terms(e.args[0])
        factors = []
        for m, c in arg.as_coefficients_dict().items():
            if not c.is_Rational:
                return self.atom(e)
            if c.is_Integer:
                factors.append(sp.Pow(self.atom(("exp", m)), c, evaluate=False))
            else:
                a = self.atom(("exp", abs(c) * m))
                factors.append(a if c > 0 else sp.Pow(a, -1, evaluate=False))
        return sp.Mul(*factors, evaluate=False)


def _real_form(e: sp.Basic) -> bool:
    """Is ``e`` real wherever it is defined: real symbols, rationals, + * integer powers, exp?"""
    if e.is_Symbol:
        return bool(e.is_real)
    if e.is_Rational:
        return True
    if e.is_NumberSymbol:
        return bool(e.is_real)
    if e.is_Add or e.is_Mul:
        return all(_real_form(a) for a in e.args)
    if e.is_Pow:
        return bool(e.exp.is_Integer) and _real_form(e.base)
    if isinstance(e, sp.exp):
        return _real_form(e.args[0])
    return False


def _expand_polynomial_terms(arg: sp.Basic) -> sp.Basic:
    """``arg`` with each polynomial term expanded and every other term kept as it is.

    Full ``expand`` of an argument holding rational functions (a softmax of a tanh
    layer) is slow and not needed: two arguments that differ only inside such a
    term get different atoms, which can only lose a proof (the atoms are then
    treated as independent), never make one.
    """
    terms = sp.Add.make_args(arg)
    if all(t.is_polynomial() for t in terms):
        return sp.expand(arg)
    return sp.Add(*[sp.expand(t) if t.is_polynomial() else t for t in terms])
