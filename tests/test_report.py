"""The terminal report of a refuted chain, and ``symderiv explain`` (issue 5)."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from symderiv import check_text
from symderiv.report.mathtext import math_lines
from symderiv.report.reporting import console, render
from symderiv.results import FileResult

ROOT = Path(__file__).resolve().parents[1]

CHAINS = """
title = "[bold]chains[/bold]"
[symbols]
x = "scalar"

[[claim]]
name = "[red]wrong in the middle[/red]"
expect = false
steps = ["(x + 1)**2", "x**2 + 2*x + 1", "-(x**2 + 2*x + 1)", "-x**2 - 2*x - 1", "-(x + 1)**2"]

[[claim]]
name = "two wrong steps"
expect = false
steps = ["x + x", "2*x", "-2*x", "2*x"]

[[claim]]
name = "right"
steps = ["1/(1 + exp(-x))", "sigma(x)"]
tex = ["\\\\frac{1}{1 + e^{-x}}", "\\\\sigma(x)"]
"""


@pytest.fixture(scope="module")
def report() -> str:
    results = check_text(CHAINS, "chains.toml")
    buf = io.StringIO()
    render([FileResult("chains.toml", "[bold]chains[/bold]", None, tuple(results))], console(buf))
    return buf.getvalue()


def test_a_refuted_chain_shows_every_step_marked_and_the_first_wrong_one_named(report: str) -> None:
    lines = report.splitlines()
    assert "\x1b[" not in report          # no colour when not a terminal: the words carry the verdict
    assert "[red]wrong in the middle[/red]" in report and "[bold]chains[/bold]" in report   # never markup
    assert any(ln.strip() == "step 0: (x + 1)**2" for ln in lines)
    assert any(ln.strip() == "✓ step 1: x**2 + 2*x + 1" for ln in lines)
    assert any(ln.strip() == "✗ step 2: -(x**2 + 2*x + 1)   <- first wrong step" for ln in lines)
    assert any(ln.strip() == "✓ step 3: -x**2 - 2*x - 1" for ln in lines)
    assert "step 2 flips the sign of step 1" in report
    assert "step 2 is wrong, and steps 3–4 follow correctly from it" in report


def test_the_counterexample_names_the_point_and_both_exact_values(report: str) -> None:
    block = report.split("step 2 flips the sign of step 1")[1]
    assert "counterexample" in block
    # x = 0 is the simplest point where (x+1)^2 and its negation differ
    assert "at x = 0" in block
    assert "step 1[0, 0] = 1" in block and "step 2[0, 0] = -1" in block
    assert "difference (step 2 minus step 1) = -2" in block


def test_later_wrong_steps_are_listed_after_the_first(report: str) -> None:
    assert "✗ step 2: -2*x   <- first wrong step" in report
    assert "step 3 is not equal to step 2" in report
    assert "step 2 is the first wrong step; step 3 is also not equal to step 2" in report


def test_steps_are_drawn_as_math() -> None:
    assert math_lines("(1 / s) * ds * v_c", elementwise=()) == ["ds", "──⋅v_c", "s"]    # s, ds scalars
    drawn = math_lines("-v_c @ (y_hat - y).T")
    assert drawn is not None and drawn[0].strip() == "T" and drawn[1].startswith("-v_c⋅(")
    assert math_lines("x +") is None                  # not an expression: shown as written
    assert math_lines("__import__('os').system('true')") is None
    assert math_lines("lambda: 1") is None


PRODUCTS = """
[symbols]
n = "dim"
A = "matrix(n, n)"
x = "vector(n)"
y = "vector(n)"
s = "scalar"

[[claim]]
name = "grouping"
expect = false
steps = ["(A.T @ x) * (1 - y) + x", "A.T @ (x * (1 - y)) + x"]

