"""Issue 14: what coursework needs to say.  Each feature with a true claim proved and a wrong variant refuted."""
from __future__ import annotations

import pytest

from symderiv import check_text


def results(text: str, **settings: object) -> dict[str, object]:
    return {r.claim: r for r in check_text(text, "t.toml", **settings)}


def verdicts(text: str, **settings: object) -> dict[str, str]:
    return {name: r.verdict.value for name, r in results(text, **settings).items()}


def claims(pairs: dict[str, tuple[str, str]]) -> str:
    return "".join(f'\n[[claim]]\nname = "{name}"\nlhs = "{lhs}"\nrhs = "{rhs}"\n' for name, (lhs, rhs) in pairs.items())


def test_gradient_by_a_define_is_the_backprop_delta() -> None:
    text = """
[symbols]
n = "dim"
d = "dim"
W = "matrix(n, d)"
x = "vector(d)"
y = "index(n)"
[define]
s = "W @ x"
p = "softmax(s)"
L = "-log(p[y])"
""" + claims({
        "dL/ds = p - e_y": ("grad(L, s)", "p - onehot(y, n)"),
        "dL/ds wrong sign": ("grad(L, s)", "onehot(y, n) - p"),
        "the chain W^T dL/ds": ("grad(L, x)", "W.T @ grad(L, s)"),
        "the chain without the transpose": ("grad(L, x)", "W.T @ p"),
        "dL/dW = dL/ds x^T": ("grad(L, W)", "grad(L, s) @ x.T"),
        "a slice of a define": ("grad(L, s[0:2])", "p[0:2] - onehot(y, n)[0:2]"),
        "an entry of a define": ("diff(L, s[0])", "p[0] - onehot(y, n)[0]"),
        "jacobian of p by s": ("jacobian(p, s)", "diag(p) - p @ p.T"),
        "jacobian of p by s, wrong": ("jacobian(p, s)", "diag(p) - p.T @ p"),
    })
    assert verdicts(text) == {
        "dL/ds = p - e_y": "proved", "dL/ds wrong sign": "refuted", "the chain W^T dL/ds": "proved",
        "the chain without the transpose": "refuted", "dL/dW = dL/ds x^T": "proved",
        "a slice of a define": "proved", "an entry of a define": "proved",
        "jacobian of p by s": "proved", "jacobian of p by s, wrong": "refuted"}


def test_a_define_is_held_apart_from_the_inputs_it_is_made_of() -> None:
    # L uses x both through s and directly: grad(L, s) holds x fixed
    text = """
[symbols]
x = "scalar"
[define]
s = "x**2"
L = "s * x"
""" + claims({"partial by s": ("diff(L, s)", "x"), "not the total derivative": ("diff(L, s)", "x + 2 * x**2"),
              "inside a step": ("diff(L, x)", "diff(L, s) * 2 * x + s")})
    assert verdicts(text) == {"partial by s": "proved", "not the total derivative": "refuted",
                              "inside a step": "proved"}


def test_inverse_determinant_and_the_cookbook() -> None:
    text = """
[symbols]
n = "dim"
X = "matrix(n, n)"
a = "vector(n)"
b = "vector(n)"
""" + claims({
        "d a^T X^-1 b / dX": ("grad(a.T @ inv(X) @ b, X)", "-inv(X).T @ a @ b.T @ inv(X).T"),
        "d a^T X^-1 b / dX, a transpose slip": ("grad(a.T @ inv(X) @ b, X)", "-inv(X) @ a @ b.T @ inv(X)"),
        "d det X / dX": ("grad(det(X), X)", "det(X) * inv(X).T"),
        "d det X / dX, no det": ("grad(det(X), X)", "inv(X).T"),
        "d logdet X / dX": ("grad(logdet(X), X)", "inv(X).T"),
        "d logdet X / dX, transpose slip": ("grad(logdet(X), X)", "inv(X)"),
        "solve is inv times b": ("solve(X, b)", "inv(X) @ b"),
        "solve solves": ("X @ solve(X, b)", "b"),
        "solve, wrong side": ("solve(X, b)", "X @ b"),
    })
    r = results(text)
    assert {k: v.verdict.value for k, v in r.items()} == {
        "d a^T X^-1 b / dX": "proved", "d a^T X^-1 b / dX, a transpose slip": "refuted",
        "d det X / dX": "proved", "d det X / dX, no det": "refuted",
        "d logdet X / dX": "proved", "d logdet X / dX, transpose slip": "refuted",
        "solve is inv times b": "proved", "solve solves": "proved", "solve, wrong side": "refuted"}
    assert r["d logdet X / dX, transpose slip"].diagnosis == "transpose"


