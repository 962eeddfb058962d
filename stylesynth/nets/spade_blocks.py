"""SPADE's building blocks: initialized (optionally spectral-normalized) convs and the SPADE residual block."""

from __future__ import annotations

import re

import torch.nn.functional as F
from torch import Tensor, nn

from ..norm import SPADE, spectral_norm
from ..norm.spade import PARAM_FREE_NORMS as INNER_NORMS

#: slope of SPADE's LeakyReLU activations (the official code's ``actvn``)
LEAKY_SLOPE = 0.2


def init_weight(module: nn.Module, gain: float = 0.02) -> nn.Module:
    """Xavier-normal weights with ``gain`` and zero biases: the official SPADE init (``xavier``, variance 0.02)."""
    nn.init.xavier_normal_(module.weight, gain=gain)
    if getattr(module, "bias", None) is not None:
        nn.init.zeros_(module.bias)
    return module


def make_conv(
    in_channels: int,
    out_channels: int,
    kernel_size: int,
    stride: int = 1,
    padding: int = 0,
    bias: bool = True,
    spectral: bool = False,
) -> nn.Conv2d:
    """An ``nn.Conv2d`` with SPADE's init, spectral-normalized (``weight_orig/u/v`` keys) when ``spectral``."""
    conv = init_weight(nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, bias=bias))
    return spectral_norm(conv) if spectral else conv


def parse_official_norm(spec: str) -> dict[str, object]:
    """The official ``norm_G`` string (e.g. ``"spectralspadesyncbatch3x3"``) as our generator options.

    Returns ``{"spectral": bool, "norm": "instance" | "batch" | "sync_batch", "kernel_size": int}``.
    """
    match = re.fullmatch(r"(spectral)?spade(instance|batch|syncbatch)(\d+)x\d+", spec.strip().lower())
    if match is None:
        raise ValueError(
            f"unknown SPADE norm spec {spec!r}; expected e.g. 'spectralspadesyncbatch3x3', "
            "'spadeinstance3x3' or 'spectralspadebatch5x5'"
        )
    inner = {"syncbatch": "sync_batch"}.get(match.group(2), match.group(2))
    return {"spectral": match.group(1) is not None, "norm": inner, "kernel_size": int(match.group(3))}


class SPADEResBlock(nn.Module):
    r"""SPADE residual block (Park et al., 2019, Fig. 4).

    .. math::
        y = s(x) + \mathrm{conv}_1(\phi(\mathrm{SPADE}_1(\mathrm{conv}_0(\phi(\mathrm{SPADE}_0(x, m))), m)))

    with :math:`\phi` = LeakyReLU(0.2) and the shortcut :math:`s(x) = \mathrm{conv}_s(\mathrm{SPADE}_s(x, m))`
    (1×1, no bias, no activation) when the channels change, else :math:`x`. The middle width is
    ``min(in, out)``. Submodule names (``conv_0``, ``conv_1``, ``conv_s``, ``norm_0``, ``norm_1``,
    ``norm_s``) and, with ``spectral=True``, spectral norm's ``weight_orig``/``weight_u``/``weight_v``
    follow the official release.

    Args:
        in_channels: channels of ``x``.
        out_channels: channels of the output.
        semantic_nc: channels of the segmentation map ``m``.
        norm: SPADE's parameter-free inner norm (``instance``, ``batch`` or ``sync_batch``).
        spectral: spectral normalization on the three convs (the paper's setting).
        kernel_size: kernel of SPADE's convs.
        hidden_channels: width of SPADE's shared conv (128 in the paper).

    Shape:
        ``x`` ``(N, in_channels, H, W)``, ``segmap`` ``(N, semantic_nc, H', W')`` -> ``(N, out_channels, H, W)``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        semantic_nc: int,
        norm: str = "sync_batch",
        spectral: bool = True,
        kernel_size: int = 3,
        hidden_channels: int = 128,
    ) -> None:
        super().__init__()
        if norm not in INNER_NORMS:
            raise ValueError(f"SPADEResBlock: norm must be one of {', '.join(INNER_NORMS)}, got {norm!r}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.learned_shortcut = in_channels != out_channels
        middle = min(in_channels, out_channels)
        self.conv_0 = make_conv(in_channels, middle, 3, padding=1, spectral=spectral)
        self.conv_1 = make_conv(middle, out_channels, 3, padding=1, spectral=spectral)
        if self.learned_shortcut:
            self.conv_s = make_conv(in_channels, out_channels, 1, bias=False, spectral=spectral)
        spade = dict(label_nc=semantic_nc, norm=norm, hidden_channels=hidden_channels, kernel_size=kernel_size)
        self.norm_0 = SPADE(in_channels, **spade)
        self.norm_1 = SPADE(middle, **spade)
        if self.learned_shortcut:
            self.norm_s = SPADE(in_channels, **spade)
        for spade_layer in self.spade_layers():
            for conv in (spade_layer.mlp_shared[0], spade_layer.mlp_gamma, spade_layer.mlp_beta):
                init_weight(conv)

    def spade_layers(self) -> list[SPADE]:
        return [module for module in (self.norm_0, self.norm_1, getattr(self, "norm_s", None)) if module is not None]

    def shortcut(self, x: Tensor, segmap: Tensor) -> Tensor:
        return self.conv_s(self.norm_s(x, segmap)) if self.learned_shortcut else x

    def forward(self, x: Tensor, segmap: Tensor) -> Tensor:
        residual = self.conv_0(F.leaky_relu(self.norm_0(x, segmap), LEAKY_SLOPE))
        residual = self.conv_1(F.leaky_relu(self.norm_1(residual, segmap), LEAKY_SLOPE))
        return self.shortcut(x, segmap) + residual

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.out_channels}, learned_shortcut={self.learned_shortcut}"