[[claim]]
name = "A * x for A @ x"
expect = false
steps = ["grad(sum(A @ x), x)", "grad(sum(A * x), x)", "s * x * y + (x.T @ y) * x"]
"""


def _drawings(text: str) -> dict[str, list[str]]:
    """Each step's text -> the lines drawn under it in the terminal report."""
    drawn: dict[str, list[str]] = {}
    step = None
    for ln in text.splitlines():
        if "step " in ln and ": " in ln and not ln.startswith(" " * 13):
            step = ln.split(": ", 1)[1].split("   <-")[0].strip()
            drawn[step] = []
        elif step is not None and ln.startswith(" " * 13) and not ln.strip().startswith(("tex:", "read as:")):
            drawn[step].append(ln.rstrip())
        else:
            step = None
    return drawn


def test_elementwise_and_matrix_products_are_drawn_apart() -> None:
    # a new user's report: `*` and `@` were both drawn ⋅ and the grouping dropped, so these two steps
    # (and `A * x` for `A @ x`) were drawn identically
    results = check_text(PRODUCTS, "p.toml")
    buf = io.StringIO()
    render([FileResult("p.toml", "p", None, tuple(results))], console(buf))
    drawn = _drawings(buf.getvalue())
    first, second = drawn["(A.T @ x) * (1 - y) + x"], drawn["A.T @ (x * (1 - y)) + x"]
    assert first and second and first != second
    assert "∘(1 - y) + x" in first[-1] and "⋅x⎠" in first[-1]         # (Aᵀ⋅x)∘(1 - y) + x
    assert second[-1].strip() == "A ⋅(x∘(1 - y)) + x"
    assert "sum(A∘x)" in "".join(drawn["grad(sum(A * x), x)"])
    assert "sum(A⋅x)" in "".join(drawn["grad(sum(A @ x), x)"])
    # a product by a scalar (s, and the 1 x 1 x.T @ y) stays ⋅; the elementwise one is ∘
    assert drawn["s * x * y + (x.T @ y) * x"][-1].strip() == "s⋅x∘y + x ⋅y⋅x"


def test_a_drawing_keeps_the_parentheses_that_group_products() -> None:
    assert math_lines("A @ (x * y)") == ["A⋅(x∘y)"]
    assert math_lines("(A @ x) * y") == ["(A⋅x)∘y"]
    assert math_lines("A @ x * y") == ["(A⋅x)∘y"]                       # Python reads it (A @ x) * y
    assert math_lines("A @ (B @ x)") == math_lines("A @ B @ x") == ["A⋅B⋅x"]   # these associate
    assert math_lines("2 * x * y") == ["2⋅x∘y"]                         # a number is a scalar
    assert math_lines("x * -y") == ["x∘(-y)"] and math_lines("-x * y") == ["-x∘y"]
    assert math_lines("s * x", elementwise=()) == ["s⋅x"]              # the checker knows s is a scalar


def test_a_drawn_fraction_appears_in_the_chain(report: str) -> None:
    results = check_text(CHAINS.replace('"-(x + 1)**2"]', '"-(x + 1)**2", "(x + 1)**3 / (x + 1)"]'), "c.toml")
    buf = io.StringIO()
    render([FileResult("c.toml", "c", None, tuple(results[:1]))], console(buf))
    text = buf.getvalue()
    assert "✗ step 5: (x + 1)**3 / (x + 1)" in text
    assert "────────" in text                         # the fraction bar of step 5 drawn as math
    assert "step 2 is the first wrong step; step 5 is also not equal to step 4" in text


def run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "symderiv", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=600, env={**os.environ, "NO_COLOR": "1"})


def test_explain_tells_the_whole_story_of_one_claim(tmp_path: Path) -> None:
    f = tmp_path / "chains.toml"
    f.write_text(CHAINS)
    proc = run(["explain", str(f), "[red]wrong in the middle[/red]"])
    assert proc.returncode == 0, proc.stderr       # the claim is expected wrong, and it is refuted
    out = proc.stdout
    assert "two wrong steps" not in out and "right" not in out.split("\n")[0]
    for k in range(5):
        assert f"step {k}: " in out
    assert "expanded: x**2 + 2*x + 1" in out or "expanded: (x + 1)**2" in out
    assert "expanded: -(x + 1)**2" in out or "expanded: -x**2 - 2*x - 1" in out
    assert "compared with step 0: proved" in out and "compared with step 1: refuted" in out
    assert "proved equal at every index value for fixed sizes" in out
    assert "numeric check: 20 points agreed" in out
    assert "step 2 flips the sign of step 1" in out
    assert "step 2 is wrong, and steps 3–4 follow correctly from it" in out


