r"""Flicker of a stylized video, without optical flow; style and structure per frame are :mod:`stylesynth.metrics`'s."""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["FlickerMeter", "flicker"]


def flicker(content: Tensor, stylized: Tensor) -> float:
    r"""The mean absolute difference between consecutive stylized-frame and content-frame differences.

    .. math:: E = \frac{1}{T - 1}\sum_{t=1}^{T-1} \operatorname{mean}\,\bigl|(O_{t+1} - O_t) - (I_{t+1} - I_t)\bigr|

    for content frames :math:`I_t` and stylized frames :math:`O_t`, ``(T, 3, H, W)`` in [0, 1], same
    size (the frame-difference measure of Wang et al. 2021, arXiv 2102.05822, without optical flow).
    0 when the stylized clip changes exactly as the content does; pixel units of [0, 1].
    """
    if content.shape != stylized.shape or content.dim() != 4 or content.shape[0] < 2:
        raise ValueError(f"flicker: expected two (T, 3, H, W) clips of the same shape with T >= 2, got {tuple(content.shape)} and {tuple(stylized.shape)}")
    content, stylized = content.double(), stylized.double()
    return float(((stylized[1:] - stylized[:-1]) - (content[1:] - content[:-1])).abs().mean())


class FlickerMeter:
    """:func:`flicker` over a clip fed in consecutive batches (only the last frame pair is kept between batches)."""

    def __init__(self) -> None:
        self._last: tuple[Tensor, Tensor] | None = None
        self._total = 0.0
        self._pairs = 0

    def update(self, content: Tensor, stylized: Tensor) -> None:
        """Adds the next ``(N, 3, H, W)`` frames of the content and of the stylized clip."""
        if self._last is not None:
            content = torch.cat([self._last[0], content])
            stylized = torch.cat([self._last[1], stylized])
        if content.shape[0] >= 2:
            self._total += flicker(content, stylized) * (content.shape[0] - 1)
            self._pairs += content.shape[0] - 1
        self._last = (content[-1:], stylized[-1:])

    @property
    def value(self) -> float:
        """The clip's flicker so far (needs at least two frames)."""
        if not self._pairs:
            raise ValueError("flicker needs at least two frames")
        return self._total / self._pairs
