"""LaTeX steps (issue 16): each construct read into the expression tree, and checked end to end."""
from __future__ import annotations

import json

import pytest

from symderiv import check_text
from symderiv.engine.building.evaluate import Program
from symderiv.language.latex import LatexError
from symderiv.language.parsing import ParseError
from symderiv.language.showing import show
from symderiv.language.reading import read_text

HEAD = """
[symbols]
x     = "scalar"
a     = "scalar"
b     = "scalar"
ab    = "scalar"
d     = "dim"
W     = "dim"
v_c   = "vector(d)"
u_o   = "vector(d)"
U     = "matrix(d, W)"
W1    = "matrix(d, d)"
o     = "index(W)"
k     = "index(W)"
k1    = "index(W)"
theta = "vector(W)"
z     = "vector(W)"
x_bar = "scalar"
x_tilde = "scalar"

[define]
y_hat = "softmax(U.T @ v_c)"
y     = "onehot(o, W)"
J     = "-log(y_hat[o])"
"""


def reading(latex: str) -> str:
    program = Program.build(read_text(HEAD + '\n[[claim]]\nname = "c"\nlhs = "x"\nrhs = "x"\n', "t.toml"))
    return show(program.parse_step(latex))


@pytest.mark.parametrize("latex, expected", [
    (r"$\frac{a}{b}$", "a / b"),
    (r"$\frac{1}{1 + e^{-x}}$", "1 / (1 + exp(-x))"),
    (r"$\frac{\partial J}{\partial v_c}$", "grad(J, v_c)"),            # a scalar f: grad
    (r"$\frac{\partial \sigma(x)}{\partial x}$", "diff(sigma(x), x)"),   # a scalar x: diff
    (r"$\frac{\partial \mathrm{softmax}(z)}{\partial z}$", "jacobian(softmax(z), z)"),
    (r"$\frac{\partial J}{\partial \theta_k}$", "diff(J, theta[k])"),
    (r"$\frac{d}{dx} \sigma(x)$", "diff(sigma(x), x)"),
    (r"$\frac{d}{dx} x \sigma(x) + 1$", "diff(x * sigma(x), x) + 1"),     # the operator takes the product after it
    (r"$\frac{\partial}{\partial v_c} J$", "grad(J, v_c)"),
    (r"$\nabla_{v_c} J$", "grad(J, v_c)"),
    (r"$\frac{\partial J}{\partial \hat{y}}$", "grad(J, y_hat)"),            # by a define (an intermediate)
    (r"$W1^{-1} v_c$", "inv(W1) @ v_c"),          # ^{-1} of a matrix is its inverse
    (r"$\theta_{k1}$", "theta[k1]"),               # an index named by letters and digits: one index, not k and 1
    (r"$u_{k1}^\top v_c$", "U[:, k1].T @ v_c"),    # and a column of U by it
    (r"$W1^{-T} v_c$", "inv(W1).T @ v_c"),        # ^{-T}: the transpose of the inverse (the Cookbook's)
    (r"$W1^{-\top}$", "inv(W1).T"),
    (r"$x^{-T}$", "x ** (-1)"),
    (r"$\operatorname{tr}(W1) + \mathrm{Tr}(W1)$", "tr(W1) + Tr(W1)"),    # the trace's other spellings
    (r"$\nabla_x x^2$", "grad(x ** 2, x)"),
    (r"$\sigma(x)$", "sigma(x)"),
    (r"$\sigma'(x)$", "diff(sigma(x), x)"),
    (r"$\exp(x) + \exp x$", "exp(x) + exp(x)"),
    # a number after a function without parentheses takes the symbols after it along (was sin(2) * x)
    (r"$\sin 2x$", "sin(2 * x)"),
    (r"$\log 2\pi x^2 + 1$", "log(2 * pi * x ** 2) + 1"),
    (r"$\sin 2x \cos x$", "sin(2 * x) * cos(x)"),                      # up to another function
    (r"$\sin x \cos x$", "sin(x) * cos(x)"),
    (r"$\log 2 + \log x$", "log(2) + log(x)"),                         # or an operator
    (r"$\sin 2 \cdot x$", "sin(2) * x"),
    (r"$\log 2 \sigma(x)$", "log(2) * sigma(x)"),
    (r"$\log x + \ln(x)$", "log(x) + log(x)"),
    (r"$\sqrt{x}$", "sqrt(x)"),
    (r"$\tanh(x)$", "tanh(x)"),
    (r"$\tanh^2(x)$", "tanh(x) ** 2"),
    (r"$\mathrm{softmax}(z)$", "softmax(z)"),
    (r"$\operatorname{logsumexp}(z)$", "logsumexp(z)"),
    (r"$\operatorname{onehot}(o, W)$", "onehot(o, W)"),
    (r"$\operatorname{sum}(z)$", "sum(z)"),
    (r"$x^{2}$", "x ** 2"),
    (r"$x^2$", "x ** 2"),
    (r"$x^{-2} + (u_o^\top v_c)^{-2}$", "x ** (-2) + (u_o.T @ v_c) ** (-2)"),     # of a scalar: a power
    (r"$x^23$", "x ** 2 * 3"),                                         # as TeX reads it
    (r"$e^{x}$", "exp(x)"),
    (r"$e^x$", "exp(x)"),
    (r"$u_o^\top v_c$", "u_o.T @ v_c"),
    (r"$u_o^T v_c$", "u_o.T @ v_c"),
    (r"$u_o^{\intercal} v_c$", "u_o.T @ v_c"),
    (r"$u_o^{\top} v_c$", "u_o.T @ v_c"),
    (r"$U(\hat{y} - y)$", "U @ (y_hat - y)"),                           # juxtaposition of arrays: @
    (r"$v_c (\hat y - y)^\top$", "v_c @ (y_hat - y).T"),
    (r"$2x$", "2 * x"),                                                # with a scalar: *
    (r"$(u_o^\top v_c)\, u_o$", "u_o.T @ v_c * u_o"),                  # a 1 x 1 product is a scalar
    (r"$\sigma(x)(1 - \sigma(x))$", "sigma(x) * (1 - sigma(x))"),
    (r"$x \cdot a$", "x * a"),
    (r"$u_o \cdot v_c$", "dot(u_o, v_c)"),
    (r"$W1 \cdot v_c$", "W1 @ v_c"),
    (r"$v_c \odot u_o$", "v_c * u_o"),
    (r"$v_c \circ u_o$", "v_c * u_o"),
    (r"$\left( x + a \right) b$", "(x + a) * b"),
    (r"$\left[ x \right]$", "x"),
    (r"$v_c$", "v_c"),
    (r"$v_{c}$", "v_c"),
    (r"$W_1 v_c$", "W1 @ v_c"),                                         # W_1 names W1 when W_1 is not declared
    (r"$\hat{y}$", "y_hat"),
    (r"$\hat y$", "y_hat"),
    (r"$\bar{x} + \tilde{x}$", "x_bar + x_tilde"),
    (r"$\hat{y}_k$", "y_hat[k]"),
    (r"$\theta_k$", "theta[k]"),
    (r"$\theta$", "theta"),
    # bold Greek was "\boldsymbol{...} is read only around a plain name"
    (r"$\boldsymbol{\theta}$", "theta"),
    (r"$\mathbf{\theta}_k$", "theta[k]"),
    (r"$\boldsymbol\theta + \bm{ \theta }$", "theta + theta"),
    (r"$\boldsymbol{\sigma}(x)$", "sigma(x)"),
    (r"$U_{:,o}$", "U[:, o]"),
    (r"$u_k$", "U[:, k]"),                                             # u_k: column k of the declared U
    (r"$ab$", "ab"),                                                   # the longest declared name
    (r"$ax$", "a * x"),
    (r"$a b$", "a * b"),                                               # a space separates names
    (r"$\lVert v_c \rVert^2$", "norm(v_c) ** 2"),
    (r"$\|v_c\|$", "norm(v_c)"),
    (r"$\|v_c\|_2^2$", "norm(v_c) ** 2"),                               # the Euclidean norm of a vector
    (r"$\|U\|_F$", "norm(U)"),                                          # the Frobenius norm of a matrix
    # a norm written with \| or \Vert after another factor was "\| is not a command symderiv reads here"
    (r"$\frac{1}{2}\|v_c\|^2$", "(1/2) * norm(v_c) ** 2"),
    (r"$2\|v_c\|^2$", "2 * norm(v_c) ** 2"),
    (r"$x \Vert v_c \Vert$", "x * norm(v_c)"),
    (r"$\|v_c\| \|u_o\|$", "norm(v_c) * norm(u_o)"),
    (r"$|x|$", "abs(x)"),
    (r"$\pi x$", "pi * x"),
    (r"$\frac12 x$", "(1/2) * x"),
    (r"$-\log \hat{y}_o$", "-log(y_hat[o])"),
    (r"$0.5 x$", "(1/2) * x"),
    (r"$x \div 2$", "x / 2"),
    (r"$\max(0, x)$", "maximum(0, x)"),                                # two arguments: the binary maximum
    (r"$\max(z)$", "max(z)"),
    (r"$\sin^2(x) + \cos^2(x)$", "sin(x) ** 2 + cos(x) ** 2"),
    (r"$\sin'(x)$", "diff(sin(x), x)"),
    (r"$\sigma''(x)$", "diff(diff(sigma(x), x), x)"),                  # one derivative per prime
    (r"$\sigma' '(x)$", "diff(diff(sigma(x), x), x)"),
    (r"$\tanh'''(x)$", "diff(diff(diff(tanh(x), x), x), x)"),
])
def test_each_construct_is_read_as_its_expression(latex: str, expected: str) -> None:
    assert reading(latex) == expected
    # the reading shown to the user is symderiv's syntax for the very same tree
    program = Program.build(read_text(HEAD + '\n[[claim]]\nname = "c"\nlhs = "x"\nrhs = "x"\n', "t.toml"))
    assert program.parse_step(expected) == program.parse_step(latex)


