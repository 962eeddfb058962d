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

from ..data.segmentation import ClassList, check_labels, label_map_from_image, one_hot
from ..data.segmentation_folder import read_label_image
from ..io import CheckpointError, ImageError, load_image, pil_to_tensor, tensor_to_pil
from ..io.images import check_pixels
from ..nets import SPADENetwork
from ..nets.spade_official import OFFICIAL_PRESETS
from ..validation import check_choice, check_count, check_image_tensor, check_seeds
from .checkpoints import load_network
from .runtime import InferenceRuntime

__all__ = ["Synthesizer"]

LabelInput = Image.Image | Tensor | np.ndarray | str | os.PathLike
StyleInput = Image.Image | Tensor | str | os.PathLike


class Synthesizer(InferenceRuntime):
    """SPADE inference: label maps (and optionally a style image) -> images.

    Build it once (:meth:`from_pretrained`), then call :meth:`synthesize` as often as needed, from
    any number of threads: the networks are only read (spectral norm is folded into plain weights at
    load time, norms run in eval mode). Device, precision, memory format and batching follow
    :class:`~stylesynth.inference.runtime.InferenceRuntime`, shared with :class:`Stylizer`.

    Args:
        network: the generator, the optional VAE encoder and the class list (:class:`SPADENetwork`).
        device: where to run; default CUDA when available, else CPU.
        precision: ``"auto"`` (bfloat16 where the hardware runs it natively, else float32),
            ``"fp32"`` or ``"bf16"``.
        batch_size: label maps per forward pass in batch calls.

    Example:
        >>> synthesizer = Synthesizer.from_pretrained("spade-default")
        >>> picture = synthesizer.synthesize(Image.open("scene.png"), seed=3)
    """

    def __init__(
        self,
        network: SPADENetwork,
        device: str | torch.device | None = None,
        precision: str = "auto",
        batch_size: int = 8,
    ) -> None:
        super().__init__(device, precision, batch_size)
        self.network = self.prepare(network)
        self.generator = self.network.generator
        self.encoder = self.network.encoder

    @property
    def classes(self) -> ClassList:
        return self.network.classes

    @property
    def label_nc(self) -> int:
        return self.network.label_nc

    @property
    def dont_care(self) -> bool:
        return self.network.dont_care

    @property
    def instance(self) -> bool:
        return self.network.instance

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
        precision: str = "auto",
        batch_size: int = 8,
    ) -> Synthesizer:
        """Loads a checkpoint folder (``stylesynth export``), a bundled name, or an official ``latest_net_G.pth``.

        An existing path wins over a bundled name. For a folder or name, the label settings come
        from its ``config.json``; any of ``label_nc``/``dont_care``/``instance`` given must agree
        with it (else an error says which differs). For an official generator file
        (``*_net_G.pth``), give ``preset`` (``coco_stuff``, ``ade20k``, ``cityscapes``) or
        ``label_nc``, ``dont_care``, ``instance`` (and ``crop_size``, ``aspect_ratio``,
        ``num_upsampling_layers`` where they differ from 256, 1, ``normal``); the width, norm, VAE
        and z size are read from the weights. ``encoder`` is the matching ``*_net_E.pth`` for style
        images. ``classes`` is a class list file (names and colours) for RGB label maps.
        """
        if label_nc is not None:
            check_count("label_nc", label_nc)
        if preset is not None:
            check_choice("preset", preset, OFFICIAL_PRESETS)
        for name, flag in (("dont_care", dont_care), ("instance", instance)):
            if flag is not None and not isinstance(flag, bool):
                raise TypeError(f"{name} must be True or False, got {flag!r}")
        requested = {"label_nc": label_nc, "dont_care": dont_care, "instance": instance}
        class_list = _class_list(classes) if classes is not None else None
        settings = {
            "preset": preset, **requested, "crop_size": crop_size, "aspect_ratio": aspect_ratio,
            "num_upsampling_layers": num_upsampling_layers,
        }
        network = load_network(source, SPADENetwork.KIND, settings=settings, encoder=encoder, classes=class_list)
        assert isinstance(network, SPADENetwork)
        for key, value in requested.items():
            if value is not None and value != getattr(network, key):
                raise CheckpointError(
                    f"{source}: the checkpoint was trained with {key}={getattr(network, key)!r}, not {value!r}; "
                    f"its input is {network.label_nc} classes"
                    + (" + a don't-care channel" if network.dont_care else "")
                    + (" + instance edges" if network.instance else "")
                )
        if class_list is not None and class_list is not network.classes:
            if len(class_list) != network.label_nc:
                raise CheckpointError(f"{source}: the class list has {len(class_list)} classes, the checkpoint {network.label_nc}")
            network.classes = class_list
        return cls(network, device, precision=precision, batch_size=batch_size)

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
            if not path.exists():
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
            # the limit of images read from files, before anything is allocated for it
            check_pixels(labels.shape[1], labels.shape[0], f"{name}: the tensor {tuple(labels.shape)}")
        else:
            raise TypeError(
                f"{name}: expected a PIL image (P/L class ids or RGB colour-coded), an integer tensor (H, W) or a path, "
                f"got {type(label_map).__name__}"
            )
        check_pixels(labels.shape[-1], labels.shape[-2], name)  # PIL label maps too: a 0x0 map has nothing to synthesize
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
                if style.dim() != 3 or style.shape[0] != 3:
                    raise ImageError(f"style: expected an RGB tensor (3, H, W), uint8 or float in [0, 1], got shape {tuple(style.shape)}")
                image = check_image_tensor(style, "style").cpu()
            else:
                image = pil_to_tensor(load_image(style, what="style" if isinstance(style, Image.Image) else f"style: {style}"))
            size = self.encoder.image_size if self.encoder is not None else 256  # only called with an encoder
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
        for rows in self.batches(range(len(maps))):
            pick = slice(rows[0], rows[-1] + 1)
            with self.forward():
                images = self._run(ids[pick], instances[pick] if instances else None, styles[pick] if styles else None, seeds[pick])
            for image, labels in zip(images, ids[pick]):
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
        return check_seeds(seed, count)

    def _run(self, ids: list[Tensor], instances: list[Tensor] | None, styles: list[Any] | None, seeds: list[int]) -> Tensor:
        labels = torch.stack([self._resize_ids(item) for item in ids])
        instance_batch = torch.stack([self._resize_ids(item) for item in instances]) if instances is not None else None
        semantics = self.to_device(one_hot(labels, self.label_nc, self.dont_care, instance_batch))
        z = None
        if self.generator.use_vae:
            if styles is not None and self.encoder is not None:
                z, _ = self.encoder(self.to_device(self._style_batch(styles)))  # the mean style
            else:
                z = torch.stack([torch.randn(self.generator.z_dim, generator=torch.Generator().manual_seed(s)) for s in seeds])
                z = z.to(self.device, self.dtype)
        images = self.generator(semantics, z)
        return ((images.float() + 1) / 2).clamp(0, 1).cpu()


def _class_list(classes: str | os.PathLike | ClassList) -> ClassList:
    return classes if isinstance(classes, ClassList) else ClassList.from_file(classes)
