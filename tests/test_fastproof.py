"""Issue 15: the graph route (engine/dag.py, engine/fastproof.py) proves without SymPy, and never more
than is true: near misses stay unproved by it, steps that are nowhere defined are left to the SymPy route."""
from __future__ import annotations

import json

import pytest

from symderiv import check_text
from symderiv.engine import proofstage
from symderiv.engine.building.parametric import SizeBuild
from symderiv.engine.building.evaluate import Program, instances, size_assignments
from symderiv.engine.prove.fastproof import GraphProver, proved_pairs
from symderiv.language.reading import read_text

SYMBOLS = """x = "scalar"
y = "scalar"
p = "positive"
v = "vector(n)"
w = "vector(n)"
A = "matrix(n, n)"
n = "dim"
i = "index(n)"
"""
DEFINES = """
[define]
s = "A @ v"
J = "sum(exp(s))"
"""


def graph_proves(a: str, b: str) -> bool:
    """Does the graph route alone prove step a = step b at every default size and index value?"""
    doc = read_text(f"[symbols]\n{SYMBOLS}{DEFINES}\n[[claim]]\nname = \"c\"\nlhs = {json.dumps(a)}\n"
                    f"rhs = {json.dumps(b)}\n", "t.toml")
    program = Program.build(doc)
    nodes = [program.parse_step(a), program.parse_step(b)]
    used = program.names_used(nodes)
    for sizes in size_assignments(used, program, {}):
        for inst in instances(used, program, sizes):
            if proved_pairs(program, nodes, used, inst, [1]) != {1}:
                return False
    return True


TRUE = [
    ("diff(sigma(x), x)", "sigma(x) * (1 - sigma(x))"),
    ("diff(tanh(x), x)", "1 - tanh(x)**2"),
    ("sigma(-x)", "1 - sigma(x)"),
    ("exp(x + 2*y)", "exp(x) * exp(y)**2"),
    ("log(exp(x) * p)", "x + log(p)"),
    ("sqrt(p)**2", "p"),
    ("grad(logsumexp(v), v)", "softmax(v)"),
    ("softmax(v + x)", "softmax(v)"),
    ("grad(-log(softmax(v))[i], v)", "softmax(v) - onehot(i, n)"),
    ("jacobian(grad(sum(exp(v)), v), v)", "diag(exp(v))"),
    ("grad(J, s)", "exp(s)"),                                  # by a define
    ("grad(J, v)", "A.T @ exp(A @ v)"),
    ("grad(norm(v), v)", "v / norm(v)"),
    ("grad(dot(v, w) ** 2, v)", "2 * dot(v, w) * w"),
]

NEAR_MISSES = [
    ("diff(sigma(x), x)", "sigma(x) * (1 + sigma(x))"),
    ("diff(tanh(x), x)", "1 + tanh(x)**2"),
    ("exp(x + y)", "exp(x) + exp(y)"),
    ("exp(2*x)", "2 * exp(x)"),
    ("log(exp(x) * p)", "x * log(p)"),
    ("log(x * x)", "2 * log(x)"),                # false for x < 0
    ("sqrt(x * x)", "x"),                         # |x|, not x
    ("diff(log(x), x)", "1 / x**2"),
    ("grad(J, v)", "A @ exp(A @ v)"),             # the transpose forgotten
    ("grad(J, s)", "exp(A @ v) + 1"),
    ("grad(-log(softmax(v))[i], v)", "onehot(i, n) - softmax(v)"),
    ("jacobian(grad(sum(exp(v)), v), v)", "exp(v) @ exp(v).T"),
    ("sigma(x)", "sigma(x) * (1 + 1e-30)"),
    ("x", "x + exp(-1000 * x**2)"),
    ("0", "0 * log(x - x)"),                      # nowhere defined: never proved vacuously
    ("0", "0 * (1 / (x - x))"),
]


@pytest.mark.parametrize("a,b", TRUE)
def test_the_graph_route_proves_true_identities(a: str, b: str) -> None:
    assert graph_proves(a, b)


@pytest.mark.parametrize("a,b", NEAR_MISSES)
def test_the_graph_route_never_proves_a_near_miss(a: str, b: str) -> None:
    assert not graph_proves(a, b)


