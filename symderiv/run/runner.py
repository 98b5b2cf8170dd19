"""From paths to results: find derivation files, read them, check every claim.

Every file given, and every claim in it, gets a result, in order: a file that
cannot be read gets one ``error`` result (claim ``(file)``), and file-level
problems (an unknown top-level field, a bad ``[check]`` value) get one more,
beside the claims, which are still checked.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .config import Settings
from ..language.reading import Document, read_file
from ..results import ClaimResult, FileResult, Verdict
from .workers import Task

if TYPE_CHECKING:
    from .cache import ResultCache

FILE_CLAIM = "(file)"


class UsageError(Exception):
    """The command was used wrongly (exit status 2)."""


def collect(paths: list[Path]) -> list[Path]:
    """Derivation files under the paths: files as given, folders searched for ``*.toml``.

    In folders, hidden entries and ``pyproject.toml`` are skipped and symbolic links
    to folders are not followed (so a link loop cannot trap the search); a folder that
    cannot be searched is kept, so that reading it reports the error.
    """
    found: list[Path] = []
    for p in paths:
        if p.is_file():
            found.append(p)
        elif p.is_dir():
            # a folder that cannot be searched is reported (as an error row), never silently skipped
            for root, dirs, files in os.walk(p, followlinks=False, onerror=lambda e: found.append(Path(e.filename))):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for f in sorted(files):
                    if f.endswith(".toml") and not f.startswith(".") and f != "pyproject.toml":
                        found.append(Path(root) / f)
        elif p.exists() or p.is_symlink():
            found.append(p)         # unreadable or broken: reported as an error result
        else:
            raise UsageError(f"path does not exist: {p}")
    seen: set[Path] = set()
    unique = []
    for f in found:
        key = f.resolve() if f.exists() else f
        if key not in seen:
            seen.add(key)
            unique.append(f)
    if not unique:
        raise UsageError("no derivation file (*.toml) found in: " + ", ".join(str(p) for p in paths))
    return unique


def _line_of(message: str) -> int:
    m = re.match(r"^.*?:(\d+):", message)
    return int(m.group(1)) if m else 1


def file_errors(doc: Document) -> list[ClaimResult]:
    messages = [doc.fatal] if doc.fatal else list(doc.problems)
    if not messages:
        return []
    text = "\n".join(m for m in messages if m)
    return [ClaimResult(doc.path, _line_of(text), FILE_CLAIM, Verdict.ERROR, message=text)]


def plan(paths: list[Path], settings: Settings) -> tuple[list[Document], list[Task]]:
    """Read every derivation file under the paths; one task per claim."""
    docs = [read_file(p) for p in collect(paths)]
    tasks: list[Task] = []
    for doc in docs:
        if doc.fatal is None:
            s = settings.for_file(doc.check)
            tasks.extend(Task(doc, i, s) for i in range(len(doc.claims)))
    return docs, tasks


def size_problems(docs: list[Document], sizes: dict[str, tuple[int, ...]] | None) -> tuple[str | None, list[str]]:
    """Sizes a user gave (``--sizes``): a usage error when one names a dim that no file read declares
    (a dim another file does not have is fine: sizes are per dim name), and warnings for size 1."""
    if not sizes:
        return None, []
    read = [d for d in docs if d.fatal is None]
    declared = {s.name for d in read for s in d.symbols if s.kind == "dim"}
    unknown = [n for n in sizes if n not in declared]
    if read and unknown:
        known = ", ".join(sorted(declared)) or "none"
        return (f"--sizes names {', '.join(repr(n) for n in unknown)}, which no file checked declares as a dim "
                f"(the dims: {known})"), []
    warnings = []
    for name, values in sizes.items():
        if 1 in values:
            rest = "; the other sizes still check them" if len(values) > 1 else "; add a size of 2 or more"
            warnings.append(f"--sizes {name}=1: at size 1 a vector is a number and a matrix product an ordinary "
                            f"product, so most mistakes (a transpose, a shape, a missing sum) cannot be seen{rest}")
    return None, warnings


def execute(docs: list[Document], tasks: list[Task], settings: Settings, jobs: int,
            on_result: Callable[[ClaimResult], None] | None = None,
            cache: "ResultCache | None" = None, on_start: Callable[[Task], None] | None = None,
            on_file: Callable[[FileResult], None] | None = None) -> list[FileResult]:
    """Check the tasks (claims found in ``cache`` are not checked again); results per file, in order.

    ``on_start`` is told each claim a worker starts; ``on_file`` gets each file's results as soon
    as that file and every file before it are complete (so a report can stream in file order)."""
    from .workers import Interrupted

    stream = _FileStream(docs, tasks, settings, on_file) if on_file else None
    try:
        results = check_tasks(tasks, jobs, on_result, cache, on_start, stream.done if stream else None)
    except Interrupted as e:
        raise InterruptedRun(assemble(docs, tasks, e.results, settings)) from None
    return assemble(docs, tasks, results, settings)


class _FileStream:
    """Hands each file's ``FileResult`` on once it and all files before it are complete."""

    def __init__(self, docs: list[Document], tasks: list[Task], settings: Settings,
                 on_file: Callable[[FileResult], None]) -> None:
        self.docs, self.settings, self.on_file = docs, settings, on_file
        self.rows: dict[int, list[ClaimResult | None]] = {id(d): [] for d in docs}
        self.slot: list[tuple[int, int]] = []
        for t in tasks:
            rows = self.rows[id(t.doc)]
            self.slot.append((id(t.doc), len(rows)))
            rows.append(None)
        self.next = 0
        self.done(None, None)

    def done(self, n: int | None, r: ClaimResult | None) -> None:
        if n is not None:
            doc, pos = self.slot[n]
            self.rows[doc][pos] = r
        while self.next < len(self.docs):
            doc = self.docs[self.next]
            rows = self.rows[id(doc)]
            if any(x is None for x in rows):
                return
            self.next += 1
            self.on_file(file_result(doc, rows, self.settings))  # type: ignore[arg-type]