def test_trigonometry_is_decided_by_the_exact_stage() -> None:
    text = """
[symbols]
x = "scalar"
p = "positive"
y = "scalar"
""" + claims({
        "tan' = 1 + tan^2": ("diff(tan(x), x)", "1 + tan(x)**2"),
        "tan' wrong": ("diff(tan(x), x)", "1 - tan(x)**2"),
        "sin^2 + cos^2 = 1": ("sin(x)**2 + cos(x)**2", "1"),
        "sin^2 - cos^2 = 1 (wrong)": ("sin(x)**2 - cos(x)**2", "1"),
        "sin' = cos": ("diff(sin(x), x)", "cos(x)"),
        "cos' = sin (wrong)": ("diff(cos(x), x)", "sin(x)"),
        "arctan'": ("diff(arctan(x), x)", "1 / (1 + x**2)"),
        "cosh^2 - sinh^2 = 1": ("cosh(x)**2 - sinh(x)**2", "1"),
        "sinh' = cosh": ("diff(sinh(x), x)", "cosh(x)"),
        "sin 2x = 2 sin x cos x": ("sin(2*x)", "2 * sin(x) * cos(x)"),
        "sin(x + y) by the addition formula": ("sin(x + y)", "sin(x) * cos(y) + cos(x) * sin(y)"),
        "cos(x + y) with the wrong sign": ("cos(x + y)", "cos(x) * cos(y) + sin(x) * sin(y)"),
        "p**y by p": ("diff(p**y, p)", "y * p**(y - 1)"),
        "p**y by y": ("diff(p**y, y)", "p**y * log(p)"),
        "p**y by y, wrong": ("diff(p**y, y)", "y * p**(y - 1)"),
    })
    assert verdicts(text) == {
        "tan' = 1 + tan^2": "proved", "tan' wrong": "refuted", "sin^2 + cos^2 = 1": "proved",
        "sin^2 - cos^2 = 1 (wrong)": "refuted", "sin' = cos": "proved", "cos' = sin (wrong)": "refuted",
        "arctan'": "proved", "cosh^2 - sinh^2 = 1": "proved", "sinh' = cosh": "proved",
        "sin 2x = 2 sin x cos x": "proved", "sin(x + y) by the addition formula": "proved",
        "cos(x + y) with the wrong sign": "refuted",
        "p**y by p": "proved", "p**y by y": "proved", "p**y by y, wrong": "refuted"}


def test_rotations_compose_by_adding_angles() -> None:
    text = """
[symbols]
a = "scalar"
b = "scalar"
[define]
Ra = "vstack(hstack(cos(a), -sin(a)), hstack(sin(a), cos(a)))"
Rb = "vstack(hstack(cos(b), -sin(b)), hstack(sin(b), cos(b)))"
Rab = "vstack(hstack(cos(a + b), -sin(a + b)), hstack(sin(a + b), cos(a + b)))"
""" + claims({"R(a) R(b) = R(a + b)": ("Ra @ Rb", "Rab"), "R(a) R(b) = R(a - b) (wrong)": ("Ra @ Rb", "Rab.T"),
              "R(a)^T R(a) = I": ("Ra.T @ Ra", "eye(2)"), "d R(a)/da at the angle": ("diff(Ra, a)", "Ra @ vstack(hstack(0, -1), hstack(1, 0))")})
    assert verdicts(text) == {"R(a) R(b) = R(a + b)": "proved", "R(a) R(b) = R(a - b) (wrong)": "refuted",
                              "R(a)^T R(a) = I": "proved", "d R(a)/da at the angle": "proved"}


