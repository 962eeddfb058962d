"""Content and style folders for AdaIN training, as a LightningDataModule."""

from __future__ import annotations

import lightning as L
import torch
from torch.utils.data import DataLoader

from stylesynth.data import ImageFolder, RandomPairs, resize_and_crop

__all__ = ["AdaINDataModule"]


class AdaINDataModule(L.LightningDataModule):
    """Endless random ``(content, style)`` pairs from two folders of images (searched recursively).

    Each image is resized so its shorter side is ``resize`` and randomly cropped to ``crop`` x
    ``crop`` (paper: 512 and 256; COCO content, WikiArt style). The stream has no epochs: bound the
    run with ``trainer.max_steps``.

    Args:
        content_dir: folder of content images (any format PIL reads; subfolders included).
        style_dir: folder of style images.
        batch_size: pairs per step (paper: 8).
        resize: shorter side after resizing.
        crop: side of the square random crop; must not exceed ``resize``.
        num_workers: DataLoader worker processes (each draws its own random pairs).
    """

    def __init__(
        self,
        content_dir: str,
        style_dir: str,
        batch_size: int = 8,
        resize: int = 512,
        crop: int = 256,
        num_workers: int = 4,
    ) -> None:
        super().__init__()
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if num_workers < 0:
            raise ValueError(f"num_workers must be >= 0, got {num_workers}")
        self.transform = resize_and_crop(resize, crop)  # validates crop <= resize now, not at fit time
        self.save_hyperparameters()
        self.pairs: RandomPairs | None = None

    def setup(self, stage: str) -> None:
        self.pairs = RandomPairs(
            ImageFolder(self.hparams.content_dir, self.transform),
            ImageFolder(self.hparams.style_dir, self.transform),
        )

    def train_dataloader(self) -> DataLoader:
        if self.pairs is None:
            self.setup("fit")
        workers = self.hparams.num_workers
        return DataLoader(
            self.pairs,
            batch_size=self.hparams.batch_size,
            num_workers=workers,
            persistent_workers=workers > 0,
            pin_memory=torch.cuda.is_available(),
        )
