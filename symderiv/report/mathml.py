"""Expression text to presentation MathML, for the HTML report.

The text is read with ``ast.parse(text, mode="eval")`` and the syntax tree is walked;
nothing is ever evaluated.  Text that does not parse, is too long, or uses syntax the
walker does not know is shown as escaped ``<mtext>``.  No function here raises.
"""
from __future__ import annotations

import ast
import html
import re
from typing import Any

MAX_TEXT = 2_000
MAX_DEPTH = 60
MAX_VALUE_CELLS = 400

GREEK = {
    name: chr(code)
    for name, code in [
        ("alpha", 0x3B1), ("beta", 0x3B2), ("gamma", 0x3B3), ("delta", 0x3B4),
        ("epsilon", 0x3B5), ("zeta", 0x3B6), ("eta", 0x3B7), ("theta", 0x3B8),
        ("iota", 0x3B9), ("kappa", 0x3BA), ("lam", 0x3BB), ("mu", 0x3BC),
        ("nu", 0x3BD), ("xi", 0x3BE), ("pi", 0x3C0), ("rho", 0x3C1), ("sigma", 0x3C3),
        ("tau", 0x3C4), ("phi", 0x3C6), ("chi", 0x3C7), ("psi", 0x3C8), ("omega", 0x3C9),
        ("Gamma", 0x393), ("Delta", 0x394), ("Theta", 0x398), ("Lambda", 0x39B),
        ("Xi", 0x39E), ("Pi", 0x3A0), ("Sigma", 0x3A3), ("Phi", 0x3A6), ("Psi", 0x3A8),
        ("Omega", 0x3A9),
    ]
}
ACCENTS = {"hat": "^", "bar": "\u00af", "tilde": "~", "dot": "\u02d9", "vec": "\u2192"}
# functions shown with an upright name before their parenthesised arguments
NAMED = {"softmax": "softmax", "logsumexp": "logsumexp", "exp": "exp", "log": "log",
         "tanh": "tanh", "relu": "ReLU", "mean": "mean", "trace": "tr", "diag": "diag",
         "onehot": "onehot", "ones": "ones", "zeros": "zeros", "eye": "I", "numel": "numel"}
PARTIAL = "\u2202"
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")

# precedence: higher binds tighter
_ADD, _MUL, _UNARY, _POW, _POSTFIX, _ATOM = 1, 2, 3, 4, 5, 6
_BIN = {ast.Add: (_ADD, "+"), ast.Sub: (_ADD, "\u2212"), ast.Mult: (_MUL, "\u2218"),
        ast.MatMult: (_MUL, "\u2062"), ast.Div: (_MUL, "/"), ast.Pow: (_POW, "^"),
        ast.Mod: (_MUL, "mod"), ast.FloorDiv: (_MUL, "//")}


class _Unsupported(Exception):
    pass


def esc(text: object) -> str:
    """HTML/XML-escape any text, dropping characters XML does not allow."""
    return html.escape(_XML_BAD.sub("\ufffd", str(text)), quote=True)


def _math(body: str, display: str) -> str:
    mode = "block" if display == "block" else "inline"
    return f'<math display="{mode}">{body}</math>'


def _mtext(text: object) -> str:
    return f"<mtext>{esc(text)}</mtext>"


def to_mathml(text: str, display: str = "inline") -> str:
    """A ``<math>`` element showing the expression ``text``; never raises."""
    try:
        src = text if isinstance(text, str) else str(text)
        if len(src) > MAX_TEXT or not src.strip():
            return _math(_mtext(src[:MAX_TEXT] + ("\u2026" if len(src) > MAX_TEXT else "")), display)
        try:
            src = src.strip()
            tree = ast.parse(src, mode="eval")
            for c in ast.walk(tree):
                if isinstance(c, ast.Constant):
                    c.symderiv_text = ast.get_source_segment(src, c)  # type: ignore[attr-defined]
            body, _ = _node(tree.body, 0)
        except (SyntaxError, ValueError, _Unsupported, RecursionError, MemoryError):
            body = _mtext(src)
        return _math(f"<mrow>{body}</mrow>", display)
    except Exception:  # noqa: BLE001  # a last guard: the report must still be written
        return _math("<mtext>?</mtext>", display)


def value_to_mathml(value: Any, display: str = "inline") -> str:
    """A number, a vector or a matrix (nested lists) as MathML; anything else as text."""
    try:
        return _math(_value(value), display)
    except Exception:  # noqa: BLE001
        return _math("<mtext>?</mtext>", display)


