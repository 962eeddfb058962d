"""The folder data set: pairing, presets and the errors that name the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from stylesynth.data.scenes import SCENE_CLASSES, write_scene_folder
from stylesynth.data.segmentation_folder import SegmentationFolder


def _grey(values: list[list[int]], mode: str = "L") -> Image.Image:
    tensor = torch.tensor(values, dtype=torch.uint8)
    return Image.frombytes(mode, (tensor.shape[1], tensor.shape[0]), tensor.numpy().tobytes())


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_scene_folder(tmp_path / "scenes", 3, 24)


def test_folder_pairs_by_name_and_crops(folder: Path) -> None:
    dataset = SegmentationFolder(folder, crop_size=16, load_size=20)
    assert len(dataset) == 3 and dataset.classes == SCENE_CLASSES
    sample = dataset[0]
    assert sample["image"].shape == (3, 16, 16) and sample["label"].shape == (16, 16)
    assert sample["label"].dtype == torch.int64 and -1 <= sample["image"].min() and sample["image"].max() <= 1
    wide = SegmentationFolder(folder, crop_size=16, aspect_ratio=2.0, flip=False)[1]
    assert wide["image"].shape == (3, 8, 16)


def test_resizing_keeps_labels_aligned_with_images(folder: Path) -> None:
    sample = SegmentationFolder(folder, crop_size=24, flip=False)[0]
    image = Image.open(folder / "labels" / "scene_000000.png")
    assert torch.equal(sample["label"], torch.from_numpy(np.array(image)).long())


def test_rgb_colour_coded_labels_are_decoded_with_the_class_list(folder: Path) -> None:
    path = folder / "labels" / "scene_000001.png"
    palette_ids = SegmentationFolder(folder, crop_size=24, flip=False)[1]["label"]
    Image.open(path).convert("RGB").save(path)
    assert torch.equal(SegmentationFolder(folder, crop_size=24, flip=False)[1]["label"], palette_ids)


def test_missing_pair_names_the_file(folder: Path) -> None:
    (folder / "labels" / "scene_000002.png").unlink()
    with pytest.raises(ValueError, match=r"images/scene_000002\.png: no label map with the same name"):
        SegmentationFolder(folder)
    Image.new("L", (24, 24)).save(folder / "labels" / "extra.png")
    (folder / "images" / "scene_000002.png").unlink()
    with pytest.raises(ValueError, match=r"labels/extra\.png: no image with the same name"):
        SegmentationFolder(folder)


def test_size_mismatch_names_the_label_file(folder: Path) -> None:
    _grey([[0, 1, 2]]).save(folder / "labels" / "scene_000001.png")
    dataset = SegmentationFolder(folder, crop_size=16)
    with pytest.raises(ValueError, match=r"labels/scene_000001\.png: label map is 3x1 but its image scene_000001\.png is 24x24"):
        dataset[1]


def test_class_id_out_of_range_names_the_label_file(folder: Path) -> None:
    _grey([[9] * 24] * 24).save(folder / "labels" / "scene_000000.png")
    with pytest.raises(ValueError, match=r"labels/scene_000000\.png: class ids \[9\] are out of range; this model accepts 0\.\.6"):
        SegmentationFolder(folder, crop_size=16)[0]


def test_unreadable_label_and_missing_class_list_are_named(folder: Path) -> None:
    (folder / "labels" / "scene_000000.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match=r"scene_000000\.png: not a readable label map"):
        SegmentationFolder(folder, crop_size=16)[0]
    (folder / "classes.txt").unlink()
    with pytest.raises(FileNotFoundError, match=r"class list not found: .*classes\.txt"):
        SegmentationFolder(folder)


def test_ade20k_preset_shifts_labels_and_makes_zero_dont_care(tmp_path: Path) -> None:
    (tmp_path / "images" / "training").mkdir(parents=True)
    (tmp_path / "annotations" / "training").mkdir(parents=True)
    Image.new("RGB", (4, 4)).save(tmp_path / "images" / "training" / "ADE_train_1.jpg")
    _grey([[0, 1, 150, 2]] * 4).save(tmp_path / "annotations" / "training" / "ADE_train_1.png")
    dataset = SegmentationFolder(tmp_path, preset="ade20k", crop_size=4, flip=False)
    assert dataset.label_nc == 150 and dataset.dont_care
    assert dataset[0]["label"][0].tolist() == [150, 0, 149, 1]


def test_cityscapes_preset_matches_suffixed_names_in_city_folders_with_instances(tmp_path: Path) -> None:
    for sub in ("leftImg8bit/train/aachen", "gtFine/train/aachen"):
        (tmp_path / sub).mkdir(parents=True)
    Image.new("RGB", (8, 4)).save(tmp_path / "leftImg8bit/train/aachen/aachen_000000_000019_leftImg8bit.png")
    _grey([[7] * 8] * 4).save(tmp_path / "gtFine/train/aachen/aachen_000000_000019_gtFine_labelIds.png")
    Image.new("I;16", (8, 4), 26001).save(tmp_path / "gtFine/train/aachen/aachen_000000_000019_gtFine_instanceIds.png")
    _grey([[0] * 8] * 4).save(tmp_path / "gtFine/train/aachen/aachen_000000_000019_gtFine_color.png")
    dataset = SegmentationFolder(tmp_path, preset="cityscapes", crop_size=8, aspect_ratio=2.0, instance=True)
    sample = dataset[0]
    assert len(dataset) == 1 and dataset.label_nc == 35
    assert sample["label"].unique().tolist() == [7] and sample["instance"].unique().tolist() == [26001]


def test_coco_stuff_preset_layout(tmp_path: Path) -> None:
    for sub in ("val_img", "val_label", "val_inst"):
        (tmp_path / sub).mkdir()
    Image.new("RGB", (4, 4)).save(tmp_path / "val_img" / "000000000139.jpg")
    _grey([[181, 255, 0, 3]] * 4).save(tmp_path / "val_label" / "000000000139.png")
    _grey([[1, 1, 2, 2]] * 4).save(tmp_path / "val_inst" / "000000000139.png")
    sample = SegmentationFolder(tmp_path, preset="coco_stuff", split="val", crop_size=4, flip=False, instance=True)[0]
    assert sample["label"][0].tolist() == [181, 182, 0, 3]


def test_unknown_preset_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="preset must be one of folder, ade20k, cityscapes, coco_stuff"):
        SegmentationFolder(tmp_path, preset="voc")
