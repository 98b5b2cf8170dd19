"""How hard to check: the settings every stage reads, and the report formats a config may name.

Nothing here imports SymPy, numpy or rich.  ``run.config`` builds a ``Settings`` from
defaults, ``[tool.symderiv]`` and flags; ``for_file`` applies a file's own ``[check]``.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .language.reading import CheckSettings

from .formatnames import FORMATS  # noqa: F401 - re-exported: config.py checks a config's format against it



@dataclass(frozen=True)
class Settings:
    sizes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    samples: int = 20
    seed: int = 0
    rtol: float = 1e-6
    atol: float = 1e-9
    timeout: float = 20.0
    strict: bool = False
    max_timeout: float | None = None   # the grader's cap: no file's own [check] timeout may exceed it
    locked: bool = False               # a grader's pin: a file's [check] may tighten these settings, never loosen

    def for_file(self, check: "CheckSettings") -> "Settings":
        """These settings with a file's own ``[check]`` table applied on top (its timeout capped).

        When ``locked``, the file can only make the check harder: rtol/atol no wider,
        samples no fewer, sizes only added to each dim's, a timeout no longer.
        """
        changes: dict[str, Any] = {k: getattr(check, k) for k in ("samples", "seed", "rtol", "atol", "timeout")
                                   if getattr(check, k) is not None}
        if check.sizes:
            changes["sizes"] = {**self.sizes, **check.sizes}
        if self.locked:
            for key, pick in (("rtol", min), ("atol", min), ("samples", max), ("timeout", min)):
                if key in changes:
                    changes[key] = pick(changes[key], getattr(self, key))
            if check.sizes:
                changes["sizes"] = {**self.sizes, **{d: tuple(sorted({*self.sizes.get(d, ()), *n}))
                                                     for d, n in check.sizes.items()}}
        if self.max_timeout is not None:
            changes["timeout"] = min(changes.get("timeout", self.timeout), self.max_timeout)
        return replace(self, **changes)