def check_tasks(tasks: list[Task], jobs: int, on_result: Callable[[ClaimResult], None] | None = None,
                cache: "ResultCache | None" = None, on_start: Callable[[Task], None] | None = None,
                on_done: Callable[[int, ClaimResult], None] | None = None) -> list[ClaimResult | None]:
    """Results in task order: from ``cache`` where it has them, else checked in the worker pool
    (and stored).  On Ctrl-C, ``workers.Interrupted`` carries the results so far.  ``on_done`` is
    told each task's number and result as it completes."""
    from .workers import Interrupted, run_tasks

    results: list[ClaimResult | None] = [None] * len(tasks)
    keys: list[str | None] = [None] * len(tasks)
    if cache is not None:
        for n, t in enumerate(tasks):
            keys[n] = cache.key(t.doc, t.index, t.settings)
            hit = cache.get(keys[n])  # type: ignore[arg-type]
            if hit is not None:
                results[n] = hit
                if on_result:
                    on_result(hit)
                if on_done:
                    on_done(n, hit)
    todo = [n for n, r in enumerate(results) if r is None]

    def store(m: int, r: ClaimResult) -> None:
        n = todo[m]
        results[n] = r
        if cache is not None and keys[n] is not None:
            cache.put(keys[n], r, tasks[n].settings)  # type: ignore[arg-type]
        if on_result:
            on_result(r)
        if on_done:
            on_done(n, r)

    started = (lambda m: on_start(tasks[todo[m]])) if on_start else None
    try:
        run_tasks([tasks[n] for n in todo], jobs, store, on_start=started)
    except Interrupted:
        raise Interrupted(results) from None
    return results


def check_paths(paths: list[Path], settings: Settings, jobs: int,
                on_result: Callable[[ClaimResult], None] | None = None) -> list[FileResult]:
    docs, tasks = plan(paths, settings)
    return execute(docs, tasks, settings, jobs, on_result)


class InterruptedRun(Exception):
    """Ctrl-C: ``files`` holds every claim, those not finished as errors saying so."""

    def __init__(self, files: list[FileResult]) -> None:
        super().__init__("interrupted")
        self.files = files


def assemble(docs: list[Document], tasks: list[Task], results: list[ClaimResult | None], settings: Settings
             ) -> list[FileResult]:
    by_doc: dict[int, list[ClaimResult]] = {}
    for t, r in zip(tasks, results):
        if r is None:
            spec = t.doc.claims[t.index]
            r = ClaimResult(t.doc.path, spec.line, spec.name, Verdict.ERROR, expect=spec.expect,
                            message=f"{t.doc.path}:{spec.line}: not checked: the run was interrupted")
        by_doc.setdefault(id(t.doc), []).append(r)
    return [file_result(doc, by_doc.get(id(doc), []), settings) for doc in docs]


def file_result(doc: Document, claims: list[ClaimResult], settings: Settings) -> FileResult:
    rows = [r.finish(strict=settings.strict) for r in file_errors(doc)] + claims
    return FileResult(doc.path, doc.title, doc.source, tuple(rows))
