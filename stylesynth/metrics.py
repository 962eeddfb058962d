r"""How well a stylized image takes its style and keeps its content: three numbers, one definition each.

For an output ``o`` of content ``c`` and style ``s`` (RGB in [0, 1], ``(N, 3, H, W)``), with ``phi_l``
the activations of a VGG encoder at layer ``l``:

- **style**: the share of the gap in channel statistics that the output closes,
  :math:`1 - D_{stat}(o, s) / D_{stat}(c, s)`, where
  :math:`D_{stat}(x, s) = \frac{1}{L}\sum_{l \le relu4\_1} \mathrm{mean}_c(\mu_l(x) - \mu_l(s))^2 + \mathrm{mean}_c(\sigma_l(x) - \sigma_l(s))^2`
  (the statistics AdaIN transfers; Huang & Belongie 2017, eq. 13);
- **texture**: the same with Gram matrices at relu1_1 .. relu3_1,
  :math:`D_{gram}(x, s) = \frac{1}{L}\sum_l \mathrm{mean}_{ij}(G_l(x) - G_l(s))^2`,
  :math:`G_l = \phi_l \phi_l^\top / M_l` over the ``M_l`` positions (Gatys et al. 2016's texture statistics);
- **structure**: the Pearson correlation of the Sobel gradient magnitudes of output and content,
  both in grey (ITU-R BT.601 weights), at half resolution (2x2 average), lightly blurred (3x3
  binomial), so that edges in the same places score high whatever their colours.

1 is the style's statistics (or the content's edges) exactly, 0 no closer than the content (no
correlation). Model cards report medians over held-out pairs; ``scripts/evaluate_adain.py`` computes them.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from .nets import VGGEncoder
from .norm.functional import channel_stats

__all__ = ["gram_distance", "statistics_distance", "structure", "style_strength", "texture_strength"]


def _features(encoder: VGGEncoder, images: Tensor) -> list[Tensor]:
    with torch.inference_mode():
        return [features.double() for features in encoder(images.float())]


def _statistics_distance(produced: list[Tensor], wanted: list[Tensor]) -> Tensor:
    terms = []
    for a, b in zip(produced[:4], wanted[:4], strict=True):
        (mean, std), (style_mean, style_std) = channel_stats(a), channel_stats(b)
        terms.append((mean - style_mean).pow(2).flatten(1).mean(1) + (std - style_std).pow(2).flatten(1).mean(1))
    return torch.stack(terms).mean(0)


def _gram(features: Tensor) -> Tensor:
    flat = features.flatten(2)
    return flat @ flat.transpose(1, 2) / flat.shape[-1]


def _gram_distance(produced: list[Tensor], wanted: list[Tensor]) -> Tensor:
    terms = [(_gram(a) - _gram(b)).pow(2).flatten(1).mean(1) for a, b in zip(produced[:3], wanted[:3], strict=True)]
    return torch.stack(terms).mean(0)


def statistics_distance(images: Tensor, style: Tensor, encoder: VGGEncoder) -> Tensor:
    """:math:`D_{stat}` per image of ``images`` ``(N, 3, H, W)`` against ``style`` ``(1, 3, H', W')``, over relu1_1..relu4_1."""
    return _statistics_distance(_features(encoder, images), _features(encoder, style))


def gram_distance(images: Tensor, style: Tensor, encoder: VGGEncoder) -> Tensor:
    """:math:`D_{gram}` per image of ``images`` against ``style``, over relu1_1..relu3_1."""
    return _gram_distance(_features(encoder, images), _features(encoder, style))


def style_strength(output: Tensor, content: Tensor, style: Tensor, encoder: VGGEncoder) -> Tensor:
    """Per image, :math:`1 - D_{stat}(o, s) / D_{stat}(c, s)`: the share of the style-statistics gap closed."""
    wanted = _features(encoder, style)  # encoded once for both distances
    return 1.0 - _statistics_distance(_features(encoder, output), wanted) / _statistics_distance(_features(encoder, content), wanted)


def texture_strength(output: Tensor, content: Tensor, style: Tensor, encoder: VGGEncoder) -> Tensor:
    """Per image, :math:`1 - D_{gram}(o, s) / D_{gram}(c, s)`: the share of the Gram-matrix gap closed."""
    wanted = _features(encoder, style)
    return 1.0 - _gram_distance(_features(encoder, output), wanted) / _gram_distance(_features(encoder, content), wanted)


def _edges(images: Tensor) -> Tensor:
    grey = (images.double() * images.new_tensor([0.299, 0.587, 0.114], dtype=torch.float64).view(1, 3, 1, 1)).sum(1, keepdim=True)
    grey = F.avg_pool2d(grey, 2)
    binomial = grey.new_tensor([1.0, 2.0, 1.0])
    grey = F.conv2d(F.pad(grey, (1, 1, 1, 1), mode="replicate"), (binomial[:, None] * binomial[None, :] / 16).view(1, 1, 3, 3))
    sobel = grey.new_tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
    padded = F.pad(grey, (1, 1, 1, 1), mode="replicate")
    gx, gy = F.conv2d(padded, sobel.view(1, 1, 3, 3)), F.conv2d(padded, sobel.t().contiguous().view(1, 1, 3, 3))
    return (gx.square() + gy.square()).sqrt().flatten(1)


def structure(output: Tensor, content: Tensor) -> Tensor:
    """Per image, the Pearson correlation of the Sobel gradient magnitudes of ``output`` and ``content`` (same size)."""
    if output.shape != content.shape or output.dim() != 4 or output.shape[1] != 3:
        raise ValueError(f"structure: expected two (N, 3, H, W) batches of the same shape, got {tuple(output.shape)} and {tuple(content.shape)}")
    a, b = _edges(output), _edges(content)
    a, b = a - a.mean(1, keepdim=True), b - b.mean(1, keepdim=True)
    return (a * b).sum(1) / (a.square().sum(1).sqrt() * b.square().sum(1).sqrt()).clamp_min(1e-12)
