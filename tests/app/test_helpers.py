"""The app's UI-free parts: checkpoint discovery, the command line, upload checks, masks and label maps, errors."""

from __future__ import annotations

import re
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
import torch
from PIL import Image

from stylesynth.data.scenes import GRASS, SCENE_CLASSES, SKY, TREE
from stylesynth.io import ImageError
from webapp import canvas, catalog, errors, server, uploads
from webapp.catalog import Catalog, ModelStore
from webapp.config import CHECKPOINTS, ROOT, example_files
from webapp.style_tab import STYLE_COLOUR_NAMES, STYLE_COLOURS, mix, weights_note

STYLE_RGB = [canvas.hex_to_rgb(colour) for colour in STYLE_COLOURS]


def layer(size: tuple[int, int], box: tuple[int, int, int, int], colour: tuple[int, int, int], alpha: int = 255) -> Image.Image:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    image.paste((*colour, alpha), box)
    return image


def pixels(mask: Image.Image) -> torch.Tensor:
    return torch.from_numpy(np.array(mask))


# ---- checkpoints and command line ------------------------------------------------------------------


def test_discover_checkpoints_sorts_folders_by_kind_and_skips_others(checkpoint_root: Path) -> None:
    found = catalog.discover_checkpoints(checkpoint_root)
    assert found == {"style": {"adain-tiny": checkpoint_root / "adain-tiny"}, "spade": {"spade-tiny": checkpoint_root / "spade-tiny"}}


def test_catalog_selects_a_folder_given_on_the_command_line_first(checkpoint_root: Path, tmp_path: Path) -> None:
    catalog = Catalog.build(tmp_path, style=checkpoint_root / "adain-tiny")
    assert catalog.default_style == str(checkpoint_root / "adain-tiny")
    assert catalog.spade == {} and catalog.default_spade is None


