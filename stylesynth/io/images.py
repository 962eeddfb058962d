"""Images in and out: the one path every image takes into the library, the CLI and the app.

:func:`load_image` reads a file, encoded bytes or a PIL image the same way everywhere:

1. the header is read first; a file that is not an image of :data:`stylesynth.io.formats.IMAGE_FORMATS`
   (PNG, JPEG, WebP, BMP, GIF, TIFF, and AVIF where Pillow reads it), or that has more than ``max_pixels`` pixels (:data:`MAX_PIXELS` by default), is refused before decoding;
2. the whole image is decoded up front, so a truncated or corrupt file is an error here and not a
   half-grey picture later (``PIL.ImageFile.LOAD_TRUNCATED_IMAGES`` is left at its default, False);
3. the EXIF orientation is applied (``PIL.ImageOps.exif_transpose``), so a phone photo comes out
   upright, as a browser shows it; sizes (output size, mask size) are those of the upright image;
4. the pixels become ``mode``: transparency (RGBA, LA, PA, or a palette's transparent colour) is
   composited onto **white**; 16-bit greyscale ("I;16*", and 32-bit integer "I" holding 0..65535)
   is scaled to 8 bits (``v * 255 / 65535``), 32-bit float greyscale ("F", e.g. a float TIFF) in
   [0, 1] is scaled by 255; integer values outside 0..65535 and float values outside [0, 1] or NaN
   are refused, never clipped; palette, 1-bit, CMYK and YCbCr images are converted by Pillow; any
   other mode (LAB, ...) is refused. ``mode=None`` keeps the stored mode (label maps: "P",
   "L", "I;16", "RGB").

Every failure is an :class:`ImageError` (a ``ValueError``) that names the input, says what was
wrong and what is accepted.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError
from torch import Tensor
from torchvision.transforms.v2 import functional as TF

from .atomic import atomic_output
from .files import refuse_special_file
from .formats import ACCEPTED_FORMATS, FORMATS, IMAGE_EXTENSIONS

ImageLike = str | os.PathLike | bytes | Image.Image

#: Largest image (width × height) accepted by :func:`load_image`, images and label maps alike;
#: checked from the header, before decoding, to refuse decompression bombs.
MAX_PIXELS = 8192 * 8192

_TRANSPARENT_MODES = ("RGBA", "LA", "PA", "RGBa", "La")
#: Greyscale wider than 8 bits: 16-bit ("I;16*") and 32-bit integer ("I") scaled by 255 / 65535, 32-bit float ("F") in [0, 1] by 255.
_WIDE_GREY_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")
#: Modes Pillow converts to RGB and L faithfully.
_CONVERTIBLE_MODES = ("1", "L", "P", "RGB", "RGBA", "RGBX", "RGBa", "LA", "La", "PA", "CMYK", "YCbCr", "HSV")
#: Float images (files, PIL images, tensors) hold values in [0, 1]; this much rounding error beyond either
#: end is accepted (and clamped). :mod:`stylesynth.validation` uses the same for tensors and masks.
FLOAT_TOLERANCE = 1e-3


class ImageError(ValueError):
    """An input that is not a usable image (missing, unreadable, truncated, too large, wrong shape or dtype)."""


def _describe(source: ImageLike, what: str | None) -> str:
    if what is not None:
        return what
    if isinstance(source, (str, os.PathLike)):
        return str(source)
    return "the image"


def check_pixels(width: int, height: int, what: str, max_pixels: int = MAX_PIXELS) -> None:
    """Refuses an image of ``width`` × ``height`` that has no pixels or more than ``max_pixels``."""
    if width < 1 or height < 1:
        raise ImageError(f"{what} has no pixels ({width}x{height}); expected an image of at least 1x1 pixels")
    if width * height > max_pixels:
        side = int(max_pixels**0.5)
        raise ImageError(
            f"{what} is {width}x{height} = {width * height:,} pixels, more than the limit of {max_pixels:,} "
            f"(e.g. {side}x{side}); scale it down"
        )


def _open(source: str | os.PathLike | bytes, what: str, max_pixels: int) -> Image.Image:
    """The file or bytes opened lazily (header only), or an ImageError."""
    if isinstance(source, (bytes, bytearray)):
        stream = io.BytesIO(source)
    else:
        path = Path(source)
        if not path.exists():
            raise ImageError(f"{what}: file not found")
        if path.is_dir():
            raise ImageError(f"{what}: expected an image file, got a folder")
        # checked before opening: reading a FIFO blocks until a writer comes
        refuse_special_file(path, what, f"an image file ({ACCEPTED_FORMATS})", ImageError)
        stream = path
    try:
        return Image.open(stream, formats=FORMATS)
    except Image.DecompressionBombError as error:
        raise ImageError(f"{what} has more pixels than the limit of {max_pixels:,} ({error})") from None
    except PermissionError:
        raise ImageError(f"{what}: the file cannot be read (permission denied)") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise ImageError(f"{what} is not a readable image file; accepted formats are {ACCEPTED_FORMATS}") from None


def image_size(source: str | os.PathLike | bytes, what: str | None = None, max_pixels: int = MAX_PIXELS) -> tuple[int, int]:
    """``(width, height)`` of an image file or encoded bytes from its header alone (nothing decoded).

    Raises :class:`ImageError` as :func:`load_image` does for a file that is not an image or is too large.
    """
    name = _describe(source, what)
    with _open(source, name, max_pixels) as opened:
        width, height = opened.size
    check_pixels(width, height, name, max_pixels)
    return width, height


def image_format(path: str | os.PathLike) -> str | None:
    """The accepted image format ``path`` is by its content (Pillow's name: ``"PNG"``, ``"AVIF"``, ...), or ``None``.

    The one test of "image or video": a still AVIF, a PNG named ``.mp4`` or an animated GIF is an
    image, whatever its name, and :mod:`stylesynth.video` refuses what this names. Only the header is
    read; a missing file, a folder or a special file (FIFO, device) is ``None`` and is not opened.
    """
    source = Path(path)
    if not source.is_file():
        return None
    try:
        with Image.open(source, formats=FORMATS) as opened:
            return str(opened.format)
    except Exception:  # noqa: BLE001 - Pillow's plugins fail on foreign data in many ways; any failure means "not an image"
        return None


def _decode(source: str | os.PathLike | bytes, what: str, max_pixels: int) -> Image.Image:
    """The first frame of the file or bytes, fully decoded, after the header's size was checked."""
    with _open(source, what, max_pixels) as opened:
        check_pixels(opened.width, opened.height, what, max_pixels)
        if ImageFile.LOAD_TRUNCATED_IMAGES:  # set globally by some other library: truncation would pass
            raise ImageError(f"{what}: cannot check the image for truncation while PIL.ImageFile.LOAD_TRUNCATED_IMAGES is set")
        try:
            opened.load()
            return opened.copy()
        except Image.DecompressionBombError as error:
            raise ImageError(f"{what} is too large to decode ({error})") from None
        except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, ZeroDivisionError) as error:
            # Pillow's decoders report damaged data in all these ways ("image file is truncated", ...)
            raise ImageError(f"{what} could not be decoded: the file is truncated or damaged ({error}); accepted formats are {ACCEPTED_FORMATS}") from None


