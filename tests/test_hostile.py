"""Hostile and broken input (issue 7): never run code, never hang, never crash, lose nothing.

Every case here must end as verdict ``error`` (or exit status 2 where the contract
says so) with a message located ``file:line:``, no traceback, and no file written.
No test measures time: a hang shows up as a test that never finishes.
"""
from __future__ import annotations

import json
import multiprocessing as mp
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from symderiv import check_text
from symderiv.engine import checking
from symderiv.run import workers
from symderiv.settings import Settings
from symderiv.language.reading import read_text

sys.path.insert(0, str(Path(__file__).resolve().parent / "hostile"))
from hostile_cases import BROKEN_FILES, EXPRESSIONS, GOOD_CLAIM, HEAD, claim_file  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def located(message: str | None, file: str, line: int) -> bool:
    return bool(message) and message.startswith(f"{file}:{line}: ") and "Traceback" not in message


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for root, dirs, files in os.walk(folder):
        for f in dirs + files:
            p = Path(root) / f
            st = p.lstat()
            out[str(p.relative_to(folder))] = (st.st_size, st.st_mtime_ns)
    return out


def run_check(args: list[str], cwd: Path, **kw: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "symderiv", "check", *args, "--format", "json", "--no-cache"],
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=900, **kw)


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder (the current folder for the test)."""
    w = tmp_path / "work"
    w.mkdir()
    monkeypatch.chdir(w)
    return w


# ------------------------------------------------------------------ expressions
@pytest.mark.parametrize("lhs", EXPRESSIONS.values(), ids=EXPRESSIONS.keys())
def test_a_hostile_expression_is_an_error_located_at_its_claim(lhs: str, work: Path) -> None:
    text = claim_file(lhs)
    line = text.splitlines().index("[[claim]]") + 1
    results = check_text(text, "h.toml", samples=2, timeout=10)
    assert [r.verdict.value for r in results] == ["error"], results
    assert located(results[0].message, "h.toml", line), results[0].message
    assert list(work.iterdir()) == []          # nothing written: no PWNED, no cache


@pytest.mark.parametrize("latex", [False, True], ids=["expressions", "latex"])
def test_hostile_expressions_through_the_command_line(work: Path, tmp_path: Path, latex: bool) -> None:
    src = tmp_path / "src"
    src.mkdir()
    chosen = {k: e for k, e in EXPRESSIONS.items() if k.startswith("latex ") == latex}   # two files under 2 MB each
    text = HEAD + "".join(f"\n[[claim]]\nname = {json.dumps(k)}\nlhs = {json.dumps(e)}\nrhs = \"x\"\n"
                          for k, e in chosen.items())
    f = src / "hostile.toml"
    f.write_text(text)
    before = snapshot(tmp_path)
    proc = run_check([str(f)], work)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert [r["claim"] for r in report["results"]] == list(chosen)
    lines = [i + 1 for i, s in enumerate(text.splitlines()) if s == "[[claim]]"]
    for r, line in zip(report["results"], lines):
        assert r["verdict"] == "error" and r["line"] == line, r
        assert located(r["message"], str(f), line), r["message"]
    assert snapshot(tmp_path) == before


# ------------------------------------------------------------------ whole files
def marked_line(text: str) -> int:
    """The line marked "# HERE"; else the last line of a truncated file; else line 1."""
    lines = text.splitlines()
    return next((i + 1 for i, s in enumerate(lines) if s.rstrip().endswith("# HERE")),
                1 if text.endswith("\n") else len(lines))


def names_line(messages: list[str | None], file: str, line: int) -> bool:
    """Every message is located, and one of them names the line at fault."""
    texts = [m or "" for m in messages]
    return (all(re.match(re.escape(file) + r":\d+: ", t) and "Traceback" not in t for t in texts)
            and any(f"{file}:{line}: " in t for t in texts))


@pytest.mark.parametrize("text", BROKEN_FILES.values(), ids=BROKEN_FILES.keys())
def test_a_broken_file_gives_an_error_at_the_line_at_fault(text: str, work: Path) -> None:
    results = check_text(text, "b.toml", samples=2, timeout=10)
    errors = [r for r in results if r.verdict.value == "error"]
    assert errors, results
    line = marked_line(text)
    assert names_line([r.message for r in errors], "b.toml", line), [r.message for r in errors]
    # a good claim beside a file-level problem is still checked
    assert all(r.verdict.value in ("error", "proved") for r in results)
    assert list(work.iterdir()) == []


def test_no_claim_is_lost_beside_a_broken_one() -> None:
    text = HEAD + GOOD_CLAIM.replace("fine", "one") + '\n[[claim]]\nname = "bad"\nlhs = "x.y"\nrhs = "x"\n' \
        + GOOD_CLAIM.replace("fine", "two") + '\n[[claim]]\nname = "one"\nlhs = "x"\nrhs = "x"\n' \
        + GOOD_CLAIM.replace("fine", "three")
    got = [(r.claim, r.verdict.value) for r in check_text(text, "t.toml", samples=2)]
    assert got == [("one", "proved"), ("bad", "error"), ("two", "proved"), ("one", "error"), ("three", "proved")]


def test_text_of_50_megabytes_is_refused_without_parsing_it() -> None:
    text = 'title = "' + "x" * 50_000_000 + '"\n'
    (r,) = check_text(text, "big.toml")
    assert r.verdict.value == "error" and located(r.message, "big.toml", 1) and "too large" in r.message


def test_broken_files_through_the_command_line(work: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    names = {}
    for i, (key, text) in enumerate(BROKEN_FILES.items()):
        f = src / f"f{i:02d}.toml"
        f.write_text(text)
        names[str(f)] = (key, marked_line(text))
    (src / "latin1.toml").write_bytes(HEAD.encode() + b'\n# caf\xe9\n' + GOOD_CLAIM.encode())
    names[str(src / "latin1.toml")] = ("not UTF-8", HEAD.count("\n") + 2)
    with open(src / "huge.toml", "wb") as fh:
        fh.write(b'title = "' + b"x" * 50_000_000 + b'"\n')
    names[str(src / "huge.toml")] = ("50 MB", 1)
    before = snapshot(tmp_path)
    proc = run_check([str(src)], work)
    assert proc.returncode == 1 and "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    report = json.loads(proc.stdout)
    files = list(dict.fromkeys(r["file"] for r in report["results"]))
    assert files == sorted(names)                      # every file, in order
    for file, (key, line) in names.items():
        errors = [r for r in report["results"] if r["file"] == file and r["verdict"] == "error"]
        assert errors, key
        assert names_line([r["message"] for r in errors], file, line), (key, errors)
    assert snapshot(tmp_path) == before


# ------------------------------------------------------------------ paths
def test_a_path_that_does_not_exist_is_a_usage_error(work: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text(HEAD + GOOD_CLAIM)
    for args in ([str(tmp_path / "missing.toml")], [str(good), str(tmp_path / "missing")]):
        proc = run_check(args, work)
        assert proc.returncode == 2 and "does not exist" in proc.stderr and "Traceback" not in proc.stderr
        assert proc.stdout == ""
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = run_check([str(empty)], work)
    assert proc.returncode == 2 and "no derivation file" in proc.stderr


def test_symlink_loops_fifos_and_unreadable_files_in_a_folder(work: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "good.toml").write_text(HEAD + GOOD_CLAIM)
    os.symlink(src / "loop2.toml", src / "loop1.toml")
    os.symlink(src / "loop1.toml", src / "loop2.toml")
    os.symlink(src, src / "cycle")                     # a folder that contains itself
    os.symlink(src / "gone.toml", src / "dangling.toml")
    os.mkfifo(src / "fifo.toml")                       # reading it would block for ever
    bad = {"dangling.toml": "cannot read", "fifo.toml": "not a regular file",
           "loop1.toml": "cannot read", "loop2.toml": "cannot read"}
    if Path("/proc/self/mem").exists():                # unreadable even for root: reading it fails (EIO)
        os.symlink("/proc/self/mem", src / "mem.toml")
        bad["mem.toml"] = "cannot read"
    before = snapshot(tmp_path)
    proc = run_check([str(src), str(src / "fifo.toml")], work)
    assert proc.returncode == 1 and "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    report = json.loads(proc.stdout)
    by_file = {Path(r["file"]).name: r for r in report["results"]}
    assert by_file.pop("good.toml")["verdict"] == "proved"
    assert sorted(by_file) == sorted(bad)
    for name, words in bad.items():
        r = by_file[name]
        assert r["verdict"] == "error" and words in r["message"] and located(r["message"], r["file"], 1), r
    assert snapshot(tmp_path) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a chmod 000 file anyway; "
                    "test_symlink_loops_fifos_and_unreadable_files_in_a_folder covers an unreadable file as root")
def test_a_file_without_read_permission(work: Path, tmp_path: Path) -> None:
    f = tmp_path / "locked.toml"
    f.write_text(HEAD + GOOD_CLAIM)
    f.chmod(0)
    proc = run_check([str(f)], work)
    (r,) = json.loads(proc.stdout)["results"]
    assert proc.returncode == 1 and r["verdict"] == "error" and "cannot read" in r["message"]


# ------------------------------------------------------------------ resource limits
RUNAWAY = """
[symbols]
x = "scalar"
d = "dim"
B = "matrix(d, d)"

