"""Machine-readable reports: json, junit, github, sarif (and html, from ``htmlreport``).

``render(fmt, files)`` returns the whole report as one string.  The wording helpers
(``describe_diagnosis``, ``describe_counterexample``, ``headline``, ``failure_text``) are
shared with the terminal reporter and the pytest plugin.  Steps are numbered from 0 in
words as in the JSON's ``failed_step`` ("step 2 flips the sign of step 1").
Nothing here imports rich.
"""
from __future__ import annotations

import json
import math
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..results import FileResult, Verdict, report_json, summarize
from .wording import failure_text, headline, scope_text

FORMATS = ("json", "junit", "github", "sarif", "html")
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


# ---------------------------------------------------------------- json
def render_json(files: Sequence[FileResult]) -> str:
    return _dumps(report_json(list(files)), ensure_ascii=False)


def _dumps(doc: Any, **options: Any) -> str:
    """Standard JSON: a value too large for a float (the 10**400 of ``1e400 * x``) is null, never the
    ``Infinity`` Python would write and other JSON readers refuse."""
    return json.dumps(_finite(doc), indent=2, default=str, allow_nan=False, **options) + "\n"


def _finite(x: Any) -> Any:
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_finite(v) for v in x]
    return x


# ---------------------------------------------------------------- junit
def _x(text: object) -> str:
    """Text XML 1.0 can carry (control characters become U+FFFD)."""
    return _XML_BAD.sub("\ufffd", str(text))


def _classname(path: str) -> str:
    stem = os.path.splitext(path.replace("\\", "/"))[0].lstrip("./")
    return ".".join(p for p in stem.split("/") if p and p != "..") or "symderiv"


def render_junit(files: Sequence[FileResult]) -> str:
    root = ET.Element("testsuites", name="symderiv")
    totals = {"tests": 0, "failures": 0, "errors": 0, "time": 0.0}
    for f in files:
        suite = ET.SubElement(root, "testsuite", name=_x(f.title or f.path), file=_x(f.path))
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="path", value=_x(f.path))
        if f.source:
            ET.SubElement(props, "property", name="source", value=_x(f.source))
        failures = errors = 0
        for r in f.results:
            case = ET.SubElement(suite, "testcase", classname=_x(_classname(f.path)), name=_x(r.claim),
                                 file=_x(r.file or f.path), line=str(r.line), time=f"{r.seconds:.3f}")
            scope = scope_text(r) if r.verdict in (Verdict.PROVED, Verdict.NUMERIC) else None
            if scope:
                ET.SubElement(ET.SubElement(case, "properties"), "property", name="scope", value=_x(scope))
            if r.ok:
                if scope:
                    ET.SubElement(case, "system-out").text = _x(f"{r.verdict.value}: {scope}")
                continue
            tag = "error" if r.verdict is Verdict.ERROR else "failure"
            errors += tag == "error"
            failures += tag == "failure"
            node = ET.SubElement(case, tag, message=_x(headline(r)), type=r.verdict.value)
            node.text = _x(failure_text(r))
            if scope:
                ET.SubElement(case, "system-out").text = _x(f"{r.verdict.value}: {scope}")
        seconds = sum(r.seconds for r in f.results)
        suite.set("tests", str(len(f.results)))
        suite.set("failures", str(failures))
        suite.set("errors", str(errors))
        suite.set("skipped", "0")
        suite.set("time", f"{seconds:.3f}")
        for key, add in (("tests", len(f.results)), ("failures", failures), ("errors", errors), ("time", seconds)):
            totals[key] += add
    for key in ("tests", "failures", "errors"):
        root.set(key, str(int(totals[key])))
    root.set("time", f"{totals['time']:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# ---------------------------------------------------------------- github
def github_message(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(text: str) -> str:
    return github_message(text).replace(":", "%3A").replace(",", "%2C")


def render_github(files: Sequence[FileResult]) -> str:
    """One ``::error`` workflow command per claim that is not ok (nothing when all are ok)."""
    lines = []
    for f in files:
        for r in f.results:
            if r.ok:
                continue
            props = (f"file={github_property(_relative(r.file or f.path))},line={max(1, r.line)},"
                     f"title={github_property(f'symderiv {r.verdict.value}: {r.claim}')}")
            lines.append(f"::error {props}::{github_message(failure_text(r))}")
    return "".join(line + "\n" for line in lines)


# ---------------------------------------------------------------- sarif
_RULES = {   # rule id (a verdict) -> (name, short description, full description)
    "refuted": ("RefutedStep", "A claimed equality is false",
                "Some step of the derivation is not equal to the step before it."),
    "error": ("UncheckableClaim", "A claim could not be checked",
              "The claim has a parse error, an unknown name, a shape error or bad input."),
    "timeout": ("UndecidedClaim", "A claim was not decided in time",
                "Neither proved nor refuted within the time allowed."),
    "numeric": ("UnprovedClaim", "A claim was only checked numerically",
                "Every spot check agrees but no symbolic proof was found (--strict needs one)."),
    "proved": ("UnexpectedlyTrue", "A claim expected to be wrong holds",
               "The claim is marked expect = false but was shown equal."),
}


def _relative(path: str) -> str:
    p = path.replace("\\", "/")
    if os.path.isabs(path):
        try:
            rel = os.path.relpath(path)
            if not rel.startswith(".."):
                p = rel.replace("\\", "/")
        except ValueError:
            pass
    return p.removeprefix("./")


def _version() -> str:
    try:
        return metadata.version("symderiv")
    except metadata.PackageNotFoundError:
        return "0.2.0"


def render_sarif(files: Sequence[FileResult]) -> str:
    rule_ids = list(_RULES)
    rules = [{"id": rid, "name": name, "shortDescription": {"text": short},
              "fullDescription": {"text": full}, "defaultConfiguration": {"level": "error"}}
             for rid, (name, short, full) in _RULES.items()]
    results = []
    for f in files:
        for r in f.results:
            if r.ok:
                continue
            rel = _relative(r.file or f.path)
            if os.path.isabs(rel):
                location: dict[str, Any] = {"uri": Path(rel).as_uri()}
            else:
                location = {"uri": quote(rel, safe="/"), "uriBaseId": "%SRCROOT%"}
            results.append({
                "ruleId": r.verdict.value,
                "ruleIndex": rule_ids.index(r.verdict.value),
                "level": "error",
                "message": {"text": failure_text(r)},
                "locations": [{"physicalLocation": {"artifactLocation": location,
                                                    "region": {"startLine": max(1, r.line)}}}],
                "properties": {"claim": r.claim, "verdict": r.verdict.value, "expect": r.expect,
                               "failedStep": r.failed_step, "diagnosis": r.diagnosis},
            })
    doc = {"version": "2.1.0", "$schema": SARIF_SCHEMA,
           "runs": [{"tool": {"driver": {"name": "symderiv", "version": _version(), "rules": rules}},
                     "results": results, "properties": {"summary": summarize(list(files))}}]}
    return _dumps(doc)


# ---------------------------------------------------------------- dispatch
def render_html(files: Sequence[FileResult]) -> str:
    from .htmlreport import render_html as _html
    return _html(files)


_RENDERERS: dict[str, Callable[[Sequence[FileResult]], str]] = {
    "json": render_json, "junit": render_junit, "github": render_github,
    "sarif": render_sarif, "html": render_html,
}


def render(fmt: str, files: Sequence[FileResult]) -> str:
    """The whole report in format ``fmt`` (one of ``FORMATS``); ValueError for another name."""
    try:
        renderer = _RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)} (or text)") from None
    return renderer(list(files))
