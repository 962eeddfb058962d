"""Texture swatches per scene class, and painting a label map with them.

The procedural scenes of :mod:`stylesynth.data.scenes` paint each class with a flat colour and a
little value noise: a generator trained on them learns flat fills. A :class:`TextureBank` holds cuts
of real photos and patterns per class (``scripts/make_scene_textures.py`` builds one from Debian's
wallpaper packages, GIMP's patterns and scikit-image's textures), and :func:`paint_with_textures`
fills each region with a randomly chosen, scaled, shifted and lit swatch of its class. Ground
classes are laid out in perspective (finer towards the horizon), as a camera sees a plane.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor
from torchvision.transforms.functional import pil_to_tensor

from ..io.images import load_image
from .image_folders import list_images
from .segmentation import ClassList

__all__ = ["TextureBank", "paint_with_textures"]


class TextureBank:
    """Swatches ``(3, h, w)`` in [0, 1] per class, read from ``root/<class name>/*`` (any image format).

    Args:
        root: the folder; each subfolder named like a class of ``classes`` holds that class's
            swatches. Other subfolders (such as ``heldout``) are ignored; classes without a folder
            are painted procedurally by the scenes.
        classes: the class list whose names the subfolders use.

    Raises:
        FileNotFoundError: ``root`` is not a folder.
        ValueError: no subfolder of ``root`` is named like a class, or one holds no image (searched recursively).
        stylesynth.io.ImageError: a swatch cannot be read.
    """

    def __init__(self, root: str | os.PathLike, classes: ClassList) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise FileNotFoundError(f"TextureBank: {self.root} is not a folder (expected one subfolder of swatches per class)")
        self.swatches: dict[int, list[Tensor]] = {}
        for index, name in enumerate(classes.names):
            folder = self.root / name
            if not folder.is_dir():
                continue
            self.swatches[index] = [pil_to_tensor(load_image(path)).float() / 255 for path in list_images(folder)]
        if not self.swatches:
            raise ValueError(f"TextureBank: no subfolder of {self.root} is named like a class ({', '.join(classes.names)})")

    def __contains__(self, label: int) -> bool:
        return label in self.swatches

    def __len__(self) -> int:
        return sum(len(swatches) for swatches in self.swatches.values())

    def pick(self, label: int, generator: torch.Generator) -> Tensor:
        """A random swatch of class ``label``."""
        swatches = self.swatches[label]
        return swatches[int(torch.randint(len(swatches), (), generator=generator))]


def _mirror(coordinate: Tensor) -> Tensor:
    """Coordinates in swatch units mapped to [-1, 1] by mirrored repetition (seamless tiling)."""
    phase = torch.remainder(coordinate, 2.0)
    return 2.0 * (1.0 - (phase - 1.0).abs()) - 1.0


def _uniform(generator: torch.Generator, low: float, high: float) -> float:
    """One uniform draw in ``[low, high)`` from ``generator`` (also used by :mod:`.scenes`)."""
    return low + (high - low) * float(torch.rand((), generator=generator))


def paint_with_textures(labels: Tensor, bank: TextureBank, generator: torch.Generator, horizon: float, ground: frozenset[int], fallback: Tensor) -> Tensor:
    """An RGB image ``(3, H, W)`` in [0, 1] of ``labels`` ``(H, W)``, each class filled from ``bank``.

    Every class present gets one swatch, magnified by a random factor (0.6 to 1.6 output pixels
    per swatch pixel at a 256-pixel-wide scene, proportionally at other sizes), shifted at random,
    mirrored where it runs out, lit by a random brightness (0.8 to 1.15) and a vertical gradient.
    Classes in ``ground`` are mapped in perspective onto a plane below ``horizon`` (a fraction of
    the height), down to a quarter of their plain scale. Classes the bank lacks keep their pixels from ``fallback`` ``(3, H, W)``.
    """
    height, width = labels.shape
    y = torch.linspace(0, 1, height).view(height, 1).expand(height, width)
    x = torch.linspace(0, 1, width).view(1, width).expand(height, width)
    image = fallback.clone()
    for label in torch.unique(labels).tolist():
        if label not in bank:
            continue
        swatch = bank.pick(label, generator)
        _, swatch_height, swatch_width = swatch.shape
        magnify = _uniform(generator, 0.6, 1.6) * width / 256  # output pixels per swatch pixel
        if label in ground:
            # relative distance of the ground point seen at row y: 1 at the bottom row, 4 at the
            # horizon (a pinhole camera's 1 / (y - horizon), offset so that it stays finite and
            # keeps changing: finer than 4x, bilinear sampling of a swatch aliases)
            below = max(1.0 - horizon, 0.05)
            offset = below / 3
            depth = (below + offset) / ((y - horizon).clamp(min=0) + offset)
            u = (x - 0.5) * width * depth / (magnify * swatch_width)
            v = depth * (below + offset) * height / (magnify * swatch_height)  # plain scale at the bottom row
        else:
            u = x * width / (magnify * swatch_width)
            v = y * height / (magnify * swatch_height)
        u = u + _uniform(generator, 0, 2)
        v = v + _uniform(generator, 0, 2)
        grid = torch.stack([_mirror(u), _mirror(v)], dim=-1).unsqueeze(0)
        filled = F.grid_sample(swatch.unsqueeze(0), grid, mode="bilinear", padding_mode="border", align_corners=True)[0]
        light = _uniform(generator, 0.8, 1.15) * (1 + _uniform(generator, -0.25, 0.25) * (y - 0.5))
        tint = 1 + (torch.rand(3, 1, 1, generator=generator) - 0.5) * 0.1
        mask = labels == label
        image[:, mask] = (filled * light * tint).clamp(0, 1)[:, mask]
    return image