def test_a_number_is_its_own_transpose() -> None:
    assert reading(r"$2^\top x$") == "2 * x"


@pytest.mark.parametrize("latex", [r"$\sqrt\sqrt x$", r"$\frac\sqrt x$", r"$\hat\hat$", r"$\frac{}{x}$", r"$x^$",
                                   r"$\left($", r"$\nabla x$", r"$\operatorname{}$", r"$\mathrm{q}$"])
def test_malformed_latex_is_a_latex_error_never_a_crash(latex: str) -> None:
    with pytest.raises(LatexError):
        reading(latex)


@pytest.mark.parametrize("latex, shown, why", [
    (r"$\input{/etc/passwd}$", r"\input", "not a command symderiv reads"),
    (r"$\def\x{y}$", r"\def", "not a command symderiv reads"),
    (r"$\newcommand{\x}{y}$", r"\newcommand", "not a command symderiv reads"),
    (r"$\sum_i x$", r"\sum", "sums"),
    (r"$q x$", "q", "unknown name 'q'"),
    (r"$v_c v_c$", "v", "cannot read a product of a d x 1 array and a d x 1 array"),
    (r"$x + $", "the end of the formula", "expected an expression"),
    (r"$x % comment$", "% comment", "a comment"),
    (r"$\begin{cases} x \end{cases}$", r"\begin{cases}", "an environment"),
    (r"$\sqrt[3]{x}$", r"\sqrt", "only the square root"),
    (r"$x = x$", "", "a step is one expression"),
    (r"$\frac{\partial J}{\partial \pi}$", r"\frac", "not a declared scalar, vector or matrix symbol"),
    (r"$x \& 1$", r"\&", "not a command"),
    # other norms: \|x\|_0 was read as norm(x)[0], so `$\|x\|_0$ = norm(x)` was proved
    (r"$\|v_c\|_0$", "_", "Euclidean norm of a vector"),
    (r"$\lVert v_c \rVert_1$", "_", "Euclidean norm of a vector"),
    (r"$\|U\|_2$", "_", "Frobenius norm of a matrix"),                 # the spectral norm
    # \tan^{-1}(x) was read as 1/tan(x): refuted against arctan's derivative, which the reader meant
    (r"$\tan^{-1}(x)$", r"\tan", "the inverse function to some and 1/tan to others"),
    (r"$\sigma^{-1}(x)$", r"\sigma", r"write 1/\sigma(x)"),
    (r"$\log_2 x$", r"\log", "a subscript on log"),                    # was "log needs an argument"
    (r"$\sigma''''(x)$", r"\sigma", "at most 3 primes"),
    (r"$\sin 2(x + 1)$", "(", r"write the whole argument in parentheses"),
    # W1^{-2} was read entrywise (W1 ** (-2)) while W1^{-1} is inv(W1), so A^{-2} = A^{-1} A^{-1} was refuted
    (r"$W1^{-2}$", "^", r"ambiguous (a power of the inverse, or of each entry): write the matrix power as a "
                        r"product, W1^{-1} W1^{-1}, or each entry's power in an expression step, W1 ** (-2)"),
    (r"$v_c^{-3}$", "^", r"a negative power of a d x 1 array is not read"),
    (r"$U^{-1/2}$", "^", r"a negative power of a d x W array is not read"),
    (r"$\log 2x(1 + x)$", "(", r"a bracket after \log and a number is ambiguous"),
])
def test_what_cannot_be_read_is_shown(latex: str, shown: str, why: str) -> None:
    with pytest.raises(LatexError) as e:
        reading(latex)
    assert why in str(e.value)
    assert shown in str(e.value)