[[claim]]
name = "first"
lhs = "x * x"
rhs = "x ** 2"

[[claim]]
name = "runaway"
lhs = "grad(sum(exp(B @ B @ B)), B)"
rhs = "B"

[[claim]]
name = "after"
lhs = "(x + 1) * (x - 1)"
rhs = "x * x - 1"

[check]
sizes = { d = [200] }
samples = 2
"""
RUNAWAY_LINE = [i + 1 for i, s in enumerate(RUNAWAY.splitlines()) if s == "[[claim]]"][1]


def test_a_runaway_claim_times_out_alone_and_the_next_claims_still_run(work: Path, tmp_path: Path) -> None:
    f = tmp_path / "runaway.toml"
    f.write_text(RUNAWAY)
    proc = run_check([str(f), "--timeout", "8", "-j", "1"], work)
    report = json.loads(proc.stdout)
    got = [(r["claim"], r["verdict"]) for r in report["results"]]
    assert got == [("first", "proved"), ("runaway", "timeout"), ("after", "proved")], proc.stderr
    assert proc.returncode == 1 and located(report["results"][1]["message"], str(f), RUNAWAY_LINE)


def _bombing_check_claim(doc, index, settings):  # type: ignore[no-untyped-def]
    """check_claim, except that the claim "bomb" asks for more memory than a worker may have,
    and the claim "dies" kills its worker (as the kernel's OOM killer would)."""
    name = doc.claims[index].name
    if name == "bomb":
        block = bytearray(workers.MEMORY_LIMIT + 2 ** 30)   # fine without the cap on a big machine
        del block
    if name == "dies":
        os.kill(os.getpid(), signal.SIGKILL)
    yield from _REAL_CHECK_CLAIM(doc, index, settings)


_REAL_CHECK_CLAIM = checking.check_claim


@pytest.mark.skipif(workers._context().get_start_method() != "fork",
                    reason="the fault is injected by patching the parent before the workers fork")
def test_a_memory_bomb_or_a_dead_worker_costs_that_claim_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("resource")
    monkeypatch.setattr(checking, "check_claim", _bombing_check_claim)
    names = ["ok 1", "bomb", "ok 2", "dies", "ok 3"]
    text = HEAD + "".join(f'\n[[claim]]\nname = "{n}"\nlhs = "x + x"\nrhs = "2 * x"\n' for n in names)
    doc = read_text(text, "m.toml")
    s = Settings(samples=2, timeout=120)
    tasks = [workers.Task(doc, i, s) for i in range(len(names))]
    results = workers.run_tasks(tasks, jobs=1)
    got = [(r.claim, r.verdict.value) for r in results]  # type: ignore[union-attr]
    assert got == [("ok 1", "proved"), ("bomb", "error"), ("ok 2", "proved"), ("dies", "error"), ("ok 3", "proved")]
    assert "memory" in results[1].message.lower() and located(results[1].message, "m.toml", doc.claims[1].line)
    assert "stopped unexpectedly" in results[3].message and located(results[3].message, "m.toml", doc.claims[3].line)
    assert mp.active_children() == []


# ------------------------------------------------------------------ Ctrl-C
def _wait_for_workers(proc: subprocess.Popen[str]) -> None:
    """Until the process has forked its workers (Linux /proc); else return at once."""
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    while children.exists() and proc.poll() is None:
        if children.read_text().split():
            return
        time.sleep(0.1)


def test_ctrl_c_prints_what_was_checked_so_far_and_exits_non_zero(work: Path, tmp_path: Path) -> None:
    f = tmp_path / "slow.toml"
    f.write_text(RUNAWAY)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    wait = 2.0
    while True:
        proc = subprocess.Popen([sys.executable, "-m", "symderiv", "check", str(f), "--format", "json",
                                 "--no-cache", "-j", "1", "--timeout", "600"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=work, env=env)
        _wait_for_workers(proc)     # the run has started (a SIGINT during imports is another story)
        time.sleep(wait)            # not an assertion: waits until the first claim is probably done
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 1, err
        assert "Traceback" not in out + err and "interrupted" in err
        results = json.loads(out)["results"]
        assert [r["claim"] for r in results] == ["first", "runaway", "after"]
        assert results[2]["verdict"] == "error" and "interrupted" in results[2]["message"]
        if results[0]["verdict"] == "proved" or wait > 60:
            break
        wait *= 2                   # a slow machine: the first claim was not done yet; try again
    assert results[0]["verdict"] == "proved"
    assert results[1]["verdict"] == "error" and located(results[1]["message"], str(f), RUNAWAY_LINE)


# ------------------------------------------------------------------ acceptance
def _good(i: int) -> tuple[str, str]:
    if i % 10 == 3:
        return (HEAD + f'\n[[claim]]\nname = "slip {i}"\nlhs = "x * {i}"\nrhs = "x * {i + 1}"\nexpect = false\n',
                "refuted")
    return HEAD + f'\n[[claim]]\nname = "good {i}"\nlhs = "x * {i} + x"\nrhs = "{i + 1} * x"\n', "proved"


HOSTILE_20 = [claim_file(e) for e in list(EXPRESSIONS.values())[:8]] + [
    t for k, t in BROKEN_FILES.items() if k in (
        "malformed", "truncated", "deeply nested array", "no claims", "claim not a table", "steps empty",
        "one step", "expect a string", "matrix at a huge size", "ones at a huge size", "define hostile")]


def test_200_files_of_which_20_hostile_in_one_run(work: Path, tmp_path: Path) -> None:
    src = tmp_path / "class"
    src.mkdir()
    expected: dict[str, str] = {}
    hostile = HOSTILE_20 + ["not: toml"]
    assert len(hostile) == 20
    for i in range(200):
        f = src / f"student{i:03d}.toml"
        if i % 10 == 7:
            f.write_text(hostile[i // 10])
            expected[str(f)] = "hostile"
        else:
            text, verdict = _good(i)
            f.write_text(text)
            expected[str(f)] = verdict
    before = snapshot(tmp_path)
    proc = run_check([str(src), "--samples", "3", "-j", "2"], work)
    assert proc.returncode == 1 and "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    report = json.loads(proc.stdout)
    rows: dict[str, list[dict]] = {}
    for r in report["results"]:
        rows.setdefault(r["file"], []).append(r)
    assert list(rows) == sorted(expected)
    for file, want in expected.items():
        if want == "hostile":
            assert rows[file] and all(r["verdict"] == "error" and not r["ok"] for r in rows[file]), rows[file]
            assert all(re.match(re.escape(file) + r":\d+: ", r["message"]) for r in rows[file])
        else:
            (r,) = rows[file]
            assert r["verdict"] == want and r["ok"], r
    assert report["summary"]["ok"] == 180
    assert snapshot(tmp_path) == before


def test_a_folder_that_cannot_be_searched_is_an_error_not_a_silent_gap(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from symderiv.run import runner

    (tmp_path / "a.toml").write_text(HEAD + GOOD_CLAIM)
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "b.toml").write_text(HEAD + GOOD_CLAIM)
    real_scandir, real_listdir = os.scandir, os.listdir

    def denied(path: object = ".") -> object:     # what a folder without read permission gives
        if Path(str(path)) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", denied)
    monkeypatch.setattr(os, "listdir", lambda path=".": denied(path) and real_listdir(path))
    docs, tasks = runner.plan([tmp_path], Settings())
    assert [Path(d.path).name for d in docs] == ["a.toml", "locked"]
    assert docs[1].fatal == f"{locked}:1: cannot read the file: Permission denied"
    assert len(tasks) == 1
