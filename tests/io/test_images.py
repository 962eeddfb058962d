"""The one image path, ``stylesynth.io.load_image``: orientation, transparency, bit depth, colour spaces,
truncation and size limits, the same for files, bytes and PIL images."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from stylesynth.io import ImageError, image_size, load_image
from stylesynth.io.images import MAX_PIXELS


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def rotated_jpeg(orientation: int = 6, size: tuple[int, int] = (4, 2)) -> bytes:
    """A JPEG of ``size`` as stored, left half red, whose EXIF says: turn it (6: 90° clockwise) to display."""
    image = Image.new("RGB", size, (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encoded(image, "JPEG", exif=exif, quality=95)


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` with almost no data: a decompression bomb's header."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")


def palette_image() -> Image.Image:
    """A palette image of entry 1 (red), which is marked transparent when saved."""
    image = Image.new("P", (3, 3), 1)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    return image


def test_exif_orientation_is_applied_to_files_bytes_and_pil_images(tmp_path: Path) -> None:
    data = rotated_jpeg()
    (tmp_path / "photo.jpg").write_bytes(data)
    for source in (tmp_path / "photo.jpg", data, Image.open(io.BytesIO(data))):
        image = load_image(source)
        assert image.size == (2, 4)
        assert image.getpixel((1, 0))[0] > 200  # the red left half is now on top (turned clockwise)
        assert image.getpixel((1, 3))[2] > 200


@pytest.mark.parametrize(
    "image",
    [
        Image.new("RGBA", (3, 3), (255, 0, 0, 0)),
        Image.new("LA", (3, 3), (0, 0)),
        palette_image(),
    ],
    ids=["rgba", "la", "palette-transparency"],
)
@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_transparency_is_composited_onto_white(image: Image.Image, mode: str) -> None:
    options = {"transparency": 1} if image.mode == "P" else {}
    loaded = load_image(encoded(image, "PNG", **options), mode=mode)
    assert loaded.mode == mode
    assert np.asarray(loaded).min() == 255


def test_sixteen_bit_greyscale_is_scaled_not_clipped() -> None:
    values = np.array([[0, 257, 32896, 65535]], dtype=np.uint16)
    source = Image.fromarray(values)
    assert source.mode.startswith("I")
    loaded = load_image(encoded(source, "PNG"))
    assert np.asarray(loaded)[0, :, 0].tolist() == [0, 1, 128, 255]


def test_cmyk_palette_and_one_bit_images_become_rgb() -> None:
    cmyk = load_image(encoded(Image.new("CMYK", (2, 2), (0, 255, 255, 0)), "JPEG"))
    assert cmyk.mode == "RGB" and cmyk.getpixel((0, 0))[0] > 200 and cmyk.getpixel((0, 0))[1] < 60
    palette = Image.new("P", (2, 2), 0)
    palette.putpalette([10, 20, 30] + [0] * 765)
    assert load_image(encoded(palette, "PNG")).getpixel((0, 0)) == (10, 20, 30)
    assert load_image(encoded(Image.new("1", (2, 2), 1), "PNG")).getpixel((0, 0)) == (255, 255, 255)


def test_label_maps_keep_their_stored_mode() -> None:
    labels = Image.new("P", (3, 2), 2)
    labels.putpalette(list(range(256)) * 3)
    loaded = load_image(encoded(labels, "PNG"), mode=None)
    assert loaded.mode == "P" and loaded.getpixel((0, 0)) == 2


def test_truncated_file_is_refused_up_front(tmp_path: Path) -> None:
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8))
    data = encoded(noise, "JPEG")
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageError, match="truncated or damaged"):
        load_image(tmp_path / "cut.jpg")


def test_size_limit_is_checked_from_the_header_before_decoding() -> None:
    bomb = png_header(9000, 9000)  # over our limit, under Pillow's own bomb check
    with pytest.raises(ImageError, match="more than the limit"):
        image_size(bomb, "the upload")
    with pytest.raises(ImageError, match="the upload is 9000x9000"):
        load_image(bomb, what="the upload")
    with pytest.raises(ImageError, match="the upload has more pixels than the limit"):
        load_image(png_header(100_000, 100_000), what="the upload")
    with pytest.raises(ImageError, match="more than the limit of 100"):
        load_image(encoded(Image.new("RGB", (11, 10)), "PNG"), max_pixels=100)
    assert MAX_PIXELS == 8192 * 8192


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (b"%PDF-1.4 not an image", "not a readable image file; accepted formats are PNG, JPEG"),
        (Path("/nonexistent/photo.jpg"), "file not found"),
        (Path("/"), "got a folder"),
        (3, "expected an image file path"),
    ],
)
def test_unusable_sources_are_image_errors_naming_the_problem(source, message: str) -> None:
    with pytest.raises(ImageError, match=message):
        load_image(source)
