"""The ``symderiv`` command.

Only argparse and the standard library are imported at start-up, so ``--help``
costs about as much as starting Python; SymPy is imported when there is work.
Exit status: 0 every claim ok, 1 some claim not ok, 2 the command used wrongly.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__
from .formatnames import FORMATS
from .limits import MAX_DIM

TYPE_CHECKING = False     # not typing.TYPE_CHECKING: importing typing was a third of --help's imports

if TYPE_CHECKING:
    from collections.abc import Sequence

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 on usage errors, as we want
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"symderiv: error: {message}\n")


def _sizes(text: str) -> dict[str, tuple[int, ...]]:
    """``d=2,3;W=3,4`` -> {"d": (2, 3), "W": (3, 4)}."""
    out: dict[str, tuple[int, ...]] = {}
    try:
        for part in filter(None, text.split(";")):
            name, _, vals = part.partition("=")
            nums = tuple(sorted({int(v) for v in vals.split(",") if v.strip()}))
            if not name.strip() or not nums or min(nums) < 1:
                raise ValueError
            if name.strip() in out:
                raise argparse.ArgumentTypeError(f"{name.strip()!r} is given twice in {text!r}; "
                                                 f"list its sizes once: '{name.strip()}=2,3'")
            if max(nums) > MAX_DIM:
                raise argparse.ArgumentTypeError(f"size {max(nums)} for {name.strip()!r} is too large "
                                                 f"(the limit is {MAX_DIM})")
            out[name.strip()] = nums
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 'd=2,3;W=3,4', got {text!r}") from None
    return out


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="symderiv", description="Verify handwritten derivations: each step proved or refuted.")
    p.add_argument("--version", action="version", version=f"symderiv {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    c = sub.add_parser("check", help="check derivation files", description="Prove or refute every claim.")
    c.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                   help="derivation files, or folders searched for *.toml (default: [tool.symderiv] paths, "
                        "else derivations/)")
    c.add_argument("--format", choices=FORMATS, default=None, help="report format (default: text)")
    c.add_argument("-o", "--output", type=Path, help="write the report to this file")
    c.add_argument("--strict", action=argparse.BooleanOptionalAction, default=None,
                   help="only 'proved' is ok for a right claim (--no-strict overrides strict = true in the config)")
    c.add_argument("--timeout", type=float, help="seconds per claim (default 20)")
    c.add_argument("--max-timeout", type=float, metavar="S",
                   help="cap every claim's time limit, a file's own [check] timeout included (for grading jobs)")
    c.add_argument("--locked", action="store_true", default=None,
                   help="a file's own [check] may tighten these settings but never loosen them "
                        "(rtol/atol no wider, samples no fewer, sizes only added, timeout no longer)")
    c.add_argument("--samples", type=int, help="numeric points per instantiation (default 20)")
    c.add_argument("--seed", type=int, help="random seed (default 0)")
    c.add_argument("--rtol", type=float, help="relative tolerance of the numeric check (default 1e-6)")
    c.add_argument("--atol", type=float, help="absolute tolerance of the numeric check (default 1e-9)")
    c.add_argument("--sizes", type=_sizes, help="sizes of dims, e.g. 'd=2,3;W=3,4'")
    c.add_argument("-j", "--jobs", type=int, help="worker processes (default: the number of cores)")
    loud = c.add_mutually_exclusive_group()
    loud.add_argument("-q", "--quiet", action="store_true", help="only claims that are not ok, and the summary")
    loud.add_argument("-v", "--verbose", action="store_true", help="every step of every claim")
    c.add_argument("--no-cache", action="store_true", help="neither read nor write the result cache")

    e = sub.add_parser("explain", help="the full story of one claim",
                       description="Each step, its expanded form, what was proved at which sizes, the numeric check.")
    e.add_argument("file", type=Path, help="a derivation file")
    e.add_argument("claim", nargs="?", help="the claim's name, a unique part of it, or a line number in its "
                                            "table (default: every claim of the file)")

    n = sub.add_parser("new", help="write a commented starter derivation file")
    n.add_argument("name", help="file to create (.toml is added when missing)")
    n.add_argument("--force", action="store_true", help="overwrite an existing file")

    h = sub.add_parser("help", help="show the file format reference or the tutorial",
                       description="Print a document shipped with symderiv: format (the file format) or tutorial.")
    h.add_argument("topic", nargs="?", help="format or tutorial")

    k = sub.add_parser("cache", help="manage the result cache")
    k.add_argument("action", choices=["clear"], help="clear: delete .symderiv_cache/")
    return p



def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:          # `symderiv check ... | head`: the reader left; no traceback for that
        import os
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())    # so the interpreter's own flush at exit cannot fail again
        return EXIT_FAIL


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    if args.command == "check":
        try:
            return _check(args)
        except KeyboardInterrupt:    # before the workers started (reading files, importing SymPy)
            print("symderiv: interrupted before any claim was checked", file=sys.stderr)
            return EXIT_FAIL
    if args.command == "explain":
        from .report.explaining import explain
        return explain(args.file, args.claim)
    if args.command == "new":
        from .starter import write_starter
        return write_starter(args.name, force=args.force)
    if args.command == "help":
        from .helptext import show_help
        return show_help(args.topic)
    if args.command == "cache":
        from .run.cache import clear_command
        return clear_command()
    return EXIT_USAGE


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False


def _check(args: argparse.Namespace) -> int:
    from .run.config import ConfigError, find_config, settings_from

    try:
        config = find_config()
        settings = settings_from(config, sizes=args.sizes, samples=args.samples, seed=args.seed, rtol=args.rtol,
                                 atol=args.atol, timeout=args.timeout, strict=args.strict,
                                 max_timeout=args.max_timeout, locked=args.locked or None)
    except (ConfigError, TypeError, ValueError) as e:
        print(f"symderiv: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    fmt = args.format or config.values.get("format", "text")
    paths = args.paths or config.paths

    from .run.runner import InterruptedRun, UsageError, execute, plan
    from .run.workers import default_jobs

    jobs = args.jobs if args.jobs is not None else (config.values.get("jobs") or default_jobs())
    if jobs < 1:
        print("symderiv: error: --jobs must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    try:
        docs, tasks = plan(paths, settings)
    except UsageError as e:
        where = (f"[tool.symderiv] paths in {config.path}" if "paths" in config.values and config.path is not None
                 else "the default, derivations/, as no pyproject.toml here or above sets [tool.symderiv] paths")
        hint = "" if args.paths else f" (no path was given, so the paths are {where}; give a file or folder, " \
                                     "e.g. `symderiv check .`)"
        print(f"symderiv: error: {e}{hint}", file=sys.stderr)
        return EXIT_USAGE
    if args.output is not None and any(_same_file(args.output, Path(d.path)) for d in docs):
        print(f"symderiv: error: -o {args.output} is a derivation file being checked; the report would "
              "overwrite it", file=sys.stderr)
        return EXIT_USAGE
    from .run.runner import size_problems
    problem, warnings = size_problems(docs, args.sizes)
    if problem:
        print(f"symderiv: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    for w in warnings:
        print(f"symderiv: warning: {w}", file=sys.stderr)
    cache = None
    if not args.no_cache:
        from .run.cache import ResultCache
        cache = ResultCache(config.root)
        from .report.mathtext import use_store
        use_store(cache.folder / "drawings.json")
    interrupted = False
    if fmt == "text" and args.output is None:
        from .report.reporting import ProgressBar, console, render_file, render_summary
        out = console()
        printed: list[object] = []

        def show(f: object) -> None:          # each file as soon as it and the files before it are done
            render_file(f, out, quiet=args.quiet, verbose=args.verbose)  # type: ignore[arg-type]
            printed.append(f)

        try:
            with ProgressBar(len(tasks), out) as bar:
                files = execute(docs, tasks, settings, jobs, bar.advance, cache=cache,
                                on_start=lambda t: bar.started(t.doc.claims[t.index].name), on_file=show)
        except InterruptedRun as e:
            files, interrupted = e.files, True
        for f in files[len(printed):]:
            render_file(f, out, quiet=args.quiet, verbose=args.verbose)
        render_summary(files, out)
    else:
        try:
            files = execute(docs, tasks, settings, jobs, cache=cache)
        except InterruptedRun as e:
            files, interrupted = e.files, True
        text = _render(fmt, files, args)
        if args.output is not None:
            try:
                args.output.write_text(text, encoding="utf-8")
            except OSError as e:
                print(f"symderiv: error: cannot write {args.output}: {e.strerror or e}", file=sys.stderr)
                return EXIT_USAGE
        else:
            sys.stdout.write(text)
    if cache is not None:
        from .report.mathtext import save_store
        save_store()
    if interrupted:
        print("symderiv: interrupted; the report shows what was checked so far", file=sys.stderr)
        return EXIT_FAIL
    return EXIT_OK if all(r.ok for f in files for r in f.results) else EXIT_FAIL


def _render(fmt: str, files: list, args: argparse.Namespace) -> str:
    if fmt == "text":
        import io

        from .report.reporting import console, render
        buf = io.StringIO()
        render(files, console(buf), quiet=args.quiet, verbose=args.verbose)
        return buf.getvalue()
    from .report.formats import render
    return render(fmt, files)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
