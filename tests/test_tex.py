"""A claim's `tex` is checked against its steps, and reports show LaTeX steps with their reading (issue 16)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from symderiv import check_text
from symderiv.report.formats import render
from symderiv.results import FileResult

ROOT = Path(__file__).resolve().parents[1]

HEAD = """
[symbols]
x = "scalar"
n = "dim"
v = "vector(n)"
"""


def one(text: str):
    (r,) = check_text(HEAD + text, "t.toml", samples=4)
    return r


def test_a_tex_that_agrees_with_its_steps_keeps_the_verdict() -> None:
    r = one(r'''
[[claim]]
name  = "sigma'"
steps = ["diff(sigma(x), x)", "exp(-x) / (1 + exp(-x))**2"]
tex   = ["\\sigma'(x)", "\\frac{e^{-x}}{(1 + e^{-x})^2}"]
''')
    assert r.verdict.value == "proved", r.message
    assert r.tex_notes == ()


def test_a_tex_that_disagrees_with_its_step_is_an_error_naming_the_tex_and_both_forms() -> None:
    r = one(r'''
[[claim]]
name  = "sigma'"
steps = ["diff(sigma(x), x)", "exp(-x) / (1 + exp(-x))**2"]
tex   = ["\\sigma'(x)", "\\frac{e^{x}}{(1 + e^{-x})^2}"]
''')
    assert r.verdict.value == "error"
    assert not r.ok
    assert r.message.startswith("t.toml:7: the tex of step 1 says \\frac{e^{x}}{(1 + e^{-x})^2}, "
                                "the step says exp(-x) / (1 + exp(-x))**2")


def test_one_tex_string_is_split_at_its_equals_signs() -> None:
    good = one(r'''
[[claim]]
name = "c"
lhs  = "diff(sigma(x), x)"
rhs  = "sigma(x) * (1 - sigma(x))"
tex  = "\\sigma'(x) = \\sigma(x)\\,(1 - \\sigma(x))"
''')
    assert good.verdict.value == "proved"
    bad = one(r'''
[[claim]]
name = "c"
lhs  = "diff(sigma(x), x)"
rhs  = "sigma(x) * (1 - sigma(x))"
tex  = "\\sigma'(x) = \\sigma(x)\\,(1 + \\sigma(x))"
''')
    assert bad.verdict.value == "error"
    assert "the tex of step 1 says \\sigma(x)\\,(1 + \\sigma(x))" in bad.message


def test_a_wrong_claim_keeps_its_verdict_when_its_tex_says_the_same_wrong_thing() -> None:
    r = one(r'''
[[claim]]
name   = "slip"
expect = false
lhs    = "diff(sigma(x), x)"
rhs    = "sigma(x) * (sigma(x) - 1)"
tex    = "\\sigma'(x) = \\sigma(x)(\\sigma(x) - 1)"
''')
    assert (r.verdict.value, r.ok) == ("refuted", True)


def test_a_tex_that_cannot_be_read_is_only_displayed_with_a_note() -> None:
    r = one(r'''
[[claim]]
name = "c"
lhs  = "sum(v)"
rhs  = "sum(v)"
tex  = "\\sum_i v_i = \\sum_i v_i"
''')
    assert r.verdict.value == "proved"
    assert r.tex_notes and "\\sum" in r.tex_notes[0] and r.tex_notes[0].startswith("the tex of step 0 was not checked")


def test_conditions_and_remarks_are_not_sides() -> None:
    r = one(r'''
[[claim]]
name = "c"
lhs  = "2 * x"
rhs  = "x + x"
tex  = "x > 0:\\ 2x = x + x,\\quad \\text{for all } x"
''')
    assert r.verdict.value == "proved"
    assert r.tex_notes == ()


def test_zero_in_a_tex_is_the_zero_array_of_its_step() -> None:
    ok = one('\n[[claim]]\nname = "c"\nlhs = "v - v"\nrhs = "zeros(n)"\ntex = "v - v = 0"\n')
    assert (ok.verdict.value, ok.tex_notes) == ("proved", ())
    bad = one('\n[[claim]]\nname = "c"\nlhs = "v - v"\nrhs = "zeros(n)"\ntex = "v + v = 0"\n')
    assert bad.verdict.value == "error" and "the tex of step 0 says v + v" in bad.message



def test_a_tex_side_read_as_another_steps_tree_is_still_compared_with_its_own_step() -> None:
    r = one(r"""
