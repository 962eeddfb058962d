"""Short clips written with PyAV directly (not through stylesynth), so the tests check our reader and writer against FFmpeg."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np


def moving_shapes(frames: int = 12, width: int = 64, height: int = 48, cut_at: int | None = None) -> np.ndarray:
    """``(T, H, W, 3)`` uint8: a square and a bar moving over a gradient; from ``cut_at`` on, another scene."""
    ys, xs = np.mgrid[0:height, 0:width]
    clip = np.empty((frames, height, width, 3), np.uint8)
    for index in range(frames):
        second_scene = cut_at is not None and index >= cut_at
        image = np.stack([xs * 255 // width, ys * 255 // height, np.full_like(xs, 200 if second_scene else 60)], -1)
        if second_scene:
            image = 255 - image // 2
        x = (index * 3) % (width - 16)
        image[8:24, x : x + 16] = (250, 220, 30)
        image[height - 12 : height - 6, :] = (20, 20, 20) if index % 2 else (40, 40, 40)
        clip[index] = image
    return clip


def write_clip(path: Path, frames: np.ndarray, fps: int = 12, audio: bool = False, codec: str = "libx264") -> Path:
    """Encodes ``frames`` (``(T, H, W, 3)`` uint8, even sides) at ``fps``; with ``audio``, a 440 Hz sine track as long as the video."""
    with av.open(str(path), "w") as container:
        video = container.add_stream(codec, rate=fps)
        video.width, video.height, video.pix_fmt = frames.shape[2], frames.shape[1], "yuv420p"
        sound = container.add_stream("aac", rate=44100) if audio else None
        if sound is not None:
            sound.layout = "mono"
        for index, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = index
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        if sound is not None:
            rate = 44100
            samples = (0.3 * np.sin(2 * np.pi * 440 * np.arange(rate * len(frames) // fps) / rate)).astype(np.float32)
            for start in range(0, len(samples), 1024):
                chunk = av.AudioFrame.from_ndarray(samples[None, start : start + 1024], format="flt", layout="mono")
                chunk.sample_rate, chunk.pts = rate, start
                container.mux(sound.encode(chunk))
            container.mux(sound.encode(None))
    return path


def audio_only(path: Path) -> Path:
    """A file with one sine audio track and no video."""
    with av.open(str(path), "w") as container:
        sound = container.add_stream("aac", rate=44100)
        sound.layout = "mono"
        samples = np.sin(np.arange(44100) / 10).astype(np.float32)
        for start in range(0, len(samples), 1024):
            chunk = av.AudioFrame.from_ndarray(samples[None, start : start + 1024], format="flt", layout="mono")
            chunk.sample_rate, chunk.pts = 44100, start
            container.mux(sound.encode(chunk))
        container.mux(sound.encode(None))
    return path


def decoded(path: Path) -> tuple[np.ndarray, float, float, str | None]:
    """All frames ``(T, H, W, 3)``, the average frame rate, the video duration in seconds, and the audio codec."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(stream)])
        audio = container.streams.audio[0].codec_context.name if container.streams.audio else None
        duration = float(stream.duration * stream.time_base) if stream.duration else container.duration / av.time_base
        return frames, float(stream.average_rate), duration, audio
