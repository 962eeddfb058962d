"""Video I/O: frames, size, rate, duration and audio kept; bad files are clear VideoErrors; no partial output."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from stylesynth.video import VideoError, probe, read_batches, transcode

from .clips import audio_only, decoded, moving_shapes, write_clip


def identity(frames: torch.Tensor) -> torch.Tensor:
    return frames.float() / 255


@pytest.fixture()
def clip(tmp_path: Path) -> Path:
    return write_clip(tmp_path / "clip.mp4", moving_shapes(), audio=True)


@pytest.mark.parametrize("suffix", [".mp4", ".mkv", ".mov", ".webm"])
def test_transcode_keeps_frames_size_rate_and_audio(clip: Path, tmp_path: Path, suffix: str) -> None:
    out = transcode(clip, tmp_path / f"out{suffix}", identity, batch_size=5)
    frames, fps, duration, audio = decoded(tmp_path / f"out{suffix}")
    source_frames, source_fps, source_duration, _ = decoded(clip)
    assert frames.shape == source_frames.shape == (12, 48, 64, 3)
    assert fps == pytest.approx(source_fps, rel=0.01)
    assert duration == pytest.approx(source_duration, abs=0.1)
    assert audio == ("opus" if suffix == ".webm" else "aac")
    assert (out.width, out.height, out.audio) == (64, 48, audio)
    assert np.abs(frames.astype(int) - source_frames.astype(int)).mean() < 6  # lossy codecs, same picture


def test_transcode_without_audio_writes_no_audio_track(tmp_path: Path) -> None:
    source = write_clip(tmp_path / "silent.mp4", moving_shapes())
    assert transcode(source, tmp_path / "out.mp4", identity).audio is None


def test_odd_output_sizes_are_padded_to_even_by_copying_the_edge(clip: Path, tmp_path: Path) -> None:
    transcode(clip, tmp_path / "odd.mp4", lambda frames: identity(frames)[..., :47, :63])
    frames, *_ = decoded(tmp_path / "odd.mp4")
    assert frames.shape == (12, 48, 64, 3)
    assert np.abs(frames[:, :, 63].astype(int) - frames[:, :, 62].astype(int)).mean() < 6


def test_read_batches_streams_all_frames_in_order(clip: Path) -> None:
    batches = list(read_batches(clip, batch_size=5))
    assert [batch.shape[0] for batch in batches] == [5, 5, 2]
    assert batches[0].dtype == torch.uint8 and batches[0].shape[1:] == (3, 48, 64)
    expected, *_ = decoded(clip)
    assert torch.equal(torch.cat(batches), torch.from_numpy(expected).permute(0, 3, 1, 2))


def test_progress_reports_frames_done_and_expected(clip: Path, tmp_path: Path) -> None:
    calls: list[tuple[int, int | None]] = []
    transcode(clip, tmp_path / "out.mp4", identity, batch_size=5, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(5, 12), (10, 12), (12, 12)]


def test_probe_reads_the_header(clip: Path) -> None:
    info = probe(clip)
    assert (info.width, info.height, info.fps, info.frames, info.audio) == (64, 48, 12, 12, "aac")


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda path: path.write_bytes(b"not a video at all"), "not a readable video"),
        (lambda path: path.write_bytes(b""), "not a readable video"),
        (lambda path: audio_only(path), "has no video stream"),
    ],
    ids=["text", "empty", "audio-only"],
)
def test_bad_inputs_are_clear_errors(tmp_path: Path, make, message: str) -> None:
    source = tmp_path / "bad.mp4"
    make(source)
    with pytest.raises(VideoError, match=message):
        transcode(source, tmp_path / "out.mp4", identity)
    assert list(tmp_path.iterdir()) == [source]


def test_an_image_is_not_a_video(tmp_path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (32, 32)).save(tmp_path / "picture.png")
    with pytest.raises(VideoError, match="is an image"):
        probe(tmp_path / "picture.png")


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(VideoError, match="no such file"):
        probe(tmp_path / "missing.mp4")


@pytest.mark.parametrize("suffix", [".mkv", ".mp4"])
def test_truncated_file_is_an_error_and_leaves_no_output(tmp_path: Path, suffix: str) -> None:
    whole = write_clip(tmp_path / f"whole{suffix}", moving_shapes(frames=48), audio=True)
    data = whole.read_bytes()
    truncated = tmp_path / f"cut{suffix}"
    truncated.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(VideoError, match="truncated|not a readable video"):
        transcode(truncated, tmp_path / "out.mp4", identity)
    assert not (tmp_path / "out.mp4").exists()
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".")]


def test_zero_frames_is_an_error(tmp_path: Path) -> None:
    import av

    empty = tmp_path / "empty.mkv"  # a video track in the header, only audio packets after it
    with av.open(str(empty), "w") as container:
        stream = container.add_stream("libx264", rate=12)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        sound = container.add_stream("aac", rate=44100)
        sound.layout = "mono"
        for start in range(0, 44100, 1024):
            chunk = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="flt", layout="mono")
            chunk.sample_rate, chunk.pts = 44100, start
            container.mux(sound.encode(chunk))
        container.mux(sound.encode(None))
    with pytest.raises(VideoError, match="the video stream holds no frames"):
        transcode(empty, tmp_path / "out.mp4", identity)
    assert not (tmp_path / "out.mp4").exists()


def test_exception_mid_way_leaves_no_file_and_keeps_an_existing_one(clip: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.mp4"
    target.write_bytes(b"previous result")
    seen = 0

    def fail_on_second_batch(frames: torch.Tensor) -> torch.Tensor:
        nonlocal seen
        seen += 1
        if seen == 2:
            raise KeyboardInterrupt
        return identity(frames)

    with pytest.raises(KeyboardInterrupt):
        transcode(clip, target, fail_on_second_batch, batch_size=4)
    assert target.read_bytes() == b"previous result"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["clip.mp4", "out.mp4"]


def test_output_type_comes_from_the_suffix_and_overwriting_the_source_is_refused(clip: Path, tmp_path: Path) -> None:
    with pytest.raises(VideoError, match=r"unsupported output type '\.gif'; expected one of \.mp4"):
        transcode(clip, tmp_path / "out.gif", identity)
    transcode(clip, tmp_path / "temporary.tmp", identity, suffix=".mkv")
    assert decoded(tmp_path / "temporary.tmp")[0].shape == (12, 48, 64, 3)
    with pytest.raises(VideoError, match="overwrite its own source"):
        transcode(clip, clip, identity)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        transcode(clip, tmp_path / "out.mp4", identity, batch_size=0)
