"""Checks for reading other people's state dicts: errors that name the format and the first mismatch."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch import Tensor

from ..io import CheckpointError, check_finite


def expect_mapping(state_dict: Any, source: str, expected: str) -> Mapping[str, Tensor]:
    """``state_dict`` itself when it is a mapping, else a CheckpointError naming the expected format."""
    if not isinstance(state_dict, Mapping):
        raise CheckpointError(f"{source}: expected a state dict in the {expected} format, got {type(state_dict).__name__}")
    return state_dict


def expect_tensor(state_dict: Mapping[str, Tensor], key: str, shape: tuple[int, ...], source: str, expected: str) -> Tensor:
    """``state_dict[key]`` as float32, or a CheckpointError naming the format and what mismatched (NaN or infinite values included)."""
    if key not in state_dict:
        keys = list(state_dict)
        found = ", ".join(map(str, keys[:6])) + (", ..." if len(keys) > 6 else "")
        raise CheckpointError(f"{source}: missing key {key!r}; expected the {expected}; the file has keys: {found or 'none'}")
    value = state_dict[key]
    if not isinstance(value, Tensor):
        raise CheckpointError(f"{source}: {key!r} is a {type(value).__name__}, not a tensor; expected the {expected}")
    if tuple(value.shape) != tuple(shape):
        raise CheckpointError(f"{source}: {key!r} has shape {list(value.shape)}, expected {list(shape)} for the {expected}")
    check_finite({key: value}, source)
    return value.detach().float()
