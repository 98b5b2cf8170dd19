"""LaTeX written in a double-quoted TOML string, where a backslash starts an escape.

TOML reads ``"$\\frac{1}{2}$"`` as a form feed followed by ``rac{1}{2}``, ``\\theta`` as a
tab and ``heta``, ``\\nabla`` as a line break and ``abla``, ``\\beta`` as a backspace and
``eta``; ``\\sigma``, ``\\lambda``, ``\\mu`` are not escapes at all and make the whole file
invalid TOML.  Both are told apart from plain text here, so the file's reader can say
what happened and how to write it (single quotes, a literal string) instead of "unknown
name 'r'" or a bare TOML syntax error.
"""
from __future__ import annotations

import re
from functools import lru_cache

# the control characters TOML escapes make, and the letter of their escape
_ESCAPED = {"\b": "b", "\t": "t", "\n": "n", "\f": "f", "\r": "r"}
_AFTER_CONTROL = re.compile(r"([\b\t\n\f\r])([A-Za-z]+)")
_COMMAND = re.compile(r"\\([A-Za-z]+)")
# LaTeX commands of formulas that the reader's tables do not list (they are refused or spacing there)
_MORE = {"to", "neq", "ne", "not", "nonumber", "rangle", "rbrace", "rbrack", "rfloor", "rceil", "forall", "flat",
         "bigl", "bigr", "bf", "boxed", "bullet", "ell", "ldots", "cdots", "dots", "infty", "in", "leq", "geq", "le",
         "ge", "lfloor", "lceil", "langle", "lbrace", "lbrack", "mathcal", "mathbb", "mid", "sum", "prod", "top"}

HINT = ("LaTeX in a double-quoted TOML string, where a backslash starts an escape: write it in single quotes, "
        "'$\\frac{1}{2}$' (a literal string keeps backslashes as written; '''...''' when the formula holds a '), "
        "or double each backslash")


@lru_cache(maxsize=1)
def _commands() -> frozenset[str]:
    """The names of the LaTeX commands symderiv reads, or that a formula commonly holds."""
    from .functions import FUNCTIONS
    from .latex_macros import ACCENTS, ELEMENTWISE_MACROS, FUNCTION_MACROS, GREEK, NORMS, PRODUCT_MACROS, REFUSED
    from .latex_tokens import ARGUMENTS, IGNORED

    return frozenset(set(FUNCTIONS) | GREEK | set(ACCENTS) | ELEMENTWISE_MACROS | set(FUNCTION_MACROS) | set(NORMS)
            | set(NORMS.values()) | PRODUCT_MACROS | set(REFUSED) | set(ARGUMENTS) | IGNORED | _MORE
            | {"nabla", "partial", "div", "intercal"})


def escaped_command(value: str, text: str) -> str | None:
    """The LaTeX command (``\\frac``) a TOML escape turned into a control character in ``value``, a string
    of the file ``text``; None when there is none.  A form feed or backspace before a letter is always one
    (TOML text cannot hold them otherwise); a tab or line break only before the rest of a known command
    whose escape the file holds (``\\theta``, ``\\nabla``), so a real line break before a name is not."""
    for m in _AFTER_CONTROL.finditer(value):
        word = _ESCAPED[m.group(1)] + m.group(2)
        if m.group(1) in "\b\f" or (word in _commands() and f"\\{word}" in text):
            return f"\\{word}"
    return None


def escape_message(what: str, command: str) -> str:
    """Why a step or tex holding an eaten command cannot be read, and how to write it."""
    return f"{what} was read without the backslash of {command} (TOML made it a control character): {HINT}"


def toml_error_hint(line: str) -> str:
    """A hint for a TOML syntax error at an invalid escape on a line that looks like LaTeX (``"$\\sigma$"``),
    else the empty string."""
    commands = set(_COMMAND.findall(line))
    if "$" in line and commands or commands & _commands():
        return f"; this looks like {HINT}"
    return ""
