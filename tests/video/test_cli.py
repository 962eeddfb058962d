"""``stylesynth stylize`` with videos: clips and mixed folders, progress with FPS, one-line errors, Ctrl-C leaves nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from stylesynth.cli import main

from .clips import decoded, moving_shapes, write_clip

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def style(tmp_path: Path) -> Path:
    path = tmp_path / "style.png"
    Image.effect_noise((40, 40), 60).convert("RGB").save(path)
    return path


def test_a_clip_keeps_its_frames_rate_and_audio(capsys, checkpoint_dir: Path, style: Path, tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clip.mp4", moving_shapes(), audio=True)
    assert main(["stylize", str(clip), "-s", str(style), "-c", str(checkpoint_dir), "-o", str(tmp_path / "out.mp4")]) == 0
    frames, fps, _, audio = decoded(tmp_path / "out.mp4")
    assert (frames.shape, fps, audio) == ((12, 48, 64, 3), 12.0, "aac")
    err = capsys.readouterr().err
    assert "frame 12/12" in err and "FPS" in err


def test_a_folder_may_mix_images_and_clips(capsys, checkpoint_dir: Path, style: Path, tmp_path: Path) -> None:
    folder = tmp_path / "media"
    folder.mkdir()
    write_clip(folder / "a.mkv", moving_shapes(frames=6))
    write_clip(folder / "b.mov", moving_shapes(frames=6))
    Image.new("RGB", (40, 32), (200, 10, 10)).save(folder / "c.jpg")
    assert main(["stylize", str(folder), "-s", str(style), "-c", str(checkpoint_dir), "-o", str(tmp_path / "out"), "-q", "--no-stable"]) == 0
    written = sorted(path.relative_to(tmp_path / "out").as_posix() for path in (tmp_path / "out").rglob("*") if path.is_file())
    assert written == ["media/a.mkv", "media/b.mov", "media/c.jpg"]
    assert decoded(tmp_path / "out" / "media" / "b.mov")[0].shape == (6, 48, 64, 3)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"not a video", "clip.mp4: not a readable video"),
        (None, "clip.mp4: has no video stream"),
    ],
    ids=["garbage", "audio-only"],
)
def test_a_bad_video_is_one_line_and_exit_code_2(capsys, checkpoint_dir: Path, style: Path, tmp_path: Path, content, message: str) -> None:
    from .clips import audio_only

    clip = tmp_path / "clip.mp4"
    if content is None:
        audio_only(clip)
    else:
        clip.write_bytes(content)
    assert main(["stylize", str(clip), "-s", str(style), "-c", str(checkpoint_dir), "-o", str(tmp_path / "out.mp4")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err
    assert not (tmp_path / "out.mp4").exists()


def test_ctrl_c_during_a_clip_leaves_no_partial_file(checkpoint_dir: Path, style: Path, tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clip.mp4", moving_shapes(frames=96), audio=True)
    out = tmp_path / "out"
    out.mkdir()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "stylesynth.cli", "stylize", str(clip), "-s", str(style), "-c", str(checkpoint_dir), "-o", str(out / "styled.mp4")]
    # a shell's background job inherits SIGINT ignored, and Python then installs no KeyboardInterrupt handler:
    # the child gets the default disposition, as a terminal's Ctrl-C finds it
    process = subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)
    )
    seen = b""
    while b"FPS" not in seen:  # the first batch is written: the output is half-way
        chunk = process.stderr.read(1)
        assert chunk, f"the run ended before any progress: {seen!r}"
        seen += chunk
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=300)
    assert process.returncode == 130, err
    assert b"interrupted; nothing was written" in err
    assert list(out.iterdir()) == []
