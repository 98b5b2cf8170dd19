"""Piecewise functions decided exactly (issue 13): relu, abs, maximum, clip, heaviside, sign, max."""
from __future__ import annotations

import json
from fractions import Fraction

import pytest
import sympy as sp

from symderiv import check_text
from symderiv.engine.prove import cases, regions
from symderiv.engine.prove.proving import Prover
from symderiv.language.piecewise import Step

HEAD = """
[symbols]
x = "scalar"
a = "scalar"
b = "scalar"
n = "dim"
m = "dim"
W = "matrix(n, m)"
v = "vector(m)"
g = "vector(n)"
"""


def claims(*rows: tuple[str, str, str, bool]) -> str:
    out = [HEAD]
    for name, lhs, rhs, expect in rows:
        out.append(f'[[claim]]\nname = "{name}"\nlhs = "{lhs}"\nrhs = "{rhs}"\nexpect = {str(expect).lower()}\n')
    return "\n".join(out)


def results(text: str, **settings: object) -> dict[str, object]:
    return {r.claim: r for r in check_text(text, "t.toml", **settings)}


ACCEPTANCE = [
    ("odd part", "relu(x) - relu(-x)", "x", True),
    ("even part", "relu(x) + relu(-x)", "abs(x)", True),
    ("relu' x", "diff(relu(x), x) * x", "relu(x)", True),
    ("maximum by abs", "maximum(a, b)", "(a + b + abs(a - b)) / 2", True),
    ("abs'", "diff(abs(x), x)", "sign(x)", True),
    ("relu layer", "grad(sum(g * relu(W @ v)), v)", "W.T @ (g * heaviside(W @ v))", True),
    ("relu layer, relu for its derivative", "grad(sum(g * relu(W @ v)), v)", "W.T @ (g * relu(W @ v))", False),
]


def test_the_acceptance_identities_are_proved_and_the_slip_refuted() -> None:
    got = {k: r.verdict.value for k, r in results(claims(*ACCEPTANCE)).items()}
    assert got == {name: ("proved" if expect else "refuted") for name, _, _, expect in ACCEPTANCE}


FLAT_PARTS = [
    ("relu6", "diff(clip(x, 0, 6), x)", "heaviside(x) * heaviside(6 - x)", True, None),
    ("relu6 as two relus", "diff(relu(x) - relu(x - 6), x)", "heaviside(x) * heaviside(6 - x)", True, None),
    ("relu6' = relu'", "diff(clip(x, 0, 6), x)", "heaviside(x)", False, "x > 6"),
    ("hard sigmoid", "diff(clip(x / 6 + 1/2, 0, 1), x)", "heaviside(x + 3) * heaviside(3 - x) / 6", True, None),
    ("hard sigmoid' = 1/6", "diff(clip(x / 6 + 1/2, 0, 1), x)", "1/6", False, "x > 3"),
    ("hard swish", "diff(x * clip(x + 3, 0, 6) / 6, x)",
     "heaviside(x - 3) + (2*x + 3) / 6 * heaviside(x + 3) * heaviside(3 - x)", True, None),
    ("hard swish' = (2x + 3)/6", "diff(x * clip(x + 3, 0, 6) / 6, x)", "(2*x + 3) / 6", False, "x > 3"),
    ("clipping", "diff(clip(x, -5, 5), x)", "heaviside(x + 5) - heaviside(x - 5)", True, None),
    ("clipping' = 1", "diff(clip(x, -5, 5), x)", "1", False, "x > 5"),
]


def test_hard_activations_proved_and_a_forgotten_flat_part_refuted_in_its_region() -> None:
    got = results(claims(*[row[:4] for row in FLAT_PARTS]))
    for name, _, _, expect, region in FLAT_PARTS:
        r = got[name]
        assert r.verdict.value == ("proved" if expect else "refuted"), name
        if region:
            # any region where the steps differ will do (the random points reach x < -3 too), but the
            # witness must be inside the region the report names
            named = r.counterexample.region
            assert named is not None and named.startswith("x "), name
            x = Fraction(str(r.counterexample.point["x"]))
            bound = Fraction(named.split(" ")[2])
            assert (x > bound) if " > " in named else (x < bound), name


