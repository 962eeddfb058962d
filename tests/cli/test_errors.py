"""Bad input to ``stylesynth stylize`` / ``synthesize`` / ``export``: one line, exit code 2, and no file
written or changed (issue 12's cases, one test each)."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from stylesynth.cli import main
from stylesynth.data.scenes import SCENE_CLASSES, SceneGenerator
from stylesynth.data.segmentation import colourize
from tests.adain.conftest import random_image
from tests.io.test_images import png_header, rotated_jpeg


def snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` (hidden ones too) with the hash of its bytes."""
    return {str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(root.rglob("*")) if path.is_file()}


def fails_with(capsys, argv: list, pattern: str, command: str = "stylize") -> str:
    """Runs the CLI, expecting exit code 2 and one error line (besides progress) matching ``pattern``; returns the line."""
    code = main([str(arg) for arg in argv])
    err = capsys.readouterr().err
    lines = [line for line in err.strip().splitlines() if line.strip() and not line.startswith(f"{command} [")]
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith(f"stylesynth {command}: error:"), err
    assert re.search(pattern, lines[0]), lines[0]
    return lines[0]


def truncated_jpeg(path: Path, width: int = 48, height: int = 40) -> Path:
    """A JPEG cut in half: its header reads fine, its pixels do not."""
    buffer = io.BytesIO()
    random_image(width, height, seed=5).save(buffer, format="JPEG")
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    return path


