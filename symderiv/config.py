"""Settings: defaults, ``[tool.symderiv]`` in pyproject.toml, flags, and a file's ``[check]``.

Precedence, lowest first: built-in defaults < ``[tool.symderiv]`` (found by walking
up from the current folder, as ruff and pytest do) < command-line flags < the
file's own ``[check]`` table (for that file only).
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .reading import CheckSettings, check_value

TOOL_FIELDS = {"paths", "sizes", "samples", "seed", "rtol", "atol", "timeout", "strict", "format", "jobs"}
FORMATS = ("text", "json", "junit", "github", "sarif", "html")


class ConfigError(ValueError):
    """A bad ``[tool.symderiv]`` setting; the message is located."""


@dataclass(frozen=True)
class Settings:
    sizes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    samples: int = 20
    seed: int = 0
    rtol: float = 1e-6
    atol: float = 1e-9
    timeout: float = 20.0
    strict: bool = False

    def for_file(self, check: CheckSettings) -> "Settings":
        """These settings with a file's own ``[check]`` table applied on top."""
        changes: dict[str, Any] = {k: getattr(check, k) for k in ("samples", "seed", "rtol", "atol", "timeout")
                                   if getattr(check, k) is not None}
        if check.sizes:
            changes["sizes"] = {**self.sizes, **check.sizes}
        return replace(self, **changes)


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
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
                raise ConfigError(f"{candidate}: cannot read: {e}") from None
            table = data.get("tool", {}).get("symderiv")
            if table is None:
                continue
            return Config(folder, candidate, _validate(table, candidate))
    return Config(here, None, {})


def _validate(table: Any, where: Path) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [tool.symderiv] must be a table")
    out: dict[str, Any] = {}
    for key, v in table.items():
        loc = f"{where}: [tool.symderiv] {key}"
        if key not in TOOL_FIELDS:
            raise ConfigError(f"{where}: [tool.symderiv]: unknown key {key!r} (expected one of: {', '.join(sorted(TOOL_FIELDS))})")
        if key == "paths":
            if not isinstance(v, list) or not all(isinstance(p, str) for p in v):
                raise ConfigError(f"{loc} must be a list of paths")
        elif key == "strict":
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
                v = check_value(key, v, None)
            except ValueError as e:
                raise ConfigError(f"{loc}: {e}") from None
        out[key] = v
    return out


def settings_from(config: Config, **flags: Any) -> Settings:
    """Defaults, then the config, then flags that were given (None means not given)."""
    values = {k: v for k, v in config.values.items() if k in Settings.__dataclass_fields__}
    values.update({k: v for k, v in flags.items() if v is not None})
    return Settings(**values)
