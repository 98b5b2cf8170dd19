"""Where tables and keys start in a derivation file's TOML text (``tomllib`` does not say).

A line scan, not a parser: headers (``[symbols]``, ``[[claim]]``) and ``key =`` lines, skipping
the lines of multi-line strings, where such text is only text.
"""
from __future__ import annotations

import re


class TomlLines:
    """Where tables and keys start in the TOML text (tomllib does not say)."""

    HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_\-\"'. ]+?)\s*\]\]?\s*(#.*)?$")
    KEY = re.compile(r"""^\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_\-]+))\s*=""")

    def __init__(self, text: str) -> None:
        self.tables: dict[str, int] = {}
        self.keys: dict[tuple[str, int, str], int] = {}
        self.claims: list[int] = []
        table, n = "", 0
        inside = string_lines(text)
        for lineno, line in enumerate(text.splitlines(), 1):
            if lineno in inside:        # text of a multi-line string: a "[[claim]]" there is no table
                continue
            h = self.HEADER.match(line)
            if h and not self.KEY.match(line):
                table = h.group(2).strip().strip("\"'")
                if h.group(1) == "[[" and table == "claim":
                    self.claims.append(lineno)
                    n = len(self.claims) - 1
                else:
                    n = 0
                self.tables.setdefault(table, lineno)
                continue
            k = self.KEY.match(line)
            if k:
                key = next(g for g in k.groups() if g is not None)
                self.keys.setdefault((table, n, key), lineno)
                if table == "" and key == "claim":
                    self.tables.setdefault("claim", lineno)

    def key(self, table: str, key: str, n: int = 0, default: int = 1) -> int:
        return self.keys.get((table, n, key), self.tables.get(table, default))

    def claim(self, n: int) -> int:
        return self.claims[n] if n < len(self.claims) else self.tables.get("claim", 1)


def string_lines(text: str) -> set[int]:
    """The lines (numbered from 1) that begin inside a multi-line string (``\"\"\"...\"\"\"`` or ``\'\'\'...\'\'\'``)."""
    out: set[int] = set()
    i, line, n = 0, 1, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
        elif c == "#":                                   # a comment: to the end of the line
            i = text.find("\n", i)
            if i < 0:
                break
            continue
        elif c in "\"'":
            triple = text.startswith(c * 3, i)
            quote = c * 3 if triple else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                if text[j] == "\\" and c == '"':
                    j += 1                               # an escape in a basic string
                elif text[j] == "\n":
                    if not triple:
                        break                            # an unclosed one-line string: TOML reports it
                    line += 1
                    out.add(line)
                j += 1
            if j < n and text[j] == "\n":
                i = j                                    # the newline ends the line as usual
                continue
            if triple:                                   # """a"""": up to two quotes of the content end it
                while j + 3 < n and text[j + 3] == c and text.startswith(quote, j + 1):
                    j += 1
            i = j + len(quote)
            continue
        i += 1
    return out
