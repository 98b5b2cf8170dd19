"""Reading derivation files: TOML text to a ``Document``, with line numbers.

Reading never raises for bad input.  A file that cannot be read at all gets
``Document.fatal``; a problem with one claim is kept on that claim
(``ClaimSpec.problem``) so the other claims are still checked; a bad symbol or
define is kept in ``Document.invalid`` and reported by the claims that use it;
other problems (an unknown top-level field, a bad ``[check]`` value) are in
``Document.problems``.  Every message starts with ``file:line:``.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .filebytes import MAX_FILE_BYTES, TOO_LARGE, Refused, read_bounded
from .latex_quotes import escape_message, escaped_command, toml_error_hint
from .tomllines import TomlLines
from ..limits import MAX_DIM

MAX_DIM_LITERAL = 10_000
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")     # a symbol's or define's name
MAX_TIMEOUT = 3600.0     # seconds per claim: no file can make a grading run wait for ever (inf, 1e300)
MAX_TOLERANCE = 0.1      # rtol/atol above this would make the numeric spot check meaningless

TOP_FIELDS = {"title", "source", "symbols", "define", "claim", "check"}
CLAIM_FIELDS = {"name", "lhs", "rhs", "steps", "expect", "note", "tex"}
CHECK_FIELDS = {"sizes", "samples", "seed", "rtol", "atol", "timeout"}
SIMPLE_KINDS = {"scalar", "positive", "dim"}
SHAPED_KINDS = {"index": 1, "vector": 1, "matrix": 2, "onehot_rows": 2, "positive_vector": 1, "positive_matrix": 2}
POSITIVE_KINDS = {"positive", "positive_vector", "positive_matrix"}
# the kinds whose symbols are arrays of real numbers (sampled at numeric points, free in a proof)
REAL_KINDS = {"scalar", "positive", "vector", "matrix", "positive_vector", "positive_matrix"}


@dataclass(frozen=True)
class SymbolDecl:
    name: str
    kind: str                         # scalar positive dim index vector matrix onehot_rows
    dims: tuple[str | int, ...]       # index(N): (N,), vector(N): (N,), matrix(N, M): (N, M)
    line: int


@dataclass(frozen=True)
class Define:
    name: str
    text: str
    line: int


@dataclass(frozen=True)
class ClaimSpec:
    name: str
    steps: tuple[str, ...]
    line: int
    expect: bool = True
    note: str | None = None
    tex: tuple[str, ...] = ()
    problem: str | None = None        # set when the claim itself is malformed


@dataclass(frozen=True)
class CheckSettings:
    """A file's own ``[check]`` table; None means "not set here"."""

    sizes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    samples: int | None = None
    seed: int | None = None
    rtol: float | None = None
    atol: float | None = None
    timeout: float | None = None


@dataclass(frozen=True)
class Document:
    path: str
    title: str
    source: str | None = None
    symbols: tuple[SymbolDecl, ...] = ()
    defines: tuple[Define, ...] = ()
    claims: tuple[ClaimSpec, ...] = ()
    check: CheckSettings = field(default_factory=CheckSettings)
    invalid: dict[str, str] = field(default_factory=dict)   # bad symbol/define name -> located message
    problems: tuple[str, ...] = ()    # located messages about the file as a whole
    fatal: str | None = None          # the file could not be read at all


def read_file(path: str | Path) -> Document:
    """Read a derivation file; never blocks on a FIFO or device, never reads more than the size limit."""
    p = Path(path)
    name = str(path)
    try:
        data = read_bounded(p)
    except OSError as e:
        return Document(name, p.name, fatal=f"{name}:1: cannot read the file: {e.strerror or e}")
    except Refused as e:
        return Document(name, p.name, fatal=f"{name}:1: {e}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        return Document(name, p.name, fatal=f"{name}:{line}: the file is not valid UTF-8 text")
    return read_text(text, name)


def read_text(text: str, name: str = "<text>") -> Document:
    title_default = Path(name).name
    if len(text) > MAX_FILE_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        return Document(name, title_default, fatal=f"{name}:1: {TOO_LARGE}")
    if text.startswith("\ufeff"):        # a byte-order mark (some editors write one): not TOML, and not content
        text = text[1:]
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(e))
        at_end = "(at end of document)" in str(e)      # a truncated file: its last line, not line 1
        line = m.group(1) if m else str(len(text.splitlines()) or 1) if at_end else "1"
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(e)) or "invalid TOML"
        if "Unescaped '\\'" in msg or "Invalid hex value" in msg:      # "$\\sigma$" in double quotes
            lines = text.splitlines()
            msg += toml_error_hint(lines[int(line) - 1] if 0 < int(line) <= len(lines) else "")
        return Document(name, title_default, fatal=f"{name}:{line}: TOML syntax error: {msg}")
    except (RecursionError, MemoryError):
        return Document(name, title_default, fatal=f"{name}:1: TOML nested too deeply to read")
    return _Reader(raw, text, name).document()


