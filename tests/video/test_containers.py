"""What a video input is, decided before the work: variable frame rates pass in every container, truncation
is read from the container's declared sizes, images (AVIF stills, PNGs named .mp4) are not videos, and
FIFOs are refused without being opened (issue 24.1, 5, 10)."""

from __future__ import annotations

import os
import threading
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
import torch
from PIL import Image, features

from stylesynth.io.atomic import OutputExistsError
from stylesynth.video import VideoError, is_video, probe, read_batches, transcode

from .clips import decoded, moving_shapes, write_clip

CONTAINERS = [(".mkv", "libx264"), (".mp4", "libx264"), (".mov", "libx264"), (".webm", "libvpx-vp9")]


def identity(frames: torch.Tensor) -> torch.Tensor:
    return frames.float() / 255


def never_called(frames: torch.Tensor) -> torch.Tensor:
    raise AssertionError("the work started on a file that should have been refused before it")


def vfr_clip(path: Path, codec: str, frames: int = 12) -> list[int]:
    """A clip whose frames are 33 ms or 250 ms apart (a phone's variable frame rate), at a nominal 30 fps; returns the pts (ms)."""
    timestamps, pts = [], 0
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=30)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        for index, image in enumerate(moving_shapes(frames)):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts, frame.time_base = pts, Fraction(1, 1000)
            timestamps.append(pts)
            container.mux(stream.encode(frame))
            pts += 33 if index % 3 else 250
        container.mux(stream.encode(None))
    return timestamps


def frame_times(path: Path) -> list[float]:
    with av.open(str(path)) as container:
        return [float(frame.time) for frame in container.decode(video=0)]


@pytest.mark.parametrize(("suffix", "codec"), CONTAINERS, ids=[suffix for suffix, _ in CONTAINERS])
def test_variable_frame_rate_clips_come_through_whole(tmp_path: Path, suffix: str, codec: str) -> None:
    """Matroska announces about 38 frames for this 12-frame clip (duration × nominal rate): a hint, not a contract."""
    source = tmp_path / f"vfr{suffix}"
    timestamps = vfr_clip(source, codec)
    assert sum(batch.shape[0] for batch in read_batches(source, batch_size=5)) == 12
    out = tmp_path / f"out{suffix}"
    transcode(source, out, identity, batch_size=5)
    assert len(decoded(out)[0]) == 12
    assert frame_times(out) == pytest.approx([t / 1000 for t in timestamps], abs=0.002)  # the irregular timing is kept


def test_the_announced_frame_count_of_the_mkv_is_more_than_it_holds(tmp_path: Path) -> None:
    """The case of issue 24.1 exactly: the header's estimate is far above the 12 frames the file holds."""
    source = tmp_path / "vfr.mkv"
    vfr_clip(source, "libx264")
    assert probe(source).expected_frames > 30
    calls: list[tuple[int, int | None]] = []
    transcode(source, tmp_path / "out.mp4", identity, batch_size=4, progress=lambda done, total: calls.append((done, total)))
    assert [done for done, _ in calls] == [4, 8, 12]


def faststart_mp4(path: Path) -> Path:
    """An MP4 whose index (moov) comes first, so a cut copy still opens: only its declared box sizes tell."""
    with av.open(str(path), "w", options={"movflags": "faststart"}) as container:
        stream = container.add_stream("libx264", rate=12)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for index, image in enumerate(moving_shapes(48)):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


@pytest.mark.parametrize("fraction", [0.4, 0.7, 0.95, 0.995])
@pytest.mark.parametrize("kind", ["mkv", "webm", "faststart-mp4"])
def test_a_truncated_file_is_refused_before_any_frame_is_processed(tmp_path: Path, kind: str, fraction: float) -> None:
    """FFmpeg reads a cut Matroska file to its end without an error; its Segment's declared size tells."""
    if kind == "faststart-mp4":
        whole = faststart_mp4(tmp_path / "whole.mp4")
    else:
        whole = write_clip(tmp_path / f"whole.{kind}", moving_shapes(48), codec="libvpx-vp9" if kind == "webm" else "libx264")
    data = whole.read_bytes()
    cut = tmp_path / f"cut{whole.suffix}"
    cut.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(VideoError, match=rf"cut\{whole.suffix}: truncated: the file has [\d,]+ bytes, but its .* structure declares [\d,]+"):
        probe(cut)
    with pytest.raises(VideoError, match="truncated"):
        transcode(cut, tmp_path / "out.mp4", never_called)
    assert not (tmp_path / "out.mp4").exists()
    assert probe(whole).width == 64  # the whole file passes the same check


