r"""Measures of stylized video: flicker (flow-free) and style strength (the style-statistics gap closed).

Both take float frames in [0, 1]; benches and tests use these definitions and no others.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ..nets import VGGEncoder
from ..norm.functional import channel_stats

__all__ = ["FlickerMeter", "flicker", "style_distance", "style_strength"]


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


def _feature_stats(encoder: VGGEncoder, images: Tensor) -> list[tuple[Tensor, Tensor]]:
    return [channel_stats(features) for features in encoder(images)]


def style_distance(images: Tensor, style: Tensor, encoder: VGGEncoder) -> Tensor:
    r"""Per image, the distance of its VGG feature statistics from the style's.

    .. math:: D(x, s) = \frac{1}{L}\sum_{l} \Bigl(\operatorname{mean}_c (\mu_l(x) - \mu_l(s))^2 + \operatorname{mean}_c (\sigma_l(x) - \sigma_l(s))^2\Bigr)

    over the encoder's style layers :math:`l` (relu1_1 .. relu4_1), channel means and standard
    deviations over positions (biased variance). ``images``: ``(N, 3, H, W)``; ``style``: ``(1, 3, H', W')``.
    """
    with torch.inference_mode():
        image_stats = _feature_stats(encoder, images)
        style_stats = _feature_stats(encoder, style)
    terms = [
        (mean - style_mean).pow(2).flatten(1).mean(1) + (std - style_std).pow(2).flatten(1).mean(1)
        for (mean, std), (style_mean, style_std) in zip(image_stats, style_stats, strict=True)
    ]
    return torch.stack(terms).mean(0)


def style_strength(output: Tensor, content: Tensor, style: Tensor, encoder: VGGEncoder) -> Tensor:
    r"""Per frame, the share of the style-statistics gap the output closes: :math:`1 - D(o, s) / D(c, s)`.

    1: the output has the style's feature statistics; 0: no closer than the content. ``output`` and
    ``content``: ``(N, 3, H, W)`` in [0, 1]; ``style``: ``(1, 3, H', W')``. See :func:`style_distance`.
    """
    return 1.0 - style_distance(output, style, encoder) / style_distance(content, style, encoder)
