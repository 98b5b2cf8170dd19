"""A derivation file's bytes, read without blocking or overreading.

``read_bounded`` refuses what is not a regular file (a FIFO would block, ``/dev/zero``
never ends) and anything larger than ``MAX_FILE_BYTES``, checking the file again once it
is open (it may have been swapped since the first look) and counting what it reads (a
``/proc``-style file says its size is 0).  ``reading.read_file`` turns a refusal into a
located message.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_FILE_BYTES = 2_000_000


class Refused(Exception):
    """Not read: not a regular file (a FIFO would block, /dev/zero never ends), or too large."""


NOT_REGULAR = "not a regular file (a folder, FIFO, device or socket); give a derivation .toml file"
TOO_LARGE = f"file too large (more than {MAX_FILE_BYTES} bytes)"


def read_bounded(p: Path) -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES, read without blocking or overreading."""
    mode = os.stat(p).st_mode
    if stat.S_ISDIR(mode):
        os.listdir(p)               # the reason it could not be searched, as an OSError
        raise Refused("a folder that could not be searched for derivation files")
    if not stat.S_ISREG(mode):
        raise Refused(NOT_REGULAR)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(p, flags)
    try:
        st = os.fstat(fd)          # the file may have been swapped since the first look
        if not stat.S_ISREG(st.st_mode):
            raise Refused(NOT_REGULAR)
        if st.st_size > MAX_FILE_BYTES:
            raise Refused(TOO_LARGE)
        chunks, total = [], 0
        while total <= MAX_FILE_BYTES:
            chunk = os.read(fd, min(1 << 20, MAX_FILE_BYTES + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > MAX_FILE_BYTES:      # a /proc-style file whose size says 0
            raise Refused(TOO_LARGE)
        return b"".join(chunks)
    finally:
        os.close(fd)
