"""Hostile weights files at the one checkpoint reader and the one strict loader (issue 24): NaN or
infinite weights, zip bombs, and inputs that are not regular files."""

from __future__ import annotations

import io
import math
import os
import zipfile
from pathlib import Path

import pytest
import torch
from torch import nn

from stylesynth import Synthesizer
from stylesynth.io import CheckpointError, check_finite, load_pretrained, load_state_strict, load_torch_file, save_pretrained
from stylesynth.io import checkpoints as checkpoints_module
from tests.spade.official import random_state_dict, state_dict_shapes


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_or_infinite_weights_are_refused_at_load_naming_the_first_bad_key(bad: float) -> None:
    module = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    state = {key: torch.ones_like(value) for key, value in module.state_dict().items()}
    state["1.weight"][0, 1] = bad
    state["1.bias"][0] = bad
    before = {key: value.clone() for key, value in module.state_dict().items()}
    with pytest.raises(CheckpointError, match=r"w\.pth: tensor 1\.weight holds 1 NaN or infinite value\(s\); .*expected finite weights"):
        load_state_strict(module, state, "w.pth")
    assert all(torch.equal(before[key], value) for key, value in module.state_dict().items())  # nothing was loaded
    with pytest.raises(CheckpointError, match=r"tensor net\.1\.weight holds"):
        load_state_strict(module, {f"net.{key}": value for key, value in state.items()}, "w.pth", prefix="net.")
    check_finite({"weight": torch.ones(2), "steps": torch.tensor([2**62]), "empty": torch.zeros(0)}, "w.pth")
    with pytest.raises(CheckpointError, match=r"w\.pth: tensor b holds 2 NaN"):
        check_finite({"a": torch.ones(2), "b": torch.full((2,), math.nan), "c": torch.full((2,), math.inf)}, "w.pth")


def test_a_checkpoint_with_nan_weights_is_refused_not_turned_into_a_black_image(tmp_path: Path) -> None:
    shapes = state_dict_shapes(4 + 1, ngf=4, hidden=8, batch_norm=True)
    state = random_state_dict(shapes, dtype=torch.float32)
    key = sorted(key for key, value in state.items() if value.is_floating_point())[3]
    state[key].view(-1)[0] = math.nan
    torch.save(state, tmp_path / "latest_net_G.pth")
    with pytest.raises(CheckpointError, match=rf"latest_net_G\.pth: tensor {key} holds 1 NaN"):
        Synthesizer.from_pretrained(tmp_path / "latest_net_G.pth", device="cpu", label_nc=4, dont_care=True, crop_size=64)


def _zip_bomb(path: Path, inflated: int) -> None:
    """A torch.save file with one more record, deflated, of ``inflated`` zero bytes."""
    buffer = io.BytesIO()
    torch.save({"weight": torch.zeros(2)}, buffer)
    path.write_bytes(buffer.getvalue())
    chunk = bytes(2**20)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive, archive.open("archive/data/bomb", "w", force_zip64=True) as record:
        for _ in range(inflated // len(chunk)):
            record.write(chunk)


def test_a_zip_bomb_weights_file_is_refused_from_its_directory_before_inflating(tmp_path: Path, monkeypatch) -> None:
    bomb = tmp_path / "bomb.pth"
    _zip_bomb(bomb, 64 * 2**20)
    assert bomb.stat().st_size < 2**20

    def inflate(*args, **kwargs):
        raise AssertionError("torch.load was called")

    monkeypatch.setattr(checkpoints_module.torch, "load", inflate)
    with pytest.raises(CheckpointError, match=r"bomb\.pth: the zip records declare 67,10\d,\d{3} bytes uncompressed .* expected a state dict"):
        load_torch_file(bomb)
    monkeypatch.setattr(checkpoints_module, "MAX_COMPRESSION_RATIO", 10**6)
    monkeypatch.setattr(checkpoints_module, "MAX_UNCOMPRESSED_BYTES", 2**20)
    with pytest.raises(CheckpointError, match=r"more than the limit of 1,048,576"):
        load_torch_file(bomb)


def test_ordinary_zip_and_legacy_weights_files_still_load(tmp_path: Path) -> None:
    weights = {"weight": torch.arange(3 * 2**20, dtype=torch.float32)}  # 12 MiB stored: ratio 1
    torch.save(weights, tmp_path / "zip.pth")
    torch.save(weights, tmp_path / "legacy.pth", _use_new_zipfile_serialization=False)
    for name in ("zip.pth", "legacy.pth"):
        assert torch.equal(load_torch_file(tmp_path / name)["weight"], weights["weight"])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
def test_a_fifo_given_as_weights_is_refused_before_it_is_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "decoder.pth")
    with pytest.raises(CheckpointError, match=r"decoder\.pth: is a FIFO \(named pipe\), not a regular file; expected a weights file"):
        load_torch_file(tmp_path / "decoder.pth")
    folder = save_pretrained(tmp_path / "folder", {"weight": torch.zeros(2)}, {"kind": "adain"})
    (folder / "model.safetensors").unlink()
    os.mkfifo(folder / "model.safetensors")
    with pytest.raises(CheckpointError, match=r"model\.safetensors: is a FIFO \(named pipe\), not a regular file"):
        load_pretrained(folder)
