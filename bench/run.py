"""symderiv's speed, measured against floors and a naive baseline in one run.

    python bench/run.py [--cap SECONDS] [--record] [--skip-baseline] [--derivations DIR]

Prints one table (markdown) of ratios with the raw seconds beside them:
  1. cold ``symderiv check derivations/`` (a new process, ``--no-cache``) against
     ``python -c "import sympy"``, both with Python's default bytecode cache (as SymPy's own
     import is measured), and again with PYTHONDONTWRITEBYTECODE=1 (set in some sandboxes),
     under which each run compiles symderiv's ~80 modules from source; each run of symderiv is
     paired with a run of the floor and the ratio is the median of the pairs' ratios (the machine's
     speed drifts by ±20% through a day, and pairs keep the ratio meaningful);
  2. the same with a warm cache (a copy of derivations/ in a temporary project,
     checked once to fill its cache, then timed), against the same floor;
  3. symderiv's per-claim check (numeric stage + proof, in-process timing) against a
     naive baseline on the same claims at the same sizes: both sides built by
     symderiv's evaluator with plain ``sympy.diff`` for derivatives, then
     ``sympy.simplify(rhs - lhs) == 0`` entry by entry; each side of each claim runs
     in a forked process capped at --cap seconds (a capped claim is undecided);
  4. scaling of word2vec dJ/dv_c = U(y_hat - y) and of a two-layer net's dJ/dW1;
  5. ``symderiv --help`` against ``python -c pass``.
With --record the table is appended to bench/RESULTS.md with the date and machine.
"""
from __future__ import annotations

import argparse
import datetime
import multiprocessing as mp
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PY = sys.executable
REPEAT = 5          # paired runs of each whole-process measurement


def wall(cmd: list[str], cwd: Path = ROOT, repeat: int = 1, env: dict[str, str] | None = None) -> float:
    """Median wall-clock seconds of running ``cmd`` (output discarded)."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=env)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def paired(a: list[str], b: list[str], repeat: int, cwd: Path = ROOT, env: dict[str, str] | None = None,
           env_b: dict[str, str] | None = None) -> tuple[float, float, float]:
    """``a`` and ``b`` run in turn (a b a b ...; ``b`` in ``env_b`` when given): their median seconds and
    the median of the ratios a/b taken pair by pair, which keeps the ratio meaningful when the
    machine's speed drifts."""
    ta, tb = [], []
    for _ in range(repeat):
        ta.append(wall(a, cwd=cwd, env=env))
        tb.append(wall(b, cwd=cwd, env=env_b or env))
    return statistics.median(ta), statistics.median(tb), statistics.median(x / y for x, y in zip(ta, tb))


def bytecode_env(cached: bool) -> dict[str, str]:
    """The environment of a measured run: Python's default (bytecode written once, then read), or with
    PYTHONDONTWRITEBYTECODE=1, under which every run compiles symderiv's modules from source again
    (SymPy's and numpy's bytecode was written when they were installed, so they are read either way)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if not cached:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def capped(fn: Callable[..., Any], args: tuple, cap: float) -> tuple[float, Any] | None:
    """Run fn(*args) in a forked process; (seconds it measured, its result), or None past the cap."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)

    def target() -> None:
        t = time.perf_counter()
        out = fn(*args)
        child.send((time.perf_counter() - t, out))

    p = ctx.Process(target=target, daemon=True)
    p.start()
    child.close()
    got = None
    if parent.poll(cap):
        try:
            got = parent.recv()
        except EOFError:
            got = None
    p.kill()
    p.join()
    return got


# ---------------------------------------------------------------- the naive baseline
def naive_verdict(doc: Any, index: int) -> str:
    """Build every step with symderiv's evaluator (plain sympy.diff), then simplify each entry difference."""
    import numpy as np
    import sympy as sp

    from symderiv.engine.building import arrays
    from symderiv.settings import Settings
    from symderiv.engine.building.evaluate import Evaluator, Program, instances, size_assignments

    class Naive(arrays.SymbolicBackend):
        def partial(self, ev, f, var, pos, f0):  # type: ignore[no-untyped-def]
            x = ev.env[var][pos]
            return np.frompyfunc(lambda e: sp.diff(e, x), 1, 1)(f0)

    backend = Naive()
    spec = doc.claims[index]
    if spec.problem:
        return "error"
    try:
        program = Program.build(doc)
        nodes = [program.parse_step(s) for s in spec.steps]
        used = program.names_used(nodes)
        settings = Settings().for_file(doc.check)
        plan = [instances(used, program, s) for s in size_assignments(used, program, settings.sizes)]
    except Exception:  # noqa: BLE001 - the claim is malformed: symderiv reports it as an error too
        return "error"
    undecided = False
    for insts in plan:
        for inst in insts:
            ev = Evaluator(backend, program, arrays.symbolic_env(program, used, inst), inst)
            try:
                values = [ev.value(n) for n in nodes]
            except Exception:  # noqa: BLE001
                return "error"
            for a, b in zip(values, values[1:]):
                if a.shape != b.shape:
                    return "refuted"
                for idx in np.ndindex(a.shape):
                    s = sp.simplify(b[idx] - a[idx])
                    if s == 0:
                        continue
                    if s.is_number and (s.is_Rational or s.is_zero is False):
                        return "refuted"
                    undecided = True
    return "undecided" if undecided else "proved"


