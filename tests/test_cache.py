"""The result cache, as a user of ``symderiv check`` sees it.

Every test runs the CLI in its own temporary folder (with its own pyproject.toml),
so the repository's own ``.symderiv_cache/`` is never touched.  Which claims were
really checked is observed by wrapping the worker pool.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import symderiv.run.workers
from symderiv import cli
from symderiv.run.cache import FOLDER, ResultCache, claim_from_json, claim_to_json
from symderiv.settings import Settings
from symderiv.language.reading import read_text
from symderiv.results import ClaimResult, Counterexample, StepResult, Verdict

DERIVATION = """\
title = "cache test"

[symbols]
x = "scalar"
n = "dim"
z = "vector(n)"

[define]
s = "sigma(x)"

[[claim]]
name = "sigma'"
lhs  = "diff(s, x)"
rhs  = "s * (1 - s)"

[[claim]]
name = "wrong sign"
expect = false
lhs  = "diff(s, x)"
rhs  = "-s * (1 - s)"

[[claim]]
name = "softmax shift"
lhs  = "softmax(z + x)"
rhs  = "softmax(z)"

[[claim]]
name = "unknown name"
lhs  = "x"
rhs  = "nosuchname"
"""

CLAIMS = ["sigma'", "wrong sign", "softmax shift", "unknown name"]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder: pyproject.toml with [tool.symderiv], derivations/, and the cwd in a subfolder."""
    (tmp_path / "pyproject.toml").write_text('[tool.symderiv]\npaths = ["derivations"]\n', encoding="utf-8")
    (tmp_path / "derivations").mkdir()
    (tmp_path / "derivations" / "d.toml").write_text(DERIVATION, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    return tmp_path


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The names of the claims each run really checked (not taken from the cache)."""
    runs: list[list[str]] = []
    original = symderiv.run.workers.run_tasks

    def spy(tasks, jobs, on_result=None, **kw):  # type: ignore[no-untyped-def]
        runs.append([t.doc.claims[t.index].name for t in tasks])
        return original(tasks, jobs, on_result, **kw)

    monkeypatch.setattr(symderiv.run.workers, "run_tasks", spy)
    return runs


def run(project: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, dict]:
    code = cli.main(["check", str(project / "derivations"), "--format", "json", "-j", "1", *flags])
    return code, json.loads(capsys.readouterr().out)


def entries(project: Path) -> list[Path]:
    return sorted((project / FOLDER).rglob("*.json"))


def test_warm_run_checks_nothing_and_reports_identical_json(project, capsys, checked):
    code1, cold = run(project, capsys)
    code2, warm = run(project, capsys)
    assert checked[0] == CLAIMS
    assert checked[1] == []
    assert cold == warm                      # every field, seconds included
    assert code1 == code2 == 1               # the unknown name is an error
    assert [r["verdict"] for r in cold["results"]] == ["proved", "refuted", "proved", "error"]
    assert cold["results"][1]["counterexample"] is not None
    assert (project / FOLDER).is_dir()       # beside the config, not in the current folder
    assert not (project / "sub" / FOLDER).exists()
    assert len(entries(project)) == 4


def test_text_report_from_the_cache_matches(project, capsys, checked):
    cli.main(["check", str(project / "derivations"), "-j", "1"])
    first = capsys.readouterr().out
    cli.main(["check", str(project / "derivations"), "-j", "1"])
    second = capsys.readouterr().out
    assert checked[1] == []

    def strip_seconds(text: str) -> str:
        import re
        return re.sub(r"\d+(\.\d+)? ?s\b", "_s", text)
    assert strip_seconds(first) == strip_seconds(second)


def test_changed_claim_is_the_only_one_rechecked(project, capsys, checked):
    _, before = run(project, capsys)
    path = project / "derivations" / "d.toml"
    path.write_text(path.read_text().replace('rhs  = "-s * (1 - s)"', 'rhs  = "s * (1 + s)"'), encoding="utf-8")
    _, after = run(project, capsys)
    assert checked[1] == ["wrong sign"]
    assert after["results"][1]["verdict"] == "refuted"
    assert [r for i, r in enumerate(after["results"]) if i != 1] == \
           [r for i, r in enumerate(before["results"]) if i != 1]


def test_changed_define_rechecks_the_whole_file(project, capsys, checked):
    run(project, capsys)
    path = project / "derivations" / "d.toml"
    path.write_text(path.read_text().replace('s = "sigma(x)"', 's = "1 / (1 + exp(-x))"'), encoding="utf-8")
    run(project, capsys)
    assert checked[1] == CLAIMS


@pytest.mark.parametrize("flags", [["--strict"], ["--seed", "3"], ["--samples", "5"], ["--sizes", "n=4"],
                                   ["--timeout", "30"], ["--rtol", "1e-5"]])
def test_changed_settings_recheck(project, capsys, checked, flags):
    run(project, capsys)
    run(project, capsys, *flags)
    assert checked[1] == CLAIMS
    run(project, capsys, *flags)
    assert checked[2] == []


def test_no_cache_neither_reads_nor_writes(project, capsys, checked):
    run(project, capsys, "--no-cache")
    assert not (project / FOLDER).exists()
    run(project, capsys)
    run(project, capsys, "--no-cache")
    assert checked == [CLAIMS, CLAIMS, CLAIMS]


@pytest.mark.parametrize("damage", [
    b"",                                             # empty
    b"{\"format\": 1, \"key\": ",                   # truncated
    b"\xff\xfe not utf-8",
    b"[1, 2, 3]",                                     # not an object
    b"{\"format\": 1, \"key\": \"other\", \"result\": {}}",   # another key
    b"{\"format\": 1, \"key\": \"KEY\", \"result\": {\"verdict\": \"proved\"}}",  # missing fields
    b"{\"format\": 1, \"key\": \"KEY\", \"result\": {\"file\": 1}}",
])
def test_corrupt_entries_are_ignored_and_rebuilt(project, capsys, checked, damage):
    _, good = run(project, capsys)
    for p in entries(project):
        p.write_bytes(damage.replace(b"KEY", p.stem.encode()))
    _, again = run(project, capsys)
    assert checked[1] == CLAIMS
    assert [(r["claim"], r["verdict"], r["ok"]) for r in again["results"]] == \
           [(r["claim"], r["verdict"], r["ok"]) for r in good["results"]]
    for p in entries(project):                       # rebuilt: valid entries again
        data = json.loads(p.read_text(encoding="utf-8"))
        assert data["key"] == p.stem
    run(project, capsys)
    assert checked[2] == []


def test_unreadable_entry_is_rechecked(project, capsys, checked):
    run(project, capsys)
    for p in entries(project):
        p.unlink()
        p.mkdir()                                    # a folder where the file should be: cannot be read or replaced
    _, again = run(project, capsys)
    assert checked[1] == CLAIMS
    assert [r["verdict"] for r in again["results"]] == ["proved", "refuted", "proved", "error"]


def test_cache_clear(project, capsys, checked):
    run(project, capsys)
    assert (project / FOLDER).is_dir()
    assert cli.main(["cache", "clear"]) == 0
    assert "deleted" in capsys.readouterr().out
    assert not (project / FOLDER).exists()
    assert cli.main(["cache", "clear"]) == 0
    assert "no cache" in capsys.readouterr().out
    run(project, capsys)
    assert checked[1] == CLAIMS


def _sample_results() -> list[ClaimResult]:
    cx = Counterexample({"n": 2}, {"i": 1, "Y": [0, 1]}, {"x": 0.25, "z": [1.5, -2.0], "A": [[1, 2], [3, 4]]},
                        (1, 0), 0.5, -0.5, True, (2, 1), (2, 1), "-1", "1/2", "-1/2")
    step = StepResult(1, Verdict.REFUTED, "exact evaluation", ({"n": 2}, {"n": 3}), 20, "sign", "the sign", cx, "m")
    return [
        ClaimResult("d.toml", 3, "c", Verdict.REFUTED, False, True, 1, "sign", cx, "msg", 1.25,
                    ("a", "b"), (step,), "note", "\\tex"),
        ClaimResult("d.toml", 9, "t", Verdict.PROVED, tex=("a", "b"), steps=("x",)),
        ClaimResult("d.toml", 12, "e", Verdict.PROVED, steps=("x * y", "$x y$", "x"), readings=(None, "x * y", None),
                    elementwise=((0,), (0,), None)),
    ]


@pytest.mark.parametrize("result", _sample_results())
def test_results_round_trip_exactly(result):
    assert claim_from_json(json.loads(json.dumps(claim_to_json(result)))) == result


def test_machine_dependent_results_are_not_stored(tmp_path):
    doc = read_text(DERIVATION, "d.toml")
    settings = Settings()
    cache = ResultCache(tmp_path)
    base = ClaimResult("d.toml", 3, "c", Verdict.PROVED, ok=True, seconds=1.0)
    cases = [
        (base, True),
        (ClaimResult("d.toml", 3, "c", Verdict.TIMEOUT, seconds=20.0), False),
        (ClaimResult("d.toml", 3, "c", Verdict.ERROR, message="d.toml:3: internal error: KeyError"), False),
        (ClaimResult("d.toml", 3, "c", Verdict.NUMERIC, seconds=3.0,
                     message="not proved symbolically within the time limit (20 s)"), False),
        (ClaimResult("d.toml", 3, "c", Verdict.NUMERIC, seconds=19.5), False),   # cut short by the limit
    ]
    for i, (r, stored) in enumerate(cases):
        key = cache.key(doc, 0, settings) + str(i)
        assert cache.put(key, r, settings) is stored
        assert (cache.get(key) == r) is stored


def test_only_certified_verdicts_are_stored(tmp_path):
    """Issue 12: numeric is no certificate, nor is a refutation without a certified witness."""
    doc = read_text(DERIVATION, "d.toml")
    settings = Settings()
    cache = ResultCache(tmp_path)
    uncertified = Counterexample({}, {}, {"x": 1.0}, (0, 0), 0.5, 0.6)
    certified = Counterexample({}, {}, {"x": 1}, (0, 0), 0.5, 0.6,
                               certificate="ball arithmetic at 64 bits: the difference is in [0.1 +/- 1e-19]")
    cases = [
        (ClaimResult("d.toml", 3, "c", Verdict.NUMERIC, ok=True, seconds=1.0), False),
        (ClaimResult("d.toml", 3, "c", Verdict.REFUTED, counterexample=uncertified, seconds=1.0), False),
        (ClaimResult("d.toml", 3, "c", Verdict.REFUTED, counterexample=certified, seconds=1.0), True),
        (ClaimResult("d.toml", 3, "c", Verdict.ERROR, message="d.toml:3: unknown name 'q'", seconds=0.1), True),
    ]
    for i, (r, stored) in enumerate(cases):
        key = cache.key(doc, 0, settings) + f"c{i}"
        assert cache.put(key, r, settings) is stored
        assert (cache.get(key) == r) is stored


def test_the_key_covers_the_libraries_whose_numbers_decide_a_verdict():
    from symderiv.run.cache import environment
    assert {"python-flint", "symengine", "mpmath", "sympy", "numpy"} <= set(environment())
