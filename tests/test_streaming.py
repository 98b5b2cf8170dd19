"""A run shows its results as it goes: each file as soon as it is done, in file order; a warm run
draws its steps without SymPy."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from symderiv import cli
from symderiv.run.runner import execute, plan
from symderiv.settings import Settings

FIRST = """\
title = "first"
[symbols]
x = "scalar"
[[claim]]
name = "first: square"
lhs = "diff(x**2, x)"
rhs = "2*x"
[[claim]]
name = "first: wrong"
expect = false
steps = ["diff(x**3, x)", "3*x", "3*x**2"]
"""

SECOND = """\
title = "second"
[symbols]
y = "scalar"
[[claim]]
name = "second: cube"
lhs = "diff(y**3, y)"
rhs = "3*y**2"
"""


def _files(tmp_path: Path) -> list[Path]:
    (tmp_path / "a.toml").write_text(FIRST, encoding="utf-8")
    (tmp_path / "b.toml").write_text(SECOND, encoding="utf-8")
    return [tmp_path / "a.toml", tmp_path / "b.toml"]


def test_each_file_is_handed_on_when_done_in_file_order(tmp_path):
    events: list[str] = []
    docs, tasks = plan(_files(tmp_path), Settings())
    files = execute(docs, tasks, Settings(), 1, on_result=lambda r: events.append(f"claim {r.claim}"),
                    on_start=lambda t: events.append(f"start {t.doc.claims[t.index].name}"),
                    on_file=lambda f: events.append(f"file {f.title}"))
    assert [f.title for f in files] == ["first", "second"]
    assert events.index("file first") < events.index("start second: cube")     # before the next file is checked
    assert events.index("file first") > events.index("claim first: wrong")
    assert events[-1] == "file second"
    assert events.count("file first") == 1


def test_the_streamed_report_is_the_whole_report(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    paths = [str(p) for p in _files(tmp_path)]
    assert cli.main(["check", *paths, "--no-cache", "-j", "1"]) == 0
    out = capsys.readouterr().out
    assert out.index("first") < out.index("first: wrong") < out.index("second") < out.index("second: cube")
    assert out.count("first: wrong") == 1
    assert "3 claims: 3 ok" in out


def test_a_warm_run_imports_neither_sympy_nor_numpy(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.symderiv]\npaths = ["d"]\n', encoding="utf-8")
    (tmp_path / "d").mkdir()
    _files(tmp_path / "d")
    probe = ("import sys; from symderiv import cli; code = cli.main(['check']); "
             "print('IMPORTED', 'sympy' in sys.modules, 'numpy' in sys.modules, code)")
    runs = [subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True)
            for _ in range(2)]
    assert "IMPORTED True" in runs[0].stdout                 # the cold run checked the claims
    assert "IMPORTED False False 0" in runs[1].stdout, runs[1].stdout + runs[1].stderr
    assert "3*x" in runs[1].stdout and "first wrong step" in runs[1].stdout   # the refuted chain is still drawn


def test_a_file_is_printed_at_once_so_the_progress_bar_is_redrawn_once_per_file(tmp_path):
    # under the progress bar every print redraws the bar: printed line by line, the redraws of a
    # terminal run cost more than the report itself
    import io

    from symderiv.report.reporting import console, render_file

    docs, tasks = plan(_files(tmp_path)[:1], Settings())
    [first] = execute(docs, tasks, Settings(), 1)
    out = console(io.StringIO())
    prints: list[int] = []
    original = out.print
    out.print = lambda *a, **k: (prints.append(1), original(*a, **k))[1]   # type: ignore[method-assign]
    render_file(first, out)
    text = out.file.getvalue()    # type: ignore[attr-defined]
    assert "first: wrong" in text and "first wrong step" in text and text.endswith("\n\n")
    assert len(prints) == 1
