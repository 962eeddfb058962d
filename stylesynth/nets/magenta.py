"""Magenta's real-time arbitrary style transfer networks (Ghiasi et al. 2017), on stylesynth.norm.

- :class:`StylePredictor`: MobileNet-v2 (batch norm folded into the convs, ReLU6, TensorFlow
  "SAME" padding), spatial mean, a 1x1 conv to the style code. Magenta distilled it from the
  paper's Inception-v3 predictor.
- :class:`GhiasiTransformer`: the transformer of Johnson et al. 2016 with
  :class:`~stylesynth.norm.CodeConditionalInstanceNorm` after every conv of its residual and
  expanding parts (13 layers), reflection padding, nearest x2 upsampling, a sigmoid output.
- :class:`MagentaArbitraryNetwork`: both, with the config that checkpoints store.
- :class:`DumoulinNetwork`: Dumoulin et al. 2017's network of N styles in per-style gamma/beta tables.

All are fully convolutional: any content size; the transformer pads by reflection to a multiple
of 4 and crops back.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..norm import CodeConditionalInstanceNorm, ConditionalInstanceNorm

# MobileNet-v2 (Sandler et al. 2018), width 1.0: (expansion t, output channels c, repeats n, stride s).
MOBILENET_V2_BLOCKS = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))


#: the smallest content side: the 9x9 reflection pad needs 5 pixels, the 1/4-scale residual pads 2.
MIN_CONTENT_SIZE = 8


class SameConv2d(nn.Conv2d):
    """A conv with TensorFlow's "SAME" padding: total ``max((ceil(n/s) - 1) s + k - n, 0)``, the extra pixel at the end."""

    def forward(self, x: Tensor) -> Tensor:
        pads = []
        for size, k, s in zip(reversed(x.shape[2:]), reversed(self.kernel_size), reversed(self.stride)):
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]
        return F.conv2d(F.pad(x, pads), self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


def _conv_relu6(c_in: int, c_out: int, kernel: int, stride: int = 1, groups: int = 1) -> nn.Sequential:
    return nn.Sequential(SameConv2d(c_in, c_out, kernel, stride, groups=groups), nn.ReLU6())


class InvertedResidual(nn.Module):
    """MobileNet-v2's block: 1x1 expand + ReLU6 (skipped for t = 1), 3x3 depthwise + ReLU6, 1x1 project; identity added when shapes match."""

    def __init__(self, c_in: int, c_out: int, stride: int, expansion: int) -> None:
        super().__init__()
        hidden = c_in * expansion
        self.expand = _conv_relu6(c_in, hidden, 1) if expansion != 1 else nn.Identity()
        self.depthwise = _conv_relu6(hidden, hidden, 3, stride, groups=hidden)
        self.project = nn.Conv2d(hidden, c_out, 1)
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x: Tensor) -> Tensor:
        y = self.project(self.depthwise(self.expand(x)))
        return x + y if self.residual else y


class StylePredictor(nn.Module):
    """Style image in [0, 1] ``(N, 3, H, W)`` -> style code ``(N, code_dim)``: MobileNet-v2 features, spatial mean, a 1x1 conv."""

    def __init__(self, code_dim: int = 100) -> None:
        super().__init__()
        layers: list[nn.Module] = [_conv_relu6(3, 32, 3, 2)]
        c_in = 32
        for expansion, c_out, repeats, stride in MOBILENET_V2_BLOCKS:
            for i in range(repeats):
                layers.append(InvertedResidual(c_in, c_out, stride if i == 0 else 1, expansion))
                c_in = c_out
        layers.append(_conv_relu6(c_in, 1280, 1))
        self.features = nn.Sequential(*layers)
        self.bottleneck = nn.Conv2d(1280, code_dim, 1)

    def forward(self, style: Tensor) -> Tensor:
        features = self.features(style).mean(dim=(2, 3), keepdim=True)
        return self.bottleneck(features).flatten(1)


