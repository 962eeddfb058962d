"""``stylesynth synthesize`` and ``stylesynth export`` for SPADE."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from stylesynth.cli import main
from stylesynth.data.scenes import SCENE_CLASSES, SceneGenerator
from stylesynth.data.segmentation import colourize


def _write_maps(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for seed in range(count):
        path = folder / f"map{seed}.png"
        colourize(SceneGenerator(24).generate(seed)[1], SCENE_CLASSES).save(path)
        paths.append(path)
    return paths


def test_synthesize_writes_one_image_per_label_map_deterministically(tiny_checkpoint, tmp_path) -> None:
    maps = _write_maps(tmp_path / "maps", 2)
    out = tmp_path / "out"
    assert main(["synthesize", *map(str, maps), "-c", str(tiny_checkpoint), "--seed", "3", "-o", str(out), "-q"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["map0.png", "map1.png"]
    with Image.open(out / "map0.png") as written:
        assert written.size == (24, 24)
    single = tmp_path / "single.png"
    assert main(["synthesize", str(maps[1]), "-c", str(tiny_checkpoint), "--seed", "4", "-o", str(single), "-q"]) == 0
    with Image.open(single) as first, Image.open(out / "map1.png") as second:
        assert np.array_equal(np.asarray(first), np.asarray(second))  # seed 3 + index 1


def test_a_bad_label_map_is_one_line_and_nothing_is_written(tiny_checkpoint, tmp_path, capsys) -> None:
    maps = _write_maps(tmp_path / "maps", 1)
    bad = tmp_path / "maps" / "bad.png"
    Image.frombytes("L", (4, 4), bytes([9] * 16)).save(bad)
    out = tmp_path / "out"
    assert main(["synthesize", str(maps[0]), str(bad), "-c", str(tiny_checkpoint), "-o", str(out)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "bad.png: class ids [9] are out of range" in error
    assert not out.exists() or not any(out.iterdir())


def test_missing_inputs_and_existing_outputs_are_refused(tiny_checkpoint, tmp_path, capsys) -> None:
    assert main(["synthesize", str(tmp_path / "none.png"), "-c", str(tiny_checkpoint), "-o", str(tmp_path / "o.png")]) == 2
    assert "label map not found" in capsys.readouterr().err
    maps = _write_maps(tmp_path / "maps", 1)
    target = tmp_path / "exists.png"
    target.write_bytes(b"keep")
    assert main(["synthesize", str(maps[0]), "-c", str(tiny_checkpoint), "-o", str(target)]) == 2
    assert "already exists" in capsys.readouterr().err and target.read_bytes() == b"keep"


def test_style_needs_a_style_encoder(tmp_path, capsys) -> None:
    import pytest

    pytest.importorskip("lightning")
    from models.spade import SPADEModule
    from stylesynth.inference.checkpoints import export_lightning

    from .conftest import tiny_module_arguments

    module = SPADEModule(**tiny_module_arguments(use_vae=False))
    folder = export_lightning(module.state_dict(), {"kind": "spade", "config": module.network_config}, tmp_path / "novae")
    maps = _write_maps(tmp_path / "maps", 1)
    style = tmp_path / "style.png"
    Image.new("RGB", (8, 8), (255, 0, 0)).save(style)
    assert main(["synthesize", str(maps[0]), "--style", str(style), "-c", str(folder), "-o", str(tmp_path / "x.png")]) == 2
    assert "--style needs a checkpoint with a style encoder (VAE)" in capsys.readouterr().err
