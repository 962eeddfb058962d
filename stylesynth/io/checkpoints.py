"""Inference checkpoints (safetensors + config.json + model card) and other people's weight files."""

from __future__ import annotations

import json
import os
import pickle
import struct
import zipfile
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import Tensor

from .atomic import atomic_directory

WEIGHTS_NAME = "model.safetensors"
CONFIG_NAME = "config.json"
CARD_NAME = "README.md"


class CheckpointError(ValueError):
    """A checkpoint that is missing, unreadable, or not of the expected kind or layout."""


def save_pretrained(
    folder: str | os.PathLike,
    state_dict: dict[str, Tensor],
    config: dict[str, Any],
    card: str | None = None,
    extra_files: dict[str, bytes] | None = None,
    overwrite: bool = False,
) -> Path:
    """Writes ``folder/`` with ``model.safetensors``, ``config.json`` and a model card ``README.md``.

    ``config`` must contain ``"kind"`` (e.g. ``"adain"``, ``"spade"``) and be JSON-serializable. The
    folder is written under a temporary name and renamed when complete.
    """
    if "kind" not in config:
        raise CheckpointError("save_pretrained: config needs a 'kind' entry naming the model type")
    tensors = {key: value.detach().contiguous().cpu() for key, value in state_dict.items()}
    config_text = json.dumps(config, indent=2, sort_keys=True)
    with atomic_directory(folder, overwrite=overwrite) as temporary:
        save_file(tensors, str(temporary / WEIGHTS_NAME), metadata={"kind": str(config["kind"])})
        (temporary / CONFIG_NAME).write_text(config_text + "\n")
        if card is not None:
            (temporary / CARD_NAME).write_text(card)
        for name, data in (extra_files or {}).items():
            (temporary / name).write_bytes(data)
    return Path(folder)


def load_pretrained(folder: str | os.PathLike, kind: str | None = None) -> tuple[dict[str, Tensor], dict[str, Any]]:
    """Reads a folder written by :func:`save_pretrained`; returns ``(state_dict, config)``.

    With ``kind`` given, a checkpoint of another kind is an error that names both.
    """
    root = Path(folder)
    if not root.is_dir():
        raise CheckpointError(f"checkpoint folder not found: {root}")
    config_path, weights_path = root / CONFIG_NAME, root / WEIGHTS_NAME
    for required in (config_path, weights_path):
        if not required.is_file():
            raise CheckpointError(f"{root} is not a stylesynth checkpoint: {required.name} is missing (expected {CONFIG_NAME} and {WEIGHTS_NAME})")
    try:
        config = json.loads(config_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CheckpointError(f"{config_path}: not valid JSON ({error})") from None
    if not isinstance(config, dict) or "kind" not in config:
        raise CheckpointError(f"{config_path}: expected a JSON object with a 'kind' entry")
    if kind is not None and config["kind"] != kind:
        raise CheckpointError(f"{root} holds a {config['kind']!r} checkpoint, expected a {kind!r} one")
    try:
        state_dict = load_file(str(weights_path))
    except (SafetensorError, OSError) as error:
        raise CheckpointError(f"{weights_path}: not a readable safetensors file ({error})") from None
    return state_dict, config


def load_torch_file(path: str | os.PathLike) -> Any:
    """Loads a pickled torch file (zip or legacy serialization) with ``weights_only=True``.

    Safe for files from elsewhere: only tensors and plain containers are accepted.
    """
    source = Path(path)
    if not source.is_file():
        raise CheckpointError(f"weights file not found: {source}")
    try:
        return torch.load(source, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, zipfile.BadZipFile, ValueError, OSError, struct.error) as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise CheckpointError(
            f"{source}: not a readable torch weights file ({message}); expected a state dict saved with torch.save"
        ) from None


def read_lightning_checkpoint(path: str | os.PathLike) -> tuple[dict[str, Tensor], dict[str, Any]]:
    """Reads a Lightning ``.ckpt`` written by a stylesynth LightningModule, without Lightning.

    Returns ``(state_dict, info)``, where ``info`` is the ``checkpoint["stylesynth"]`` entry that the
    module writes in ``on_save_checkpoint``: ``{"kind": ..., "config": {...}, ...}``.
    """
    checkpoint = load_torch_file(path)
    if not isinstance(checkpoint, dict) or "state_dict" not in checkpoint:
        raise CheckpointError(f"{path}: not a Lightning checkpoint (no 'state_dict' entry)")
    info = checkpoint.get("stylesynth")
    if not isinstance(info, dict) or "kind" not in info:
        raise CheckpointError(
            f"{path}: a Lightning checkpoint, but not one written by a stylesynth model (no 'stylesynth' entry with a 'kind')"
        )
    return checkpoint["state_dict"], info