class _ReflectConv(nn.Sequential):
    """Reflection padding by ``k // 2``, then a valid conv."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int = 1, bias: bool = True) -> None:
        super().__init__(nn.ReflectionPad2d(kernel // 2), nn.Conv2d(c_in, c_out, kernel, stride, bias=bias))


class _ResidualBlock(nn.Module):
    def __init__(self, channels: int, code_dim: int) -> None:
        super().__init__()
        self.conv1 = _ReflectConv(channels, channels, 3, bias=False)
        self.norm1 = CodeConditionalInstanceNorm(channels, code_dim)
        self.conv2 = _ReflectConv(channels, channels, 3, bias=False)
        self.norm2 = CodeConditionalInstanceNorm(channels, code_dim)

    def forward(self, x: Tensor, code: Tensor) -> Tensor:
        y = F.relu(self.norm1(self.conv1(x), code))
        return x + self.norm2(self.conv2(y), code)


class GhiasiTransformer(nn.Module):
    """Content in [0, 1] ``(N, 3, H, W)`` and a style code -> stylized image in [0, 1] of the content's size.

    ``code`` is ``(N, code_dim)`` or ``(N, code_dim, H, W)`` (a code per content pixel: masks).
    Widths ``width`` x (32, 64, 128); Magenta's mobile network uses ``width=0.25``.
    """

    def __init__(self, width: float = 0.25, code_dim: int = 100, num_residual: int = 5) -> None:
        super().__init__()
        c1, c2, c3 = (int(round(c * width)) for c in (32, 64, 128))
        self.contract = nn.ModuleList([_ReflectConv(3, c1, 9), _ReflectConv(c1, c2, 3, 2), _ReflectConv(c2, c3, 3, 2)])
        self.residual = nn.ModuleList([_ResidualBlock(c3, code_dim) for _ in range(num_residual)])
        self.expand_convs = nn.ModuleList([_ReflectConv(c3, c2, 3, bias=False), _ReflectConv(c2, c1, 3, bias=False), _ReflectConv(c1, 3, 9, bias=False)])
        self.expand_norms = nn.ModuleList([CodeConditionalInstanceNorm(c, code_dim) for c in (c2, c1, 3)])

    def forward(self, content: Tensor, code: Tensor) -> Tensor:
        height, width = _check_content(content)
        content = _pad_to_four(content)
        if code.dim() == 4 and code.shape[-2:] != content.shape[-2:]:
            code = F.pad(code, (0, content.shape[-1] - width, 0, content.shape[-2] - height), mode="replicate")
        x = content
        for conv in self.contract:
            x = F.relu(conv(x))
        for block in self.residual:
            x = block(x, code)
        for i, (conv, norm) in enumerate(zip(self.expand_convs, self.expand_norms)):
            if i < 2:
                x = F.interpolate(x, scale_factor=2, mode="nearest")
            x = norm(conv(x), code)
            x = F.relu(x) if i < 2 else torch.sigmoid(x)
        return x[..., :height, :width]


class MagentaArbitraryNetwork(nn.Module):
    """Magenta's arbitrary style network: :class:`StylePredictor` + :class:`GhiasiTransformer`.

    ``style_code(style)`` predicts codes from style images at ``style_size`` (Magenta: 256x256);
    ``forward(content, code)`` renders. Magenta's strength ``w`` mixes codes,
    ``w * P(style) + (1 - w) * P(content)`` (identity interpolation): see :meth:`blend`.
    """

    KIND = "magenta-arbitrary"

    def __init__(self, width: float = 0.25, code_dim: int = 100, style_size: int = 256) -> None:
        super().__init__()
        self.width, self.code_dim, self.style_size = width, code_dim, style_size
        self.predictor = StylePredictor(code_dim)
        self.transformer = GhiasiTransformer(width, code_dim)

    def config(self) -> dict[str, Any]:
        return {"kind": self.KIND, "width": self.width, "code_dim": self.code_dim, "style_size": self.style_size}

    @classmethod
    def from_config(cls, config: Mapping[str, Any], state_dict: Mapping[str, Tensor] | None = None, source: str = "checkpoint") -> MagentaArbitraryNetwork:
        """The network a checkpoint's ``config.json`` describes, with ``state_dict`` loaded strictly."""
        return _build_checked(
            cls, config, state_dict, source,
            lambda: cls(float(config.get("width", 0.25)), int(config.get("code_dim", 100)), int(config.get("style_size", 256))),
        )

    @classmethod
    def from_pretrained(cls, source: str | os.PathLike = "magenta-arbitrary") -> MagentaArbitraryNetwork:
        """A checkpoint folder (or its ``model.safetensors``) or the bundled name, through the project's one resolver and reader."""
        return _read_pretrained(cls, source)

    @classmethod
    def from_lightning(cls, state_dict: Mapping[str, Tensor], info: Mapping[str, Any], source: str) -> MagentaArbitraryNetwork:
        """The network of a ``models.ghiasi.GhiasiModule`` checkpoint (its weights are ``net.*``)."""
        from ..io import CheckpointError

        if info.get("kind") != cls.KIND:
            raise CheckpointError(f"{source}: holds a {info.get('kind')!r} checkpoint, expected a {cls.KIND!r} one")
        weights = {key[len("net.") :]: value for key, value in state_dict.items() if key.startswith("net.")}
        return cls.from_config(info.get("config", {}), weights, source=source)

    @staticmethod
    def card_lines(config: Mapping[str, Any]) -> list[str]:
        """The model card's lines about this network's settings (see :func:`stylesynth.inference.checkpoints.model_card`)."""
        return [
            "## Settings",
            "",
            f"- Ghiasi et al. 2017 transformer at width {config.get('width', 0.25)}, {config.get('code_dim', 100)}-d style code",
            f"- style predictor: MobileNet-v2, style images resized to {config.get('style_size', 256)}x{config.get('style_size', 256)}",
        ]

    def style_code(self, style: Tensor) -> Tensor:
        """Codes ``(N, code_dim)`` of style images in [0, 1], resized to ``style_size`` squared (bilinear, antialiased)."""
        if style.shape[-2:] != (self.style_size, self.style_size):  # in float32: antialiased resizing has no bf16 kernel
            resized = F.interpolate(style.float(), size=(self.style_size, self.style_size), mode="bilinear", antialias=True, align_corners=False)
            style = resized.to(style.dtype)
        return self.predictor(style)

    @staticmethod
    def blend(style_code: Tensor, content_code: Tensor, strength: float) -> Tensor:
        """Magenta's identity interpolation: ``strength * style_code + (1 - strength) * content_code``."""
        return torch.lerp(content_code, style_code, strength)

    def forward(self, content: Tensor, code: Tensor) -> Tensor:
        return self.transformer(content, code)


