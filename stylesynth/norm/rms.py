"""Root-mean-square normalization."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from . import functional as Fn
from .functional import check_eps
from .registry import register


@register("rms")
class RMSNorm(nn.Module):
    r"""Root-mean-square layer normalization (Zhang & Sennrich, 2019), channels-first.

    .. math:: y = \frac{x}{\sqrt{\frac{1}{CM}\sum_{c,m} x_{cm}^2 + \epsilon}}\, \gamma_c

    The mean square runs over all channels and spatial axes (C, \*) of each sample, with no mean
    subtraction; ``eps`` is added to the mean square. ``gamma`` is per channel. No running
    statistics: train and eval modes compute the same thing.

    Shape:
        ``(N, C, *)`` in, the same shape and memory format out.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, affine: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = check_eps(eps, type(self).__name__)
        self.affine = affine
        if affine:
            self.weight = nn.Parameter(torch.ones(num_features, device=device, dtype=dtype))
        else:
            self.register_parameter("weight", None)

    def reset_parameters(self) -> None:
        if self.affine:
            nn.init.ones_(self.weight)

    def forward(self, x: Tensor) -> Tensor:
        Fn.check_input(x, self.num_features, "RMSNorm")
        return Fn.rms_norm(x, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, affine={self.affine}"
