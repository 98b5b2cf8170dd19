"""What a user sees at the terminal: exit status, -q and -v, escaping, colour, help, ``symderiv new``."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from samples import GOOD

from symderiv.cli import main

ROOT = Path(__file__).resolve().parents[1]

MIXED = """
title = "mixed"

[symbols]
x = "scalar"

[[claim]]
name  = "a right chain"
steps = ["diff(sigma(x), x)", "exp(-x) / (1 + exp(-x))**2", "sigma(x) * (1 - sigma(x))"]

[[claim]]
name = "[red]a wrong claim[/red]"
lhs  = "diff(sigma(x), x)"
rhs  = "-sigma(x) * (1 - sigma(x))"
"""

ANY_ESCAPE = re.compile(r"\x1b[\[\]()]")
COLOUR = re.compile(r"\x1b\[(?:[0-9]+;)*(?:3[0-9]|4[0-9]|9[0-7]|10[0-7])(?:;[0-9]+)*m")


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for var in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["check", "--no-cache", *args])
    out, err = capsys.readouterr()
    return code, out, err


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TERM")}
    return subprocess.run([sys.executable, "-m", "symderiv", *args], capture_output=True, text=True, cwd=cwd,
                          env={**base, "PYTHONPATH": str(ROOT), **(env or {})})


# ---------------------------------------------------------------- exit status
def test_exit_0_when_every_claim_is_ok(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(here / "good.toml", GOOD)
    code, out, _ = check(capsys, "good.toml")
    assert code == 0 and "1 claims: 1 ok, 0 not ok" in out


def test_exit_1_when_a_claim_is_not_ok(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(here / "mixed.toml", MIXED)
    code, out, _ = check(capsys, "mixed.toml")
    assert code == 1 and "2 claims: 1 ok, 1 not ok" in out
    assert not ANY_ESCAPE.search(out)        # not a terminal: plain text


def test_exit_2_for_a_path_that_does_not_exist(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = check(capsys, "nowhere.toml")
    assert code == 2 and "path does not exist: nowhere.toml" in err and out == ""


def test_no_path_and_no_default_folder_says_where_the_default_came_from(here: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """In a folder of one's own .toml files, `symderiv check` said only "path does not exist: .../derivations"."""
    write(here / "good.toml", GOOD)
    code, out, err = check(capsys)
    assert code == 2 and "derivations" in err
    assert "no path was given" in err and "symderiv check ." in err


def test_exit_2_for_an_unknown_option(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["check", "--frobnicate"])
    assert e.value.code == 2 and "--frobnicate" in capsys.readouterr().err


