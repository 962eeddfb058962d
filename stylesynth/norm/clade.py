"""Class-adaptive normalization."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from . import functional as Fn
from .registry import build, register
from .spade import _CONVS, PARAM_FREE_NORMS


@register("clade")
class CLADE(nn.Module):
    r"""Class-adaptive normalization, CLADE (Tan, Chen, Chu, Chai, Liao, He, Yuan, Hua & Yu, "Efficient
    Semantic Image Synthesis via Class-Adaptive Normalization", TPAMI 2021; arXiv 2004.02867).

    .. math:: y_{n,c,p} = \mathrm{norm}(x)_{n,c,p}\, \gamma_{l(n,p),\,c} + \beta_{l(n,p),\,c}

    ``norm`` is a parameter-free normalization chosen by name (``instance``, ``batch`` or
    ``sync_batch``, as SPADE's), with that layer's statistics: the biased variance, ``eps`` inside
    the square root (and running statistics in eval mode for the batch norms). ``gamma`` and
    ``beta`` are ``(label_nc, C)`` tables: each position takes the row of its class
    :math:`l(n, p)`, so the layer adds ``2 · label_nc · C`` parameters and a gather instead of
    SPADE's convolutions. ``gamma`` starts at 1 and ``beta`` at 0: the layer
    starts as the plain norm.

    The segmentation map is one-hot ``(N, label_nc, *)`` like SPADE's (a position's class is the
    argmax of its channels, the first on ties), or integer class ids ``(N, *)``; it is resized to
    the feature size with nearest interpolation. A generator computes the ids once and passes them
    to every layer (the argmax over many channels costs more than the lookup).

    With ``positional=True`` (CLADE-ICPE) the tables are modulated by the intra-class positional
    map :math:`P` (:func:`~stylesynth.norm.functional.class_positional_map`, one channel per spatial
    axis: each pixel's offset from the centre of its connected class region, normalized by the
    region's largest offset), computed at the map's resolution and resized like it:

    .. math::
        \gamma' = \gamma_{l} \odot (1 + \mathrm{conv}_\gamma(P)), \qquad
        \beta' = \beta_{l} \odot (1 + \mathrm{conv}_\beta(P))

    with 1×1 convs from ``D`` channels to 1 (one scale per position, shared by all channels),
    zero-initialized, as in the authors' release; the paper's text was not available to check this
    against, so the release is the definition here.

    Args:
        num_features: channels ``C`` of the normalized activations.
        label_nc: number of classes (channels of the one-hot map).
        norm: name of the parameter-free inner norm.
        positional: add the intra-class positional encoding (CLADE-ICPE).
        spatial_dims: 1, 2 or 3 spatial axes.
        norm_options: extra options for the inner norm (e.g. ``{"momentum": 0.1}``).

    Shape:
        ``x`` ``(N, C, *)``; ``segmap`` ``(N, label_nc, *)`` float or ``(N, *)`` integer, any spatial
        size; ``positional_map`` (optional, precomputed) ``(N, spatial_dims, *)`` -> ``(N, C, *)``,
        in the memory format of ``x``.

    Example::

        layer = CLADE(64, label_nc=7, positional=True)
        y = layer(x, labels)  # x (N, 64, H, W); labels (N, H', W') ids, or a one-hot (N, 7, H', W') map
    """

    def __init__(
        self,
        num_features: int,
        label_nc: int,
        norm: str = "instance",
        positional: bool = False,
        spatial_dims: int = 2,
        norm_options: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        if norm not in PARAM_FREE_NORMS:
            raise ValueError(f"CLADE: inner norm must be one of {', '.join(PARAM_FREE_NORMS)}, got {norm!r}")
        if spatial_dims not in _CONVS:
            raise ValueError(f"CLADE: spatial_dims must be 1, 2 or 3, got {spatial_dims}")
        if label_nc < 1 or num_features < 1:
            raise ValueError(f"CLADE: num_features and label_nc must be positive integers, got {num_features} and {label_nc}")
        self.num_features = num_features
        self.label_nc = label_nc
        self.spatial_dims = spatial_dims
        self.positional = positional
        self.param_free_norm = build(norm, num_features, affine=False, **(norm_options or {}))
        self.weight = nn.Parameter(torch.ones(label_nc, num_features))
        self.bias = nn.Parameter(torch.zeros(label_nc, num_features))
        if positional:
            self.positional_gamma = _CONVS[spatial_dims](spatial_dims, 1, 1)
            self.positional_beta = _CONVS[spatial_dims](spatial_dims, 1, 1)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.ones_(self.weight)
        nn.init.zeros_(self.bias)
        if self.positional:
            for conv in (self.positional_gamma, self.positional_beta):
                nn.init.zeros_(conv.weight)
                nn.init.zeros_(conv.bias)

    def class_ids(self, segmap: Tensor) -> Tensor:
        """Integer class ids ``(N, *)`` of a one-hot ``(N, label_nc, *)`` map (argmax) or of ids, checked."""
        if not isinstance(segmap, Tensor):
            raise TypeError(f"CLADE: expected the segmentation map as a torch.Tensor, got {type(segmap).__name__}")
        if segmap.is_floating_point():
            Fn.check_input(segmap, self.label_nc, "CLADE (segmentation map)", min_dim=2 + self.spatial_dims)
            if segmap.dim() != 2 + self.spatial_dims:
                raise ValueError(
                    f"CLADE: expected a one-hot map (N, {self.label_nc}, *) with {self.spatial_dims} spatial axes, got shape {tuple(segmap.shape)}"
                )
            return segmap.argmax(1)
        if segmap.dtype == torch.bool or segmap.is_complex() or segmap.dim() != 1 + self.spatial_dims:
            raise ValueError(
                f"CLADE: expected a one-hot float map (N, {self.label_nc}, *) or integer class ids (N, *) with "
                f"{self.spatial_dims} spatial axes, got dtype {segmap.dtype} and shape {tuple(segmap.shape)}"
            )
        if segmap.numel():
            low, high = (int(v) for v in torch.aminmax(segmap))
            if low < 0 or high >= self.label_nc:
                raise ValueError(f"CLADE: class ids must lie in [0, {self.label_nc - 1}], got values in [{low}, {high}]")
        return segmap.long()

    def forward(self, x: Tensor, segmap: Tensor, positional_map: Tensor | None = None) -> Tensor:
        Fn.check_input(x, self.num_features, "CLADE", min_dim=2 + self.spatial_dims)
        if x.dim() != 2 + self.spatial_dims:
            raise ValueError(f"CLADE: expected x with {self.spatial_dims} spatial axes, got shape {tuple(x.shape)}")
        labels = self.class_ids(segmap)
        if labels.shape[0] != x.shape[0]:
            raise ValueError(f"CLADE: segmap batch {labels.shape[0]} differs from input batch {x.shape[0]}")
        if positional_map is not None and not self.positional:
            raise ValueError("CLADE: a positional_map was given, but this layer was built with positional=False")
        modulation = None
        if self.positional:
            if positional_map is None:
                positional_map = Fn.class_positional_map(labels)
            elif positional_map.shape != (labels.shape[0], self.spatial_dims, *labels.shape[1:]):
                raise ValueError(
                    f"CLADE: positional_map must have shape (N, {self.spatial_dims}, *) at the segmap's size "
                    f"{(labels.shape[0], self.spatial_dims, *labels.shape[1:])}, got {tuple(positional_map.shape)}"
                )
            positional_map = _resize(positional_map.to(x.dtype), x.shape[2:])
            modulation = torch.cat([self.positional_gamma(positional_map), self.positional_beta(positional_map)], dim=1)
        labels = _resize_ids(labels, x.shape[2:])
        return Fn.class_affine(self.param_free_norm(x), labels, self.weight, self.bias, modulation)

    def extra_repr(self) -> str:
        return f"{self.num_features}, label_nc={self.label_nc}, positional={self.positional}"


def _resize(t: Tensor, size: torch.Size) -> Tensor:
    return t if t.shape[2:] == size else F.interpolate(t, size=size, mode="nearest")


def _resize_ids(labels: Tensor, size: torch.Size) -> Tensor:
    """Nearest resizing of integer ids ``(N, *)``, exactly as ``F.interpolate(mode="nearest")`` picks positions."""
    if labels.shape[1:] == size:
        return labels
    # ids below 2**24 are exact in float32
    return F.interpolate(labels.unsqueeze(1).float(), size=size, mode="nearest").squeeze(1).long()
