"""``symderiv new NAME``: write a commented starter derivation file.

The starter is a small, complete example that passes ``symderiv check`` as
written: the derivative of the sigmoid as a chain of steps, and one claim that
is wrong on purpose (``expect = false``), so a new user sees both verdicts.
"""
from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

EXIT_OK, EXIT_USAGE = 0, 2

TEMPLATE = '''\
# A derivation file for symderiv: each [[claim]] is a result from your notes,
# and `symderiv check {file}` proves or refutes it, step by step.
# The format is TOML; the full reference: `symderiv help format` (and a walk-through:
# `symderiv help tutorial`).  A step may also be LaTeX between dollars: '$\\frac{{1}}{{1 + e^{{-x}}}}$'.

title  = {title}
source = "where the result comes from, e.g. Assignment 1, question 2(a)"

# Every free name is declared, with its kind:
#   scalar, positive (a number > 0), dim (a size, such as an embedding size),
#   index(N) (0..N-1), vector(N) (a column vector), matrix(N, M)
[symbols]
x = "scalar"

# Named expressions, in order; a later one may use an earlier one.
# sigma is the logistic sigmoid 1 / (1 + exp(-x)); sigmoid is the same function.
[define]
s = "sigma(x)"

# A claim written as a chain of steps, as on paper: each step is claimed equal
# to the one before.  When a step is wrong, the report names it, says what it
# most likely got wrong (a sign, a factor, a transpose, a missing term) and
# gives a point where the two sides differ.
[[claim]]
name  = "the derivative of the sigmoid"
steps = [
  "diff(s, x)",                    # d/dx sigma(x)
  "exp(-x) / (1 + exp(-x))**2",    # the quotient rule on 1 / (1 + exp(-x))
  "s * (1 - s)",                   # the form everyone remembers
]
tex = ["\\\\sigma'(x)", "\\\\frac{{e^{{-x}}}}{{(1 + e^{{-x}})^2}}", "\\\\sigma(x)(1 - \\\\sigma(x))"]

# A claim can also be one equation, lhs = rhs.  This one is a slip kept on
# purpose: `expect = false` says it is wrong, so the file passes when it is
# refuted (and fails if it were ever proved).
[[claim]]
name   = "a known slip: the sign of the derivative"
lhs    = "diff(s, x)"
rhs    = "s * (s - 1)"
expect = false
note   = "the sign is flipped: sigma is increasing, so its derivative is positive"

# How hard to check (all optional; these are the defaults):
# [check]
# samples = 20      # random points for the numeric spot check
# seed    = 0
# timeout = 20      # seconds per claim
# sizes   = {{ d = [2, 3] }}   # for dims: the sizes at which the proof is done
'''


def starter_text(path: Path) -> str:
    """The starter file's text, titled after the file's name."""
    title = path.stem.replace("_", " ").replace("-", " ").strip() or "my derivation"
    title = "".join(c for c in title if c.isprintable())
    return TEMPLATE.format(file=path.as_posix(), title=json.dumps(title, ensure_ascii=False))


def write_starter(name: str, force: bool = False) -> int:
    """Write the starter to ``name`` (``.toml`` added when missing); exit status 0, or 2 when refused."""
    path = Path(name if name.endswith(".toml") else name + ".toml")
    if path.name == "pyproject.toml":
        print("symderiv: error: a derivation file cannot be called pyproject.toml", file=sys.stderr)
        return EXIT_USAGE
    if path.is_dir():
        print(f"symderiv: error: {path} is a folder", file=sys.stderr)
        return EXIT_USAGE
    if path.exists() and not force:
        print(f"symderiv: error: {path} already exists; use --force to overwrite it", file=sys.stderr)
        return EXIT_USAGE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(starter_text(path), encoding="utf-8")
    except OSError as e:
        print(f"symderiv: error: cannot write {path}: {e.strerror or e}", file=sys.stderr)
        return EXIT_USAGE
    print(f"wrote {path}; check it with: symderiv check {shlex.quote(str(path))}\n"
          "the file format, LaTeX steps included: symderiv help format")
    return EXIT_OK
