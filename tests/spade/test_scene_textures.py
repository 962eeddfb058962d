"""Scenes painted from a texture bank: reading the bank, painting, perspective, determinism."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from PIL import Image

from stylesynth.data.scene_textures import TextureBank, paint_with_textures
from stylesynth.data.scenes import GRASS, GROUND, SCENE_CLASSES, SKY, WATER, SceneDataset, SceneGenerator
from stylesynth.io import ImageError


def write_bank(root: Path, colours: dict[str, tuple[int, int, int]]) -> Path:
    for name, colour in colours.items():
        (root / name).mkdir(parents=True)
        Image.new("RGB", (40, 30), colour).save(root / name / "flat.png")
    return root


def test_bank_reads_class_folders_and_ignores_the_rest(tmp_path: Path) -> None:
    root = write_bank(tmp_path / "bank", {"sky": (0, 0, 255), "grass": (0, 255, 0)})
    (root / "heldout" / "sky").mkdir(parents=True)
    Image.new("RGB", (8, 8)).save(root / "heldout" / "sky" / "other.png")
    Image.new("RGB", (8, 8), (0, 0, 200)).save(root / "sky" / "second.jpg")
    bank = TextureBank(root, SCENE_CLASSES)
    assert SKY in bank and GRASS in bank and WATER not in bank and len(bank) == 3
    swatch = bank.pick(GRASS, torch.Generator().manual_seed(0))
    assert swatch.shape == (3, 30, 40) and torch.equal(swatch[:, 0, 0], torch.tensor([0.0, 1.0, 0.0]))


def test_bank_errors_name_the_folder_and_what_is_expected(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not a folder"):
        TextureBank(tmp_path / "missing", SCENE_CLASSES)
    (tmp_path / "other").mkdir()
    with pytest.raises(ValueError, match="no subfolder .* is named like a class \\(sky, cloud"):
        TextureBank(tmp_path, SCENE_CLASSES)
    (tmp_path / "sky").mkdir()
    with pytest.raises(ValueError, match="no images in .*sky"):
        TextureBank(tmp_path, SCENE_CLASSES)
    (tmp_path / "sky" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    with pytest.raises(ImageError, match="broken.png"):
        TextureBank(tmp_path, SCENE_CLASSES)


def test_regions_take_their_class_swatch_and_others_keep_the_procedural_paint(tmp_path: Path) -> None:
    bank = TextureBank(write_bank(tmp_path / "bank", {"sky": (0, 0, 255), "grass": (0, 255, 0)}), SCENE_CLASSES)
    plain, textured = SceneGenerator(48), SceneGenerator(48, bank)
    for seed in range(6):
        plain_image, labels = plain.generate(seed)
        image, same_labels = textured.generate(seed)
        assert torch.equal(labels, same_labels)
        torch.testing.assert_close(image, textured.generate(seed)[0], rtol=0, atol=0)  # a function of the seed
        others = (labels != SKY) & (labels != GRASS)
        torch.testing.assert_close(image[:, others], plain_image[:, others], rtol=0, atol=0)
        for label, channel in ((SKY, 2), (GRASS, 1)):
            region = image[:, labels == label]
            if region.numel():
                assert region[channel].min() > 0.5, label  # lit and tinted, but the swatch's colour
                assert region[[c for c in range(3) if c != channel]].max() == 0, label


def test_ground_is_finer_towards_the_horizon() -> None:
    """A swatch that ramps along v: in perspective its rows change faster near the horizon than at the bottom."""
    ramp = torch.linspace(0, 1, 64).view(1, 64, 1).expand(3, 64, 64).contiguous()

    class OneSwatch(TextureBank):
        def __init__(self) -> None:
            self.swatches = {GRASS: [ramp]}

    labels = torch.full((96, 96), GRASS)
    image = paint_with_textures(labels, OneSwatch(), torch.Generator().manual_seed(0), 0.0, GROUND, torch.zeros(3, 96, 96))
    rows = image[0].mean(1)
    change = (rows[1:] - rows[:-1]).abs()
    assert change[:10].mean() > 2 * change[-10:].mean()
    sky = paint_with_textures(torch.full((96, 96), SKY), OneSwatch(), torch.Generator(), 0.0, GROUND, torch.full((3, 96, 96), 0.25))
    assert torch.equal(sky, torch.full((3, 96, 96), 0.25))  # a class without swatches keeps the fallback


def test_dataset_and_folder_writer_take_a_bank_folder(tmp_path: Path) -> None:
    from stylesynth.data.scenes import write_scene_folder

    root = write_bank(tmp_path / "bank", {"water": (10, 20, 250)})
    sample = SceneDataset(2, 32, textures=root)[0]
    assert sample["image"].shape == (3, 32, 32) and -1 <= float(sample["image"].min()) and float(sample["image"].max()) <= 1
    folder = write_scene_folder(tmp_path / "scenes", 1, 32, textures=root)
    assert (folder / "images" / "scene_000000.png").is_file()
