"""The one table of image formats: what is read, what is written, and what a folder search finds.

Every list the library, the CLI and the app use (Pillow's decoders, the extensions a folder search
picks up, the output suffixes accepted, the formats messages name) is derived from
:data:`IMAGE_FORMATS`, so a format is accepted everywhere or nowhere. AVIF is in the table where the
installed Pillow reads and writes it (``PIL.features.check("avif")``, Pillow 11.2 and later).
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import features


@dataclass(frozen=True)
class ImageFormat:
    """One image format: Pillow's name for it, the name messages use, and its file name suffixes."""

    pillow: str
    name: str
    extensions: tuple[str, ...]


def _table() -> tuple[ImageFormat, ...]:
    formats = [
        ImageFormat("PNG", "PNG", (".png",)),
        ImageFormat("JPEG", "JPEG", (".jpg", ".jpeg")),  # Pillow's JPEG decoder also opens MPO, the multi-picture JPEG many phones write
        ImageFormat("WEBP", "WebP", (".webp",)),
        ImageFormat("BMP", "BMP", (".bmp",)),
        ImageFormat("GIF", "GIF", (".gif",)),
        ImageFormat("TIFF", "TIFF", (".tif", ".tiff")),
    ]
    if features.check("avif"):
        formats.append(ImageFormat("AVIF", "AVIF", (".avif",)))
    return tuple(formats)


#: Every image format read (first frame of animated ones) and written.
IMAGE_FORMATS: tuple[ImageFormat, ...] = _table()
#: Pillow decoders :func:`stylesynth.io.load_image` uses.
FORMATS: tuple[str, ...] = tuple(entry.pillow for entry in IMAGE_FORMATS)
#: Extensions read, written, and found when a folder is given.
IMAGE_EXTENSIONS: tuple[str, ...] = tuple(extension for entry in IMAGE_FORMATS for extension in entry.extensions)
#: The formats, as messages name them ("PNG, JPEG, ... or TIFF").
ACCEPTED_FORMATS: str = ", ".join(entry.name for entry in IMAGE_FORMATS[:-1]) + f" or {IMAGE_FORMATS[-1].name}"
