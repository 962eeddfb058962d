"""The style tab with every style model: the model list, the default (best recorded numbers), and the presets of magenta-26."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client.exceptions import AppError
from PIL import Image

from stylesynth import Stylizer
from stylesynth.io import bundled_checkpoints
from webapp.catalog import Catalog, first_image_style
from webapp.config import AppConfig
from webapp.server import build_app
from webapp.style_tab import preset_count

from .conftest import REQUEST_TIMEOUT, TEST_MAX_PIXELS, noise_image, serving
from .test_api import assert_close, editor, gallery


def fake_checkpoint(folder: Path, kind: str, evaluation: dict | None = None, **config) -> Path:
    """A folder the catalog lists (config.json + a weights file); never loaded."""
    folder.mkdir(parents=True)
    (folder / "model.safetensors").write_bytes(b"")
    (folder / "config.json").write_text(json.dumps({"kind": kind, **config, **({"evaluation": evaluation} if evaluation else {})}))
    return folder


def test_the_style_model_first_is_the_one_with_the_best_recorded_numbers(tmp_path: Path) -> None:
    fake_checkpoint(tmp_path / "a-adain", "adain", {"style": 0.6, "texture": 0.5, "structure": 0.5})
    fake_checkpoint(tmp_path / "b-magenta", "magenta-arbitrary", {"style": 0.9, "texture": 0.9, "structure": 0.5})
    fake_checkpoint(tmp_path / "c-presets", "magenta-26", num_styles=26)
    fake_checkpoint(tmp_path / "d-scene", "spade")
    catalog = Catalog.build(tmp_path)
    assert list(catalog.style) == ["a-adain", "b-magenta", "c-presets"] and list(catalog.spade) == ["d-scene"]
    assert catalog.default_style == "b-magenta"
    assert catalog.image_styles() == ["a-adain", "b-magenta"]  # the video and webcam tabs need style images
    assert (preset_count(catalog, "c-presets"), preset_count(catalog, "b-magenta")) == (26, 0)


def test_video_tabs_fall_back_to_a_model_that_takes_images(tmp_path: Path) -> None:
    fake_checkpoint(tmp_path / "adain", "adain")
    fake_checkpoint(tmp_path / "presets", "magenta-26", {"style": 1, "texture": 1, "structure": 1}, num_styles=26)
    catalog = Catalog.build(tmp_path)
    assert catalog.default_style == "presets" and first_image_style(catalog) == "adain"


@pytest.fixture(scope="module")
def preset_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """The app with the bundled magenta-26 and magenta-arbitrary models (linked), served on 127.0.0.1."""
    from gradio_client import Client

    root = tmp_path_factory.mktemp("style-models")
    for name in ("magenta-26", "magenta-arbitrary"):
        (root / name).symlink_to(bundled_checkpoints()[name], target_is_directory=True)
    demo = build_app(AppConfig(catalog=Catalog.build(root), max_input_pixels=TEST_MAX_PIXELS, default_output_side=64))
    with serving(demo) as url:
        yield Client(url, verbose=False, download_files=str(tmp_path_factory.mktemp("downloads")))


def submit(client, content: Path, styles: list, presets: list[str], checkpoint: str = "magenta-26", weights=(1, 1, 1, 1)) -> Image.Image:
    job = client.submit(editor(content), styles, *weights, 1.0, False, 64, checkpoint, presets, api_name="/stylize")
    return Image.open(job.result(timeout=REQUEST_TIMEOUT)).convert("RGB")


def test_presets_are_stylized_and_mixed_by_the_weights(preset_client, tmp_path: Path) -> None:
    content = noise_image(tmp_path / "photo.png", (80, 64))
    stylizer = Stylizer.from_pretrained("magenta-26")
    photo = Image.open(content).convert("RGB")
    assert_close(submit(preset_client, content, [], ["7"]), stylizer.stylize(photo, 7, size=64))
    assert_close(submit(preset_client, content, [], ["3", "7"], weights=(0.25, 0.75, 1, 1)), stylizer.stylize(photo, [3, 7], weights=[1, 3], size=64))


def test_a_preset_model_without_a_chosen_preset_says_so(preset_client, tmp_path: Path) -> None:
    content = noise_image(tmp_path / "photo.png", (80, 64))
    with pytest.raises(AppError, match="No preset chosen: this model paints its 26 presets"):
        submit(preset_client, content, gallery(content), [])


def test_the_preset_gallery_shows_every_preset_on_the_photo(preset_client, tmp_path: Path) -> None:
    content = noise_image(tmp_path / "photo.png", (80, 64))
    thumbnails = preset_client.submit(editor(content), "magenta-26", api_name="/presets").result(timeout=REQUEST_TIMEOUT)
    assert [item["caption"] for item in thumbnails] == [f"preset {index}" for index in range(26)]
    with pytest.raises(AppError, match="has no presets: it takes style images"):
        preset_client.submit(editor(content), "magenta-arbitrary", api_name="/presets").result(timeout=REQUEST_TIMEOUT)


def test_an_image_model_needs_style_images_not_presets(preset_client, tmp_path: Path) -> None:
    content = noise_image(tmp_path / "photo.png", (80, 64))
    with pytest.raises(AppError, match="No style image"):
        submit(preset_client, content, [], ["3"], checkpoint="magenta-arbitrary")
    style = noise_image(tmp_path / "style.png", (48, 48))
    expected = Stylizer.from_pretrained("magenta-arbitrary").stylize(Image.open(content).convert("RGB"), Image.open(style).convert("RGB"), size=64)
    assert_close(submit(preset_client, content, gallery(style), [], checkpoint="magenta-arbitrary"), expected)
