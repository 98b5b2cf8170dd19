"""Fuzzing (issue 7), quick profile: the long run is ``python bench/fuzz.py --examples 10000``.

(a) random text and random well-formed Python ASTs into the parser: only ParseError
escapes, and nothing is evaluated; (b) soundness over generated expressions e in
x (scalar), p (positive), v (vector(n)): ``e = e`` is never refuted, ``e = e + c`` is
always refuted, ``e = 2*e`` is refuted when e is not identically zero, and a claim
agrees with its rewrite by an identity.  The generators live in bench/fuzz.py.
"""
from __future__ import annotations

import builtins
import importlib.util
import sys
from fractions import Fraction
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symderiv.language.parsing import ParseError, parse
from symderiv.language.showing import show

_spec = importlib.util.spec_from_file_location("symderiv_bench_fuzz",
                                               Path(__file__).resolve().parents[1] / "bench" / "fuzz.py")
assert _spec is not None and _spec.loader is not None
fuzz = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = fuzz          # dataclasses look their module up there
_spec.loader.exec_module(fuzz)

settings.register_profile("symderiv-quick", deadline=None, database=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
QUICK = settings(settings.get_profile("symderiv-quick"), max_examples=12)
PARSER = settings(settings.get_profile("symderiv-quick"), max_examples=300)


def _forbidden(*args: object, **kw: object) -> None:
    raise AssertionError("the parser must never evaluate text")


# ------------------------------------------------------------------ (a) the parser
@PARSER
@given(st.one_of(st.text(max_size=60), st.text("xpvin()[]:,.+-*/@ 0123456789Te_'\"", max_size=60)))
def test_random_text_into_the_parser_raises_only_parse_error(text: str) -> None:
    with mock.patch.object(builtins, "eval", _forbidden), mock.patch.object(builtins, "exec", _forbidden):
        assert fuzz.parse_outcome(text) == "ok", text


@PARSER
@given(fuzz.python_asts)
def test_random_python_into_the_parser_raises_only_parse_error(tree: object) -> None:
    text = fuzz.unparse(tree)  # type: ignore[arg-type]
    if text is None:
        return
    with mock.patch.object(builtins, "eval", _forbidden), mock.patch.object(builtins, "exec", _forbidden):
        assert fuzz.parse_outcome(text) == "ok", text


@PARSER
@given(fuzz.exprs)
def test_show_gives_text_that_parses_back_to_the_same_tree(e: object) -> None:
    node = parse(e.text, fuzz.NAMESPACE)  # type: ignore[attr-defined]
    assert parse(show(node), fuzz.NAMESPACE) == node


def test_the_parser_fuzz_would_see_an_escaping_exception(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(text: str, ns: object) -> None:
        raise KeyError(text)

    monkeypatch.setattr(fuzz, "parse", broken)
    assert fuzz.parse_outcome("x") == "crash"
    monkeypatch.setattr(fuzz, "parse", lambda text, ns: (_ for _ in ()).throw(ParseError("no")))
    assert fuzz.parse_outcome("x") == "ok"


# ------------------------------------------------------------------ (b) soundness
@QUICK
@given(fuzz.exprs)
def test_a_claim_that_e_equals_itself_is_never_refuted(e: object) -> None:
    assert fuzz.outcome_same(e) == "ok", e.text  # type: ignore[attr-defined]


@QUICK
@given(fuzz.exprs, fuzz.tiny_constants)
def test_e_equals_e_plus_a_nonzero_constant_is_refuted_however_small(e: object, c: Fraction) -> None:
    assert fuzz.outcome_shifted(e, c) == "ok", (e.text, c)  # type: ignore[attr-defined]


@QUICK
@given(fuzz.exprs)
def test_e_equals_twice_e_is_refuted_when_e_is_not_zero(e: object) -> None:
    assert fuzz.outcome_doubled(e) in ("ok", "skipped"), e.text  # type: ignore[attr-defined]


@QUICK
@given(fuzz.exprs, fuzz.exprs, st.integers(0, len(fuzz.IDENTITIES) - 1), fuzz.exprs, st.none() | fuzz.tiny_constants)
def test_a_claim_and_its_rewrite_by_an_identity_agree(a: object, b: object, k: int, t: object,
                                                      shift: Fraction | None) -> None:
    # "blind" (a false claim rated numeric) is reported by the bench, not failed here
    assert fuzz.outcome_identity(a, b, k, t, shift) in ("ok", "blind", "weak"), \
        (a.text, b.text, k, t.text, shift)  # type: ignore[attr-defined]


def test_the_smallest_shift_is_refuted_and_a_true_claim_is_not() -> None:
    e = fuzz.Expr("exp(x) * sigma(p)", lambda x, p, v: 0.0)
    assert fuzz.outcome_shifted(e, Fraction(1, 10 ** 12)) == "ok"
    assert fuzz.verdict(fuzz.claim("x", "x + (1/1000000000000)")) == "refuted"
    assert fuzz.verdict(fuzz.claim("(x + p) * (x - p)", "x * x - p * p")) == "proved"


def test_the_bench_counts_a_short_run_as_sound() -> None:
    counts, failures = fuzz.run(examples=12, seed_value=1, hang=600)
    assert failures == [] and counts["examples"] >= 1
    assert counts["crash"] == counts["hang"] == counts["unsound"] == 0


def test_the_soundness_checks_would_see_an_unsound_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    e = fuzz.Expr("exp(x)", lambda x, p, v: 2.0)
    monkeypatch.setattr(fuzz, "verdict", lambda text, timeout=4.0: "proved")
    assert fuzz.outcome_shifted(e, Fraction(1, 10 ** 12)) == "unsound"
    assert fuzz.outcome_doubled(e) == "unsound"
    monkeypatch.setattr(fuzz, "verdict", lambda text, timeout=4.0: "refuted")
    assert fuzz.outcome_same(e) == "unsound"
    assert fuzz.outcome_identity(e, e, 0, e, None) == "unsound"
    monkeypatch.setattr(fuzz, "verdict", lambda text, timeout=4.0: "error")
    assert fuzz.outcome_same(e) == "crash"
    monkeypatch.setattr(fuzz, "verdict", lambda text, timeout=4.0: "numeric")
    assert fuzz.outcome_shifted(e, Fraction(1, 10 ** 12)) == "unsound"
    assert fuzz.outcome_identity(e, e, 0, e, Fraction(1, 10 ** 12)) == "blind"