def test_a_latex_error_is_a_parse_error() -> None:
    assert issubclass(LatexError, ParseError)


def test_an_unreadable_latex_step_is_a_located_error_showing_the_part() -> None:
    text = HEAD + '\n[[claim]]\nname = "c"\nlhs = \'$\\input{x} + x$\'\nrhs = "x"\n'
    (r,) = check_text(text, "t.toml")
    line = text.splitlines().index("[[claim]]") + 1
    assert r.verdict.value == "error"
    assert r.message.startswith(f"t.toml:{line}: step 0 ")
    assert "\\input" in r.message


LATEX_FILE = HEAD + r"""
[[claim]]
name  = "sigma' as written"
steps = ['$\frac{d}{dx} \sigma(x)$', '$\frac{e^{-x}}{(1 + e^{-x})^2}$', '$\sigma(x)(1 - \sigma(x))$']

[[claim]]
name   = "a wrong sign"
expect = false
steps  = ['$\frac{\partial J}{\partial v_c}$', '$U(\hat{y} - y)$', '$U(y - \hat{y})$']

[[claim]]
name = "LaTeX against an expression"
lhs  = '$\frac{\partial J}{\partial U}$'
rhs  = "v_c @ (y_hat - y).T"
"""


def test_latex_steps_are_checked_like_expressions() -> None:
    results = {r.claim: r for r in check_text(LATEX_FILE, "t.toml", samples=4)}
    assert {n: r.verdict.value for n, r in results.items()} == {
        "sigma' as written": "proved", "a wrong sign": "refuted", "LaTeX against an expression": "proved"}
    wrong = results["a wrong sign"]
    assert (wrong.failed_step, wrong.diagnosis) == (2, "sign")


