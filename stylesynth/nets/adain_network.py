"""The AdaIN style-transfer network: a fixed VGG encoder, AdaIN, a trained decoder, and its config."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor, nn

from ..io import CheckpointError
from .adain_decoder import AdaINDecoder
from .vgg import VGGEncoder

__all__ = ["AdaINNetwork", "STATS"]

#: ``stats`` options: the variance estimator of AdaIN's statistics.
STATS = ("biased", "unbiased")


class AdaINNetwork(nn.Module):
    """Encoder (frozen VGG-19 to relu4_1) and decoder of AdaIN style transfer (Huang & Belongie, 2017).

    Holds the modules and the settings that go with the weights; the style transfer itself lives in
    :class:`stylesynth.inference.Stylizer`, the training losses in ``models.adain``.

    Args:
        encoder: the feature encoder; must stop at ``relu4_1``.
        decoder: the mirror decoder.
        stats: ``"biased"`` (the paper's Torch release, our default) or ``"unbiased"`` (the ``n - 1``
            variance of the PyTorch port, to reproduce its outputs with its weights).
        eps: added to the variance before the square root.

    State dict keys: ``encoder.*`` and ``decoder.*``.
    """

    def __init__(self, encoder: VGGEncoder, decoder: AdaINDecoder, stats: str = "biased", eps: float = 1e-5) -> None:
        super().__init__()
        if encoder.last_layer != "relu4_1":
            raise ValueError(f"AdaINNetwork: the encoder must stop at relu4_1, got {encoder.last_layer}")
        if stats not in STATS:
            raise ValueError(f"AdaINNetwork: stats must be one of {', '.join(STATS)}, got {stats!r}")
        self.encoder = encoder
        self.decoder = decoder
        self.stats = stats
        self.eps = float(eps)

    @property
    def unbiased(self) -> bool:
        return self.stats == "unbiased"

    def config(self) -> dict[str, Any]:
        """JSON-serializable settings that rebuild this network with :meth:`from_config`."""
        return {"kind": "adain", "encoder": self.encoder.config(), "stats": self.stats, "eps": self.eps}

    @classmethod
    def from_config(cls, config: Mapping[str, Any], state_dict: Mapping[str, Tensor] | None = None, source: str = "checkpoint") -> AdaINNetwork:
        """Builds the network from :meth:`config`'s dict and loads ``state_dict`` (keys ``encoder.*``, ``decoder.*``)."""
        if config.get("kind") != "adain":
            raise CheckpointError(f"{source}: holds a {config.get('kind')!r} checkpoint, expected an 'adain' one")
        encoder_config = config.get("encoder")
        if not isinstance(encoder_config, Mapping):
            raise CheckpointError(f"{source}: config has no 'encoder' settings (expected e.g. {VGGEncoder().config()})")
        try:
            network = cls(VGGEncoder(**encoder_config), AdaINDecoder(), stats=config.get("stats", "biased"), eps=config.get("eps", 1e-5))
        except (TypeError, ValueError) as error:
            raise CheckpointError(f"{source}: invalid AdaIN config ({error})") from None
        if state_dict is not None:
            network.load_weights(state_dict, source)
        return network

    def load_weights(self, state_dict: Mapping[str, Tensor], source: str = "checkpoint") -> None:
        """Loads our own ``encoder.*`` / ``decoder.*`` weights (any float dtype), naming missing or extra keys."""
        own = self.state_dict()
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        if missing or unexpected:
            details = []
            if missing:
                details.append(f"missing {missing[:3]}{' ...' if len(missing) > 3 else ''}")
            if unexpected:
                details.append(f"unexpected {unexpected[:3]}{' ...' if len(unexpected) > 3 else ''}")
            raise CheckpointError(f"{source}: not the weights of an AdaIN network with this config ({'; '.join(details)})")
        for key, value in own.items():
            if tuple(state_dict[key].shape) != tuple(value.shape):
                raise CheckpointError(f"{source}: {key!r} has shape {list(state_dict[key].shape)}, expected {list(value.shape)}")
        with torch.no_grad():
            self.load_state_dict({key: value.float() for key, value in state_dict.items()})
