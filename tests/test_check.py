"""The verifier end to end (issue 3): verdicts, errors, exit status, JSON report."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from symderiv import check_text
from symderiv.cli import main

ROOT = Path(__file__).resolve().parents[1]
CONTRACT_EXAMPLE = (ROOT / "docs" / "format.md").read_text(encoding="utf-8").split("```toml\n")[1].split("```")[0]


def verdicts(text: str, **settings: object) -> dict[str, str]:
    return {r.claim: r.verdict.value for r in check_text(text, "t.toml", **settings)}


def run_cli(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "symderiv", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=600)


def test_contract_example_checks_as_its_expect_fields_say(tmp_path: Path) -> None:
    f = tmp_path / "word2vec.toml"
    f.write_text(CONTRACT_EXAMPLE)
    proc = run_cli(["check", str(f), "--format", "json"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    got = {r["claim"]: (r["verdict"], r["ok"]) for r in report["results"]}
    assert got == {
        "3a: gradient wrt the centre vector": ("proved", True),
        "3b: gradient wrt the output vectors": ("proved", True),
        "3a, as written step by step": ("proved", True),
        "a known slip: the sign of the u_k gradient": ("refuted", True),
    }
    slip = report["results"][3]
    assert slip["failed_step"] == 1 and slip["diagnosis"] == "sign" and slip["expect"] is False
    assert slip["counterexample"]["sizes"] and "o" in slip["counterexample"]["indices"]
    assert report["summary"] == {"claims": 4, "ok": 4, "proved": 3, "numeric": 0, "refuted": 1,
                                 "timeout": 0, "error": 0}
    assert report["version"] == 1
    first = report["results"][0]
    assert first["file"] == str(f) and first["line"] == CONTRACT_EXAMPLE.splitlines().index("[[claim]]") + 1
    assert set(first) >= {"file", "line", "claim", "verdict", "expect", "ok", "failed_step", "diagnosis",
                          "counterexample", "message", "seconds"}


SIGMOID = """
[symbols]
x = "scalar"
p = "positive"

[[claim]]
name = "right"
lhs = "diff(sigma(x), x)"
rhs = "sigma(x) * (1 - sigma(x))"

[[claim]]
name = "wrong sign inside"
lhs = "diff(sigma(x), x)"
rhs = "sigma(x) * (1 + sigma(x))"

[[claim]]
name = "tiny offset"
lhs = "sigma(x)"
rhs = "1/(1+exp(-x)) + 0.000000000001"

[[claim]]
name = "tiny offset on a derivative"
lhs = "diff(sigmoid(x), x)"
rhs = "sigma(x) * (1 - sigma(x)) + 1e-12"

[[claim]]
name = "abs of a scalar"
lhs = "abs(x)"
rhs = "x"

[[claim]]
name = "abs of a positive"
lhs = "abs(p)"
rhs = "p"
"""


def test_sigmoid_derivative_offsets_and_assumptions() -> None:
    assert verdicts(SIGMOID) == {
        "right": "proved",
        "wrong sign inside": "refuted",
        "tiny offset": "refuted",
        "tiny offset on a derivative": "refuted",
        "abs of a scalar": "refuted",
        "abs of a positive": "proved",
    }


def test_offset_is_refuted_with_the_exact_constant() -> None:
    r = {r.claim: r for r in check_text(SIGMOID)}["tiny offset"]
    assert r.counterexample is not None and r.counterexample.difference == "1/1000000000000"
    assert r.diagnosis == "extra-term"


FALSE_CLAIMS = [
    ("x", "x + 1e-15", "scalar"),
    ("exp(x + 1)", "exp(x)", "scalar"),
    ("log(x**2)", "log(abs(x))", "scalar"),
    ("sqrt(x**2)", "x", "scalar"),
    ("diff(tanh(x), x)", "1 + tanh(x)**2", "scalar"),
    ("diff(log(x), x)", "1/x + 1e-9", "positive"),
    ("relu(x)", "x", "scalar"),
    ("x / x", "1 + 1e-12", "scalar"),
    # a constant hidden behind log(exp(a) * exp(b)) (found by bench/fuzz.py; was `numeric`)
    ("log(exp(x * tanh(1)) * exp(x**3)) + x**3", "x * tanh(1) + x**3 + x**3 + 1/100000000", "scalar"),
]


def test_log_of_a_product_of_exponentials_is_proved() -> None:
    text = """
