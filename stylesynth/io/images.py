"""Images in and out: PIL, files and tensors, with errors that say what was wrong."""

from __future__ import annotations

import os
from pathlib import Path

import torch
from PIL import Image, UnidentifiedImageError
from torch import Tensor
from torchvision.transforms.v2 import functional as TF

from .atomic import atomic_output

ImageLike = str | os.PathLike | Image.Image | Tensor

#: Extensions written by :func:`save_image` and found when a folder is given.
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff")

#: Largest image accepted by :func:`load_image` (width × height), to refuse decompression bombs.
MAX_PIXELS = 8192 * 8192


class ImageError(ValueError):
    """An input that is not a usable image (missing, unreadable, wrong shape or dtype)."""


def load_image(source: ImageLike, mode: str = "RGB", max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Opens ``source`` (a path or a PIL image) as a PIL image in ``mode``, fully decoded."""
    if isinstance(source, Image.Image):
        image = source
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise ImageError(f"image file not found: {path}")
        if path.is_dir():
            raise ImageError(f"expected an image file, got a folder: {path}")
        try:
            with Image.open(path) as opened:
                if opened.width * opened.height > max_pixels:
                    raise ImageError(
                        f"{path}: image of {opened.width}x{opened.height} pixels is larger than the limit of {max_pixels} pixels"
                    )
                opened.load()
                image = opened.copy()
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
            raise ImageError(
                f"{path}: not a readable image ({error}); accepted formats include PNG, JPEG, BMP, WebP and TIFF"
            ) from None
    else:
        raise ImageError(f"expected an image path or a PIL image, got {type(source).__name__}")
    if image.width * image.height > max_pixels:
        raise ImageError(f"image of {image.width}x{image.height} pixels is larger than the limit of {max_pixels} pixels")
    if image.width < 1 or image.height < 1:
        raise ImageError(f"image has no pixels ({image.width}x{image.height})")
    return image.convert(mode) if image.mode != mode else image


def pil_to_tensor(image: Image.Image) -> Tensor:
    """An RGB PIL image as a float tensor ``(3, H, W)`` in [0, 1]."""
    return TF.to_dtype(TF.pil_to_tensor(image.convert("RGB")), torch.float32, scale=True)


def tensor_to_pil(tensor: Tensor) -> Image.Image:
    """A ``(3, H, W)`` or ``(1, 3, H, W)`` float tensor in [0, 1] (clamped) or uint8 tensor as an RGB PIL image."""
    if tensor.dim() == 4 and tensor.shape[0] == 1:
        tensor = tensor[0]
    if tensor.dim() != 3 or tensor.shape[0] not in (1, 3):
        raise ImageError(f"expected an image tensor of shape (3, H, W), got {tuple(tensor.shape)}")
    if tensor.dtype != torch.uint8:
        tensor = tensor.detach().float().clamp(0, 1).mul(255).round().to(torch.uint8)
    return TF.to_pil_image(tensor.expand(3, -1, -1).cpu()).convert("RGB")


def save_image(image: Image.Image | Tensor, path: str | os.PathLike) -> Path:
    """Saves an image (PIL or tensor) to ``path`` atomically; the format follows the extension."""
    target = Path(path)
    if target.suffix.lower() not in IMAGE_EXTENSIONS:
        raise ImageError(f"cannot save {target}: the extension must be one of {', '.join(IMAGE_EXTENSIONS)}")
    pil = image if isinstance(image, Image.Image) else tensor_to_pil(image)
    image_format = Image.registered_extensions()[target.suffix.lower()]
    with atomic_output(target) as temporary:
        pil.save(temporary, format=image_format)
    return target
