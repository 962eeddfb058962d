"""Reading and writing images and checkpoints, with clear errors and no partial files."""

from .atomic import atomic_directory, atomic_output, staged_outputs
from .checkpoints import (
    CheckpointError,
    bundled_checkpoints,
    check_finite,
    load_pretrained,
    load_state_strict,
    load_torch_file,
    read_lightning_checkpoint,
    resolve_checkpoint,
    save_pretrained,
)
from .images import ImageError, image_size, load_image, pil_to_tensor, save_image, tensor_to_pil, write_image

__all__ = [
    "CheckpointError",
    "ImageError",
    "atomic_directory",
    "atomic_output",
    "image_size",
    "bundled_checkpoints",
    "check_finite",
    "load_image",
    "load_pretrained",
    "load_state_strict",
    "load_torch_file",
    "pil_to_tensor",
    "read_lightning_checkpoint",
    "resolve_checkpoint",
    "save_image",
    "save_pretrained",
    "staged_outputs",
    "tensor_to_pil",
    "write_image",
]
