"""The app's two endpoints through gradio_client, against the app served on 127.0.0.1.

Each test sends what the browser would send (an ImageEditor value, a gallery, slider values) and
checks the image that comes back, or the message of the error.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from stylesynth import Stylizer, Synthesizer
from stylesynth.data.scenes import GRASS, SCENE_CLASSES, SKY

from .conftest import REQUEST_TIMEOUT, TEST_MAX_PIXELS, noise_image, solid_image

BLUE = (0x3C, 0xB4, 0xF0)  # the brush colour of style 2
GREEN = (0x3C, 0xD2, 0x50)  # the brush colour of style 3


def editor(background: Path | None, *layers: Path) -> dict:
    """An ImageEditor value as the client sends it: a background and paint layers."""
    return {
        "background": handle_file(str(background)) if background else None,
        "layers": [handle_file(str(layer)) for layer in layers],
        "composite": None,
    }


def gallery(*paths: Path) -> list[dict]:
    return [{"image": handle_file(str(path)), "caption": None} for path in paths]


def stylize(client, content: dict, styles: list[dict], weights=(1, 1, 1, 1), alpha=1.0, preserve=False, size=64, checkpoint="adain-tiny") -> Image.Image:
    job = client.submit(content, styles, *weights, alpha, preserve, size, checkpoint, api_name="/stylize")
    return Image.open(job.result(timeout=REQUEST_TIMEOUT)).convert("RGB")


def synthesize(client, canvas: dict, style: Path | None = None, seed: int = 0, checkpoint="spade-tiny") -> Image.Image:
    job = client.submit(canvas, handle_file(str(style)) if style else None, seed, checkpoint, api_name="/synthesize")
    return Image.open(job.result(timeout=REQUEST_TIMEOUT)).convert("RGB")


def paint(path: Path, size: tuple[int, int], box: tuple[int, int, int, int], colour: tuple[int, int, int]) -> Path:
    """A transparent paint layer with one opaque rectangle of ``colour`` (as the canvas exports strokes)."""
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    layer.paste((*colour, 255), box)
    layer.save(path)
    return path


def label_map(path: Path, size: tuple[int, int], class_id: int, box: tuple[int, int, int, int] | None = None, other: int = GRASS) -> Path:
    """An RGB label map in the class colours: ``class_id`` everywhere, ``other`` inside ``box``."""
    image = Image.new("RGB", size, SCENE_CLASSES.colours[class_id])
    if box is not None:
        image.paste(SCENE_CLASSES.colours[other], box)
    image.save(path)
    return path


def assert_close(actual: Image.Image, expected: Image.Image) -> None:
    """Equal up to one grey level (PNG round trips are lossless; the same ops run on the same weights)."""
    assert actual.size == expected.size
    difference = np.abs(np.asarray(actual, dtype=np.int16) - np.asarray(expected.convert("RGB"), dtype=np.int16))
    assert difference.max() <= 1


@pytest.fixture(scope="module")
def stylizer(checkpoint_root: Path) -> Stylizer:
    return Stylizer.from_pretrained(checkpoint_root / "adain-tiny", device="cpu")


@pytest.fixture(scope="module")
def synthesizer(checkpoint_root: Path) -> Synthesizer:
    return Synthesizer.from_pretrained(checkpoint_root / "spade-tiny", device="cpu")


# ---- style transfer ----------------------------------------------------------------------------


def test_stylize_returns_the_content_scaled_to_the_requested_shorter_side(client, tmp_path: Path) -> None:
    content = noise_image(tmp_path / "content.png", (96, 64), seed=1)
    style = noise_image(tmp_path / "style.jpg", (40, 48), seed=2)
    result = stylize(client, editor(content), gallery(style), size=48)
    assert result.size == (72, 48)


def test_stylize_mixes_styles_by_normalized_weights_like_the_library(client, stylizer: Stylizer, tmp_path: Path) -> None:
    content = noise_image(tmp_path / "content.png", (64, 48), seed=1)
    style_a = noise_image(tmp_path / "a.png", (40, 40), seed=2)
    style_b = solid_image(tmp_path / "b.png", (32, 32), (20, 200, 90))
    result = stylize(client, editor(content), gallery(style_a, style_b), weights=(0.6, 0.2, 1, 1), alpha=0.8, size=48)
    expected = stylizer.stylize(Image.open(content), [Image.open(style_a), Image.open(style_b)], weights=[0.75, 0.25], alpha=0.8, size=48)
    assert_close(result, expected)


def test_stylize_routes_styles_by_the_painted_mask_like_the_library(client, stylizer: Stylizer, tmp_path: Path) -> None:
    content = noise_image(tmp_path / "content.png", (64, 48), seed=1)
    style_a = noise_image(tmp_path / "a.png", (40, 40), seed=2)
    style_b = solid_image(tmp_path / "b.png", (32, 32), (20, 200, 90))
    strokes = paint(tmp_path / "mask.png", (64, 48), (0, 0, 24, 48), BLUE)  # style 2 on the left
    result = stylize(client, editor(content, strokes), gallery(style_a, style_b), size=48)
    left = Image.new("L", (64, 48), 0)
    left.paste(255, (0, 0, 24, 48))
    right = Image.eval(left, lambda value: 255 - value)
    expected = stylizer.stylize(Image.open(content), [Image.open(style_a), Image.open(style_b)], mask=[right, left], size=48)
    assert_close(result, expected)
    unmasked = stylize(client, editor(content), gallery(style_a, style_b), size=48)
    assert np.abs(np.asarray(unmasked, dtype=np.int16) - np.asarray(result, dtype=np.int16)).max() > 10


def test_stylize_rejects_a_file_that_is_not_an_image(client, tmp_path: Path) -> None:
    text = tmp_path / "notes.png"
    text.write_text("this is not a picture")
    style = noise_image(tmp_path / "style.png", (32, 32))
    with pytest.raises(AppError, match=r"The content image is not a readable image file; accepted formats are PNG, JPEG"):
        stylize(client, editor(text), gallery(style))


def test_stylize_rejects_a_style_image_over_the_limit_and_says_the_limit(client, tmp_path: Path) -> None:
    content = noise_image(tmp_path / "content.png", (32, 32))
    style = solid_image(tmp_path / "big.png", (400, 300))
    assert 400 * 300 > TEST_MAX_PIXELS
    with pytest.raises(AppError, match=r"Style image 1 is 400x300 = 120,000 pixels, more than the limit of 90,000"):
        stylize(client, editor(content), gallery(style))


def test_stylize_rejects_a_mask_colour_without_its_style_image(client, tmp_path: Path) -> None:
    content = noise_image(tmp_path / "content.png", (32, 32))
    style_a, style_b = noise_image(tmp_path / "a.png", (32, 32), 1), noise_image(tmp_path / "b.png", (32, 32), 2)
    strokes = paint(tmp_path / "mask.png", (32, 32), (0, 0, 8, 8), GREEN)
    with pytest.raises(AppError, match=r"painted in green \(style 3\), but 2 style images are given"):
        stylize(client, editor(content, strokes), gallery(style_a, style_b))


def test_stylize_without_a_style_image_says_to_add_one(client, tmp_path: Path) -> None:
    content = noise_image(tmp_path / "content.png", (32, 32))
    with pytest.raises(AppError, match="No style image"):
        stylize(client, editor(content), [])


def test_stylize_rejects_all_zero_weights(client, tmp_path: Path) -> None:
    content = noise_image(tmp_path / "content.png", (32, 32))
    style_a, style_b = noise_image(tmp_path / "a.png", (32, 32), 1), noise_image(tmp_path / "b.png", (32, 32), 2)
    with pytest.raises(AppError, match="The style weights must not all be zero"):
        stylize(client, editor(content), gallery(style_a, style_b), weights=(0, 0, 1, 1))


def test_stylize_with_an_unknown_checkpoint_lists_the_known_ones(client, tmp_path: Path) -> None:
    content = noise_image(tmp_path / "content.png", (32, 32))
    style = noise_image(tmp_path / "style.png", (32, 32))
    with pytest.raises(AppError, match=r"nope is not in the list of choices: \['adain-tiny'\]"):
        stylize(client, editor(content), gallery(style), checkpoint="nope")


# ---- paint a scene -------------------------------------------------------------------------------


def test_synthesize_returns_an_image_of_the_label_map_size(client, tmp_path: Path) -> None:
    labels = label_map(tmp_path / "scene.png", (80, 48), SKY, box=(0, 30, 80, 48))
    assert synthesize(client, editor(labels), seed=3).size == (80, 48)


def test_synthesize_paints_strokes_over_the_label_map_like_the_library(client, synthesizer: Synthesizer, tmp_path: Path) -> None:
    background = label_map(tmp_path / "sky.png", (48, 32), SKY)
    strokes = paint(tmp_path / "grass.png", (48, 32), (0, 20, 48, 32), SCENE_CLASSES.colours[GRASS])
    result = synthesize(client, editor(background, strokes), seed=5)
    ids = torch.full((32, 48), SKY, dtype=torch.long)
    ids[20:, :] = GRASS
    assert_close(result, synthesizer.synthesize(ids, seed=5))


def test_synthesize_copies_a_style_image_and_seeds_differ(client, tmp_path: Path) -> None:
    labels = label_map(tmp_path / "scene.png", (32, 32), SKY, box=(0, 16, 32, 32))
    style = noise_image(tmp_path / "style.png", (40, 40), seed=4)
    assert synthesize(client, editor(labels), style=style).size == (32, 32)
    first, second = synthesize(client, editor(labels), seed=1), synthesize(client, editor(labels), seed=2)
    assert np.asarray(first).tobytes() != np.asarray(second).tobytes()


def test_synthesize_rejects_colours_that_are_not_in_the_palette(client, tmp_path: Path) -> None:
    image = Image.new("RGB", (32, 32), SCENE_CLASSES.colours[SKY])
    image.paste((1, 2, 3), (0, 0, 4, 4))
    image.save(tmp_path / "odd.png")
    with pytest.raises(AppError, match=r"16 pixels have colours .*#010203.*sky #87ceeb"):
        synthesize(client, editor(tmp_path / "odd.png"))


def test_synthesize_rejects_an_empty_canvas(client) -> None:
    with pytest.raises(AppError, match="The label map is empty"):
        synthesize(client, editor(None))


@pytest.mark.parametrize(("seed", "message"), [(-4, "Value -4 is less than minimum value 0"), (None, "Enter a seed")])
def test_synthesize_rejects_a_bad_seed(client, tmp_path: Path, seed, message: str) -> None:
    labels = label_map(tmp_path / "scene.png", (32, 32), SKY)
    with pytest.raises(AppError, match=message):
        synthesize(client, editor(labels), seed=seed)


def test_app_keeps_serving_after_bad_input(client, tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not an image")
    with pytest.raises(AppError, match="not a readable image file"):
        synthesize(client, editor(text))
    labels = label_map(tmp_path / "scene.png", (32, 32), SKY)
    assert synthesize(client, editor(labels)).size == (32, 32)


# ---- hostile uploads: each a message naming the problem -------------------------------------------


def truncated(path: Path, size: tuple[int, int] = (48, 40)) -> Path:
    """A JPEG cut in half: its header reads fine, its pixels do not."""
    noise_image(path.with_suffix(".full.jpg"), size)
    data = path.with_suffix(".full.jpg").read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def test_a_truncated_content_image_is_a_message_naming_it(client, tmp_path: Path) -> None:
    style = noise_image(tmp_path / "style.png", (32, 32))
    with pytest.raises(AppError, match="The content image could not be decoded: the file is truncated or damaged"):
        stylize(client, editor(truncated(tmp_path / "content.jpg")), gallery(style))


def test_a_truncated_style_image_is_a_message_naming_it(client, tmp_path: Path) -> None:
    content = noise_image(tmp_path / "content.png", (32, 32))
    with pytest.raises(AppError, match="Style image 1 could not be decoded: the file is truncated or damaged"):
        stylize(client, editor(content), gallery(truncated(tmp_path / "style.jpg")))


def test_a_truncated_scene_style_is_a_message_naming_it(client, tmp_path: Path) -> None:
    labels = label_map(tmp_path / "scene.png", (32, 32), SKY)
    with pytest.raises(AppError, match="The style image could not be decoded: the file is truncated or damaged"):
        synthesize(client, editor(labels), style=truncated(tmp_path / "style.jpg"))


def test_a_scene_style_over_the_limit_says_the_limit(client, tmp_path: Path) -> None:
    labels = label_map(tmp_path / "scene.png", (32, 32), SKY)
    with pytest.raises(AppError, match=r"The style image is 400x300 = 120,000 pixels, more than the limit of 90,000"):
        synthesize(client, editor(labels), style=solid_image(tmp_path / "big.png", (400, 300)))


def test_an_exif_rotated_photo_comes_out_upright(client, tmp_path: Path) -> None:
    """The app's part of "an EXIF-rotated photo gives the same orientation in the API, CLI and app"."""
    from tests.io.test_images import rotated_jpeg

    photo = tmp_path / "phone.jpg"
    photo.write_bytes(rotated_jpeg(size=(64, 32)))  # stored 64 wide, shown 32 wide and 64 high
    style = noise_image(tmp_path / "style.png", (32, 32))
    assert stylize(client, editor(photo), gallery(style), size=32).size == (32, 64)


def test_a_transparent_style_image_is_flattened_on_white_like_the_library(client, tmp_path: Path) -> None:
    content = noise_image(tmp_path / "content.png", (32, 32))
    clear = tmp_path / "clear.png"
    Image.new("RGBA", (32, 32), (255, 0, 0, 0)).save(clear)
    white = solid_image(tmp_path / "white.png", (32, 32), (255, 255, 255))
    assert_close(stylize(client, editor(content), gallery(clear), size=32), stylize(client, editor(content), gallery(white), size=32))
