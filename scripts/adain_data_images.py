"""Picture helpers for make_adain_training_data.py: sizing, flattening transparency, tiling."""

from __future__ import annotations

from PIL import Image


def shorter_side(image: Image.Image, side: int) -> Image.Image:
    """``image`` resized so that its shorter side is ``side`` (never enlarged)."""
    scale = side / min(image.size)
    if scale >= 1:
        return image
    return image.resize((round(image.width * scale), round(image.height * scale)), Image.LANCZOS)


def fit_shorter_side(image: Image.Image, low: int, high: int) -> Image.Image:
    """``image`` scaled so that its shorter side is within ``low``..``high`` (enlarged only when below ``low``)."""
    if not 0 < low <= high:
        raise ValueError(f"shorter-side range {low}..{high}: needs 0 < low <= high")
    side = min(image.size)
    target = high if side > high else low if side < low else side
    if target == side:
        return image
    scale = target / side
    width, height = round(image.width * scale), round(image.height * scale)
    if image.width <= image.height:
        width = target
    else:
        height = target
    return image.resize((width, height), Image.LANCZOS if scale < 1 else Image.BICUBIC)


def flatten(image: Image.Image, background: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """``image`` as RGB, its transparent parts laid on ``background`` (palette and grey modes too)."""
    if image.mode in ("P", "PA") and "transparency" in image.info or image.mode in ("LA", "PA"):
        image = image.convert("RGBA")
    if image.mode == "RGBA":
        canvas = Image.new("RGB", image.size, background)
        canvas.paste(image, mask=image.getchannel("A"))
        return canvas
    return image.convert("RGB")


def tiled(tile: Image.Image, scale: float, side: int = 512) -> Image.Image:
    """``tile`` scaled by ``scale`` and repeated to fill a ``side`` x ``side`` picture."""
    if scale != 1:
        tile = tile.resize((max(1, round(tile.width * scale)), max(1, round(tile.height * scale))), Image.BICUBIC)
    picture = Image.new("RGB", (side, side))
    for top in range(0, side, tile.height):
        for left in range(0, side, tile.width):
            picture.paste(tile, (left, top))
    return picture