def test_explain_shows_tex_and_every_claim_without_a_name(tmp_path: Path) -> None:
    f = tmp_path / "chains.toml"
    f.write_text(CHAINS)
    proc = run(["explain", str(f)])
    assert proc.returncode == 0, proc.stderr
    assert "tex: \\sigma(x)" in proc.stdout
    assert "two wrong steps" in proc.stdout and "right" in proc.stdout


def test_explain_an_unknown_claim_lists_the_names(tmp_path: Path) -> None:
    f = tmp_path / "chains.toml"
    f.write_text(CHAINS)
    proc = run(["explain", str(f), "no such claim"])
    assert proc.returncode == 2
    assert "no claim named 'no such claim'" in proc.stderr
    assert "  two wrong steps" in proc.stderr and "  right" in proc.stderr
    assert run(["explain", str(tmp_path / "missing.toml")]).returncode == 2


def test_explain_takes_a_unique_part_of_the_name_or_a_line_number(tmp_path: Path) -> None:
    f = tmp_path / "chains.toml"
    f.write_text(CHAINS)
    lines = CHAINS.splitlines()
    start = next(i for i, s in enumerate(lines, 1) if s.startswith("name") and "two wrong steps" in s) - 1
    by_part = run(["explain", str(f), "TWO WRONG"])          # case is ignored when that is unique
    by_line = run(["explain", str(f), str(start + 2)])       # a line inside the claim's table
    for proc in (by_part, by_line):
        assert proc.stdout.splitlines()[0].startswith("two wrong steps"), proc.stdout + proc.stderr
        assert f"chains.toml:{start}" in proc.stdout.splitlines()[0]
    ambiguous = run(["explain", str(f), "wrong"])
    assert ambiguous.returncode == 2 and "claims whose name contains 'wrong'" in ambiguous.stderr
    before = run(["explain", str(f), "1"])
    assert before.returncode == 2 and "has no claim at line 1" in before.stderr
    beyond = run(["explain", str(f), str(len(lines) + 500)])     # explained the last claim
    assert beyond.returncode == 2 and f"has no line {len(lines) + 500} (it has {len(lines)})" in beyond.stderr


def test_explain_does_not_simplify_entries_too_long_to_show(monkeypatch: pytest.MonkeyPatch) -> None:
    """simplify spent its budget, and more, on every long entry of every step: 11 s for a network claim."""
    import numpy as np
    import sympy as sp
    from symderiv.report import explaining
    calls = []
    monkeypatch.setattr(sp, "simplify", lambda e: (calls.append(e), e)[1])
    x = sp.Symbol("x")
    long_entry = sum(sp.exp(k * x) / (k + x) for k in range(1, 60))
    assert len(str(long_entry)) > explaining.SIMPLIFY_LARGEST
    from symderiv.engine.prove.proving import OutOfTime, budget
    explaining._show_array(np.array([[long_entry, x + x]], dtype=object), 1.0, budget, OutOfTime)
    assert calls == [2 * x]


def test_every_line_of_a_files_errors_is_indented_under_it(tmp_path, capsys) -> None:
    """The second error of a non-derivation .toml began at the margin, among the file headings."""
    from symderiv.cli import main

    (tmp_path / "config.toml").write_text("[tool.x]\na = 1\n")
    main(["check", "--no-cache", str(tmp_path / "config.toml")])
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if "config.toml:1:" in line]
    assert len(lines) == 2 and all(line.startswith("    ") for line in lines), lines
