"""SPADE's multi-scale PatchGAN discriminator (pix2pixHD's, as the official SPADE release builds it)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..norm import build
from .spade_blocks import LEAKY_SLOPE, make_conv

#: norms a discriminator layer may use after its (spectral-normalized) conv; "none" for no norm
DISCRIMINATOR_NORMS = ("instance", "batch", "sync_batch", "none")


class PatchDiscriminator(nn.Module):
    """A PatchGAN (Isola et al., 2017): ``n_layers`` 4×4 convs, then a 4×4 conv to one logit per patch.

    Layer 0 is a stride-2 conv + LeakyReLU(0.2) without norm; layers 1 … ``n_layers - 1`` double
    the width (capped at 512) and are conv (stride 2, the last stride 1) + norm + LeakyReLU; padding
    is 2 as in the official code. Submodules are named ``model0`` … ``model{n_layers}`` with the
    conv at index 0 of each, as the official ``NLayerDiscriminator``.

    Args:
        in_channels: ``semantic_nc + 3`` (the map concatenated with the image).
        ndf: width of the first layer (64 in the paper).
        n_layers: conv layers before the output conv (4 in the paper).
        norm: norm after layers 1 … n-1 (``instance`` in the paper, i.e. ``spectralinstance``).
        spectral: spectral norm on layers 1 … n-1.

    Returns:
        The list of every layer's output; the last is the ``(N, 1, h, w)`` patch logits.
    """

    def __init__(
        self, in_channels: int, ndf: int = 64, n_layers: int = 4, norm: str = "instance", spectral: bool = True
    ) -> None:
        super().__init__()
        if norm not in DISCRIMINATOR_NORMS:
            raise ValueError(f"PatchDiscriminator: norm must be one of {', '.join(DISCRIMINATOR_NORMS)}, got {norm!r}")
        if n_layers < 1:
            raise ValueError(f"PatchDiscriminator: n_layers must be >= 1, got {n_layers}")
        kernel, padding = 4, math.ceil((4 - 1) / 2)
        width = ndf
        layers: list[nn.Sequential] = [
            nn.Sequential(make_conv(in_channels, width, kernel, 2, padding), nn.LeakyReLU(LEAKY_SLOPE))
        ]
        for index in range(1, n_layers):
            previous, width = width, min(width * 2, 512)
            stride = 1 if index == n_layers - 1 else 2
            conv = make_conv(previous, width, kernel, stride, padding, bias=norm == "none", spectral=spectral)
            parts: list[nn.Module] = [conv]
            if norm != "none":
                parts.append(build(norm, width, affine=False))
            layers.append(nn.Sequential(*parts, nn.LeakyReLU(LEAKY_SLOPE)))
        layers.append(nn.Sequential(make_conv(width, 1, kernel, 1, padding)))
        for index, layer in enumerate(layers):
            self.add_module(f"model{index}", layer)

    def forward(self, x: Tensor) -> list[Tensor]:
        features = []
        for layer in self.children():
            x = layer(x)
            features.append(x)
        return features


class MultiscaleDiscriminator(nn.Module):
    """``num_scales`` :class:`PatchDiscriminator`\\ s on the input, each at half the previous resolution.

    Between scales the input is average-pooled (3×3, stride 2, padding 1, padding not counted), as
    the official code. Submodules are ``discriminator_0`` …

    Args:
        in_channels: ``semantic_nc + 3``.
        num_scales: number of scales (2 in the paper).
        ndf, n_layers, norm, spectral: as :class:`PatchDiscriminator`.

    Shape:
        ``(N, in_channels, H, W)`` -> a list (one entry per scale) of lists of features; the last
        feature of each scale is its patch logits.
    """

    def __init__(
        self,
        in_channels: int,
        num_scales: int = 2,
        ndf: int = 64,
        n_layers: int = 4,
        norm: str = "instance",
        spectral: bool = True,
    ) -> None:
        super().__init__()
        if num_scales < 1:
            raise ValueError(f"MultiscaleDiscriminator: num_scales must be >= 1, got {num_scales}")
        self.in_channels = in_channels
        for index in range(num_scales):
            self.add_module(f"discriminator_{index}", PatchDiscriminator(in_channels, ndf, n_layers, norm, spectral))

    def forward(self, x: Tensor) -> list[list[Tensor]]:
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"MultiscaleDiscriminator: expected input of shape (N, {self.in_channels}, H, W) "
                f"(segmentation map and image concatenated), got {tuple(x.shape)}"
            )
        results = []
        for index, discriminator in enumerate(self.children()):
            if index > 0:
                x = F.avg_pool2d(x, kernel_size=3, stride=2, padding=1, count_include_pad=False)
            results.append(discriminator(x))
        return results

    def discriminate(self, segmap: Tensor, fake: Tensor, real: Tensor) -> tuple[list[list[Tensor]], list[list[Tensor]]]:
        """Runs fake and real (each concatenated with ``segmap``) in one batch; returns ``(fake, real)`` features."""
        both = torch.cat([torch.cat([segmap, fake], 1), torch.cat([segmap, real], 1)], 0)
        outputs = self(both)
        half = fake.shape[0]
        fake_features = [[feature[:half] for feature in scale] for scale in outputs]
        real_features = [[feature[half:] for feature in scale] for scale in outputs]
        return fake_features, real_features
