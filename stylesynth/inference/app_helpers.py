"""The web app's work that needs no UI: finding checkpoints, checking uploads, turning painted canvases
into style masks and label maps.

``app.py`` wires these to Gradio; they import no Gradio, so they are tested (and usable) without it.
A canvas arrives as a background image plus RGBA paint layers; a pixel counts as painted when it is
at least half opaque, so the brush's soft edge never mixes two colours, and it takes the nearest of
the allowed colours (the brush can only paint those).
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import torch
from PIL import Image, ImageOps, UnidentifiedImageError
from torch import Tensor

from ..data.segmentation import ClassList, label_map_from_image
from ..io import ImageError
from .device import resolve_device

#: Largest image the app accepts, in pixels (width × height); checked from the header, before decoding.
MAX_INPUT_PIXELS = 4096 * 4096
#: Formats named in messages about files that are not images.
ACCEPTED_FORMATS = "PNG, JPEG, WebP, BMP, GIF or TIFF"
#: A paint-layer pixel counts as painted from this alpha on.
STROKE_ALPHA = 128
#: Checkpoint kinds the app offers.
KINDS = ("adain", "spade")


def default_device() -> str:
    """``"cuda"`` when a GPU is available, else ``"cpu"``: where the models run by default."""
    return resolve_device().type


def read_checkpoint_config(folder: str | os.PathLike) -> dict[str, Any] | None:
    """``folder/config.json`` as a dict when ``folder`` is a checkpoint (config with a ``kind`` and weights), else None."""
    root = Path(folder)
    if not (root / "model.safetensors").is_file():
        return None
    try:
        config = json.loads((root / "config.json").read_text())
    except (OSError, ValueError):
        return None
    return config if isinstance(config, dict) and "kind" in config else None


def discover_checkpoints(root: str | os.PathLike) -> dict[str, dict[str, Path]]:
    """Checkpoint folders directly under ``root``, by kind: ``{"adain": {name: path}, "spade": {...}}``, sorted by name."""
    found: dict[str, dict[str, Path]] = {kind: {} for kind in KINDS}
    base = Path(root)
    if base.is_dir():
        for folder in sorted(path for path in base.iterdir() if path.is_dir()):
            config = read_checkpoint_config(folder)
            if config is not None and config["kind"] in found:
                found[config["kind"]][folder.name] = folder
    return found


def classes_from_config(config: dict[str, Any], source: str = "checkpoint") -> ClassList:
    """The class names and colours a SPADE checkpoint's config lists (``class_names``, ``palette``)."""
    names = config.get("class_names")
    if not names:
        raise ValueError(f"{source}: the config lists no class_names; a SPADE checkpoint needs them to paint a scene")
    return ClassList.from_names(names, config.get("palette"))


def check_image_source(source: str | os.PathLike | bytes, what: str, max_pixels: int = MAX_INPUT_PIXELS) -> tuple[int, int]:
    """``(width, height)`` of an image file or encoded bytes, read from its header only.

    Raises :class:`~stylesynth.io.ImageError` naming ``what`` when it is not an image, or when it
    has more than ``max_pixels`` pixels (so an oversized upload is refused before it is decoded).
    """
    try:
        handle = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else open(source, "rb")
    except OSError:
        raise ImageError(f"{what}: the file could not be read; upload it again") from None
    with handle:
        try:
            with Image.open(handle) as image:
                width, height = image.size
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError, ValueError):
            raise ImageError(f"{what} is not an image file; accepted formats are {ACCEPTED_FORMATS}") from None
    if width * height > max_pixels:
        side = int(max_pixels**0.5)
        raise ImageError(
            f"{what} is {width}×{height} = {width * height:,} pixels, more than the limit of {max_pixels:,} pixels "
            f"(e.g. {side}×{side}); scale it down and try again"
        )
    if width < 1 or height < 1:
        raise ImageError(f"{what} has no pixels ({width}×{height})")
    return width, height


def open_image(path: str | os.PathLike, what: str) -> Image.Image:
    """An image file as RGB, upright by its EXIF orientation (as browsers show it), transparency on white.

    Meant for files :func:`check_image_source` has passed; a file that still cannot be decoded is an
    :class:`~stylesynth.io.ImageError` naming ``what``.
    """
    try:
        with Image.open(path) as image:
            image.load()
            return flatten(ImageOps.exif_transpose(image))
    except (OSError, UnidentifiedImageError, ValueError, SyntaxError):
        raise ImageError(f"{what} could not be decoded; accepted formats are {ACCEPTED_FORMATS}") from None


def blank_layer(path: str | os.PathLike) -> Image.Image:
    """A fully transparent RGBA layer of the size of the image at ``path``: a canvas layer to paint on."""
    with Image.open(path) as image:
        return Image.new("RGBA", image.size, (0, 0, 0, 0))


def flatten(image: Image.Image) -> Image.Image:
    """An RGB version of ``image``, transparent areas composited onto white."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("RGB")
    return image.convert("RGB")


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

    Without a background, unpainted pixels are class 0. A background with colours that are not
    classes is a ``ValueError`` listing the class colours.
    """
    strokes = [layer for layer in layers if layer is not None]
    if background is not None:
        size = background.size
        try:
            labels = label_map_from_image(flatten(background), classes, name=what).clone()
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
