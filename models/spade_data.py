"""LightningDataModules for SPADE: a folder of images and label maps (custom, ADE20K, Cityscapes, COCO-Stuff), or procedural scenes."""

from __future__ import annotations

from lightning.pytorch import LightningDataModule
from torch.utils.data import DataLoader, Dataset

from stylesynth.data.scenes import SceneDataset
from stylesynth.data.segmentation import ClassList
from stylesynth.data.segmentation_folder import PRESETS, SegmentationFolder


class SceneDataModule(LightningDataModule):
    """Procedural landscapes (:mod:`stylesynth.data.scenes`), made on the fly; nothing to download.

    Args:
        image_size: side of the square scenes.
        train_scenes: scenes per epoch (seeds ``first_seed …``).
        batch_size, num_workers: the loader.
        first_seed: seed of the first scene.
        textures: a folder of texture swatches per class (``scripts/make_scene_textures.py``) to paint
            the regions with; ``None``: procedural textures (see :class:`SceneGenerator`).
    """

    def __init__(
        self,
        image_size: int = 64,
        train_scenes: int = 100_000,
        batch_size: int = 8,
        num_workers: int = 0,
        first_seed: int = 0,
        textures: str | None = None,
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.classes: ClassList = SceneDataset.classes
        self.dont_care = False
        self.instance = False
        self.train_set: Dataset | None = None

    def setup(self, stage: str | None = None) -> None:
        h = self.hparams
        self.train_set = SceneDataset(h.train_scenes, h.image_size, h.first_seed, h.textures)

    def train_dataloader(self) -> DataLoader:
        h = self.hparams
        return DataLoader(
            self.train_set, batch_size=h.batch_size, shuffle=True, num_workers=h.num_workers,
            drop_last=True, persistent_workers=h.num_workers > 0,
        )


class SegmentationDataModule(LightningDataModule):
    """Pairs of images and label maps from a folder (see :class:`SegmentationFolder` for layouts and checks).

    Args:
        root: the data set folder.
        preset: folder layout: ``folder`` (``images/``, ``labels/``, optional ``instances/``,
            ``classes.txt``), ``ade20k``, ``cityscapes`` or ``coco_stuff``.
        classes: class list file; default ``root/classes.txt`` for ``folder`` and built-in lists
            for the presets.
        split: subfolder split for the presets (``training``/``train``).
        crop_size, aspect_ratio: training size: ``crop_size`` wide, ``crop_size / aspect_ratio`` high.
        load_size: resize the short side to this before a random crop (``None``: resize to the crop size).
        flip: random horizontal flips.
        instance: load instance maps (COCO-Stuff, Cityscapes, or ``instances/``).
        dont_care: accept label 255 as don't care; default: the preset's (ADE20K and COCO-Stuff yes,
            Cityscapes and ``folder`` no). The model's ``dont_care`` must agree.
        batch_size, num_workers: the loader.
    """

    def __init__(
        self,
        root: str,
        preset: str = "folder",
        classes: str | None = None,
        split: str | None = None,
        crop_size: int = 256,
        aspect_ratio: float = 1.0,
        load_size: int | None = None,
        flip: bool = True,
        instance: bool = False,
        dont_care: bool | None = None,
        batch_size: int = 1,
        num_workers: int = 4,
    ) -> None:
        super().__init__()
        if preset not in PRESETS:
            raise ValueError(f"SegmentationDataModule: preset must be one of {', '.join(PRESETS)}, got {preset!r}")
        self.save_hyperparameters()
        self.train_set: SegmentationFolder | None = None
        dataset = self._dataset()
        self.classes: ClassList = dataset.classes
        self.dont_care: bool = dataset.dont_care
        self.instance: bool = instance

    def _dataset(self) -> SegmentationFolder:
        h = self.hparams
        return SegmentationFolder(
            h.root, preset=h.preset, classes=h.classes, split=h.split, crop_size=h.crop_size, aspect_ratio=h.aspect_ratio,
            load_size=h.load_size, flip=h.flip, instance=h.instance, dont_care=h.dont_care,
        )

    def setup(self, stage: str | None = None) -> None:
        self.train_set = self._dataset()

    def train_dataloader(self) -> DataLoader:
        h = self.hparams
        return DataLoader(
            self.train_set, batch_size=h.batch_size, shuffle=True, num_workers=h.num_workers,
            drop_last=len(self.train_set) >= h.batch_size, persistent_workers=h.num_workers > 0,
        )
