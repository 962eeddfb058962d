"""Inference checkpoints (safetensors + config.json + model card), the bundled ones, and other people's weight files.

One place for each step: :func:`resolve_checkpoint` turns a name or a path into a path (an existing
path wins over a bundled name), :func:`load_pretrained` / :func:`save_pretrained` read and write
checkpoint folders, :func:`load_state_strict` is the one strict state-dict loader (:func:`check_finite` its check of the values), and
:func:`load_torch_file` reads pickled files safely.
"""

from __future__ import annotations

import json
import os
import pickle
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import Tensor, nn

from .atomic import atomic_directory
from .files import refuse_special_file

WEIGHTS_NAME = "model.safetensors"
CONFIG_NAME = "config.json"
CARD_NAME = "README.md"

#: Largest total uncompressed size (bytes) the records of a zip-serialized torch file may declare;
#: checked from the zip's directory before :func:`torch.load` inflates anything.
MAX_UNCOMPRESSED_BYTES = 16 * 2**30
#: Largest ratio of the declared uncompressed size to the file's size: ``torch.save`` stores its
#: records uncompressed (ratio about 1), so a file that inflates far beyond its size is a zip bomb.
MAX_COMPRESSION_RATIO = 20


#: The bundled checkpoints ship inside the package (``stylesynth/checkpoints/<name>/``), so that an
#: installed wheel finds them as a checkout does; the repository's ``checkpoints/`` links here.
BUNDLED_ROOT = Path(__file__).resolve().parents[1] / "checkpoints"


class CheckpointError(ValueError):
    """A checkpoint that is missing, unreadable, or not of the expected kind or layout."""


def bundled_checkpoints(kind: str | None = None) -> dict[str, Path]:
    """The bundled checkpoint folders by name (``{"adain-default": Path(...), ...}``), of ``kind`` if given.

    A bundled checkpoint is a folder of :data:`BUNDLED_ROOT` holding a ``config.json``; its kind is
    the config's ``"kind"``.
    """
    found = {}
    for folder in sorted(BUNDLED_ROOT.iterdir()) if BUNDLED_ROOT.is_dir() else []:
        config_path = folder / CONFIG_NAME
        if not config_path.is_file():
            continue
        try:
            folder_kind = json.loads(config_path.read_text()).get("kind")
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
            continue
        if kind is None or folder_kind == kind:
            found[folder.name] = folder
    return found


def resolve_checkpoint(source: str | os.PathLike, kind: str) -> Path:
    """The path behind ``source``: an existing file or folder, else a bundled checkpoint of that name.

    Precedence: a path that exists wins over a bundled name, so a folder called ``adain-default`` in
    the working directory is what gets loaded. A bundled name of another kind, or a source that is
    neither, is a :class:`CheckpointError` that lists the bundled names of ``kind``.
    """
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"expected a checkpoint folder, a file path or a bundled name, got {type(source).__name__}")
    path = Path(source)
    if path.exists():
        return path
    known = bundled_checkpoints(kind)
    if str(source) in known:
        return known[str(source)]
    other = bundled_checkpoints().get(str(source))
    if other is not None:
        other_kind = json.loads((other / CONFIG_NAME).read_text())["kind"]
        raise CheckpointError(f"{source!r} is a bundled {other_kind!r} checkpoint, expected a {kind!r} one ({', '.join(known) or 'none bundled'})")
    raise CheckpointError(
        f"checkpoint not found: {source} (expected a checkpoint folder, a weights file, or a bundled name: {', '.join(known) or 'none'})"
    )