@pytest.mark.parametrize(
    ("flag", "folder", "message"),
    [
        ("style", "spade-tiny", "holds a 'spade' checkpoint, expected a .*'adain'"),
        ("spade", "notes", "not a checkpoint folder"),
    ],
)
def test_catalog_refuses_folders_that_are_not_checkpoints_of_their_kind(checkpoint_root: Path, flag: str, folder: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Catalog.build(checkpoint_root, **{flag: checkpoint_root / folder})


def test_main_exits_with_the_message_for_a_bad_checkpoint_folder(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="not a checkpoint folder"):
        server.main(["--spade", str(tmp_path)])


def test_command_line_options() -> None:
    args = server.parse_args(["--style", "a", "--spade", "s", "--host", "0.0.0.0", "--port", "9000", "--share"])
    assert (args.style, args.spade, args.host, args.port, args.share) == (Path("a"), Path("s"), "0.0.0.0", 9000, True)
    assert server.parse_args(["--adain", "b"]).style == Path("b")  # the option's older name
    defaults = server.parse_args([])
    assert (defaults.style, defaults.host, defaults.port, defaults.share) == (None, "127.0.0.1", 7860, False)


def test_model_store_loads_each_checkpoint_once(checkpoint_root: Path) -> None:
    store = ModelStore(Catalog.build(checkpoint_root))
    assert store.get("style", "adain-tiny") is store.get("style", "adain-tiny")
    with pytest.raises(errors.InputError, match="choose one of: spade-tiny"):
        store.get("spade", "spade-other")


def test_model_store_reads_classes_without_loading_weights(checkpoint_root: Path) -> None:
    store = ModelStore(Catalog.build(checkpoint_root))
    assert store.classes("spade-tiny").names == SCENE_CLASSES.names
    assert store._models == {}


# ---- uploads -------------------------------------------------------------------------------------


def test_an_editor_upload_over_the_limit_is_refused_from_its_header(tmp_path: Path) -> None:
    path = tmp_path / "huge.png"
    Image.new("L", (4097, 4096)).save(path)
    editor = uploads.check_editor_uploads(gr.ImageEditor(type="pil"), "The photo", 4096 * 4096)
    payload = editor.data_model.model_validate({"background": {"path": str(path)}, "layers": [], "composite": None})
    with pytest.raises(gr.Error, match=r"The photo is 4097x4096 = 16,781,312 pixels, more than the limit of 16,777,216 \(e.g. 4096x4096\)"):
        editor.preprocess(payload)


def test_an_editor_upload_gradio_cannot_decode_names_the_input(tmp_path: Path) -> None:
    path = tmp_path / "cut.png"
    Image.effect_noise((64, 64), 40).save(path)
    path.write_bytes(path.read_bytes()[:300])
    editor = uploads.check_editor_uploads(gr.ImageEditor(type="pil"), "The content image", 4096 * 4096)
    payload = editor.data_model.model_validate({"background": {"path": str(path)}, "layers": [], "composite": None})
    with pytest.raises(gr.Error, match="The content image could not be decoded: the file is truncated or damaged"):
        editor.preprocess(payload)


def test_uploads_name_the_accepted_formats(tmp_path: Path) -> None:
    (tmp_path / "notes.png").write_bytes(b"%PDF-1.4 not an image")
    from stylesynth.io.formats import ACCEPTED_FORMATS

    assert ACCEPTED_FORMATS.startswith("PNG, JPEG, WebP, BMP, GIF")
    with pytest.raises(ImageError, match=re.escape(f"The photo is not a readable image file; accepted formats are {ACCEPTED_FORMATS}")):
        uploads.open_upload(tmp_path / "notes.png", "The photo", 4096 * 4096)


# ---- style weights and masks ------------------------------------------------------------------------


def test_weights_are_normalized_over_the_given_styles_only() -> None:
    assert mix([0.6, 0.2, 0.9, 0.9], 2) == pytest.approx([0.75, 0.25])
    with pytest.raises(ValueError, match="The style weights must not all be zero"):
        mix([0, 0, 1, 1], 2)
    assert "style 1: **75%**, style 2: **25%**" in weights_note(["a.png", "b.png"], 0.6, 0.2, 1, 1)
    assert weights_note(["a.png"], 1, 1, 1, 1) == ""


def test_style_masks_route_brush_colours_to_styles_and_the_rest_to_style_one() -> None:
    size = (8, 4)
    strokes = [layer(size, (0, 0, 2, 4), STYLE_RGB[1]), layer(size, (6, 0, 8, 4), STYLE_RGB[2])]
    masks = canvas.style_masks(strokes, size, 3, STYLE_RGB, STYLE_COLOUR_NAMES)
    first, second, third = (pixels(mask) > 0 for mask in masks)
    assert second[:, :2].all() and not second[:, 2:].any()
    assert third[:, 6:].all() and not third[:, :6].any()
    assert first[:, 2:6].all() and not first[:, :2].any() and not first[:, 6:].any()


def test_style_masks_with_one_style_take_any_colour_and_ignore_the_soft_edge() -> None:
    size = (8, 4)
    strokes = [layer(size, (0, 0, 3, 4), STYLE_RGB[3]), layer(size, (3, 0, 8, 4), STYLE_RGB[0], alpha=100)]
    (mask,) = canvas.style_masks(strokes, size, 1, STYLE_RGB, STYLE_COLOUR_NAMES)
    assert (pixels(mask)[:, :3] == 255).all() and (pixels(mask)[:, 3:] == 0).all()
    assert canvas.style_masks([layer(size, (0, 0, 8, 4), STYLE_RGB[1], alpha=60)], size, 2, STYLE_RGB, STYLE_COLOUR_NAMES) is None


def test_style_masks_scale_a_layer_to_the_content() -> None:
    masks = canvas.style_masks([layer((4, 2), (0, 0, 2, 2), STYLE_RGB[1])], (8, 4), 2, STYLE_RGB, STYLE_COLOUR_NAMES)
    assert masks[1].size == (8, 4) and (pixels(masks[1])[:, :4] == 255).all() and (pixels(masks[1])[:, 4:] == 0).all()


# ---- label maps ------------------------------------------------------------------------------------


def test_canvas_labels_paint_strokes_over_the_background() -> None:
    background = Image.new("RGB", (6, 4), SCENE_CLASSES.colours[SKY])
    strokes = [layer((6, 4), (0, 2, 6, 4), SCENE_CLASSES.colours[GRASS]), layer((6, 4), (0, 3, 2, 4), SCENE_CLASSES.colours[TREE])]
    labels = canvas.canvas_labels(background, strokes, SCENE_CLASSES)
    expected = torch.full((4, 6), SKY)
    expected[2:, :] = GRASS
    expected[3, :2] = TREE
    assert torch.equal(labels, expected)


def test_canvas_labels_without_a_background_fill_with_the_first_class() -> None:
    labels = canvas.canvas_labels(None, [layer((4, 4), (0, 0, 1, 1), SCENE_CLASSES.colours[GRASS])], SCENE_CLASSES)
    assert labels[0, 0] == GRASS and (labels.flatten()[1:] == 0).all()
    with pytest.raises(ValueError, match="The label map is empty"):
        canvas.canvas_labels(None, [Image.new("RGBA", (4, 4))], SCENE_CLASSES)


def test_canvas_labels_list_the_class_colours_when_a_colour_is_unknown() -> None:
    background = Image.new("RGB", (4, 4), (250, 0, 250))
    with pytest.raises(ValueError, match=r"16 pixels have colours .*The class colours are: sky #87ceeb, cloud #f5f5f5"):
        canvas.canvas_labels(background, [], SCENE_CLASSES)


def test_example_label_maps_use_only_the_bundled_classes() -> None:
    classes = catalog.classes_from_config(catalog.read_checkpoint_config(CHECKPOINTS / "spade-default"))
    examples = example_files("scenes", (".png",))
    assert len(examples) >= 3
    for path in examples:
        labels = canvas.canvas_labels(Image.open(path), [], classes)
        assert len(torch.unique(labels)) >= 3


def test_out_of_memory_is_recognized_by_its_type_and_other_errors_stay() -> None:
    with pytest.raises(gr.Error, match="try a smaller output size"):
        with errors.reported("a smaller output size"):
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
    with pytest.raises(RuntimeError, match="out of memory"):  # a message alone does not make it one
        with errors.reported("anything"):
            raise RuntimeError("out of memory, says a bug")
    with pytest.raises(gr.Error, match="alpha must be in"):
        with errors.reported("anything"):
            raise ValueError("alpha must be in [0, 1]")


def test_the_app_imports_only_the_library_gradio_and_what_they_are_built_on() -> None:
    """``app.py`` and ``webapp/`` import the standard library, gradio and stylesynth (and torch, PIL and numpy,
    which the library is built on): never ``models/`` or Lightning; ``app.py`` is a short entry point."""
    import ast
    import sys

    allowed = {"gradio", "stylesynth", "webapp", "torch", "PIL", "numpy", "__future__"}
    for path in [ROOT / "app.py", *sorted((ROOT / "webapp").glob("*.py"))]:
        tree = ast.parse(path.read_text())
        modules = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        modules |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module and node.level == 0}
        outside = {name for name in modules - allowed if name not in sys.stdlib_module_names}
        assert not outside, f"{path.name} imports {sorted(outside)}"
    assert len((ROOT / "app.py").read_text().splitlines()) < 20


def test_uploads_turn_by_exif_and_flatten_transparency_like_the_library(tmp_path: Path) -> None:
    image = Image.new("RGBA", (4, 2), (255, 0, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    image.convert("RGB").save(tmp_path / "turned.jpg", exif=exif)
    assert uploads.open_upload(tmp_path / "turned.jpg", "The photo", 100).size == (2, 4)
    image.save(tmp_path / "clear.png")
    assert uploads.open_upload(tmp_path / "clear.png", "The photo", 100).getpixel((0, 0)) == (255, 255, 255)
