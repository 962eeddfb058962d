"""Label maps: class lists, one-hot by scatter, don't care, instance edges, colour decoding, scenes."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from stylesynth.data.scenes import SCENE_CLASSES, SceneDataset, SceneGenerator
from stylesynth.data.segmentation import (
    ClassList,
    check_labels,
    colourize,
    decode_colours,
    instance_edges,
    label_map_from_image,
    one_hot,
    semantic_channels,
)


def test_one_hot_matches_a_per_class_comparison() -> None:
    labels = torch.randint(5, (2, 7, 9))
    expected = torch.stack([(labels == index).float() for index in range(5)], 1)
    assert torch.equal(one_hot(labels, 5), expected)


def test_dont_care_value_becomes_the_extra_channel() -> None:
    labels = torch.tensor([[0, 255], [2, 1]])
    result = one_hot(labels, 3, dont_care=True)
    assert result.shape == (1, 4, 2, 2)
    assert result[0, 3, 0, 1] == 1 and result[0, :3, 0, 1].sum() == 0


def test_out_of_range_ids_name_the_map_the_values_and_the_accepted_range() -> None:
    with pytest.raises(ValueError, match=r"labels/a\.png: class ids \[3, 255\] are out of range; this model accepts 0\.\.2"):
        check_labels(torch.tensor([0, 3, 255]), 3, name="labels/a.png")
    with pytest.raises(ValueError, match=r"class ids \[-1\].*0\.\.2 and 255 \(don't care\)"):
        check_labels(torch.tensor([-1, 255]), 3, dont_care=True)
    with pytest.raises(TypeError, match="integer tensor of class ids, got dtype torch.float32"):
        check_labels(torch.zeros(2, 2), 3)


def test_instance_edges_mark_both_sides_of_each_boundary() -> None:
    instances = torch.tensor([[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 3, 3]])
    edges = instance_edges(instances)[0, 0]
    expected = torch.tensor([[0, 1, 1, 0], [1, 1, 1, 1], [1, 1, 1, 1]]).float()
    assert torch.equal(edges, expected)
    assert one_hot(torch.zeros(3, 4, dtype=torch.long), 2, instances=instances).shape == (1, 3, 3, 4)
    assert semantic_channels(182, True, True) == 184 and semantic_channels(150, True) == 151 and semantic_channels(35, instance=True) == 36


def test_class_list_file_formats_and_errors(tmp_path) -> None:
    classes = ClassList.parse("# id, name, colour\n1, grass, #228b22\n0 sky 135 206 235\n\n2 water\n")
    assert classes.names == ("sky", "grass", "water")
    assert classes.colours[:2] == ((135, 206, 235), (34, 139, 34))
    assert ClassList.parse(classes.to_text()) == classes
    with pytest.raises(ValueError, match=r"line 2: class id 0 is listed twice"):
        ClassList.parse("0 a\n0 b\n")
    with pytest.raises(ValueError, match=r"ids must be 0\.\.2 without gaps; missing \[1\]"):
        ClassList.parse("0 a\n2 b\n")
    with pytest.raises(ValueError, match=r"colour must be '#rrggbb' or 'r g b', got '#12345'"):
        ClassList.parse("0, a, #12345\n")
    with pytest.raises(FileNotFoundError, match="class list not found"):
        ClassList.from_file(tmp_path / "missing.txt")


def test_label_images_decode_from_palette_grey_and_rgb() -> None:
    labels = torch.randint(7, (6, 5))
    palette_image = colourize(labels, SCENE_CLASSES)
    assert palette_image.mode == "P"
    assert torch.equal(label_map_from_image(palette_image), labels)
    grey_image = Image.frombytes("L", (5, 6), labels.to(torch.uint8).numpy().tobytes())
    assert torch.equal(label_map_from_image(grey_image), labels)
    assert torch.equal(label_map_from_image(palette_image.convert("RGB"), SCENE_CLASSES), labels)


def test_rgb_labels_with_unknown_colours_are_an_error_naming_the_colour() -> None:
    image = torch.zeros(3, 2, 2, dtype=torch.uint8)
    image[:, 0, 0] = torch.tensor([1, 2, 3])
    with pytest.raises(ValueError, match=r"scene\.png: 4 pixels .* not in the class list \(most common #000000\)"):
        decode_colours(image, SCENE_CLASSES.colours, "scene.png")
    with pytest.raises(ValueError, match="needs a class list"):
        label_map_from_image(Image.new("RGB", (2, 2)), None)


def test_scenes_are_deterministic_by_seed_and_cover_every_class() -> None:
    scenes = SceneGenerator(48)
    first_image, first_labels = scenes.generate(7)
    again_image, again_labels = scenes.generate(7)
    assert torch.equal(first_image, again_image) and torch.equal(first_labels, again_labels)
    assert not torch.equal(first_labels, scenes.generate(8)[1])
    images, labels = scenes.batch(range(40))
    assert images.shape == (40, 3, 48, 48) and 0 <= images.min() and images.max() <= 1
    assert set(labels.unique().tolist()) == set(range(len(SCENE_CLASSES)))
    assert torch.equal(labels[7], first_labels)


def test_scene_textures_differ_between_classes() -> None:
    images, labels = SceneGenerator(64).batch(range(30))
    means = torch.stack([images.permute(1, 0, 2, 3)[:, labels == index].mean(1) for index in range(len(SCENE_CLASSES))])
    distances = torch.cdist(means, means) + torch.eye(len(SCENE_CLASSES))
    assert distances.min() > 0.05


def test_scene_dataset_gives_training_samples_in_minus_one_to_one() -> None:
    sample = SceneDataset(3, 32, first_seed=5)[1]
    assert sample["image"].shape == (3, 32, 32) and sample["image"].min() >= -1 and sample["path"] == "scene:6"
    with pytest.raises(IndexError):
        SceneDataset(3, 32)[3]