def load_state_strict(module: nn.Module, state_dict: Mapping[str, Any], source: str, prefix: str = "", hint: str = "") -> None:
    """Loads ``state_dict[prefix + key]`` into ``module``, strictly, as the module's dtype.

    Missing, unexpected, non-tensor or misshapen entries are one :class:`CheckpointError` that names
    the first few of each, the module it was meant for, and ``hint`` (what usually causes it). A
    tensor with NaN or infinite values is a :class:`CheckpointError` naming the first such key. Keys
    without ``prefix`` are ignored.
    """
    selected = {key[len(prefix) :]: value for key, value in state_dict.items() if key.startswith(prefix)}
    expected = module.state_dict()
    missing = [key for key in expected if key not in selected]
    unexpected = [key for key in selected if key not in expected]
    wrong = [
        f"{prefix}{key} {tuple(selected[key].shape) if isinstance(selected[key], Tensor) else type(selected[key]).__name__}"
        f" (expected {tuple(value.shape)})"
        for key, value in expected.items()
        if key in selected and (not isinstance(selected[key], Tensor) or tuple(selected[key].shape) != tuple(value.shape))
    ]
    problems = []
    if missing:
        problems.append(f"{len(missing)} missing keys (e.g. {', '.join(prefix + key for key in missing[:3])})")
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected keys (e.g. {', '.join(prefix + key for key in unexpected[:3])})")
    if wrong:
        problems.append(f"{len(wrong)} tensors of another shape (e.g. {'; '.join(wrong[:2])})")
    if problems:
        raise CheckpointError(
            f"{source}: the weights do not fit a {type(module).__name__} with this config: " + ", ".join(problems)
            + (f"; {hint}" if hint else "")
        )
    check_finite({prefix + key: value for key, value in selected.items()}, source)
    with torch.no_grad():
        module.load_state_dict({key: value.to(expected[key].dtype) for key, value in selected.items()}, strict=True)


def check_finite(tensors: Mapping[str, Tensor], source: str) -> None:
    """Refuses weights with NaN or infinite values (they run, and write a black or NaN image): a
    :class:`CheckpointError` naming ``source`` and the first such key, in the mapping's order."""
    for key, value in tensors.items():
        if (value.is_floating_point() or value.is_complex()) and value.numel() and not bool(torch.isfinite(value).all()):
            count = int((~torch.isfinite(value)).sum())
            raise CheckpointError(
                f"{source}: tensor {key} holds {count:,} NaN or infinite value(s); the weights are damaged "
                "(a diverged training run or a broken export); expected finite weights"
            )


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
        refuse_special_file(required, str(required), f"the {required.name} of a stylesynth checkpoint", CheckpointError)
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

    Safe for files from elsewhere: only tensors and plain containers are accepted, and a zip whose
    records declare more than :data:`MAX_UNCOMPRESSED_BYTES` in all, or more than
    :data:`MAX_COMPRESSION_RATIO` times the file's size, is refused before anything is inflated.
    Anything but a regular file (a FIFO, a device, a socket) is refused before it is opened.
    """
    source = Path(path)
    refuse_special_file(source, str(source), "a weights file saved with torch.save", CheckpointError)
    if not source.is_file():
        raise CheckpointError(f"weights file not found: {source}")
    _check_zip_sizes(source)
    try:
        return torch.load(source, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:  # torch's text would suggest weights_only=False: never do that for a user
        raise CheckpointError(
            f"{source}: not a readable torch weights file: it holds Python objects other than tensors and plain "
            "containers, which are not loaded (unpickling them could run code); expected a state dict saved with torch.save"
        ) from None
    except Exception as error:  # noqa: BLE001 - damaged bytes make the unpickler fail in many ways (IndexError, KeyError, ...)
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise CheckpointError(
            f"{source}: not a readable torch weights file ({message}); expected a state dict saved with torch.save"
        ) from None


def _check_zip_sizes(source: Path) -> None:
    """Refuses a zip-serialized torch file whose records would inflate past the limits (a zip bomb), from its directory."""
    try:
        if not zipfile.is_zipfile(source):
            return  # the legacy serialization, or no torch file at all: torch.load says which
        with zipfile.ZipFile(source) as archive:
            declared = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return  # a damaged directory: torch.load reports the file as unreadable
    size = source.stat().st_size
    limit = min(MAX_UNCOMPRESSED_BYTES, max(size, 2**20) * MAX_COMPRESSION_RATIO)
    if declared > limit:
        raise CheckpointError(
            f"{source}: the zip records declare {declared:,} bytes uncompressed from a {size:,}-byte file, more than the "
            f"limit of {limit:,} ({MAX_COMPRESSION_RATIO}x the file's size, at most {MAX_UNCOMPRESSED_BYTES:,}); "
            "torch.save stores weights uncompressed, so this is not a weights file (a zip bomb?); "
            "expected a state dict saved with torch.save"
        )


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