class _Reader:
    def __init__(self, raw: dict[str, Any], text: str, name: str) -> None:
        self.raw, self.name, self.text, self.lines = raw, name, text, TomlLines(text)
        self.problems: list[str] = []
        self.invalid: dict[str, str] = {}
        self.declared_kinds: dict[str, str] = {}       # symbol name -> its kind's word, for messages

    def at(self, line: int, msg: str) -> str:
        return f"{self.name}:{line}: {msg}"

    def document(self) -> Document:
        raw = self.raw
        for key in raw:
            if key not in TOP_FIELDS:
                self.problems.append(self.at(self.lines.key("", key), f"unknown top-level field {key!r} "
                                             f"(expected one of: {', '.join(sorted(TOP_FIELDS))})"))
        title = self.text_field(raw, "title") or Path(self.name).name
        source = self.text_field(raw, "source")
        symbols = self.symbols(raw.get("symbols", {}))
        defines = self.defines(raw.get("define", {}), {s.name for s in symbols})
        check = self.check(raw.get("check", {}), {s.name for s in symbols if s.kind == "dim"})
        claims = self.claims(raw.get("claim"))
        return Document(self.name, title, source, symbols, defines, claims, check,
                        dict(self.invalid), tuple(self.problems))

    def text_field(self, raw: dict[str, Any], key: str) -> str | None:
        v = raw.get(key)
        if v is None or isinstance(v, str):
            return v
        self.problems.append(self.at(self.lines.key("", key), f"{key} must be a string"))
        return None

    # ------------------------------------------------------------ [symbols]
    def symbols(self, table: Any) -> tuple[SymbolDecl, ...]:
        if not isinstance(table, dict):
            self.problems.append(self.at(self.lines.key("", "symbols"), "[symbols] must be a table of name = \"kind\""))
            return ()
        dims = {k for k, v in table.items() if isinstance(v, str) and v.strip() == "dim"}
        self.declared_kinds = {k: v.split("(")[0].strip() for k, v in table.items() if isinstance(v, str)}
        out = []
        for name, spec in table.items():
            line = self.lines.key("symbols", name)
            try:
                out.append(self.symbol(name, spec, line, dims))
            except ValueError as e:
                self.invalid[name] = self.at(line, f"symbol {name!r}: {e}")
        return tuple(out)

    def symbol(self, name: str, spec: Any, line: int, dims: set[str]) -> SymbolDecl:
        if not _NAME.fullmatch(name):
            raise ValueError("a symbol name must be a Python-style identifier")
        if name == "pi":
            raise ValueError("'pi' is the constant and cannot be redeclared")
        if not isinstance(spec, str):
            raise ValueError(f"the kind must be a string such as \"vector(d)\", not {type(spec).__name__}")
        known = sorted(SIMPLE_KINDS) + ["index(N)", "vector(N)", "matrix(N, M)", "positive_vector(N)",
                                        "positive_matrix(N, M)", "onehot_rows(M, N)"]
        m = re.fullmatch(r"\s*([a-z_]+)\s*(?:\((.*)\))?\s*", spec)
        if not m:
            raise ValueError(f"unknown symbol kind {spec!r} (the kinds are: {', '.join(known)})")
        kind, inner = m.group(1), m.group(2)
        if kind in SIMPLE_KINDS:
            if inner is not None:
                raise ValueError(f"{kind} takes no size")
            return SymbolDecl(name, kind, (), line)
        if kind not in SHAPED_KINDS:
            raise ValueError(f"unknown symbol kind {spec!r} (the kinds are: {', '.join(known)})")
        parts = [s.strip() for s in (inner or "").split(",")] if inner and inner.strip() else []
        if len(parts) != SHAPED_KINDS[kind]:
            raise ValueError(f"{kind} takes {SHAPED_KINDS[kind]} size{'s' if SHAPED_KINDS[kind] > 1 else ''}, got {spec!r}")
        sizes: list[str | int] = []
        for s in parts:
            if re.fullmatch(r"\d+", s):
                n = int(s)
                if not 1 <= n <= MAX_DIM_LITERAL:
                    raise ValueError(f"size {n} must be between 1 and {MAX_DIM_LITERAL}")
                sizes.append(n)
            elif s in dims:
                sizes.append(s)
            elif _NAME.fullmatch(s) and s in self.declared_kinds:
                raise ValueError(f"size {s!r} is a {self.declared_kinds[s]}, not a dim (a size is a dim symbol or "
                                 "a positive integer)")
            elif _NAME.fullmatch(s):
                raise ValueError(f"size {s!r} is not a dim symbol or a positive integer (declare it: {s} = \"dim\")")
            else:
                raise ValueError(f"size {s!r} is not a dim symbol or a positive integer (sizes are not computed: "
                                 "for N - 2 entries, slice a larger array, v[0:N - 2])")
        return SymbolDecl(name, kind, tuple(sizes), line)

    # ------------------------------------------------------------ [define]
    def defines(self, table: Any, symbols: set[str]) -> tuple[Define, ...]:
        if not isinstance(table, dict):
            self.problems.append(self.at(self.lines.key("", "define"), "[define] must be a table of name = \"expression\""))
            return ()
        out = []
        for name, text in table.items():
            line = self.lines.key("define", name)
            if name in symbols or name in self.invalid:
                self.invalid[name] = self.at(line, f"define {name!r} has the name of a declared symbol")
            elif not _NAME.fullmatch(name) or name == "pi":
                self.invalid[name] = self.at(line, f"define {name!r}: not a valid name")
            elif not isinstance(text, str):
                self.invalid[name] = self.at(line, f"define {name!r} must be an expression string")
            elif (command := escaped_command(text, self.text)) is not None:
                self.invalid[name] = self.at(line, escape_message(f"define {name!r}", command))
            else:
                out.append(Define(name, text, line))
        return tuple(out)

    # ------------------------------------------------------------ [check]
    def check(self, table: Any, dims: set[str]) -> CheckSettings:
        if not isinstance(table, dict):
            self.problems.append(self.at(self.lines.key("", "check"), "[check] must be a table"))
            return CheckSettings()
        values: dict[str, Any] = {}
        for key, v in table.items():
            line = self.lines.key("check", key)
            try:
                values[key] = check_value(key, v, dims)
            except ValueError as e:
                self.problems.append(self.at(line, f"[check] {e}"))
        return CheckSettings(**values)

    # ------------------------------------------------------------ [[claim]]
    def claims(self, raw: Any) -> tuple[ClaimSpec, ...]:
        if raw is None:
            inside = next((t for t in ("symbols", "define", "check")
                           if isinstance(self.raw.get(t), dict) and "claim" in self.raw[t]), None)
            if inside is not None:      # `claim = [{...}]` written after a header belongs to that table
                line = self.lines.key(inside, "claim")
                self.problems.append(self.at(line, f"no claim in the file: this `claim` is read as an entry of "
                                                   f"[{inside}] (a key after a table header belongs to that table); "
                                                   "write each claim as a [[claim]] table, or put `claim = [...]` "
                                                   "before the first table"))
            else:
                self.problems.append(self.at(1, "no [[claim]] in the file: state at least one claim"))
            return ()
        if not isinstance(raw, list):
            self.problems.append(self.at(self.lines.key("", "claim"), "claim must be an array of tables ([[claim]])"))
            return ()
        out: list[ClaimSpec] = []
        seen: dict[str, int] = {}
        for n, c in enumerate(raw):
            line = self.lines.claim(n)
            spec = self.claim(c, line, n)
            if spec.problem is None and spec.name in seen:
                spec = ClaimSpec(spec.name, spec.steps, line, spec.expect, spec.note, spec.tex,
                                 self.at(line, f"duplicate claim name {spec.name!r} (first at line {seen[spec.name]})"))
            seen.setdefault(spec.name, line)
            out.append(spec)
        return tuple(out)

    def claim(self, c: Any, line: int, n: int) -> ClaimSpec:
        fallback = f"claim #{n + 1}"
        if not isinstance(c, dict):
            return ClaimSpec(fallback, (), line, problem=self.at(line, "a claim must be a table"))
        name = c.get("name")
        label = name if isinstance(name, str) and name.strip() else fallback

        def bad(msg: str) -> ClaimSpec:
            return ClaimSpec(label, (), line, expect=c.get("expect") is not False, problem=self.at(line, msg))

        unknown = sorted(set(c) - CLAIM_FIELDS)
        if unknown:
            return bad(f"unknown field {unknown[0]!r} in claim (expected: {', '.join(sorted(CLAIM_FIELDS))})")
        if not isinstance(name, str) or not name.strip():
            return bad("a claim needs a name (a non-empty string)")
        expect = c.get("expect", True)
        if not isinstance(expect, bool):
            return bad(f"expect must be true or false, not {expect!r}")
        has_pair, has_steps = "lhs" in c or "rhs" in c, "steps" in c
        if has_pair and has_steps:
            return bad("give either lhs and rhs, or steps, not both")
        if has_steps:
            steps = c["steps"]
            if not isinstance(steps, list) or not all(isinstance(s, str) for s in steps):
                return bad("steps must be a list of expression strings")
            if len(steps) < 2:
                return bad(f"steps needs at least two expressions, got {len(steps)}")
        elif has_pair:
            if not ("lhs" in c and "rhs" in c):
                return bad("a claim with lhs needs rhs too (and the other way round)")
            if not isinstance(c["lhs"], str) or not isinstance(c["rhs"], str):
                return bad("lhs and rhs must be expression strings")
            steps = [c["lhs"], c["rhs"]]
        else:
            return bad("a claim needs lhs and rhs, or steps")
        note = c.get("note")
        if note is not None and not isinstance(note, str):
            return bad("note must be a string")
        tex = c.get("tex", [])
        if isinstance(tex, str):
            tex = [tex]
        if not isinstance(tex, list) or not all(isinstance(t, str) for t in tex):
            return bad("tex must be a string or a list of strings")
        eaten = self.escaped(c, n)
        if eaten is not None:
            return ClaimSpec(label, (), line, expect=expect, problem=eaten)
        # a multi-line step (a TOML """ string) is one line of text in every report: line breaks are whitespace
        steps = [" ".join(s.split()) if "\n" in s or "\r" in s else s for s in steps]
        return ClaimSpec(name, tuple(steps), line, expect, note, tuple(tex))

    def escaped(self, c: dict[str, Any], n: int) -> str | None:
        """A located message when a step or tex lost a LaTeX backslash to a TOML escape (``"$\\frac12$"``)."""
        for key in ("lhs", "rhs", "steps", "tex"):
            values = c.get(key)
            for k, v in enumerate(values if isinstance(values, list) else [values]):
                if isinstance(v, str) and (command := escaped_command(v, self.text)) is not None:
                    of_step = f" of step {k}" if isinstance(values, list) else ""
                    what = {"steps": f"step {k}", "tex": f"the tex{of_step}"}.get(key, key)
                    return self.at(self.lines.key("claim", key, n), escape_message(what, command))
        return None


