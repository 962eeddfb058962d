"""What every training module records besides its losses: image grids, and plain-typed settings for checkpoints."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import lightning as L
import torch
from torch import Tensor
from torchvision.utils import make_grid, save_image

__all__ = ["plain_settings", "save_grid"]


def _is_plain(value: object) -> bool:
    """A str, number, bool or None, or a list or tuple of them: what config.json can hold."""
    if isinstance(value, (list, tuple)):
        return all(isinstance(item, (str, int, float, bool)) for item in value)
    return isinstance(value, (str, int, float, bool, type(None)))


def plain_settings(hparams: Mapping[str, Any]) -> dict[str, Any]:
    """The hyperparameters that JSON and ``torch.load(weights_only=True)`` can hold (tuples as lists)."""
    return {key: list(value) if isinstance(value, tuple) else value for key, value in hparams.items() if _is_plain(value)}


@torch.no_grad()
def save_grid(module: L.LightningModule, rows: list[Tensor], count: int, tag: str = "train/content_style_output") -> None:
    """Rows of images (e.g. content, style, output; the first ``count`` of each) as a PNG in the log
    folder's ``images/``, and in the logger's image log if it has one (TensorBoard); rank zero only."""
    trainer = module.trainer
    if not trainer.is_global_zero:
        return
    images = torch.cat([row[:count].clamp(0, 1) for row in rows]).float().cpu()
    grid = make_grid(images, nrow=count, padding=2)
    folder = Path(trainer.log_dir or trainer.default_root_dir) / "images"
    folder.mkdir(parents=True, exist_ok=True)
    save_image(grid, folder / f"step-{module.global_step:07d}.png")
    experiment = getattr(module.logger, "experiment", None)
    if hasattr(experiment, "add_image"):
        experiment.add_image(tag, grid, module.global_step)
