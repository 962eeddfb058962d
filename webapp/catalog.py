"""The checkpoints the app offers, by kind and name, each loaded on first use and kept."""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stylesynth import Stylizer, Synthesizer
from stylesynth.data.segmentation import ClassList
from stylesynth.inference.device import resolve_device

from .errors import LOG, InputError

#: Checkpoint kinds the app offers.
KINDS = ("adain", "spade")
#: The checkpoints selected first when present.
DEFAULT_CHECKPOINTS = {"adain": "adain-default", "spade": "spade-default"}


def default_device() -> str:
    """``"cuda"`` when a GPU is available, else ``"cpu"``: where the models run."""
    return resolve_device().type


def read_checkpoint_config(folder: str | os.PathLike) -> dict[str, Any] | None:
    """``folder/config.json`` as a dict when ``folder`` is a checkpoint (config with a ``kind`` and weights), else None."""
    root = Path(folder)
    if not (root / "model.safetensors").is_file():
        return None
    try:
        config = json.loads((root / "config.json").read_text())
    except (OSError, ValueError):
        return None
    return config if isinstance(config, dict) and isinstance(config.get("kind"), str) else None


def discover_checkpoints(root: str | os.PathLike) -> dict[str, dict[str, Path]]:
    """Checkpoint folders directly under ``root``, by kind: ``{"adain": {name: path}, "spade": {...}}``, sorted by name."""
    found: dict[str, dict[str, Path]] = {kind: {} for kind in KINDS}
    base = Path(root)
    if base.is_dir():
        for folder in sorted(path for path in base.iterdir() if path.is_dir()):
            config = read_checkpoint_config(folder)
            if config is not None and config["kind"] in found:
                found[config["kind"]][folder.name] = folder
    return found


def classes_from_config(config: dict[str, Any], source: str = "checkpoint") -> ClassList:
    """The class names and colours a SPADE checkpoint's config lists (``class_names``, ``palette``)."""
    names = config.get("class_names")
    if not names:
        raise ValueError(f"{source}: the config lists no class_names; a SPADE checkpoint needs them to paint a scene")
    return ClassList.from_names(names, config.get("palette"))


@dataclass
class Catalog:
    """The checkpoint folders the app offers, by name, per kind, and which one is selected first."""

    root: Path
    adain: dict[str, Path] = field(default_factory=dict)
    spade: dict[str, Path] = field(default_factory=dict)
    default_adain: str | None = None
    default_spade: str | None = None

    @classmethod
    def build(cls, root: Path, adain: Path | None = None, spade: Path | None = None) -> Catalog:
        """The checkpoints in ``root``, plus the folders given on the command line (then selected first).

        A folder given that is not a checkpoint of its kind is a ``ValueError`` that says so.
        """
        found = discover_checkpoints(root)
        catalog = cls(root=Path(root), adain=found["adain"], spade=found["spade"])
        for kind, extra in (("adain", adain), ("spade", spade)):
            choices: dict[str, Path] = getattr(catalog, kind)
            if extra is not None:
                config = read_checkpoint_config(extra)
                if config is None:
                    raise ValueError(f"--{kind} {extra}: not a checkpoint folder (expected config.json and model.safetensors in it)")
                if config["kind"] != kind:
                    raise ValueError(f"--{kind} {extra}: holds a {config['kind']!r} checkpoint, expected a {kind!r} one")
                default: str | None = str(extra)
                choices[str(extra)] = Path(extra)
            elif DEFAULT_CHECKPOINTS[kind] in choices:
                default = DEFAULT_CHECKPOINTS[kind]
            else:
                default = next(iter(choices), None)
            setattr(catalog, f"default_{kind}", default)
        return catalog

    def path(self, kind: str, name: str | None) -> Path:
        """The folder of checkpoint ``name`` of ``kind``; unknown names are an :class:`InputError`."""
        choices: dict[str, Path] = getattr(self, kind)
        if not choices:
            raise InputError(f"No {kind.upper()} checkpoint was found in {self.root}; start the app with --{kind} DIR")
        if name not in choices:
            raise InputError(f"Unknown {kind.upper()} checkpoint {name!r}; choose one of: {', '.join(choices)}")
        return choices[name]


class ModelStore:
    """Loads each checkpoint on first use and keeps it; safe to call from the queue's worker threads."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._models: dict[tuple[str, str], Any] = {}
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, kind: str, name: str | None) -> Any:
        """The :class:`Stylizer` (``kind="adain"``) or :class:`Synthesizer` (``"spade"``) ``name``, loaded once."""
        path = self.catalog.path(kind, name)
        key = (kind, str(path))
        with self._guard:
            if key in self._models:
                return self._models[key]
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:  # one load per checkpoint, however many requests wait for it
            if key not in self._models:
                loader = Stylizer if kind == "adain" else Synthesizer
                LOG.info("loading the %s checkpoint %s on %s", kind, path, default_device())
                try:
                    model = loader.from_pretrained(path)
                except (ValueError, TypeError) as error:
                    raise InputError(f"The {kind.upper()} checkpoint {name!r} could not be loaded: {error}") from None
                with self._guard:
                    self._models[key] = model
            return self._models[key]

    def classes(self, name: str | None) -> ClassList:
        """The classes of SPADE checkpoint ``name``, from its config (no weights loaded)."""
        path = self.catalog.path("spade", name)
        config = read_checkpoint_config(path)
        if config is None:
            raise InputError(f"The SPADE checkpoint {name!r} at {path} has no readable config.json")
        return classes_from_config(config, str(path))