def check_value(key: str, v: Any, dims: set[str] | None) -> Any:
    """Validate one ``[check]`` (or ``[tool.symderiv]``) setting; raise ValueError with the reason."""
    if key not in CHECK_FIELDS:
        raise ValueError(f"unknown setting {key!r} (expected one of: {', '.join(sorted(CHECK_FIELDS))})")
    if key == "sizes":
        if not isinstance(v, dict):
            raise ValueError("sizes must be a table such as { d = [2, 3] }")
        out = {}
        for dim, vals in v.items():
            if dims is not None and dim not in dims:
                raise ValueError(f"sizes: {dim!r} is not a dim symbol of this file")
            vals = [vals] if isinstance(vals, int) and not isinstance(vals, bool) else vals
            if (not isinstance(vals, list) or not vals
                    or not all(isinstance(x, int) and not isinstance(x, bool) and x >= 1 for x in vals)):
                raise ValueError(f"sizes.{dim} must be a non-empty list of positive integers")
            if max(vals) > MAX_DIM:
                raise ValueError(f"sizes.{dim}: {max(vals)} is too large (the limit is {MAX_DIM})")
            out[dim] = tuple(sorted(set(vals)))
        return out
    if key in ("samples", "seed"):
        if not isinstance(v, int) or isinstance(v, bool):
            raise ValueError(f"{key} must be an integer")
        if key == "samples" and not 1 <= v <= 10_000:
            raise ValueError("samples must be between 1 and 10000")
        return v
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        raise ValueError(f"{key} must be a number")
    if v != v or v in (float("inf"), float("-inf")):
        raise ValueError(f"{key} must be a finite number")
    if key == "timeout":
        if not 0 < v <= MAX_TIMEOUT:
            raise ValueError(f"timeout must be a positive number of seconds, at most {MAX_TIMEOUT:g}")
    elif v < 0:
        raise ValueError(f"{key} must not be negative")
    elif v > MAX_TOLERANCE:
        raise ValueError(f"{key} must be at most {MAX_TOLERANCE:g}: a looser tolerance is no check at all")
    return float(v)
