"""pytest plugin: ``pytest --symderiv`` checks derivation files as tests.

Registered as a ``pytest11`` entry point, so it is loaded whenever symderiv is
installed, but it does nothing unless ``--symderiv`` is given.  Then every
derivation file (``*.toml``, not ``pyproject.toml``, not hidden) under the paths
given on the command line, or, with no paths, under ``[tool.symderiv] paths``,
becomes a collector, and each of its claims a test item ``file::claim``.  An item
passes when its claim is ok (as ``symderiv check`` would say) and fails with the
report's text (verdict, failed step, diagnosis, counterexample), never a
traceback of symderiv's internals.

The claims of a file are checked together, in the worker pool that ``symderiv
check`` uses (so the per-claim time limit holds), when the first of its selected
items runs.  This is the only module of the package that imports pytest.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import pytest

if TYPE_CHECKING:
    from .run.cache import ResultCache
    from .settings import Settings
    from .language.reading import Document
    from .results import ClaimResult

FILE_ITEM = "(file)"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("symderiv", "checking derivation files with symderiv")
    group.addoption("--symderiv", action="store_true", default=False,
                    help="collect derivation files (*.toml) and check each claim as a test item "
                         "(default paths: [tool.symderiv] paths)")
    group.addoption("--symderiv-strict", action="store_true", default=None,
                    help="only 'proved' is ok for a right claim (as symderiv check --strict)")
    group.addoption("--symderiv-timeout", type=float, default=None, metavar="SECONDS",
                    help="seconds per claim (overrides [tool.symderiv] timeout)")
    group.addoption("--symderiv-no-cache", action="store_true", default=False,
                    help="neither read nor write symderiv's result cache (.symderiv_cache/ beside the config)")


@dataclass
class _State:
    settings: "Settings"
    jobs: int
    roots: list[Path] = field(default_factory=list)
    cache: "ResultCache | None" = None


_STATE = pytest.StashKey[_State]()


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("symderiv"):
        return
    from .run.config import ConfigError, find_config, settings_from
    from .run.workers import default_jobs

    here = Path(config.invocation_params.dir)
    timeout = config.getoption("symderiv_timeout")
    if timeout is not None and not timeout > 0:
        raise pytest.UsageError("--symderiv-timeout must be positive")
    try:
        found = find_config(here)
        settings = settings_from(found, strict=config.getoption("symderiv_strict"), timeout=timeout)
    except (ConfigError, TypeError, ValueError) as e:
        raise pytest.UsageError(f"symderiv: {e}") from None
    jobs = found.values.get("jobs") or default_jobs()
    if config.args_source is pytest.Config.ArgsSource.ARGS:
        roots = [(here / a.split("::")[0]).resolve() for a in config.args]
    else:
        # No paths given: check the configured ones, beside whatever pytest collects anyway.
        roots = [p.resolve() for p in found.paths if p.exists()]
        given = [(here / a).resolve() for a in config.args]
        config.args = list(config.args) + [str(r) for r in roots if not any(_within(r, g) for g in given)]
    cache = None
    if not config.getoption("symderiv_no_cache"):
        from .run.cache import ResultCache
        cache = ResultCache(found.root)
    config.stash[_STATE] = _State(settings, jobs, roots, cache)


def _within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> "DerivationFile | None":
    state = parent.config.stash.get(_STATE, None)
    if state is None or file_path.suffix != ".toml" or file_path.name == "pyproject.toml":
        return None
    if file_path.name.startswith("."):
        return None
    resolved = file_path.resolve()
    if not any(_within(resolved, r) for r in state.roots):
        return None
    return DerivationFile.from_parent(parent, path=file_path)


class ClaimNotOk(Exception):
    """Raised by an item whose claim is not ok; carries the claim's result."""

    def __init__(self, result: "ClaimResult") -> None:
        super().__init__(result.claim)
        self.result = result


class DerivationFile(pytest.File):
    """A derivation file: one item per claim, one more for problems of the file itself."""

    doc: "Document"
    results: "dict[int, ClaimResult] | None"

    def collect(self) -> Iterator["ClaimItem"]:
        from .language.reading import read_file
        from .run.runner import file_errors

        self.doc = read_file(self.path)
        self.results = None
        state = self.config.stash[_STATE]
        strict = state.settings.strict
        for r in file_errors(self.doc):
            yield ClaimItem.from_parent(self, name=FILE_ITEM, index=-1, line=r.line,
                                        preset=r.finish(strict=strict))
        if self.doc.fatal is None:
            for i, spec in enumerate(self.doc.claims):
                yield ClaimItem.from_parent(self, name=spec.name, index=i, line=spec.line, preset=None)

    def result_of(self, item: "ClaimItem") -> "ClaimResult":
        """Check every selected claim of this file at once (in the worker pool), the first time one is asked for."""
        if self.results is None:
            from .run.runner import check_tasks
            from .run.workers import Interrupted, Task

            state = self.config.stash[_STATE]
            settings = state.settings.for_file(self.doc.check)
            mine = [i.index for i in self.session.items
                    if isinstance(i, ClaimItem) and i.parent is self and i.index >= 0]
            if item.index not in mine:
                mine.append(item.index)
            tasks = [Task(self.doc, i, settings) for i in mine]
            try:
                found = check_tasks(tasks, state.jobs, cache=state.cache)
            except Interrupted:
                raise KeyboardInterrupt from None
            self.results = {i: r for i, r in zip(mine, found) if r is not None}
        return self.results[item.index]


class ClaimItem(pytest.Item):
    """One claim of a derivation file (or, named ``(file)``, the problems of the file itself)."""

    def __init__(self, *, index: int, line: int, preset: "ClaimResult | None", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.index = index
        self.line = line
        self.preset = preset

    def runtest(self) -> None:
        parent = self.parent
        assert isinstance(parent, DerivationFile)
        result = self.preset if self.preset is not None else parent.result_of(self)
        self.user_properties.append(("verdict", result.verdict.value))
        self.user_properties.append(("expect", result.expect))
        if not result.ok:
            raise ClaimNotOk(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str | Any:
        if isinstance(excinfo.value, ClaimNotOk):
            from .report.wording import failure_text
            return failure_text(excinfo.value.result)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.line - 1, f"{self.path.name}:{self.line}: {self.name}"