class _TableConv(nn.Module):
    """Reflection pad + conv (no bias) + a conditional instance norm with one (gamma, beta) per style."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, num_styles: int) -> None:
        super().__init__()
        self.conv = _ReflectConv(c_in, c_out, kernel, stride, bias=False)
        self.norm = ConditionalInstanceNorm(c_out, num_styles)

    def forward(self, x: Tensor, style: Tensor) -> Tensor:
        return self.norm(self.conv(x), style)


class _TableResidual(nn.ModuleList):
    """Two :class:`_TableConv` (keys ``0`` and ``1``): ``x + cin(conv(relu(cin(conv(x)))))``."""

    def forward(self, x: Tensor, style: Tensor) -> Tensor:
        return x + self[1](F.relu(self[0](x, style)), style)


class DumoulinNetwork(nn.Module):
    """Dumoulin, Shlens & Kudlur 2017, "A Learned Representation for Artistic Style": N styles in one network.

    The transformer of Johnson et al. with a :class:`~stylesynth.norm.ConditionalInstanceNorm`
    after every conv (tables ``(num_styles, C)`` of gamma and beta): reflection-padded convs
    9x9 / 3x3 s2 / 3x3 s2, residual blocks (conv, CIN, ReLU, conv, CIN, plus the input), nearest x2
    upsampling + 3x3 conv twice, a 9x9 conv, CIN, sigmoid. ``forward(content, style)`` takes style
    ids ``(N,)`` or mixing weights ``(N, num_styles)``: ``gamma = sum_i w_i gamma_i`` (the paper's
    style interpolation; weights are used as given). Any content size >= 8: padded by reflection
    to a multiple of 4 and cropped back. Widths default to the Magenta/TensorFlow Android demo
    network that ``magenta-26`` holds.
    """

    KIND = "magenta-26"

    def __init__(self, num_styles: int = 26, widths: tuple[int, ...] = (32, 32, 32), expand: tuple[int, ...] = (8, 4), num_residual: int = 6) -> None:
        super().__init__()
        self.num_styles, self.widths, self.expand_widths, self.num_residual = num_styles, tuple(widths), tuple(expand), num_residual
        c1, c2, c3 = widths
        self.contract = nn.ModuleList([_TableConv(3, c1, 9, 1, num_styles), _TableConv(c1, c2, 3, 2, num_styles), _TableConv(c2, c3, 3, 2, num_styles)])
        self.residual = nn.ModuleList(
            _TableResidual([_TableConv(c3, c3, 3, 1, num_styles), _TableConv(c3, c3, 3, 1, num_styles)]) for _ in range(num_residual)
        )
        e1, e2 = expand
        self.expand = nn.ModuleList([_TableConv(c3, e1, 3, 1, num_styles), _TableConv(e1, e2, 3, 1, num_styles), _TableConv(e2, 3, 9, 1, num_styles)])

    def config(self) -> dict[str, Any]:
        return {"kind": self.KIND, "num_styles": self.num_styles, "widths": list(self.widths), "expand": list(self.expand_widths), "num_residual": self.num_residual}

    @classmethod
    def from_config(cls, config: Mapping[str, Any], state_dict: Mapping[str, Tensor] | None = None, source: str = "checkpoint") -> DumoulinNetwork:
        return _build_checked(
            cls, config, state_dict, source,
            lambda: cls(int(config["num_styles"]), tuple(config["widths"]), tuple(config["expand"]), int(config["num_residual"])),
        )

    @classmethod
    def from_pretrained(cls, source: str | os.PathLike = "magenta-26") -> DumoulinNetwork:
        """A checkpoint folder (or its ``model.safetensors``) or the bundled name, through the project's one resolver and reader."""
        return _read_pretrained(cls, source)

    def forward(self, content: Tensor, style: Tensor | int) -> Tensor:
        height, width = _check_content(content)
        x = _pad_to_four(content)
        if isinstance(style, int):
            style = torch.full((x.shape[0],), style, dtype=torch.long, device=x.device)
        for layer in self.contract:
            x = F.relu(layer(x, style))
        for block in self.residual:
            x = block(x, style)
        for i, layer in enumerate(self.expand):
            if i < 2:
                x = F.interpolate(x, scale_factor=2, mode="nearest")
            x = layer(x, style)
            x = F.relu(x) if i < 2 else torch.sigmoid(x)
        return x[..., :height, :width]


