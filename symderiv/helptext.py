"""``symderiv help [TOPIC]``: the format reference and the tutorial, shipped inside the package.

``docs/format.md`` and ``docs/tutorial.md`` are package data (``symderiv/docs/`` links to
them in the source tree, and a built wheel holds copies), read with ``importlib.resources``
so that a plain ``pip install symderiv`` can show them without the repository.
"""
from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

EXIT_OK, EXIT_USAGE = 0, 2
TOPICS = {"format": "format.md", "tutorial": "tutorial.md"}


def text(topic: str) -> str | None:
    """The document for a topic, or None when this install does not have it."""
    name = TOPICS[topic]
    try:
        return resources.files("symderiv").joinpath("docs", name).read_text(encoding="utf-8")
    except (OSError, ValueError):
        source = Path(__file__).resolve().parents[1] / "docs" / name     # a checkout whose links were not kept
        try:
            return source.read_text(encoding="utf-8")
        except OSError:
            return None


def show_help(topic: str | None) -> int:
    try:
        return _show(topic)
    except BrokenPipeError:          # `symderiv help format | head`
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _show(topic: str | None) -> int:
    if topic is None:
        print("symderiv help TOPIC, where TOPIC is one of:\n"
              "  format    the derivation file format: symbols, expressions, claims, LaTeX steps, the reports\n"
              "  tutorial  from a handwritten line to a checked claim\n"
              "The same documents are docs/format.md and docs/tutorial.md in the source repository.")
        return EXIT_OK
    if topic not in TOPICS:
        print(f"symderiv: error: no help on {topic!r}; choose one of: {', '.join(TOPICS)}", file=sys.stderr)
        return EXIT_USAGE
    body = text(topic)
    if body is None:
        print(f"symderiv: error: this install has no copy of docs/{TOPICS[topic]}", file=sys.stderr)
        return EXIT_USAGE
    sys.stdout.write(body if body.endswith("\n") else body + "\n")
    return EXIT_OK
