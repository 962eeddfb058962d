"""The checkpoint stack of every model kind: one registry, one loader, one exporter, one model-card writer.

A network class (:class:`AdaINNetwork`, :class:`SPADENetwork`) owns its config (``config()`` /
``from_config``), reads its training checkpoints (``from_lightning``) and other projects' weight
files (``from_foreign``), and says what its model card shows (``card_lines``). This module only
dispatches on the checkpoint's kind.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from ..io import CheckpointError, load_pretrained, read_lightning_checkpoint, resolve_checkpoint, save_pretrained
from ..io.checkpoints import CONFIG_NAME, bundled_checkpoints
from ..nets import AdaINNetwork, DumoulinNetwork, MagentaArbitraryNetwork, SPADENetwork

__all__ = ["LOADABLE", "NETWORKS", "best_evaluated", "checkpoint_kind", "default_style_model", "evaluation_score", "export_lightning", "load_network", "model_card"]

#: checkpoint kind -> the network class that reads and writes it
NETWORKS: dict[str, type[Any]] = {
    AdaINNetwork.KIND: AdaINNetwork,
    SPADENetwork.KIND: SPADENetwork,
    MagentaArbitraryNetwork.KIND: MagentaArbitraryNetwork,  # trained by models.ghiasi.GhiasiModule
}

#: kind -> (title, API class, the call a user makes), for model cards
_USAGE = {
    "adain": ("AdaIN style transfer", "Stylizer", "image = model.stylize(content, style, alpha=1.0)"),
    "magenta-arbitrary": ("Magenta arbitrary-style transfer", "Stylizer", "image = model.stylize(content, style, alpha=1.0)"),
    "spade": ("SPADE semantic synthesis", "Synthesizer", "image = model.synthesize(label_map, seed=0)   # P/L class ids, RGB in the palette, or an int tensor"),
}


#: every kind :func:`load_network` reads: the exportable ones and the 26-style network (folders only)
LOADABLE: dict[str, type[Any]] = {**NETWORKS, DumoulinNetwork.KIND: DumoulinNetwork}


def _network_class(kind: Any, source: str, table: Mapping[str, type[Any]] = NETWORKS) -> type[Any]:
    if not isinstance(kind, str) or kind not in table:  # a list or dict read from a file is no kind either
        raise CheckpointError(f"{source}: unknown checkpoint kind {kind!r}; known: {', '.join(sorted(table))}")
    return table[kind]


def _expected(kinds: Sequence[str]) -> str:
    names = [repr(kind) for kind in kinds]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _resolve(source: str | os.PathLike, kinds: Sequence[str]) -> Path:
    """:func:`stylesynth.io.resolve_checkpoint` for one kind or several (an existing path still wins)."""
    if len(kinds) == 1 or not isinstance(source, (str, os.PathLike)) or Path(source).exists():
        return resolve_checkpoint(source, kinds[0])
    for kind in kinds:
        known = bundled_checkpoints(kind)
        if str(source) in known:
            return known[str(source)]
    names = [name for kind in kinds for name in bundled_checkpoints(kind)]
    other = bundled_checkpoints().get(str(source))
    if other is not None:
        other_kind = json.loads((other / CONFIG_NAME).read_text())["kind"]
        raise CheckpointError(f"{source!r} is a bundled {other_kind!r} checkpoint, expected a {_expected(kinds)} one ({', '.join(names)})")
    raise CheckpointError(f"checkpoint not found: {source} (expected a checkpoint folder, a weights file, or a bundled name: {', '.join(names) or 'none'})")


def _check_kind(kind: Any, kinds: Sequence[str], source: str) -> None:
    if kind not in kinds:
        raise CheckpointError(f"{source} holds a {kind!r} checkpoint, expected a {_expected(kinds)} one")


def checkpoint_kind(source: str | os.PathLike, kinds: Sequence[str]) -> str | None:
    """The kind of the checkpoint folder behind ``source`` (one of ``kinds``), from its ``config.json``
    alone; ``None`` where only reading the weights would tell (a ``.ckpt``, another project's files).
    A source that resolves to nothing is the resolver's :class:`CheckpointError`."""
    path = _resolve(source, tuple(kinds))
    if path.is_file() and path.suffix.lower() == ".safetensors":
        path = path.parent
    try:
        kind = json.loads((path / CONFIG_NAME).read_text()).get("kind") if path.is_dir() else None
    except (OSError, ValueError, AttributeError):
        return None  # the loader gives the precise error
    return kind if kind in kinds else None


def load_network(source: str | os.PathLike, kind: str | Sequence[str], **foreign: Any) -> Any:
    """The network behind ``source``, of ``kind`` (or of any of several kinds), whatever form it takes.

    ``source`` is resolved by :func:`stylesynth.io.resolve_checkpoint` (an existing path wins over a
    bundled name; with several kinds, a bundled name of any of them), then read as: a checkpoint
    folder (``config.json`` + ``model.safetensors``), its ``model.safetensors``, a Lightning
    ``.ckpt`` of the kind's training module, or weights in another project's layout (the first of
    the kinds whose class reads them, ``from_foreign``, which gets ``foreign``).
    """
    kinds = (kind,) if isinstance(kind, str) else tuple(kind)
    for item in kinds:
        _network_class(item, str(source), LOADABLE)
    path = _resolve(source, kinds)
    if path.is_file() and path.suffix.lower() == ".safetensors":
        path = path.parent
    if path.is_dir() and (path / CONFIG_NAME).is_file():
        state_dict, config = load_pretrained(path, kind=kinds[0] if len(kinds) == 1 else None)
        _check_kind(config["kind"], kinds, str(path))
        return LOADABLE[config["kind"]].from_config(config, state_dict, source=str(path))
    if path.is_file() and path.suffix.lower() == ".ckpt":
        state_dict, info = read_lightning_checkpoint(path)
        found = str(info.get("kind")) if len(kinds) > 1 else kinds[0]  # one kind: the class's own check names the mismatch
        _check_kind(found, kinds, str(path))
        cls = LOADABLE[found]
        if not hasattr(cls, "from_lightning"):
            raise CheckpointError(f"{path}: {found!r} networks are read from a checkpoint folder (config.json + model.safetensors), not a .ckpt")
        return cls.from_lightning(state_dict, info, str(path))
    readers = [LOADABLE[item] for item in kinds if hasattr(LOADABLE[item], "from_foreign")]
    if not readers:
        raise CheckpointError(f"{path} is not a stylesynth checkpoint: config.json is missing (expected config.json + model.safetensors)")
    return readers[0].from_foreign(path, **foreign)


def export_lightning(
    state_dict: Mapping[str, Tensor],
    info: Mapping[str, Any],
    out_dir: str | os.PathLike,
    overwrite: bool = False,
    dtype: torch.dtype | None = None,
    card: str | None = None,
    notes: str | None = None,
    extra_files: Mapping[str, bytes] | None = None,
    name: str | None = None,
    source: str | None = None,
) -> Path:
    """Writes the inference checkpoint folder of a training checkpoint, whatever its kind.

    ``state_dict`` and ``info`` are what :func:`stylesynth.io.read_lightning_checkpoint` returns. The
    network is built first (so the weights are validated); ``out_dir`` gets ``model.safetensors``
    (the network's weights, in ``dtype`` if given, e.g. ``torch.float16`` to halve the size),
    ``config.json`` (the network's config, the training settings and the step count), a model card
    ``README.md`` (``card``, or :func:`model_card` with ``notes``; ``name`` is its title), the class
    list ``classes.txt`` for kinds that have one, and ``extra_files``. Written atomically. Errors about
    the weights name ``source`` (the training checkpoint's path; default ``out_dir``).
    """
    cls = _network_class(info.get("kind"), source or str(out_dir))
    network = cls.from_lightning(state_dict, info, source or str(out_dir))
    weights = network.state_dict()
    if dtype is not None:
        weights = {key: value.to(dtype) if value.is_floating_point() else value for key, value in weights.items()}
    nested = (info.get("config") or {}).get("training")
    training = {key: value for key, value in dict(info.get("training") or nested or {}).items() if not str(key).startswith("_")}
    steps = info.get("global_step", info.get("iteration"))
    config = {**network.config(), "training": training, "steps": steps, **({"name": name} if name else {})}
    files = dict(extra_files or {})
    if isinstance(network, SPADENetwork):
        files.setdefault("classes.txt", network.classes.to_text().encode())
    text = card if card is not None else model_card(config, notes)
    return save_pretrained(out_dir, weights, config, card=text, extra_files=files, overwrite=overwrite)


def model_card(config: Mapping[str, Any], notes: str | None = None) -> str:
    """The model card ``README.md`` of a checkpoint: what it is, how to load it, its settings, its training, ``notes``."""
    kind = config["kind"]
    title, api, call = _USAGE[kind]
    training = config.get("training") or {}
    lines = [
        f"# {config.get('name') or title + ' checkpoint'}",
        "",
        f"{title}, trained and exported with stylesynth (`stylesynth export`). Load it with",
        "",
        "```python",
        f"from stylesynth import {api}",
        f"model = {api}.from_pretrained(\"path/to/this/folder\")",
        call,
        "```",
        "",
        *_network_class(kind, "model card").card_lines(config),
        "",
        "## Training",
        "",
        f"- steps: {config['steps'] if config.get('steps') is not None else 'not recorded'}",
        *(f"- {key}: `{value}`" for key, value in sorted(training.items())),
    ]
    if notes:
        lines += ["", notes.strip()]
    return "\n".join(lines) + "\n"


def evaluation_score(config: Mapping[str, Any]) -> float | None:
    """The mean of the held-out style, texture and structure medians a config records (``"evaluation"``,
    written by ``scripts/evaluate_adain.py --record``), or ``None`` when it records none."""
    evaluation = config.get("evaluation")
    if not isinstance(evaluation, Mapping):
        return None
    values = [evaluation.get(key) for key in ("style", "texture", "structure")]
    if not all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in values):
        return None
    return sum(float(value) for value in values if isinstance(value, (int, float))) / 3


def best_evaluated(configs: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The name whose config records the best held-out numbers (:func:`evaluation_score`); the first name when none records any."""
    scored = [(score, name) for name, config in configs.items() if (score := evaluation_score(config)) is not None]
    if scored:
        return max(scored, key=lambda item: item[0])[1]
    return next(iter(configs), None)


def default_style_model() -> str:
    """The bundled style model offered first (CLI ``--model``, the app): the one with the best recorded held-out numbers."""
    from .style_models import STYLE_KINDS

    configs = {}
    for name, folder in bundled_checkpoints().items():
        config = json.loads((folder / CONFIG_NAME).read_text())
        if config.get("kind") in STYLE_KINDS:
            configs[name] = config
    best = best_evaluated(configs)
    if best is None:
        raise CheckpointError("no bundled style model is installed (the package's checkpoints folder is missing)")
    return best
