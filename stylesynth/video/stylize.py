"""Stylizing video: the style encoded once, frames stylized in batches, optionally temporally stable."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch
from torch import Tensor
from torchvision.transforms.v2 import functional as TF

from ..inference.image_batches import ImageInput, check_min_size, resize_shorter_side
from ..validation import check_alpha, check_resize, check_side
from .io import Progress, VideoInfo, transcode
from .temporal import TemporalBlend

if TYPE_CHECKING:  # only for annotations: the Stylizer imports this module when it stylizes a video
    from ..inference.stylizer import StyleInput, Stylizer

__all__ = ["VideoStylizer", "stylize_video"]


class VideoStylizer:
    """Stylizes consecutive frames of one clip or one webcam session with fixed settings.

    The styles are checked and resized once (image codes are cached by the :class:`Stylizer`);
    each call then renders a batch of frames. With ``stable``, the output is carried over from the
    previous frames where the content did not change (:mod:`stylesynth.video.temporal`), so call it
    with the frames in order. Works with every style model the :class:`Stylizer` loads.

    Args:
        stylizer: the loaded model.
        style, alpha, weights, preserve_color, style_size: as :meth:`Stylizer.stylize` (style
            images, or preset indices for a model with presets; one image per style).
        mask: one static mask (or one per style) of the frames' size, as :meth:`Stylizer.stylize`.
        size: the frames' shorter side is resized to this first (the output has that size).
        stable: ``True`` for the default :class:`TemporalBlend`, a configured instance, or
            ``False`` for plain per-frame stylization.
    """

    def __init__(
        self,
        stylizer: Stylizer,
        style: StyleInput | Sequence[StyleInput],
        alpha: float = 1.0,
        weights: Sequence[float] | None = None,
        preserve_color: bool = False,
        mask: ImageInput | Sequence[ImageInput] | None = None,
        size: int | None = None,
        style_size: int | None = None,
        stable: bool | TemporalBlend = True,
    ) -> None:
        self.stylizer = stylizer
        self.alpha = check_alpha(alpha)
        self.size = check_side("size", size)
        self.styles = stylizer.check_styles(style, weights, style_size)
        self.preserve_color = bool(preserve_color)
        self.mask = mask
        self._masks: Tensor | None = None
        self._frame_size: tuple[int, int] | None = None
        if isinstance(stable, TemporalBlend):
            self.temporal: TemporalBlend | None = stable
        elif isinstance(stable, bool):
            self.temporal = TemporalBlend() if stable else None
        else:
            raise TypeError(f"stable must be True, False or a TemporalBlend, got {type(stable).__name__}")

    def _prepare(self, frames: Tensor) -> Tensor:
        """Frames as float in [0, 1] at the working size; the mask is checked against the first frames' size."""
        size = tuple(frames.shape[-2:])
        if self._frame_size is None:
            check_resize("size", self.size, *size, "the video frames")
        frames = TF.to_dtype(frames, torch.float32, scale=True) if frames.dtype == torch.uint8 else frames.float()
        frames = resize_shorter_side(frames, self.size)
        if self._frame_size is None:
            check_min_size(frames, "video frames", self.stylizer.model.min_size)
            self._frame_size = size
            self._masks = self.stylizer.prepare_masks(self.mask, self.styles, 1, size, tuple(frames.shape[-2:]))
        elif size != self._frame_size:
            raise ValueError(f"video frames changed size from {self._frame_size[1]}x{self._frame_size[0]} to {size[1]}x{size[0]}")
        return frames

    def __call__(self, frames: Tensor) -> Tensor:
        """``(N, 3, H, W)`` consecutive frames (uint8, or float in [0, 1]) -> stylized float ``(N, 3, H', W')`` in [0, 1] on the CPU."""
        frames = self._prepare(frames)
        with self.stylizer.forward():
            output = self.stylizer.render_batch(frames, self.styles, self.alpha, self.preserve_color, self._masks)
        output = output.float().clamp(0, 1).cpu()
        return output if self.temporal is None else self.temporal(frames, output)


def stylize_video(
    stylizer: Stylizer,
    source: str | os.PathLike,
    style: StyleInput | Sequence[StyleInput],
    output: str | os.PathLike,
    alpha: float = 1.0,
    weights: Sequence[float] | None = None,
    preserve_color: bool = False,
    mask: ImageInput | Sequence[ImageInput] | None = None,
    size: int | None = None,
    style_size: int | None = None,
    stable: bool | TemporalBlend = True,
    batch_size: int | None = None,
    progress: Progress | None = None,
    suffix: str | None = None,
) -> VideoInfo:
    """Stylizes the video file ``source`` into ``output``; see :meth:`Stylizer.stylize_video` (``suffix``: :func:`transcode`'s)."""
    frames = VideoStylizer(stylizer, style, alpha, weights, preserve_color, mask, size, style_size, stable)
    return transcode(source, output, frames, batch_size or stylizer.batch_size, progress, suffix)
