"""Builders for the public AdaIN / torchvision weight layouts of docs/architecture.md ("Checkpoint formats"), with random weights."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor

#: vgg_normalised.pth: conv index -> weight shape (module 0 is the 1x1 preprocessing conv).
VGG_NORMALISED_SHAPES: dict[int, tuple[int, ...]] = {
    0: (3, 3, 1, 1), 2: (64, 3, 3, 3), 5: (64, 64, 3, 3), 9: (128, 64, 3, 3), 12: (128, 128, 3, 3),
    16: (256, 128, 3, 3), 19: (256, 256, 3, 3), 22: (256, 256, 3, 3), 25: (256, 256, 3, 3),
    29: (512, 256, 3, 3), 32: (512, 512, 3, 3), 35: (512, 512, 3, 3), 38: (512, 512, 3, 3),
    42: (512, 512, 3, 3), 45: (512, 512, 3, 3), 48: (512, 512, 3, 3), 51: (512, 512, 3, 3),
}  # fmt: skip

#: decoder.pth: conv index -> weight shape.
DECODER_SHAPES: dict[int, tuple[int, ...]] = {
    1: (256, 512, 3, 3), 5: (256, 256, 3, 3), 8: (256, 256, 3, 3), 11: (256, 256, 3, 3),
    14: (128, 256, 3, 3), 18: (128, 128, 3, 3), 21: (64, 128, 3, 3), 25: (64, 64, 3, 3), 28: (3, 64, 3, 3),
}  # fmt: skip

#: torchvision vgg19().features: conv index -> weight shape (all 16 convs).
TORCHVISION_SHAPES: dict[int, tuple[int, ...]] = {
    0: (64, 3, 3, 3), 2: (64, 64, 3, 3), 5: (128, 64, 3, 3), 7: (128, 128, 3, 3),
    10: (256, 128, 3, 3), 12: (256, 256, 3, 3), 14: (256, 256, 3, 3), 16: (256, 256, 3, 3),
    19: (512, 256, 3, 3), 21: (512, 512, 3, 3), 23: (512, 512, 3, 3), 25: (512, 512, 3, 3),
    28: (512, 512, 3, 3), 30: (512, 512, 3, 3), 32: (512, 512, 3, 3), 34: (512, 512, 3, 3),
}  # fmt: skip


def random_state_dict(shapes: dict[int, tuple[int, ...]], prefix: str = "", seed: int = 0) -> dict[str, Tensor]:
    """He-scaled random conv weights and small biases under ``{prefix}{index}.weight`` / ``.bias``."""
    generator = torch.Generator().manual_seed(seed)
    state: dict[str, Tensor] = {}
    for index, shape in shapes.items():
        fan_in = shape[1] * shape[2] * shape[3]
        state[f"{prefix}{index}.weight"] = torch.randn(shape, generator=generator) * (2.0 / fan_in) ** 0.5
        state[f"{prefix}{index}.bias"] = torch.randn(shape[0], generator=generator) * 0.01
    return state


def vgg_normalised_state_dict(seed: int = 0, full: bool = True) -> dict[str, Tensor]:
    """A vgg_normalised.pth state dict: the standard Caffe module 0, random convs (up to conv4_1 unless ``full``)."""
    shapes = VGG_NORMALISED_SHAPES if full else {k: v for k, v in VGG_NORMALISED_SHAPES.items() if k <= 29}
    state = random_state_dict(shapes, seed=seed)
    weight = torch.zeros(3, 3, 1, 1)
    weight[0, 2] = weight[1, 1] = weight[2, 0] = 255.0
    state["0.weight"] = weight
    state["0.bias"] = torch.tensor([-103.939, -116.779, -123.68])
    # Caffe-range input (x255): scale the first conv so activations stay near unit size.
    state["2.weight"] = state["2.weight"] / 100.0
    return state


def save_legacy_and_zip(state_dict: dict[str, Tensor], folder: Path, stem: str) -> tuple[Path, Path]:
    """Writes ``stem-legacy.pth`` (torch's old serialization) and ``stem-zip.pth``; returns both paths."""
    legacy, zipped = folder / f"{stem}-legacy.pth", folder / f"{stem}-zip.pth"
    torch.save(state_dict, legacy, _use_new_zipfile_serialization=False)
    torch.save(state_dict, zipped)
    return legacy, zipped
