"""Is the later step defined wherever the earlier one is?  (Contract v1.1.)

Equal values where both steps are defined is what the exact stage shows; a step is also wrong
when it is undefined on an open set where the step before is defined (``u`` then ``sqrt(u)**2``:
the graph and SymPy both rewrite the second to ``u``, and a hole where u < 0 may be too narrow
for any sample point).  The open-set restrictions are the argument of ``log``, ``sqrt``,
``logdet`` and of a non-integer power; poles and kinks are sets of measure zero and excused.

A restriction of the later step is *implied* when the step before has a restriction on the very
same argument (written the same way once defines are written out), or when the argument is
positive by its form (declared positive symbols, sizes, ``exp``, ``sigma``, ``softmax``,
``softplus``, positive constants, and sums, products, quotients and powers of those; 1 or more minus
``sigma``, an entry of ``softmax`` or ``tanh`` squared, each below 1; an even power,
``u * u``, ``u.T @ u``, ``abs`` or ``norm`` of an expression without piecewise functions or roots,
which is 0 on a set of measure zero only; ``relu`` and ``sqrt`` are nonnegative, which a square root
and a positive power accept, and a nonnegative plus a positive is positive).  ``unimplied`` lists the
others: such a pair is not proved, whatever its values (the witness search then looks for a point of
the hole).  Functions are known by their table names (``ln`` is ``log``, ``tr`` is ``trace``).
"""
from __future__ import annotations

import dataclasses
from typing import Any

from ..building.evaluate import Program
from ...language.functions import FUNCTIONS
from ...language.parsing import Bin, Call, Index, Name, Neg, Node, Num, Transpose
from ...language.piecewise import NAMES as PIECEWISE
from ...language.reading import POSITIVE_KINDS
from ...language.showing import show

POSITIVE_FUNCTIONS = frozenset({"exp", "sigma", "softmax", "softplus", "ones"})
# positive when every argument is (not diag: its entries off the diagonal are 0)
SUMS = frozenset({"sum", "mean", "trace", "outer", "kron", "hstack", "vstack", "max", "min"})
NEEDS_POSITIVE = ("log", "logdet")
TAKES_DET = ("inv", "solve", "logdet")   # the adjugate over det(A), and log(det(A)): undefined where det(A) = 0


def unimplied(program: Program, earlier: Node, later: Node) -> list[str]:
    """The restrictions of ``later`` neither implied by ``earlier``'s nor by their argument's form, in words
    ("the log of x - 1"); empty when the later step is defined wherever the earlier one is (as far as forms
    show)."""
    before = {arg for _, arg, _ in _restrictions(program, earlier)}
    out = []
    for what, arg, needs in _restrictions(program, later):
        if arg in before:
            continue
        if _positive(program, arg) or (needs == "nonnegative" and _nonnegative(program, arg)):
            continue
        words = f"the {what} of {show(arg, 40)}"
        if words not in out:
            out.append(words)
    return out


def divisors(program: Program, node: Node) -> list[tuple[str, Node]]:
    """(what the step takes, in words, and the value that must not be identically 0) for every value the step
    (its defines entered) divides by or takes the log of: the determinant taken by ``inv``, ``solve`` and
    ``logdet``, the divisor of ``/``, the base of a negative power, the argument of ``log``.  Where every entry
    of one of them is identically 0 (X.T @ X of an n x k X with k > n is singular for every X), the step is
    defined at no point at all."""
    out: list[tuple[str, Node]] = []
    for n in program.walk([node]):
        fn = _fn(n)
        if fn in TAKES_DET and n.args and not isinstance(n.args[0], (int, str)):
            what = "log-determinant" if fn == "logdet" else "inverse"
            out.append((f"{what} of {show(n.args[0], 40)}, whose determinant is identically 0",
                        Call("det", (n.args[0],))))
        elif fn == "log" and n.args and not isinstance(n.args[0], (int, str)):
            out.append((f"log of {show(n.args[0], 40)}, which is identically 0", n.args[0]))
        elif isinstance(n, Bin) and n.op == "/":
            out.append((f"quotient by {show(n.b, 40)}, which is identically 0", n.b))
        elif isinstance(n, Bin) and n.op == "**" and _negative_constant(n.b):
            out.append((f"negative power of {show(n.a, 40)}, which is identically 0", n.a))
    unique: dict[Node, str] = {}
    for words, sub in out:
        unique.setdefault(sub, words)
    return [(words, sub) for sub, words in unique.items()]


def _negative_constant(n: Node) -> bool:
    return (isinstance(n, Num) and n.value < 0) or (isinstance(n, Neg) and isinstance(n.x, Num) and n.x.value > 0)


def _restrictions(program: Program, node: Node) -> list[tuple[str, Node, str]]:
    """(what, argument, "positive"/"nonnegative") for every open-set restriction in the step and its
    defines; each argument written out (``_inline``), so that equal arguments compare equal."""
    out = []
    for n in program.walk([node]):
        fn = _fn(n)
        if fn in NEEDS_POSITIVE + ("sqrt",) and n.args and not isinstance(n.args[0], (int, str)):
            needs = "nonnegative" if fn == "sqrt" else "positive"
            if fn == "logdet":              # log(det(A)): one restriction, however it is written
                out.append(("log", Call("det", (n.args[0],)), needs))
            else:
                out.append((fn, n.args[0], needs))
        elif isinstance(n, Bin) and n.op == "**" and isinstance(n.b, Num) and n.b.value.denominator != 1:
            out.append(("power " + str(n.b.value), n.a, "nonnegative" if n.b.value > 0 else "positive"))
    return [(what, _inline(program, arg), needs) for what, arg, needs in out]