def test_damaged_video_data_is_a_decode_error_not_a_pass(tmp_path: Path) -> None:
    """Sizes intact, frame data overwritten with noise in the middle: FFmpeg's error, never a silent short clip."""
    whole = faststart_mp4(tmp_path / "whole.mp4")
    data = bytearray(whole.read_bytes())
    noise = np.random.default_rng(0).integers(0, 256, len(data) // 3, dtype=np.uint8).tobytes()
    start = len(data) // 2
    data[start : start + len(noise)] = noise
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(bytes(data))
    try:
        frames = sum(batch.shape[0] for batch in read_batches(damaged))
    except VideoError as error:
        assert "corrupt" in str(error)
    else:  # H.264 conceals some damage: then every frame must still be there
        assert frames == 48


def avif(path: Path, frames: int = 1) -> Path:
    images = [Image.new("RGB", (32, 24), (40 * index, 90, 200)) for index in range(frames)]
    images[0].save(path, format="AVIF", save_all=frames > 1, append_images=images[1:], duration=100)
    return path


needs_avif = pytest.mark.skipif(not features.check("avif"), reason="this Pillow has no AVIF support")


@needs_avif
@pytest.mark.parametrize("frames", [1, 3], ids=["still", "animated"])
def test_an_avif_image_is_not_a_video_whatever_its_name(tmp_path: Path, frames: int) -> None:
    for name in ("image.avif", "image.mp4", "image"):
        path = avif(tmp_path / name, frames)
        assert not is_video(path)
        with pytest.raises(VideoError, match=r"is an image \(AVIF\), not a video"):
            probe(path)


@pytest.mark.parametrize("fmt", ["PNG", "GIF", "WEBP", "JPEG"])
def test_an_image_named_like_a_video_is_an_image(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "clip.mp4"
    Image.new("RGB", (32, 24), "red").save(path, format=fmt)
    assert not is_video(path)
    with pytest.raises(VideoError, match=rf"is an image \({fmt}\), not a video"):
        transcode(path, tmp_path / "out.mp4", never_called)


def test_a_one_frame_video_is_still_a_video(tmp_path: Path) -> None:
    """One H.264 frame is a (very short) video: only image codecs, brands and readers make a one-frame file an image."""
    source = write_clip(tmp_path / "one.mp4", moving_shapes(1))
    assert is_video(source)
    transcode(source, tmp_path / "out.mp4", identity)
    assert len(decoded(tmp_path / "out.mp4")[0]) == 1


def returns_within(seconds: float, function, *args) -> BaseException | None:
    """Runs ``function(*args)`` in a thread; fails the test if it blocks; returns what it raised."""
    outcome: list[BaseException | None] = []

    def call() -> None:
        try:
            function(*args)
        except BaseException as error:  # noqa: BLE001 - handed to the test
            outcome.append(error)
        else:
            outcome.append(None)

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"{function.__name__} blocked on {args[0]}"
    return outcome[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
@pytest.mark.parametrize("name", ["pipe.mp4", "pipe.mkv", "pipe"])
def test_a_fifo_is_refused_without_being_opened(tmp_path: Path, name: str) -> None:
    fifo = tmp_path / name
    os.mkfifo(fifo)
    for call in (probe, is_video, lambda path: list(read_batches(path)), lambda path: transcode(path, tmp_path / "out.mp4", never_called)):
        error = returns_within(5, call, fifo)
        if call is is_video:
            assert error is None
        else:
            assert isinstance(error, VideoError) and "is a FIFO (named pipe), not a regular file" in str(error), error
    assert not (tmp_path / "out.mp4").exists()


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_device_is_refused(device: str) -> None:
    if not Path(device).exists():
        pytest.skip(f"no {device}")
    error = returns_within(5, probe, Path(device))
    assert isinstance(error, VideoError) and "is a character device" in str(error)


def test_output_names_up_to_the_limit_work_and_longer_ones_are_refused_before_the_work(tmp_path: Path) -> None:
    source = write_clip(tmp_path / "clip.mkv", moving_shapes(4))
    limit = os.pathconf(tmp_path, "PC_NAME_MAX")
    longest = tmp_path / ("v" * (limit - 4) + ".mp4")
    transcode(source, longest, identity)
    assert len(decoded(longest)[0]) == 4
    too_long = tmp_path / ("v" * (limit - 3) + ".mp4")
    with pytest.raises(OSError, match=rf"is {limit + 1} bytes, more than the {limit} bytes"):
        transcode(source, too_long, never_called)
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(["clip.mkv", longest.name])


def test_exclusive_output_keeps_an_existing_file(tmp_path: Path) -> None:
    source = write_clip(tmp_path / "clip.mkv", moving_shapes(4))
    target = tmp_path / "out.mp4"
    target.write_bytes(b"someone else's")
    with pytest.raises(OutputExistsError, match="already exists"):
        transcode(source, target, never_called, overwrite=False)
    assert target.read_bytes() == b"someone else's"
    transcode(source, target, identity)  # the default replaces
    assert len(decoded(target)[0]) == 4