[[claim]]
name   = "slip"
expect = false
steps  = ["x**2", "2 * x"]
tex    = ["2x", "2x"]
""")
    assert r.verdict.value == "error"
    assert r.message.startswith("t.toml:7: the tex of step 0 says 2x, the step says x**2 (at x = ")


def _checked_again(text: str) -> list[tuple[str, ...]]:
    """The (step, tex) pairs ``check_tex`` checks again as claims of their own for the file's first claim
    (none of them fails here: the check's result must be empty)."""
    from symderiv.engine.building.evaluate import Program
    from symderiv.engine.texcheck import check_tex
    from symderiv.language.reading import read_text
    from symderiv.results import ClaimResult, Verdict
    doc = read_text(text, "t.toml")
    spec = doc.claims[0]
    final = ClaimResult("t.toml", spec.line, "c", Verdict.PROVED, steps=spec.steps)
    asked: list[tuple[str, ...]] = []

    def run(pair):
        asked.append(pair.steps)
        return final

    assert list(check_tex(Program.build(doc), spec, final, run)) == []
    return asked


def test_only_the_tex_sides_that_are_not_their_steps_tree_are_checked_again() -> None:
    asked = _checked_again(HEAD + r"""
[[claim]]
name  = "c"
steps = ["diff(sigma(x), x)", "sigma(x) * (1 - sigma(x))", "sigma(x) - sigma(x)**2"]
tex   = ["\\sigma'(x)", "\\sigma(x)(1 - \\sigma(x))", "\\sigma(x) - \\sigma(x)\\sigma(x)"]
""")
    assert asked == [("sigma(x) - sigma(x)**2", "$\\sigma(x) - \\sigma(x)\\sigma(x)$")]



DEFINES = '\n[define]\ns = "sigma(x)"\nq = "s**2"\n'


def test_a_tex_that_writes_a_define_out_is_not_checked_again_but_a_wrong_one_is_an_error() -> None:
    asked = _checked_again(HEAD + DEFINES + r"""
[[claim]]
name  = "c"
steps = ["diff(s, x)", "s * (1 - s)", "s - q"]
tex   = ["\\sigma'(x)", "\\sigma(x)(1 - \\sigma(x))", "\\sigma(x) - \\sigma(x)^2"]
""")
    assert asked == []
    wrong = one(DEFINES + r"""
[[claim]]
name  = "c"
steps = ["diff(s, x)", "s * (1 - s)"]
tex   = ["\\sigma'(x)", "\\sigma(x)(1 + \\sigma(x))"]
""")
    assert wrong.verdict.value == "error"
    assert "the tex of step 1 says \\sigma(x)(1 + \\sigma(x)), the step says s * (1 - s)" in wrong.message


def test_a_define_is_not_written_out_under_a_derivative_by_a_define() -> None:
    # diff(q, s) holds x fixed and moves s: 2 s.  Written out, sigma(x)**2 does not move with s: 0
    r = one(DEFINES + r"""
[[claim]]
name  = "c"
steps = ["diff(q, s)", "2 * s"]
tex   = ["\\frac{\\partial}{\\partial s} \\sigma(x)^2", "2 s"]
""")
    assert r.verdict.value == "error"
    assert r.message.startswith("t.toml:11: the tex of step 0 says \\frac{\\partial}{\\partial s} \\sigma(x)^2, "
                                "the step says diff(q, s) (at x = 0: the step is 1, the tex 0)")


# ------------------------------------------------------------------ reports
LATEX = HEAD + r'''
[[claim]]
name   = "wrong sign, in LaTeX"
expect = true
steps  = ['$\frac{d}{dx} \sigma(x)$', '$-\sigma(x)(1 - \sigma(x))$']
'''


def test_every_format_shows_a_latex_step_as_written_and_its_reading() -> None:
    results = check_text(LATEX, "t.toml", samples=4)
    assert results[0].readings == ("diff(sigma(x), x)", "-(sigma(x) * (1 - sigma(x)))")
    files = [FileResult("t.toml", "t", None, tuple(results))]
    for fmt in ("json", "junit", "github", "sarif", "html"):
        out = render(fmt, files)
        escaped = out.replace("\\\\", "\\")
        assert "-\\sigma(x)(1 - \\sigma(x))" in escaped or "-\\\\sigma" in out, fmt
        assert "-(sigma(x) * (1 - sigma(x)))" in out, fmt
    report = json.loads(render("json", files))
    assert report["results"][0]["readings"] == ["diff(sigma(x), x)", "-(sigma(x) * (1 - sigma(x)))"]


def test_the_terminal_report_shows_the_reading_under_verbose(tmp_path: Path) -> None:
    f = tmp_path / "t.toml"
    f.write_text(LATEX)
    run = [sys.executable, "-m", "symderiv", "check", str(f), "--no-cache", "--samples", "4"]
    plain = subprocess.run(run, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    verbose = subprocess.run(run + ["-v"], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert "$-\\sigma(x)(1 - \\sigma(x))$" in plain.stdout
    assert "read as: -(sigma(x) * (1 - sigma(x)))" not in plain.stdout
    assert "read as: -(sigma(x) * (1 - sigma(x)))" in verbose.stdout


def test_the_html_report_marks_numeric_steps_with_approx() -> None:
    from symderiv.report.htmlreport import render_html
    from symderiv.results import ClaimResult, StepResult, Verdict
    r = ClaimResult("t.toml", 1, "c", Verdict.NUMERIC, ok=True, steps=("x", "x + 0", "x"),
                    step_results=(StepResult(1, Verdict.NUMERIC), StepResult(2, Verdict.PROVED)))
    page = render_html([FileResult("t.toml", "t", None, (r,))])
    marks = [part.split(">", 1)[1][0] for part in page.split('<span class="mark')[1:]]
    assert marks == ["\u2713", "\u2248", "\u2713"]


def test_a_time_limit_during_the_tex_check_keeps_a_proved_claim_proved() -> None:
    from symderiv.language.reading import read_text
    from symderiv.results import ClaimResult, Verdict
    from symderiv.run.workers import Task, _stopped
    from symderiv.settings import Settings
    doc = read_text(HEAD + '\n[[claim]]\nname = "c"\nlhs = "x"\nrhs = "x"\ntex = "x = x"\n', "t.toml")
    proved = ClaimResult("t.toml", 7, "c", Verdict.PROVED, steps=("x", "x"))
    r = _stopped(Task(doc, 0, Settings()), proved, 21.0)
    assert r.verdict is Verdict.PROVED
    assert r.tex_notes == ("the tex was not checked within the time limit",)


def test_a_double_prime_in_a_tex_is_the_second_derivative() -> None:
    second = one(r'''
[[claim]]
name = "c"
lhs  = "diff(diff(sigma(x), x), x)"
rhs  = "sigma(x) * (1 - sigma(x)) * (1 - 2*sigma(x))"
tex  = "\\sigma''(x) = \\sigma(x)(1 - \\sigma(x))(1 - 2\\sigma(x))"
''')
    assert second.verdict.value == "proved", second.message
    first = one(r'''
[[claim]]
name = "c"
lhs  = "diff(sigma(x), x)"
rhs  = "sigma(x) * (1 - sigma(x))"
tex  = "\\sigma''(x) = \\sigma(x)(1 - \\sigma(x))"
''')
    assert first.verdict.value == "error"
    assert "the tex of step 0 says \\sigma''(x)" in first.message
