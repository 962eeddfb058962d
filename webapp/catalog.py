"""The checkpoints the app offers, by kind and name, each loaded on first use and kept (the few used last)."""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stylesynth import Stylizer, Synthesizer
from stylesynth.data.segmentation import ClassList
from stylesynth.inference.checkpoints import best_evaluated
from stylesynth.inference.device import resolve_device
from stylesynth.inference.style_models import STYLE_KINDS, family_of_kind

from .errors import LOG, InputError

#: The app's model groups and the checkpoint kinds in each: every style model, and SPADE.
GROUPS: dict[str, tuple[str, ...]] = {"style": STYLE_KINDS, "spade": ("spade",)}
#: How each group is named in messages.
GROUP_NAMES = {"style": "style", "spade": "SPADE"}
#: Models kept loaded at once (the least recently used is unloaded first).
MAX_LOADED_MODELS = 3
#: Style images whose codes each style model keeps (its LRU cache of style statistics).
STYLE_CACHE_SIZE = 16
#: The SPADE checkpoint selected first when present (style models: the best recorded held-out numbers).
DEFAULT_SPADE = "spade-default"


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
    """Checkpoint folders directly under ``root``, by group: ``{"style": {name: path}, "spade": {...}}``, sorted by name."""
    found: dict[str, dict[str, Path]] = {group: {} for group in GROUPS}
    base = Path(root)
    if base.is_dir():
        for folder in sorted(path for path in base.iterdir() if path.is_dir()):
            config = read_checkpoint_config(folder)
            group = None if config is None else group_of(config["kind"])
            if group is not None:
                found[group][folder.name] = folder
    return found


def group_of(kind: str) -> str | None:
    """The app's group of checkpoint ``kind`` (``"style"`` or ``"spade"``), or None for kinds it does not offer."""
    return next((group for group, kinds in GROUPS.items() if kind in kinds), None)


def takes_images(folder: str | os.PathLike) -> bool:
    """Whether the style checkpoint in ``folder`` takes style images (else only its presets), from its config."""
    config = read_checkpoint_config(folder)
    return config is not None and family_of_kind(config["kind"]).takes_images


def classes_from_config(config: dict[str, Any], source: str = "checkpoint") -> ClassList:
    """The class names and colours a SPADE checkpoint's config lists (``class_names``, ``palette``)."""
    names = config.get("class_names")
    if not names:
        raise ValueError(f"{source}: the config lists no class_names; a SPADE checkpoint needs them to paint a scene")
    return ClassList.from_names(names, config.get("palette"))


@dataclass
class Catalog:
    """The checkpoint folders the app offers, by name, per group, and which one is selected first."""

    root: Path
    style: dict[str, Path] = field(default_factory=dict)
    spade: dict[str, Path] = field(default_factory=dict)
    default_style: str | None = None
    default_spade: str | None = None

    @classmethod
    def build(cls, root: Path, style: Path | None = None, spade: Path | None = None) -> Catalog:
        """The checkpoints in ``root``, plus the folders given on the command line (then selected first).

        Without one given, the style model selected first is the one whose config records the best
        held-out numbers. A folder given that is not a checkpoint of its group is a ``ValueError`` that says so.
        """
        found = discover_checkpoints(root)
        catalog = cls(root=Path(root), style=found["style"], spade=found["spade"])
        for group, extra in (("style", style), ("spade", spade)):
            choices: dict[str, Path] = getattr(catalog, group)
            if extra is not None:
                config = read_checkpoint_config(extra)
                if config is None:
                    raise ValueError(f"--{group} {extra}: not a checkpoint folder (expected config.json and model.safetensors in it)")
                if config["kind"] not in GROUPS[group]:
                    expected = " or ".join(repr(kind) for kind in GROUPS[group])
                    raise ValueError(f"--{group} {extra}: holds a {config['kind']!r} checkpoint, expected a {expected} one")
                default: str | None = str(extra)
                choices[str(extra)] = Path(extra)
            elif group == "spade" and DEFAULT_SPADE in choices:
                default = DEFAULT_SPADE
            elif group == "style":
                default = best_evaluated({name: read_checkpoint_config(path) or {} for name, path in choices.items()})
            else:
                default = next(iter(choices), None)
            setattr(catalog, f"default_{group}", default)
        return catalog

    def image_styles(self) -> list[str]:
        """The style models that take style images (the video and webcam tabs offer these)."""
        return [name for name, path in self.style.items() if takes_images(path)]

    def path(self, group: str, name: str | None) -> Path:
        """The folder of checkpoint ``name`` of ``group``; unknown names are an :class:`InputError`."""
        choices: dict[str, Path] = getattr(self, group)
        label = GROUP_NAMES[group]
        if not choices:
            raise InputError(f"No {label} checkpoint was found in {self.root}; start the app with --{group} DIR")
        if name not in choices:
            raise InputError(f"Unknown {label} checkpoint {name!r}; choose one of: {', '.join(choices)}")
        return choices[name]