def test_the_region_is_in_the_text_and_json_reports(tmp_path, capsys) -> None:
    from symderiv.cli import main
    f = tmp_path / "r.toml"
    f.write_text(claims(FLAT_PARTS[2][:4]))
    assert main(["check", str(f), "--no-cache"]) == 0
    assert "the steps differ in the region where x > 6" in capsys.readouterr().out
    assert main(["check", str(f), "--no-cache", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["results"][0]["counterexample"]["region"] == "x > 6"


def test_a_derivative_at_a_kink_is_never_compared() -> None:
    # relu'(1 - 1) would be 1/2 by a central difference and 1/4 squared: the spot check's simple
    # point x = 1 sits on the kink; nothing may be compared there (this claim was refuted)
    text = claims(("square of a step", "diff(relu(x - 1), x)", "diff(relu(x - 1), x) ** 2", True))
    assert results(text)["square of a step"].verdict.value == "proved"


def test_max_of_two_arrays_is_an_error_that_suggests_maximum() -> None:
    r = results(claims(("two args", "max(a, b)", "a", True)))["two args"]
    assert r.verdict.value == "error" and "maximum(a, b)" in r.message and "t.toml:" in r.message


def test_max_of_a_scalar_and_zero_is_an_error_that_suggests_maximum() -> None:
    r = results(claims(("relu misspelt", "diff(max(x, 0), x)", "heaviside(x)", True)))["relu misspelt"]
    assert r.verdict.value == "error" and "maximum(x, 0)" in r.message


def test_reductions_and_broadcasting() -> None:
    text = claims(("max by min", "max(v)", "-min(-v)", True),
                  ("rows", "max(W, 1)", "-min(-W, 1)", True),
                  ("broadcast", "maximum(0, v)", "relu(v)", True),
                  ("max pooling", "sum(grad(max(v), v))", "1", True),
                  ("average pooling", "grad(max(v), v)", "ones(m) / m", False))
    got = {k: r.verdict.value for k, r in results(text).items()}
    assert got == {"max by min": "proved", "rows": "proved", "broadcast": "proved", "max pooling": "proved",
                   "average pooling": "refuted"}


def test_the_lp_decides_empty_regions_exactly() -> None:
    x, y = sp.symbols("x y", real=True)
    assert regions.feasible([(x, -1), (x - 6, 1)])[0] is False
    ok, point = regions.feasible([(x - y, 1), (x + y - 1, -1)])
    assert ok is True and point[x] - point[y] > 0 and point[x] + point[y] < 1
    assert regions.feasible([(x * y, 1)])[0] is None                  # nonlinear: never called empty
    assert regions.words([(x + 5, 1), (x - 5, 1)]) == "x > 5"
    assert regions.words([(1 - x - y, 1)]) == "x + y < 1"


def test_a_refutation_by_cases_is_a_point_strictly_inside_its_region() -> None:
    x = sp.Symbol("x", real=True)
    a, b = Step(x) - Step(x - 6), Step(x)          # ReLU6' against ReLU': they differ where x > 6
    outcome = cases.prove_by_cases(b - a, Prover())
    assert outcome.status == "open"
    w = cases.witness(a, b, outcome.open)
    assert w is not None and w.region == "x > 6" and w.point[x] > 6 and w.gap == 1


def test_too_many_regions_is_said_and_stays_numeric(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cases, "MAX_REGIONS", 4)
    text = HEAD + '[[claim]]\nname = "squares"\nlhs = "sum(abs(v)**2)"\nrhs = "sum(v**2)"\n[check]\nsizes = { m = [3] }\n'
    r = results(text)["squares"]
    assert r.verdict.value == "numeric" and "more than 4 regions" in r.message


def test_sampling_reaches_far_breakpoints() -> None:
    from symderiv.engine.prove.casework import region_samples
    from symderiv.engine.building.evaluate import Program, instances
    from symderiv.language.reading import read_text
    program = Program.build(read_text(claims(("c", "clip(x, -5, 5)", "x", True)), "t.toml"))
    node = program.parse_step("clip(x, -5, 5)")
    inst = instances({"x"}, program, {})[0]
    xs = sorted(float(p.exact["x"][0, 0]) for p in region_samples(program, [node], {"x"}, inst))
    assert xs[0] < -5 and -5 < xs[1] < 5 and xs[-1] > 5


def test_the_lp_agrees_with_points_on_random_systems() -> None:
    # one-sided checks that cannot both pass for a wrong LP: a "non-empty" answer comes with a point
    # strictly inside; an "empty" answer must not contradict any grid point found inside
    import random
    x, y = sp.symbols("x y", real=True)
    rng = random.Random(1)
    grid = [(Fraction(i, 4), Fraction(j, 4)) for i in range(-40, 41) for j in range(-40, 41)]
    answers = set()
    for _ in range(60):
        conds = [(rng.randint(-3, 3) * x + rng.randint(-3, 3) * y + rng.randint(-6, 6), 1)
                 for _ in range(rng.randint(2, 4))]
        conds = [c for c in conds if c[0].free_symbols] or [(x, 1)]
        ok, point = regions.feasible(conds)
        answers.add(ok)

        def inside(p: tuple[Fraction, Fraction]) -> bool:
            return all(c[0].subs({x: p[0], y: p[1]}) > 0 for c in conds)
        if ok:
            assert inside((point.get(x, Fraction(0)), point.get(y, Fraction(0))))
        else:
            assert not any(inside(p) for p in grid[::7])
    assert answers == {True, False}


def test_a_missing_branch_is_a_missing_term_in_its_region() -> None:
    text = HEAD + '[[claim]]\nname = "c"\nsteps = ["clip(x, 0, 6)", "relu(x) - relu(x - 6)", "relu(x)"]\nexpect = false\n'
    r = results(text)["c"]
    assert (r.verdict.value, r.failed_step, r.diagnosis) == ("refuted", 2, "missing-term")
    assert r.counterexample.region == "x > 6"


NONLINEAR = '[symbols]\na = "scalar"\ns = "scalar"\n'


@pytest.mark.parametrize("lhs, rhs", [
    ("clip(a * s, -1, 1)", "minimum(maximum(a * s, -1), 1)"),
    ("diff(clip(a * s, -1, 1), s)", "a * heaviside(a * s + 1) * heaviside(1 - a * s)"),
])
def test_branches_of_a_product_are_proved_region_by_region(lhs: str, rhs: str) -> None:
    """a*s + 1 < 0 and a*s - 1 > 0 cannot both hold: with m = a*s a variable of its own that region is
    empty by the same exact LP. It was `numeric` ("not shown to be zero")."""
    text = NONLINEAR + f'[[claim]]\nname = "c"\nlhs = "{lhs}"\nrhs = "{rhs}"\n'
    (r,) = check_text(text, "t.toml")
    assert r.verdict.value == "proved", r.message


def test_a_wrong_clip_of_a_product_is_not_proved() -> None:
    text = NONLINEAR + '[[claim]]\nname = "c"\nlhs = "clip(a * s, -1, 1)"\nrhs = "minimum(maximum(a * s, -1), 2)"\n'
    (r,) = check_text(text, "t.toml")
    assert r.verdict.value == "refuted", r.message


def test_the_relaxation_decides_emptiness_only() -> None:
    a, s = sp.symbols("a s", real=True)
    assert regions.feasible([(a * s + 1, -1), (a * s - 1, 1)])[0] is False      # m < -1 and m > 1
    assert regions.feasible([(a * s + 1, 1), (a * s - 1, -1)])[0] is None       # not empty, nonlinear: undecided
    assert regions.feasible([(a * s, 1), (a * a * s, -1)])[0] is None           # a*s > 0 > a^2 s: a < 0, s > 0 works
