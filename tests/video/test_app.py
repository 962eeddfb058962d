"""The app's video tab and live webcam stream, through gradio_client and called directly, on the tiny test checkpoint."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import numpy as np
import pytest

from tests.app.conftest import REQUEST_TIMEOUT, checkpoint_root, client, noise_image, served_app  # noqa: F401 - fixtures shared with tests/app
from webapp.catalog import Catalog, ModelStore
from webapp.video_tab import VideoStylization
from webapp.webcam_tab import LiveSession, LiveStylization

from .clips import decoded, moving_shapes, write_clip


@pytest.fixture(scope="module")
def models(checkpoint_root: Path) -> ModelStore:
    return ModelStore(Catalog.build(checkpoint_root))


def test_video_tab_returns_the_clip_stylized_with_rate_duration_and_audio(client, tmp_path: Path) -> None:
    from gradio_client import handle_file

    clip = write_clip(tmp_path / "clip.mp4", moving_shapes(), audio=True)
    style = noise_image(tmp_path / "style.png", (40, 40))
    job = client.submit(
        handle_file(str(clip)), handle_file(str(style)), 1.0, False, 32, True, "adain-tiny", api_name="/stylize_video"
    )
    result = job.result(timeout=REQUEST_TIMEOUT)
    path = result["video"] if isinstance(result, dict) else result
    frames, fps, duration, audio = decoded(Path(path))
    source_frames, source_fps, source_duration, _ = decoded(clip)
    assert frames.shape == (12, 32, 42, 3)  # shorter side 32, as asked
    assert (fps, audio) == (source_fps, "aac")
    assert duration == pytest.approx(source_duration, abs=0.05)


def test_video_longer_than_the_limit_is_refused_with_the_limit(models: ModelStore, tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clip.mp4", moving_shapes(frames=24))  # 2 seconds
    style = noise_image(tmp_path / "style.png", (40, 40))
    work = VideoStylization(models, 300 * 300, max_seconds=1.5)
    with pytest.raises(gr.Error, match=r"2\.0 s long; this app stylizes clips of up to 1\.5 s"):
        work(str(clip), str(style), 1.0, False, 32, True, "adain-tiny", progress=lambda *args, **kwargs: None)


def test_a_file_that_is_not_a_video_is_a_message(models: ModelStore, tmp_path: Path) -> None:
    fake = tmp_path / "clip.mp4"
    fake.write_bytes(b"no video here")
    work = VideoStylization(models, 300 * 300, max_seconds=10)
    with pytest.raises(gr.Error, match="not a readable video"):
        work(str(fake), str(noise_image(tmp_path / "style.png", (40, 40))), 1.0, False, 32, True, "adain-tiny", progress=lambda *args, **kwargs: None)


def test_webcam_frames_come_back_stylized_with_the_fps(models: ModelStore, tmp_path: Path) -> None:
    style = str(noise_image(tmp_path / "style.png", (40, 40)))
    live = LiveStylization(models, 300 * 300)
    frames = moving_shapes(frames=3, width=64, height=48)
    session = None
    for frame in frames:
        image, note, session = live(frame, style, 1.0, 32, True, "adain-tiny", session)
    assert isinstance(session, LiveSession) and image.shape == (32, 42, 3) and image.dtype == np.uint8
    assert "FPS** at 42×32" in note and session.fps() > 0
    passed, note, _ = live(frames[0], None, 1.0, 32, True, "adain-tiny", session)
    assert np.array_equal(passed, frames[0]) and "Add a style image" in note
