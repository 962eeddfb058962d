"""``stylesynth stylize --model`` for every style family, preset styles, and ``stylesynth presets``."""

from __future__ import annotations

import json

import pytest
import torch
from PIL import Image

from stylesynth.cli import main
from stylesynth.inference import Stylizer
from stylesynth.inference.checkpoints import best_evaluated, default_style_model, evaluation_score
from stylesynth.io import load_image, pil_to_tensor

from .test_errors import fails_with


@pytest.fixture(scope="module")
def photo(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("photo") / "photo.png"
    generator = torch.Generator().manual_seed(3)
    Image.fromarray((torch.rand(40, 56, 3, generator=generator) * 255).to(torch.uint8).numpy()).save(path)
    return str(path)


def test_a_preset_style_writes_what_the_api_gives(photo: str, tmp_path, capsys) -> None:
    out = tmp_path / "seven.png"
    assert main(["stylize", photo, "--model", "magenta-26", "-s", "7", "3", "-w", "2", "1", "--device", "cpu", "-o", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["model"] == "magenta-26"
    expected = Stylizer.from_pretrained("magenta-26", device="cpu").stylize(load_image(photo), [7, 3], weights=[2, 1])
    written = pil_to_tensor(load_image(out)).float()
    assert (written - pil_to_tensor(expected).float()).abs().max() <= 1 / 255 + 1e-6


def test_style_kinds_must_fit_the_model(photo: str, tmp_path, capsys) -> None:
    fails_with(capsys, ["stylize", photo, "--model", "magenta-26", "-s", photo, "-o", tmp_path / "a.png"], r"built-in styles; give a preset index 0-25")
    fails_with(capsys, ["stylize", photo, "--model", "magenta-arbitrary", "-s", "4", "-o", tmp_path / "b.png"], r"takes style images, not preset indices")
    fails_with(capsys, ["stylize", photo, "--model", "magenta-26", "-s", "26", "-o", tmp_path / "c.png"], r"preset 26 does not exist")
    assert not any(tmp_path.iterdir())


def test_the_default_model_is_the_best_recorded_one(photo: str, tmp_path, capsys) -> None:
    out = tmp_path / "default.png"
    assert main(["stylize", photo, "-s", photo, "--device", "cpu", "-o", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["model"] == default_style_model()


def test_best_evaluated_ranks_by_the_mean_of_the_recorded_medians() -> None:
    configs = {
        "a": {"evaluation": {"style": 0.9, "texture": 0.9, "structure": 0.2}},
        "b": {"evaluation": {"style": 0.7, "texture": 0.7, "structure": 0.7}},
        "c": {"kind": "adain"},
        "d": {"evaluation": {"style": "high", "texture": 1, "structure": 1}},
    }
    assert evaluation_score(configs["a"]) == pytest.approx(2 / 3) and evaluation_score(configs["c"]) is None and evaluation_score(configs["d"]) is None
    assert best_evaluated(configs) == "b"
    assert best_evaluated({"x": {}, "y": {}}) == "x"


def test_presets_sheet_labels_every_preset(photo: str, tmp_path, capsys) -> None:
    out = tmp_path / "sheet.png"
    assert main(["presets", photo, "--size", "32", "--columns", "13", "--device", "cpu", "-o", str(out)]) == 0
    sheet = Image.open(out)
    tile_width = 32 * 56 // 40  # torchvision floors the longer side
    assert sheet.width == 13 * (tile_width + 4) + 4 and sheet.height > 2 * 32
    fails_with(capsys, ["presets", photo, "--size", "32", "-o", out], "exists; pass --overwrite", "presets")
    fails_with(capsys, ["presets", photo, "--model", "magenta-arbitrary", "-o", tmp_path / "x.png"], "has no presets", "presets")
    fails_with(capsys, ["presets", photo, "-o", tmp_path / "x.txt"], r"the sheet is an image; use one of", "presets")
    fails_with(capsys, ["presets", tmp_path / "missing.png", "-o", tmp_path / "y.png"], "photo not found", "presets")


def test_a_single_photo_shows_its_progress_on_a_terminal_only(photo: str, tmp_path, capsys, monkeypatch) -> None:
    argv = ["stylize", photo, "--model", "magenta-26", "-s", "2", "--device", "cpu", "--overwrite"]
    assert main([*argv, "-o", str(tmp_path / "piped.png")]) == 0
    assert "stylizing" not in capsys.readouterr().err  # a pipe: nothing but the result
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    assert main([*argv, "-o", str(tmp_path / "tty.png")]) == 0
    err = capsys.readouterr().err
    assert "loading magenta-26" in err and f"stylizing {photo} with magenta-26" in err
    assert main([*argv, "-o", str(tmp_path / "quiet.png"), "-q"]) == 0
    assert "stylizing" not in capsys.readouterr().err


def test_a_photo_too_small_for_the_model_is_named_before_it_loads(tmp_path, capsys, monkeypatch) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    Image.new("RGB", (40, 32), "white").save(photos / "fine.png")
    Image.new("RGB", (12, 30), "white").save(photos / "small.png")
    import stylesynth.inference.stylizer as stylizer_module

    def never(*args, **kwargs):
        raise AssertionError("the model was loaded before the sizes were checked")

    monkeypatch.setattr(stylizer_module.Stylizer, "from_pretrained", classmethod(never))
    line = fails_with(capsys, ["stylize", photos, "-s", photos / "fine.png", "--model", "adain-default", "-o", tmp_path / "out"], r"small\.png: 12x30 pixels is too small for this model; each side must be at least 16")
    assert "fine.png" not in line
    (photos / "small.png").unlink()
    Image.new("RGB", (6, 30), "white").save(photos / "tiny.png")  # magenta-26 takes 8 pixels and more; AdaIN 16
    fails_with(capsys, ["stylize", photos, "-s", "1", "--model", "magenta-26", "-o", tmp_path / "out2"], r"tiny\.png: 6x30 pixels is too small for this model; each side must be at least 8")
    assert not (tmp_path / "out").exists()
