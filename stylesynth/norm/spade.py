"""Spatially-adaptive normalization."""

from __future__ import annotations

from typing import Any

import torch.nn.functional as F
from torch import Tensor, nn

from . import functional as Fn
from .registry import build, register

_CONVS = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}
PARAM_FREE_NORMS = ("instance", "batch", "sync_batch")


@register("spade")
class SPADE(nn.Module):
    r"""Spatially-adaptive denormalization (Park, Liu, Wang & Zhu, 2019).

    .. math:: y = \mathrm{norm}(x) \odot (1 + \gamma(m)) + \beta(m)

    ``norm`` is a parameter-free normalization chosen by name (``instance``, ``batch`` or
    ``sync_batch``; its statistics are that layer's). ``gamma`` and ``beta`` are per pixel and per
    channel: the segmentation map ``m`` is resized to the feature size with nearest interpolation,
    passed through a shared conv + ReLU of ``hidden_channels`` and then one conv each.
    Submodule names (``param_free_norm``, ``mlp_shared.0``, ``mlp_gamma``, ``mlp_beta``) match the
    official release, so its weights load as they are.

    Args:
        num_features: channels ``C`` of the normalized activations.
        label_nc: channels of the segmentation map (classes, one-hot, plus any extra channels).
        norm: name of the parameter-free inner norm.
        hidden_channels: width of the shared conv (128 in the paper).
        kernel_size: kernel of the three convs (3 in the paper); odd.
        spatial_dims: 1, 2 or 3 spatial axes.
        norm_options: extra options for the inner norm (e.g. ``{"momentum": 0.1}``).

    Shape:
        ``x`` ``(N, C, *)``, ``segmap`` ``(N, label_nc, *)`` of any spatial size -> ``(N, C, *)``.
    """

    def __init__(
        self,
        num_features: int,
        label_nc: int,
        norm: str = "instance",
        hidden_channels: int = 128,
        kernel_size: int = 3,
        spatial_dims: int = 2,
        norm_options: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        if norm not in PARAM_FREE_NORMS:
            raise ValueError(f"SPADE: inner norm must be one of {', '.join(PARAM_FREE_NORMS)}, got {norm!r}")
        if kernel_size % 2 != 1:
            raise ValueError(f"SPADE: kernel_size must be odd so the map keeps its size, got {kernel_size}")
        if spatial_dims not in _CONVS:
            raise ValueError(f"SPADE: spatial_dims must be 1, 2 or 3, got {spatial_dims}")
        conv = _CONVS[spatial_dims]
        padding = kernel_size // 2
        self.num_features = num_features
        self.label_nc = label_nc
        self.spatial_dims = spatial_dims
        self.param_free_norm = build(norm, num_features, affine=False, **(norm_options or {}))
        self.mlp_shared = nn.Sequential(conv(label_nc, hidden_channels, kernel_size, padding=padding), nn.ReLU())
        self.mlp_gamma = conv(hidden_channels, num_features, kernel_size, padding=padding)
        self.mlp_beta = conv(hidden_channels, num_features, kernel_size, padding=padding)

    def forward(self, x: Tensor, segmap: Tensor) -> Tensor:
        Fn.check_input(x, self.num_features, "SPADE", min_dim=2 + self.spatial_dims)
        Fn.check_input(segmap, self.label_nc, "SPADE (segmentation map)", min_dim=2 + self.spatial_dims)
        if x.dim() != 2 + self.spatial_dims or segmap.dim() != x.dim():
            raise ValueError(
                f"SPADE: expected x and segmap with {self.spatial_dims} spatial axes, got shapes {tuple(x.shape)} and {tuple(segmap.shape)}"
            )
        if segmap.shape[0] != x.shape[0]:
            raise ValueError(f"SPADE: segmap batch {segmap.shape[0]} differs from input batch {x.shape[0]}")
        normalized = self.param_free_norm(x)
        segmap = segmap.to(x.dtype)
        if segmap.shape[2:] != x.shape[2:]:
            segmap = F.interpolate(segmap, size=x.shape[2:], mode="nearest")
        # The convs follow the map's layout; give it the activations' so the output keeps theirs.
        segmap = segmap.contiguous(memory_format=Fn.memory_format_of(x))
        hidden = self.mlp_shared(segmap)
        return Fn.spade_modulation(normalized, self.mlp_gamma(hidden), self.mlp_beta(hidden))

    def extra_repr(self) -> str:
        return f"{self.num_features}, label_nc={self.label_nc}"
