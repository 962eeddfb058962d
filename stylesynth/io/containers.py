"""Truncation of a container file, read from its own structure before anything is decoded.

A container's frame count and duration are hints (a variable-frame-rate clip has fewer frames than
duration × rate), but the sizes of its top-level structure are a contract: a Matroska/WebM segment,
the boxes of an MP4/MOV/3GP file and a RIFF (AVI) chunk each declare how many bytes they hold. A
file shorter than that is an incomplete download or copy. FFmpeg's Matroska reader stops at such a
file's end without an error, so :func:`declared_shortfall` checks it up front, from a few bytes
(top-level elements only; sizes written as "unknown", as live recordings do, are not checked).
"""

from __future__ import annotations

import os
import struct
from typing import BinaryIO

#: Matroska (and WebM): the EBML header's and the Segment's element IDs, and an element size meaning "unknown".
_EBML_ID, _SEGMENT_ID = 0x1A45DFA3, 0x18538067
#: ISO base media file format boxes a file may start with (MP4, MOV, 3GP, M4V, AVIF).
_ISO_FIRST_BOXES = (b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"styp")
#: Stop walking boxes after this many (a fragmented MP4 has two per fragment); the rest is left to the decoder.
_MAX_BOXES = 100_000


def _vint(stream: BinaryIO, keep_marker: bool) -> tuple[int, bool] | None:
    """An EBML variable-length integer: (value, all value bits set), or None at the end of the data."""
    first = stream.read(1)
    if not first:
        return None
    length = 8 - first[0].bit_length() + 1
    if length > 8:
        return None
    rest = stream.read(length - 1)
    if len(rest) != length - 1:
        return None
    value = first[0] if keep_marker else first[0] & (0xFF >> length)
    for byte in rest:
        value = (value << 8) | byte
    unknown = not keep_marker and value == (1 << (7 * length)) - 1
    return value, unknown


def _matroska(stream: BinaryIO) -> int | None:
    """The bytes the Segment declares it ends at, or None when it says "unknown" or cannot be read."""
    position = 0
    for _ in range(2):  # the EBML header, then the Segment
        stream.seek(position)
        element = _vint(stream, keep_marker=True)
        size = _vint(stream, keep_marker=False)
        if element is None or size is None:
            return None
        data = stream.tell()
        if element[0] == _SEGMENT_ID:
            return None if size[1] else data + size[0]
        if element[0] != _EBML_ID or size[1]:
            return None
        position = data + size[0]
    return None


def _iso_boxes(stream: BinaryIO, file_size: int) -> int | None:
    """Where the top-level boxes declare the file ends, if past ``file_size``; else None."""
    position = 0
    for _ in range(_MAX_BOXES):
        if position >= file_size:
            return position if position > file_size else None
        stream.seek(position)
        header = stream.read(16)
        if len(header) < 8:
            return position + 8
        size = struct.unpack(">I", header[:4])[0]
        if size == 0:  # the last box, to the end of the file
            return None
        if size == 1:
            if len(header) < 16:
                return position + 16
            size = struct.unpack(">Q", header[8:16])[0]
            if size < 16:
                return None
        elif size < 8:
            return None  # not a box: malformed, left to the decoder to report
        position += size
    return None


def _riff(header: bytes) -> int:
    return 8 + struct.unpack("<I", header[4:8])[0]


def declared_shortfall(path: str | os.PathLike) -> tuple[str, int, int] | None:
    """``(container, bytes declared, bytes present)`` when the file is shorter than its container's
    top-level structure declares, else ``None`` (also for formats it does not know)."""
    file_size = os.stat(path).st_size
    with open(path, "rb") as stream:
        header = stream.read(12)
        if header[:4] == bytes.fromhex("1a45dfa3"):
            kind, declared = "Matroska/WebM", _matroska(stream)
        elif header[4:8] in _ISO_FIRST_BOXES:
            kind, declared = "MP4/MOV", _iso_boxes(stream, file_size)
        elif header[:4] == b"RIFF" and len(header) >= 8:
            kind, declared = "RIFF (AVI)", _riff(header)
        else:
            return None
    if declared is not None and declared > file_size:
        return kind, declared, file_size
    return None