def test_a_claim_the_graph_proves_needs_no_sympy_arrays(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_sympy(*args: object) -> None:
        raise AssertionError("the SymPy route was taken")

    monkeypatch.setattr(proofstage, "symbolic_evaluator", no_sympy)
    monkeypatch.setattr(SizeBuild, "worth", staticmethod(lambda *args: None))
    text = (f"[symbols]\n{SYMBOLS}\nU = \"matrix(n, n)\"\n\n[[claim]]\nname = \"word2vec\"\n"
            "lhs = \"grad(-log(softmax(U.T @ v))[i], v)\"\nrhs = \"U @ (softmax(U.T @ v) - onehot(i, n))\"\n")
    r = check_text(text, "t.toml")[0]
    assert r.verdict.value == "proved", r.message
    assert [s.method for s in r.step_results] == ["exact evaluation"]


def test_what_the_graph_cannot_prove_is_still_proved_by_the_sympy_route() -> None:
    text = f"[symbols]\n{SYMBOLS}\nq = \"positive\"\n\n[[claim]]\nname = \"c\"\nlhs = \"log(p * q)\"\nrhs = \"log(p) + log(q)\"\n"
    r = check_text(text, "t.toml")[0]
    assert r.verdict.value == "proved", r.message


def test_a_wrong_claim_is_still_refuted_with_its_first_wrong_step() -> None:
    text = (f"[symbols]\n{SYMBOLS}\n[[claim]]\nname = \"c\"\n"
            "steps = [\"grad(logsumexp(v), v)\", \"exp(v) / sum(exp(v))\", \"exp(v) / sum(v)\"]\n")
    r = check_text(text, "t.toml")[0]
    assert r.verdict.value == "refuted"
    assert r.failed_step == 2


def test_claims_of_one_document_share_their_defines_on_the_graph_and_keep_their_verdicts(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A define is built on the graph once per size for the whole document (``_evaluator``), and a near
    miss between two right claims that use the same define and derivative is still refuted."""
    from symderiv.engine.prove import fastproof

    made: list[int] = []
    real = fastproof.DagEvaluator.__init__

    def init(self: fastproof.DagEvaluator, *args: object, **kwargs: object) -> None:
        made.append(1)
        real(self, *args, **kwargs)

    monkeypatch.setattr(fastproof.DagEvaluator, "__init__", init)
    claims = [("grad(J, v)", "A.T @ exp(A @ v)", "true"), ("grad(J, v)", "A @ exp(A @ v)", "false"),
              ("grad(J, v)", "A.T @ exp(s)", "true"), ("grad(J, s)", "exp(A @ v)", "true")]
    text = f"[symbols]\n{SYMBOLS}{DEFINES}" + "".join(
        f"\n[[claim]]\nname = \"c{k}\"\nlhs = \"{a}\"\nrhs = \"{b}\"\nexpect = {e}\n"
        for k, (a, b, e) in enumerate(claims))
    results = check_text(text, "t.toml")
    assert [r.verdict.value for r in results] == ["proved", "refuted", "proved", "proved"]
    assert all(r.ok for r in results)
    graphs = len(made)
    fastproof._EVALUATORS.clear()
    monkeypatch.setattr(fastproof, "MAX_EVALUATORS", 0)      # nothing kept: every claim builds its own
    assert [r.verdict.value for r in check_text(text, "t.toml")] == ["proved", "refuted", "proved", "proved"]
    assert graphs + 4 <= len(made) - graphs                 # at least one build per claim was saved


def _prover(a: str, b: str, syms: str) -> tuple[GraphProver, list]:
    doc = read_text(f"[symbols]\n{syms}\n[[claim]]\nname = \"c\"\nlhs = {json.dumps(a)}\nrhs = {json.dumps(b)}\n",
                    "t.toml")
    program = Program.build(doc)
    nodes = [program.parse_step(a), program.parse_step(b)]
    used = program.names_used(nodes)
    insts = [inst for sizes in size_assignments(used, program, {}) for inst in instances(used, program, sizes)]
    return GraphProver(program, nodes, used), insts


def _count(insts: list, inst) -> int:
    return sum(i.sizes == inst.sizes for i in insts)


@pytest.mark.parametrize("shared_from_first", [False, True])
def test_the_shared_build_over_index_values_proves_only_the_values_where_it_holds(shared_from_first: bool) -> None:
    """From the first instance of a size (``count`` > 1) or from the second one on, one build and one draw
    of primes and point serve every index value, and prove only those where the claim holds."""
    gp, insts = _prover("grad(v[i]**2, v)", "2 * v[i] * onehot(0, n)", SYMBOLS)
    assert len(insts) >= 5
    for inst in insts:
        count = _count(insts, inst) if shared_from_first else 1
        assert gp.proved(inst, [1], count) == ({1} if inst.indices["i"] == 0 else set()), inst.describe()


@pytest.mark.parametrize("shared_from_first", [False, True])
def test_the_shared_build_over_one_hot_labels_proves_only_the_labels_where_it_holds(shared_from_first: bool) -> None:
    syms = 'n = "dim"\nY = "onehot_rows(n, n)"\n'
    gp, insts = _prover("Y.T @ ones(n)", "ones(n)", syms)     # counts per class: 1 each for a permutation
    assert len(insts) > 10
    for inst in insts:
        labels = inst.indices["Y"]
        count = _count(insts, inst) if shared_from_first else 1
        assert gp.proved(inst, [1], count) == ({1} if sorted(labels) == list(range(len(labels))) else set()), labels
    gp, insts = _prover("sum(Y, 1)", "ones(n)", syms)
    assert all(gp.proved(inst, [1], _count(insts, inst) if shared_from_first else 1) == {1} for inst in insts)


def test_a_derivative_by_a_define_matches_the_direct_build() -> None:
    """exp(-(a + b)) built directly and through a substituted define must be the same pieces."""
    syms = 'n = "dim"\nx = "vector(n)"\nW = "matrix(n, n)"\nb = "vector(n)"\n'
    text = (f"[symbols]\n{syms}\n[define]\nz = \"W @ x + b\"\nh = \"sigma(z)\"\nJ = \"sum(log(h))\"\n"
            "d = \"grad(J, z)\"\n\n[[claim]]\nname = \"c\"\nlhs = \"grad(J, W)\"\nrhs = \"d @ x.T\"\n")
    doc = read_text(text, "t.toml")
    program = Program.build(doc)
    nodes = [program.parse_step("grad(J, W)"), program.parse_step("d @ x.T")]
    used = program.names_used(nodes)
    sizes = size_assignments(used, program, {})[0]
    assert proved_pairs(program, nodes, used, instances(used, program, sizes)[0], [1]) == {1}


@pytest.mark.parametrize("a,b,holds", [
    ("grad(logdet(A), A)", "inv(A).T", True),
    ("grad(logdet(A), A)", "inv(A)", False),
    ("solve(A, v)", "inv(A) @ v", True),
    ("det(A @ A)", "det(A)**2", True),
    ("det(A + A)", "2 * det(A)", False),
])
def test_determinants_and_inverses_are_built_on_the_graph(a: str, b: str, holds: bool) -> None:
    assert graph_proves(a, b) is holds


def test_a_wrong_derivative_is_certified_on_the_graph_without_sympy_arrays(monkeypatch: pytest.MonkeyPatch) -> None:
    from symderiv.engine.refute import certify

    def no_sympy(*args: object) -> None:
        raise AssertionError("the SymPy route was taken")

    # the certifier's SymPy branch names the symbols of the arrays it got (the pair's StepValues, which
    # the diagnosis shares): reaching it means the SymPy route was taken
    monkeypatch.setattr(certify, "free_symbols", no_sympy)
    text = f"[symbols]\n{SYMBOLS}\n[[claim]]\nname = \"c\"\nlhs = \"diff(sigma(x), x)\"\nrhs = \"sigma(x) * (1 + sigma(x))\"\n"
    r = check_text(text, "t.toml")[0]
    assert r.verdict.value == "refuted"
    assert r.counterexample is not None
    cert = r.counterexample.certificate or ""
    assert cert.startswith("exact") or "confirmed by forward-mode derivatives" in cert, cert


@pytest.mark.parametrize("lhs,rhs", [
    ("0", "0 * (1 / (x - x))"),
    ("0", "0 * log(x - x)"),
    ("diff(0 * (1 / (x - x)) + x, x)", "1"),      # was refuted: SymPy's nan "differentiated" to 0
])
def test_a_step_defined_nowhere_is_an_error_never_a_verdict(lhs: str, rhs: str) -> None:
    text = f"[symbols]\n{SYMBOLS}\n[[claim]]\nname = \"c\"\nlhs = {json.dumps(lhs)}\nrhs = {json.dumps(rhs)}\n"
    r = check_text(text, "t.toml")[0]
    assert r.verdict.value == "error", (r.verdict, r.message)
    assert "t.toml:" in r.message and "defined nowhere" in r.message


@pytest.mark.parametrize("a,b,holds", [
    ("log(p * p)", "2 * log(p)", True),                       # p is declared positive
    ("log(p**3 / exp(x))", "3 * log(p) - x", True),
    ("-log(softmax(v))[i]", "-v[i] + logsumexp(v)", True),      # log(e_i / S) = v_i - log S, S > 0
    ("log(x * x)", "2 * log(x)", False),                        # x real: false for x < 0
    ("log(x**2)", "2 * log(x)", False),
    ("log(-p)", "log(-1) + log(p)", True),                      # principal log: a positive factor moves out
    ("log(p * x)", "log(p) + log(x)", True),                   # also where x < 0 (principal log), as before
    ("log(x * y)", "log(x) + log(y)", False),                   # x, y < 0: only the first is defined
])
def test_logs_of_positive_factors_split_on_the_graph(a: str, b: str, holds: bool) -> None:
    assert graph_proves(a, b) is holds


@pytest.mark.parametrize("a,b,holds", [
    ("(v / norm(v)) * (v / norm(v))", "v * v / dot(v, v)", True),      # sqrt(S) sqrt(S) = S in a product
    ("sqrt(p) * sqrt(p) * sqrt(p)", "p * sqrt(p)", True),
    ("sqrt(2) * sqrt(2) * x", "2 * x", True),
    ("sqrt(x * x)", "x", False),
    ("sqrt(p) * sqrt(x)", "sqrt(p * x)", False),                       # different roots stay different
])
def test_a_root_times_itself_is_its_argument_on_the_graph(a: str, b: str, holds: bool) -> None:
    assert graph_proves(a, b) is holds


def _word2vec_program(d: int, wrong: bool = False) -> tuple[bool, int]:
    """(proved, total arguments of the compiled program's sums and products) for word2vec's dJ/dv_c at
    (d, W = 3) on the graph alone."""
    from symderiv.engine.prove import exact, fastproof

    text = ('[symbols]\nd = "dim"\nW = "dim"\nU = "matrix(d, W)"\nv = "vector(d)"\n[[claim]]\nname = "c"\n'
            f'lhs = "grad(-log(softmax(U.T @ v)[0]), v)"\nrhs = "U @ (softmax(U.T @ v) - onehot({int(wrong)}, W))"\n')
    doc = read_text(text, "t.toml")
    program = Program.build(doc)
    nodes = [program.parse_step(s) for s in doc.claims[0].steps]
    used = program.names_used(nodes)
    (inst,) = instances(used, program, {"d": d, "W": 3})
    build = fastproof._Build(program, nodes, used, inst, [1], False)
    assert build.code is not None
    arity = sum(len(arg) for op, arg in build.code.code if op in (exact._ADD, exact._MUL))
    return build.proved(inst) == {1}, arity


def test_large_products_enter_other_products_whole_and_proofs_still_hold() -> None:
    """softmax's y_w is a product of d pieces; U[j, w] * y_w for every j copied it d times (d^2 W arguments in
    all). Past FLATTEN_MAX factors it is one factor: the program grows like the entries, and the proof and
    the near miss are decided as before."""
    from symderiv.engine.prove import dag

    small, large = dag.FLATTEN_MAX, 2 * dag.FLATTEN_MAX + 4
    assert _word2vec_program(small)[0] and _word2vec_program(large)[0]
    assert not _word2vec_program(large, wrong=True)[0]
    a, b = _word2vec_program(large)[1], _word2vec_program(2 * large)[1]
    assert b < 2.5 * a, (a, b)          # doubling d doubles the entries of U; with copies it was nearly 4x


def test_the_collector_is_paused_during_a_graph_proof_and_restored_after_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """A graph's nodes all stay alive until the proof ends, so collecting during it only re-scans them;
    the collector must be back on afterwards, also when the build fails, and stay off if it was off."""
    import gc
    from symderiv.engine.prove import fastproof
    seen: list[bool] = []
    original = fastproof.compile_nodes

    def spy(roots):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return original(roots)
    monkeypatch.setattr(fastproof, "compile_nodes", spy)
    gp, insts = _prover("grad(v[i]**2, v)", "2 * v[i] * onehot(i, n)", SYMBOLS)
    assert gp.proved(insts[0], [1]) == {1} and seen == [False] and gc.isenabled()

    def broken(roots):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug in the graph route")
    monkeypatch.setattr(fastproof, "compile_nodes", broken)
    assert gp.proved(insts[-1], [1]) == set() and gc.isenabled()
    gc.disable()
    try:
        monkeypatch.setattr(fastproof, "compile_nodes", spy)
        gp.proved(insts[1], [1])
        assert not gc.isenabled()
    finally:
        gc.enable()
