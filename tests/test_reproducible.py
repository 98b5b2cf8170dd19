"""The same file gives the same report on every run: a counterexample's point is drawn from the
file's `[check] seed` and the pair, never from the operating system (the proof's points still are)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from symderiv import check_text

# x * y against a difference below floating point that vanishes at every simple value of x the
# counterexample search tries first (0, 1, -1, 2, 1/2): only the exact rational point of
# refute/nonzero.py, drawn at random, refutes it
TINY_SLIP = '''
[symbols]
x = "scalar"
y = "scalar"
[[claim]]
name = "a slip only an exact point sees"
lhs = "x * y"
rhs = "x * y + 1e-12 * x * (x - 1) * (x + 1) * (x - 2) * (2*x - 1) * (y - 3)"
expect = false
'''

RANDOM_POINT = "exact: the difference is a rational function, nonzero at this rational point"


def _shown(text: str) -> tuple[Any, ...]:
    r = check_text(text, "t.toml")[0]
    assert r.verdict.value == "refuted", r.message
    cx = r.counterexample
    assert cx is not None and cx.certificate == RANDOM_POINT        # the point came from nonzero.py
    return (cx.point, cx.entry, cx.lhs, cx.rhs, cx.lhs_exact, cx.rhs_exact, cx.difference)


def test_a_counterexample_found_at_a_random_rational_point_is_the_same_on_every_run() -> None:
    first = _shown(TINY_SLIP)
    assert _shown(TINY_SLIP) == first
    assert _shown(TINY_SLIP) == first


def test_the_files_seed_chooses_the_counterexamples_point() -> None:
    reseeded = TINY_SLIP + "[check]\nseed = 7\n"
    assert _shown(reseeded)[0] != _shown(TINY_SLIP)[0]
    assert _shown(reseeded) == _shown(reseeded)


def test_two_runs_of_the_command_give_the_same_json_apart_from_seconds(tmp_path: Path) -> None:
    """Two processes (different str hash salts): byte-identical JSON once `seconds` is left out."""
    f = tmp_path / "slips.toml"
    f.write_text(TINY_SLIP.replace('y = "scalar"\n', 'y = "scalar"\nn = "dim"\nv = "vector(n)"\n') + '''
[[claim]]
name = "the same slip in every entry of a vector"
lhs = "v * x"
rhs = "v * x + 1e-12 * v * x * (x - 1) * (x + 1) * (x - 2) * (2*x - 1)"
expect = false
''')
    outs = []
    for salt in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": salt}
        proc = subprocess.run([sys.executable, "-m", "symderiv", "check", str(f), "--no-cache", "--format", "json"],
                              capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        doc = json.loads(proc.stdout)
        for r in doc["results"]:
            assert r["verdict"] == "refuted" and r["counterexample"]["certificate"] == RANDOM_POINT
            r.pop("seconds")
        outs.append(json.dumps(doc, sort_keys=True))
    assert outs[0] == outs[1]
