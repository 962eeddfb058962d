"""Conditional instance normalization."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from . import functional as Fn
from .functional import check_eps
from .registry import register


@register("conditional_instance")
class ConditionalInstanceNorm(nn.Module):
    r"""Conditional instance normalization (Dumoulin, Shlens & Kudlur, 2017).

    .. math:: y = \gamma_{s,c} \frac{x - \mu(x)}{\sqrt{\sigma^2(x) + \epsilon}} + \beta_{s,c}

    Instance statistics over the spatial axes (\*) of each sample and channel (biased variance,
    ``eps`` inside the square root), then the affine ``(gamma_s, beta_s)`` of style ``s``: one pair
    of ``(C,)`` vectors per style. ``forward(x, style)`` takes style ids ``(N,)`` or mixing weights
    ``(N, num_styles)``, which blend the styles' parameters as in the paper's style interpolation.

    Shape:
        ``(N, C, *)`` with at least one spatial axis in, the same shape and memory format out.
    """

    def __init__(self, num_features: int, num_styles: int, eps: float = 1e-5, device=None, dtype=None) -> None:
        super().__init__()
        if num_styles < 1:
            raise ValueError(f"ConditionalInstanceNorm: num_styles must be a positive integer, got {num_styles}")
        self.num_features = num_features
        self.num_styles = num_styles
        self.eps = check_eps(eps, type(self).__name__)
        self.weight = nn.Parameter(torch.ones(num_styles, num_features, device=device, dtype=dtype))
        self.bias = nn.Parameter(torch.zeros(num_styles, num_features, device=device, dtype=dtype))

    def reset_parameters(self) -> None:
        nn.init.ones_(self.weight)
        nn.init.zeros_(self.bias)

    def forward(self, x: Tensor, style: Tensor | int) -> Tensor:
        Fn.check_input(x, self.num_features, "ConditionalInstanceNorm", min_dim=3)
        if isinstance(style, int):
            style = torch.full((x.shape[0],), style, dtype=torch.long, device=x.device)
        return Fn.conditional_instance_norm(x, style, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_features}, num_styles={self.num_styles}, eps={self.eps}"