def write_maps(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for seed in range(count):
        paths.append(folder / f"map{seed}.png")
        colourize(SceneGenerator(24).generate(seed)[1], SCENE_CLASSES).save(paths[-1])
    return paths


def test_overwrite_run_failing_on_a_truncated_photo_keeps_every_existing_file(capsys, images, checkpoint_dir, tmp_path) -> None:
    """Issue 12.1: an --overwrite folder run into an existing output folder that fails part-way loses nothing."""
    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("a", "c"):
        random_image(40, 32, seed=ord(name)).save(photos / f"{name}.png")
    out = tmp_path / "out"
    assert main(["stylize", str(photos), "-s", str(images["style_a"]), "-c", str(checkpoint_dir), "-o", str(out), "-q"]) == 0
    truncated_jpeg(photos / "b.jpg")
    before = snapshot(tmp_path)
    fails_with(capsys, ["stylize", photos, "-s", images["style_a"], "-c", checkpoint_dir, "-o", out, "--overwrite"], r"b\.jpg could not be decoded: the file is truncated")
    assert snapshot(tmp_path) == before


def test_overwrite_run_failing_late_in_the_model_keeps_every_existing_file(capsys, images, checkpoint_dir, tmp_path) -> None:
    """A failure after some outputs were made (a photo too small to stylize, found by the model) writes nothing."""
    photos = tmp_path / "photos"
    photos.mkdir()
    random_image(40, 32, seed=1).save(photos / "a.png")
    random_image(12, 12, seed=2).save(photos / "b.png")
    out = tmp_path / "out" / "photos"
    out.mkdir(parents=True)
    (out / "a.png").write_bytes(b"an earlier result")
    before = snapshot(tmp_path)
    fails_with(capsys, ["stylize", photos, "-s", images["style_a"], "-c", checkpoint_dir, "-o", tmp_path / "out", "--overwrite"], "at least 16 pixels")
    assert snapshot(tmp_path) == before


def test_overwriting_the_input_itself_works_and_a_failure_keeps_it(capsys, images, checkpoint_dir, tmp_path) -> None:
    photo = tmp_path / "photo.png"
    random_image(40, 32).save(photo)
    original = photo.read_bytes()
    fails_with(capsys, ["stylize", photo, "-s", images["style_a"], "-c", checkpoint_dir, "-o", photo, "--overwrite", "--alpha", "2"], "alpha")
    assert photo.read_bytes() == original
    assert main(["stylize", str(photo), "-s", str(images["style_a"]), "-c", str(checkpoint_dir), "-o", str(photo), "--overwrite", "-q"]) == 0
    assert photo.read_bytes() != original and Image.open(photo).size == (40, 32)


@pytest.mark.parametrize("role", ["style", "mask"])
def test_truncated_style_or_mask_is_one_line(capsys, images, checkpoint_dir, tmp_path, role: str) -> None:
    bad = truncated_jpeg(tmp_path / "bad.jpg", 51, 37)
    extra = ["--mask", bad] if role == "mask" else []
    style = bad if role == "style" else images["style_a"]
    fails_with(capsys, ["stylize", images["content"], "-s", style, *extra, "-c", checkpoint_dir, "-o", tmp_path / "o.png"], rf"{role} .*bad\.jpg could not be decoded")
    assert not (tmp_path / "o.png").exists()


def test_huge_size_is_refused_before_any_work(capsys, images, checkpoint_dir, tmp_path) -> None:
    fails_with(capsys, ["stylize", images["content"], "-s", images["style_a"], "-c", checkpoint_dir, "-o", tmp_path / "o.png", "--size", "1000000"],
               r"--size=1000000 would make content .* pixels, more than the limit of 67,108,864; for this image --size can be at most \d+")


def test_missing_content_file_is_named_as_missing(capsys, images, checkpoint_dir, tmp_path) -> None:
    fails_with(capsys, ["stylize", tmp_path / "nope.jpg", "-s", images["style_a"], "-c", checkpoint_dir, "-o", tmp_path / "o.png"], r"content not found: .*nope\.jpg")


def test_output_that_is_an_existing_folder_is_refused_even_with_overwrite(capsys, images, checkpoint_dir, tmp_path) -> None:
    taken = tmp_path / "result.png"
    taken.mkdir()
    (taken / "keep.txt").write_text("keep")
    fails_with(capsys, ["stylize", images["content"], "-s", images["style_a"], "-c", checkpoint_dir, "-o", taken, "--overwrite"], "is a folder")
    assert (taken / "keep.txt").read_text() == "keep"


def test_full_disk_is_one_line_and_leaves_nothing(capsys, images, checkpoint_dir, tmp_path, monkeypatch) -> None:
    import stylesynth.io.images as images_module

    def no_space(image, path, suffix=None):
        Path(path).write_bytes(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("stylesynth.cli.files.write_image", no_space)
    assert images_module.write_image is not no_space
    out = tmp_path / "out"
    fails_with(capsys, ["stylize", images["content"], "-s", images["style_a"], "-c", checkpoint_dir, "-o", out], r"cannot write .*content\.png: No space left on device")
    assert not out.exists()


def test_read_only_output_folder_is_named(capsys, images, checkpoint_dir, tmp_path, monkeypatch) -> None:
    import tempfile

    def refuse(prefix: str = "", suffix: str = "", dir: str = "") -> tuple[int, str]:
        raise PermissionError(13, "Permission denied", f"{dir}/{prefix}x{suffix}")

    out = tmp_path / "readonly"
    out.mkdir()
    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    line = fails_with(capsys, ["stylize", images["content"], "-s", images["style_a"], "-c", checkpoint_dir, "-o", out], rf"cannot write in the folder {out}: Permission denied$")
    assert ".tmp" not in line


def test_export_onto_an_existing_file_is_one_line_and_keeps_it(capsys, checkpoint_dir, tmp_path) -> None:
    pytest.importorskip("lightning")
    taken = tmp_path / "taken"
    taken.write_text("mine")
    ckpt = tmp_path / "run.ckpt"
    import torch

    from stylesynth.io import load_pretrained

    state, config = load_pretrained(checkpoint_dir)
    torch.save({"state_dict": {f"net.{k}": v for k, v in state.items()}, "hyper_parameters": {}, "stylesynth": {"kind": "adain", "config": config}}, ckpt)
    fails_with(capsys, ["export", ckpt, taken, "--overwrite"], "is a file, not a folder", "export")
    assert taken.read_text() == "mine"


def test_label_map_with_a_huge_header_is_one_line(capsys, tiny_checkpoint, tmp_path) -> None:
    bomb = tmp_path / "huge.png"
    bomb.write_bytes(png_header(9000, 9000))
    fails_with(capsys, ["synthesize", bomb, "-c", tiny_checkpoint, "-o", tmp_path / "o.png"], r"huge\.png.* 9000x9000 = 81,000,000 pixels, more than the limit", "synthesize")


def test_seed_overflow_is_a_clear_message(capsys, tiny_checkpoint, tmp_path) -> None:
    maps = write_maps(tmp_path / "maps", 2)
    fails_with(capsys, ["synthesize", *maps, "-c", tiny_checkpoint, "-o", tmp_path / "out", "--seed", str(2**63 - 1)],
               r"--seed must be a whole number from 0 to 9223372036854775807", "synthesize")


def test_truncated_style_for_synthesize_is_one_line(capsys, tiny_checkpoint, tmp_path) -> None:
    maps = write_maps(tmp_path / "maps", 1)
    fails_with(capsys, ["synthesize", *maps, "-s", truncated_jpeg(tmp_path / "s.jpg"), "-c", tiny_checkpoint, "-o", tmp_path / "o.png"],
               r"style .*s\.jpg could not be decoded", "synthesize")


def test_both_commands_name_folder_outputs_the_same_way(images, checkpoint_dir, tiny_checkpoint, tmp_path) -> None:
    photos, maps = tmp_path / "in" / "photos", tmp_path / "in" / "maps"
    (photos / "sub").mkdir(parents=True)
    random_image(40, 32).save(photos / "sub" / "a.png")
    write_maps(maps / "sub", 1)
    assert main(["stylize", str(photos), "-s", str(images["style_a"]), "-c", str(checkpoint_dir), "-o", str(tmp_path / "out"), "-q"]) == 0
    assert main(["synthesize", str(maps), "-c", str(tiny_checkpoint), "-o", str(tmp_path / "out"), "-q", "--seed", "0"]) == 0
    written = sorted(str(path.relative_to(tmp_path / "out")) for path in (tmp_path / "out").rglob("*.png"))
    assert written == ["maps/sub/map0.png", "photos/sub/a.png"]


def test_exif_rotated_photo_comes_out_upright(images, checkpoint_dir, tmp_path) -> None:
    """The CLI's part of "an EXIF-rotated photo gives the same orientation in the API, CLI and app"."""
    photo = tmp_path / "phone.jpg"
    photo.write_bytes(rotated_jpeg(size=(48, 24)))
    assert main(["stylize", str(photo), "-s", str(images["style_a"]), "-c", str(checkpoint_dir), "-o", str(tmp_path / "o.png"), "-q"]) == 0
    assert Image.open(tmp_path / "o.png").size == (24, 48)
    assert np.asarray(Image.open(tmp_path / "o.png")).shape == (48, 24, 3)


def lightning_file(path: Path, checkpoint_dir: Path, kind, drop: str | None = None) -> Path:
    """A Lightning-style .ckpt of the test AdaIN network, with ``kind`` as its kind and key ``drop`` left out."""
    import torch

    from stylesynth.io import load_pretrained

    state, config = load_pretrained(checkpoint_dir)
    weights = {f"net.{key}": value for key, value in state.items() if key != drop}
    torch.save({"state_dict": weights, "stylesynth": {"kind": kind, "config": config}}, path)
    return path


@pytest.mark.parametrize(("kind", "drop", "message"), [(["adain"], None, r"unknown checkpoint kind \['adain'\]"), ("adain", "decoder.convs.conv1_1.bias", "decoder.convs.conv1_1.bias")])
def test_export_errors_name_the_training_checkpoint(capsys, checkpoint_dir, tmp_path, kind, drop, message) -> None:
    ckpt = lightning_file(tmp_path / "run.ckpt", checkpoint_dir, kind, drop)
    line = fails_with(capsys, ["export", ckpt, tmp_path / "out"], message, "export")
    assert str(ckpt) in line and str(tmp_path / "out") not in line
    assert not (tmp_path / "out").exists()


def test_spade_checkpoint_whose_config_lacks_keys_is_one_line(capsys, tiny_checkpoint, tmp_path) -> None:
    import json
    import shutil

    folder = tmp_path / "ckpt"
    shutil.copytree(tiny_checkpoint, folder)
    config = json.loads((folder / "config.json").read_text())
    del config["generator"]
    (folder / "config.json").write_text(json.dumps(config))
    maps = write_maps(tmp_path / "maps", 1)
    fails_with(capsys, ["synthesize", *maps, "-c", folder, "-o", tmp_path / "o.png"], "ckpt", "synthesize")