def upright(image: Image.Image) -> Image.Image:
    """``image`` turned by its EXIF orientation tag (the tag removed); unreadable EXIF leaves it as stored."""
    try:
        turned = ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001 - damaged EXIF blocks are common; viewers show such images as stored
        return image
    return turned if turned is not None else image


def _eight_bit_grey(image: Image.Image, what: str = "the image") -> Image.Image:
    """Integer greyscale ("I;16*", "I") scaled to 8 bits, ``round(v * 255 / 65535)``, or float greyscale ("F") in [0, 1]
    scaled by 255; values outside those ranges (or NaN) are an ImageError, never clipped."""
    values = np.asarray(image, dtype=np.float64)
    if not values.size:
        return Image.fromarray(values.astype(np.uint8), mode="L")
    if image.mode == "F":
        if not np.isfinite(values).all():
            raise ImageError(f"{what}: the 32-bit float image holds NaN or infinite values; float images must hold values in [0, 1]")
        low, high = float(values.min()), float(values.max())
        if low < -FLOAT_TOLERANCE or high > 1 + FLOAT_TOLERANCE:
            raise ImageError(
                f"{what}: a 32-bit float image (mode 'F') with values from {low:g} to {high:g}; float images must hold "
                "values in [0, 1]; save it as 8- or 16-bit, or scale it to [0, 1]"
            )
        return Image.fromarray(np.rint(np.clip(values, 0, 1) * 255).astype(np.uint8), mode="L")
    low, high = float(values.min()), float(values.max())
    if low < 0 or high > 65535:
        raise ImageError(
            f"{what}: a {image.mode!r} integer image with values from {low:g} to {high:g}; integer greyscale images must "
            "hold 16-bit values (0..65535, scaled to 8 bits) or 8-bit ones; save it as 8- or 16-bit"
        )
    return Image.fromarray(np.rint(values * (255 / 65535)).astype(np.uint8), mode="L")