def test_slices_index_arithmetic_and_a_conv1d_window() -> None:
    text = """
[symbols]
n = "dim"
z = "vector(n)"
A = "matrix(n, n)"
x = "vector(6)"
w = "vector(3)"
k = "index(4)"
[define]
y_k = "w.T @ x[k:k + 3]"
""" + claims({
        "x[0:2]": ("z[0:2]", "vstack(z[0], z[1])"),
        "A[:, 1:] beside A[:, 0]": ("hstack(A[:, 0], A[:, 1:])", "A"),
        "columns swapped": ("hstack(A[:, 1:], A[:, 0])", "A"),
        "A[1, :]": ("A[1, :]", "A.T[:, 1].T"),
        "conv1d: dy_k/dw": ("grad(y_k, w)", "vstack(x[k], x[k + 1], x[k + 2])"),
        "conv1d: a flipped kernel": ("grad(y_k, w)", "vstack(x[k + 2], x[k + 1], x[k])"),
        "conv1d: dy_k/dx[k + 1]": ("diff(y_k, x[k + 1])", "w[1]"),
    })
    assert verdicts(text) == {
        "x[0:2]": "proved", "A[:, 1:] beside A[:, 0]": "proved", "columns swapped": "refuted", "A[1, :]": "proved",
        "conv1d: dy_k/dw": "proved", "conv1d: a flipped kernel": "refuted", "conv1d: dy_k/dx[k + 1]": "proved"}


def test_an_index_out_of_range_at_some_size_is_a_located_error_naming_the_size() -> None:
    text = '[symbols]\nn = "dim"\nx = "vector(n)"\nk = "index(n)"\n' + claims({"c": ("x[k + 1]", "x[k]")})
    (r,) = check_text(text, "t.toml")
    assert r.verdict.value == "error"
    assert r.message.startswith("t.toml:6: step 0 (`x[k + 1]`): ")
    assert "row index k + 1 = 2 is out of range for shape (2, 1)" in r.message and "(at n=2, k=1)" in r.message


def test_stacking_and_kronecker() -> None:
    text = """
[symbols]
n = "dim"
d = "dim"
A = "matrix(n, n)"
B = "matrix(n, d)"
C = "matrix(d, d)"
u = "vector(n)"
v = "vector(d)"
""" + claims({
        "[A B][u; v] = Au + Bv": ("hstack(A, B) @ vstack(u, v)", "A @ u + B @ v"),
        "[A B][u; v] = Au - Bv (wrong)": ("hstack(A, B) @ vstack(u, v)", "A @ u - B @ v"),
        "tr(A kron C) = tr A tr C": ("trace(kron(A, C))", "trace(A) * trace(C)"),
        "tr(A kron C) = tr A + tr C (wrong)": ("trace(kron(A, C))", "trace(A) + trace(C)"),
        "vstack transposed": ("vstack(A, B.T).T", "hstack(A.T, B)"),
    })
    assert verdicts(text) == {
        "[A B][u; v] = Au + Bv": "proved", "[A B][u; v] = Au - Bv (wrong)": "refuted",
        "tr(A kron C) = tr A tr C": "proved", "tr(A kron C) = tr A + tr C (wrong)": "refuted",
        "vstack transposed": "proved"}


def test_broadcasting_rows_and_columns() -> None:
    text = """
[symbols]
m = "dim"
d = "dim"
X = "matrix(m, d)"
c = "vector(m)"
r = "vector(d)"
""" + claims({
        "column sums of X - mean(X, 0) are zero": ("sum(X - mean(X, 0), 0)", "zeros(1, d)"),
        "row means do not centre the columns": ("sum(X - mean(X, 1), 0)", "zeros(1, d)"),
        "X * c scales rows": ("X * c", "diag(c) @ X"),
        "X * c is not X diag(c)": ("(X * c)[0:1, 0:1]", "X[0, 0] * c[1]"),
        "a row broadcast": ("X + r.T", "X + ones(m, 1) @ r.T"),
        "scalars with anything": ("2 + X * 3", "3 * X + 2 * ones(m, d)"),
    })
    assert verdicts(text) == {
        "column sums of X - mean(X, 0) are zero": "proved", "row means do not centre the columns": "refuted",
        "X * c scales rows": "proved", "X * c is not X diag(c)": "refuted", "a row broadcast": "proved",
        "scalars with anything": "proved"}


