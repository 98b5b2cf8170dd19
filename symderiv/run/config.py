"""Settings: defaults, ``[tool.symderiv]`` in pyproject.toml, flags, and a file's ``[check]``.

Precedence, lowest first: built-in defaults < ``[tool.symderiv]`` (found by walking
up from the current folder, as ruff and pytest do) < command-line flags < the
file's own ``[check]`` table (for that file only).  With ``locked = true`` (or
``--locked``) the file's table can only tighten: see ``Settings.for_file``.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..language.reading import check_value
from ..settings import FORMATS, Settings

TOOL_FIELDS = {"paths", "sizes", "samples", "seed", "rtol", "atol", "timeout", "max_timeout", "strict", "format",
               "jobs", "locked"}


class ConfigError(ValueError):
    """A bad ``[tool.symderiv]`` setting; the message is located."""


@dataclass(frozen=True)
class Config:
    """``[tool.symderiv]``: where it was found and what it sets."""

    root: Path                       # the folder holding pyproject.toml (or the current folder)
    path: Path | None
    values: dict[str, Any]

    @property
    def paths(self) -> list[Path]:
        return [self.root / p for p in self.values.get("paths", ["derivations"])]


def find_config(start: Path | None = None) -> Config:
    """The nearest ``pyproject.toml`` with a ``[tool.symderiv]`` table, from ``start`` (the current folder) up.

    A ``pyproject.toml`` without the table is passed over, as ruff does; with none
    found, the settings are the defaults and paths are relative to ``start``.
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                text = candidate.read_text(encoding="utf-8")
                data = tomllib.loads(text)
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
                raise ConfigError(f"{candidate}: cannot read: {e}") from None
            tool = data.get("tool")
            table = tool.get("symderiv") if isinstance(tool, dict) else None
            if table is None:
                continue
            return Config(folder, candidate, _validate(table, candidate, _key_lines(text)))
    return Config(here, None, {})


_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_KEY = re.compile(r"""^\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_\-]+))\s*[=.]""")


def _key_lines(text: str) -> dict[str, int]:
    """Where ``[tool.symderiv]`` (key ``""``) and each of its keys start in the text, 1-based."""
    lines: dict[str, int] = {}
    table = ""
    for n, line in enumerate(text.splitlines(), 1):
        h = _HEADER.match(line)
        if h and not _KEY.match(line):
            table = re.sub(r"\s*\.\s*", ".", h.group(1)).replace('"', "").replace("'", "")
            if table == "tool.symderiv":
                lines.setdefault("", n)
            elif table.startswith("tool.symderiv."):
                lines.setdefault(table.split(".")[2], n)
            continue
        k = _KEY.match(line)
        if k and table == "tool.symderiv":
            lines.setdefault(next(g for g in k.groups() if g), n)
    return lines


def _validate(table: Any, where: Path, lines: dict[str, int] | None = None) -> dict[str, Any]:
    lines = lines or {}

    def at(key: str) -> str:
        line = lines.get(key, lines.get(""))
        return f"{where}:{line}" if line else f"{where}"

    if not isinstance(table, dict):
        raise ConfigError(f"{at('')}: [tool.symderiv] must be a table")
    out: dict[str, Any] = {}
    for key, v in table.items():
        loc = f"{at(key)}: [tool.symderiv] {key}"
        if key not in TOOL_FIELDS:
            raise ConfigError(f"{at(key)}: [tool.symderiv]: unknown key {key!r} "
                              f"(expected one of: {', '.join(sorted(TOOL_FIELDS))})")
        if key == "paths":
            if not isinstance(v, list) or not v or not all(isinstance(p, str) and p for p in v):
                raise ConfigError(f"{loc} must be a non-empty list of paths")
        elif key in ("strict", "locked"):
            if not isinstance(v, bool):
                raise ConfigError(f"{loc} must be true or false")
        elif key == "format":
            if v not in FORMATS:
                raise ConfigError(f"{loc} must be one of {', '.join(FORMATS)}")
        elif key == "jobs":
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ConfigError(f"{loc} must be a positive integer")
        else:
            try:
                v = _check(key, v)
            except ValueError as e:
                raise ConfigError(f"{loc}: {e}") from None
        out[key] = v
    return out


def _check(key: str, v: Any) -> Any:
    """Validate a setting as a file's ``[check]`` value; ``max_timeout`` as a timeout."""
    return check_value("timeout" if key == "max_timeout" else key, v, None)


def settings_from(config: Config, **flags: Any) -> Settings:
    """Defaults, then the config, then flags that were given (None means not given).

    Flag values are validated as the config's are (a bad one raises ConfigError);
    ``sizes`` from a flag replace the configured sizes of the dims they name only.
    """
    values = {k: v for k, v in config.values.items() if k in Settings.__dataclass_fields__}
    for key, v in flags.items():
        if v is None:
            continue
        if key not in Settings.__dataclass_fields__:
            raise ConfigError(f"unknown setting {key!r}")
        if key in ("strict", "locked"):
            v = bool(v)
        else:
            try:
                v = _check(key, {d: list(n) for d, n in v.items()} if key == "sizes" else v)
            except ValueError as e:
                raise ConfigError(f"--{key.replace('_', '-')}: {e}") from None
        if key == "sizes":
            v = {**values.get("sizes", {}), **v}
        values[key] = v
    return Settings(**values)