def test_define_written_in_latex() -> None:
    text = HEAD.replace('J     = "-log(y_hat[o])"', "J     = '$-\\log \\hat{y}_o$'") + (
        '\n[[claim]]\nname = "c"\nlhs = "grad(J, v_c)"\nrhs = "U @ (y_hat - y)"\n')
    (r,) = check_text(text, "t.toml", samples=4)
    assert r.verdict.value == "proved", r.message
    assert json.loads(json.dumps(r.to_json()))["verdict"] == "proved"


def test_each_prime_is_one_more_derivative() -> None:
    # \sigma''(x) was read as the first derivative, so `$\sigma''(x)$ = diff(sigma(x), x)` was proved
    text = HEAD + """
[[claim]]
name = "the second derivative of sigma"
lhs  = '''$\\sigma''(x)$'''
rhs  = "sigma(x) * (1 - sigma(x)) * (1 - 2*sigma(x))"

[[claim]]
name = "not the first"
lhs  = '''$\\sigma''(x)$'''
rhs  = "diff(sigma(x), x)"

[[claim]]
name = "nor is the third"
lhs  = "$\\\\sigma'''(x)$"
rhs  = "diff(sigma(x), x)"
"""
    results = {r.claim: r.verdict.value for r in check_text(text, "t.toml", samples=4)}
    assert results == {"the second derivative of sigma": "proved", "not the first": "refuted",
                       "nor is the third": "refuted"}


def test_a_norm_with_double_bars_after_a_factor_is_checked() -> None:
    text = HEAD + r"""
[[claim]]
name = "half the squared norm"
lhs  = '$\frac{1}{2}\|v_c\|^2$'
rhs  = "dot(v_c, v_c) / 2"

[[claim]]
name = "twice it, with Vert"
lhs  = '$2 \Vert v_c \Vert^2$'
rhs  = "2 * dot(v_c, v_c)"
"""
    results = {r.claim: r.verdict.value for r in check_text(text, "t.toml", samples=4)}
    assert results == {"half the squared norm": "proved", "twice it, with Vert": "proved"}


