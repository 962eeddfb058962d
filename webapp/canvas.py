"""Painted canvases as the library's inputs: style masks for :meth:`Stylizer.stylize` and label maps
for :meth:`Synthesizer.synthesize`.

A canvas arrives as a background image plus RGBA paint layers; a pixel counts as painted when it is
at least half opaque, so the brush's soft edge never mixes two colours, and it takes the nearest of
the allowed colours (the brush can only paint those).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import torch
from PIL import Image
from torch import Tensor

from stylesynth.data.segmentation import ClassList, label_map_from_image
from stylesynth.io import load_image

#: A paint-layer pixel counts as painted from this alpha on.
STROKE_ALPHA = 128


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    """``"#rrggbb"`` as an ``(r, g, b)`` tuple."""
    text = colour.lstrip("#")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def _rgba(image: Image.Image, size: tuple[int, int]) -> Tensor:
    """``image`` as a uint8 ``(H, W, 4)`` tensor of ``size`` (width, height), scaled with nearest sampling if needed."""
    rgba = image.convert("RGBA")
    if rgba.size != size:
        rgba = rgba.resize(size, Image.Resampling.NEAREST)
    return torch.frombuffer(bytearray(rgba.tobytes()), dtype=torch.uint8).reshape(size[1], size[0], 4)


def stroke_indices(layers: Iterable[Image.Image | None], size: tuple[int, int], colours: Sequence[Sequence[int]]) -> Tensor:
    """Paint layers -> int64 ``(H, W)``: the index of the nearest of ``colours`` where painted, -1 elsewhere.

    Later layers paint over earlier ones; layers of another size than ``size`` (width, height) are
    scaled to it.
    """
    width, height = size
    indices = torch.full((height, width), -1, dtype=torch.long)
    palette = torch.tensor([list(colour)[:3] for colour in colours], dtype=torch.long)
    for layer in layers:
        if layer is None:
            continue
        pixels = _rgba(layer, size).long()
        painted = pixels[..., 3] >= STROKE_ALPHA
        if bool(painted.any()):
            distances = ((pixels[painted][:, None, :3] - palette[None]) ** 2).sum(-1)
            indices[painted] = distances.argmin(1)
    return indices


def style_masks(
    layers: Iterable[Image.Image | None],
    size: tuple[int, int],
    style_count: int,
    colours: Sequence[Sequence[int]],
    colour_names: Sequence[str],
) -> list[Image.Image] | None:
    """The masks for :meth:`Stylizer.stylize` from a mask painted on the content, or None if nothing is painted.

    With one style, the style goes where painted (in any colour) and the rest keeps the content.
    With two or more, colour ``k`` of ``colours`` paints style ``k`` and unpainted pixels take the
    first style; painting with the colour of a style that is not given is a ``ValueError`` naming
    the colour. Returns one greyscale mask of ``size`` per style.
    """
    indices = stroke_indices(layers, size, colours)
    painted = indices >= 0
    if not bool(painted.any()):
        return None
    if style_count == 1:
        return [_mask_image(painted)]
    unknown = [int(value) for value in torch.unique(indices[painted]) if int(value) >= style_count]
    if unknown:
        named = ", ".join(f"{colour_names[value]} (style {value + 1})" for value in unknown)
        raise ValueError(
            f"The mask is painted in {named}, but {style_count} style images are given; add a style image "
            f"for each colour you paint with, or erase those strokes"
        )
    selections = [(indices == 0) | ~painted] + [indices == index for index in range(1, style_count)]
    return [_mask_image(selection) for selection in selections]


def _mask_image(selection: Tensor) -> Image.Image:
    """A bool ``(H, W)`` tensor as a greyscale PIL mask (255 where set)."""
    data = (selection.to(torch.uint8) * 255).contiguous().numpy().tobytes()
    return Image.frombytes("L", (selection.shape[1], selection.shape[0]), data)


def canvas_labels(
    background: Image.Image | None,
    layers: Iterable[Image.Image | None],
    classes: ClassList,
    what: str = "The label map",
) -> Tensor:
    """A painted scene canvas -> class ids int64 ``(H, W)``: the background (a colour-coded label map) with the strokes on top.

    The background goes through the library's image path (upright by EXIF, transparency on white).
    Without a background, unpainted pixels are class 0. A background with colours that are not
    classes is a ``ValueError`` listing the class colours.
    """
    strokes = [layer for layer in layers if layer is not None]
    if background is not None:
        flat = load_image(background, what=what)
        size = flat.size
        try:
            labels = label_map_from_image(flat, classes, name=what).clone()
        except ValueError as error:
            accepted = ", ".join(f"{name} #{r:02x}{g:02x}{b:02x}" for name, (r, g, b) in zip(classes.names, classes.colours))
            raise ValueError(f"{error}. The class colours are: {accepted}") from None
    elif strokes:
        size = strokes[0].size
        labels = torch.zeros(size[1], size[0], dtype=torch.long)
    else:
        raise ValueError(f"{what} is empty: paint on the canvas with the class colours, upload a label map, or click an example")
    painted = stroke_indices(strokes, size, classes.colours)
    if background is None and not bool((painted >= 0).any()):
        raise ValueError(f"{what} is empty: paint on the canvas with the class colours, upload a label map, or click an example")
    return torch.where(painted >= 0, painted, labels)
