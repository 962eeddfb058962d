"""The SPADE synthesis network: generator, optional VAE style encoder, the class list, and its config."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from torch import Tensor, nn

from ..data.segmentation import ClassList, semantic_channels
from ..io import CheckpointError, load_state_strict, load_torch_file
from .spade_generator import UPSAMPLINGS, SPADEGenerator
from .spade_official import OFFICIAL_PRESETS, generator_config_from_state_dict
from .style_encoder import StyleEncoder

__all__ = ["SPADENetwork"]

_MISFIT = "a different class count, don't-care or instance setting, width or size was used in training"


class SPADENetwork(nn.Module):
    """Generator and optional VAE encoder of SPADE (Park et al., 2019), with the label settings they take.

    Owns its configuration as :class:`AdaINNetwork` does: :meth:`config` gives a JSON-serializable
    dict and :meth:`from_config` rebuilds the network from it (and loads weights). Synthesis itself
    lives in :class:`stylesynth.inference.Synthesizer`, training in ``models.spade``.

    Args:
        classes: the class list (names, and colours for RGB label maps).
        generator: :class:`SPADEGenerator` keyword arguments; ``semantic_nc`` may be left out (it
            follows from the classes and flags) and must agree when given.
        encoder: :class:`StyleEncoder` keyword arguments, or ``None`` for no VAE encoder.
        dont_care: the input has a don't-care channel (label 255).
        instance: the input has an instance-edge channel.

    State dict keys: ``generator.*`` (the official ``latest_net_G.pth`` layout) and ``encoder.*``.
    """

    #: the ``"kind"`` of this network's checkpoints
    KIND: ClassVar[str] = "spade"

    def __init__(
        self,
        classes: ClassList,
        generator: Mapping[str, Any],
        encoder: Mapping[str, Any] | None = None,
        dont_care: bool = False,
        instance: bool = False,
    ) -> None:
        super().__init__()
        semantic_nc = semantic_channels(len(classes), dont_care, instance)
        generator_config = {"semantic_nc": semantic_nc, **generator}
        if generator_config["semantic_nc"] != semantic_nc:
            raise ValueError(channel_mismatch(generator_config["semantic_nc"], len(classes), dont_care, instance))
        self.generator = SPADEGenerator(**generator_config)
        self.encoder = StyleEncoder(**encoder) if encoder is not None else None
        if self.encoder is not None and (not self.generator.use_vae or self.encoder.z_dim != self.generator.z_dim):
            raise ValueError(
                f"the style encoder (z_dim {self.encoder.z_dim}) does not fit the generator "
                f"(use_vae={self.generator.use_vae}, z_dim {self.generator.z_dim})"
            )
        self.classes = classes
        self.dont_care = bool(dont_care)
        self.instance = bool(instance)
        self.generator_config = generator_config
        self.encoder_config = dict(encoder) if encoder is not None else None

    @property
    def label_nc(self) -> int:
        return len(self.classes)

    def config(self) -> dict[str, Any]:
        """JSON-serializable settings that rebuild this network with :meth:`from_config`."""
        return {
            "kind": self.KIND,
            "generator": dict(self.generator_config),
            "encoder": dict(self.encoder_config) if self.encoder_config is not None else None,
            "label_nc": self.label_nc,
            "dont_care": self.dont_care,
            "instance": self.instance,
            **self.classes.to_config(),
        }

    @classmethod
    def from_config(cls, config: Mapping[str, Any], state_dict: Mapping[str, Tensor] | None = None, source: str = "checkpoint") -> SPADENetwork:
        """Builds the network from :meth:`config`'s dict and loads ``state_dict`` (``generator.*``, ``encoder.*``)."""
        if config.get("kind") != cls.KIND:
            raise CheckpointError(f"{source}: holds a {config.get('kind')!r} checkpoint, expected a 'spade' one")
        missing = [key for key in ("generator", "label_nc", "class_names", "palette", "dont_care", "instance") if key not in config]
        if missing:
            raise CheckpointError(f"{source}: not a SPADE config: no {', '.join(map(repr, missing))} (found {sorted(config)})")
        try:
            classes = ClassList.from_names(config["class_names"], config["palette"])
            if len(classes) != config["label_nc"]:
                raise ValueError(f"{len(classes)} class names for label_nc {config['label_nc']}")
            network = cls(classes, config["generator"], config.get("encoder"), config["dont_care"], config["instance"])
        except (TypeError, ValueError) as error:
            raise CheckpointError(f"{source}: invalid SPADE config ({error})") from None
        if state_dict is not None:
            load_state_strict(network, state_dict, source, hint=_MISFIT)
        return network

    @classmethod
    def from_lightning(cls, state_dict: Mapping[str, Tensor], info: Mapping[str, Any], source: str) -> SPADENetwork:
        """The networks of a ``models.spade.SPADEModule`` checkpoint (the discriminator is left out)."""
        if info.get("kind") != cls.KIND:
            raise CheckpointError(f"{source}: holds a {info.get('kind')!r} checkpoint, expected a 'spade' one")
        config = {"kind": cls.KIND, **(info.get("config") or {})}
        kept = ("generator.", "encoder.") if config.get("encoder") else ("generator.",)
        weights = {key: value for key, value in state_dict.items() if key.startswith(kept)}
        return cls.from_config(config, weights, source)

    @classmethod
    def from_foreign(
        cls,
        path: Path,
        settings: Mapping[str, Any] | None = None,
        encoder: str | os.PathLike | None = None,
        classes: ClassList | None = None,
    ) -> SPADENetwork:
        """The official release's generator ``*_net_G.pth`` (and its VAE encoder ``*_net_E.pth``).

        Width, norm, VAE and z size come from the weights; ``settings`` give the class split
        (``label_nc``, ``dont_care``, ``instance``) and the size (``crop_size``, ``aspect_ratio``,
        ``num_upsampling_layers``), or ``preset`` names one of :data:`OFFICIAL_PRESETS`.
        """
        if path.is_dir():
            raise CheckpointError(f"{path} is not a stylesynth checkpoint: config.json is missing (expected config.json + model.safetensors from `stylesynth export`)")
        requested = dict(settings or {})
        preset = requested.pop("preset", None)
        if preset is not None and preset not in OFFICIAL_PRESETS:
            raise ValueError(f"unknown preset {preset!r}; known: {', '.join(OFFICIAL_PRESETS)}")
        merged = {**OFFICIAL_PRESETS.get(preset or "", {}), **{key: value for key, value in requested.items() if value is not None}}
        state_dict = load_torch_file(path)
        if not isinstance(state_dict, dict):
            raise CheckpointError(f"{path}: expected a state dict (the official latest_net_G.pth), got a {type(state_dict).__name__}")
        generator = generator_config_from_state_dict(state_dict, merged, str(path))
        label_nc = merged.get("label_nc")
        if label_nc is None:
            raise CheckpointError(
                f"{path}: the generator takes {generator['semantic_nc']} input channels; say how they split with preset= "
                f"({', '.join(OFFICIAL_PRESETS)}) or label_nc=, dont_care=, instance="
            )
        dont_care, instance = bool(merged.get("dont_care", False)), bool(merged.get("instance", False))
        if semantic_channels(label_nc, dont_care, instance) != generator["semantic_nc"]:
            raise CheckpointError(f"{path}: " + channel_mismatch(generator["semantic_nc"], label_nc, dont_care, instance))
        class_list = classes if classes is not None else ClassList.from_names([f"class_{i}" for i in range(label_nc)])
        if len(class_list) != label_nc:
            raise CheckpointError(f"the class list has {len(class_list)} classes, but label_nc is {label_nc}")
        encoder_config, encoder_state = None, None
        if encoder is not None:
            if not generator["use_vae"]:
                raise CheckpointError(f"{path}: this generator was trained without the VAE; it takes no style encoder")
            encoder_state = load_torch_file(encoder)
            first = encoder_state.get("layer1.0.weight_orig") if isinstance(encoder_state, dict) else None
            if not isinstance(first, Tensor):
                raise CheckpointError(f"{encoder}: not an official SPADE encoder (latest_net_E.pth): no layer1.0.weight_orig")
            encoder_config = {"ndf": int(first.shape[0]), "z_dim": generator["z_dim"]}
        network = cls(class_list, generator, encoder_config, dont_care, instance)
        load_state_strict(network.generator, state_dict, str(path), hint=_MISFIT)
        if network.encoder is not None and encoder_state is not None:
            load_state_strict(network.encoder, encoder_state, str(encoder))
        return network

    @staticmethod
    def card_lines(config: Mapping[str, Any]) -> list[str]:
        """The model card's lines about this network: its classes and palette, and its settings."""
        generator = config["generator"]
        classes = ClassList.from_names(config["class_names"], config["palette"])
        latent_width = generator["crop_size"] // 2 ** UPSAMPLINGS[generator["num_upsampling_layers"]]
        lines = ["## Classes", "", "| id | name | colour |", "|---|---|---|"]
        lines += [f"| {index} | {name} | `#{r:02x}{g:02x}{b:02x}` |" for index, (name, (r, g, b)) in enumerate(zip(classes.names, classes.colours))]
        if config.get("dont_care"):
            lines.append("| 255 | don't care | – |")
        lines += [
            "",
            "## Settings",
            "",
            f"- generator: ngf {generator['ngf']}, `num_upsampling_layers={generator['num_upsampling_layers']}`, output "
            f"{generator['crop_size']} wide (latent height {round(latent_width / generator['aspect_ratio'])}), aspect ratio "
            f"{generator['aspect_ratio']}, inner norm `{generator['norm']}`, spectral norm {'on' if generator['spectral'] else 'off'}, "
            f"SPADE hidden width {generator['hidden_channels']}",
            f"- input channels: {generator['semantic_nc']} ({config['label_nc']} classes"
            + (" + don't care" if config.get("dont_care") else "")
            + (" + instance edges" if config.get("instance") else "")
            + ")",
            f"- style encoder (VAE): {'yes, z_dim ' + str(generator['z_dim']) if config.get('encoder') else 'no (deterministic output)'}",
        ]
        return lines


def channel_mismatch(semantic_nc: int, label_nc: int, dont_care: bool, instance: bool) -> str:
    """Why ``semantic_nc`` input channels do not fit ``label_nc`` classes with these flags, in words."""
    given = f"{label_nc} classes" + (" + don't care" if dont_care else "") + (" + instance edges" if instance else "")
    return (
        f"the generator takes {semantic_nc} input channels (classes + 1 with a don't-care label + 1 with instance "
        f"edges), but the settings give {semantic_channels(label_nc, dont_care, instance)} ({given}); the class count "
        "or the don't-care/instance flags differ from the ones the checkpoint was trained with"
    )