[symbols]
x = "scalar"
y = "scalar"
p = "positive"
[[claim]]
name = "log of exps"
lhs = "log(exp(x) * exp(y**2) * p)"
rhs = "x + y**2 + log(p)"
"""
    assert verdicts(text) == {"log of exps": "proved"}


@pytest.mark.parametrize("lhs,rhs,kind", FALSE_CLAIMS)
def test_false_claims_are_never_proved_or_numeric(lhs: str, rhs: str, kind: str) -> None:
    text = f'[symbols]\nx = "{kind}"\n[[claim]]\nname = "c"\nlhs = "{lhs}"\nrhs = "{rhs}"\n'
    assert verdicts(text) == {"c": "refuted"}


def test_matrix_gradient_is_not_a_wrong_zero() -> None:
    text = """
[symbols]
n = "dim"
A = "matrix(n, n)"
v = "vector(n)"
[[claim]]
name = "grad of a quadratic form"
lhs = "grad(v.T @ A @ v, A)"
rhs = "v @ v.T"
[[claim]]
name = "a wrong zero"
lhs = "grad(v.T @ A @ v, A)"
rhs = "zeros(n, n)"
[[claim]]
name = "grad wrt v"
lhs = "grad(v.T @ A @ v, v)"
rhs = "(A + A.T) @ v"
"""
    assert verdicts(text) == {"grad of a quadratic form": "proved", "a wrong zero": "refuted",
                              "grad wrt v": "proved"}


def test_expect_false_and_strict() -> None:
    text = """
[symbols]
x = "positive"
[[claim]]
name = "needs simplify"
lhs = "log(x**3)"
rhs = "3*log(x)"
[[claim]]
name = "known wrong"
lhs = "x"
rhs = "-x"
expect = false
"""
    results = check_text(text)
    assert [(r.verdict.value, r.ok) for r in results] == [("proved", True), ("refuted", True)]


@pytest.mark.parametrize("body,needle", [
    ('[symbols]\nx = "scalar"\n[[claim]]\nname = "c"\nlhs = "x +"\nrhs = "x"\n', "syntax error"),
    ('[symbols]\nx = "scalar"\n[[claim]]\nname = "c"\nlhs = "y"\nrhs = "x"\n', "unknown name 'y'"),
    ('[symbols]\nn = "dim"\nv = "vector(n)"\nA = "matrix(n, 3)"\n[[claim]]\nname = "c"\n'
     'lhs = "A @ v"\nrhs = "v"\n', "operator @"),
])
def test_bad_claims_are_errors_with_file_and_line(tmp_path: Path, body: str, needle: str) -> None:
    f = tmp_path / "bad.toml"
    f.write_text(body)
    proc = run_cli(["check", str(f), "--format", "json"])
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    (r,) = json.loads(proc.stdout)["results"]
    assert r["verdict"] == "error" and r["ok"] is False
    line = body.splitlines().index("[[claim]]") + 1
    assert r["line"] == line
    assert r["message"].startswith(f"{f}:{line}:") and needle in r["message"]


def test_toml_syntax_error_is_one_located_error(tmp_path: Path) -> None:
    f = tmp_path / "broken.toml"
    f.write_text('[symbols]\nx = "scalar"\n[[claim]\nname = "c"\n')
    proc = run_cli(["check", str(f), "--format", "json"])
    assert proc.returncode == 1
    (r,) = json.loads(proc.stdout)["results"]
    assert r["verdict"] == "error" and r["message"].startswith(f"{f}:3: TOML syntax error")


def test_one_bad_claim_does_not_stop_the_others() -> None:
    text = """
[symbols]
x = "scalar"
[[claim]]
name = "bad"
lhs = "__import__('os')"
rhs = "x"
[[claim]]
name = "good"
lhs = "x + x"
rhs = "2*x"
"""
    results = check_text(text)
    assert [(r.claim, r.verdict.value) for r in results] == [("bad", "error"), ("good", "proved")]
    assert "not allowed" in (results[0].message or "") or "unknown" in (results[0].message or "")


def test_exit_status_two_for_usage_errors(tmp_path: Path) -> None:
    assert run_cli(["check", str(tmp_path / "nope.toml")]).returncode == 2
    assert run_cli(["check", str(tmp_path)]).returncode == 2          # no derivation file found
    assert run_cli(["check", "--no-such-option"]).returncode == 2


def test_runaway_claim_times_out_and_the_next_claim_is_checked(tmp_path: Path) -> None:
    f = tmp_path / "slow.toml"
    f.write_text("""
