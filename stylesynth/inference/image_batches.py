"""Turning the image types users pass (PIL, paths, uint8/float tensors, batches) into one float batch, and back."""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
from PIL import Image
from torch import Tensor
from torchvision.transforms.v2 import functional as TF

from ..io import ImageError, load_image, pil_to_tensor, tensor_to_pil
from ..validation import check_image_tensor, check_mask_tensor

ImageInput = Image.Image | Tensor | str | os.PathLike

ACCEPTED = (
    "a PIL image, an image file path, a (3, H, W) or (N, 3, H, W) tensor "
    "(uint8 in [0, 255] or float in [0, 1])"
)


@dataclass(frozen=True)
class InputKind:
    """How an input came in, so the output goes back the same way."""

    pil: bool
    batched: bool
    dtype: torch.dtype
    device: torch.device


def to_batch(image: ImageInput, what: str) -> tuple[Tensor, InputKind]:
    """``image`` as a float32 ``(N, 3, H, W)`` tensor in [0, 1] on the CPU or its own device, and how it came."""
    if isinstance(image, (str, os.PathLike, Image.Image)):
        tensor = pil_to_tensor(load_image(image, what=what if isinstance(image, Image.Image) else f"{what}: {image}"))
        return tensor.unsqueeze(0), InputKind(pil=True, batched=False, dtype=torch.float32, device=torch.device("cpu"))
    if not isinstance(image, Tensor):
        raise TypeError(f"{what}: expected {ACCEPTED}, got {type(image).__name__}")
    if image.dim() not in (3, 4) or image.shape[-3] != 3:
        raise ImageError(f"{what}: expected a tensor of shape (3, H, W) or (N, 3, H, W), got {tuple(image.shape)}")
    tensor = check_image_tensor(image, what)
    kind = InputKind(pil=False, batched=image.dim() == 4, dtype=image.dtype, device=image.device)
    return (tensor if kind.batched else tensor.unsqueeze(0)), kind


def from_batch(batch: Tensor, kind: InputKind) -> Image.Image | Tensor:
    """The inverse of :func:`to_batch` for an output batch in [0, 1] (clamped)."""
    batch = batch.clamp(0, 1)
    if kind.pil:
        return tensor_to_pil(batch[0])
    if kind.dtype == torch.uint8:
        out = batch.mul(255).round().to(torch.uint8)
    else:
        out = batch.to(kind.dtype)
    out = out.to(kind.device)
    return out if kind.batched else out[0]


def check_min_size(batch: Tensor, what: str, minimum: int = 16) -> None:
    """VGG pools 3 times before relu4_1: smaller images leave too few positions for statistics."""
    height, width = batch.shape[-2:]
    if min(height, width) < minimum:
        raise ImageError(f"{what}: image of {width}x{height} pixels is too small; each side must be at least {minimum} pixels")


def resize_shorter_side(batch: Tensor, size: int | None) -> Tensor:
    """Resizes so the shorter side is ``size`` (bilinear, antialiased); ``None`` keeps the size."""
    if size is None:
        return batch
    return TF.resize(batch, [size], antialias=True)


def mask_batch(mask: ImageInput, what: str) -> Tensor:
    """A mask (PIL "L"/"1" image, path, or (H, W) / (N, H, W) / (N, 1, H, W) tensor, bool, uint8 or float) as float ``(N, 1, H, W)`` in [0, 1]."""
    if isinstance(mask, (str, os.PathLike, Image.Image)):
        grey = load_image(mask, mode="L", what=what if isinstance(mask, Image.Image) else f"{what}: {mask}")
        return TF.to_dtype(TF.pil_to_tensor(grey), torch.float32, scale=True).unsqueeze(0)
    if not isinstance(mask, Tensor):
        raise TypeError(f"{what}: expected a PIL image, a file path or a tensor of shape (H, W), got {type(mask).__name__}")
    if mask.dim() == 2:
        mask = mask[None, None]
    elif mask.dim() == 3:
        mask = mask[:, None]
    elif not (mask.dim() == 4 and mask.shape[1] == 1):
        raise ImageError(f"{what}: expected a mask tensor of shape (H, W), (N, H, W) or (N, 1, H, W), got {tuple(mask.shape)}")
    return check_mask_tensor(mask, what)
