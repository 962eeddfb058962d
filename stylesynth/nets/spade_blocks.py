"""SPADE's building blocks: initialized (optionally spectral-normalized) convs and the SPADE residual block."""

from __future__ import annotations

import re

import torch.nn.functional as F
from torch import Tensor, nn

from ..norm import CLADE, SPADE, spectral_norm
from ..norm.spade import PARAM_FREE_NORMS as INNER_NORMS

#: the block's modulated norm: SPADE (Park et al., 2019) or CLADE (Tan et al., 2021)
MODULATIONS = ("spade", "clade")

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
    follow the official release. With ``modulation="clade"`` the three norms are
    :class:`~stylesynth.norm.CLADE` (a per-class lookup of γ, β instead of SPADE's convs) under the
    same names; ``kernel_size`` and ``hidden_channels`` are SPADE's and then unused.

    Args:
        in_channels: channels of ``x``.
        out_channels: channels of the output.
        semantic_nc: channels of the segmentation map ``m``.
        norm: SPADE's parameter-free inner norm (``instance``, ``batch`` or ``sync_batch``).
        spectral: spectral normalization on the three convs (the paper's setting).
        kernel_size: kernel of SPADE's convs.
        hidden_channels: width of SPADE's shared conv (128 in the paper).
        modulation: ``"spade"`` or ``"clade"``.
        positional: CLADE's intra-class positional encoding (CLADE-ICPE); CLADE only.

    Shape:
        ``x`` ``(N, in_channels, H, W)``, ``segmap`` ``(N, semantic_nc, H', W')`` (CLADE: or class ids
        ``(N, H', W')``), ``positional_map`` (CLADE-ICPE, optional) ``(N, 2, H', W')`` -> ``(N, out_channels, H, W)``.
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
        modulation: str = "spade",
        positional: bool = False,
    ) -> None:
        super().__init__()
        if norm not in INNER_NORMS:
            raise ValueError(f"SPADEResBlock: norm must be one of {', '.join(INNER_NORMS)}, got {norm!r}")
        if modulation not in MODULATIONS:
            raise ValueError(f"SPADEResBlock: modulation must be one of {', '.join(MODULATIONS)}, got {modulation!r}")
        if positional and modulation != "clade":
            raise ValueError("SPADEResBlock: positional (CLADE-ICPE) needs modulation='clade'")
        self.modulation = modulation
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.learned_shortcut = in_channels != out_channels
        middle = min(in_channels, out_channels)
        self.conv_0 = make_conv(in_channels, middle, 3, padding=1, spectral=spectral)
        self.conv_1 = make_conv(middle, out_channels, 3, padding=1, spectral=spectral)
        if self.learned_shortcut:
            self.conv_s = make_conv(in_channels, out_channels, 1, bias=False, spectral=spectral)
        if modulation == "clade":
            def make_norm(channels: int) -> nn.Module:
                return CLADE(channels, semantic_nc, norm=norm, positional=positional)
        else:
            def make_norm(channels: int) -> nn.Module:
                return SPADE(channels, semantic_nc, norm=norm, hidden_channels=hidden_channels, kernel_size=kernel_size)
        self.norm_0 = make_norm(in_channels)
        self.norm_1 = make_norm(middle)
        if self.learned_shortcut:
            self.norm_s = make_norm(in_channels)
        for spade_layer in self.spade_layers():
            if isinstance(spade_layer, SPADE):
                for conv in (spade_layer.mlp_shared[0], spade_layer.mlp_gamma, spade_layer.mlp_beta):
                    init_weight(conv)

    def spade_layers(self) -> list[SPADE | CLADE]:
        """The block's modulated norms (``norm_0``, ``norm_1`` and, with a learned shortcut, ``norm_s``)."""
        return [module for module in (self.norm_0, self.norm_1, getattr(self, "norm_s", None)) if module is not None]

    def _norm(self, layer: nn.Module, x: Tensor, segmap: Tensor, positional_map: Tensor | None) -> Tensor:
        return layer(x, segmap, positional_map) if positional_map is not None else layer(x, segmap)

    def shortcut(self, x: Tensor, segmap: Tensor, positional_map: Tensor | None = None) -> Tensor:
        return self.conv_s(self._norm(self.norm_s, x, segmap, positional_map)) if self.learned_shortcut else x

    def forward(self, x: Tensor, segmap: Tensor, positional_map: Tensor | None = None) -> Tensor:
        residual = self.conv_0(F.leaky_relu(self._norm(self.norm_0, x, segmap, positional_map), LEAKY_SLOPE))
        residual = self.conv_1(F.leaky_relu(self._norm(self.norm_1, residual, segmap, positional_map), LEAKY_SLOPE))
        return self.shortcut(x, segmap, positional_map) + residual

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.out_channels}, learned_shortcut={self.learned_shortcut}, modulation={self.modulation!r}"
