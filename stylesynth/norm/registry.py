"""Building normalization layers and weight re-parametrizations by name.

Layers are registered with :func:`register` and built with :func:`build`; weight
re-parametrizations (functions that wrap a module's weight) with :func:`register_weight` and
applied with :func:`apply_weight`. :func:`names` lists both. A spec in a config is a name, a
``{"name": ..., **options}`` mapping, or a class.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from torch import nn

_LAYERS: dict[str, type[nn.Module]] = {}
_WEIGHT: dict[str, Callable[..., nn.Module]] = {}


def canonical_name(name: str) -> str:
    """``"Sync-Batch"`` -> ``"sync_batch"``; a trailing ``_norm`` / ``norm`` is dropped (``"batch_norm"`` -> ``"batch"``)."""
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    for suffix in ("_norm", "norm"):
        if key.endswith(suffix) and key[: -len(suffix)] in _LAYERS:
            return key[: -len(suffix)]
    return key


def register(name: str) -> Callable[[type[nn.Module]], type[nn.Module]]:
    """Class decorator adding a layer to the registry under ``name``."""

    def add(cls: type[nn.Module]) -> type[nn.Module]:
        if name in _LAYERS or name in _WEIGHT:
            raise ValueError(f"normalization name {name!r} is already registered")
        _LAYERS[name] = cls
        return cls

    return add


def register_weight(name: str) -> Callable[[Callable[..., nn.Module]], Callable[..., nn.Module]]:
    """Decorator adding a weight re-parametrization ``fn(module, **options) -> module`` under ``name``."""

    def add(fn: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        if name in _LAYERS or name in _WEIGHT:
            raise ValueError(f"normalization name {name!r} is already registered")
        _WEIGHT[name] = fn
        return fn

    return add


def names(kind: str | None = None) -> list[str]:
    """Registered names: ``kind="layer"``, ``kind="weight"`` or ``None`` for both."""
    if kind not in (None, "layer", "weight"):
        raise ValueError(f"names: kind must be 'layer', 'weight' or None, got {kind!r}")
    layers = sorted(_LAYERS) if kind in (None, "layer") else []
    weights = sorted(_WEIGHT) if kind in (None, "weight") else []
    return layers + weights


def _split_spec(spec: Any, options: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    if isinstance(spec, Mapping):
        spec = dict(spec)
        if "name" not in spec:
            raise ValueError(f"a normalization spec mapping needs a 'name' key, got keys {sorted(spec)}")
        name = spec.pop("name")
        return name, {**spec, **options}
    return spec, options


def get_layer_class(spec: str | type[nn.Module]) -> type[nn.Module]:
    """The class a name stands for; a class is returned as it is."""
    if isinstance(spec, type) and issubclass(spec, nn.Module):
        return spec
    if not isinstance(spec, str):
        raise TypeError(f"a normalization spec must be a name, a mapping or an nn.Module class, got {type(spec).__name__}")
    key = canonical_name(spec)
    if key in _WEIGHT:
        raise ValueError(
            f"{spec!r} is a weight re-parametrization, not a layer: apply it to a module with "
            f"stylesynth.norm.apply_weight({key!r}, module) or stylesynth.norm.{key}(module)"
        )
    if key not in _LAYERS:
        raise ValueError(f"unknown normalization {spec!r}; known layers: {', '.join(sorted(_LAYERS))}")
    return _LAYERS[key]


def _check_options(target: Callable[..., Any], label: str, options: Mapping[str, Any], skip: int) -> None:
    parameters = list(inspect.signature(target).parameters.values())[skip:]
    accepted = [p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    if any(p.kind == p.VAR_KEYWORD for p in parameters):
        return
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise ValueError(f"{label} does not take option(s) {', '.join(unknown)}; it accepts: {', '.join(accepted)}")


def build(spec: str | Mapping[str, Any] | type[nn.Module], num_features: int, **options: Any) -> nn.Module:
    """Builds a normalization layer: ``build("group", 64, groups=32)``.

    ``spec`` is a registered name (see :func:`names`), a ``{"name": ..., **options}`` mapping, or an
    ``nn.Module`` class taking ``num_features`` first. Unknown names and options a layer does not take
    raise ``ValueError`` listing what is accepted.
    """
    spec, options = _split_spec(spec, options)
    cls = get_layer_class(spec)
    label = spec if isinstance(spec, str) else cls.__name__
    _check_options(cls.__init__, f"normalization {label!r} ({cls.__name__})", options, skip=2)
    return cls(num_features, **options)


def apply_weight(spec: str | Mapping[str, Any], module: nn.Module, **options: Any) -> nn.Module:
    """Applies a weight re-parametrization by name: ``apply_weight("spectral_norm", conv)``."""
    spec, options = _split_spec(spec, options)
    key = canonical_name(spec) if isinstance(spec, str) else spec
    if key not in _WEIGHT:
        raise ValueError(f"unknown weight re-parametrization {spec!r}; known: {', '.join(sorted(_WEIGHT))}")
    _check_options(_WEIGHT[key], f"weight re-parametrization {key!r}", options, skip=1)
    return _WEIGHT[key](module, **options)
