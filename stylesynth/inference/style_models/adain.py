"""AdaIN (Huang & Belongie, 2017) as a style family: codes are feature statistics, rendering is AdaIN + the decoder."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ...nets import AdaINNetwork
from ...norm.functional import adain, channel_stats
from .base import StyleModel

__all__ = ["AdaINStyle", "STRIDE"]

#: VGG pools three times before relu4_1: inputs are padded to multiples of this.
STRIDE = 8

#: per level, the style's per-channel ``(mean, std)``
Stats = list[tuple[Tensor, Tensor]]


class AdaINStyle(StyleModel):
    r"""Arbitrary style transfer by adaptive instance normalization.

    A style's code is the per-channel mean and standard deviation of its VGG features at each of
    the network's :attr:`~stylesynth.nets.AdaINNetwork.levels` (the paper's decoder: relu4_1).
    Rendering aligns the content's features to them and decodes:

    .. math:: t = \alpha \sum_k w_k\,\mathrm{AdaIN}(f(c), f(s_k)) + (1 - \alpha) f(c), \qquad \text{output} = g(t)

    With masks (paper sec. 7), each feature position takes the style whose (pooled) mask is largest,
    and the content statistics of a region come from that region alone; positions where every
    mask is below 0.5 keep the content's features.
    """

    kinds: ClassVar[tuple[str, ...]] = (AdaINNetwork.KIND,)
    description: ClassVar[str] = "AdaIN (Huang & Belongie 2017): any style image, strength, masks, several styles mixed"
    network: AdaINNetwork
    min_size: ClassVar[int] = 16  # VGG pools three times before relu4_1: fewer positions leave no statistics
    style_min_size: ClassVar[int] = 16

    @property
    def cache_settings(self) -> tuple[Hashable, ...]:
        return (self.network.stats, self.network.eps, self.network.levels)

    @classmethod
    def wants_fp32(cls, network: nn.Module) -> bool:
        return isinstance(network, AdaINNetwork) and network.unbiased  # the port-compatible mode reproduces its numbers

    def _stats(self, features: Tensor) -> tuple[Tensor, Tensor]:
        return channel_stats(features, self.network.eps, self.network.unbiased)

    def image_code(self, style: Tensor) -> Stats:
        return [self._stats(features) for features in self.network.encode_levels(style)]

    def render(self, content: Tensor, codes: Sequence[Stats], weights: Sequence[float], masks: Tensor | None, alpha: float) -> Tensor:
        height, width = content.shape[-2:]
        levels = self.network.encode_levels(pad_to_stride(content))
        padded_masks = None if masks is None else pad_to_stride(masks)
        targets = []
        for index, features in enumerate(levels):
            stats = [code[index] for code in codes]
            if padded_masks is None:
                target: Tensor = sum(  # type: ignore[assignment]  # a sum of tensors is a tensor
                    weight * adain(features, style_stats=level_stats, eps=self.network.eps, unbiased=self.network.unbiased)
                    for weight, level_stats in zip(weights, stats, strict=True)
                )
            else:
                target = self._masked_adain(features, stats, padded_masks)
            if alpha < 1.0:
                target = alpha * target + (1.0 - alpha) * features
            targets.append(target)
        return self.network.decode_levels(targets)[..., :height, :width]

    def _masked_adain(self, features: Tensor, style_stats: list[tuple[Tensor, Tensor]], masks: Tensor) -> Tensor:
        """AdaIN per region (paper sec. 7): each region's content statistics come from that region alone."""
        pooled = F.adaptive_avg_pool2d(masks.float(), (features.shape[-2], features.shape[-1]))
        strength, assignment = pooled.max(dim=1)  # (N or 1, h, w)
        assignment = torch.where(strength >= 0.5, assignment, torch.full_like(assignment, -1))
        target = features.clone()
        minimum = 2 if self.network.unbiased else 1
        for sample in range(features.shape[0]):
            regions = assignment[sample if assignment.shape[0] > 1 else 0]
            for index, (mean, std) in enumerate(style_stats):
                region = regions == index
                if int(region.sum()) < minimum:
                    continue
                selected = features[sample][:, region].unsqueeze(0)  # (1, C, P)
                stats = (mean[sample if mean.shape[0] > 1 else 0][None], std[sample if std.shape[0] > 1 else 0][None])
                styled = adain(selected, style_stats=stats, eps=self.network.eps, unbiased=self.network.unbiased)
                target[sample][:, region] = styled[0]
        return target


def pad_to_stride(batch: Tensor, stride: int = STRIDE) -> Tensor:
    """Pads bottom and right by reflection to multiples of ``stride``, so the output can be cropped back."""
    height, width = batch.shape[-2:]
    pad_h, pad_w = (-height) % stride, (-width) % stride
    if not (pad_h or pad_w):
        return batch
    return F.pad(batch, (0, pad_w, 0, pad_h), mode="reflect")
