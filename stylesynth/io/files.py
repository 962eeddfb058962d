"""What an input path is before it is opened: only regular files are read.

Opening a FIFO (named pipe) for reading blocks until a writer comes, forever if none does; a
character device such as ``/dev/zero`` or ``/dev/urandom`` never ends. Every input that
:mod:`stylesynth.io` opens (images, label maps, masks, weights files, checkpoint folders' files) is
checked with :func:`special_file_kind` first, with ``os.stat``, which does not open the file.
"""

from __future__ import annotations

import os
import stat

_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


def special_file_kind(path: str | os.PathLike) -> str | None:
    """What ``path`` is when it exists but is not a regular file (e.g. ``"a FIFO (named pipe)"``), else ``None``.

    Symbolic links are followed; a missing path is ``None`` (the caller reports it as not found).
    """
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISREG(mode):
        return None
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return "not a regular file"


def refuse_special_file(path: str | os.PathLike, name: str, expected: str, error: type[ValueError]) -> None:
    """Raises ``error`` naming the input (``name``), what it is and ``expected`` when ``path`` exists but is not a regular file."""
    kind = special_file_kind(path)
    if kind is not None:
        raise error(f"{name}: is {kind}, not a regular file; expected {expected}")
