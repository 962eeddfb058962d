"""The checks of the public API's arguments, in one place: :class:`Stylizer`, :class:`Synthesizer`, the
command line and the web app call these and only format their messages.

Errors the library raises for bad input, and only these (each message says what was wrong and what
is accepted):

- ``ValueError``: a value out of range or inconsistent with another; its subclasses
  :class:`~stylesynth.io.ImageError` (an image, mask or label map that is missing, unreadable,
  truncated, too large, or of the wrong shape, dtype or value range) and
  :class:`~stylesynth.io.CheckpointError` (a checkpoint that is missing, unreadable or does not fit);
- ``TypeError``: an argument of the wrong type.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection, Sequence
from typing import Any

import torch
from torch import Tensor

from .io.images import FLOAT_TOLERANCE, MAX_PIXELS, ImageError, check_pixels

#: Seeds are whole numbers in ``0 … MAX_SEED`` (what ``torch.Generator.manual_seed`` takes as a signed 64-bit value).
MAX_SEED = 2**63 - 1
#: Smallest side (pixels) of an image AdaIN takes: VGG pools 3 times before relu4_1.
MIN_SIDE = 16


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_alpha(alpha: Any, name: str = "alpha") -> float:
    """AdaIN's content/style trade-off: a number in [0, 1]. ``name``: how messages call it (``--alpha`` in the CLI)."""
    if not _is_number(alpha):
        raise TypeError(f"{name} must be a number in [0, 1], got {type(alpha).__name__}")
    if not 0.0 <= float(alpha) <= 1.0:  # also refuses NaN
        raise ValueError(f"{name} must be in [0, 1] (0: content only, 1: full style), got {alpha}")
    return float(alpha)


def style_weights(weights: Sequence[Any] | None, count: int, name: str = "weights") -> list[float]:
    """One weight per style, finite and non-negative, not all zero -> the weights scaled to sum 1 (equal when ``None``)."""
    if weights is None:
        return [1.0 / count] * count
    if isinstance(weights, (str, bytes)) or not isinstance(weights, Sequence):
        raise TypeError(f"{name} must be a list of numbers, one per style, got {type(weights).__name__}")
    values = list(weights)
    if len(values) != count:
        raise ValueError(f"{name}: got {len(values)} weight(s) for {count} style(s); give one weight per style")
    if not all(_is_number(value) and math.isfinite(value) and value >= 0 for value in values):
        raise ValueError(f"{name} must be finite non-negative numbers, got {values}")
    largest = max(float(value) for value in values)
    if largest <= 0:
        raise ValueError(f"{name} must not all be zero, got {values}; set at least one above 0")
    scaled = [float(value) / largest for value in values]  # in [0, 1]: the sum cannot overflow
    total = sum(scaled)
    return [value / total for value in scaled]


def check_mask_count(mask_count: int, style_count: int, weights_given: bool = False, names: tuple[str, str] = ("mask", "weights")) -> None:
    """Masks route styles: one per style, or one mask with two styles (the second takes the complement)."""
    mask, weights = names
    if weights_given:
        raise ValueError(f"{weights} and {mask} cannot be combined: with a mask each region takes one style")
    if mask_count != style_count and not (mask_count == 1 and style_count == 2):
        raise ValueError(
            f"{mask}: got {mask_count} mask(s) for {style_count} style(s); give one mask per style, "
            "or one mask with one style (styled inside) or with two styles (first inside, second outside)"
        )


def check_side(name: str, value: Any, minimum: int = MIN_SIDE) -> int | None:
    """A ``size``-like option (the shorter side in pixels): ``None`` or an integer of at least ``minimum``."""
    if value is None:
        return None
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{name} must be a whole number of pixels (the shorter side), got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum} pixels (the shorter side), got {value}")
    return int(value)


def resized_shape(height: int, width: int, size: int | None) -> tuple[int, int]:
    """``(height, width)`` after resizing so the shorter side is ``size`` (as torchvision's resize computes it)."""
    if size is None:
        return height, width
    short, long = (height, width) if height <= width else (width, height)
    new_long = int(size * long / short)
    return (size, new_long) if height <= width else (new_long, size)


