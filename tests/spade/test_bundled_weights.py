"""The bundled checkpoints/spade-default: it loads, and its images follow the regions of a hand-drawn label map."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from stylesynth.cli import main
from stylesynth.data.scenes import SCENE_CLASSES, SceneGenerator
from stylesynth.inference import Synthesizer
from stylesynth.io import load_image, pil_to_tensor

FOLDER = Path(__file__).parents[2] / "checkpoints" / "spade-default"
HAND_DRAWN = FOLDER / "samples" / "labels" / "hand_drawn.png"

pytestmark = pytest.mark.skipif(not (FOLDER / "model.safetensors").is_file(), reason="bundled SPADE weights not present")


def test_bundled_checkpoint_has_the_scene_classes_and_a_style_encoder() -> None:
    synthesizer = Synthesizer.from_pretrained("spade-default", device="cpu")
    assert synthesizer.classes == SCENE_CLASSES and synthesizer.has_style_encoder


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_each_region_of_a_hand_drawn_map_gets_its_class_colour(seed: int) -> None:
    # Mean colour of each class in held-out procedural images: the colour the model should paint it.
    images, labels = SceneGenerator(64).batch(range(1_000_100, 1_000_130))
    class_means = torch.stack([images.permute(1, 0, 2, 3)[:, labels == index].mean(1) for index in range(len(SCENE_CLASSES))])
    synthesizer = Synthesizer.from_pretrained("spade-default", device="cpu")
    drawn = synthesizer.label_ids(HAND_DRAWN)
    assert set(drawn.unique().tolist()) == set(range(len(SCENE_CLASSES)))
    output = pil_to_tensor(synthesizer.synthesize(drawn, seed=seed))
    nearest = [int(torch.cdist(output[:, drawn == index].mean(1)[None], class_means).argmin()) for index in range(len(SCENE_CLASSES))]
    assert nearest == list(range(len(SCENE_CLASSES)))


def test_command_line_on_the_hand_drawn_map_with_the_default_checkpoint(tmp_path: Path) -> None:
    out = tmp_path / "scene.png"
    assert main(["synthesize", str(HAND_DRAWN), "--seed", "0", "-o", str(out), "-q"]) == 0
    assert load_image(out).size == load_image(HAND_DRAWN).size
