"""Each report format, checked by parsing what it writes."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from symderiv.report.formats import FORMATS, github_message, github_property, render
from symderiv.report.wording import describe_counterexample, describe_diagnosis, failure_text
from symderiv.report.mathml import to_mathml, value_to_mathml
from symderiv.results import ClaimResult, Counterexample, FileResult, StepResult, Verdict

HOSTILE_NAME = "bad [red]claim[/red], with: 100% <script>alert(1)</script>"
HOSTILE_MESSAGE = "unknown name 'foo' <script>x()</script>: 50%, sorry\r\nsee [red]line 2[/red]"
ODD_PATH = "derivations/odd, name: 100%.toml"
GITHUB_LINE = re.compile(r"^::error file=[^,]+,line=\d+,title=[^:]+::.*$")


def _files() -> list[FileResult]:
    proved = ClaimResult(
        file="derivations/word2vec.toml", line=17, claim="3a: gradient wrt the centre vector",
        verdict=Verdict.PROVED, ok=True, seconds=0.21,
        steps=("grad(J, v_c)", "U @ (y_hat - y)"),
        step_results=(StepResult(1, Verdict.PROVED, method="exact evaluation", sizes=({"d": 2, "W": 3},)),),
        note="the classic result")
    cx = Counterexample(sizes={"d": 2, "W": 3}, indices={"o": 0}, point={"v_c": [[1], [0]], "x": "1/2"},
                        entry=(0, 1), lhs="-1/2", rhs="1/2", exact=True)
    refuted = ClaimResult(
        file="derivations/word2vec.toml", line=30, claim="3c: the u_k chain",
        verdict=Verdict.REFUTED, ok=False, failed_step=2, diagnosis="sign", counterexample=cx, seconds=1.5,
        steps=("grad(J, U)", "v_c @ (y_hat - y).T", "-v_c @ (y_hat - y).T", "-(v_c @ (y_hat - y).T)"),
        step_results=(StepResult(1, Verdict.PROVED), StepResult(2, Verdict.REFUTED, diagnosis="sign", counterexample=cx),
                      StepResult(3, Verdict.PROVED)))
    factor = ClaimResult(
        file="derivations/word2vec.toml", line=40, claim="a factor slip", verdict=Verdict.REFUTED, ok=False,
        failed_step=1, diagnosis="factor", steps=("x", "2*x"),
        step_results=(StepResult(1, Verdict.REFUTED, diagnosis="factor", diagnosis_detail="2"),))
    error = ClaimResult(
        file=ODD_PATH, line=3, claim=HOSTILE_NAME, verdict=Verdict.ERROR, ok=False, message=HOSTILE_MESSAGE,
        steps=("foo(", "<b>x</b>"))
    expected = ClaimResult(
        file=ODD_PATH, line=9, claim="known slip", verdict=Verdict.REFUTED, expect=False, ok=True,
        failed_step=1, diagnosis="transpose", steps=("A", "A.T"),
        step_results=(StepResult(1, Verdict.REFUTED, diagnosis="transpose"),))
    return [
        FileResult("derivations/word2vec.toml", "word2vec, naive softmax", "Assignment 1", (proved, refuted, factor)),
        FileResult(ODD_PATH, "odd <title> & more", None, (error, expected)),
    ]


def _not_ok(files: list[FileResult]) -> list[ClaimResult]:
    return [r for f in files for r in f.results if not r.ok]


# ---------------------------------------------------------------- json
def test_json_has_the_contract_fields() -> None:
    doc = json.loads(render("json", _files()))
    assert doc["version"] == 1
    assert len(doc["results"]) == 5
    for r in doc["results"]:
        for key in ("file", "line", "claim", "verdict", "expect", "ok", "failed_step", "diagnosis",
                    "counterexample", "message", "seconds"):
            assert key in r
    chain = doc["results"][1]
    assert chain["failed_step"] == 2 and chain["diagnosis"] == "sign"
    assert chain["counterexample"]["sizes"] == {"d": 2, "W": 3}
    assert chain["counterexample"]["lhs"] == "-1/2"
    assert doc["results"][3]["message"] == HOSTILE_MESSAGE
    assert doc["summary"] == {"claims": 5, "ok": 2, "proved": 1, "numeric": 0, "refuted": 3, "timeout": 0, "error": 1}


# ---------------------------------------------------------------- junit
def test_junit_parses_with_one_testcase_per_claim() -> None:
    files = _files()
    root = ET.fromstring(render("junit", files))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 2
    assert root.get("tests") == "5" and root.get("failures") == "2" and root.get("errors") == "1"
    for suite, f in zip(suites, files):
        cases = suite.findall("testcase")
        assert [c.get("name") for c in cases] == [r.claim for r in f.results]
        assert int(suite.get("tests", "")) == len(cases)
        assert int(suite.get("failures", "")) == sum(c.find("failure") is not None for c in cases)
        assert int(suite.get("errors", "")) == sum(c.find("error") is not None for c in cases)
        for c, r in zip(cases, f.results):
            assert c.get("file") == r.file and c.get("line") == str(r.line)
            assert c.get("classname")
    first = suites[0].findall("testcase")
    failure = first[1].find("failure")
    assert failure is not None and failure.get("type") == "refuted"
    text = failure.text or ""
    assert "step 2 flips the sign of step 1" in text
    assert "counterexample" in text and "d = 2" in text and "-1/2" in text
    factor = first[2].find("failure")
    assert factor is not None and "off by a factor of 2" in (factor.text or "")
    assert first[0].find("failure") is None
    error = suites[1].findall("testcase")[0].find("error")
    assert error is not None and HOSTILE_MESSAGE.replace("\r\n", "\n") in (error.text or "")
    assert suites[1].findall("testcase")[0].get("name") == HOSTILE_NAME


def test_junit_survives_control_characters() -> None:
    claim = ClaimResult(file="a.toml", line=1, claim="bell\x07 esc\x1b[31m", verdict=Verdict.ERROR,
                        message="nul\x00 here")
    root = ET.fromstring(render("junit", [FileResult("a.toml", "t\x01", None, (claim,))]))
    assert len(root.iter("testcase").__next__().findall("error")) == 1


# ---------------------------------------------------------------- github
def _unescape(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


def test_github_one_escaped_line_per_failing_claim() -> None:
    files = _files()
    out = render("github", files)
    lines = out.splitlines()
    assert len(lines) == len(_not_ok(files)) == 3
    for line, r in zip(lines, _not_ok(files)):
        assert GITHUB_LINE.match(line), line
        props, message = line[len("::error "):].split("::", 1)
        fields = dict(p.split("=", 1) for p in props.split(","))
        assert _unescape(fields["file"]) == r.file
        assert fields["line"] == str(r.line)
        assert r.claim in _unescape(fields["title"])
        assert "\r" not in message and "\n" not in message
        assert _unescape(message) == failure_text(r)
    assert "file=derivations/odd%2C name%3A 100%25.toml" in lines[2]
    assert "%0A" in lines[2] and "%0D" in lines[2] and "50%25" in lines[2]


def test_github_escaping_rules() -> None:
    assert github_message("100% a\r\nb: c, d") == "100%25 a%0D%0Ab: c, d"
    assert github_property("100% a\r\nb: c, d") == "100%25 a%0D%0Ab%3A c%2C d"
    all_ok = [FileResult("x.toml", "x", None, (ClaimResult("x.toml", 1, "c", Verdict.PROVED, ok=True),))]
    assert render("github", all_ok) == ""


# ---------------------------------------------------------------- sarif
def test_sarif_is_2_1_0_with_one_result_per_failing_claim() -> None:
    files = _files()
    doc = json.loads(render("sarif", files))
    assert doc["version"] == "2.1.0" and "sarif" in doc["$schema"]
    assert len(doc["runs"]) == 1
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "symderiv"
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert {"refuted", "error", "timeout"} <= set(rule_ids)
    bad = _not_ok(files)
    assert len(run["results"]) == len(bad)
    for res, r in zip(run["results"], bad):
        assert res["level"] == "error" and res["ruleId"] == r.verdict.value
        assert rule_ids[res["ruleIndex"]] == res["ruleId"]
        assert res["message"]["text"] == failure_text(r)
        loc = res["locations"][0]["physicalLocation"]
        assert loc["region"]["startLine"] == r.line
        assert not loc["artifactLocation"]["uri"].startswith("/")
    assert run["results"][2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "derivations/odd%2C%20name%3A%20100%25.toml"


# ---------------------------------------------------------------- html
class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_self_contained_mathml_and_escaped() -> None:
    out = render("html", _files())
    parser = _Collector()
    parser.feed(out)
    parser.close()
    tags = [t for t, _ in parser.tags]
    text = "".join(parser.text)
    assert "<math" in out and tags.count("math") >= 11
    assert "<script" not in out.lower()
    assert not {"script", "link", "img", "iframe", "object", "embed"} & set(tags)
    for _, attrs in parser.tags:
        for name, value in attrs.items():
            assert not (name in ("href", "src") and value and re.match(r"\s*(https?:)?//", value))
    assert not re.search(r"url\(|@import", out)
    assert HOSTILE_NAME in text and "<script>x()</script>" in text and "odd <title> & more" in text
    assert "step 2 flips the sign of step 1" in text
    assert "off by a factor of 2" in text and "step 1 is the transpose of step 0" in text
    assert "\u2713" in text and "\u2717" in text
    assert "steps 3" not in text and "step 3 follows correctly" in text
    wrong = [a for t, a in parser.tags if t == "li" and "first-wrong" in (a.get("class") or "")]
    assert len(wrong) == 3


def test_every_format_handles_no_files() -> None:
    for fmt in FORMATS:
        assert render(fmt, []) is not None
    with pytest.raises(ValueError):
        render("yaml", [])


# ---------------------------------------------------------------- wording
@pytest.mark.parametrize("diagnosis, detail, words", [
    ("sign", None, "step 2 flips the sign of step 1"),
    ("sign", "it flips the sign of the step before", "step 2 flips the sign of step 1"),
    ("factor", "2", "step 2 is off by a factor of 2 from step 1"),
    ("factor", "-1/2", "off by a factor of -1/2"),
    ("factor", "it is off by a factor of 2", "step 2 is off by a factor of 2"),
    ("transpose", None, "step 2 is the transpose of step 1"),
    ("missing-term", "U[:, o]", "step 2 drops a term of step 1: U[:, o]"),
    ("missing-term", "it drops the term U[:, o] of the step before", "step 2 drops the term U[:, o] of step 1"),
    ("extra-term", None, "step 2 adds a term"),
    ("extra-term", "it adds the term 1e-12", "step 2 adds the term 1e-12"),
    ("shape", None, "shapes of step 2 and step 1 differ"),
    ("shape", "the shapes differ: (2, 1) before, (1, 2) after", "differ ((2, 1) before, (1, 2) after)"),
    (None, None, "step 2 is not equal to step 1"),
])
def test_describe_diagnosis(diagnosis: str | None, detail: str | None, words: str) -> None:
    assert words in describe_diagnosis(StepResult(2, Verdict.REFUTED, diagnosis=diagnosis, diagnosis_detail=detail))


def test_describe_shapes_and_counterexample() -> None:
    cx = Counterexample(sizes={"d": 2}, indices={}, point={}, entry=None, lhs=None, rhs=None,
                        lhs_shape=(2, 1), rhs_shape=(1, 2))
    assert "step 1 has shape 1 \u00d7 2 but step 0 has shape 2 \u00d7 1" == \
        describe_diagnosis(StepResult(1, Verdict.REFUTED, diagnosis="shape", counterexample=cx))
    full = Counterexample(sizes={"d": 2}, indices={"o": 1}, point={"x": 0.5}, entry=(0, 0), lhs=1, rhs=-1)
    words = describe_counterexample(full, 1)
    assert "d = 2" in words and "o = 1" in words and "x = 0.5" in words and "step 0 entry (0, 0) = 1" in words
    exact = Counterexample(sizes={}, indices={}, point={"x": "1/3"}, entry=None, lhs=0.25, rhs=0.5,
                           lhs_exact="1/4", rhs_exact="exp(1)/2")
    words = describe_counterexample(exact, 1)
    assert "step 0 = 1/4" in words and "step 1 = exp(1)/2 (\u2248 0.5)" in words


# ---------------------------------------------------------------- mathml
def test_mathml_structure() -> None:
    grad = ET.fromstring(to_mathml("grad(J, v_c)"))
    frac = grad.find(".//mfrac")
    assert frac is not None and "\u2202" in "".join(frac.itertext())
    assert grad.find(".//msub") is not None
    assert ET.fromstring(to_mathml("y_hat")).find(".//mover") is not None
    t = ET.fromstring(to_mathml("U.T @ v_c")).find(".//msup")
    assert t is not None and "T" in "".join(t.itertext())
    assert "\u03c3" in to_mathml("sigma(x) * (1 - sigma(x))")
    assert ET.fromstring(to_mathml("x / (1 + exp(-x))")).find(".//mfrac") is not None
    assert ET.fromstring(to_mathml("x ** 2")).find(".//msup") is not None
    assert ET.fromstring(value_to_mathml([[1, 2], [3, 4]])).find(".//mtable") is not None


@pytest.mark.parametrize("text", [
    "", "   ", "foo(", "import os", "__import__('os').system('x')", "lambda: 1", "<script>alert(1)</script>",
    "a\x00b", "x" * 5000, "(" * 300 + "x" + ")" * 300, "-" * 1999 + "x", "x" + "**x" * 600,
    "[1, 2][0]", "f(*a, **k)", "x if y else z", "1e400", "A[1:2, ::3]", "'str' + x", "\ud800",
])
def test_mathml_never_raises_and_is_well_formed(text: str) -> None:
    out = to_mathml(text)
    assert out.startswith("<math") and out.endswith("</math>")
    ET.fromstring(out)
    assert "<script" not in out


def _strict(text: str) -> object:
    def refuse(name: str) -> object:
        raise ValueError(f"not JSON: {name}")
    return json.loads(text, parse_constant=refuse)


def test_a_value_beyond_floats_is_null_not_infinity() -> None:
    """`1e400 * x` against `x`: the counterexample's step 0 is 10**400, a float overflow; Python wrote
    `Infinity`, which JSON readers other than Python's refuse."""
    from symderiv import check_text
    text = '[symbols]\nx = "scalar"\n[[claim]]\nname = "big"\nlhs = "1e400 * x"\nrhs = "x"\nexpect = false\n'
    results = check_text(text, "big.toml")
    doc = _strict(render("json", [FileResult("big.toml", "", "", tuple(results))]))
    cx = doc["results"][0]["counterexample"]  # type: ignore[index]
    assert cx["lhs"] is None and cx["rhs"] == 1
