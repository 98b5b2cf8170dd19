"""The pytest plugin (``pytest --symderiv``), run through pytest's own ``pytester``."""
from __future__ import annotations

import pytest

# pytester runs pytest in this process and forgets the modules an inner run imported;
# numpy cannot be imported twice in one process, so import what the plugin uses here.
import symderiv.report.formats  # noqa: F401
import symderiv.run.runner  # noqa: F401
import symderiv.engine.checking  # noqa: F401
import symderiv.run.workers  # noqa: F401
from samples import NUMERIC

GOOD = """
title = "sigmoid"

[symbols]
x = "scalar"

[[claim]]
name = "definition"
lhs  = "sigma(x)"
rhs  = "1 / (1 + exp(-x))"

[[claim]]
name   = "a known slip"
lhs    = "diff(sigma(x), x)"
rhs    = "-sigma(x) * (1 - sigma(x))"
expect = false
"""

BAD = """
[symbols]
x = "scalar"

[[claim]]
name = "fine"
lhs  = "sigma(x)"
rhs  = "1 / (1 + exp(-x))"

[[claim]]
name  = "chain with a sign slip"
steps = ["diff(sigma(x), x)", "sigma(x) * (1 - sigma(x))", "-sigma(x) * (1 - sigma(x))"]

[[claim]]
name = "uses an unknown function"
lhs  = "foo(x)"
rhs  = "x"
"""


@pytest.fixture(autouse=True)
def _no_outer_config(pytester: pytest.Pytester) -> None:
    # The inner runs must not find a pyproject.toml above pytester's folder.
    pytester.makeini("[pytest]\n")


