"""Parallel workers: ``-j 1`` and ``-j 2`` report the same results, in file order.

Also here, because it is the speed work's guarantee: the reverse-mode derivative
of the symbolic backend agrees with ``sympy.diff`` (verdicts must not change).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import sympy as sp

from symderiv import cli
from symderiv.engine.building.arrays import gradients
from symderiv.language.piecewise import to_steps
from symderiv.engine.prove.proving import Prover

# The first claim is the slowest, so with two workers later claims finish first.
SLOW_FIRST = """\
title = "slow first"

[symbols]
d = "dim"
W = "dim"
U = "matrix(d, W)"
v = "vector(d)"
o = "index(W)"

[define]
y_hat = "softmax(U.T @ v)"
J = "-log(y_hat[o])"

[check]
sizes = { d = [2, 3], W = [3, 4] }

[[claim]]
name = "word2vec dJ/dv"
lhs  = "grad(J, v)"
rhs  = "U @ (y_hat - onehot(o, W))"

[[claim]]
name = "wrong: word2vec dJ/dv with the sign dropped"
expect = false
lhs  = "grad(J, v)"
rhs  = "U @ (onehot(o, W) - y_hat)"

[[claim]]
name = "trivial"
lhs  = "v + v"
rhs  = "2 * v"
"""

SCALARS = """\
title = "scalars"

[symbols]
x = "scalar"

[[claim]]
name = "sigma'"
lhs  = "diff(sigma(x), x)"
rhs  = "sigma(x) * (1 - sigma(x))"

[[claim]]
name = "wrong tanh'"
expect = false
lhs  = "diff(tanh(x), x)"
rhs  = "1 + tanh(x)**2"

[[claim]]
name = "bad name"
lhs  = "x"
rhs  = "y"

