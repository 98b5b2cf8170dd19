"""Running claims in worker processes that can be stopped.

Each claim runs in a worker process with a memory cap; the parent enforces the
per-claim time limit by killing the worker (a signal in a thread cannot stop a
runaway SymPy call) and starts a new one.  A claim stopped at its limit keeps the
last provisional result its worker sent (``numeric`` when every spot check agreed,
``refuted`` when one did not) and is otherwise ``timeout``.  Results come back in
the order of the tasks, whatever order they finish in.
"""
from __future__ import annotations

import gc
import multiprocessing as mp
import os
import signal
import time
import traceback
from collections import deque
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from typing import Callable

from ..settings import Settings
from ..language.reading import Document
from ..results import ClaimResult, Verdict

MEMORY_LIMIT = 4 * 1024 ** 3
# A worker builds graphs of many small objects that live until its claim ends: with the default
# thresholds (700, 10, 10) the collector ran about a thousand times over derivations/ and took 14% of
# the checking time; collections a tenth as often took 4%, for no visible change in memory.
GC_THRESHOLDS = (10_000, 10, 10)


@dataclass(frozen=True)
class Task:
    doc: Document
    index: int
    settings: Settings


def check_inline(task: Task) -> ClaimResult:
    """Check one claim in this process (no time limit): for tests and debugging."""
    from ..engine.checking import check_claim

    start = time.monotonic()
    last: ClaimResult | None = None
    thresholds = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)        # as in a worker, for this claim only
    try:
        for last in check_claim(task.doc, task.index, task.settings):
            pass
    finally:
        gc.set_threshold(*thresholds)
    assert last is not None
    return last.finish(strict=task.settings.strict, seconds=time.monotonic() - start)


def _serve(conn: Connection, memory: int | None) -> None:
    from ..engine.checking import check_claim   # already imported by the parent when the worker was forked

    gc.freeze()                      # what the imports made lives as long as the worker: never scan it again
    gc.set_threshold(*GC_THRESHOLDS)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if memory:
        try:
            import resource
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        except (ImportError, ValueError, OSError):
            pass
    # each document comes once and stays: its claims then share one parsed program and one set of points
    docs: dict[int, Document] = {}
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        n, key, doc, index, settings = task
        if doc is not None:
            docs[key] = doc
        try:
            for snapshot in check_claim(docs[key], index, settings):
                conn.send(("snapshot", n, snapshot))
        except MemoryError:
            conn.send(("failed", n, "the claim needed more memory than a worker may use"))
        except Exception as e:   # a bug of ours: report it as an error of this claim, keep serving
            conn.send(("failed", n, f"internal error: {type(e).__name__}: {e}\n{traceback.format_exc(limit=3)}"))
        conn.send(("done", n, None))


class _Worker:
    def __init__(self, ctx: mp.context.BaseContext, memory: int | None) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, memory), daemon=True)
        self.proc.start()
        child.close()
        self.task: int | None = None
        self.docs: set[int] = set()        # the documents (ids in this process) this worker has been sent
        self.current: int | None = None    # the document of its last claim
        self.deadline = 0.0
        self.started = 0.0
        self.last: ClaimResult | None = None

    def stop(self) -> None:
        try:
            self.proc.kill()
        except (OSError, AttributeError):
            pass
        self.proc.join(timeout=5)
        self.conn.close()


def _context() -> mp.context.BaseContext:
    return mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")


def _stopped(t: Task, last: ClaimResult | None, seconds: float) -> ClaimResult:
    limit = f"{t.settings.timeout:g} s"
    spec = t.doc.claims[t.index]
    if last is not None and last.verdict in (Verdict.REFUTED, Verdict.PROVED):
        # PROVED is a final result: the limit struck while the claim's tex was being checked, or (the result
        # then has a message) while the larger sizes were being checked (see engine/checking.py)
        notes = () if last.verdict is Verdict.REFUTED or last.message else ("the tex was not checked within the time limit",)
        return replace(last, seconds=seconds, tex_notes=last.tex_notes + notes)
    if last is not None and last.verdict is Verdict.NUMERIC:
        return replace(last, seconds=seconds,
                       message=f"not proved symbolically within the time limit ({limit}); every numeric spot check agrees")
    base = last or ClaimResult(t.doc.path, spec.line, spec.name, Verdict.TIMEOUT, expect=spec.expect,
                               steps=spec.steps, note=spec.note)
    capped = t.settings.max_timeout is not None and t.settings.timeout >= t.settings.max_timeout
    advice = ("use smaller sizes (the limit is --max-timeout's, which a file cannot raise)" if capped
              else "raise [check] timeout or use smaller sizes")
    return replace(base, verdict=Verdict.TIMEOUT, seconds=seconds,
                   message=f"{t.doc.path}:{spec.line}: neither proved nor refuted within the time limit ({limit}); "
                           f"{advice}")


