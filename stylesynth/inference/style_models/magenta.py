"""Magenta's conditional-instance-norm networks as style families.

- :class:`MagentaArbitraryStyle`: Ghiasi et al. 2017 (``magenta-arbitrary``), any style image; its
  code is the 100-d output of the style predictor.
- :class:`MagentaPresetStyle`: Dumoulin et al. 2017 (``magenta-26``), built-in styles only; its code
  is a vector of mixing weights over the presets' gamma/beta tables.

Masks become per-position codes, so every conditional instance norm blends the styles' gamma and
beta pixel by pixel (Dumoulin et al. 2017, section 5). The maps are built at a quarter of the
content's resolution (the transformer's coarsest) and resized by each norm layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor

from ...nets import DumoulinNetwork, MagentaArbitraryNetwork
from ...nets.magenta import MIN_CONTENT_SIZE
from .base import StyleModel

__all__ = ["MagentaArbitraryStyle", "MagentaPresetStyle"]


def _coverage(masks: Tensor, size: tuple[int, int]) -> Tensor:
    """Masks ``(N, K, H, W)`` at ``size``, scaled where they sum past 1 so each position's shares sum to at most 1."""
    small = F.interpolate(masks.float(), size=size, mode="bilinear", align_corners=False, antialias=True)
    total = small.sum(dim=1, keepdim=True)
    return small / total.clamp_min(1.0)


def _map_size(content: Tensor) -> tuple[int, int]:
    height, width = content.shape[-2:]
    return max(1, -(-height // 4)), max(1, -(-width // 4))


class MagentaArbitraryStyle(StyleModel):
    r"""Magenta's arbitrary-style network: a predicted style code conditions every instance norm.

    Strength is Magenta's identity interpolation (Ghiasi et al. 2017, section 4): the content
    image's own code ``P(c)`` is mixed with the style's,

    .. math:: z = \alpha \sum_k w_k P(s_k) + (1 - \alpha) P(c)

    With masks ``m_k`` (scaled to sum to at most 1 per position), the code varies per position:
    ``z(p) = P(c) + \alpha \sum_k m_k(p) (P(s_k) - P(c))`` — the content's own code where no mask is set.
    """

    kinds: ClassVar[tuple[str, ...]] = (MagentaArbitraryNetwork.KIND,)
    description: ClassVar[str] = "Magenta arbitrary style (Ghiasi et al. 2017): any style image, fast, strength, masks, mixing"
    network: MagentaArbitraryNetwork
    min_size: ClassVar[int] = MIN_CONTENT_SIZE
    style_min_size: ClassVar[int] = MIN_CONTENT_SIZE

    def image_code(self, style: Tensor) -> Tensor:
        return self.network.style_code(style)

    def render(self, content: Tensor, codes: Sequence[Tensor], weights: Sequence[float], masks: Tensor | None, alpha: float) -> Tensor:
        identity = None if alpha >= 1.0 and masks is None else self.network.style_code(content)
        if masks is None:
            code = sum(weight * style_code for weight, style_code in zip(weights, codes, strict=True))
            assert isinstance(code, Tensor)
            if identity is not None:
                code = self.network.blend(code, identity, alpha)
        else:
            assert identity is not None
            shares = _coverage(masks, _map_size(content)).to(identity.dtype)
            base = identity[:, :, None, None]
            code = base + alpha * sum(
                shares[:, index : index + 1] * (style_code[:, :, None, None] - base) for index, style_code in enumerate(codes)
            )
        return self.network(content, code)


class MagentaPresetStyle(StyleModel):
    r"""Magenta's 26-style network: presets by index, mixed by weights (Dumoulin et al. 2017).

    A preset's code is its one-hot weight vector; styles mix as ``w = \sum_k w_k e_{s_k}``, which
    blends the gamma/beta tables; with masks the tables are blended per position in proportion to
    the masks. The network has no identity style, so strength blends pixels:
    ``\text{out} = c + \alpha\,(g(c, w) - c)``.
    """

    kinds: ClassVar[tuple[str, ...]] = (DumoulinNetwork.KIND,)
    description: ClassVar[str] = "Magenta 26 styles (Dumoulin et al. 2017): built-in presets by index, mixed by weights, masks"
    takes_images: ClassVar[bool] = False
    min_size: ClassVar[int] = MIN_CONTENT_SIZE
    style_min_size: ClassVar[int] = MIN_CONTENT_SIZE
    network: DumoulinNetwork

    @property
    def num_presets(self) -> int:
        return self.network.num_styles

    def image_code(self, style: Tensor) -> Tensor:
        raise ValueError(f"this model renders its {self.num_presets} built-in styles (preset indices 0-{self.num_presets - 1}), not style images")

    def preset_code(self, index: int) -> Tensor:
        reference = next(self.network.parameters())
        return F.one_hot(torch.tensor([index], device=reference.device), self.num_presets).to(reference.dtype)

    def render(self, content: Tensor, codes: Sequence[Tensor], weights: Sequence[float], masks: Tensor | None, alpha: float) -> Tensor:
        batch = content.shape[0]
        if masks is None:
            mix = sum(weight * code for weight, code in zip(weights, codes, strict=True))
            assert isinstance(mix, Tensor)
            output = self.network(content, mix.expand(batch, -1))
        else:
            shares = _coverage(masks, _map_size(content)).to(codes[0].dtype)
            covered = shares.sum(dim=1, keepdim=True)
            mixture = sum(shares[:, index : index + 1] * code[:, :, None, None] for index, code in enumerate(codes))
            assert isinstance(mixture, Tensor)
            # where no mask is set the first style fills in; the Stylizer puts the content's pixels back there
            mixture = torch.where(covered > 1e-6, mixture / covered.clamp_min(1e-6), codes[0][:, :, None, None])
            output = self.network(content, mixture.expand(batch, -1, -1, -1))
        if alpha >= 1.0:
            return output
        return content + alpha * (output - content)
