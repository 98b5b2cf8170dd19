"""symderiv: verify handwritten derivations, step by step.

The command is ``symderiv check``; see README.md.  The library surface is small:
``check_text`` checks the claims of a derivation file given as text.
"""
from __future__ import annotations

__all__ = ["check_text", "__version__"]
from .version import __version__


def check_text(text: str, name: str = "<text>", **settings: object) -> list:
    """Check every claim of a derivation file given as text, in this process; ClaimResults in order."""
    from .settings import Settings
    from .language.reading import read_text
    from .run.runner import file_errors
    from .run.workers import Task, check_inline

    doc = read_text(text, name)
    s = Settings(**settings).for_file(doc.check)  # type: ignore[arg-type]
    errors = [r.finish(strict=s.strict) for r in file_errors(doc)]
    if doc.fatal:
        return errors
    return errors + [check_inline(Task(doc, i, s)) for i in range(len(doc.claims))]