def run_tasks(tasks: list[Task], jobs: int, on_result: Callable[[int, ClaimResult], None] | None = None,
              memory: int | None = MEMORY_LIMIT, on_start: Callable[[int], None] | None = None
              ) -> list[ClaimResult | None]:
    """Check every task in a pool of ``jobs`` workers; results in task order (``on_start`` is told
    the number of each task as a worker starts it).

    On KeyboardInterrupt the workers are stopped and ``Interrupted`` is raised with
    the results so far (None for the claims not finished).
    """
    results: list[ClaimResult | None] = [None] * len(tasks)
    if not tasks:
        return results
    from ..engine import checking  # noqa: F401  (import SymPy once, before forking, so every worker starts warm)
    gc.freeze()                    # and its objects out of every collection (and shared with the workers unchanged)

    ctx = _context()
    pool = [_Worker(ctx, memory) for _ in range(max(1, min(jobs, len(tasks))))]
    queue = Schedule(tasks)

    def finish(w: _Worker, result: ClaimResult) -> None:
        n = w.task
        assert n is not None
        t = tasks[n]
        results[n] = result.finish(strict=t.settings.strict)
        w.task, w.last = None, None
        if on_result:
            on_result(n, results[n])  # type: ignore[arg-type]

    try:
        while queue or any(w.task is not None for w in pool):
            for w in pool:
                if w.task is None and queue:
                    n = queue.take(w.current)
                    w.current = id(tasks[n].doc)
                    w.task, w.last = n, None
                    w.started = time.monotonic()
                    w.deadline = w.started + tasks[n].settings.timeout
                    if on_start:
                        on_start(n)
                    t, key = tasks[n], id(tasks[n].doc)
                    try:
                        w.conn.send((n, key, None if key in w.docs else t.doc, t.index, t.settings))
                        w.docs.add(key)
                    except (OSError, BrokenPipeError):
                        pass
            busy = [w for w in pool if w.task is not None]
            timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic()) if busy else 0.1
            ready = wait([w.conn for w in busy], timeout=timeout)
            now = time.monotonic()
            for i, w in enumerate(pool):
                if w.task is None:
                    continue
                n = w.task
                if w.conn in ready:
                    try:
                        kind, m, payload = w.conn.recv()
                    except (EOFError, OSError):
                        last = w.last
                        result = _died(tasks[n], last, now - w.started)
                        finish(w, result)
                        w.stop()
                        pool[i] = _Worker(ctx, memory)
                        continue
                    if m != n:
                        continue
                    if kind == "snapshot":
                        w.last = payload
                    elif kind == "failed":
                        spec = tasks[n].doc.claims[tasks[n].index]
                        base = w.last or ClaimResult(tasks[n].doc.path, spec.line, spec.name, Verdict.ERROR,
                                                     expect=spec.expect, steps=spec.steps)
                        w.last = replace(base, verdict=Verdict.ERROR,
                                         message=f"{tasks[n].doc.path}:{spec.line}: {payload}")
                    elif kind == "done":
                        last = w.last
                        assert last is not None
                        finish(w, replace(last, seconds=now - w.started))
                elif now >= w.deadline:
                    finish(w, _stopped(tasks[n], w.last, now - w.started))
                    w.stop()
                    pool[i] = _Worker(ctx, memory)
    except KeyboardInterrupt:
        for w in pool:
            w.stop()
        raise Interrupted(results) from None
    for w in pool:
        try:
            w.conn.send(None)
        except (OSError, BrokenPipeError):
            pass
        w.proc.join(timeout=1)
        if w.proc.is_alive():
            w.stop()
    return results


class Schedule:
    """Which claim a free worker takes next.

    A worker keeps to one document while it has claims left: what a worker works out per
    document (its parsed program, its sample points, the graphs of its defines) is then worked
    out once rather than in every worker.  On a cold check of derivations/ with 2 workers that
    is 5-10% less CPU time and wall time than handing the claims out in file order.  A worker
    done with its document starts the earliest one no worker has started; when every document
    left has a worker, it helps with the one with the most claims left.  With one worker this is
    file order.  Results do not depend on the order (each claim's result is its own), only the
    time does.
    """

    def __init__(self, tasks: list[Task]) -> None:
        self.left: dict[int, deque[int]] = {}      # per document (its id): its claims not started, in order
        for n, t in enumerate(tasks):
            self.left.setdefault(id(t.doc), deque()).append(n)
        self.started: set[int] = set()

    def __bool__(self) -> bool:
        return any(self.left.values())

    def take(self, current: int | None) -> int:
        """The next task for a worker whose last claim was of document ``current`` (None: a new worker)."""
        if current is not None and self.left.get(current):
            return self.left[current].popleft()
        for key, left in self.left.items():        # documents in file order
            if left and key not in self.started:
                self.started.add(key)
                return left.popleft()
        return max(self.left.values(), key=len).popleft()


class Interrupted(Exception):
    """The run was interrupted (Ctrl-C); ``results`` holds what was finished."""

    def __init__(self, results: list[ClaimResult | None]) -> None:
        super().__init__("interrupted")
        self.results = results


def _died(t: Task, last: ClaimResult | None, seconds: float) -> ClaimResult:
    spec = t.doc.claims[t.index]
    base = last or ClaimResult(t.doc.path, spec.line, spec.name, Verdict.ERROR, expect=spec.expect, steps=spec.steps)
    if base.verdict is Verdict.REFUTED:
        return replace(base, seconds=seconds)
    return replace(base, verdict=Verdict.ERROR, seconds=seconds,
                   message=f"{t.doc.path}:{spec.line}: the worker checking this claim stopped unexpectedly "
                           "(out of memory?); make the claim or its sizes smaller")


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
