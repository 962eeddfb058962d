"""Reading and writing images and checkpoints, with clear errors and no partial files."""

from .atomic import atomic_output, atomic_directory
from .checkpoints import (
    CheckpointError,
    load_pretrained,
    load_torch_file,
    read_lightning_checkpoint,
    save_pretrained,
)
from .images import ImageError, load_image, pil_to_tensor, save_image, tensor_to_pil

__all__ = [
    "CheckpointError",
    "ImageError",
    "atomic_directory",
    "atomic_output",
    "load_image",
    "load_pretrained",
    "load_torch_file",
    "pil_to_tensor",
    "read_lightning_checkpoint",
    "save_image",
    "save_pretrained",
    "tensor_to_pil",
]