def convert(image: Image.Image, mode: str, what: str = "the image") -> Image.Image:
    """``image`` in ``mode`` ("RGB" or "L") by the rules in this module's docstring (alpha on white, 16-bit and float scaled)."""
    if image.mode in _WIDE_GREY_MODES:
        image = _eight_bit_grey(image, what)
    elif image.mode not in _CONVERTIBLE_MODES:
        raise ImageError(
            f"{what}: images of mode {image.mode!r} are not accepted; accepted modes are {', '.join(_CONVERTIBLE_MODES + _WIDE_GREY_MODES)}; "
            "save it as 8-bit RGB or greyscale"
        )
    if image.mode in _TRANSPARENT_MODES or "transparency" in image.info:
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
    if image.mode == mode:
        return image
    try:
        return image.convert(mode)
    except (ValueError, OSError):
        raise ImageError(f"{what}: images of mode {image.mode!r} cannot be converted to {mode}; save it as 8-bit RGB or greyscale") from None


def load_image(
    source: ImageLike,
    mode: str | None = "RGB",
    max_pixels: int = MAX_PIXELS,
    what: str | None = None,
) -> Image.Image:
    """Reads ``source`` (a path, encoded bytes or a PIL image) as an upright, fully decoded PIL image in ``mode``.

    Args:
        source: an image file path, the bytes of an image file, or a PIL image (its EXIF orientation
            is applied too).
        mode: ``"RGB"`` (default) or ``"L"``, converted as the module docstring says, or ``None`` to
            keep the stored mode (label maps).
        max_pixels: the largest width × height accepted; checked before decoding.
        what: how messages name the input (default: its path, or "the image").

    Raises:
        ImageError: the input is missing, not an image, truncated, too large or of an unusable mode.
    """
    name = _describe(source, what)
    if isinstance(source, Image.Image):
        check_pixels(source.width, source.height, name, max_pixels)
        image = source
    elif isinstance(source, (str, os.PathLike, bytes, bytearray)):
        image = _decode(source, name, max_pixels)
    else:
        raise ImageError(f"{name}: expected an image file path, the bytes of an image file or a PIL image, got {type(source).__name__}")
    image = upright(image)
    check_pixels(image.width, image.height, name, max_pixels)
    return image if mode is None else convert(image, mode, name)


def pil_to_tensor(image: Image.Image) -> Tensor:
    """A PIL image as an RGB float tensor ``(3, H, W)`` in [0, 1] (converted by :func:`convert`'s rules)."""
    return TF.to_dtype(TF.pil_to_tensor(convert(image, "RGB")), torch.float32, scale=True)


def tensor_to_pil(tensor: Tensor) -> Image.Image:
    """A ``(3, H, W)`` or ``(1, 3, H, W)`` float tensor in [0, 1] (clamped) or uint8 tensor as an RGB PIL image."""
    if tensor.dim() == 4 and tensor.shape[0] == 1:
        tensor = tensor[0]
    if tensor.dim() != 3 or tensor.shape[0] not in (1, 3):
        raise ImageError(f"expected an image tensor of shape (3, H, W), got {tuple(tensor.shape)}")
    if tensor.dtype != torch.uint8:
        tensor = tensor.detach().float().clamp(0, 1).mul(255).round().to(torch.uint8)
    return TF.to_pil_image(tensor.expand(3, -1, -1).cpu()).convert("RGB")


def save_image(image: Image.Image | Tensor, path: str | os.PathLike, overwrite: bool = True) -> Path:
    """Saves an image (PIL or tensor) to ``path`` atomically; the format follows the extension.

    ``overwrite=False`` creates the file exclusively (:func:`stylesynth.io.atomic.atomic_output`).
    """
    target = Path(path)
    if target.suffix.lower() not in IMAGE_EXTENSIONS:
        raise ImageError(f"cannot save {target}: the extension must be one of {', '.join(IMAGE_EXTENSIONS)}")
    with atomic_output(target, overwrite=overwrite) as temporary:
        write_image(image, temporary, target.suffix)
    return target


def write_image(image: Image.Image | Tensor, path: str | os.PathLike, suffix: str | None = None) -> None:
    """Writes ``image`` to ``path`` (not atomically) in the format of ``suffix`` (default: the path's extension)."""
    extension = (suffix or Path(path).suffix).lower()
    if extension not in IMAGE_EXTENSIONS:
        raise ImageError(f"cannot save {path}: the extension must be one of {', '.join(IMAGE_EXTENSIONS)}")
    pil = image if isinstance(image, Image.Image) else tensor_to_pil(image)
    pil.save(path, format=Image.registered_extensions()[extension])