def _fn(n: Any) -> str | None:
    """The table's name of a call's function (an alias such as ``ln`` is ``log``); None for anything else."""
    if not isinstance(n, Call):
        return None
    f = FUNCTIONS.get(n.fn)
    return f.name if f is not None else n.fn


def _inline(program: Program, node: Any, depth: int = 0) -> Any:
    """The node with every define written out (a define's name as itself beyond a depth: no cycles reach here)."""
    if isinstance(node, Name) and node.name in program.defines and depth < 50:
        return _inline(program, program.defines[node.name], depth + 1)
    if isinstance(node, (Num, Name)) or not dataclasses.is_dataclass(node):
        return node
    changes = {}
    for f in dataclasses.fields(node):
        v = getattr(node, f.name)
        if isinstance(v, tuple):
            changes[f.name] = tuple(_inline(program, x, depth) if dataclasses.is_dataclass(x) else x for x in v)
        elif dataclasses.is_dataclass(v):
            changes[f.name] = _inline(program, v, depth)
    return dataclasses.replace(node, **changes) if changes else node


def _smooth(program: Program, n: Any) -> bool:
    """No piecewise function, root or fractional power in it (sqrt(x*x) is |x|): such an expression is
    analytic, and zero on a set of measure zero only unless it is zero everywhere (then the step is
    defined nowhere, which the proof reports)."""
    for m in program.walk([n]):
        if _fn(m) in PIECEWISE or _fn(m) == "sqrt":
            return False
        if isinstance(m, Bin) and m.op == "**" and not (isinstance(m.b, Num) and m.b.value.denominator == 1):
            return False
    return True


def _positive(program: Program, n: Any) -> bool:
    """Positive, or positive but on a set of measure zero (an even power or abs of a smooth expression)."""
    if isinstance(n, Num):
        return n.value > 0
    if isinstance(n, Name):
        decl = program.symbols.get(n.name)
        return n.name == "pi" or (decl is not None and (decl.kind in POSITIVE_KINDS or decl.kind == "dim"))
    if isinstance(n, (Index, Transpose)):
        return _positive(program, n.x)
    if isinstance(n, Call):
        fn, args = _fn(n), [a for a in n.args if not isinstance(a, (int, str))]
        if fn in POSITIVE_FUNCTIONS:
            return True
        if fn in ("abs", "norm") and args:
            return _smooth(program, args[0])
        if fn == "sqrt" and args:
            return _positive(program, args[0])
        return fn in SUMS and bool(args) and all(_positive(program, a) for a in args)
    if isinstance(n, Bin):
        if n.op == "+":
            return (_positive(program, n.a) and _nonnegative(program, n.b)) or \
                (_nonnegative(program, n.a) and _positive(program, n.b))
        if n.op == "-":                 # 1 - sigma(x), 1 - softmax(v)[i], 1 - tanh(x)**2: each below 1
            return isinstance(n.a, Num) and n.a.value >= 1 and _below_one(n.b)
        if _square(n):
            return _smooth(program, n.a)
        if n.op in ("*", "/", "@"):
            return _positive(program, n.a) and _positive(program, n.b)
        if n.op == "**":
            return _positive(program, n.a)
    return False


def _below_one(n: Any) -> bool:
    """Below 1 wherever it is defined: sigma, an entry of softmax, tanh squared."""
    if isinstance(n, Index) and _fn(n.x) == "softmax":
        return True
    if isinstance(n, Bin) and n.op == "**" and _square(n) and _fn(n.a) == "tanh" and n.b.value > 0:
        return True          # tanh**2, tanh**4, ...: below 1; tanh**-2 is above 1
    if isinstance(n, Bin) and n.op == "*" and _square(n) and _fn(n.a) == "tanh":
        return True
    return _fn(n) == "sigma"


def _square(n: Bin) -> bool:
    """u ** (even), u * u, u.T @ u: nonnegative, whatever u is."""
    if n.op == "**":
        return isinstance(n.b, Num) and n.b.value.denominator == 1 and n.b.value.numerator % 2 == 0
    if n.op == "*":
        return n.a == n.b
    if n.op == "@":
        return (isinstance(n.a, Transpose) and n.a.x == n.b) or (isinstance(n.b, Transpose) and n.b.x == n.a)
    return False


def _nonnegative(program: Program, n: Any) -> bool:
    if _positive(program, n):
        return True
    if isinstance(n, Bin) and _square(n):
        return True
    if isinstance(n, Call):
        fn, args = _fn(n), [a for a in n.args if not isinstance(a, (int, str))]
        if fn in ("abs", "relu", "sqrt"):
            return True
        return fn in ("sum", "mean", "trace") and bool(args) and _nonnegative(program, args[0])
    if isinstance(n, Bin):
        if n.op == "+":
            return _nonnegative(program, n.a) and _nonnegative(program, n.b)
        if n.op in ("*", "/"):
            return _nonnegative(program, n.a) and _nonnegative(program, n.b)
    if isinstance(n, (Index, Transpose)):
        return _nonnegative(program, n.x)
    return False

