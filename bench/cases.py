"""What the case split for piecewise functions costs, claim by claim.

    python bench/cases.py [--record]

For every claim of derivations/classics/piecewise.toml, and for max(v) = -min(-v) and a
relu chain (2^k branch combinations, k + 1 regions) at growing sizes: the seconds of the whole check (in this process, default
settings), the seconds spent enumerating regions (``cases.leaves``: both the proof by
cases and the numeric check's region points), how many regions were enumerated and
how many exact LPs were solved, and the verdict.  With --record the table is appended
to bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import datetime
import platform
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from symderiv.engine import cases, regions  # noqa: E402
from symderiv.language.reading import read_text  # noqa: E402
from symderiv.run.workers import Task, check_inline  # noqa: E402
from symderiv.settings import Settings  # noqa: E402

COUNT = {"split": 0.0, "regions": 0, "lp": 0}


def _timed(fn: Callable[..., Any], seconds: str | None, count: str) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        out = fn(*args, **kwargs)
        if seconds:
            COUNT[seconds] += time.perf_counter() - t
        COUNT[count] += len(out) if count == "regions" else 1
        return out
    return wrapper


cases.leaves = _timed(cases.leaves, "split", "regions")
regions.interior = _timed(regions.interior, None, "lp")

SCALING = """
[symbols]
n = "dim"
v = "vector(n)"
x = "scalar"

[[claim]]
name = "max(v) = -min(-v)"
lhs = "max(v)"
rhs = "-min(-v)"

[[claim]]
name = "a relu chain: d/dx sum_j relu(x - j) (j = 1..{k}) is {k} where x > {k}"
lhs = "diff({chain}, x) * heaviside(x - {k})"
rhs = "{k} * heaviside(x - {k})"
"""


def rows_for(text: str, label: str, sizes: dict[str, tuple[int, ...]] | None = None) -> list[str]:
    doc = read_text(text, label)
    settings = Settings(**({"sizes": sizes} if sizes else {}))
    out = []
    for i, spec in enumerate(doc.claims):
        for k in COUNT:
            COUNT[k] = 0.0 if k == "split" else 0
        t = time.perf_counter()
        r = check_inline(Task(doc, i, settings))
        total = time.perf_counter() - t
        share = f"{100 * COUNT['split'] / total:.0f}%" if total else "—"
        size = ", ".join(f"{k}={v[0]}" for k, v in (sizes or {}).items())
        out.append(f"| {spec.name[:70]}{' at ' + size if size else ''} | {total:.2f} | {COUNT['split']:.2f} ({share}) "
                   f"| {COUNT['regions']} | {COUNT['lp']} | {r.verdict.value} |")
        print(out[-1], file=sys.stderr, flush=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--record", action="store_true", help="append the table to bench/RESULTS.md")
    args = ap.parse_args()
    rows = ["| claim | check s | case split s (share) | regions | LPs | verdict |", "|---|---|---|---|---|---|"]
    rows += rows_for((ROOT / "derivations" / "classics" / "piecewise.toml").read_text(), "piecewise.toml")
    for n, k in ((4, 4), (8, 8), (16, 16)):
        chain = " + ".join(f"relu(x - {j})" for j in range(1, k + 1))
        rows += rows_for(SCALING.format(k=k, chain=chain), "scaling.toml", {"n": (n,)})
    table = "\n".join(rows)
    print(table)
    if args.record:
        with open(ROOT / "bench" / "RESULTS.md", "a", encoding="utf-8") as f:
            f.write(f"\n## Case split for piecewise functions, {datetime.date.today()} ({platform.machine()}, "
                    f"Python {platform.python_version()})\n\n{table}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