[[claim]]
name = "softplus'"
lhs  = "diff(softplus(x), x)"
rhs  = "sigma(x)"
"""


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a_slow.toml").write_text(SLOW_FIRST, encoding="utf-8")
    (tmp_path / "b_scalars.toml").write_text(SCALARS, encoding="utf-8")
    return tmp_path


def report(folder: Path, capsys: pytest.CaptureFixture[str], jobs: str) -> tuple[int, dict]:
    code = cli.main(["check", str(folder), "--format", "json", "--no-cache", "-j", jobs])
    data = json.loads(capsys.readouterr().out)
    for r in data["results"]:
        r.pop("seconds")
        if r["counterexample"]:       # simplified for display within a time budget: depends on the load
            r["counterexample"].pop("lhs_exact")
            r["counterexample"].pop("rhs_exact")
    return code, data


def test_one_and_two_workers_give_identical_reports_in_file_order(folder, capsys):
    code1, one = report(folder, capsys, "1")
    code2, two = report(folder, capsys, "2")
    assert one == two
    assert code1 == code2 == 1
    order = [(Path(r["file"]).name, r["claim"]) for r in two["results"]]
    assert order == [("a_slow.toml", "word2vec dJ/dv"), ("a_slow.toml", "wrong: word2vec dJ/dv with the sign dropped"),
                     ("a_slow.toml", "trivial"), ("b_scalars.toml", "sigma'"), ("b_scalars.toml", "wrong tanh'"),
                     ("b_scalars.toml", "bad name"), ("b_scalars.toml", "softplus'")]
    assert [r["verdict"] for r in two["results"]] == ["proved", "refuted", "proved", "proved", "refuted", "error",
                                                     "proved"]
    assert [r["line"] for r in two["results"][:3]] == sorted(r["line"] for r in two["results"][:3])


def test_more_workers_than_claims(folder, capsys):
    (folder / "a_slow.toml").unlink()
    _, one = report(folder, capsys, "1")
    _, many = report(folder, capsys, "8")
    assert one == many
    assert [r["claim"] for r in many["results"]] == ["sigma'", "wrong tanh'", "bad name", "softplus'"]


X = sp.symbols("x0:4", real=True)
P = sp.Symbol("p", positive=True)
EXPRESSIONS = [
    sp.log(sp.exp(X[0] * X[1]) + sp.exp(X[2])) * X[0] ** 3,
    sp.Max(0, X[0] * X[1]) * X[2],                     # SymPy's own Max: a local rule without a value at the kink
    sp.Abs(X[0] - X[3]) ** 2 + sp.erf(X[1] / sp.sqrt(2)),
    sp.sqrt(X[0] ** 2 + X[1] ** 2),
    P ** X[1],                                          # an exponent that depends on a target
    1 / (1 + sp.exp(-X[0] - 2 * X[1])) ** 2,
    (sp.exp(X[0]) - sp.exp(-X[0])) / (sp.exp(X[0]) + sp.exp(-X[0])) * X[1],
    X[0],
    sp.Integer(3),
    (X[0] + X[1]) * (X[0] + X[1] + 1) * (X[0] + X[1]),  # a shared subexpression used three times
    sp.exp(sp.exp(X[0]) * X[1]) / (sp.exp(sp.exp(X[0]) * X[1]) + sp.exp(X[2])),
]


@pytest.mark.parametrize("expr", EXPRESSIONS, ids=[str(i) for i in range(len(EXPRESSIONS))])
def test_reverse_mode_derivative_agrees_with_sympy_diff(expr):
    targets = [*X, P]
    g = gradients(expr, targets)
    prover = Prover()
    for t in targets:
        # piecewise nodes: SymPy's Heaviside(0) = 1/2 is a value at a kink, where ours is undefined;
        # away from the kinks the two agree, which is what writing both with Step compares
        difference = to_steps(sp.diff(expr, t)) - to_steps(g.get(t, sp.Integer(0)))
        assert prover.decide(difference).status == "zero", (expr, t)


def test_a_worker_keeps_to_its_document_and_helps_with_the_largest_one_left():
    from types import SimpleNamespace

    from symderiv.run.workers import Schedule

    a, b, c = object(), object(), object()
    tasks = [SimpleNamespace(doc=d) for d in (a, a, a, a, b, b, c)]
    s = Schedule(tasks)  # type: ignore[arg-type]
    first = s.take(None)                  # worker 1: the first document
    second = s.take(None)                 # worker 2: the next document nobody has started, not a's second claim
    assert (first, second) == (0, 4)
    assert s.take(id(a)) == 1             # worker 1 stays with a
    assert s.take(id(b)) == 5             # worker 2 finishes b ...
    assert s.take(id(b)) == 6             # ... then starts c, the last document nobody has started
    assert s.take(id(c)) == 2             # c done: it helps with a, the only document with claims left
    assert s.take(id(a)) == 3 and not s


def test_one_worker_takes_the_claims_in_file_order():
    from types import SimpleNamespace

    from symderiv.run.workers import Schedule

    a, b = object(), object()
    tasks = [SimpleNamespace(doc=d) for d in (a, a, b, a)]   # a document's claims are never split in practice
    s = Schedule(tasks)  # type: ignore[arg-type]
    order, current = [], None
    while s:
        n = s.take(current)
        order.append(n)
        current = id(tasks[n].doc)
    assert order == [0, 1, 3, 2]


def test_a_timeout_under_the_graders_cap_does_not_advise_raising_the_files_timeout() -> None:
    """With --max-timeout the file's own [check] timeout cannot raise the limit: the message said to."""
    from symderiv.language.reading import read_text
    from symderiv.run.workers import Task, _stopped
    from symderiv.settings import Settings
    doc = read_text('[symbols]\nx = "scalar"\n[[claim]]\nname = "c"\nlhs = "x"\nrhs = "x"\n', "t.toml")
    capped = _stopped(Task(doc, 0, Settings(timeout=2.0, max_timeout=2.0)), None, 2.0)
    assert "--max-timeout" in capped.message and "raise [check] timeout" not in capped.message
    free = _stopped(Task(doc, 0, Settings(timeout=2.0)), None, 2.0)
    assert "raise [check] timeout" in free.message
