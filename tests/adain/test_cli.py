"""`stylesynth stylize` and `stylesynth export`: happy paths, and each bad input ends in one line, exit 2, no output."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from stylesynth.cli import main

from .conftest import random_image


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_stylize_one_file_keeps_its_size(capsys, images, checkpoint_dir, tmp_path):
    out = tmp_path / "out" / "result.png"
    code, stdout, err = run_cli(capsys, "stylize", images["content"], "--style", images["style_a"], "-c", checkpoint_dir, "-o", out, "--alpha", "0.5")
    assert code == 0, err
    assert Image.open(out).size == (51, 37)
    assert str(out) in stdout


def test_stylize_folder_with_two_styles_and_progress(capsys, images, checkpoint_dir, tmp_path):
    folder = tmp_path / "photos"
    (folder / "sub").mkdir(parents=True)
    random_image(40, 32, seed=5).save(folder / "a.png")
    random_image(24, 30, seed=6).save(folder / "sub" / "b.jpg")
    out = tmp_path / "styled"
    code, _, err = run_cli(
        capsys, "stylize", folder, "--style", images["style_a"], images["style_b"], "--weights", "0.7", "0.3",
        "--preserve-color", "-c", checkpoint_dir, "-o", out,
    )  # fmt: skip
    assert code == 0, err
    assert [p.relative_to(out).as_posix() for p in files_under(out)] == ["photos/a.png", "photos/sub/b.jpg"]
    assert Image.open(out / "photos" / "sub" / "b.jpg").size == (24, 30)
    assert "2/2" in err


def test_stylize_with_mask(capsys, images, checkpoint_dir, tmp_path):
    out = tmp_path / "masked.png"
    code, _, err = run_cli(capsys, "stylize", images["content"], "-s", images["style_a"], images["style_b"], "--mask", images["mask"], "-c", checkpoint_dir, "-o", out)
    assert code == 0, err
    assert Image.open(out).size == (51, 37)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("unreadable content", "not a readable image"),
        ("missing content", "content not found"),
        ("missing style", "style not found"),
        ("wrong checkpoint", "is not a stylesynth checkpoint"),
        ("alpha above one", r"--alpha must be in \[0, 1\]"),
        ("weights count", "2 weight.*1 style"),
        ("mask size", "masks must have the content's size"),
        ("output exists", "use --overwrite"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_no_output(capsys, images, checkpoint_dir, tmp_path, case, message):
    out = tmp_path / "out"
    content, style, extra, checkpoint = images["content"], images["style_a"], [], checkpoint_dir
    if case == "unreadable content":
        content = images["broken"]
    elif case == "missing content":
        content = tmp_path / "nope.png"
    elif case == "missing style":
        style = tmp_path / "nope.png"
    elif case == "wrong checkpoint":
        checkpoint = tmp_path  # a folder without config.json / model.safetensors
    elif case == "alpha above one":
        extra = ["--alpha", "1.5"]
    elif case == "weights count":
        extra = ["--weights", "0.5", "0.5"]
    elif case == "mask size":
        random_image(20, 20).convert("L").save(tmp_path / "small_mask.png")
        extra = ["--mask", tmp_path / "small_mask.png"]
    elif case == "output exists":
        (out / "content.png").parent.mkdir(parents=True)
        (out / "content.png").write_bytes(b"keep me")
    code, stdout, err = run_cli(capsys, "stylize", content, "--style", style, "-c", checkpoint, "-o", out, *extra)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("stylesynth stylize: error:"), err
    assert __import__("re").search(message, lines[0]), lines[0]
    expected = [out / "content.png"] if case == "output exists" else []
    assert files_under(out) == expected
    if case == "output exists":
        assert (out / "content.png").read_bytes() == b"keep me"


def test_failure_part_way_removes_outputs_already_written(capsys, images, checkpoint_dir, tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    random_image(40, 32).save(folder / "a.png")
    random_image(12, 12).save(folder / "b.png")  # readable, but too small to stylize: fails second
    out = tmp_path / "styled"
    code, _, err = run_cli(capsys, "stylize", folder, "--style", images["style_a"], "-c", checkpoint_dir, "-o", out)
    assert code == 2 and "at least 16 pixels" in err
    assert files_under(out) == []


def test_export_of_a_non_adain_file_is_a_clear_error(capsys, tmp_path):
    (tmp_path / "x.ckpt").write_bytes(b"junk")
    code, _, err = run_cli(capsys, "export", tmp_path / "x.ckpt", tmp_path / "out")
    assert code == 2 and "not a readable torch weights file" in err
    assert not (tmp_path / "out").exists()