def first_image_style(catalog: Catalog) -> str | None:
    """The style model the video and webcam tabs select first: the catalog's default when it takes images."""
    choices = catalog.image_styles()
    return catalog.default_style if catalog.default_style in choices else next(iter(choices), None)


class ModelStore:
    """Loads each checkpoint on first use and keeps the ``max_models`` used last; safe to call from the queue's worker threads.

    What it keeps is bounded: at most ``max_models`` loaded models (the least recently used is
    dropped first; a request already holding it finishes with it), and in each style model at most
    ``style_cache`` style images' codes (the :class:`Stylizer`'s LRU cache of style statistics, a
    few KB an entry).
    """

    def __init__(self, catalog: Catalog, max_models: int = MAX_LOADED_MODELS, style_cache: int = STYLE_CACHE_SIZE) -> None:
        if max_models < 1:
            raise ValueError(f"max_models must be at least 1, got {max_models}")
        self.catalog = catalog
        self.max_models = max_models
        self.style_cache = style_cache
        self._models: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._guard = threading.Lock()

    def __len__(self) -> int:
        """How many models are loaded now."""
        return len(self._models)

    def get(self, group: str, name: str | None) -> Any:
        """The :class:`Stylizer` (``group="style"``) or :class:`Synthesizer` (``"spade"``) ``name``, loaded once while kept."""
        path = self.catalog.path(group, name)
        key = (group, str(path))
        with self._guard:
            if key in self._models:
                self._models.move_to_end(key)
                return self._models[key]
            lock = self._locks.setdefault(key, threading.Lock())  # one per checkpoint of the catalog: bounded
        with lock:  # one load per checkpoint, however many requests wait for it
            with self._guard:
                if key in self._models:
                    self._models.move_to_end(key)
                    return self._models[key]
            LOG.info("loading the %s checkpoint %s on %s", group, path, default_device())
            try:
                if group == "style":
                    model = Stylizer.from_pretrained(path, cache_size=self.style_cache)
                else:
                    model = Synthesizer.from_pretrained(path)
            except (ValueError, TypeError) as error:
                raise InputError(f"The {GROUP_NAMES[group]} checkpoint {name!r} could not be loaded: {error}") from None
            with self._guard:
                self._models[key] = model
                while len(self._models) > self.max_models:
                    dropped, _ = self._models.popitem(last=False)
                    LOG.info("unloading the %s checkpoint %s (more than %d models loaded)", dropped[0], dropped[1], self.max_models)
            return model

    def classes(self, name: str | None) -> ClassList:
        """The classes of SPADE checkpoint ``name``, from its config (no weights loaded)."""
        path = self.catalog.path("spade", name)
        config = read_checkpoint_config(path)
        if config is None:
            raise InputError(f"The SPADE checkpoint {name!r} at {path} has no readable config.json")
        return classes_from_config(config, str(path))
