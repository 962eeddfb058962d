"""Folders of images as datasets, and an endless stream of random (content, style) pairs for AdaIN."""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterator
from pathlib import Path

import torch
from torch import Tensor
from torch.utils.data import Dataset, IterableDataset, get_worker_info
from torchvision.transforms import v2

from ..io import ImageError, load_image
from ..io.images import IMAGE_EXTENSIONS

__all__ = ["ImageFolder", "RandomPairs", "list_images", "resize_and_crop"]


def list_images(folder: str | os.PathLike) -> list[Path]:
    """Every image file under ``folder`` (recursive, by extension, sorted), or a ValueError if none."""
    root = Path(folder)
    if not root.is_dir():
        raise ValueError(f"image folder not found: {root}")
    files = sorted(path for path in root.rglob("*") if path.is_file() and path.suffix.lower() in IMAGE_EXTENSIONS)
    if not files:
        raise ValueError(f"no images in {root} (looked recursively for {', '.join(IMAGE_EXTENSIONS)})")
    return files


def resize_and_crop(resize: int, crop: int) -> v2.Compose:
    """PIL image -> float tensor in [0, 1]: shorter side resized to ``resize``, then a random ``crop`` x ``crop``."""
    if crop > resize:
        raise ValueError(f"crop size {crop} must not exceed the resize size {resize} (the shorter side after resizing)")
    return v2.Compose([
        v2.ToImage(),
        v2.Resize(resize, antialias=True),
        v2.RandomCrop(crop),
        v2.ToDtype(torch.float32, scale=True),
    ])  # fmt: skip


class ImageFolder(Dataset[Tensor]):
    """The images under ``folder`` (recursive), as RGB tensors after ``transform``."""

    def __init__(self, folder: str | os.PathLike, transform: Callable[[object], Tensor] | None = None) -> None:
        self.root = Path(folder)
        self.files = list_images(folder)
        self.transform = transform or v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True)])

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> Tensor:
        path = self.files[index]
        try:
            image = load_image(path)
        except ImageError as error:
            raise ImageError(f"in the training folder {self.root}: {error}") from None
        return self.transform(image)


class RandomPairs(IterableDataset[tuple[Tensor, Tensor]]):
    """An endless stream of ``(content, style)`` pairs, each image drawn uniformly at random.

    Every DataLoader worker, and every rank of a distributed run, draws from its own stream: the
    seed mixes the worker's seed (which the DataLoader derives from the main process's torch seed)
    with the distributed rank, so neither workers nor ranks repeat each other's pairs or crops.
    """

    def __init__(self, content: ImageFolder, style: ImageFolder) -> None:
        self.content = content
        self.style = style

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor]]:
        worker = get_worker_info()
        seed = worker.seed if worker is not None else int(torch.randint(0, 2**62, ()).item())
        distributed = torch.distributed.is_available() and torch.distributed.is_initialized()
        rank = torch.distributed.get_rank() if distributed else 0
        chooser = random.Random(f"{seed}-{rank}")
        if worker is not None and rank:
            # Random crops draw from torch's RNG, seeded per worker but not per rank: mix the rank in.
            torch.manual_seed(chooser.randrange(2**62))
        while True:
            yield (
                self.content[chooser.randrange(len(self.content))],
                self.style[chooser.randrange(len(self.style))],
            )
