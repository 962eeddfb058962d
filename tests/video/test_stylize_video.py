"""Stylizer.stylize_video: a clip through the model with rate, size and audio kept; the stable mode lowers flicker."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from PIL import Image
from torchvision.transforms.v2 import functional as TF

from stylesynth.inference import Stylizer
from stylesynth.metrics import style_strength
from stylesynth.video import VideoError, read_batches
from stylesynth.video.metrics import flicker
from stylesynth.video.stylize import VideoStylizer
from stylesynth.video.temporal import TemporalBlend

from .clips import decoded, moving_shapes, write_clip


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_clip(tmp_path_factory.mktemp("clip") / "clip.mp4", moving_shapes(), audio=True)


def test_stylize_video_keeps_frames_rate_duration_and_audio(stylizer: Stylizer, style_image: Image.Image, clip: Path, tmp_path: Path) -> None:
    calls: list[tuple[int, int | None]] = []
    info = stylizer.stylize_video(clip, style_image, tmp_path / "out.mp4", alpha=0.8, progress=lambda done, total: calls.append((done, total)))
    frames, fps, duration, audio = decoded(tmp_path / "out.mp4")
    _, source_fps, source_duration, _ = decoded(clip)
    assert frames.shape == (12, 48, 64, 3)
    assert (fps, audio) == (source_fps, "aac")
    assert duration == pytest.approx(source_duration, abs=0.05)
    assert calls == [(4, 12), (8, 12), (12, 12)]  # the stylizer's batch size
    assert (info.width, info.height) == (64, 48)


def test_plain_mode_matches_stylize_frame_by_frame(stylizer: Stylizer, style_image: Image.Image, clip: Path) -> None:
    frames = next(read_batches(clip, batch_size=4))
    video = VideoStylizer(stylizer, style_image, alpha=0.7, stable=False)
    expected = torch.stack([stylizer.stylize(frame.float() / 255, style_image, alpha=0.7) for frame in frames])
    torch.testing.assert_close(video(frames), expected, atol=1e-4, rtol=1e-4)


def test_options_of_stylize_apply_to_video(stylizer: Stylizer, style_image: Image.Image, second_style: Image.Image, clip: Path, tmp_path: Path) -> None:
    mask = Image.new("L", (64, 48), 0)
    mask.paste(255, (0, 0, 32, 48))
    stylizer.stylize_video(clip, [style_image, second_style], tmp_path / "masked.mkv", mask=mask, preserve_color=True, stable=True)
    stylizer.stylize_video(clip, [style_image, second_style], tmp_path / "mixed.mp4", weights=[0.3, 0.7], size=33)
    assert decoded(tmp_path / "masked.mkv")[0].shape == (12, 48, 64, 3)
    assert decoded(tmp_path / "mixed.mp4")[0].shape == (12, 34, 44, 3)  # 44 x 33, the odd side padded to even


def test_stable_mode_lowers_flicker_at_a_similar_style(stylizer: Stylizer, style_image: Image.Image) -> None:
    # A still scene with sensor noise: per-frame AdaIN turns the noise into changing texture.
    generator = torch.Generator().manual_seed(0)
    base = torch.from_numpy(moving_shapes(frames=1)[0]).permute(2, 0, 1).float() / 255
    content = (base + 0.02 * torch.randn(8, *base.shape, generator=generator)).clamp(0, 1)
    plain = VideoStylizer(stylizer, style_image, stable=False)(content)
    stable = VideoStylizer(stylizer, style_image, stable=True)(content)
    floor = flicker(content, torch.zeros_like(content))  # a frozen output: only the noise itself counts
    assert flicker(content, stable) - floor < 0.25 * (flicker(content, plain) - floor)
    style = TF.to_dtype(TF.pil_to_tensor(style_image), torch.float32, scale=True)[None]
    encoder = stylizer.network.encoder
    assert style_strength(stable, content, style, encoder).median() > style_strength(plain, content, style, encoder).median() - 0.05


def test_scene_cut_restarts_the_blend(stylizer: Stylizer, style_image: Image.Image) -> None:
    content = torch.from_numpy(moving_shapes(frames=8, cut_at=5)).permute(0, 3, 1, 2)
    temporal = TemporalBlend()
    VideoStylizer(stylizer, style_image, stable=temporal)(content)
    assert temporal.cuts == [0, 5]


def test_exception_mid_clip_leaves_no_partial_file(stylizer: Stylizer, style_image: Image.Image, clip: Path, tmp_path: Path) -> None:
    def interrupt(done: int, total: int | None) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        stylizer.stylize_video(clip, style_image, tmp_path / "out.mp4", progress=interrupt)
    assert list(tmp_path.iterdir()) == []


def test_bad_arguments_are_clear_errors_before_any_output(stylizer: Stylizer, style_image: Image.Image, clip: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\]"):
        stylizer.stylize_video(clip, style_image, tmp_path / "out.mp4", alpha=2)
    with pytest.raises(ValueError, match="mask: size 10x10 does not match the content's size 64x48"):
        stylizer.stylize_video(clip, style_image, tmp_path / "out.mp4", mask=Image.new("L", (10, 10)))
    with pytest.raises(VideoError, match="not a readable video"):
        (tmp_path / "fake.mp4").write_bytes(b"nothing")
        stylizer.stylize_video(tmp_path / "fake.mp4", style_image, tmp_path / "out.mp4")
    with pytest.raises(TypeError, match="stable must be True, False or a TemporalBlend"):
        VideoStylizer(stylizer, style_image, stable="yes")  # type: ignore[arg-type]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["fake.mp4"]


def test_every_style_model_stylizes_a_clip(clip: Path, tmp_path: Path) -> None:
    """The CLI's video path with Magenta's networks: presets by index and an image style."""
    from stylesynth.cli import main

    for model, style in (("magenta-26", "7"), ("magenta-arbitrary", str(Path(__file__).resolve().parents[2] / "examples" / "styles" / "mosaic.jpg"))):
        out = tmp_path / f"{model}.mp4"
        assert main(["stylize", str(clip), "--model", model, "-s", style, "--device", "cpu", "-o", str(out), "-q"]) == 0
        frames, *_ = decoded(out)
        assert frames.shape == (12, 48, 64, 3)
