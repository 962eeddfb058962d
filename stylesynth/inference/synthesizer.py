"""Semantic image synthesis with SPADE (Park et al., 2019): label map in, photo-like image out."""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import Tensor
from torchvision.transforms.v2 import InterpolationMode
from torchvision.transforms.v2 import functional as TF

from ..data.segmentation import ClassList, check_labels, label_map_from_image, one_hot, semantic_channels
from ..data.segmentation_folder import read_label_image
from ..io import CheckpointError, ImageError, load_image, load_pretrained, load_torch_file, pil_to_tensor, tensor_to_pil
from ..nets.spade_generator import SPADEGenerator
from ..nets.style_encoder import StyleEncoder
from ..norm import fold
from .device import resolve_device
from .spade_checkpoints import OFFICIAL_PRESETS, generator_config_from_state_dict, load_module_state
from .spade_export import export_lightning

__all__ = ["KNOWN_CHECKPOINTS", "Synthesizer", "export_lightning"]

#: Folder holding the bundled checkpoints (``checkpoints/`` at the repository root).
CHECKPOINT_ROOT = Path(__file__).resolve().parents[2] / "checkpoints"
#: Names :meth:`Synthesizer.from_pretrained` knows, and their folders.
KNOWN_CHECKPOINTS = {"spade-default": CHECKPOINT_ROOT / "spade-default"}

LabelInput = Image.Image | Tensor | np.ndarray | str | os.PathLike
StyleInput = Image.Image | Tensor | str | os.PathLike


