"""Hostile expressions and broken derivation files, as data, for tests/test_hostile.py (issue 7)."""
from __future__ import annotations

import json

HEAD = """title = "hostile"

[symbols]
x = "scalar"
n = "dim"
v = "vector(n)"
A = "matrix(n, n)"
"""

# expressions that try to reach Python, or to make parsing or checking blow up
EXPRESSIONS: dict[str, str] = {
    "import": "__import__('os').system('touch PWNED')",
    "class bases": "().__class__.__bases__[0].__subclasses__()",
    "dunder name": "__builtins__",
    "eval call": "eval('1')",
    "getattr call": "getattr(x, 'T')",
    "open call": "open('PWNED', 'w')",
    "lambda": "(lambda: __import__('os'))()",
    "list comprehension": "[c for c in (1, 2)]",
    "generator": "sum(c for c in (1, 2))",
    "dict comprehension": "{c: c for c in (1,)}",
    "f-string": "f'{x}'",
    "walrus": "(y := x)",
    "attribute": "x.real",
    "attribute of a call": "exp(x).__class__",
    "undeclared call": "system('touch PWNED')",
    "call of a symbol": "x(1)",
    "keyword argument": "exp(x=1)",
    "starred argument": "exp(*v)",
    "double starred": "exp(**{'x': 1})",
    "string": "'touch PWNED'",
    "bytes": "b'x'",
    "complex": "1j * x",
    "comparison": "x < 1",
    "boolean": "x and 1",
    "conditional": "x if x else 1",
    "slice with a step": "v[0:2:1]",
    "index arithmetic far out of range": "v[n * 4294967296 * 4294967296]",
    "index arithmetic with a scalar": "v[x + 1]",
    "string index": "v['a']",
    "yield": "(yield x)",
    "statement": "import os",
    "semicolon": "x; import os",
    "tower of powers": "10**10**10",
    "huge power": "x**(10**9)",
    "huge integer": "9" * 5000,
    "exp nested 1000 deep": "exp(" * 1000 + "x" + ")" * 1000,
    "1 MB expression": "x+" * 500_000 + "x",
    "10 000 nested parentheses": "(" * 10_000 + "x" + ")" * 10_000,
    "product of 10 000 factors": "*".join(["x"] * 10_000),
    "ones(10000, 10000)": "sum(ones(10000, 10000))",
    "ones beyond the size limit": "sum(ones(100000, 100000))",
    "eye at a huge size": "trace(eye(100000))",
    "empty": "   ",
    "unknown name": "y",
    # Python reads identifiers in NFKC form: these were read as x and proved equal to it
    "fullwidth letter read as x": "\uff58",
    "fullwidth letter beside x": "diff(x * \uff58, x) / 2",
    "latex fullwidth letter": "$\uff58$",
    "syntax error": "x +",
    # LaTeX steps (issue 16): nothing is expanded or defined, and the limits hold
    "latex input": r"$\input{/etc/passwd}$",
    "latex def": r"$\def\x{\input{PWNED}}\x$",
    "latex newcommand": r"$\newcommand{\x}{1}\x$",
    "latex csname": r"$\csname input\endcsname{PWNED}$",
    "latex write18": r"$\immediate\write18{touch PWNED}$",
    "latex environment": r"$\begin{verbatim}x\end{verbatim}$",
    "latex unbalanced braces": r"$\frac{x$",
    "latex 1000 nested braces": "$" + "{" * 1000 + "x" + "}" * 1000 + "$",
    "latex 1 MB of braces": "$" + "{" * 500_000 + "}" * 500_000 + "$",
    "latex nested fractions": "$" + r"\frac{1}{" * 300 + "x" + "}" * 300 + "$",
    "latex tower of accents": "$" + r"\hat" * 3_000 + " x$",
    "latex tower of powers": r"$10^{10^{10}}$",
    "latex huge power": r"$x^{1000000}$",
    "latex nested dollars": "$x $ x$",
    "latex comment": "$x % the rest$",
    "latex empty": "$ $",
    "latex unknown name": r"$\hat{q}$",
}