def format_value(value: Any) -> str:
    """A short plain-text form of a counterexample value."""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    return str(value)


def _value(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        rows = [list(r) if isinstance(r, (list, tuple)) else [r] for r in value]
        cells = sum(len(r) for r in rows)
        if not rows or cells > MAX_VALUE_CELLS or any(isinstance(c, (list, tuple)) for r in rows for c in r):
            return _mtext(format_value(value))
        body = "".join("<mtr>" + "".join(f"<mtd>{_scalar(c)}</mtd>" for c in r) + "</mtr>" for r in rows)
        return f"<mrow><mo>[</mo><mtable>{body}</mtable><mo>]</mo></mrow>"
    return _scalar(value)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return _mtext(value)
    if isinstance(value, (int, float)):
        s = format_value(value)
        return f"<mrow><mo>\u2212</mo><mn>{esc(s[1:])}</mn></mrow>" if s.startswith("-") else f"<mn>{esc(s)}</mn>"
    s = str(value)
    if re.fullmatch(r"-?\d+(/\d+)?", s):
        neg, s = s.startswith("-"), s.lstrip("-")
        num, _, den = s.partition("/")
        body = f"<mfrac><mn>{num}</mn><mn>{den}</mn></mfrac>" if den else f"<mn>{num}</mn>"
        return f"<mrow><mo>\u2212</mo>{body}</mrow>" if neg else body
    return to_mathml(s)[len('<math display="inline">'):-len("</math>")]


# ---------------------------------------------------------------- the walker
def _name(name: str) -> str:
    """``v_c`` -> v with subscript c; ``y_hat`` -> y with a hat; ``sigma`` -> σ."""
    parts = name.split("_")
    if name in GREEK:
        return f"<mi>{GREEK[name]}</mi>"
    if not parts[0] or any(not p for p in parts):
        return f"<mi>{esc(name)}</mi>"
    base = f"<mi>{esc(GREEK.get(parts[0], parts[0]))}</mi>"
    subs: list[str] = []
    for p in parts[1:]:
        if p in ACCENTS:
            base = f'<mover accent="true">{base}<mo>{ACCENTS[p]}</mo></mover>'
        else:
            subs.append(GREEK.get(p, p))
    if subs:
        sub = "<mo>,</mo>".join(f"<mn>{esc(s)}</mn>" if s.isdigit() else f"<mi>{esc(s)}</mi>" for s in subs)
        return f"<msub>{base}<mrow>{sub}</mrow></msub>"
    return base


def _paren(body: str) -> str:
    return f"<mrow><mo>(</mo>{body}<mo>)</mo></mrow>"


def _wrap(item: tuple[str, int], least: int) -> str:
    body, prec = item
    return _paren(body) if prec < least else body


def _args(args: list[ast.expr], depth: int) -> str:
    return "<mo>,</mo>".join(_node(a, depth)[0] for a in args)


def _node(n: ast.AST, depth: int) -> tuple[str, int]:
    """The MathML of node ``n`` and its precedence."""
    if depth > MAX_DEPTH:
        raise _Unsupported("too deep")
    d = depth + 1
    if isinstance(n, ast.Constant):
        v = n.value
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise _Unsupported("constant")
        s = getattr(n, "symderiv_text", None) or (repr(v) if isinstance(v, float) else str(v))
        if len(s) > 60:
            raise _Unsupported("long number")
        return f"<mn>{esc(s)}</mn>", _ATOM
    if isinstance(n, ast.Name):
        return _name(n.id), _ATOM
    if isinstance(n, ast.UnaryOp):
        sign = {ast.USub: "\u2212", ast.UAdd: "+"}.get(type(n.op))
        if sign is None:
            raise _Unsupported("unary")
        return f"<mo>{sign}</mo>{_wrap(_node(n.operand, d), _UNARY)}", _UNARY
    if isinstance(n, ast.BinOp):
        return _binop(n, d)
    if isinstance(n, ast.Attribute):
        base = _wrap(_node(n.value, d), _POSTFIX)
        if n.attr == "T":
            return f'<msup>{base}<mi mathvariant="normal">T</mi></msup>', _POSTFIX
        return f"<mrow>{base}<mo>.</mo><mi>{esc(n.attr)}</mi></mrow>", _POSTFIX
    if isinstance(n, ast.Subscript):
        return _subscript(n, d)
    if isinstance(n, ast.Call):
        return _call(n, d)
    raise _Unsupported(type(n).__name__)


def _binop(n: ast.BinOp, d: int) -> tuple[str, int]:
    prec, op = _BIN.get(type(n.op), (0, ""))
    if not prec:
        raise _Unsupported("operator")
    left, right = _node(n.left, d), _node(n.right, d)
    if isinstance(n.op, ast.Div):
        return f"<mfrac><mrow>{left[0]}</mrow><mrow>{right[0]}</mrow></mfrac>", _POSTFIX
    if isinstance(n.op, ast.Pow):
        return f"<msup>{_wrap(left, _POSTFIX)}<mrow>{right[0]}</mrow></msup>", _POW
    if isinstance(n.op, ast.Mult) and isinstance(n.left, ast.Constant):
        op = "\u2062"          # 2*x is written 2x
    elif isinstance(n.op, ast.Mult) and isinstance(n.right, ast.Constant):
        op = "\u22c5"
    # left-associative: the right operand needs parentheses at equal precedence
    return f"{_wrap(left, prec)}<mo>{op}</mo>{_wrap(right, prec + 1)}", prec


def _index_item(n: ast.AST, d: int) -> str:
    if isinstance(n, ast.Slice):
        if n.lower is None and n.upper is None and n.step is None:
            return "<mo>:</mo>"
        parts = [_node(p, d)[0] if p is not None else "" for p in (n.lower, n.upper, n.step)]
        return "<mo>:</mo>".join(parts[:2] if n.step is None else parts)
    return _node(n, d)[0]


def _subscript(n: ast.Subscript, d: int) -> tuple[str, int]:
    items = n.slice.elts if isinstance(n.slice, ast.Tuple) else [n.slice]
    inner = "<mo>,</mo>".join(_index_item(i, d) for i in items)
    base = _node(n.value, d)
    if base[0].startswith("<msub>") or base[0].startswith("<msup>"):
        # v_c[o]: a second subscript would be unreadable; use brackets
        return f"<mrow>{base[0]}<mo>[</mo>{inner}<mo>]</mo></mrow>", _POSTFIX
    return f"<msub>{_wrap(base, _ATOM)}<mrow>{inner}</mrow></msub>", _POSTFIX


def _call(n: ast.Call, d: int) -> tuple[str, int]:
    if n.keywords or any(isinstance(a, ast.Starred) for a in n.args):
        raise _Unsupported("keywords")
    fn = n.func.id if isinstance(n.func, ast.Name) else None
    args = list(n.args)
    if fn in ("grad", "diff", "jacobian") and len(args) == 2:
        f, x = _node(args[0], d), _node(args[1], d)
        num = f"<mo>{PARTIAL}</mo>{_wrap(f, _POSTFIX)}"
        return f"<mfrac><mrow>{num}</mrow><mrow><mo>{PARTIAL}</mo>{x[0]}</mrow></mfrac>", _POSTFIX
    if fn == "sqrt" and len(args) == 1:
        return f"<msqrt>{_node(args[0], d)[0]}</msqrt>", _ATOM
    if fn == "abs" and len(args) == 1:
        return f"<mrow><mo>|</mo>{_node(args[0], d)[0]}<mo>|</mo></mrow>", _ATOM
    if fn == "norm" and len(args) == 1:
        return f"<mrow><mo>\u2016</mo>{_node(args[0], d)[0]}<mo>\u2016</mo></mrow>", _ATOM
    if fn == "sum" and len(args) == 1:
        return f"<mrow><mo>\u2211</mo>{_wrap(_node(args[0], d), _POSTFIX)}</mrow>", _MUL
    if fn == "dot" and len(args) == 2:
        return f"<mrow><mo>\u27e8</mo>{_args(args, d)}<mo>\u27e9</mo></mrow>", _ATOM
    if fn == "outer" and len(args) == 2:
        a, b = (_wrap(_node(x, d), _POSTFIX) for x in args)
        return f"<mrow>{a}<mo>\u2297</mo>{b}</mrow>", _MUL
    if fn in ("sigma", "sigmoid"):
        head = f"<mi>{GREEK['sigma']}</mi>"
    elif fn in NAMED:
        head = f'<mi mathvariant="normal">{esc(NAMED[fn])}</mi>'
    elif fn is not None:
        head = _name(fn)
    else:
        head = _wrap(_node(n.func, d), _POSTFIX)
    return f"<mrow>{head}<mo>\u2061</mo>{_paren(_args(args, d))}</mrow>", _POSTFIX