def _check_content(content: Tensor) -> tuple[int, int]:
    height, width = content.shape[-2:]
    if min(height, width) < MIN_CONTENT_SIZE:
        raise ValueError(f"content must be at least {MIN_CONTENT_SIZE}x{MIN_CONTENT_SIZE} pixels, got {height}x{width}")
    return height, width


def _pad_to_four(image: Tensor) -> Tensor:
    """Reflection padding at the bottom and right to a multiple of 4 (two stride-2 convs, two x2 upsamplings)."""
    pad_h, pad_w = -image.shape[-2] % 4, -image.shape[-1] % 4
    return F.pad(image, (0, pad_w, 0, pad_h), mode="reflect") if pad_h or pad_w else image


def _build_checked(cls: Any, config: Mapping[str, Any], state_dict: Mapping[str, Tensor] | None, source: str, build: Callable[[], Any]) -> Any:
    """``build()`` for a config of ``cls.KIND``, with ``state_dict`` loaded strictly; every problem a CheckpointError naming ``source``."""
    from ..io import CheckpointError, load_state_strict

    if config.get("kind") != cls.KIND:
        raise CheckpointError(f"{source}: holds a {config.get('kind')!r} checkpoint, expected a {cls.KIND!r} one")
    try:
        network = build()
    except (KeyError, TypeError, ValueError) as error:
        raise CheckpointError(f"{source}: invalid {cls.KIND} config ({error!r})") from None
    if state_dict is not None:
        load_state_strict(network, state_dict, source)
    return network.eval()


def _read_pretrained(cls: Any, source: str | os.PathLike) -> Any:
    from ..io import load_pretrained, resolve_checkpoint

    path = resolve_checkpoint(source, cls.KIND)
    if path.is_file() and path.suffix.lower() == ".safetensors":
        path = path.parent
    state_dict, config = load_pretrained(path, kind=cls.KIND)
    return cls.from_config(config, state_dict, source=str(path))