def symderiv_verdict(doc: Any, index: int) -> str:
    from symderiv.settings import Settings
    from symderiv.run.workers import Task, check_inline

    return check_inline(Task(doc, index, Settings().for_file(doc.check))).verdict.value


def baseline_rows(folder: Path, cap: float) -> list[dict[str, Any]]:
    from symderiv.run.runner import collect
    from symderiv.language.reading import read_file

    claims = []
    for path in collect([folder]):
        doc = read_file(path)
        if not doc.fatal:
            claims.extend((path, doc, i, spec) for i, spec in enumerate(doc.claims))
    # every claim of ours first, then every naive one, so that none of ours runs right after a naive
    # claim stopped at the cap (a large process torn down): interleaved, ours summed 13.5 s in one run
    # (2026-12-02 06:05) against 7.4-7.7 s for the same forks run on their own
    ours_all = [capped(symderiv_verdict, (doc, i), cap) for _, doc, i, _ in claims]
    rows = []
    for (path, doc, i, spec), ours in zip(claims, ours_all):
        naive = capped(naive_verdict, (doc, i), cap)
        rows.append({"claim": f"{path.relative_to(folder)}: {spec.name}", "expect": spec.expect,
                     "ours_s": ours[0] if ours else cap, "ours": ours[1] if ours else "capped",
                     "naive_s": naive[0] if naive else cap, "naive": naive[1] if naive else "capped"})
        r = rows[-1]
        print(f"  {r['ours_s']:7.2f} s {r['ours']:9}  {r['naive_s']:7.2f} s {r['naive']:9}  {r['claim'][:70]}",
              file=sys.stderr, flush=True)
    return rows


# ---------------------------------------------------------------- scaling
WORD2VEC = """\
title = "bench: word2vec naive softmax"
[symbols]
d = "dim"
W = "dim"
U = "matrix(d, W)"
v_c = "vector(d)"
[define]
y_hat = "softmax(U.T @ v_c)"
y = "onehot(0, W)"
J = "-log(y_hat[0])"
[[claim]]
name = "dJ/dv_c = U (y_hat - y)"
lhs = "grad(J, v_c)"
rhs = "U @ (y_hat - y)"
"""

TWO_LAYER = """\
title = "bench: two-layer net"
[symbols]
D = "dim"
H = "dim"
C = "dim"
x = "vector(D)"
W1 = "matrix(H, D)"
b1 = "vector(H)"
W2 = "matrix(C, H)"
b2 = "vector(C)"
[define]
h = "tanh(W1 @ x + b1)"
y_hat = "softmax(W2 @ h + b2)"
y = "onehot(0, C)"
J = "-log(y_hat[0])"
[[claim]]
name = "dJ/dW1 = ((W2^T (y_hat - y)) o (1 - h^2)) x^T"
lhs = "grad(J, W1)"
rhs = "((W2.T @ (y_hat - y)) * (1 - h * h)) @ x.T"
"""


def naive_at(text: str, sizes: dict[str, int]) -> str:
    """The naive baseline's verdict on the first claim of ``text`` at these sizes."""
    from symderiv.language.reading import read_text

    doc = read_text(text.replace("[[claim]]", f"[check]\nsizes = {{ {', '.join(f'{k} = [{v}]' for k, v in sizes.items())} }}\n\n[[claim]]", 1), "bench.toml")
    return naive_verdict(doc, 0)


def prove_at(text: str, sizes: dict[str, int]) -> str:
    from symderiv.settings import Settings
    from symderiv.language.reading import read_text
    from symderiv.run.workers import Task, check_inline

    doc = read_text(text, "bench.toml")
    settings = Settings(sizes={k: (v,) for k, v in sizes.items()}, samples=3, timeout=3600)
    return check_inline(Task(doc, 0, settings)).verdict.value


