"""LaTeX text to a flat list of tokens, with pylatexenc doing the lexical work.

pylatexenc's ``LatexWalker`` splits the text into macros (with their arguments),
groups and characters, and handles braces, comments and environments.  It is given
a fixed table of the macros that take arguments (``\\frac``, ``\\sqrt``, the
accents, ``\\mathrm``, ``\\operatorname``, ...); every other macro takes none, and
nothing is ever expanded or defined (``\\def``, ``\\input``, ``\\newcommand`` are
just unknown macros, refused by the reader).  Before the walker runs, the text's
length and its nesting of braces and brackets are bounded, so no text can make it
recurse deeply or run long.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pylatexenc.latexwalker import (LatexCharsNode, LatexGroupNode, LatexMacroNode, LatexWalker,
                                    LatexWalkerError)
from pylatexenc.macrospec import EnvironmentSpec, LatexContextDb, MacroSpec

from .parsing import MAX_DEPTH, MAX_LENGTH, MAX_NODES, ParseError

# macros that take arguments, and how many ("{" mandatory, "[" optional)
ARGUMENTS = {
    "frac": "{{", "dfrac": "{{", "tfrac": "{{", "sqrt": "[{",
    "hat": "{", "widehat": "{", "bar": "{", "overline": "{", "tilde": "{", "widetilde": "{",
    "mathrm": "{", "operatorname": "{", "mathbf": "{", "boldsymbol": "{", "bm": "{", "mathit": "{", "mathsf": "{",
    "text": "{",
}
# macros that are only spacing or style: read as nothing
IGNORED = {",", ";", ":", "!", " ", "quad", "qquad", "displaystyle", "textstyle", "scriptstyle", "left", "right",
           "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "Biggl", "Biggr"}
OPERATORS = set("+-*/()[],=^_'|:")
_NUMBER = re.compile(r"\d+(?:\.\d+)?|\.\d+")
_CONTEXT: LatexContextDb | None = None


class LatexError(ParseError):
    """LaTeX that cannot be read; the message shows the part that could not be read."""


@dataclass(frozen=True)
class Tok:
    kind: str                 # num, letter, op, macro, group, end
    text: str                 # the number, letter or operator; the macro's name
    pos: int                  # where it starts in the LaTeX text
    end: int
    args: tuple[Any, ...] = ()    # a macro's arguments (node lists, None when absent); a group's nodes


def context() -> LatexContextDb:
    global _CONTEXT
    if _CONTEXT is None:
        db = LatexContextDb()
        db.add_context_category("symderiv", macros=[MacroSpec(n, a) for n, a in ARGUMENTS.items()])
        db.set_unknown_macro_spec(MacroSpec(""))
        db.set_unknown_environment_spec(EnvironmentSpec(""))
        _CONTEXT = db
    return _CONTEXT


def excerpt(text: str, start: int, end: int, limit: int = 40) -> str:
    part = " ".join(text[start:max(end, start + 1)].split())
    return part if len(part) <= limit else part[:limit - 1] + "…"


def check_limits(text: str) -> None:
    if len(text) > MAX_LENGTH:
        raise LatexError(f"LaTeX too long ({len(text)} characters; the limit is {MAX_LENGTH})")
    depth = 0
    for k, ch in enumerate(text):
        if ch in "{([":
            depth += 1
            if depth > MAX_DEPTH:
                raise LatexError(f"LaTeX nested more than {MAX_DEPTH} levels deep (at character {k + 1}: "
                                 f"`{excerpt(text, k, k + 20)}`)")
        elif ch in "})]":
            depth -= 1
    if text.count("\\") > MAX_NODES:
        raise LatexError(f"LaTeX too large ({text.count(chr(92))} commands; the limit is {MAX_NODES})")


def walk(text: str) -> list[Any]:
    """pylatexenc's nodes for the text; LatexError for unbalanced braces and the like."""
    check_limits(text)
    try:
        nodes, _, _ = LatexWalker(text, latex_context=context(), tolerant_parsing=False).get_latex_nodes()
    except LatexWalkerError as e:
        msg = str(e).splitlines()[0] if str(e) else "cannot read the LaTeX"
        raise LatexError(f"LaTeX syntax: {msg}") from None
    except (RecursionError, MemoryError):
        raise LatexError("LaTeX nested too deeply to read") from None
    except (ValueError, TypeError, AttributeError, IndexError, KeyError) as e:   # the library's own slips
        raise LatexError(f"cannot read the LaTeX ({type(e).__name__})") from None
    return list(nodes)


def tokens(nodes: list[Any] | None, text: str) -> list[Tok]:
    """The tokens of a node list (a group stays one token), ending with an ``end`` token."""
    out: list[Tok] = []
    end = 0
    for n in nodes or []:
        end = n.pos + n.len
        if isinstance(n, LatexCharsNode):
            out.extend(_chars(n.chars, n.pos, text))
        elif isinstance(n, LatexGroupNode):
            if n.delimiters != ("{", "}"):
                raise LatexError(f"cannot read `{excerpt(text, n.pos, end)}` (character {n.pos + 1})")
            out.append(Tok("group", "{", n.pos, end, tuple(n.nodelist)))
        elif isinstance(n, LatexMacroNode):
            if n.macroname in IGNORED:
                continue
            args = tuple(n.nodeargd.argnlist) if n.nodeargd is not None else ()
            out.append(Tok("macro", n.macroname, n.pos, end, args))
        else:
            what = {"LatexCommentNode": "a comment (%)", "LatexEnvironmentNode": "an environment (\\begin...\\end)",
                    "LatexMathNode": "a nested math mode ($)", "LatexSpecialsNode": "this character"}
            kind = what.get(type(n).__name__, "this")
            raise LatexError(f"cannot read `{excerpt(text, n.pos, end)}` (character {n.pos + 1}): "
                             f"{kind} is not part of a formula symderiv reads")
    if len(out) > MAX_NODES:
        raise LatexError(f"LaTeX too large ({len(out)} tokens; the limit is {MAX_NODES})")
    out.append(Tok("end", "", end, end))
    return out


def _chars(chars: str, start: int, text: str) -> list[Tok]:
    out: list[Tok] = []
    k = 0
    while k < len(chars):
        ch = chars[k]
        pos = start + k
        if ch.isspace() or ch == "~":
            k += 1
            continue
        m = _NUMBER.match(chars, k)
        if m:
            out.append(Tok("num", m.group(), pos, pos + len(m.group())))
            k = m.end()
            continue
        if ch.isascii() and ch.isalpha():
            out.append(Tok("letter", ch, pos, pos + 1))
        elif ch in OPERATORS:
            out.append(Tok("op", ch, pos, pos + 1))
        elif ch == "\u2212":          # a typographic minus sign
            out.append(Tok("op", "-", pos, pos + 1))
        else:
            raise LatexError(f"cannot read `{excerpt(text, pos, pos + 12)}` (character {pos + 1}): "
                             f"{ch!r} is not part of a formula symderiv reads")
        k += 1
    return out