[symbols]
n = "dim"
A = "matrix(n, n)"
x = "scalar"
[[claim]]
name = "enormous"
lhs = "grad(sum(exp(A @ A @ A @ A)), A)"
rhs = "A"
[[claim]]
name = "after it"
lhs = "x * x"
rhs = "x**2"
[check]
sizes = { n = [60] }
timeout = 2
""")
    proc = run_cli(["check", str(f), "--format", "json", "-j", "1"])
    results = json.loads(proc.stdout)["results"]
    assert [(r["claim"], r["verdict"]) for r in results] == [("enormous", "timeout"), ("after it", "proved")]
    assert "time limit" in results[0]["message"]
    assert proc.returncode == 1


def test_python_dash_m_and_help() -> None:
    proc = run_cli(["--help"])
    assert proc.returncode == 0 and "check" in proc.stdout


def test_main_without_subcommand_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2


def test_no_strict_overrides_config_and_jobs_zero_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.symderiv]\nstrict = true\npaths = ["d"]\n')
    (tmp_path / "d").mkdir()
    # true wherever the earlier step is defined (x > 0), but not provable for a real x: numeric
    # (the other way round, log(x**2) then 2*log(x), is refuted: the later step is undefined for x < 0)
    (tmp_path / "d" / "n.toml").write_text(
        '[symbols]\nx = "scalar"\n[[claim]]\nname = "c"\nlhs = "2*log(x)"\nrhs = "log(x**2)"\n')
    strict = run_cli(["check", "--format", "json"], cwd=tmp_path)
    assert json.loads(strict.stdout)["results"][0]["verdict"] == "numeric"
    assert strict.returncode == 1
    assert run_cli(["check", "--no-strict"], cwd=tmp_path).returncode == 0
    assert run_cli(["check", "-j", "0"], cwd=tmp_path).returncode == 2


def test_verbose_report_of_an_error_claim(tmp_path: Path) -> None:
    f = tmp_path / "u.toml"
    f.write_text('[symbols]\nx = "scalar"\n[[claim]]\nname = "u"\nlhs = "x"\nrhs = "nosuchname"\n')
    proc = run_cli(["check", str(f), "-v", "--no-cache"])
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "unknown name 'nosuchname'" in proc.stdout


def test_help_and_a_fully_cached_run_do_not_import_sympy(tmp_path: Path) -> None:
    f = tmp_path / "d.toml"
    f.write_text('[symbols]\nx = "scalar"\n[[claim]]\nname = "c"\nlhs = "x + x"\nrhs = "2*x"\n')
    assert run_cli(["check", str(f)], cwd=tmp_path).returncode == 0          # fills the cache
    probe = ("import sys, contextlib, io\nfrom symderiv.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n"
             "    try:\n        main(['--help'])\n    except SystemExit:\n        pass\n"
             f"    code = main(['check', {str(f)!r}])\n"
             "print(code, 'sympy' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert out.stdout.split() == ["0", "False"], out.stderr


def test_numeric_points_do_not_depend_on_the_process_hash_seed(tmp_path: Path) -> None:
    """The same file gives the same spot-check points in every run (str hashes are salted per process)."""
    f = tmp_path / "r.toml"
    f.write_text('[symbols]\nn = "dim"\nv = "vector(n)"\ni = "index(n)"\n[[claim]]\nname = "c"\n'
                 'lhs = "v[i]"\nrhs = "v[i]"\n')
    probe = ("import sys\nfrom symderiv.language.reading import read_file\nfrom symderiv.engine.building.evaluate import Program, instances\n"
             "from symderiv.engine.spotcheck.numeric import sample_points\n"
             f"doc = read_file({str(f)!r}); prog = Program.build(doc)\n"
             "inst = instances({'n', 'v', 'i'}, prog, {'n': 3})[2]\n"
             "print([p.values['v'].tolist() for p in sample_points(prog, {'n', 'v', 'i'}, inst, 6, 0)][-1])\n")
    outs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        outs.add(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env,
                                timeout=600).stdout)
    assert len(outs) == 1 and "[" in outs.pop()


def test_max_timeout_caps_a_files_own_timeout(tmp_path: Path) -> None:
    f = tmp_path / "greedy.toml"
    f.write_text("""