def test_multi_line_expressions_and_positive_arrays() -> None:
    text = '''
[symbols]
n = "dim"
s = "positive_vector(n)"
P = "positive_matrix(n, n)"
v = "vector(n)"
[[claim]]
name = "multi-line"
lhs = """
  sum(log(s))
    + 1
"""
rhs = "1 + log(prod_free) "
[[claim]]
name = "multi-line, wrong"
lhs = """
  sum(log(s))
    - 1
"""
rhs = "1 + sum(log(s))"
''' .replace("log(prod_free) ", "sum(log(s))") + claims({
        "sqrt(s^2) = s for positive s": ("sqrt(s**2)", "s"),
        "sqrt(v^2) = v only for positive v": ("sqrt(v**2)", "v"),
        "log exp of a positive matrix": ("exp(log(P))", "P"),
    })
    assert results(text)["multi-line, wrong"].steps[0] == "sum(log(s)) - 1"     # one line in every report
    assert verdicts(text) == {"multi-line": "proved", "multi-line, wrong": "refuted",
                              "sqrt(s^2) = s for positive s": "proved",
                              "sqrt(v^2) = v only for positive v": "refuted", "log exp of a positive matrix": "proved"}


def test_a_factor_that_depends_on_the_sizes_is_named() -> None:
    from symderiv.report.wording import describe_diagnosis

    text = """
[symbols]
m = "dim"
d = "dim"
X = "matrix(m, d)"
q = "vector(d)"
k = "vector(d)"
""" + claims({
        "forgot 1/m": ("sum(X, 0) / m", "sum(X, 0)"),
        "forgot 1/sqrt(d)": ("diff(q.T @ k / sqrt(d), q[0])", "k[0]"),
        # sqrt(2) K[0,0]/2 + sqrt(2) K[1,0]/2 against K[0,0] + K[1,0]: the exact stage sees sqrt(2) as a free piece
        "forgot 1/sqrt(d) in a sum": ("grad(sum(X @ q) / sqrt(d), q)", "X.T @ ones(m, 1)"),
        "a factor 2 stays a number": ("2 * sum(X)", "sum(X)"),
    })
    r = results(text)
    assert all(v.verdict.value == "refuted" and v.diagnosis == "factor" for v in r.values())
    assert "step 1 is m times step 0" in describe_diagnosis(r["forgot 1/m"].step_results[0])
    assert "step 1 is sqrt(d) times step 0" in describe_diagnosis(r["forgot 1/sqrt(d)"].step_results[0])
    assert "step 1 is sqrt(d) times step 0" in describe_diagnosis(r["forgot 1/sqrt(d) in a sum"].step_results[0])
    assert "factor of 1/2" in describe_diagnosis(r["a factor 2 stays a number"].step_results[0])


@pytest.mark.parametrize("lhs,needle", [
    ("x^2", "use ** for powers"),
    ("np.exp(x)", "write exp(x)"),
    ("x.sum()", "write sum(x)"),
    ("tarce(A)", "unknown function 'tarce'; did you mean 'trace'?"),
    ("sigmod(x)", "did you mean 'sigmoid'?"),
    ("numpy.linalg.inv(A)", "write inv(x)"),
    ("A.T() @ A", "the transpose already, without parentheses: write A.T, not A.T()"),
    ("A.transpose()", "the transpose is written x.T"),
])
def test_friendly_errors(lhs: str, needle: str) -> None:
    text = '[symbols]\nn = "dim"\nx = "scalar"\nA = "matrix(n, n)"\n' + claims({"c": (lhs, "x")})
    (r,) = check_text(text, "t.toml")
    assert r.verdict.value == "error" and r.message.startswith("t.toml:6: ") and needle in r.message


def test_an_unknown_function_suggests_nothing_unrelated() -> None:
    text = '[symbols]\nx = "scalar"\n' + claims({"foo": ("foo(x)", "x"), "dat": ("dat(x)", "x")})
    r = results(text)
    assert r["foo"].message.endswith("unknown function 'foo'")
    assert r["dat"].message.endswith("unknown function 'dat'")      # not 'dot': one letter off a 3-letter name


