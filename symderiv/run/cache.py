"""The result cache: ``.symderiv_cache/`` beside the configuration, like ``.ruff_cache``.

One JSON file per claim result, named by a key that covers everything that can
change the verdict: the claim's text (name, steps, expect, note, tex, where it
is), every symbol and define of its file (with their lines, which appear in
messages), the effective settings (sizes, samples, seed, tolerances, time limit,
strict), and the versions of symderiv (with a fingerprint of its source files),
SymPy, numpy, python-flint, symengine, mpmath and Python.  Editing one claim therefore re-checks that claim only;
editing a define or a symbol re-checks the whole file.

Entries are written atomically (a temporary file, then ``os.replace``).  An entry
that cannot be read, does not parse, names another key or does not rebuild into
a result is ignored and recomputed, never trusted.  Only certified verdicts are
stored (``proved``, ``error``, and ``refuted`` with a certified witness); results
that depend on the machine rather than on the claim are not: ``numeric``,
``timeout``, internal or memory errors, and anything cut short by a time limit.
The key also covers python-flint (ball arithmetic), symengine and mpmath.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from ..settings import Settings
from ..language.reading import Document
from ..results import ClaimResult, Counterexample, StepResult, Verdict

FOLDER = ".symderiv_cache"
FORMAT = 1
_MACHINE_DEPENDENT = ("internal error", "stopped unexpectedly", "more memory", "too large to check",
                      "interrupted", "time limit", "out of time", "time allowed")


# ---------------------------------------------------------------- JSON <-> results
def counterexample_to_json(c: Counterexample) -> dict[str, Any]:
    return {
        "sizes": c.sizes, "indices": c.indices, "point": c.point,
        "entry": list(c.entry) if c.entry is not None else None,
        "lhs": c.lhs, "rhs": c.rhs, "exact": c.exact,
        "lhs_shape": list(c.lhs_shape) if c.lhs_shape is not None else None,
        "rhs_shape": list(c.rhs_shape) if c.rhs_shape is not None else None,
        "difference": c.difference, "lhs_exact": c.lhs_exact, "rhs_exact": c.rhs_exact,
        "certificate": c.certificate,
        "region": c.region,
    }


def counterexample_from_json(d: dict[str, Any]) -> Counterexample:
    def pair(v: Any) -> tuple[int, int] | None:
        return None if v is None else (int(v[0]), int(v[1]))

    return Counterexample(dict(d["sizes"]), dict(d["indices"]), dict(d["point"]), pair(d["entry"]),
                          d["lhs"], d["rhs"], bool(d["exact"]), pair(d["lhs_shape"]), pair(d["rhs_shape"]),
                          d["difference"], d["lhs_exact"], d["rhs_exact"], certificate=d.get("certificate"),
                          region=d.get("region"))


def step_to_json(s: StepResult) -> dict[str, Any]:
    return {
        "index": s.index, "verdict": s.verdict.value, "method": s.method, "sizes": [dict(x) for x in s.sizes],
        "samples": s.samples, "diagnosis": s.diagnosis, "diagnosis_detail": s.diagnosis_detail,
        "counterexample": counterexample_to_json(s.counterexample) if s.counterexample else None,
        "message": s.message, "sampled_sizes": [dict(x) for x in s.sampled_sizes],
    }


def step_from_json(d: dict[str, Any]) -> StepResult:
    cex = d["counterexample"]
    return StepResult(int(d["index"]), Verdict(d["verdict"]), d["method"], tuple(dict(x) for x in d["sizes"]),
                      int(d["samples"]), d["diagnosis"], d["diagnosis_detail"],
                      counterexample_from_json(cex) if cex is not None else None, d["message"],
                      tuple(dict(x) for x in d.get("sampled_sizes", ())))


def claim_to_json(r: ClaimResult) -> dict[str, Any]:
    """Every field of a ClaimResult (``ClaimResult.to_json`` is the report's, which leaves some out)."""
    return {
        "file": r.file, "line": r.line, "claim": r.claim, "verdict": r.verdict.value, "expect": r.expect,
        "ok": r.ok, "failed_step": r.failed_step, "diagnosis": r.diagnosis,
        "counterexample": counterexample_to_json(r.counterexample) if r.counterexample else None,
        "message": r.message, "seconds": r.seconds, "steps": list(r.steps),
        "step_results": [step_to_json(s) for s in r.step_results], "note": r.note, "tex": list(r.tex) if isinstance(r.tex, tuple) else r.tex,
        "readings": list(r.readings), "tex_notes": list(r.tex_notes),
        "elementwise": [None if e is None else list(e) for e in r.elementwise],
        "proved_sizes": [dict(z) for z in r.proved_sizes], "numeric_sizes": [dict(z) for z in r.numeric_sizes],
        "sampled_sizes": [dict(z) for z in r.sampled_sizes],
    }


def claim_from_json(d: dict[str, Any]) -> ClaimResult:
    cex = d["counterexample"]
    return ClaimResult(str(d["file"]), int(d["line"]), str(d["claim"]), Verdict(d["verdict"]), bool(d["expect"]),
                       bool(d["ok"]), d["failed_step"], d["diagnosis"],
                       counterexample_from_json(cex) if cex is not None else None, d["message"],
                       float(d["seconds"]), tuple(d["steps"]), tuple(step_from_json(s) for s in d["step_results"]),
                       d["note"], tuple(d["tex"]) if isinstance(d["tex"], list) else d["tex"],
                       tuple(d.get("readings", ())), tuple(d.get("tex_notes", ())),
                       elementwise=tuple(None if e is None else tuple(int(k) for k in e)
                                         for e in d.get("elementwise", ())),
                       proved_sizes=tuple(dict(z) for z in d.get("proved_sizes", ())),
                       numeric_sizes=tuple(dict(z) for z in d.get("numeric_sizes", ())),
                       sampled_sizes=tuple(dict(z) for z in d.get("sampled_sizes", ())))


# ---------------------------------------------------------------- keys
def _source_fingerprint() -> str:
    """Names, sizes and modification times of symderiv's own modules: a changed checkout invalidates."""
    here = Path(__file__).resolve().parent.parent
    parts = []
    for p in sorted(here.rglob("*.py")):
        try:
            st = p.stat()
        except OSError:
            continue
        parts.append(f"{p.relative_to(here)}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def environment() -> dict[str, str]:
    """Versions that can change a verdict, read without importing SymPy or numpy (a warm run needs neither)."""
    from importlib.metadata import PackageNotFoundError, version

    from ..version import __version__

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "absent"

    return {"symderiv": __version__, "source": _source_fingerprint(), "sympy": installed("sympy"),
            "numpy": installed("numpy"), "python-flint": installed("python-flint"),
            "symengine": installed("symengine"), "mpmath": installed("mpmath"), "python": sys.version,
            "format": str(FORMAT)}


def claim_key(doc: Document, index: int, settings: Settings, env: dict[str, str]) -> str:
    spec = doc.claims[index]
    material = {
        "env": env,
        "file": doc.path,
        "claim": [spec.name, list(spec.steps), spec.line, spec.expect, spec.note, list(spec.tex), spec.problem],
        "symbols": [[s.name, s.kind, list(s.dims), s.line] for s in doc.symbols],
        "defines": [[d.name, d.text, d.line] for d in doc.defines],
        "invalid": sorted(doc.invalid.items()),
        "settings": {"sizes": {k: list(v) for k, v in sorted(settings.sizes.items())}, "samples": settings.samples,
                     "seed": settings.seed, "rtol": repr(settings.rtol), "atol": repr(settings.atol),
                     "timeout": repr(settings.timeout), "strict": settings.strict},
    }
    text = json.dumps(material, sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------- the store
def cacheable(r: ClaimResult, settings: Settings) -> bool:
    """Is this a certified verdict that depends only on the claim (not on the machine's speed or memory)?

    Only ``proved``, ``error`` and a ``refuted`` with a certified witness (or differing
    shapes) are stored: ``numeric`` and ``timeout`` are no certificates, and a later run
    with more time may decide them.
    """
    if r.verdict not in (Verdict.PROVED, Verdict.REFUTED, Verdict.ERROR) or r.seconds >= 0.95 * settings.timeout:
        return False
    if r.verdict is Verdict.REFUTED and not _certified(r.counterexample):
        return False
    texts = [r.message or ""] + [s.message or "" for s in r.step_results]
    return not any(m in t for t in texts for m in _MACHINE_DEPENDENT)


def _certified(c: Counterexample | None) -> bool:
    return c is not None and (c.certificate is not None or c.lhs_shape is not None)


class ResultCache:
    """Claim results stored under ``root/.symderiv_cache/``; counts hits and stores for the curious."""

    def __init__(self, root: Path) -> None:
        self.folder = root / FOLDER
        self.env = environment()
        self.hits = 0
        self.stored = 0

    def key(self, doc: Document, index: int, settings: Settings) -> str:
        return claim_key(doc, index, settings, self.env)

    def _path(self, key: str) -> Path:
        return self.folder / "claims" / key[:2] / f"{key}.json"

    def get(self, key: str) -> ClaimResult | None:
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("key") != key or data.get("format") != FORMAT:
                return None
            result = claim_from_json(data["result"])
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, IndexError, AttributeError):
            return None
        self.hits += 1
        return result

    def put(self, key: str, result: ClaimResult, settings: Settings) -> bool:
        """Store a result if it is cacheable and survives the round trip exactly; never raises."""
        if not cacheable(result, settings):
            return False
        try:
            body = claim_to_json(result)
            text = json.dumps({"format": FORMAT, "key": key, "result": body}, ensure_ascii=False, allow_nan=False)
            if claim_from_json(json.loads(text)["result"]) != result:
                return False
            path = self._path(key)
            self._prepare()
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    f.write(text)
                os.replace(tmp, path)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        except (OSError, TypeError, ValueError, KeyError):
            return False
        self.stored += 1
        return True

    def _prepare(self) -> None:
        if (self.folder / "CACHEDIR.TAG").exists():
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / ".gitignore").write_text("# created by symderiv\n*\n", encoding="utf-8")
        (self.folder / "CACHEDIR.TAG").write_text(
            "Signature: 8a477f597d28d172789f06886806bc55\n# symderiv result cache; see symderiv cache clear\n",
            encoding="utf-8")


def clear(root: Path) -> bool:
    """Delete ``root/.symderiv_cache``; True when there was one."""
    folder = root / FOLDER
    if folder.is_symlink():
        folder.unlink()
        return True
    if not folder.is_dir():
        return False
    shutil.rmtree(folder)
    return True


def clear_command() -> int:
    """``symderiv cache clear``: exit status 0, or 2 when the configuration cannot be read."""
    from .config import ConfigError, find_config

    try:
        root = find_config().root
    except ConfigError as e:
        print(f"symderiv: error: {e}", file=sys.stderr)
        return 2
    folder = root / FOLDER
    try:
        existed = clear(root)
    except OSError as e:
        print(f"symderiv: error: cannot delete {folder}: {e.strerror or e}", file=sys.stderr)
        return 2
    print(f"deleted {folder}" if existed else f"no cache to delete at {folder}")
    return 0