def test_bold_greek_is_the_greek_symbol() -> None:
    text = HEAD + r"""
[[claim]]
name = "bold theta"
lhs  = '$\boldsymbol{\theta}^\top z$'
rhs  = "dot(theta, z)"
"""
    (r,) = check_text(text, "t.toml", samples=4)
    assert r.verdict.value == "proved", r.message


def test_a_function_without_parentheses_takes_a_number_and_the_symbols_after_it() -> None:
    text = r"""
[symbols]
x = "positive"

[[claim]]
name = "the double angle"
lhs  = '$\sin 2x$'
rhs  = '$2 \sin x \cos x$'

[[claim]]
name = "the log of a product"
lhs  = '$\log 2x$'
rhs  = '$\log 2 + \log x$'
"""
    results = {r.claim: r.verdict.value for r in check_text(text, "t.toml", samples=4)}
    assert results == {"the double angle": "proved", "the log of a product": "proved"}


def test_a_negative_power_of_a_matrix_is_an_error_not_an_entrywise_power() -> None:
    text = HEAD + r"""
[[claim]]
name = "the inverse squared"
lhs  = '$W1^{-2}$'
rhs  = '$W1^{-1} W1^{-1}$'
"""
    (r,) = check_text(text, "t.toml", samples=4)
    assert r.verdict.value == "error"
    assert "write the matrix power as a product, W1^{-1} W1^{-1}" in r.message


def test_latex_in_double_quotes_that_toml_escaped_is_a_located_error_saying_so() -> None:
    # TOML reads "\frac" as a form feed and "rac", "\theta" as a tab and "heta": the step said "unknown name 'r'"
    text = '[symbols]\nx = "scalar"\n\n[[claim]]\nname = "half"\nlhs = "$\\frac{1}{2} x$"\nrhs = "x / 2"\n' \
           '\n[[claim]]\nname = "tex"\nlhs = "x"\nrhs = "x"\ntex = "$\\theta = x$"\n' \
           '\n[[claim]]\nname = "a line break before a name is no escape"\nlhs = """x +\nu"""\nrhs = "x"\n'
    results = {r.claim: r for r in check_text(text, "t.toml")}
    half, tex, plain = results["half"], results["tex"], results["a line break before a name is no escape"]
    assert half.verdict.value == "error"
    assert half.message.startswith("t.toml:6: lhs was read without the backslash of \\frac")
    assert "LaTeX in a double-quoted TOML string" in half.message and "single quotes" in half.message
    assert tex.verdict.value == "error"
    assert tex.message.startswith("t.toml:13: the tex was read without the backslash of \\theta")
    assert "unknown name 'u'" in plain.message        # read as written: a real line break, not "\nu"


def test_a_toml_escape_error_in_latex_says_to_use_single_quotes() -> None:
    (r,) = check_text('[symbols]\nx = "scalar"\n\n[[claim]]\nname = "c"\nlhs = "$\\sigma(x)$"\nrhs = "x"\n', "t.toml")
    assert r.verdict.value == "error"
    assert r.message.startswith("t.toml:6: TOML syntax error: Unescaped '\\' in a string; this looks like LaTeX in a "
                                "double-quoted TOML string")
    (r,) = check_text('title = "C:\\path"\n[symbols]\nx = "scalar"\n', "t.toml")     # not LaTeX: no hint
    assert r.message == "t.toml:1: TOML syntax error: Unescaped '\\' in a string"


def test_a_power_of_a_square_matrix_is_an_error_not_an_entrywise_power() -> None:
    """A^2 of a square matrix is A A on paper and was read as A ** 2 (each entry squared): the true
    (A^{-1})^2 = A^{-1} A^{-1} was refuted and the false A^2 = A * A proved."""
    text = HEAD + r"""
[[claim]]
name = "the square"
lhs  = '$W1^2$'
rhs  = 'W1 * W1'

[[claim]]
name = "the inverse squared"
lhs  = '$(W1^{-1})^2$'
rhs  = '$W1^{-1} W1^{-1}$'
"""
    square, inverse = check_text(text, "t.toml", samples=4)
    assert square.verdict.value == "error" and "write the matrix power as a product, W1 W1" in square.message
    assert inverse.verdict.value == "error" and "a power of a square matrix is ambiguous" in inverse.message