def test_a_shape_error_inside_a_define_names_its_line_and_operator() -> None:
    text = '[symbols]\nn = "dim"\nA = "matrix(n, n)"\nw = "vector(3)"\n[define]\nh = "A @ w"\n' + claims({"c": ("sum(h)", "0")})
    (r,) = check_text(text, "t.toml")
    assert r.verdict.value == "error"
    assert "in define 'h' (t.toml:6): operator @: shapes (2, 2) and (3, 1) do not match" in r.message


def test_an_unknown_kind_lists_every_kind() -> None:
    (r,) = check_text('[symbols]\nx = "vectr(3)"\n' + claims({"c": ("x", "x")}), "t.toml")
    for kind in ("scalar", "positive", "dim", "index(N)", "vector(N)", "matrix(N, M)", "positive_vector(N)",
                 "positive_matrix(N, M)", "onehot_rows(M, N)"):
        assert kind in r.message


def test_a_matrix_power_written_with_stars_gets_a_hint() -> None:
    text = '[symbols]\nn = "dim"\nA = "matrix(n, n)"\nx = "vector(n)"\n' + claims({
        "square": ("A**2 @ x", "A @ (A @ x)"), "elementwise is fine": ("A**2", "A * A")})
    r = results(text)
    assert r["square"].verdict.value == "refuted"
    assert "for a matrix power write A @ A" in r["square"].message
    assert r["elementwise is fine"].verdict.value == "proved" and r["elementwise is fine"].message is None


def test_no_matrix_power_hint_for_a_matrix_square_only_at_the_sizes_checked() -> None:
    """X ** 2 of an n x m matrix is its entries squared, as meant: the hint said "the square matrix X"
    because n = m at the counterexample's sizes."""
    text = '[symbols]\nn = "dim"\nm = "dim"\nX = "matrix(n, m)"\n' + claims({"frobenius": ("grad(sum(X**2), X)", "X")})
    (r,) = check_text(text, "t.toml")
    assert r.verdict.value == "refuted"
    assert "matrix power" not in (r.message or "") and not any("matrix power" in (s.message or "")
                                                                for s in r.step_results)


@pytest.mark.parametrize("kind, said", [
    ("matrix(N - 2, 1)", "sizes are not computed: for N - 2 entries, slice a larger array"),   # "declare it: N - 2 = dim"
    ("vector(x)", "size 'x' is a scalar, not a dim"),                                          # "declare it: x = dim"
    ("vector(Q)", 'declare it: Q = "dim"'),
])
def test_a_size_that_is_not_a_dim_says_what_to_do(kind: str, said: str) -> None:
    text = f'[symbols]\nN = "dim"\nx = "scalar"\ng = "{kind}"\n' + claims({"c": ("sum(g)", "x")})
    (r,) = check_text(text, "t.toml")
    assert r.verdict.value == "error" and said in r.message, r.message


def test_a_byte_order_mark_is_not_a_toml_error() -> None:
    text = '\ufeff[symbols]\nx = "scalar"\n' + claims({"c": ("x + x", "2*x")})
    (r,) = check_text(text, "t.toml")
    assert r.verdict.value == "proved" and r.line == 4


def test_a_step_function_at_its_jump_is_not_called_a_division_by_zero() -> None:
    (r,) = check_text('[symbols]\nx = "scalar"\n' + claims({"c": ("heaviside(x - x)", "5")}), "t.toml")
    assert r.verdict.value == "error" and "a step function at its jump" in r.message, r.message


def test_a_term_dropped_inside_a_derivative_is_a_missing_term() -> None:
    """d/dx (x^2 + x y) = 2x drops the term d/dx (x y): it had no diagnosis, while the same slip written
    with the derivative worked out as a middle step (2x + y, then 2x) was `missing-term`."""
    text = '[symbols]\nx = "scalar"\ny = "scalar"\n' + claims({"c": ("diff(x**2 + x*y, x)", "2*x")})
    (r,) = check_text(text, "t.toml")
    assert r.verdict.value == "refuted" and r.diagnosis == "missing-term"
    assert "diff(x * y, x)" in r.step_results[0].diagnosis_detail


