r"""A multi-level AdaIN decoder: AdaIN at relu1_1 ... relu3_1 too, fed in through skip connections.

The paper's decoder (Huang & Belongie 2017, :class:`~stylesynth.nets.AdaINDecoder`) sees only the
AdaIN-aligned relu4_1 features, ``t_4 = AdaIN(f_4(c), f_4(s))``, and has to infer the style's
colours and fine texture from their 1/8-resolution statistics; the bundled ``adain-default``
renders every style with one pink-violet cast (issue 25). This decoder also aligns the content's
features at the shallower layers ``l`` of ``skips`` to the style's per-channel statistics,

.. math::
    t_l = \mathrm{AdaIN}(f_l(c), f_l(s)) = \sigma(f_l(s))\,\frac{f_l(c) - \mu(f_l(c))}{\sigma(f_l(c))} + \mu(f_l(s)),

and adds each one, through a 1x1 conv ``P_l``, to the decoder's activations where they have
layer ``l``'s resolution and channel count (after the upsampling that follows conv4_1, conv3_1 and
conv2_1 for relu3_1, relu2_1 and relu1_1):

.. math::
    x_l \leftarrow x_l + P_l(t_l), \qquad g = D(t_4;\ \{P_l(t_l)\}_{l \in \text{skips}}),

so the style's palette (relu1_1) and stroke statistics (relu2_1, relu3_1) reach the layers that
draw them. ``alpha`` interpolates ``t_l`` with ``f_l(c)`` at every level (the Stylizer's job). It
follows the multi-level stylisation of Li et al. 2017, "Universal Style Transfer via Feature
Transforms" (a transform at relu1_1 ... relu5_1), and the skip connections at matching
resolutions that carry transformed shallow features into the decoder in Yoo et al. 2019,
"Photorealistic Style Transfer via Wavelet Transforms" (WCT2), here with AdaIN's per-channel
statistics instead of whitening and colouring.

The ``P_l`` start at zero (weights and biases), so :meth:`MultiLevelAdaINDecoder.from_decoder`
gives a decoder whose output is exactly the paper decoder's: a fine-tune from the bundled weights
starts where they are. ``configs/adain-multilevel.yaml`` fine-tunes one from ``adain-default``.
In a checkpoint's ``config.json`` the variant is ``"decoder": {"skips": ["relu1_1", "relu2_1",
"relu3_1"]}`` (kind ``"adain"``); a config without ``"decoder"`` is the paper's decoder.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .adain_decoder import UPSAMPLED_LEVEL, AdaINDecoder

__all__ = ["MultiLevelAdaINDecoder", "SKIP_LEVELS", "decoder_config", "decoder_from_config"]

#: The layers a skip can read, shallowest first, with their channel counts and strides (VGG's).
SKIP_LEVELS: dict[str, tuple[int, int]] = {"relu1_1": (64, 1), "relu2_1": (128, 2), "relu3_1": (256, 4)}
#: relu4_1's stride: the decoder's input is at 1/8 of the image.
_DEEPEST_STRIDE = 8


class MultiLevelAdaINDecoder(AdaINDecoder):
    """The paper's decoder plus zero-initialised 1x1 skip convs from AdaIN-aligned shallow features.

    Args:
        skips: the shallow layers whose aligned features are added, distinct, among relu1_1,
            relu2_1, relu3_1 (any order; kept shallowest first). At least one: the paper's decoder
            is :class:`AdaINDecoder`.

    State dict keys: the paper decoder's ``convs.*`` and ``skip_convs.<layer>.weight`` / ``.bias``.

    Shape:
        ``decoder(t_4, *t_skips)``: ``t_4`` ``(N, 512, h, w)`` and one tensor per skip, shallowest
        first, each ``(N, C_l, H_l, W_l)`` as the encoder returns it for one image batch (``C_l``
        64, 128, 256; ``ceil(H_l * stride_l / 8) == h``, strides 1, 2, 4) -> ``(N, 3, 8h, 8w)``.
        Skip features smaller than the decoder's activations (images whose sides are not
        multiples of 8) are padded by replication at the bottom and right after their conv.
    """

    def __init__(self, skips: Sequence[str] = tuple(SKIP_LEVELS)) -> None:
        if isinstance(skips, str) or not isinstance(skips, Iterable):
            raise ValueError(f"MultiLevelAdaINDecoder: skips must be a list of layers among {', '.join(SKIP_LEVELS)}, got {skips!r}")
        chosen = list(skips)
        if not chosen or len(set(chosen)) != len(chosen) or any(level not in SKIP_LEVELS for level in chosen):
            raise ValueError(
                f"MultiLevelAdaINDecoder: skips must be one or more distinct layers among {', '.join(SKIP_LEVELS)}, got {chosen!r} "
                "(the paper's decoder, without skips, is AdaINDecoder)"
            )
        super().__init__()
        self.skips = tuple(level for level in SKIP_LEVELS if level in chosen)
        self.skip_convs = nn.ModuleDict({level: nn.Conv2d(SKIP_LEVELS[level][0], SKIP_LEVELS[level][0], 1) for level in self.skips})
        self._zero_skips()

    def _zero_skips(self) -> None:
        for conv in self.skip_convs.values():
            assert isinstance(conv, nn.Conv2d) and conv.bias is not None
            nn.init.zeros_(conv.weight)
            nn.init.zeros_(conv.bias)

    def reset_parameters(self) -> None:
        """The paper decoder's initialisation (:meth:`AdaINDecoder.reset_parameters`) and zero skip convs."""
        super().reset_parameters()
        if "skip_convs" in self._modules:  # not yet built while AdaINDecoder.__init__ runs
            self._zero_skips()

    @property
    def levels(self) -> tuple[str, ...]:
        """The encoder layers this decoder reads, shallowest first: the skips, then relu4_1."""
        return (*self.skips, "relu4_1")

    def forward(self, features: Tensor, *skip_features: Tensor) -> Tensor:
        self._check_deepest(features)
        if len(skip_features) != len(self.skips):
            raise ValueError(
                f"MultiLevelAdaINDecoder: expected relu4_1 features and one tensor per skip ({', '.join(self.skips)}), "
                f"got {1 + len(skip_features)} tensor(s) in all"
            )
        height, width = features.shape[-2:]
        for level, skip in zip(self.skips, skip_features, strict=True):
            channels, stride = SKIP_LEVELS[level]
            factor = _DEEPEST_STRIDE // stride
            if (
                skip.dim() != 4 or skip.shape[0] != features.shape[0] or skip.shape[1] != channels
                or -(-skip.shape[-2] // factor) != height or -(-skip.shape[-1] // factor) != width
            ):  # fmt: skip
                raise ValueError(
                    f"MultiLevelAdaINDecoder: {level} features must be (N={features.shape[0]}, {channels}, H, W) with "
                    f"ceil(H / {factor}) = {height} and ceil(W / {factor}) = {width} (the encoder's, for the images "
                    f"of these relu4_1 features), got {tuple(skip.shape)}"
                )
        by_conv = {conv: level for conv, level in UPSAMPLED_LEVEL.items() if level in self.skips}
        aligned = dict(zip(self.skips, skip_features, strict=True))

        def inject(conv_name: str, x: Tensor) -> Tensor:
            level = by_conv.get(conv_name)
            if level is None:
                return x
            added = self.skip_convs[level](aligned[level].to(x.dtype))
            pad_bottom, pad_right = x.shape[-2] - added.shape[-2], x.shape[-1] - added.shape[-1]
            if pad_bottom or pad_right:
                added = F.pad(added, (0, pad_right, 0, pad_bottom), mode="replicate")
            return x + added

        return self._decode(features, inject)

    @classmethod
    def from_decoder(cls, decoder: AdaINDecoder, skips: Sequence[str] = tuple(SKIP_LEVELS)) -> MultiLevelAdaINDecoder:
        """A multi-level decoder with ``decoder``'s convs (copied) and zero skip convs: it decodes exactly as ``decoder``."""
        if isinstance(decoder, MultiLevelAdaINDecoder):
            raise ValueError(
                f"MultiLevelAdaINDecoder.from_decoder: expected the paper's AdaINDecoder, got a multi-level one "
                f"(skips {', '.join(decoder.skips)}); load its checkpoint as it is instead"
            )
        new = cls(skips)
        with torch.no_grad():
            new.convs.load_state_dict(decoder.convs.state_dict())
        return new

    def config(self) -> dict[str, Any]:
        """The ``"decoder"`` entry of a network config: ``{"skips": [...]}``."""
        return {"skips": list(self.skips)}


def decoder_config(decoder: AdaINDecoder) -> dict[str, Any] | None:
    """The ``"decoder"`` entry of an AdaIN network's config, or ``None`` for the paper's decoder (no entry)."""
    return decoder.config() if isinstance(decoder, MultiLevelAdaINDecoder) else None


def decoder_from_config(config: Mapping[str, Any] | None) -> AdaINDecoder:
    """The decoder of a network config's ``"decoder"`` entry: ``None`` (no entry) is the paper's decoder."""
    if config is None:
        return AdaINDecoder()
    if not isinstance(config, Mapping) or set(config) != {"skips"}:
        raise ValueError(f"'decoder' must be {{'skips': [layers among {', '.join(SKIP_LEVELS)}]}} or absent (the paper's decoder), got {config!r}")
    return MultiLevelAdaINDecoder(config["skips"])
