"""The inference API: inputs, seeds, batches, threads, styles, and checkpoint mismatches."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from stylesynth.data.scenes import SCENE_CLASSES, SceneGenerator
from stylesynth.data.segmentation import colourize
from stylesynth.inference import Synthesizer
from stylesynth.io import CheckpointError

from .official import random_state_dict, state_dict_shapes


@pytest.fixture(scope="module")
def synthesizer(tiny_checkpoint: Path) -> Synthesizer:
    return Synthesizer.from_pretrained(tiny_checkpoint, device="cpu")


@pytest.fixture(scope="module")
def scene_labels() -> torch.Tensor:
    return SceneGenerator(40).generate(3)[1]


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image, dtype=np.int16)


def test_palette_grey_rgb_tensor_and_path_inputs_give_the_same_image(synthesizer, scene_labels, tmp_path) -> None:
    palette = colourize(scene_labels, SCENE_CLASSES)
    palette.save(tmp_path / "scene.png")
    grey = Image.frombytes("L", (40, 40), scene_labels.to(torch.uint8).numpy().tobytes())
    results = [
        synthesizer.synthesize(item, seed=4)
        for item in (scene_labels, palette, grey, palette.convert("RGB"), tmp_path / "scene.png", scene_labels.numpy())
    ]
    assert results[0].size == (40, 40) and results[0].mode == "RGB"
    for other in results[1:]:
        assert np.array_equal(pixels(results[0]), pixels(other))


def test_same_seed_same_image_other_seed_other_image(synthesizer, scene_labels) -> None:
    first = pixels(synthesizer.synthesize(scene_labels, seed=11))
    assert np.array_equal(first, pixels(synthesizer.synthesize(scene_labels, seed=11)))
    assert not np.array_equal(first, pixels(synthesizer.synthesize(scene_labels, seed=12)))


def test_a_batch_equals_single_calls_with_consecutive_seeds(synthesizer) -> None:
    maps = [SceneGenerator(32).generate(seed)[1] for seed in range(3)]
    batch = synthesizer.synthesize(maps, seed=5)
    assert isinstance(batch, list) and len(batch) == 3
    for index, labels in enumerate(maps):
        single = synthesizer.synthesize(labels, seed=5 + index)
        assert np.abs(pixels(batch[index]) - pixels(single)).max() <= 1


def test_concurrent_calls_give_the_sequential_results(synthesizer) -> None:
    maps = [SceneGenerator(32).generate(seed)[1] for seed in range(4)]
    expected = [pixels(synthesizer.synthesize(labels, seed=index)) for index, labels in enumerate(maps)]
    results: dict[int, np.ndarray] = {}

    def work(index: int) -> None:
        results[index] = pixels(synthesizer.synthesize(maps[index], seed=index))

    threads = [threading.Thread(target=work, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for index in range(4):
        assert np.abs(results[index] - expected[index]).max() <= 1


def test_a_style_image_fixes_the_style(synthesizer, scene_labels) -> None:
    style = Image.fromarray(np.full((20, 30, 3), (200, 40, 40), dtype=np.uint8))
    with_style = pixels(synthesizer.synthesize(scene_labels, style=style, seed=1))
    assert np.array_equal(with_style, pixels(synthesizer.synthesize(scene_labels, style=style, seed=2)))
    other = Image.fromarray(np.full((20, 30, 3), (10, 10, 230), dtype=np.uint8))
    assert not np.array_equal(with_style, pixels(synthesizer.synthesize(scene_labels, style=other, seed=1)))


def test_bad_inputs_are_clear_errors(synthesizer) -> None:
    with pytest.raises(ValueError, match=r"class ids \[7\] are out of range; this model accepts 0\.\.6 \(sky, cloud"):
        synthesizer.synthesize(torch.full((8, 8), 7))
    with pytest.raises(TypeError, match="integer tensor of class ids"):
        synthesizer.synthesize(torch.zeros(8, 8))
    with pytest.raises(ValueError, match="pixels have colours that are not in the class list"):
        synthesizer.synthesize(Image.new("RGB", (8, 8), (1, 2, 3)))
    with pytest.raises(TypeError, match="expected a PIL image .* got int"):
        synthesizer.synthesize(3)
    with pytest.raises(ValueError, match="trained without instance maps"):
        synthesizer.synthesize(torch.zeros(8, 8, dtype=torch.long), instance=torch.zeros(8, 8, dtype=torch.long))
    with pytest.raises(ValueError, match="2 style images for 3 label maps"):
        synthesizer.synthesize([torch.zeros(8, 8, dtype=torch.long)] * 3, style=[Image.new("RGB", (4, 4))] * 2)


def test_class_count_or_instance_flag_that_differ_from_the_checkpoint_are_named(tiny_checkpoint) -> None:
    with pytest.raises(CheckpointError, match=r"trained with label_nc=7, not 5"):
        Synthesizer.from_pretrained(tiny_checkpoint, label_nc=5)
    with pytest.raises(CheckpointError, match=r"trained with instance=False, not True"):
        Synthesizer.from_pretrained(tiny_checkpoint, instance=True)
    with pytest.raises(CheckpointError, match="not found"):
        Synthesizer.from_pretrained(tiny_checkpoint.parent / "nothing-here")


def test_weights_that_do_not_fit_the_config_are_one_clear_error(tiny_checkpoint, tmp_path) -> None:
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(tiny_checkpoint, broken)
    config = json.loads((broken / "config.json").read_text())
    config["generator"]["semantic_nc"] = 9
    config["label_nc"] = 9
    config["class_names"] += ["a", "b"]
    config["palette"] += [[1, 1, 1], [2, 2, 2]]
    (broken / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match=r"do not fit a SPADENetwork .* tensors of another shape .* class count"):
        Synthesizer.from_pretrained(broken)


def test_official_generator_file_loads_with_settings_read_off_the_weights(tmp_path) -> None:
    shapes = state_dict_shapes(4 + 1, ngf=4, hidden=8, batch_norm=True)  # 4 classes + don't care
    torch.save(random_state_dict(shapes, dtype=torch.float32), tmp_path / "latest_net_G.pth")
    synthesizer = Synthesizer.from_pretrained(tmp_path / "latest_net_G.pth", device="cpu", label_nc=4, dont_care=True, crop_size=64)
    assert synthesizer.generator.ngf == 4 and not synthesizer.generator.use_vae and synthesizer.output_size == (64, 64)
    labels = torch.tensor([[0, 1, 255, 3]]).repeat(16, 4)
    assert synthesizer.synthesize(labels).size == (16, 16)
    with pytest.raises(CheckpointError, match=r"takes 5 input channels .* settings give 4 \(4 classes\)"):
        Synthesizer.from_pretrained(tmp_path / "latest_net_G.pth", label_nc=4)
    with pytest.raises(CheckpointError, match=r"takes 5 input channels .* settings give 184"):
        Synthesizer.from_pretrained(tmp_path / "latest_net_G.pth", preset="coco_stuff")
    with pytest.raises(CheckpointError, match="say how they split with preset="):
        Synthesizer.from_pretrained(tmp_path / "latest_net_G.pth")
    torch.save({"features.0.weight": torch.zeros(1)}, tmp_path / "vgg.pth")
    with pytest.raises(CheckpointError, match="not a SPADE generator state dict"):
        Synthesizer.from_pretrained(tmp_path / "vgg.pth", label_nc=4)


def test_official_vae_generator_and_encoder_files_load_together(tmp_path) -> None:
    from stylesynth.nets import StyleEncoder

    shapes = state_dict_shapes(3, ngf=2, hidden=4, batch_norm=True, vae_latent=(1, 1), z_dim=8)
    torch.save(random_state_dict(shapes, dtype=torch.float32), tmp_path / "latest_net_G.pth")
    torch.save(StyleEncoder(ndf=2, z_dim=8).state_dict(), tmp_path / "latest_net_E.pth")
    synthesizer = Synthesizer.from_pretrained(
        tmp_path / "latest_net_G.pth", encoder=tmp_path / "latest_net_E.pth", label_nc=3, crop_size=32, device="cpu"
    )
    assert synthesizer.has_style_encoder and synthesizer.generator.z_dim == 8
    assert synthesizer.synthesize(torch.zeros(8, 8, dtype=torch.long), style=Image.new("RGB", (9, 9))).size == (8, 8)
    with pytest.raises(CheckpointError, match="does not fit crop_size=64"):
        Synthesizer.from_pretrained(tmp_path / "latest_net_G.pth", label_nc=3, crop_size=64)
    with pytest.raises(CheckpointError, match="not an official SPADE encoder"):
        Synthesizer.from_pretrained(tmp_path / "latest_net_G.pth", encoder=tmp_path / "latest_net_G.pth", label_nc=3, crop_size=32)


def test_tensor_label_maps_get_the_pixel_limit_and_empty_inputs_are_value_errors(synthesizer) -> None:
    """Issue 24: an over-limit tensor label map reached the network; a 0x0 map or style was a RuntimeError."""
    from stylesynth.io import ImageError
    from stylesynth.io.images import MAX_PIXELS

    huge = torch.zeros(1, dtype=torch.long).expand(16, MAX_PIXELS // 16 + 1)  # no memory behind it
    with pytest.raises(ImageError, match=r"label map: the tensor \(16, 4194305\) is 4194305x16 = 67,108,880 pixels, more than the limit of 67,108,864"):
        synthesizer.synthesize(huge)
    with pytest.raises(ImageError, match=r"label map 1: the tensor \(0, 0\) has no pixels \(0x0\); expected an image of at least 1x1"):
        synthesizer.synthesize([torch.zeros(8, 8, dtype=torch.long), torch.zeros(0, 0, dtype=torch.long)])
    with pytest.raises(ImageError, match=r"label map: the tensor \(0, 0\) has no pixels \(0x0\)"):
        synthesizer.synthesize(np.zeros((0, 0), dtype=np.int64))
    with pytest.raises(ImageError, match=r"has no pixels \(0x0\); expected an image of at least 1x1"):
        synthesizer.synthesize(Image.new("L", (0, 0)))
    if synthesizer.has_style_encoder:
        with pytest.raises(ImageError, match=r"style: the tensor \(3, 0, 0\) has no pixels \(0x0\); expected an image of at least 1x1"):
            synthesizer.synthesize(torch.zeros(8, 8, dtype=torch.long), style=torch.zeros(3, 0, 0))