def test_a_5000_digit_integer_gets_a_short_message_of_our_own() -> None:
    """It was Python's text (about sys.set_int_max_str_digits, hexadecimal), with all 5000 digits again."""
    (r,) = check_text('[symbols]\nx = "scalar"\n' + claims({"c": ("9" * 5000 + " * x", "x")}), "t.toml")
    assert r.verdict.value == "error" and "more than 4300 digits" in r.message and len(r.message) < 300
    assert "set_int_max_str_digits" not in r.message


def test_a_forgotten_1_over_m_in_a_labelled_batch_builds_few_sympy_arrays(monkeypatch: pytest.MonkeyPatch) -> None:
    """The factor of the sizes was shown at every label combination (hundreds of SymPy builds, 36 s of CPU
    for a batch network); it is shown at one instance per size assignment."""
    from symderiv.engine.building.stepvalues import StepValues
    calls = []
    original = StepValues.at
    monkeypatch.setattr(StepValues, "at", lambda self, inst: (calls.append(inst), original(self, inst))[1])
    text = ('[symbols]\nm = "dim"\nC = "dim"\nZ = "matrix(m, C)"\nY = "onehot_rows(m, C)"\n'
            '[define]\nL = "-(1/m) * sum(Y * log(softmax(Z, 1)))"\n'
            + claims({"forgot 1/m": ("grad(L, Z)", "softmax(Z, 1) - Y")}))
    (r,) = check_text(text, "t.toml")
    assert r.verdict.value == "refuted" and r.diagnosis == "factor"
    assert "m times" in r.step_results[0].diagnosis_detail
    assert len(calls) <= 20, len(calls)


@pytest.mark.parametrize("a, b, kind, words", [
    ("x", "x + (z - 1)", "extra-term", "adds the term z - 1"),
    ("x - (z - 1)", "x", "missing-term", "drops the term -(z - 1)"),
])
def test_a_term_in_parentheses_is_one_term(a: str, b: str, kind: str, words: str) -> None:
    """The skip-gram sum with the centre word's term added, U (p - y_t) in parentheses, had no diagnosis:
    the terms were read through the parentheses (z, -1), and none alone was the slip."""
    (r,) = check_text('[symbols]\nx = "scalar"\nz = "scalar"\n' + claims({"c": (a, b)}), "t.toml")
    assert r.diagnosis == kind and words in r.step_results[0].diagnosis_detail


def test_a_shape_error_of_a_product_says_which_transpose_would_match() -> None:
    text = ('[symbols]\nd = "dim"\nm = "dim"\nX = "matrix(m, d)"\np = "vector(m)"\n[check]\nsizes = { d = [2], m = [3] }\n'
            '[[claim]]\nname = "c"\nexpect = false\nlhs = "X.T @ diag(p) @ X"\nrhs = "X @ diag(p) @ X.T"\n')
    (r,) = check_text(text, "t.toml")
    assert r.verdict.value == "error"
    assert "the left operand transposed would match" in r.message


def test_an_index_comparison_points_to_the_kronecker_delta() -> None:
    text = '[symbols]\nd = "dim"\ni = "index(d)"\nk = "index(d)"\n[[claim]]\nname = "c"\nlhs = "(i == k) * 1"\nrhs = "1"\n'
    (r,) = check_text(text, "t.toml")
    assert r.verdict.value == "error" and "eye(n)[i, k]" in r.message


def test_a_number_written_against_a_name_asks_for_the_operator() -> None:
    text = '[symbols]\nx = "scalar"\n[[claim]]\nname = "c"\nlhs = "2x + 1"\nrhs = "x"\n'
    (r,) = check_text(text, "t.toml")
    assert r.verdict.value == "error" and "write 2 * x, not 2x" in r.message


def test_a_shape_error_counts_one_column_in_the_singular() -> None:
    text = '[symbols]\nn = "dim"\nv = "vector(n)"\n[[claim]]\nname = "c"\nlhs = "v @ v"\nrhs = "1"\n'
    (r,) = check_text(text, "t.toml")
    assert "(1 column against 2 rows)" in r.message and "left operand transposed would match" in r.message
