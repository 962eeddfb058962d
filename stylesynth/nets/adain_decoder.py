"""AdaIN's decoder: the mirror of VGG-19 to relu4_1 (Huang & Belongie, 2017)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..io import load_torch_file
from ._weights import expect_mapping, expect_tensor

__all__ = ["AdaINDecoder", "DECODER_INDEX", "UPSAMPLED_LEVEL"]

#: The decoder's convs in execution order as (name, in_channels, out_channels, upsample_after):
#: the encoder's convs mirrored, pools replaced by nearest x2 upsampling.
_LAYOUT: tuple[tuple[str, int, int, bool], ...] = (
    ("conv4_1", 512, 256, True),
    ("conv3_4", 256, 256, False), ("conv3_3", 256, 256, False), ("conv3_2", 256, 256, False),
    ("conv3_1", 256, 128, True),
    ("conv2_2", 128, 128, False), ("conv2_1", 128, 64, True),
    ("conv1_2", 64, 64, False), ("conv1_1", 64, 3, False),
)  # fmt: skip

#: conv name -> the encoder layer whose resolution and channel count the decoder's activations have
#: after that conv's upsampling (where a multi-level decoder adds that layer's features).
UPSAMPLED_LEVEL = {"conv4_1": "relu3_1", "conv3_1": "relu2_1", "conv2_1": "relu1_1"}

#: conv name -> index in the AdaIN port's ``decoder.pth`` ``nn.Sequential``.
DECODER_INDEX = {
    "conv4_1": 1, "conv3_4": 5, "conv3_3": 8, "conv3_2": 11, "conv3_1": 14,
    "conv2_2": 18, "conv2_1": 21, "conv1_2": 25, "conv1_1": 28,
}  # fmt: skip


class AdaINDecoder(nn.Module):
    """relu4_1 features -> an RGB image, the mirror of :class:`~stylesynth.nets.VGGEncoder`.

    Nine 3x3 convs with reflection padding and ReLU, nearest x2 upsampling after conv4_1, conv3_1
    and conv2_1, and no activation after the last conv: the output is RGB nominally in [0, 1]
    (clamp it for display). 3,505,219 parameters, the layout of the public ``decoder.pth``.

    Shape:
        ``(N, 512, h, w)`` -> ``(N, 3, 8h, 8w)``
    """

    def __init__(self) -> None:
        super().__init__()
        self.convs = nn.ModuleDict(
            {name: nn.Conv2d(in_channels, out_channels, 3, padding=1, padding_mode="reflect") for name, in_channels, out_channels, _ in _LAYOUT}
        )
        self._upsample_after = {name for name, *_, upsample in _LAYOUT if upsample}
        self._last = _LAYOUT[-1][0]
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """He-normal weights (fan-in, ReLU gain) and zero biases, for training from scratch; the
        last conv starts at zero weights and a bias of 0.5, so the first output is mid-grey.

        torch's default conv init shrinks the activations layer by layer until the biases decide
        the sign: about half of the units of the last layers never fire for any input. With He
        weights and zero biases every unit starts alive and the scale is kept through the nine convs.
        That scale is the features' scale, though, not an image's: a He-initialized last conv
        decoded noise with a standard deviation of about 6 (in [0, 1] units) from normalised
        relu4_1 features, which the first hundreds of training steps only spend on undoing.
        """
        for name, conv in self.convs.items():
            if name == self._last:
                nn.init.zeros_(conv.weight)
                nn.init.constant_(conv.bias, 0.5)
            else:
                nn.init.kaiming_normal_(conv.weight, mode="fan_in", nonlinearity="relu")
                nn.init.zeros_(conv.bias)

    @property
    def levels(self) -> tuple[str, ...]:
        """The encoder layers this decoder reads, shallowest first: relu4_1 only."""
        return ("relu4_1",)

    def forward(self, features: Tensor) -> Tensor:
        self._check_deepest(features)
        return self._decode(features, None)

    def _check_deepest(self, features: Tensor) -> None:
        if features.dim() != 4 or features.shape[1] != 512:
            raise ValueError(f"{type(self).__name__}: expected relu4_1 features of shape (N, 512, h, w), got {tuple(features.shape)}")

    def _decode(self, features: Tensor, inject: Callable[[str, Tensor], Tensor] | None) -> Tensor:
        """The convs on relu4_1 ``features``; ``inject(conv_name, x)`` (if given) replaces the
        activations ``x`` after each upsampling, which follows the conv of that name (see :data:`UPSAMPLED_LEVEL`)."""
        x = features
        for name, conv in self.convs.items():
            x = conv(x)
            if name == self._last:
                break
            x = F.relu(x)
            if name in self._upsample_after:
                x = F.interpolate(x, scale_factor=2.0, mode="nearest")
                if inject is not None:
                    x = inject(name, x)
        return x

    @classmethod
    def from_public(cls, path: str | os.PathLike) -> AdaINDecoder:
        """Loads the AdaIN PyTorch port's ``decoder.pth`` (legacy or zip serialization, ``weights_only``)."""
        state_dict = load_torch_file(path)
        decoder = cls()
        decoder.load_public_state_dict(state_dict, source=str(path))
        return decoder

    def load_public_state_dict(self, state_dict: Mapping[str, Tensor], source: str = "state dict") -> None:
        """Copies a ``decoder.pth``-layout state dict (keys ``{i}.weight`` / ``.bias``) into this module."""
        expected = "decoder.pth of the AdaIN PyTorch port (keys {i}.weight / .bias of an nn.Sequential, 1.weight [256, 512, 3, 3])"
        expect_mapping(state_dict, source, expected)
        loaded = {
            f"convs.{name}.{part}": expect_tensor(state_dict, f"{index}.{part}", tuple(getattr(self.convs[name], part).shape), source, expected)
            for name, index in sorted(DECODER_INDEX.items(), key=lambda item: item[1])
            for part in ("weight", "bias")
        }
        with torch.no_grad():
            self.convs.load_state_dict({key[len("convs.") :]: value for key, value in loaded.items()})
