"""``symderiv help format`` works from a plain (non-editable) install, and ``symderiv new`` points to it (issue 16)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from symderiv.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_help_format_prints_the_format_reference(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["help", "format"]) == 0
    out = capsys.readouterr().out
    assert out == (ROOT / "docs" / "format.md").read_text(encoding="utf-8")
    assert "### LaTeX steps" in out


def test_help_without_a_topic_lists_them_and_an_unknown_topic_is_a_usage_error(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["help"]) == 0
    assert "format" in capsys.readouterr().out
    assert main(["help", "nope"]) == 2
    assert "no help on 'nope'" in capsys.readouterr().err


def test_new_points_to_the_help(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["new", "mine"]) == 0
    assert "symderiv help format" in capsys.readouterr().out
    assert "symderiv help format" in (tmp_path / "mine.toml").read_text()


def test_help_format_from_a_wheel_install_without_the_repository(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                            "-w", str(wheels), str(ROOT)], capture_output=True, text=True, timeout=600)
    if built.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {built.stderr.strip().splitlines()[-1:]}")
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site),
                    *map(str, wheels.glob("*.whl"))], check=True, capture_output=True, timeout=600)
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import symderiv, symderiv.cli; "
            "assert symderiv.__file__.startswith(sys.argv[1]), symderiv.__file__; "
            "sys.exit(symderiv.cli.main(['help', 'format']))")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-c", code, str(site)], capture_output=True, text=True, cwd=tmp_path,
                          env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (ROOT / "docs" / "format.md").read_text(encoding="utf-8")
