"""Group normalization and its one-group case, channels-first layer normalization."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from . import functional as Fn
from .functional import check_eps
from .registry import register


class _AffineNorm(nn.Module):
    """Per-channel ``weight`` (init 1) and ``bias`` (init 0), absent when ``affine=False``."""

    def __init__(self, num_features: int, eps: float, affine: bool, device=None, dtype=None) -> None:
        super().__init__()
        if num_features < 1:
            raise ValueError(f"{type(self).__name__}: num_features must be a positive integer, got {num_features}")
        self.num_features = num_features
        self.eps = check_eps(eps, type(self).__name__)
        self.affine = affine
        if affine:
            self.weight = nn.Parameter(torch.ones(num_features, device=device, dtype=dtype))
            self.bias = nn.Parameter(torch.zeros(num_features, device=device, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if self.affine:
            nn.init.ones_(self.weight)
            nn.init.zeros_(self.bias)

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, affine={self.affine}"


@register("group")
class GroupNorm(_AffineNorm):
    r"""Group normalization (Wu & He, 2018).

    .. math:: y = \frac{x - \mathrm{E}_g[x]}{\sqrt{\mathrm{Var}_g[x] + \epsilon}} \gamma_c + \beta_c

    Statistics run over the ``C / G`` channels of each group and the spatial axes (\*), for each
    sample: biased variance, ``eps`` inside the square root. ``groups=1`` is :class:`LayerNorm`,
    ``groups=C`` is :class:`InstanceNorm` with a per-channel affine. No running statistics: train
    and eval modes compute the same thing.

    Args:
        num_features: channels ``C``; must be divisible by ``groups``.
        groups: number of groups ``G`` (default 32, the paper's).
        eps: added to the variance.
        affine: learn per-channel ``gamma`` and ``beta``.

    Shape:
        ``(N, C, *)`` in, the same shape and memory format out.
    """

    def __init__(self, num_features: int, groups: int = 32, eps: float = 1e-5, affine: bool = True, device=None, dtype=None) -> None:
        if groups < 1 or num_features % groups != 0:
            raise ValueError(f"GroupNorm: num_features ({num_features}) must be divisible by groups ({groups})")
        super().__init__(num_features, eps, affine, device, dtype)
        self.groups = groups

    def forward(self, x: Tensor) -> Tensor:
        Fn.check_input(x, self.num_features, "GroupNorm")
        return Fn.group_norm(x, self.groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_features}, groups={self.groups}, eps={self.eps}, affine={self.affine}"


@register("layer")
class LayerNorm(_AffineNorm):
    r"""Channels-first layer normalization (Ba, Kiros & Hinton, 2016) for feature maps.

    .. math:: y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} \gamma_c + \beta_c

    Statistics run over all channels and spatial axes (C, \*) of each sample: biased variance,
    ``eps`` inside the square root. The affine is per channel (not per element as in
    ``torch.nn.LayerNorm``), so the layer works at any spatial size.

    Shape:
        ``(N, C, *)`` in, the same shape and memory format out.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, affine: bool = True, device=None, dtype=None) -> None:
        super().__init__(num_features, eps, affine, device, dtype)

    def forward(self, x: Tensor) -> Tensor:
        Fn.check_input(x, self.num_features, "LayerNorm")
        return Fn.layer_norm(x, self.weight, self.bias, self.eps)
