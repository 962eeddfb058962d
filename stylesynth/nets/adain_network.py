"""The AdaIN style-transfer network: a fixed VGG encoder, AdaIN, a trained decoder, and its config."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from torch import Tensor, nn

from ..io import CheckpointError, load_state_strict
from ..validation import check_eps
from .adain_decoder import AdaINDecoder
from .adain_multilevel import decoder_config, decoder_from_config
from .vgg import VGGEncoder

__all__ = ["AdaINNetwork", "PUBLIC_DECODER_NAME", "PUBLIC_VGG_NAME", "STATS"]

#: ``stats`` options: the variance estimator of AdaIN's statistics.
STATS = ("biased", "unbiased")
#: File names of the AdaIN PyTorch port's public weights.
PUBLIC_VGG_NAME, PUBLIC_DECODER_NAME = "vgg_normalised.pth", "decoder.pth"


class AdaINNetwork(nn.Module):
    """Encoder (frozen VGG-19 to relu4_1) and decoder of AdaIN style transfer (Huang & Belongie, 2017).

    Holds the modules and the settings that go with the weights; the style transfer itself lives in
    :class:`stylesynth.inference.Stylizer`, the training losses in ``models.adain``.

    Args:
        encoder: the feature encoder; must stop at ``relu4_1``.
        decoder: the mirror decoder: the paper's :class:`AdaINDecoder`, or a
            :class:`~stylesynth.nets.adain_multilevel.MultiLevelAdaINDecoder` that also reads
            AdaIN-aligned relu1_1 ... relu3_1 features (then :attr:`levels` lists them too).
        stats: ``"biased"`` (the paper's Torch release, our default) or ``"unbiased"`` (the ``n - 1``
            variance of the PyTorch port, to reproduce its outputs with its weights).
        eps: added to the variance before the square root.

    State dict keys: ``encoder.*`` and ``decoder.*``. Config: ``kind``, ``encoder``, ``stats``,
    ``eps``, and ``decoder`` (``{"skips": [...]}``) for a multi-level decoder only.
    """

    #: the ``"kind"`` of this network's checkpoints
    KIND: ClassVar[str] = "adain"

    def __init__(self, encoder: VGGEncoder, decoder: AdaINDecoder, stats: str = "biased", eps: float = 1e-5) -> None:
        super().__init__()
        if encoder.last_layer != "relu4_1":
            raise ValueError(f"AdaINNetwork: the encoder must stop at relu4_1, got {encoder.last_layer}")
        if stats not in STATS:
            raise ValueError(f"AdaINNetwork: stats must be one of {', '.join(STATS)}, got {stats!r}")
        self.encoder = encoder
        self.decoder = decoder
        self.stats = stats
        self.eps = check_eps(eps, "AdaINNetwork: eps")

    @property
    def unbiased(self) -> bool:
        return self.stats == "unbiased"

    @property
    def levels(self) -> tuple[str, ...]:
        """The encoder layers whose features AdaIN aligns and the decoder reads, shallowest first
        (the paper's decoder: ``("relu4_1",)``; a multi-level one: its skips, then relu4_1)."""
        return self.decoder.levels

    def encode_levels(self, images: Tensor) -> list[Tensor]:
        """The encoder's features at :attr:`levels` (shallowest first) for RGB ``images`` in [0, 1]."""
        if self.levels == (self.encoder.last_layer,):
            return [self.encoder.encode(images)]
        features = dict(zip(self.encoder.layers, self.encoder(images), strict=True))
        return [features[level] for level in self.levels]

    def decode_levels(self, features: Sequence[Tensor]) -> Tensor:
        """The image decoded from (AdaIN-aligned) features at :attr:`levels`, as :meth:`encode_levels` returns them."""
        if len(features) != len(self.levels):
            raise ValueError(f"AdaINNetwork: expected features at {', '.join(self.levels)}, got {len(features)} tensor(s)")
        return self.decoder(features[-1], *features[:-1])

    def config(self) -> dict[str, Any]:
        """JSON-serializable settings that rebuild this network with :meth:`from_config`."""
        config = {"kind": self.KIND, "encoder": self.encoder.config(), "stats": self.stats, "eps": self.eps}
        decoder = decoder_config(self.decoder)
        return config if decoder is None else {**config, "decoder": decoder}

    @classmethod
    def from_config(cls, config: Mapping[str, Any], state_dict: Mapping[str, Tensor] | None = None, source: str = "checkpoint") -> AdaINNetwork:
        """Builds the network from :meth:`config`'s dict and loads ``state_dict`` (keys ``encoder.*``, ``decoder.*``).

        A config without ``"decoder"`` (every checkpoint before the multi-level decoder) builds the paper's decoder."""
        if config.get("kind") != cls.KIND:
            raise CheckpointError(f"{source}: holds a {config.get('kind')!r} checkpoint, expected an 'adain' one")
        encoder_config = config.get("encoder")
        if not isinstance(encoder_config, Mapping):
            raise CheckpointError(f"{source}: config has no 'encoder' settings (expected e.g. {VGGEncoder().config()})")
        try:
            decoder = decoder_from_config(config.get("decoder"))
            network = cls(VGGEncoder(**encoder_config), decoder, stats=config.get("stats", "biased"), eps=config.get("eps", 1e-5))
        except (TypeError, ValueError) as error:
            raise CheckpointError(f"{source}: invalid AdaIN config ({error})") from None
        if state_dict is not None:
            load_state_strict(network, state_dict, source)
        return network

    @classmethod
    def from_lightning(cls, state_dict: Mapping[str, Tensor], info: Mapping[str, Any], source: str) -> AdaINNetwork:
        """The network of a ``models.adain.AdaINModule`` checkpoint (its weights are ``net.*``)."""
        if info.get("kind") != cls.KIND:
            raise CheckpointError(f"{source}: holds a {info.get('kind')!r} checkpoint, expected an 'adain' one")
        weights = {key[len("net.") :]: value for key, value in state_dict.items() if key.startswith("net.")}
        return cls.from_config(info.get("config", {}), weights, source=source)

    @classmethod
    def from_public(cls, vgg: str | os.PathLike, decoder: str | os.PathLike, stats: str = "biased") -> AdaINNetwork:
        """The AdaIN PyTorch port's ``vgg_normalised.pth`` and ``decoder.pth`` (legacy or zip files)."""
        return cls(VGGEncoder.from_vgg_normalised(vgg), AdaINDecoder.from_public(decoder), stats=stats)

    @classmethod
    def from_foreign(cls, path: Path) -> AdaINNetwork:
        """Weights in another project's layout: a folder holding the port's ``vgg_normalised.pth`` and
        ``decoder.pth``, or that ``decoder.pth`` (any ``.pth``/``.pt`` name) with ``vgg_normalised.pth`` beside it."""
        if path.is_dir():
            vgg, decoder = path / PUBLIC_VGG_NAME, path / PUBLIC_DECODER_NAME
            if not (vgg.is_file() and decoder.is_file()):
                raise CheckpointError(
                    f"{path} is not a stylesynth checkpoint: config.json is missing (expected config.json + model.safetensors "
                    f"from `stylesynth export`, or the public {PUBLIC_VGG_NAME} + {PUBLIC_DECODER_NAME} of the AdaIN port)"
                )
            return cls.from_public(vgg, decoder)
        if path.suffix.lower() in (".pth", ".pt"):
            vgg = path.parent / PUBLIC_VGG_NAME
            if not vgg.is_file():
                raise CheckpointError(
                    f"{path}: a public decoder.pth needs {PUBLIC_VGG_NAME} beside it (not found at {vgg}); "
                    "or use Stylizer.from_public_weights(vgg, decoder)"
                )
            return cls.from_public(vgg, path)
        raise CheckpointError(
            f"{path}: unknown checkpoint file type; expected a folder, model.safetensors, a .ckpt, or decoder.pth"
        )

    @staticmethod
    def card_lines(config: Mapping[str, Any]) -> list[str]:
        """The model card's lines about this network's settings (see :func:`stylesynth.inference.checkpoints.model_card`)."""
        encoder = config["encoder"]
        decoder = config.get("decoder")
        return [
            "## Settings",
            "",
            f"- encoder: {encoder.get('arch', 'vgg19').upper().replace('VGG', 'VGG-')} to {encoder.get('last_layer', 'relu4_1')}, "
            f"{encoder.get('preprocessing', 'none')} preprocessing, {encoder.get('padding', 'reflect')} padding",
            f"- AdaIN statistics: {config['stats']} variance, eps {config['eps']}",
            *([f"- decoder: multi-level, AdaIN also at {', '.join(decoder['skips'])}, added to the decoder through 1x1 skip convs"] if decoder else []),
        ]
