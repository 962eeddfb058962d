"""A model's built-in styles shown on one photo: the thumbnails of the app's preset gallery and the CLI's contact sheet."""

from __future__ import annotations

import math

from PIL import Image, ImageDraw, ImageFont

from .image_batches import ImageInput
from .stylizer import Stylizer

__all__ = ["preset_images", "preset_sheet"]


def preset_images(stylizer: Stylizer, content: ImageInput, size: int = 192) -> list[Image.Image]:
    """``content`` rendered in each of the model's presets, in index order, at ``size`` (shorter side).

    A model without presets (:attr:`Stylizer.num_presets` 0) is a ``ValueError`` that says which models have them.
    """
    if not stylizer.num_presets:
        raise ValueError(f"this {stylizer.kind!r} model has no presets (it takes style images); presets come with the magenta-26 model")
    images = []
    for index in range(stylizer.num_presets):
        image = stylizer.stylize(content, index, size=size)
        assert isinstance(image, Image.Image)
        images.append(image)
    return images


def preset_sheet(stylizer: Stylizer, content: ImageInput, size: int = 192, columns: int | None = None) -> Image.Image:
    """A contact sheet: every preset rendered on ``content`` (shorter side ``size``), each labelled with its index.

    ``columns`` defaults to a near-square grid. Images pass through :meth:`Stylizer.stylize`, so
    every check of the content applies.
    """
    tiles = preset_images(stylizer, content, size)
    count = len(tiles)
    if columns is not None and (isinstance(columns, bool) or not isinstance(columns, int) or columns < 1):
        raise ValueError(f"columns must be a positive whole number, got {columns!r}")
    columns = min(columns or math.ceil(math.sqrt(count)), count)
    rows = math.ceil(count / columns)
    width, height = tiles[0].size
    gap, label = 4, max(14, size // 10)
    sheet = Image.new("RGB", (columns * (width + gap) + gap, rows * (height + label + gap) + gap), "white")
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=label - 2)
    for index, tile in enumerate(tiles):
        x = gap + (index % columns) * (width + gap)
        y = gap + (index // columns) * (height + label + gap)
        draw.text((x + 2, y), f"preset {index}", fill="black", font=font)
        sheet.paste(tile, (x, y + label))
    return sheet