def test_exit_2_when_no_derivation_file_is_found(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (here / "empty").mkdir()
    write(here / "empty" / "notes.txt", "not a derivation")
    code, _, err = check(capsys, "empty")
    assert code == 2 and "no derivation file" in err


def test_exit_2_without_a_path_and_no_default_folder(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = check(capsys)
    assert code == 2 and "derivations" in err


# ---------------------------------------------------------------- -q and -v
def test_quiet_shows_only_the_claims_not_ok_and_the_summary(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(here / "mixed.toml", MIXED)
    write(here / "good.toml", GOOD)
    code, out, _ = check(capsys, "-q", "mixed.toml", "good.toml")
    assert code == 1
    assert "[red]a wrong claim[/red]" in out and "3 claims: 2 ok, 1 not ok" in out
    assert "a right chain" not in out and "sigma\n" not in out and "good.toml" not in out
    code, out, _ = check(capsys, "-q", "good.toml")
    assert code == 0 and out.strip().splitlines()[-1].startswith("1 claims: 1 ok") and "good.toml" not in out


def test_verbose_shows_every_step_of_every_claim(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(here / "mixed.toml", MIXED)
    steps = ["diff(sigma(x), x)", "exp(-x) / (1 + exp(-x))**2", "sigma(x) * (1 - sigma(x))"]
    _, plain, _ = check(capsys, "mixed.toml")
    assert steps[1] not in plain       # a proved chain is one line by default
    _, out, _ = check(capsys, "-v", "mixed.toml")
    chain = out.split("a right chain")[1].split("a wrong claim")[0]
    for k, step in enumerate(steps):
        assert f"step {k}" in chain and step in chain


# ---------------------------------------------------------------- escaping and colour
def test_markup_in_a_claim_name_is_printed_as_written(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(here / "mixed.toml", MIXED.replace('title = "mixed"', 'title = "[bold]week [link=x]1[/link]"'))
    _, out, _ = check(capsys, "mixed.toml")
    assert "[red]a wrong claim[/red]" in out and "[bold]week [link=x]1[/link]" in out


def test_force_color_colours_and_no_color_does_not(here: Path) -> None:
    write(here / "mixed.toml", MIXED)
    forced = run(["check", "--no-cache", "mixed.toml"], here, {"FORCE_COLOR": "1", "TERM": "xterm-256color"})
    assert forced.returncode == 1 and COLOUR.search(forced.stdout)    # so the test below can fail
    no_color = run(["check", "--no-cache", "mixed.toml"], here,
                   {"FORCE_COLOR": "1", "NO_COLOR": "1", "TERM": "xterm-256color"})
    assert no_color.returncode == 1 and "[red]a wrong claim[/red]" in no_color.stdout
    assert not COLOUR.search(no_color.stdout)


def _on_a_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    pty = pytest.importorskip("pty")
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TERM")}
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "symderiv", *args], stdout=slave, stderr=slave, cwd=cwd,
                            env={**base, "PYTHONPATH": str(ROOT), **env})
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:        # the terminal closes when the process ends
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    proc.wait()
    return b"".join(chunks).decode("utf-8", "replace")


def test_on_a_terminal_no_color_and_term_dumb_give_no_colour(here: Path) -> None:
    write(here / "mixed.toml", MIXED)
    args = ["check", "--no-cache", "mixed.toml"]
    coloured = _on_a_terminal(args, here, {"TERM": "xterm-256color"})
    assert COLOUR.search(coloured)                       # so the assertions below can fail
    no_color = _on_a_terminal(args, here, {"TERM": "xterm-256color", "NO_COLOR": "1"})
    assert "not ok" in no_color and not COLOUR.search(no_color)
    dumb = _on_a_terminal(args, here, {"TERM": "dumb"})
    assert "not ok" in dumb and not ANY_ESCAPE.search(dumb)


# ---------------------------------------------------------------- help
def test_python_dash_m_symderiv_help(here: Path) -> None:
    proc = run(["--help"], here)
    assert proc.returncode == 0
    for command in ("check", "explain", "new"):
        assert command in proc.stdout
    proc = run(["check", "--help"], here)
    assert proc.returncode == 0 and "--format" in proc.stdout and "--strict" in proc.stdout


# ---------------------------------------------------------------- symderiv new
def test_new_writes_a_commented_starter_that_passes_check(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "week1"]) == 0
    path = here / "week1.toml"
    assert path.exists() and "week1.toml" in capsys.readouterr().out
    text = path.read_text()
    assert sum(line.lstrip().startswith("#") for line in text.splitlines()) >= 10
    code = main(["check", "--no-cache", "--format", "json", "week1.toml"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    got = {r["claim"]: (r["verdict"], r["expect"], r["ok"]) for r in report["results"]}
    assert got == {"the derivative of the sigmoid": ("proved", True, True),
                   "a known slip: the sign of the derivative": ("refuted", False, True)}
    chain = report["results"][0]
    assert [s["index"] for s in chain["steps"]] == [1, 2]          # a chain of three steps
    assert report["results"][1]["diagnosis"] == "sign"


def test_new_refuses_to_overwrite_without_force(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(here / "mine.toml", "# my own work\n")
    assert main(["new", "mine.toml"]) == 2
    err = capsys.readouterr().err
    assert "mine.toml already exists" in err and "--force" in err
    assert (here / "mine.toml").read_text() == "# my own work\n"
    assert main(["new", "mine", "--force"]) == 0
    assert "[[claim]]" in (here / "mine.toml").read_text()


def test_new_creates_missing_folders_and_titles_the_file(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "derivations/week_2-backprop"]) == 0
    text = (here / "derivations" / "week_2-backprop.toml").read_text()
    assert 'title  = "week 2 backprop"' in text


# ---------------------------------------------------------------- pre-commit
def test_the_pre_commit_hook_checks_derivation_files_but_not_pyproject() -> None:
    # the file is one flat list item of "key: value" lines: read it without a YAML library
    hook = {m.group(1): m.group(2) for line in (ROOT / ".pre-commit-hooks.yaml").read_text().splitlines()
            if (m := re.match(r"^\s*-?\s*([a-z_]+):\s*(.*?)\s*$", line)) and not line.lstrip().startswith("#")}
    assert hook["id"] == "symderiv"
    assert hook["entry"] == "symderiv check" and hook["language"] == "python" and hook["pass_filenames"] == "true"
    assert "symderiv = \"symderiv.cli:main\"" in (ROOT / "pyproject.toml").read_text()   # the entry's script

    def selected(path: str) -> bool:
        return bool(re.search(hook["files"], path)) and not re.search(hook["exclude"], path)

    assert selected("derivations/week1.toml") and selected("softmax.toml")
    assert not selected("pyproject.toml") and not selected("sub/pyproject.toml") and not selected("notes.md")
    assert selected("derivations/not_pyproject.toml")


# ---------------------------------------------------------------- the tutorial
def test_the_tutorials_file_checks_as_the_tutorial_says(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tutorial = (ROOT / "docs" / "tutorial.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```toml\n(.*?)```", tutorial, re.S) if "[tool." not in b]
    write(here / "sigmoid.toml", "\n".join(blocks))
    code = main(["check", "--no-cache", "--format", "json", "sigmoid.toml"])
    report = json.loads(capsys.readouterr().out)
    got = {r["claim"]: (r["verdict"], r["ok"], r["failed_step"], r["line"]) for r in report["results"]}
    shown = dict(re.findall(r"(?:ok  |FAIL) [A-Z]+ +(.+?)  [0-9.]+s  line (\d+)", tutorial))
    assert code == 1
    assert {name: (v, ok, step) for name, (v, ok, step, _) in got.items()} == {
        "sigma'(x) = sigma(x)(1 - sigma(x))": ("proved", True, None),
        "sigma', as written": ("proved", True, None),
        "sigma', as written in LaTeX": ("proved", True, None),
        "a known slip: the sign": ("refuted", True, 1),
        "sigma', with a slip": ("refuted", False, 2),
    }
    assert shown and all(got[name][3] == int(line) for name, line in shown.items())   # the lines it prints


# ---------------------------------------------------------------- --sizes (issue 16)
SIZED = '[symbols]\nd = "dim"\nv = "vector(d)"\n\n[[claim]]\nname = "c"\nlhs = "v + v"\nrhs = "2 * v"\n'
UNSIZED = '[symbols]\nx = "scalar"\n\n[[claim]]\nname = "c"\nlhs = "x + x"\nrhs = "2 * x"\n'


def test_sizes_naming_a_dim_no_file_declares_is_a_usage_error(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(here / "a.toml", SIZED)
    write(here / "b.toml", UNSIZED)
    assert main(["check", "--no-cache", "a.toml", "b.toml", "--sizes", "D=2"]) == 2
    err = capsys.readouterr().err
    assert "--sizes names 'D', which no file checked declares as a dim (the dims: d)" in err
    # a dim one of the files declares is fine, although the other file has none
    assert main(["check", "--no-cache", "-q", "a.toml", "b.toml", "--sizes", "d=2"]) == 0
    assert capsys.readouterr().err == ""


def test_a_size_of_one_gets_a_warning(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(here / "a.toml", SIZED)
    assert main(["check", "--no-cache", "-q", "a.toml", "--sizes", "d=1"]) == 0
    err = capsys.readouterr().err
    assert "warning: --sizes d=1" in err and "most mistakes" in err and "add a size of 2 or more" in err


@pytest.mark.parametrize("sizes, said", [
    ("d=1000", "size 1000 for 'd' is too large (the limit is 512)"),     # was an error per claim, exit 1
    ("d=2;d=3", "'d' is given twice"),                                   # d=2 was dropped without a word
])
def test_sizes_beyond_the_limit_or_given_twice_are_usage_errors(here: Path, capsys: pytest.CaptureFixture[str],
                                                                 sizes: str, said: str) -> None:
    write(here / "a.toml", SIZED)
    with pytest.raises(SystemExit) as e:
        main(["check", "--no-cache", "a.toml", "--sizes", sizes])
    assert e.value.code == 2
    assert said in capsys.readouterr().err


def test_a_files_sizes_beyond_the_limit_are_reported_at_its_check_table(here: Path) -> None:
    from symderiv import check_text
    results = check_text(SIZED.replace("[[claim]]", "[check]\nsizes = { d = [2, 600] }\n\n[[claim]]"), "a.toml")
    assert results[0].claim == "(file)" and "sizes.d: 600 is too large (the limit is 512)" in results[0].message


def test_quiet_and_verbose_together_are_a_usage_error(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(here / "a.toml", SIZED)
    with pytest.raises(SystemExit) as e:
        main(["check", "--no-cache", "-q", "-v", "a.toml"])
    assert e.value.code == 2 and "not allowed with argument" in capsys.readouterr().err


def test_a_report_is_never_written_over_a_file_being_checked(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(here / "a.toml", SIZED)
    assert main(["check", "--no-cache", "a.toml", "--format", "json", "-o", "a.toml"]) == 2
    assert "overwrite" in capsys.readouterr().err
    assert (here / "a.toml").read_text() == SIZED          # it was replaced by the report


def test_a_reader_that_leaves_early_gets_no_traceback(here: Path) -> None:
    """`symderiv check --format json ... | head -1`: the report was larger than the pipe, the reader had
    left, and Python printed a BrokenPipeError traceback."""
    write(here / "a.toml", SIZED)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    reader_gone = subprocess.run(f'"{sys.executable}" -m symderiv check --no-cache --format json a.toml | true',
                                 shell=True, cwd=here, capture_output=True, text=True, env=env, timeout=600)
    assert "Traceback" not in reader_gone.stderr and "BrokenPipe" not in reader_gone.stderr, reader_gone.stderr