class Synthesizer:
    """SPADE inference: label maps (and optionally a style image) -> images.

    Build it once (:meth:`from_pretrained`), then call :meth:`synthesize` as often as needed, from
    any number of threads: the networks are only read (spectral norm is folded into plain weights at
    load time, norms run in eval mode) under ``torch.inference_mode``. Runs on CUDA when available,
    else on the CPU.

    Args:
        generator: a :class:`SPADEGenerator` with its weights.
        classes: the class list (names, colours for RGB label maps).
        dont_care: the model has a don't-care channel (label 255).
        instance: the model has an instance-edge channel (pass ``instance=`` maps to :meth:`synthesize`).
        encoder: the VAE :class:`StyleEncoder`, for ``style=`` images.
        device: where to run; default CUDA when available, else CPU.
        batch_size: label maps per forward pass in batch calls.

    Example:
        >>> synthesizer = Synthesizer.from_pretrained("spade-default")
        >>> picture = synthesizer.synthesize(Image.open("scene.png"), seed=3)
    """

    def __init__(
        self,
        generator: SPADEGenerator,
        classes: ClassList,
        dont_care: bool = False,
        instance: bool = False,
        encoder: StyleEncoder | None = None,
        device: str | torch.device | None = None,
        batch_size: int = 8,
    ) -> None:
        expected = semantic_channels(len(classes), dont_care, instance)
        if generator.semantic_nc != expected:
            raise CheckpointError(_channel_mismatch(generator.semantic_nc, len(classes), dont_care, instance))
        if encoder is not None and (not generator.use_vae or encoder.z_dim != generator.z_dim):
            raise CheckpointError(
                f"the style encoder (z_dim {encoder.z_dim}) does not fit the generator "
                f"(use_vae={generator.use_vae}, z_dim {generator.z_dim})"
            )
        self.device = resolve_device(device)
        self.classes = classes
        self.label_nc = len(classes)
        self.dont_care = dont_care
        self.instance = instance
        self.batch_size = max(1, int(batch_size))
        self.generator = fold(generator).eval().requires_grad_(False).to(self.device)
        self.encoder = fold(encoder).eval().requires_grad_(False).to(self.device) if encoder is not None else None

    # ---- construction ----------------------------------------------------------------------

    @classmethod
    def from_pretrained(
        cls,
        source: str | os.PathLike,
        device: str | torch.device | None = None,
        *,
        encoder: str | os.PathLike | None = None,
        preset: str | None = None,
        label_nc: int | None = None,
        dont_care: bool | None = None,
        instance: bool | None = None,
        classes: str | os.PathLike | ClassList | None = None,
        crop_size: int | None = None,
        aspect_ratio: float | None = None,
        num_upsampling_layers: str | None = None,
        batch_size: int = 8,
    ) -> Synthesizer:
        """Loads a checkpoint folder (``stylesynth export``), a bundled name, or an official ``latest_net_G.pth``.

        For a folder or name, the label settings come from its ``config.json``; any of
        ``label_nc``/``dont_care``/``instance`` given must agree with it (else an error says which
        differs). For an official generator file (``*_net_G.pth``), give ``preset`` (``coco_stuff``,
        ``ade20k``, ``cityscapes``) or ``label_nc``, ``dont_care``, ``instance`` (and ``crop_size``,
        ``aspect_ratio``, ``num_upsampling_layers`` where they differ from 256, 1, ``normal``);
        the width, norm, VAE and z size are read from the weights. ``encoder`` is the matching
        ``*_net_E.pth`` for style images. ``classes`` is a class list file (names and colours) for
        RGB label maps.
        """
        requested = {"label_nc": label_nc, "dont_care": dont_care, "instance": instance}
        path = KNOWN_CHECKPOINTS.get(str(source), Path(source))
        if path.is_dir():
            return cls._from_folder(path, requested, classes, device, batch_size)
        if not path.exists():
            raise CheckpointError(
                f"SPADE checkpoint not found: {source} (give a checkpoint folder, an official *_net_G.pth file, "
                f"or one of the bundled names: {', '.join(KNOWN_CHECKPOINTS)})"
            )
        settings = dict(OFFICIAL_PRESETS.get(preset, {})) if preset is not None else {}
        if preset is not None and preset not in OFFICIAL_PRESETS:
            raise ValueError(f"unknown preset {preset!r}; known: {', '.join(OFFICIAL_PRESETS)}")
        settings.update({key: value for key, value in requested.items() if value is not None})
        for key, value in (("crop_size", crop_size), ("aspect_ratio", aspect_ratio), ("num_upsampling_layers", num_upsampling_layers)):
            if value is not None:
                settings[key] = value
        return cls._from_official(path, settings, encoder, classes, device, batch_size)

    @classmethod
    def _from_folder(cls, folder: Path, requested: dict[str, Any], classes: Any, device: Any, batch_size: int) -> Synthesizer:
        state_dict, config = load_pretrained(folder, kind="spade")
        for key, value in requested.items():
            if value is not None and value != config.get(key):
                raise CheckpointError(
                    f"{folder}: the checkpoint was trained with {key}={config.get(key)!r}, not {value!r}; "
                    f"its input is {config.get('label_nc')} classes"
                    + (" + a don't-care channel" if config.get("dont_care") else "")
                    + (" + instance edges" if config.get("instance") else "")
                )
        class_list = _class_list(classes) if classes is not None else ClassList.from_names(config["class_names"], config["palette"])
        if len(class_list) != config["label_nc"]:
            raise CheckpointError(f"{folder}: the class list has {len(class_list)} classes, the checkpoint {config['label_nc']}")
        generator = SPADEGenerator(**config["generator"])
        load_module_state(generator, state_dict, "generator.", str(folder))
        encoder = None
        if config.get("encoder"):
            encoder = StyleEncoder(**config["encoder"])
            load_module_state(encoder, state_dict, "encoder.", str(folder))
        return cls(generator, class_list, config["dont_care"], config["instance"], encoder, device, batch_size)

    @classmethod
    def _from_official(
        cls, path: Path, settings: dict[str, Any], encoder_path: Any, classes: Any, device: Any, batch_size: int
    ) -> Synthesizer:
        state_dict = load_torch_file(path)
        if not isinstance(state_dict, dict):
            raise CheckpointError(f"{path}: expected a state dict (the official latest_net_G.pth), got a {type(state_dict).__name__}")
        config = generator_config_from_state_dict(state_dict, settings, str(path))
        label_nc = settings.get("label_nc")
        if label_nc is None:
            raise CheckpointError(
                f"{path}: the generator takes {config['semantic_nc']} input channels; say how they split with preset= "
                f"({', '.join(OFFICIAL_PRESETS)}) or label_nc=, dont_care=, instance="
            )
        dont_care, instance = bool(settings.get("dont_care", False)), bool(settings.get("instance", False))
        if semantic_channels(label_nc, dont_care, instance) != config["semantic_nc"]:
            raise CheckpointError(f"{path}: " + _channel_mismatch(config["semantic_nc"], label_nc, dont_care, instance))
        class_list = _class_list(classes) if classes is not None else ClassList.from_names([f"class_{i}" for i in range(label_nc)])
        if len(class_list) != label_nc:
            raise CheckpointError(f"the class list has {len(class_list)} classes, but label_nc is {label_nc}")
        generator = SPADEGenerator(**config)
        load_module_state(generator, state_dict, "", str(path))
        encoder = None
        if encoder_path is not None:
            if not config["use_vae"]:
                raise CheckpointError(f"{path}: this generator was trained without the VAE; it takes no style encoder")
            encoder_state = load_torch_file(encoder_path)
            first = encoder_state.get("layer1.0.weight_orig") if isinstance(encoder_state, dict) else None
            if not isinstance(first, Tensor):
                raise CheckpointError(f"{encoder_path}: not an official SPADE encoder (latest_net_E.pth): no layer1.0.weight_orig")
            encoder = StyleEncoder(ndf=first.shape[0], z_dim=config["z_dim"])
            load_module_state(encoder, encoder_state, "", str(encoder_path))
        return cls(generator, class_list, dont_care, instance, encoder, device, batch_size)

    # ---- inputs ----------------------------------------------------------------------------

    @property
    def output_size(self) -> tuple[int, int]:
        """``(height, width)`` the generator works at."""
        return self.generator.output_size

    @property
    def has_style_encoder(self) -> bool:
        return self.encoder is not None

    def label_ids(self, label_map: LabelInput, name: str = "label map") -> Tensor:
        """A label map input -> class ids ``(H, W)`` int64 (validated against this model's classes)."""
        if isinstance(label_map, (str, os.PathLike)):
            path = Path(label_map)
            if not path.is_file():
                raise ImageError(f"label map not found: {path}")
            name, label_map = str(path), read_label_image(path)
        if isinstance(label_map, np.ndarray):
            label_map = torch.from_numpy(label_map)
        if isinstance(label_map, Image.Image):
            labels = label_map_from_image(label_map, self.classes, name)
        elif isinstance(label_map, Tensor):
            labels = label_map
            if labels.dim() == 3 and labels.shape[0] == 1:
                labels = labels[0]
            if labels.dim() != 2:
                raise ValueError(f"{name}: expected class ids of shape (H, W), got a tensor of shape {tuple(labels.shape)}")
        else:
            raise TypeError(
                f"{name}: expected a PIL image (P/L class ids or RGB colour-coded), an integer tensor (H, W) or a path, "
                f"got {type(label_map).__name__}"
            )
        try:
            labels = check_labels(labels, self.label_nc, self.dont_care, name)
        except ValueError as error:
            raise ValueError(f"{error} ({', '.join(self.classes.names[:12])}{'…' if self.label_nc > 12 else ''})") from None
        return labels

    def _resize_ids(self, ids: Tensor) -> Tensor:
        if tuple(ids.shape) == self.output_size:
            return ids
        # float holds class and instance ids exactly (< 2**24); nearest interpolation does not mix them
        return F.interpolate(ids[None, None].double(), size=self.output_size, mode="nearest-exact")[0, 0].long()

    def _style_batch(self, styles: Sequence[StyleInput]) -> Tensor:
        images = []
        for style in styles:
            if isinstance(style, Tensor):
                if style.dim() == 4 and style.shape[0] == 1:
                    style = style[0]
                if style.dim() != 3 or style.shape[0] != 3 or not style.is_floating_point():
                    raise ImageError(f"style: expected a float RGB tensor (3, H, W) in [0, 1], got {tuple(style.shape)} {style.dtype}")
                image = style.float().cpu()
            else:
                image = pil_to_tensor(load_image(style))
            size = self.encoder.image_size
            images.append(TF.resize(image, [size, size], interpolation=InterpolationMode.BICUBIC, antialias=True).clamp(0, 1))
        return torch.stack(images) * 2 - 1

    # ---- synthesis -------------------------------------------------------------------------

    def synthesize(
        self,
        label_map: LabelInput | Sequence[LabelInput],
        style: StyleInput | Sequence[StyleInput] | None = None,
        seed: int | Sequence[int] | None = None,
        instance: LabelInput | Sequence[LabelInput] | None = None,
        resize_output: bool = True,
    ) -> Image.Image | list[Image.Image]:
        """Images following ``label_map`` (one, or a list for a batch: then a list comes back).

        Args:
            label_map: a PIL "P"/"L" image of class ids, an RGB image colour-coded with the class
                colours, an integer tensor ``(H, W)``, or a path to such a PNG.
            style: a reference image (PIL, path or RGB tensor in [0, 1]) whose style the VAE encodes
                (its mean style vector is used), one for all or one per label map. ``None``: a random
                style drawn from ``seed``. Needs a checkpoint trained with the VAE.
            seed: seeds the random style; the same seed gives the same image. In a batch, label map
                ``i`` uses ``seed + i`` (or ``seed[i]`` for a list). ``None``: a fresh random seed.
                Models without the VAE are deterministic and ignore it.
            instance: instance maps (integer ids), for models with the instance channel.
            resize_output: return images at each label map's size (bicubic) rather than the model's
                ``output_size``.
        """
        single = not isinstance(label_map, (list, tuple))
        maps = [label_map] if single else list(label_map)
        if not maps:
            raise ValueError("synthesize: no label maps given")
        names = ["label map"] if single else [f"label map {index}" for index in range(len(maps))]
        ids = [self.label_ids(item, name) for item, name in zip(maps, names)]
        instances = self._instances(instance, ids, single)
        styles = self._styles(style, len(maps), single)
        seeds = self._seeds(seed, len(maps))
        outputs: list[Image.Image] = []
        for start in range(0, len(maps), self.batch_size):
            end = min(start + self.batch_size, len(maps))
            images = self._run(ids[start:end], instances[start:end] if instances else None,
                               styles[start:end] if styles else None, seeds[start:end])
            for image, labels in zip(images, ids[start:end]):
                if resize_output and tuple(labels.shape) != tuple(image.shape[1:]):
                    image = TF.resize(image, list(labels.shape), interpolation=InterpolationMode.BICUBIC, antialias=True)
                outputs.append(tensor_to_pil(image))
        return outputs[0] if single else outputs

    def _instances(self, instance: Any, ids: list[Tensor], single: bool) -> list[Tensor] | None:
        if not self.instance:
            if instance is not None:
                raise ValueError("synthesize: this checkpoint was trained without instance maps; leave instance=None")
            return None
        if instance is None:
            raise ValueError("synthesize: this checkpoint was trained with instance maps; pass instance= (integer instance ids per pixel)")
        items = [instance] if single else list(instance)
        if len(items) != len(ids):
            raise ValueError(f"synthesize: {len(items)} instance maps for {len(ids)} label maps")
        result = []
        for index, (item, labels) in enumerate(zip(items, ids)):
            if isinstance(item, (str, os.PathLike)):
                item = read_label_image(Path(item))
            values = label_map_from_image(item, None, f"instance map {index}") if isinstance(item, Image.Image) else torch.as_tensor(item).long()
            if values.shape != labels.shape:
                raise ValueError(f"synthesize: instance map {index} is {tuple(values.shape)}, its label map {tuple(labels.shape)}")
            result.append(values)
        return result

    def _styles(self, style: Any, count: int, single: bool) -> list[Any] | None:
        if style is None:
            return None
        if self.encoder is None:
            raise ValueError("synthesize: this checkpoint has no style encoder (it was trained without the VAE); use style=None")
        items = list(style) if isinstance(style, (list, tuple)) else [style] * count
        if len(items) != count:
            raise ValueError(f"synthesize: {len(items)} style images for {count} label maps; give one, or one per label map")
        return items

    @staticmethod
    def _seeds(seed: Any, count: int) -> list[int]:
        if seed is None:
            first = secrets.randbits(62)
            return [first + index for index in range(count)]
        if isinstance(seed, (list, tuple)):
            if len(seed) != count:
                raise ValueError(f"synthesize: {len(seed)} seeds for {count} label maps")
            return [int(value) for value in seed]
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"synthesize: seed must be an integer or a list of integers, got {type(seed).__name__}")
        return [int(seed) + index for index in range(count)]

    @torch.inference_mode()
    def _run(self, ids: list[Tensor], instances: list[Tensor] | None, styles: list[Any] | None, seeds: list[int]) -> Tensor:
        labels = torch.stack([self._resize_ids(item) for item in ids])
        instance_batch = torch.stack([self._resize_ids(item) for item in instances]) if instances is not None else None
        semantics = one_hot(labels, self.label_nc, self.dont_care, instance_batch).to(self.device)
        z = None
        if self.generator.use_vae:
            if styles is not None:
                z, _ = self.encoder(self._style_batch(styles).to(self.device))  # the mean style
            else:
                z = torch.stack([torch.randn(self.generator.z_dim, generator=torch.Generator().manual_seed(s)) for s in seeds])
                z = z.to(self.device)
        images = self.generator(semantics, z)
        return ((images.float() + 1) / 2).clamp(0, 1).cpu()


def _class_list(classes: str | os.PathLike | ClassList) -> ClassList:
    return classes if isinstance(classes, ClassList) else ClassList.from_file(classes)


def _channel_mismatch(semantic_nc: int, label_nc: int, dont_care: bool, instance: bool) -> str:
    given = f"{label_nc} classes" + (" + don't care" if dont_care else "") + (" + instance edges" if instance else "")
    return (
        f"the generator takes {semantic_nc} input channels (classes + 1 with a don't-care label + 1 with instance "
        f"edges), but the settings give {semantic_channels(label_nc, dont_care, instance)} ({given}); the class count "
        "or the don't-care/instance flags differ from the ones the checkpoint was trained with"
    )