def claim_file(lhs: str, name: str = "c", rhs: str = "x") -> str:
    return HEAD + f"\n[[claim]]\nname = {json.dumps(name)}\nlhs = {json.dumps(lhs)}\nrhs = {json.dumps(rhs)}\n"



GOOD_CLAIM = '\n[[claim]]\nname = "fine"\nlhs = "x + x"\nrhs = "2 * x"\n'

# each file marks with "# HERE" the line its error must name (the first line when none is marked)
BROKEN_FILES: dict[str, str] = {
    "malformed": HEAD + '\n[[claim]]\nname = "c"\nlhs = "x" "x"   # HERE\n',
    "truncated": HEAD + '\n[[claim]]\nname = "c"\nlhs = "x + ',
    "unclosed table": '[symbols   # HERE\nx = "scalar"\n',
    "deeply nested array": "a = " + "[" * 100_000 + "]" * 100_000 + "\n",
    "deeply nested tables": "a = " + "{b = " * 5_000 + "1" + "}" * 5_000 + "\n",
    "no claims": HEAD,
    "title not a string": "title = 3   # HERE\n" + HEAD.split("\n", 1)[1] + GOOD_CLAIM,
    "source not a string": "source = [1]   # HERE\n" + HEAD + GOOD_CLAIM,
    "unknown top-level field": "import = \"os\"   # HERE\n" + HEAD + GOOD_CLAIM,
    "symbols not a table": 'symbols = "x"   # HERE\n' + GOOD_CLAIM,
    "symbol kind not a string": '[symbols]\nx = 1   # HERE\n' + GOOD_CLAIM,
    "symbol kind unknown": '[symbols]\nx = "__import__(os)"   # HERE\n' + GOOD_CLAIM,
    "symbol size huge": '[symbols]\nx = "scalar"\nw = "vector(100000)"   # HERE\n'
                        '\n[[claim]]\nname = "c"\nlhs = "sum(w)"\nrhs = "x"\n',
    "define not a table": 'define = 3   # HERE\n' + HEAD + GOOD_CLAIM,
    "define not a string": HEAD + '\n[define]\ny = [1]   # HERE\n' + '\n[[claim]]\nname = "c"\nlhs = "y"\nrhs = "x"\n',
    "define hostile": HEAD + '\n[define]\ny = "__import__(\'os\')"   # HERE\n'
                      + '\n[[claim]]\nname = "c"\nlhs = "y"\nrhs = "x"\n',
    "claim not an array": 'claim = "x = x"   # HERE\n' + HEAD,
    "claim not a table": "claim = [1, 2]   # HERE\n" + HEAD,
    "check not a table": 'check = "fast"   # HERE\n' + HEAD + GOOD_CLAIM,
    "sizes not a table": HEAD + GOOD_CLAIM + "\n[check]\nsizes = 3   # HERE\n",
    "sizes not integers": HEAD + GOOD_CLAIM + '\n[check]\nsizes = { n = ["2"] }   # HERE\n',
    "samples a string": HEAD + GOOD_CLAIM + '\n[check]\nsamples = "many"   # HERE\n',
    "samples zero": HEAD + GOOD_CLAIM + "\n[check]\nsamples = 0   # HERE\n",
    "samples huge": HEAD + GOOD_CLAIM + "\n[check]\nsamples = 100000000   # HERE\n",
    "seed a float": HEAD + GOOD_CLAIM + "\n[check]\nseed = 1.5   # HERE\n",
    "rtol a string": HEAD + GOOD_CLAIM + '\n[check]\nrtol = "loose"   # HERE\n',
    "rtol infinite": HEAD + GOOD_CLAIM + "\n[check]\nrtol = inf   # HERE\n",
    "rtol huge": HEAD + GOOD_CLAIM + "\n[check]\nrtol = 1e300   # HERE\n",
    "atol negative": HEAD + GOOD_CLAIM + "\n[check]\natol = -1.0   # HERE\n",
    "atol nan": HEAD + GOOD_CLAIM + "\n[check]\natol = nan   # HERE\n",
    "timeout zero": HEAD + GOOD_CLAIM + "\n[check]\ntimeout = 0   # HERE\n",
    "timeout infinite": HEAD + GOOD_CLAIM + "\n[check]\ntimeout = inf   # HERE\n",
    "timeout for ever": HEAD + GOOD_CLAIM + "\n[check]\ntimeout = 1e300   # HERE\n",
    "timeout a date": HEAD + GOOD_CLAIM + "\n[check]\ntimeout = 1979-05-27   # HERE\n",
    "unknown check field": HEAD + GOOD_CLAIM + '\n[check]\nshell = "rm -rf /"   # HERE\n',
    "name not a string": HEAD + "\n[[claim]]   # HERE\nname = 1\nlhs = \"x\"\nrhs = \"x\"\n",
    "name empty": HEAD + "\n[[claim]]   # HERE\nname = \"  \"\nlhs = \"x\"\nrhs = \"x\"\n",
    "lhs not a string": HEAD + "\n[[claim]]   # HERE\nname = \"c\"\nlhs = 1\nrhs = \"x\"\n",
    "rhs a list": HEAD + "\n[[claim]]   # HERE\nname = \"c\"\nlhs = \"x\"\nrhs = [\"x\"]\n",
    "lhs without rhs": HEAD + "\n[[claim]]   # HERE\nname = \"c\"\nlhs = \"x\"\n",
    "both forms": HEAD + "\n[[claim]]   # HERE\nname = \"c\"\nlhs = \"x\"\nrhs = \"x\"\nsteps = [\"x\", \"x\"]\n",
    "neither form": HEAD + "\n[[claim]]   # HERE\nname = \"c\"\n",
    "steps a string": HEAD + "\n[[claim]]   # HERE\nname = \"c\"\nsteps = \"x = x\"\n",
    "steps not strings": HEAD + "\n[[claim]]   # HERE\nname = \"c\"\nsteps = [1, 2]\n",
    "steps empty": HEAD + "\n[[claim]]   # HERE\nname = \"c\"\nsteps = []\n",
    "one step": HEAD + "\n[[claim]]   # HERE\nname = \"c\"\nsteps = [\"x\"]\n",
    "expect a string": HEAD + "\n[[claim]]   # HERE\nname = \"c\"\nlhs = \"x\"\nrhs = \"x\"\nexpect = \"maybe\"\n",
    "expect a number": HEAD + "\n[[claim]]   # HERE\nname = \"c\"\nlhs = \"x\"\nrhs = \"x\"\nexpect = 1\n",
    "note not a string": HEAD + "\n[[claim]]   # HERE\nname = \"c\"\nlhs = \"x\"\nrhs = \"x\"\nnote = 3\n",
    "tex not strings": HEAD + "\n[[claim]]   # HERE\nname = \"c\"\nlhs = \"x\"\nrhs = \"x\"\ntex = [1]\n",
    "unknown claim field": HEAD + "\n[[claim]]   # HERE\nname = \"c\"\nlhs = \"x\"\nrhs = \"x\"\nexec = \"x\"\n",
    "duplicate names": HEAD + GOOD_CLAIM + "\n[[claim]]   # HERE\nname = \"fine\"\nlhs = \"x\"\nrhs = \"x\"\n",
    # the [check] line at fault (session 9; each claim was an error at its own line before)
    "sizes beyond the limit": HEAD + '\n[[claim]]\nname = "c"\nlhs = "sum(v)"\nrhs = "sum(v)"\n'
                              "\n[check]\nsizes = { n = [100000] }   # HERE\n",
    "matrix at a huge size": HEAD + '\n[[claim]]   # HERE\nname = "c"\nlhs = "sum(A)"\nrhs = "sum(A)"\n'
                             "\n[check]\nsizes = { n = [512] }\n",
    "ones at a huge size": HEAD + '\n[[claim]]   # HERE\nname = "c"\nlhs = "sum(ones(n, n))"\nrhs = "n * n"\n'
                           "\n[check]\nsizes = { n = [512] }\n",
    "too many size combinations": '[symbols]\n' + "".join(f'd{i} = "dim"\n' for i in range(13))
                                  + '\n[[claim]]   # HERE\nname = "c"\nlhs = "' + " + ".join(f"d{i}" for i in range(13))
                                  + '"\nrhs = "0"\n',
}