def claim_line(text: str, name: str) -> int:
    """The 1-based line of the ``[[claim]]`` header of the claim called ``name``."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("name") and f'"{name}"' in line)
    return max(i for i in range(at) if lines[i].strip() == "[[claim]]") + 1


def test_without_the_flag_the_plugin_collects_nothing(pytester: pytest.Pytester) -> None:
    pytester.mkdir("derivations")
    (pytester.path / "derivations" / "bad.toml").write_text(BAD)
    pytester.makepyfile(test_plain="def test_plain():\n    assert True\n")
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=1)
    assert "bad.toml" not in result.stdout.str()


def test_a_good_file_passes_one_item_per_claim(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", good=GOOD)
    result = pytester.runpytest("--symderiv", "-v", "good.toml")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*good.toml::definition PASSED*", "*good.toml::a known slip PASSED*"])
    assert result.ret == 0


def test_a_bad_file_fails_naming_the_claim_with_the_report_not_a_traceback(pytester: pytest.Pytester) -> None:
    pytester.mkdir("derivations")
    (pytester.path / "derivations" / "bad.toml").write_text(BAD)
    result = pytester.runpytest("--symderiv", "-rf", "derivations")
    result.assert_outcomes(passed=1, failed=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    out = result.stdout.str()
    result.stdout.fnmatch_lines([
        "FAILED derivations/bad.toml::chain with a sign slip*",
        "FAILED derivations/bad.toml::uses an unknown function*",
    ])
    # the refuted claim: its verdict, the failed step (step 2) and the diagnosis, and a counterexample
    assert "refuted" in out and "step 2" in out and "sign" in out and "counterexample" in out
    # the error claim: the located message (file and line of the claim)
    line = claim_line(BAD, "uses an unknown function")
    result.stdout.fnmatch_lines([f"*error*bad.toml:{line}:*unknown function 'foo'*"])
    # no internal traceback
    assert "Traceback" not in out and "symderiv/pytest_plugin.py" not in out and "raise ClaimNotOk" not in out


def test_failures_report_the_claims_file_and_line(pytester: pytest.Pytester) -> None:
    (pytester.path / "bad.toml").write_text(BAD)
    names = ["fine", "chain with a sign slip", "uses an unknown function"]
    lines = {n: claim_line(BAD, n) for n in names}
    result = pytester.runpytest("--symderiv", "bad.toml")
    # the failure headers use reportinfo: file name, the line of the claim's [[claim]] table, the claim
    result.stdout.fnmatch_lines([f"*_ bad.toml:{lines[n]}: {n} _*" for n in names[1:]])
    items, _ = pytester.inline_genitems("--symderiv", "bad.toml")
    info = {item.name: (item.reportinfo()[0].name, item.reportinfo()[1] + 1) for item in items}   # 0-based line
    assert info == {n: ("bad.toml", lines[n]) for n in names}


def test_a_file_that_is_not_valid_toml_fails_as_one_item(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", broken="[symbols\nx = 'scalar'\n")
    result = pytester.runpytest("--symderiv", "-rf", "broken.toml")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["FAILED broken.toml::(file)*"])


def test_with_no_path_the_configured_paths_are_collected(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml('[tool.symderiv]\npaths = ["proofs"]\n')
    pytester.mkdir("proofs")
    (pytester.path / "proofs" / "good.toml").write_text(GOOD)
    pytester.mkdir("other")
    (pytester.path / "other" / "bad.toml").write_text(BAD)   # not a configured path: not collected
    pytester.makepyfile(test_plain="def test_plain():\n    assert True\n")
    result = pytester.runpytest("--symderiv", "-v")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*proofs/good.toml::definition PASSED*"])
    assert "bad.toml" not in result.stdout.str()



def test_a_numeric_claim_passes_and_fails_under_strict(pytester: pytest.Pytester) -> None:
    # sqrt((1 + e^x)^2) = 1 + e^x is true, but not proved symbolically: its verdict is `numeric`
    pytester.makefile(".toml", deriv=NUMERIC)
    pytester.runpytest("--symderiv", "deriv.toml").assert_outcomes(passed=1)
    strict = pytester.runpytest("--symderiv", "--symderiv-strict", "-rf", "deriv.toml")
    strict.assert_outcomes(failed=1)
    strict.stdout.fnmatch_lines(["*root of a square*numeric*--strict*"])


def test_strict_in_the_configuration_is_honoured(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml("[tool.symderiv]\nstrict = true\n")
    pytester.makefile(".toml", deriv=NUMERIC)
    pytester.runpytest("--symderiv", "deriv.toml").assert_outcomes(failed=1)


def test_an_unknown_configuration_key_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml("[tool.symderiv]\nsample = 3\n")
    pytester.makefile(".toml", deriv=NUMERIC)
    result = pytester.runpytest("--symderiv", "deriv.toml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*pyproject.toml*unknown key 'sample'*"])


def test_the_per_claim_time_limit_is_enforced(pytester: pytest.Pytester) -> None:
    heavy = """
[symbols]
d = "dim"
A = "matrix(d, d)"

[[claim]]
name = "a big determinant-like sum"
lhs  = "sum(exp(A @ A @ A @ A) / (1 + exp(A @ A.T @ A)))"
rhs  = "sum(exp(A @ A @ A @ A) / (1 + exp(A @ A.T @ A))) + 0"

[check]
sizes = { d = [12] }
samples = 10000
"""
    pytester.makefile(".toml", heavy=heavy)
    result = pytester.runpytest("--symderiv", "--symderiv-timeout", "0.01", "-rf", "heavy.toml")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*timeout*time limit (0.01 s)*"])


def test_results_are_cached_unless_no_cache_is_given(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", deriv=GOOD)
    pytester.runpytest("--symderiv", "--symderiv-no-cache", "deriv.toml").assert_outcomes(passed=2)
    assert not (pytester.path / ".symderiv_cache").exists()
    pytester.runpytest("--symderiv", "deriv.toml").assert_outcomes(passed=2)
    entries = list((pytester.path / ".symderiv_cache").rglob("*.json"))
    assert len(entries) == 2
    stamps = {e: e.stat().st_mtime_ns for e in entries}
    pytester.runpytest("--symderiv", "deriv.toml").assert_outcomes(passed=2)   # served from the cache
    assert {e: e.stat().st_mtime_ns for e in entries} == stamps
