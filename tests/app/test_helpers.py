"""The app's UI-free parts: checkpoint discovery, the command line, upload checks, masks and label maps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import app
from stylesynth.data.scenes import GRASS, SCENE_CLASSES, SKY, TREE
from stylesynth.inference import app_helpers as helpers
from stylesynth.io import ImageError

STYLE_RGB = [app.hex_to_rgb(colour) for colour in app.STYLE_COLOURS]


def layer(size: tuple[int, int], box: tuple[int, int, int, int], colour: tuple[int, int, int], alpha: int = 255) -> Image.Image:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    image.paste((*colour, alpha), box)
    return image


def pixels(mask: Image.Image) -> torch.Tensor:
    return torch.from_numpy(np.array(mask))


# ---- checkpoints and command line ------------------------------------------------------------------


def test_discover_checkpoints_sorts_folders_by_kind_and_skips_others(checkpoint_root: Path) -> None:
    found = helpers.discover_checkpoints(checkpoint_root)
    assert found == {"adain": {"adain-tiny": checkpoint_root / "adain-tiny"}, "spade": {"spade-tiny": checkpoint_root / "spade-tiny"}}


def test_catalog_selects_a_folder_given_on_the_command_line_first(checkpoint_root: Path, tmp_path: Path) -> None:
    catalog = app.Catalog.build(tmp_path, adain=checkpoint_root / "adain-tiny")
    assert catalog.default_adain == str(checkpoint_root / "adain-tiny")
    assert catalog.spade == {} and catalog.default_spade is None


@pytest.mark.parametrize(
    ("flag", "folder", "message"),
    [
        ("adain", "spade-tiny", "holds a 'spade' checkpoint, expected a 'adain' one"),
        ("spade", "notes", "not a checkpoint folder"),
    ],
)
def test_catalog_refuses_folders_that_are_not_checkpoints_of_their_kind(checkpoint_root: Path, flag: str, folder: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        app.Catalog.build(checkpoint_root, **{flag: checkpoint_root / folder})


def test_main_exits_with_the_message_for_a_bad_checkpoint_folder(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="not a checkpoint folder"):
        app.main(["--spade", str(tmp_path)])


def test_command_line_options() -> None:
    args = app.parse_args(["--adain", "a", "--spade", "s", "--host", "0.0.0.0", "--port", "9000", "--share"])
    assert (args.adain, args.spade, args.host, args.port, args.share) == (Path("a"), Path("s"), "0.0.0.0", 9000, True)
    defaults = app.parse_args([])
    assert (defaults.adain, defaults.host, defaults.port, defaults.share) == (None, "127.0.0.1", 7860, False)


def test_model_store_loads_each_checkpoint_once(checkpoint_root: Path) -> None:
    store = app.ModelStore(app.Catalog.build(checkpoint_root))
    assert store.get("adain", "adain-tiny") is store.get("adain", "adain-tiny")
    with pytest.raises(app.InputError, match="choose one of: spade-tiny"):
        store.get("spade", "spade-other")


def test_model_store_reads_classes_without_loading_weights(checkpoint_root: Path) -> None:
    store = app.ModelStore(app.Catalog.build(checkpoint_root))
    assert store.classes("spade-tiny").names == SCENE_CLASSES.names
    assert store._models == {}


# ---- uploads -------------------------------------------------------------------------------------


def test_check_image_source_refuses_an_image_over_the_default_limit_from_its_header(tmp_path: Path) -> None:
    path = tmp_path / "huge.png"
    Image.new("L", (4097, 4096)).save(path)
    with pytest.raises(ImageError, match=r"is 4097×4096 = 16,781,312 pixels, more than the limit of 16,777,216 pixels \(e.g. 4096×4096\)"):
        helpers.check_image_source(path, "The photo")
    assert helpers.check_image_source(path.read_bytes(), "The photo", max_pixels=4097 * 4096) == (4097, 4096)


def test_check_image_source_names_the_accepted_formats(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match="The photo is not an image file; accepted formats are PNG, JPEG, WebP, BMP, GIF or TIFF"):
        helpers.check_image_source(b"%PDF-1.4 not an image", "The photo")


# ---- style weights and masks ------------------------------------------------------------------------


def test_weights_are_normalized_over_the_given_styles_only() -> None:
    assert app.normalized_weights([0.6, 0.2, 0.9, 0.9], 2) == pytest.approx([0.75, 0.25])
    with pytest.raises(app.InputError, match="All style weights are 0"):
        app.normalized_weights([0, 0, 1, 1], 2)
    assert "style 1: **75%**, style 2: **25%**" in app.weights_note(["a.png", "b.png"], 0.6, 0.2, 1, 1)
    assert app.weights_note(["a.png"], 1, 1, 1, 1) == ""


def test_style_masks_route_brush_colours_to_styles_and_the_rest_to_style_one() -> None:
    size = (8, 4)
    strokes = [layer(size, (0, 0, 2, 4), STYLE_RGB[1]), layer(size, (6, 0, 8, 4), STYLE_RGB[2])]
    masks = helpers.style_masks(strokes, size, 3, STYLE_RGB, app.STYLE_COLOUR_NAMES)
    first, second, third = (pixels(mask) > 0 for mask in masks)
    assert second[:, :2].all() and not second[:, 2:].any()
    assert third[:, 6:].all() and not third[:, :6].any()
    assert first[:, 2:6].all() and not first[:, :2].any() and not first[:, 6:].any()


def test_style_masks_with_one_style_take_any_colour_and_ignore_the_soft_edge() -> None:
    size = (8, 4)
    strokes = [layer(size, (0, 0, 3, 4), STYLE_RGB[3]), layer(size, (3, 0, 8, 4), STYLE_RGB[0], alpha=100)]
    (mask,) = helpers.style_masks(strokes, size, 1, STYLE_RGB, app.STYLE_COLOUR_NAMES)
    assert (pixels(mask)[:, :3] == 255).all() and (pixels(mask)[:, 3:] == 0).all()
    assert helpers.style_masks([layer(size, (0, 0, 8, 4), STYLE_RGB[1], alpha=60)], size, 2, STYLE_RGB, app.STYLE_COLOUR_NAMES) is None


def test_style_masks_scale_a_layer_to_the_content() -> None:
    masks = helpers.style_masks([layer((4, 2), (0, 0, 2, 2), STYLE_RGB[1])], (8, 4), 2, STYLE_RGB, app.STYLE_COLOUR_NAMES)
    assert masks[1].size == (8, 4) and (pixels(masks[1])[:, :4] == 255).all() and (pixels(masks[1])[:, 4:] == 0).all()


# ---- label maps ------------------------------------------------------------------------------------


def test_canvas_labels_paint_strokes_over_the_background() -> None:
    background = Image.new("RGB", (6, 4), SCENE_CLASSES.colours[SKY])
    strokes = [layer((6, 4), (0, 2, 6, 4), SCENE_CLASSES.colours[GRASS]), layer((6, 4), (0, 3, 2, 4), SCENE_CLASSES.colours[TREE])]
    labels = helpers.canvas_labels(background, strokes, SCENE_CLASSES)
    expected = torch.full((4, 6), SKY)
    expected[2:, :] = GRASS
    expected[3, :2] = TREE
    assert torch.equal(labels, expected)


def test_canvas_labels_without_a_background_fill_with_the_first_class() -> None:
    labels = helpers.canvas_labels(None, [layer((4, 4), (0, 0, 1, 1), SCENE_CLASSES.colours[GRASS])], SCENE_CLASSES)
    assert labels[0, 0] == GRASS and (labels.flatten()[1:] == 0).all()
    with pytest.raises(ValueError, match="The label map is empty"):
        helpers.canvas_labels(None, [Image.new("RGBA", (4, 4))], SCENE_CLASSES)


def test_canvas_labels_list_the_class_colours_when_a_colour_is_unknown() -> None:
    background = Image.new("RGB", (4, 4), (250, 0, 250))
    with pytest.raises(ValueError, match=r"16 pixels have colours that are not in the class list.*The class colours are: sky #87ceeb, cloud #f5f5f5"):
        helpers.canvas_labels(background, [], SCENE_CLASSES)


def test_example_label_maps_use_only_the_bundled_classes() -> None:
    classes = helpers.classes_from_config(helpers.read_checkpoint_config(app.CHECKPOINTS / "spade-default"))
    examples = app.example_files("scenes", (".png",))
    assert len(examples) >= 3
    for path in examples:
        labels = helpers.canvas_labels(Image.open(path), [], classes)
        assert len(torch.unique(labels)) >= 3


def test_out_of_memory_becomes_a_message_and_other_runtime_errors_stay() -> None:
    message = app.out_of_memory(RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB"), "a smaller output size")
    assert isinstance(message, app.gr.Error) and "try a smaller output size" in str(message)
    assert app.out_of_memory(RuntimeError("shape mismatch"), "anything") is None


def test_app_imports_only_the_standard_library_gradio_and_stylesynth() -> None:
    import ast
    import sys

    tree = ast.parse((app.ROOT / "app.py").read_text())
    runtime = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    modules = {alias.name.split(".")[0] for node in runtime if isinstance(node, ast.Import) for alias in node.names}
    modules |= {node.module.split(".")[0] for node in runtime if isinstance(node, ast.ImportFrom) and node.module}
    outside = {name for name in modules - {"gradio", "stylesynth", "__future__"} if name not in sys.stdlib_module_names}
    assert not outside, f"app.py imports {sorted(outside)}; ARCHITECTURE.md allows stylesynth and gradio only"
    nested = [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom)) and node not in runtime]
    assert all(node.module == "PIL" for node in nested if isinstance(node, ast.ImportFrom)), "only type-checking imports may nest"


def test_open_image_turns_by_exif_and_flattens_transparency(tmp_path: Path) -> None:
    image = Image.new("RGBA", (4, 2), (255, 0, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    image.convert("RGB").save(tmp_path / "turned.jpg", exif=exif)
    assert helpers.open_image(tmp_path / "turned.jpg", "The photo").size == (2, 4)
    image.save(tmp_path / "clear.png")
    assert helpers.open_image(tmp_path / "clear.png", "The photo").getpixel((0, 0)) == (255, 255, 255)
