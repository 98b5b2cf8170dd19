"""``[tool.symderiv]`` in pyproject.toml, through the command line: it takes effect,
flags override it, and a file's own ``[check]`` overrides both."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from samples import GOOD as QUICK
from samples import NUMERIC

from symderiv.cli import main

# false at every size: the counterexample says at which size it was found
SIZED = """
[symbols]
d = "dim"
v = "vector(d)"

[[claim]]
name   = "sum is twice the sum"
lhs    = "sum(v)"
rhs    = "2 * sum(v)"
expect = false
"""

# far too big to finish in a hundredth of a second
HEAVY = """
[symbols]
d = "dim"
A = "matrix(d, d)"

[[claim]]
name = "heavy"
lhs  = "sum(exp(A @ A @ A @ A) / (1 + exp(A @ A.T @ A)))"
rhs  = "sum(exp(A @ A @ A @ A) / (1 + exp(A @ A.T @ A))) + 0"

[check]
sizes = { d = [12] }
samples = 10000
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def configure(root: Path, body: str) -> None:
    (root / "pyproject.toml").write_text(f'[project]\nname = "course"\n\n[tool.symderiv]\n{body}\n')


def derivation(root: Path, text: str, name: str = "d.toml") -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = main(["check", "--no-cache", "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)


def only(report: dict) -> dict:
    assert len(report["results"]) == 1, report
    return report["results"][0]


def test_strict_in_config_makes_a_numeric_claim_not_ok(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    derivation(project, NUMERIC)
    code, report = run_json(capsys, "d.toml")
    assert code == 0 and only(report)["verdict"] == "numeric" and only(report)["ok"] is True
    configure(project, "strict = true")
    code, report = run_json(capsys, "d.toml")
    assert code == 1 and only(report)["verdict"] == "numeric" and only(report)["ok"] is False


def test_format_in_config_is_used_and_the_flag_overrides_it(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    derivation(project, QUICK)
    configure(project, 'format = "junit"')
    assert main(["check", "--no-cache", "d.toml"]) == 0
    suites = ET.fromstring(capsys.readouterr().out)
    assert [case.get("name") for case in suites.iter("testcase")] == ["sigma"]
    code, report = run_json(capsys, "d.toml")          # --format json wins over format = "junit"
    assert code == 0 and only(report)["claim"] == "sigma"


def test_timeout_in_config_is_used(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    derivation(project, HEAVY)
    configure(project, "timeout = 0.01")
    code, report = run_json(capsys, "d.toml")
    r = only(report)
    assert code == 1 and r["verdict"] == "timeout" and "(0.01 s)" in r["message"]


def test_a_timeout_flag_overrides_the_config_and_the_files_check_overrides_both(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    derivation(project, HEAVY)
    configure(project, "timeout = 600")
    code, report = run_json(capsys, "--timeout", "0.01", "d.toml")
    assert code == 1 and only(report)["verdict"] == "timeout" and "(0.01 s)" in only(report)["message"]
    derivation(project, HEAVY.replace("samples = 10000", "samples = 10000\ntimeout = 0.02"))
    code, report = run_json(capsys, "--timeout", "600", "d.toml")
    assert code == 1 and only(report)["verdict"] == "timeout" and "(0.02 s)" in only(report)["message"]


def test_sizes_config_then_flag_then_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    derivation(project, SIZED)
    configure(project, "sizes = { d = [4] }")
    code, report = run_json(capsys, "d.toml")
    assert code == 0 and only(report)["counterexample"]["sizes"] == {"d": 4}
    code, report = run_json(capsys, "--sizes", "d=5", "d.toml")
    assert code == 0 and only(report)["counterexample"]["sizes"] == {"d": 5}
    derivation(project, SIZED + "\n[check]\nsizes = { d = [6] }\n")
    code, report = run_json(capsys, "--sizes", "d=5", "d.toml")
    assert code == 0 and only(report)["counterexample"]["sizes"] == {"d": 6}


def test_samples_config_and_flag(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    derivation(project, QUICK)
    configure(project, "samples = 3")
    assert main(["check", "--no-cache", "-v", "d.toml"]) == 0
    assert "3 numeric points agree" in capsys.readouterr().out
    assert main(["check", "--no-cache", "-v", "--samples", "5", "d.toml"]) == 0
    assert "5 numeric points agree" in capsys.readouterr().out


def test_configured_paths_are_found_from_a_subfolder(project: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    configure(project, 'paths = ["proofs"]')
    derivation(project, QUICK, "proofs/a.toml")
    derivation(project, NUMERIC.replace('"1 + exp(x)"', '"1 - exp(x)"'), "elsewhere/wrong.toml")
    (project / "notes" / "week1").mkdir(parents=True)
    monkeypatch.chdir(project / "notes" / "week1")
    code, report = run_json(capsys)
    assert code == 0 and Path(only(report)["file"]).resolve() == (project / "proofs" / "a.toml").resolve()


def test_a_pyproject_without_the_table_is_passed_over(project: Path, capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    configure(project, "strict = true")
    derivation(project, NUMERIC)
    (project / "sub").mkdir()
    (project / "sub" / "pyproject.toml").write_text('[project]\nname = "inner"\n')
    monkeypatch.chdir(project / "sub")
    code, report = run_json(capsys, "../d.toml")
    assert code == 1 and only(report)["ok"] is False


def test_an_unknown_key_is_a_located_usage_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    derivation(project, QUICK)
    configure(project, 'paths = ["."]\nsample = 3')
    assert main(["check", "d.toml"]) == 2
    err = capsys.readouterr().err
    line = (project / "pyproject.toml").read_text().splitlines().index("sample = 3") + 1
    assert f"pyproject.toml:{line}:" in err and "unknown key 'sample'" in err and "samples" in err


@pytest.mark.parametrize("body, words", [
    ("strict = 1", "strict must be true or false"),
    ('format = "pdf"', "format must be one of"),
    ("samples = 0", "samples must be between 1 and 10000"),
    ("sizes = { d = [0] }", "sizes.d must be a non-empty list of positive integers"),
    ('paths = "derivations"', "paths must be a non-empty list of paths"),
])
def test_a_bad_value_is_a_located_usage_error(project: Path, capsys: pytest.CaptureFixture[str],
                                              body: str, words: str) -> None:
    derivation(project, QUICK)
    configure(project, body)
    assert main(["check", "d.toml"]) == 2
    err = capsys.readouterr().err
    assert "pyproject.toml:" in err and words in err


def test_a_bad_flag_value_is_a_usage_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    derivation(project, QUICK)
    assert main(["check", "--rtol", "-1", "d.toml"]) == 2
    assert "rtol must not be negative" in capsys.readouterr().err


# issue 12: a grader's settings marked locked cannot be loosened by a file's [check]
WIDE = """
[symbols]
x = "scalar"
d = "dim"

[[claim]]
name = "five percent off"
lhs  = "sigma(x) * (1 + x**2 / 10**30)"
rhs  = "sigma(x)"

[check]
rtol = 0.1
atol = 0.1
samples = 1
timeout = 900
sizes = { d = [1] }
"""


def test_locked_settings_cannot_be_loosened_by_the_file() -> None:
    from symderiv.language.reading import read_text
    from symderiv.settings import Settings

    doc = read_text(WIDE, "w.toml")
    pinned = Settings(sizes={"d": (2, 3)}, samples=20, rtol=1e-6, atol=1e-9, timeout=20.0, locked=True)
    s = pinned.for_file(doc.check)
    assert (s.rtol, s.atol, s.samples, s.timeout) == (1e-6, 1e-9, 20, 20.0)
    assert s.sizes["d"] == (1, 2, 3)                 # sizes are only added
    tighter = read_text(WIDE.replace("rtol = 0.1", "rtol = 1e-9").replace("samples = 1", "samples = 50"), "w.toml")
    s = pinned.for_file(tighter.check)
    assert (s.rtol, s.samples) == (1e-9, 50)         # tightening is allowed
    loose = Settings(rtol=1e-6, samples=20, locked=False).for_file(doc.check)
    assert (loose.rtol, loose.samples, loose.sizes["d"]) == (0.1, 1, (1,))   # unlocked: the file decides


def test_locked_in_config_and_on_the_command_line(project: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import symderiv.run.runner as runner
    seen: list = []
    original = runner.plan

    def spy(paths, settings):  # type: ignore[no-untyped-def]
        docs, tasks = original(paths, settings)
        seen.append([t.settings for t in tasks])
        return docs, tasks

    monkeypatch.setattr(runner, "plan", spy)
    derivation(project, WIDE.replace("timeout = 900", "timeout = 5"))
    configure(project, "locked = true\nrtol = 1e-6")
    run_json(capsys, "d.toml")
    assert seen[-1][0].rtol == 1e-6 and seen[-1][0].locked
    configure(project, "rtol = 1e-6")
    run_json(capsys, "d.toml")
    assert seen[-1][0].rtol == 0.1
    run_json(capsys, "--locked", "--samples", "7", "d.toml")
    assert seen[-1][0].rtol == 1e-6 and seen[-1][0].samples == 7 and seen[-1][0].timeout == 5


def test_locked_must_be_true_or_false(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    derivation(project, QUICK)
    configure(project, 'locked = "yes"')
    assert main(["check", "--no-cache", "d.toml"]) == 2
    assert "locked must be true or false" in capsys.readouterr().err
