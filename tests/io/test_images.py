"""The one image path, ``stylesynth.io.load_image``: orientation, transparency, bit depth, colour spaces,
truncation and size limits, the same for files, bytes and PIL images."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from stylesynth.io import ImageError, image_size, load_image, pil_to_tensor
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


def test_float_tiff_and_float_pil_images_in_0_1_are_read_not_blackened(tmp_path: Path) -> None:
    """Issue 24: a 32-bit float ("F") image in [0, 1] became black (Pillow clips F to 0..255)."""
    values = np.array([[0.0, 0.25, 0.5, 1.0]], dtype=np.float32)
    source = Image.fromarray(values, mode="F")
    source.save(tmp_path / "float.tif")
    expected = [0, 64, 128, 255]
    for image in (load_image(tmp_path / "float.tif"), load_image(source), load_image(source, mode="L")):
        assert np.asarray(image.convert("L"))[0].tolist() == expected
    assert pil_to_tensor(source)[:, 0, 2].tolist() == pytest.approx([128 / 255] * 3)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (np.array([[0.0, 255.0]], dtype=np.float32), r"mode 'F'\) with values from 0 to 255; float images must hold values in \[0, 1\]"),
        (np.array([[-1.0, 1.0]], dtype=np.float32), r"values from -1 to 1; float images must hold values in \[0, 1\]"),
        (np.array([[np.nan, 0.5]], dtype=np.float32), r"NaN or infinite values; float images must hold values in \[0, 1\]"),
    ],
)
def test_float_images_outside_0_1_or_nan_are_refused_not_clipped(tmp_path: Path, values: np.ndarray, message: str) -> None:
    source = Image.fromarray(values, mode="F")
    source.save(tmp_path / "float.tif")
    for image in (tmp_path / "float.tif", source):
        with pytest.raises(ImageError, match=message):
            load_image(image)
    with pytest.raises(ImageError, match=message):
        pil_to_tensor(source)


def test_32_bit_integer_images_are_scaled_as_16_bit_or_refused() -> None:
    source = Image.fromarray(np.array([[0, 257, 65535]], dtype=np.int32), mode="I")
    assert np.asarray(load_image(source, mode="L"))[0].tolist() == [0, 1, 255]
    for values in ([[0, 70000]], [[-5, 10]]):
        with pytest.raises(ImageError, match=r"'I' integer image with values from .*; integer greyscale images must hold 16-bit values"):
            load_image(Image.fromarray(np.array(values, dtype=np.int32), mode="I"))


def test_modes_pillow_cannot_convert_faithfully_are_refused_naming_the_accepted_ones() -> None:
    with pytest.raises(ImageError, match=r"images of mode 'LAB' are not accepted; accepted modes are 1, L, P, RGB"):
        load_image(Image.new("LAB", (2, 2)))
    assert load_image(Image.new("HSV", (2, 2), (0, 0, 255))).getpixel((0, 0)) == (255, 255, 255)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
def test_a_fifo_given_as_an_image_is_refused_before_it_is_opened(tmp_path: Path) -> None:
    """Issue 24: opening a FIFO for reading blocks until a writer comes; it is refused from its stat."""
    fifo = tmp_path / "photo.png"
    os.mkfifo(fifo)
    with pytest.raises(ImageError, match=r"is a FIFO \(named pipe\), not a regular file; expected an image file"):
        load_image(fifo)
    with pytest.raises(ImageError, match="not a regular file"):
        load_image(fifo, mode=None)  # label maps take the same path
    if Path("/dev/zero").exists():
        with pytest.raises(ImageError, match="is a character device, not a regular file"):
            load_image("/dev/zero")
