"""Checkpoint loading from mutated files: a checkpoint folder whose config or weights are damaged, and
a pickled weights file with flipped, cut or inserted bytes. Each loads, or is a documented error with
a message; nothing else escapes (no KeyError, no safetensors or pickle internals)."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from stylesynth import Synthesizer
from stylesynth.io import load_torch_file

from .conftest import FUZZ, documented_errors_only, one_thread

JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.floats(allow_nan=False), st.text(max_size=5)),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(st.text(max_size=5), children, max_size=3)),
    max_leaves=6,
)


def paths(config: object, prefix: tuple = ()) -> list[tuple]:
    """Every key path into a JSON value (dict keys and list indices)."""
    found = [prefix] if prefix else []
    if isinstance(config, dict):
        for key, value in config.items():
            found += paths(value, prefix + (key,))
    elif isinstance(config, list):
        for index, value in enumerate(config):
            found += paths(value, prefix + (index,))
    return found


@pytest.fixture()
def copy_checkpoint(tiny_checkpoint: Path, tmp_path_factory):
    """Makes a fresh copy of the tiny SPADE checkpoint folder (one per example) and returns its path."""
    one_thread()
    return lambda: Path(shutil.copytree(tiny_checkpoint, tmp_path_factory.mktemp("mutated") / "ckpt"))


@FUZZ
@given(data=st.data())
def test_a_checkpoint_with_a_mutated_config_loads_or_is_a_documented_error(copy_checkpoint, data) -> None:
    folder = copy_checkpoint()
    config = json.loads((folder / "config.json").read_text())
    for _ in range(data.draw(st.integers(1, 3))):
        where = data.draw(st.sampled_from(paths(config)))
        parent = config
        for key in where[:-1]:
            parent = parent[key]
        if data.draw(st.booleans()) and isinstance(parent, dict):
            del parent[where[-1]]
        else:
            parent[where[-1]] = data.draw(JSON_VALUES)
        if not isinstance(config, dict):
            break
    (folder / "config.json").write_text(json.dumps(config))
    with documented_errors_only() as errors:
        synthesizer = Synthesizer.from_pretrained(folder, device="cpu")
    if not errors:
        assert synthesizer.synthesize(torch.zeros(8, 8, dtype=torch.long), seed=0).size == (8, 8)


@FUZZ
@given(data=st.data())
def test_a_checkpoint_with_mutated_weights_loads_or_is_a_documented_error(copy_checkpoint, data) -> None:
    folder = copy_checkpoint()
    weights = bytearray((folder / "model.safetensors").read_bytes())
    header = int.from_bytes(weights[:8], "little") + 8
    kind = data.draw(st.sampled_from(["flip", "truncate", "header"]))
    if kind == "truncate":
        del weights[data.draw(st.integers(0, len(weights) - 1)) :]
    else:
        position = data.draw(st.integers(0, header - 1 if kind == "header" else len(weights) - 1))
        weights[position] ^= 1 << data.draw(st.integers(0, 7))
    (folder / "model.safetensors").write_bytes(bytes(weights))
    with documented_errors_only():
        Synthesizer.from_pretrained(folder, device="cpu")


def pickled_state() -> bytes:
    buffer = io.BytesIO()
    torch.save({"layer.weight": torch.randn(4, 3), "layer.bias": torch.zeros(4), "step": 3}, buffer)
    return buffer.getvalue()


PICKLED = pickled_state()


@FUZZ
@given(position=st.integers(0, len(PICKLED) - 1), kind=st.sampled_from(["flip", "truncate", "insert"]), byte=st.integers(0, 255))
def test_a_mutated_weights_file_loads_or_is_a_checkpoint_error(tmp_path_factory, position: int, kind: str, byte: int) -> None:
    data = bytearray(PICKLED)
    if kind == "flip":
        data[position] ^= byte or 1
    elif kind == "truncate":
        del data[position:]
    else:
        data[position:position] = bytes([byte])
    path = tmp_path_factory.mktemp("pth") / "weights.pth"
    path.write_bytes(bytes(data))
    with documented_errors_only() as errors:
        state = load_torch_file(path)
    if errors:
        assert "weights_only=False" not in str(errors[0])
    else:
        assert isinstance(state, dict)
