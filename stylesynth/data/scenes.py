"""Procedural landscape scenes: label maps with matching textured images, for training SPADE offline.

No public segmentation data set can be fetched on machines without internet, so the bundled SPADE
weights learn from these: a horizon with sky and clouds, a mountain ridge, and bands of water,
sand and grass with trees, each class painted with its own procedural texture (value-noise fbm,
gradients, ripples), or, given a :class:`~stylesynth.data.scene_textures.TextureBank`, with cuts of
real photos and patterns of that class. Everything is a function of the seed (and the bank): the
same seed gives the same scene on any machine, whatever the batch it is drawn in.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor

from .scene_textures import TextureBank, _uniform, paint_with_textures
from .segmentation import ClassList, colourize

#: the scene classes and their display colours (ids are the positions)
SCENE_CLASSES = ClassList.from_names(
    ["sky", "cloud", "mountain", "water", "sand", "grass", "tree"],
    [(135, 206, 235), (245, 245, 245), (128, 96, 77), (30, 90, 200), (238, 214, 175), (80, 180, 60), (20, 90, 30)],
)
SKY, CLOUD, MOUNTAIN, WATER, SAND, GRASS, TREE = range(7)
#: classes that lie on the ground plane (textured in perspective)
GROUND = frozenset({WATER, SAND, GRASS})

#: ground layouts, nearest band first (top of the ground) to the viewer's feet
GROUND_LAYOUTS = (
    (WATER, SAND, GRASS),
    (WATER, SAND),
    (WATER, GRASS),
    (GRASS,),
    (SAND,),
    (GRASS, WATER, SAND),
    (SAND, GRASS),
)

#: mean colour of each class's texture (RGB in [0, 1]); each scene jitters them
_BASE_COLOURS = torch.tensor(
    [
        [0.35, 0.60, 0.90],  # sky (top of the gradient is darker)
        [0.94, 0.94, 0.96],  # cloud
        [0.45, 0.40, 0.38],  # mountain
        [0.15, 0.35, 0.60],  # water
        [0.86, 0.77, 0.55],  # sand
        [0.30, 0.55, 0.20],  # grass
        [0.10, 0.30, 0.12],  # tree
    ]
)


def _fbm(generator: torch.Generator, height: int, width: int, octaves: int = 4, base: int = 3) -> Tensor:
    """Fractal value noise ``(H, W)`` roughly in [-1, 1]: bicubic-upsampled random grids, halving amplitude per octave."""
    total = torch.zeros(1, 1, height, width)
    amplitude, norm = 1.0, 0.0
    for octave in range(octaves):
        cells = base * 2**octave
        grid = torch.rand(1, 1, cells + 1, cells + 1, generator=generator) * 2 - 1
        total += amplitude * F.interpolate(grid, size=(height, width), mode="bicubic", align_corners=True)
        norm += amplitude
        amplitude *= 0.5
    return (total / norm)[0, 0]


def _curve(generator: torch.Generator, width: int, amplitude: float, octaves: int = 3) -> Tensor:
    """A smooth random 1-D curve ``(W,)`` in about ``[-amplitude, amplitude]``."""
    return _fbm(generator, 1, width, octaves, base=2)[0] * amplitude


class SceneGenerator:
    """Makes ``(image, labels)`` pairs of landscapes; see the module docstring.

    Args:
        size: ``(height, width)`` or one int for squares.
        textures: a :class:`~stylesynth.data.scene_textures.TextureBank` of :data:`SCENE_CLASSES`, or
            the folder of one (see ``scripts/make_scene_textures.py``): regions of the classes it has
            are painted with its swatches. ``None``: procedural textures only.

    Example:
        >>> image, labels = SceneGenerator(64).generate(seed=3)   # (3, 64, 64) in [0, 1], (64, 64) int64
    """

    classes = SCENE_CLASSES

    def __init__(self, size: int | tuple[int, int] = 64, textures: TextureBank | str | os.PathLike | None = None) -> None:
        self.textures = TextureBank(textures, SCENE_CLASSES) if isinstance(textures, (str, os.PathLike)) else textures
        height, width = (size, size) if isinstance(size, int) else size
        if height < 8 or width < 8:
            raise ValueError(f"SceneGenerator: size must be at least 8x8, got {height}x{width}")
        self.height, self.width = height, width
        self.y = torch.linspace(0, 1, height).view(height, 1).expand(height, width)
        self.x = torch.linspace(0, 1, width).view(1, width).expand(height, width)

    def layout(self, generator: torch.Generator) -> Tensor:
        """Class ids ``(H, W)`` of one random scene."""
        height, width, x, y = self.height, self.width, self.x, self.y
        labels = torch.full((height, width), SKY, dtype=torch.long)
        horizon = _uniform(generator, 0.3, 0.6) + _curve(generator, width, 0.02)
        if _uniform(generator, 0, 1) < 0.75:
            ridge = horizon - _uniform(generator, 0.1, 0.35) * (0.55 + 0.45 * _fbm(generator, 1, width, 4, 2)[0])
            labels[y > ridge] = MOUNTAIN
        for _ in range(int(_uniform(generator, 0, 4.99))):
            centre_x, centre_y = _uniform(generator, -0.1, 1.1), _uniform(generator, 0.05, 0.3)
            radius_x, radius_y = _uniform(generator, 0.08, 0.25), _uniform(generator, 0.03, 0.08)
            puff = ((x - centre_x) / radius_x) ** 2 + ((y - centre_y) / radius_y) ** 2 + 0.6 * _fbm(generator, height, width, 2, 4)
            labels[(puff < 1) & (labels == SKY)] = CLOUD
        ground = y > horizon
        layout = GROUND_LAYOUTS[int(torch.randint(len(GROUND_LAYOUTS), (), generator=generator))]
        boundary = horizon
        for index, label in enumerate(layout):
            labels[ground & (y > boundary)] = label
            if index + 1 < len(layout):
                depth = _uniform(generator, 0.3, 0.7) * (1 - float(boundary.mean())) / (len(layout) - index)
                boundary = boundary + depth + _curve(generator, width, 0.05)
        if _uniform(generator, 0, 1) < 0.65:
            self._add_trees(generator, labels, horizon)
        return labels

    def _add_trees(self, generator: torch.Generator, labels: Tensor, horizon: Tensor) -> None:
        x, y = self.x, self.y
        for _ in range(int(_uniform(generator, 1, 6.99))):
            column = int(torch.randint(self.width, (), generator=generator))
            foot = _uniform(generator, float(horizon[column]) + 0.02, 1.05)
            row = min(int(foot * (self.height - 1)), self.height - 1)
            if labels[row, column] not in (GRASS, SAND) and foot <= 1:
                continue
            scale = 0.04 + 0.2 * max(0.0, foot - float(horizon[column]))
            centre_x, centre_y = float(x[0, column]), foot - 1.6 * scale
            canopy = ((x - centre_x) / (0.8 * scale)) ** 2 + ((y - centre_y) / scale) ** 2 < 1
            trunk = ((x - centre_x).abs() < 0.15 * scale) & (y > centre_y) & (y < foot)
            labels[canopy | trunk] = TREE

    def paint(self, labels: Tensor, generator: torch.Generator) -> Tensor:
        """A textured RGB image ``(3, H, W)`` in [0, 1] for ``labels``."""
        height, width, y = self.height, self.width, self.y
        colours = (_BASE_COLOURS + (torch.rand(7, 3, generator=generator) - 0.5) * 0.12).clamp(0, 1)
        coarse = _fbm(generator, height, width, 4, 3)
        fine = _fbm(generator, height, width, 2, max(4, width // 6))
        layers = colours.view(7, 3, 1, 1).expand(7, 3, height, width).clone()
        layers[SKY] *= (0.75 + 0.35 * y).clamp(max=1.15)
        layers[CLOUD] *= 0.9 + 0.1 * coarse - 0.08 * fine.abs()
        layers[MOUNTAIN] *= 0.8 + 0.25 * coarse + 0.1 * fine
        snow = (y < 0.35 + 0.05 * coarse).float() * float(_uniform(generator, 0, 1) < 0.4)
        layers[MOUNTAIN] = layers[MOUNTAIN] * (1 - snow) + 0.95 * snow
        ripples = torch.sin(y * _uniform(generator, 60, 120) + 3 * coarse)
        layers[WATER] *= 0.9 + 0.12 * ripples + 0.1 * y
        layers[SAND] *= 0.95 + 0.08 * coarse + 0.06 * fine
        layers[GRASS] *= 0.85 + 0.2 * coarse + 0.15 * fine
        layers[TREE] *= 0.8 + 0.3 * fine + 0.15 * coarse
        image = layers.gather(0, labels.view(1, 1, height, width).expand(1, 3, height, width))[0]
        brightness = _uniform(generator, 0.85, 1.1)
        return (image * brightness).clamp(0, 1)

    def generate(self, seed: int) -> tuple[Tensor, Tensor]:
        """``(image (3, H, W) float in [0, 1], labels (H, W) int64)`` for ``seed``."""
        generator = torch.Generator().manual_seed(int(seed))
        labels = self.layout(generator)
        image = self.paint(labels, generator)
        if self.textures is not None:
            image = paint_with_textures(labels, self.textures, generator, self._horizon(labels), GROUND, image)
        return image, labels

    @staticmethod
    def _horizon(labels: Tensor) -> float:
        """Where the ground begins, as a fraction of the height: the median first ground row over the columns."""
        on_ground = torch.zeros_like(labels, dtype=torch.bool)
        for label in GROUND:
            on_ground |= labels == label
        height = labels.shape[0]
        first = torch.where(on_ground.any(0), on_ground.float().argmax(0), torch.full_like(labels[0], height))
        return float(first.float().median()) / max(height - 1, 1)

    def batch(self, seeds: list[int] | range) -> tuple[Tensor, Tensor]:
        """Stacked :meth:`generate` outputs: ``(N, 3, H, W)``, ``(N, H, W)``."""
        pairs = [self.generate(seed) for seed in seeds]
        return torch.stack([image for image, _ in pairs]), torch.stack([labels for _, labels in pairs])


def write_scene_folder(
    root: str | os.PathLike, count: int, size: int | tuple[int, int] = 64, first_seed: int = 0, textures: TextureBank | str | os.PathLike | None = None
) -> Path:
    """Writes ``count`` scenes as a training folder: ``images/*.png``, ``labels/*.png`` (P mode) and ``classes.txt``."""
    from ..io import save_image

    folder = Path(root)
    scenes = SceneGenerator(size, textures)
    for seed in range(first_seed, first_seed + count):
        image, labels = scenes.generate(seed)
        save_image(image, folder / "images" / f"scene_{seed:06d}.png")
        save_image(colourize(labels, SCENE_CLASSES), folder / "labels" / f"scene_{seed:06d}.png")
    (folder / "classes.txt").write_text(SCENE_CLASSES.to_text())
    return folder


class SceneDataset(torch.utils.data.Dataset):
    """``length`` procedural scenes as SPADE training samples, scene ``i`` drawn from seed ``first_seed + i``.

    Each sample is ``{"image": (3, H, W) float in [-1, 1], "label": (H, W) int64, "path": "scene:<seed>"}``,
    the layout :class:`stylesynth.data.segmentation_folder.SegmentationFolder` gives too.
    ``textures``: as :class:`SceneGenerator`'s.
    """

    classes = SCENE_CLASSES

    def __init__(
        self, length: int, size: int | tuple[int, int] = 64, first_seed: int = 0, textures: TextureBank | str | os.PathLike | None = None
    ) -> None:
        if length < 1:
            raise ValueError(f"SceneDataset: length must be positive, got {length}")
        self.length = length
        self.first_seed = first_seed
        self.scenes = SceneGenerator(size, textures)

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> dict[str, object]:
        if not 0 <= index < self.length:
            raise IndexError(f"SceneDataset: index {index} out of range for {self.length} scenes")
        seed = self.first_seed + index
        image, labels = self.scenes.generate(seed)
        return {"image": image * 2 - 1, "label": labels, "path": f"scene:{seed}"}