def scaling(text: str, points: list[dict[str, int]], cap: float, budget: float) -> list[tuple[str, float | None, str]]:
    out: list[tuple[str, float | None, str]] = []
    start = time.perf_counter()
    for sizes in points:
        label = ", ".join(f"{k}={v}" for k, v in sizes.items())
        if time.perf_counter() - start > budget or (out and out[-1][1] is None):
            out.append((label, None, "skipped"))
            continue
        got = capped(prove_at, (text, sizes), cap)
        out.append((label, got[0] if got else None, got[1] if got else f"capped at {cap:g} s"))
        print(f"  {label}: {out[-1][1]} {out[-1][2]}", file=sys.stderr, flush=True)
    return out


# ---------------------------------------------------------------- the table
def fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def _preload() -> None:
    """Import what the forked measurements use, so no measurement pays for an import, and leave the
    imported objects out of the collector's scans, as a ``symderiv check`` worker starts."""
    import gc
    import importlib

    import sympy  # noqa: F401

    import symderiv.engine.building.arrays  # noqa: F401
    import symderiv.run.workers  # noqa: F401
    # imported on first use inside a check: the LaTeX reader (tex sides), and what sympy.simplify imports
    for name in ("symderiv.language.latex_reader", "symderiv.language.latex_build", "symderiv.language.latex_macros",
                 "sympy.physics.units", "sympy.assumptions.wrapper", "sympy.sets.setexpr"):
        importlib.import_module(name)
    prove_at(WORD2VEC, {"d": 2, "W": 2})
    gc.freeze()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cap", type=float, default=60.0, help="seconds per claim for the baseline comparison")
    ap.add_argument("--scale-cap", type=float, default=120.0, help="seconds per size in the scaling rows")
    ap.add_argument("--derivations", type=Path, default=ROOT / "derivations")
    ap.add_argument("--skip-baseline", action="store_true")
    ap.add_argument("--naive-scale", action="store_true",
                    help="also time the naive baseline on word2vec at d=8, W=16 (the (64, 128) target's yardstick)")
    ap.add_argument("--record", action="store_true", help="append the table to bench/RESULTS.md")
    args = ap.parse_args()
    rows: list[str] = ["| measurement | seconds | against | ratio | target |", "|---|---|---|---|---|"]

    def row(name: str, secs: float | None, base: float | None, base_name: str, target: str,
            ratio_of_pairs: float | None = None) -> None:
        if ratio_of_pairs is not None:
            ratio = f"{ratio_of_pairs:.1f}×"
        else:
            ratio = f"{secs / base:.1f}×" if secs is not None and base else "—"
        rows.append(f"| {name} | {fmt(secs)} | {base_name} {fmt(base)} | {ratio} | {target} |")

    print("floors ...", file=sys.stderr)
    cached, compiling = bytecode_env(True), bytecode_env(False)
    sympy_import = [PY, "-c", "import sympy"]
    help_s, bare, help_ratio = paired([PY, "-m", "symderiv", "--help"], [PY, "-c", "pass"], 7, env=cached)

    print("cold and warm runs ...", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        shutil.copytree(args.derivations, project / "derivations")
        (project / "pyproject.toml").write_text('[tool.symderiv]\npaths = ["derivations"]\n', encoding="utf-8")
        check = [PY, "-m", "symderiv", "check", "derivations", "--format", "json", "-o", str(project / "r.json")]
        env_cwd = project
        package = Path(__import__("symderiv").__file__).parent
        pycache = [p for p in package.rglob("__pycache__")]
        for p in pycache:                                              # so that this run really compiles
            shutil.rmtree(p, ignore_errors=True)
        # each run of symderiv paired with a run of the floor (its ratio taken pair by pair); the floor
        # always with the bytecode cache, as SymPy's install wrote it
        cold_compiling, floor_c, ratio_compiling = paired(check + ["--no-cache"], sympy_import, REPEAT, cwd=env_cwd,
                                                          env=compiling, env_b=cached)
        wall(check + ["--no-cache"], cwd=env_cwd, env=cached)          # writes symderiv's bytecode
        cold, floor, cold_ratio = paired(check + ["--no-cache"], sympy_import, REPEAT, cwd=env_cwd, env=cached)
        wall(check, cwd=env_cwd, env=cached)                           # fills the result cache
        warm, floor_w, warm_ratio = paired(check, sympy_import, REPEAT, cwd=env_cwd, env=cached)
        if not pycache:                                                # leave the package as it was found
            for p in package.rglob("__pycache__"):
                shutil.rmtree(p, ignore_errors=True)
        import json
        summary = json.loads((project / "r.json").read_text(encoding="utf-8"))["summary"]
    row(f"cold `symderiv check derivations/` ({summary['claims']} claims, -j default, median of {REPEAT} "
        "paired runs)", cold, floor, "import sympy", "≤ 4×", cold_ratio)
    row("the same with PYTHONDONTWRITEBYTECODE=1 (symderiv's modules compiled on every run)",
        cold_compiling, floor_c, "import sympy", "", ratio_compiling)
    row("warm cache, same", warm, floor_w, "import sympy", "≤ 1.5×", warm_ratio)
    row("`symderiv --help`", help_s, bare, "python -c pass", "≤ 2×", help_ratio)

    print("scaling ...", file=sys.stderr)
    _preload()
    w2v = scaling(WORD2VEC, [{"d": 2, "W": 3}, {"d": 4, "W": 6}, {"d": 8, "W": 16}, {"d": 16, "W": 32},
                             {"d": 32, "W": 64}, {"d": 64, "W": 128}], args.scale_cap, budget=5 * args.scale_cap)
    net = scaling(TWO_LAYER, [{"D": n, "H": n, "C": n} for n in (2, 4, 8, 16)], args.scale_cap,
                  budget=5 * args.scale_cap)
    targets = {"d=32, W=64": "≤ 2 s", "d=64, W=128": "≤ 2× naive at d=8, W=16", "D=16, H=16, C=16": "≤ 1 s"}
    for title, series in (("word2vec dJ/dv_c", w2v), ("two-layer dJ/dW1", net)):
        prev = None
        for label, secs, verdict in series:
            growth = f"{secs / prev:.1f}× per doubling" if secs and prev else ""
            rows.append(f"| {title} at {label} ({verdict}) | {fmt(secs)} | | {growth} | {targets.get(label, '')} |")
            prev = secs
    if args.naive_scale:
        got = capped(naive_at, (WORD2VEC, {"d": 8, "W": 16}), args.scale_cap)
        rows.append(f"| naive baseline, word2vec dJ/dv_c at d=8, W=16 ({got[1] if got else 'capped'}) | "
                    f"{fmt(got[0] if got else None)} | | | |")

    detail: list[str] = []
    if not args.skip_baseline:
        print(f"baseline, per claim capped at {args.cap:g} s ...", file=sys.stderr)
        b = baseline_rows(args.derivations, args.cap)
        ours_t, naive_t = sum(r["ours_s"] for r in b), sum(r["naive_s"] for r in b)
        agree = sum(1 for r in b if r["naive"] in ("proved", "refuted") and r["naive"] == r["ours"])
        decided = sum(1 for r in b if r["naive"] in ("proved", "refuted"))
        disagree = [r for r in b if r["naive"] in ("proved", "refuted") and r["ours"] != r["naive"]]
        rows.append(f"| symderiv on {len(b)} claims (per-claim check, numeric + proof) | {ours_t:.2f} | "
                    f"naive {naive_t:.2f} | {naive_t / ours_t:.1f}× faster | ≥ 50× faster |")
        rows.append(f"| verdicts: the baseline decided {decided}, symderiv the same on {agree} | | | | all the same |")
        detail.append("\nPer claim, slowest ratios first (symderiv s, verdict | naive s, verdict):\n")
        detail.append("| claim | symderiv | naive | naive / symderiv |")
        detail.append("|---|---|---|---|")
        for r in sorted(b, key=lambda r: -r["ours_s"] / max(r["naive_s"], 1e-3))[:12]:
            detail.append(f"| {r['claim'][:80]} | {r['ours_s']:.2f} {r['ours']} | {r['naive_s']:.2f} {r['naive']} | "
                          f"{r['naive_s'] / max(r['ours_s'], 1e-3):.2f} |")
        if disagree:
            detail.append("\nVerdicts that differ where the baseline decided: "
                          + "; ".join(f"{r['claim']} (symderiv {r['ours']}, naive {r['naive']})" for r in disagree))
        detail.append(f"\nAll claims: {', '.join(sorted({r['naive'] for r in b}))} (naive verdicts); "
                      f"{sum(r['naive'] == 'capped' for r in b)} capped, "
                      f"{sum(r['naive'] == 'undecided' for r in b)} undecided by simplify.")

    table = "\n".join(rows + detail)
    print(table)
    if args.record:
        machine = f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} " \
                  f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f} at the end"
        import numpy
        import sympy
        stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
        with open(ROOT / "bench" / "RESULTS.md", "a", encoding="utf-8") as f:
            f.write(f"\n## Run of {stamp}\n\nMachine: {machine}; SymPy {sympy.__version__}, numpy "
                    f"{numpy.__version__}; baseline cap {args.cap:g} s per claim.\n\n{table}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