def check_resize(name: str, size: int | None, height: int, width: int, what: str, max_pixels: int = MAX_PIXELS) -> None:
    """Refuses a ``size`` that would make an image of ``height`` × ``width`` larger than ``max_pixels``."""
    new_height, new_width = resized_shape(height, width, size)
    if new_height * new_width > max_pixels:
        largest = math.isqrt(max_pixels * min(height, width) // max(height, width))
        raise ValueError(
            f"{name}={size} would make {what} {new_width}x{new_height} = {new_width * new_height:,} pixels, more than "
            f"the limit of {max_pixels:,}; for this image {name} can be at most {largest}"
        )


def check_seeds(seed: Any, count: int, name: str = "seed") -> list[int] | None:
    """``count`` seeds from ``seed``: an integer (label map ``i`` gets ``seed + i``), a list of ``count``, or ``None``."""
    if seed is None:
        return None
    values: list[Any]
    if isinstance(seed, (list, tuple)):
        if len(seed) != count:
            raise ValueError(f"{name}: {len(seed)} seeds for {count} label maps; give one seed, or one per label map")
        values = list(seed)
    else:
        values = [seed]
    for value in values:
        if not isinstance(value, numbers.Integral) or isinstance(value, bool):
            raise TypeError(f"{name} must be a whole number from 0 to {MAX_SEED} (or a list of them), got {type(value).__name__}")
    if not isinstance(seed, (list, tuple)):
        values = [int(seed) + index for index in range(count)]
    for value in values:
        if not 0 <= int(value) <= MAX_SEED:
            raise ValueError(f"{name} must be a whole number from 0 to {MAX_SEED} (2**63 - 1); with several label maps, {name} + their count - 1 too; got {value}")
    return [int(value) for value in values]


def check_image_tensor(tensor: Tensor, what: str) -> Tensor:
    """A uint8 image tensor, or a float one with finite values in [0, 1] -> float32 in [0, 1].

    Float tensors in 0…255 (or -1…1) are refused rather than silently clipped: divide by 255 (or
    map to [0, 1]) first, or pass a uint8 tensor. An empty batch ``(0, C, H, W)``, an image without
    pixels, or one of more than :data:`~stylesynth.io.images.MAX_PIXELS` pixels is refused too.
    """
    if tensor.dim() == 4 and tensor.shape[0] == 0:
        raise ImageError(f"{what}: the tensor batch {tuple(tensor.shape)} holds no images; expected at least one image (N >= 1)")
    if tensor.dim() >= 2:
        check_pixels(tensor.shape[-1], tensor.shape[-2], f"{what}: the tensor {tuple(tensor.shape)}")
    if tensor.dtype == torch.uint8:
        return tensor.float().div_(255)
    if not tensor.is_floating_point():
        raise ImageError(f"{what}: expected a uint8 tensor or a float tensor in [0, 1], got dtype {tensor.dtype}")
    return _unit_interval(tensor, what, "tensor", "expected values in [0, 1]")


def check_mask_tensor(mask: Tensor, what: str) -> Tensor:
    """A mask tensor -> float32 in [0, 1]: bool, uint8 (0…255, scaled by 1/255) or float with finite values in [0, 1].

    Float masks in 0…255 are refused rather than clamped to a mask of ones, and NaN or infinite
    values rather than clamped to arbitrary ones: masks are in [0, 1].
    """
    if mask.dtype == torch.bool:
        return mask.float()
    if mask.dtype == torch.uint8:
        return mask.float().div_(255)
    if not mask.is_floating_point():
        raise ImageError(f"{what}: expected a bool, uint8 (0-255) or float (0-1) mask, got dtype {mask.dtype}")
    return _unit_interval(mask, what, "mask", "masks are in [0, 1] (float), 0-255 (uint8) or bool")


def _unit_interval(tensor: Tensor, what: str, noun: str, accepted: str) -> Tensor:
    """A float ``tensor`` as float32 when its values are finite and in [0, 1] (within :data:`FLOAT_TOLERANCE`, then clamped), else an ImageError."""
    values = tensor.float()
    if values.numel():
        if not bool(torch.isfinite(values).all()):
            raise ImageError(f"{what}: the float {noun} holds NaN or infinite values; {accepted}")
        low, high = float(values.min()), float(values.max())
        if low < -FLOAT_TOLERANCE or high > 1 + FLOAT_TOLERANCE:
            hint = "; it looks like 0-255 values: divide by 255 or pass a uint8 tensor" if high > 1.5 else ""
            raise ImageError(f"{what}: float {noun}s must hold values in [0, 1], got values from {low:g} to {high:g}{hint}")
        values = values.clamp(0, 1)
    return values


def check_count(name: str, value: Any, minimum: int = 1) -> int:
    """A whole number of at least ``minimum`` (a class count, a batch size, ...)."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{name} must be a whole number of at least {minimum}, got {value!r} ({type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def check_choice(name: str, value: Any, choices: Collection[str]) -> str:
    """One of ``choices`` (strings); anything else, hashable or not, is a ``ValueError`` listing them."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(sorted(choices))}, got {value!r}")
    return value


def check_eps(value: Any, name: str = "eps") -> float:
    """A normalization's epsilon: a finite number above 0 (it keeps the square root of the variance away from 0)."""
    if not _is_number(value):
        raise TypeError(f"{name} must be a number above 0, got {type(value).__name__}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number above 0 (added to the variance before the square root), got {value}")
    return float(value)
