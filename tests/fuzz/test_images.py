"""The image loader on mutated bytes of real PNG, JPEG, WebP and TIFF files (and GIF, BMP): an upright
RGB image within the pixel limit, or an ``ImageError`` with a message."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from stylesynth.io import ImageError, image_size, load_image

from .conftest import FUZZ

LIMIT = 256 * 256


def encoded(fmt: str) -> bytes:
    """A small real file of ``fmt``: noise with a gradient, alpha where the format has it, EXIF on JPEG."""
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (24, 32, 4), dtype=np.uint8)
    image = Image.fromarray(pixels, "RGBA")
    if fmt in ("JPEG", "BMP"):
        image = image.convert("RGB")
    buffer = io.BytesIO()
    options = {}
    if fmt == "JPEG":
        exif = Image.Exif()
        exif[0x0112] = 6
        options["exif"] = exif
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


FILES = {fmt: encoded(fmt) for fmt in ("PNG", "JPEG", "WEBP", "TIFF", "GIF", "BMP")}


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(FILES[draw(st.sampled_from(sorted(FILES)))])
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "overwrite"]))
        position = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[position] ^= 1 << draw(st.integers(0, 7))
        elif kind == "truncate":
            del data[position:]
        elif kind == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "delete":
            del data[position : position + draw(st.integers(1, 16))]
        else:
            chunk = draw(st.binary(min_size=1, max_size=8))
            data[position : position + len(chunk)] = chunk
    return bytes(data)


@pytest.mark.parametrize("fmt", sorted(FILES))
def test_the_unmutated_files_load_upright(fmt: str) -> None:
    image = load_image(FILES[fmt])
    assert image.mode == "RGB" and image.size == ((24, 32) if fmt == "JPEG" else (32, 24))


@FUZZ
@given(data=mutated(), mode=st.sampled_from(["RGB", "L", None]))
def test_mutated_files_load_or_raise_image_error(data: bytes, mode: str | None) -> None:
    try:
        image = load_image(data, mode=mode, max_pixels=LIMIT)
    except ImageError as error:
        assert str(error).strip()
        return
    assert image.width * image.height <= LIMIT and image.width >= 1 and image.height >= 1
    if mode is not None:
        assert image.mode == mode
    image.tobytes()  # fully decoded: reading the pixels raises nothing


@FUZZ
@given(data=mutated())
def test_mutated_headers_are_read_or_refused(data: bytes) -> None:
    try:
        width, height = image_size(data, "the upload", LIMIT)
    except ImageError as error:
        assert "the upload" in str(error)
        return
    assert 1 <= width * height <= LIMIT