[symbols]
n = "dim"
A = "matrix(n, n)"
[[claim]]
name = "enormous"
lhs = "grad(sum(exp(A @ A @ A @ A)), A)"
rhs = "A"
[check]
sizes = { n = [60] }
timeout = 3600
""")
    proc = run_cli(["check", str(f), "--format", "json", "-j", "1", "--no-cache", "--max-timeout", "2"])
    (r,) = json.loads(proc.stdout)["results"]
    assert r["verdict"] == "timeout" and "(2 s)" in r["message"]
    assert run_cli(["check", str(f), "--max-timeout", "-1"]).returncode == 2


def test_finite_differences_losing_digits_do_not_refute_a_true_claim() -> None:
    # at x around 1.25, log(sigma(-25)) ~ log(1.4e-11): central differences lose digits there
    text = ('[symbols]\nx = "scalar"\n[[claim]]\nname = "saturated"\n'
            'lhs = "diff(-log(sigma(-20*x)), x)"\nrhs = "20*sigma(20*x)"\n')
    assert verdicts(text) == {"saturated": "proved"}


def test_a_claim_header_inside_a_multiline_string_is_not_a_claim_line() -> None:
    """The line of a claim is where its table starts; "[[claim]]" written inside a title or a note
    (a multi-line string) moved every later claim's line to it."""
    text = ('title = """\n[[claim]]\n"""\n[symbols]\nx = "scalar"\n\n[[claim]]\nname = "a"\nlhs = "x"\n'
            'rhs = "2*x"\nnote = """\n[[claim]]\nname = \\"zzz\\"\n"""\n\n[[claim]]\nname = "b"\nlhs = "x"\nrhs = "x"\n'
            "note = '''\n[[claim]]'''\n\n[[claim]]\nname = \"c\"\nlhs = \"x\"\nrhs = \"y\"\n")
    results = check_text(text, "t.toml")
    assert [(r.claim, r.line) for r in results] == [("a", 7), ("b", 16), ("c", 23)]
    assert results[2].message.startswith("t.toml:23: "), results[2].message


def test_an_error_result_lists_no_sizes() -> None:
    """A tex that disagrees with its step makes the claim an `error`; the sizes its steps were proved at
    were still listed, where the contract says an `error` has none."""
    text = ('[symbols]\nn = "dim"\nv = "vector(n)"\n[[claim]]\nname = "tex disagrees"\n'
            'lhs = "grad(sum(v*v), v)"\nrhs = "2*v"\ntex = "\\\\nabla_v \\\\operatorname{sum}(v \\\\odot v) = 3 v"\n')
    (r,) = check_text(text, "t.toml")
    assert r.verdict.value == "error", r.message
    assert (r.proved_sizes, r.numeric_sizes, r.sampled_sizes) == ((), (), ())
    assert r.to_json()["proved_sizes"] == []


def test_claims_written_after_the_symbols_header_are_reported_where_they_are() -> None:
    """`claim = [{...}]` after `[symbols]` is, to TOML, an entry of [symbols]: the file said only
    "no [[claim]] in the file" at line 1, which the file seems to contradict."""
    text = '[symbols]\nx = "scalar"\n\nclaim = [\n  { name = "a", lhs = "x", rhs = "x" },\n]\n'
    (r,) = check_text(text, "t.toml")
    assert r.verdict.value == "error"
    assert r.message.startswith("t.toml:4: ") and "[symbols]" in r.message and "[[claim]]" in r.message, r.message


def test_a_multiline_string_ending_in_quotes_ends_where_toml_ends_it() -> None:
    """TOML lets two quotes of the content touch the closing delimiter ("\""a"\"""): the scan ended the
    string at the first three, read the rest as a new string and lost a line for every claim after it."""
    from symderiv.language.tomllines import TomlLines
    text = 'title = """a""""\nsource = """\n[[claim]] # """\n[symbols]\nx = "scalar"\n\n[[claim]]\nname = "q"\n'
    assert TomlLines(text).claims == [7]


def test_larger_sizes_not_reached_are_named_not_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    """e_6(A) = 0 (true up to n = 5) was "proved at n = 2, 3, 4, 5" with nothing said of n = 7, which the
    size rule had planned and the time budget did not reach."""
    from symderiv.engine import checking
    from symderiv.engine.prove.proving import OutOfTime

    def out_of_time(*args: object, **kw: object) -> bool:
        raise OutOfTime()
    monkeypatch.setattr(checking._Context, "extend", out_of_time)
    (r,) = check_text('[symbols]\nn = "dim"\nv = "vector(n)"\n[[claim]]\nname = "c"\nlhs = "v + v"\nrhs = "2*v"\n',
                      "t.toml")
    assert r.verdict.value == "proved" and [dict(s) for s in r.proved_sizes] == [{"n": 2}, {"n": 3}]
    assert r.message == "the larger sizes n=4; n=5 were not reached within the claim's time budget"


@pytest.mark.parametrize("var,loss", [("s", "sum(s**2)"), ("W", "sum(W @ x)")])
def test_a_derivative_by_an_invalid_define_or_symbol_says_what_is_wrong_with_it(var: str, loss: str) -> None:
    """It said "x must be a declared scalar, vector or matrix symbol or a define", though s is a define."""
    text = ('[symbols]\nn = "dim"\nx = "vector(n)"\nW = "matrix(4*n, n)"\n[define]\ns = "x * undefined_name"\n'
            f'[[claim]]\nname = "c"\nlhs = "grad({loss}, {var})"\nrhs = "2 * {var}"\n')
    (r,) = check_text(text, "bad.toml")
    assert r.verdict.value == "error"
    assert f"uses {var!r}, which is invalid" in r.message, r.message
    assert "must be a declared" not in r.message
