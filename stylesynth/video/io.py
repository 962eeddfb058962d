"""Video files through PyAV (FFmpeg): streaming decode in batches, re-encode, audio kept, atomic output.

Frames are decoded one packet at a time and handed on in batches of ``batch_size``, so a clip is
never held in memory whole. The output keeps the source's frame timestamps (so its frame rate,
constant or variable, and its duration) and its first audio track: copied packet for packet where
the output container accepts the codec, re-encoded (AAC; Opus for WebM) where it does not.

Frame sizes: H.264 and VP9 store colour at half resolution (4:2:0), which needs even sides. A frame
with an odd width or height is padded by one column or row, copied from its right or bottom edge;
even sizes go through unchanged.

What is checked before any frame is processed (by :func:`probe` and at the start of
:func:`transcode`): the input is a regular file (a FIFO or device is refused from its ``stat``,
never opened), it is not a still image (:func:`stylesynth.io.images.image_format` decides, by
content; FFmpeg's image readers and one-frame image codecs are refused too), it is not shorter
than its container's structure declares (:func:`stylesynth.io.containers.declared_shortfall`), it
has a video stream, and its first frame decodes. A container's frame count and duration are hints
(used for progress only): a variable-frame-rate clip has fewer frames than duration × rate, and
every frame it holds comes through. Data that is damaged further on is a decode error, reported
when it is reached.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import torch
from torch import Tensor

from ..io.atomic import atomic_output
from ..io.containers import declared_shortfall
from ..io.files import refuse_special_file
from ..io.images import image_format

__all__ = [
    "OUTPUT_FORMATS",
    "VideoError",
    "VideoInfo",
    "is_video",
    "probe",
    "read_batches",
    "transcode",
]

#: Output file suffixes and their (FFmpeg muxer, video encoder, audio encoder, audio codecs copied as they are).
OUTPUT_FORMATS: dict[str, tuple[str, str, str, frozenset[str]]] = {
    ".mp4": ("mp4", "libx264", "aac", frozenset({"aac", "mp3", "alac", "opus", "ac3", "eac3", "flac"})),
    ".m4v": ("mp4", "libx264", "aac", frozenset({"aac", "mp3", "alac", "ac3", "eac3"})),
    ".mov": ("mov", "libx264", "aac", frozenset({"aac", "mp3", "alac", "ac3", "pcm_s16le", "pcm_s24le", "pcm_f32le"})),
    ".mkv": ("matroska", "libx264", "aac", frozenset({"aac", "mp3", "opus", "vorbis", "flac", "alac", "ac3", "eac3", "pcm_s16le", "pcm_s24le", "pcm_f32le"})),
    ".webm": ("webm", "libvpx-vp9", "libopus", frozenset({"opus", "vorbis"})),
}

#: FFmpeg demuxers that read still images: such files are images, not videos.
_IMAGE_DEMUXERS = ("image2", "_pipe", "gif", "apng", "webp")
#: ISO brands of still-image files (AVIF, HEIF) that FFmpeg opens as a video stream.
_IMAGE_BRANDS = frozenset({"avif", "avis", "avio", "heic", "heix", "heim", "heis", "mif1", "msf1"})
#: Codecs of still pictures: a stream of one frame in one of these is an image.
_IMAGE_CODECS = frozenset({"png", "apng", "mjpeg", "jpeg2000", "libopenjpeg", "bmp", "tiff", "webp", "libwebp", "gif", "ppm", "pgm", "pam", "qoi", "jpegxl", "libjxl", "exr", "hdr", "dpx", "targa", "pcx", "sgi"})
#: What a video input is expected to be, as messages say it.
_EXPECTED = "a video file such as .mp4, .mov, .mkv or .webm"

#: Called after each batch with (frames done, frames expected or None when the file does not say).
Progress = Callable[[int, int | None], None]
#: Turns a uint8 ``(N, 3, H, W)`` batch of frames into a float ``(N, 3, H', W')`` batch in [0, 1].
BatchFunction = Callable[[Tensor], Tensor]


class VideoError(ValueError):
    """A file that is not a usable video: unreadable, truncated, without a video stream, or without frames."""


@dataclass(frozen=True)
class VideoInfo:
    """What a video file holds: size in pixels, frame rate, frame count and duration (``None`` where unknown)."""

    width: int
    height: int
    fps: Fraction
    frames: int | None
    duration: float | None
    audio: str | None  # the first audio track's codec, or None

    @property
    def expected_frames(self) -> int | None:
        """The frame count the file announces, or estimates from its duration; ``None`` if neither is known.

        A hint for progress only: a variable-frame-rate clip may hold fewer (or more) frames.
        """
        if self.frames:
            return self.frames
        if self.duration and self.fps:
            return round(self.duration * float(self.fps))
        return None


def _check_file(source: Path) -> None:
    """What can be told without FFmpeg: a regular file, not an image, not shorter than its container says."""
    refuse_special_file(source, str(source), _EXPECTED, VideoError)  # from its stat: opening a FIFO blocks
    if not source.is_file():
        raise VideoError(f"{source}: no such file")
    still = image_format(source)
    if still is not None:
        raise VideoError(f"{source}: is an image ({still}), not a video; expected {_EXPECTED}")
    try:
        shortfall = declared_shortfall(source)
    except OSError as error:
        raise VideoError(f"{source}: the file cannot be read ({_reason(error)})") from None
    if shortfall is not None:
        kind, declared, present = shortfall
        raise VideoError(
            f"{source}: truncated: the file has {present:,} bytes, but its {kind} structure declares {declared:,}; "
            "the download or copy is incomplete"
        )


def _still_image(container: av.container.InputContainer) -> str | None:
    """How FFmpeg shows that a file it opened is a still image (its reader, brand or codec), or None."""
    if any(marker in container.format.name for marker in _IMAGE_DEMUXERS):
        return container.format.name
    brand = str(container.metadata.get("major_brand", "")).strip().lower()
    if brand in _IMAGE_BRANDS:
        return f"{brand.upper()} image"
    videos = container.streams.video
    if videos and videos[0].frames == 1 and videos[0].codec_context.name in _IMAGE_CODECS:
        return f"one {videos[0].codec_context.name} picture"
    return None


def _open(path: str | os.PathLike) -> av.container.InputContainer:
    source = Path(path)
    _check_file(source)
    try:
        container = av.open(str(source))
    except (av.error.FFmpegError, UnicodeDecodeError) as error:
        raise VideoError(f"{source}: not a readable video ({_reason(error)}); expected {_EXPECTED}") from None
    still = _still_image(container)
    if still is not None:
        container.close()
        raise VideoError(f"{source}: is an image ({still}), not a video; expected {_EXPECTED}")
    if not container.streams.video:
        kinds = ", ".join(sorted({stream.type for stream in container.streams})) or "nothing"
        container.close()
        raise VideoError(f"{source}: has no video stream (it holds {kinds}); expected a file with a video track")
    return container


def _first_frame(container: av.container.InputContainer, source: Path) -> None:
    """Decodes frames until the first one comes out: a stream that cannot start is refused before any work."""
    try:
        for _ in container.decode(container.streams.video[0]):
            return
    except av.error.FFmpegError as error:
        raise VideoError(f"{source}: the first frame cannot be decoded: the video data is corrupt ({_reason(error)})") from None
    raise VideoError(f"{source}: the video stream holds no frames")


def _reason(error: Exception) -> str:
    return getattr(error, "strerror", None) or str(error)


def _info(container: av.container.InputContainer) -> VideoInfo:
    stream = container.streams.video[0]
    fps = stream.average_rate or stream.guessed_rate or Fraction(25)
    if stream.duration is not None and stream.time_base is not None:
        duration: float | None = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        duration = container.duration / av.time_base
    else:
        duration = None
    audio = container.streams.audio[0].codec_context.name if container.streams.audio else None
    return VideoInfo(stream.codec_context.width, stream.codec_context.height, Fraction(fps), stream.frames or None, duration, audio)


def probe(path: str | os.PathLike) -> VideoInfo:
    """Size, frame rate, frame count, duration and audio codec of a video file, read from its header,
    after the checks of this module's notes (its first frame is decoded).

    Raises:
        VideoError: the file is missing, not a regular file, an image, truncated, has no video stream,
            or its first frame does not decode.
    """
    with _open(path) as container:
        info = _info(container)
        _first_frame(container, Path(path))
        return info


def is_video(path: str | os.PathLike) -> bool:
    """Whether FFmpeg reads ``path`` as a video container with a video stream (still images are not videos)."""
    try:
        probe(path)
    except VideoError:
        return False
    return True


def _to_tensor(frames: list[av.VideoFrame]) -> Tensor:
    return torch.from_numpy(np.stack([frame.to_ndarray(format="rgb24") for frame in frames])).permute(0, 3, 1, 2)


def _decoded(container: av.container.InputContainer, source: Path, streams: list) -> Iterator[av.Packet | av.VideoFrame]:
    """Demuxes ``streams``; yields video frames (decoded) and other streams' packets; a decode error is a VideoError."""
    video = container.streams.video[0]
    count = 0
    try:
        for packet in container.demux(*streams):
            if packet.stream.index != video.index:
                yield packet
                continue
            for frame in packet.decode():
                count += 1
                yield frame
    except av.error.FFmpegError as error:
        raise VideoError(f"{source}: the video data is corrupt or truncated after {count} frame(s) ({_reason(error)})") from None
    if count == 0:
        raise VideoError(f"{source}: the video stream holds no frames")


def read_batches(path: str | os.PathLike, batch_size: int = 8) -> Iterator[Tensor]:
    """The frames of a video as uint8 RGB ``(N, 3, H, W)`` tensors of up to ``batch_size`` frames, streamed.

    Raises:
        VideoError: as :func:`probe`, and for corrupt or truncated data or a stream without frames.
    """
    source = Path(path)
    with _open(source) as container:
        batch: list[av.VideoFrame] = []
        for frame in _decoded(container, source, [container.streams.video[0]]):
            batch.append(frame)
            if len(batch) == batch_size:
                yield _to_tensor(batch)
                batch = []
        if batch:
            yield _to_tensor(batch)


def _output_format(path: Path, suffix: str | None = None) -> tuple[str, str, str, frozenset[str]]:
    suffix = (suffix or path.suffix).lower()
    try:
        return OUTPUT_FORMATS[suffix]
    except KeyError:
        raise VideoError(f"{path}: unsupported output type {suffix or '(none)'!r}; expected one of {', '.join(OUTPUT_FORMATS)}") from None


def even_size(width: int, height: int) -> tuple[int, int]:
    """The encoded size of a ``width x height`` frame: each odd side one pixel larger (4:2:0 chroma)."""
    return width + width % 2, height + height % 2


class _Encoder:
    """The output container's video and audio streams; frames keep their source timestamps."""

    def __init__(self, container: av.container.OutputContainer, source: av.container.InputContainer, video_codec: str, audio_codec: str, copyable: frozenset[str]) -> None:
        self.container = container
        self.source_video = source.streams.video[0]
        self.fps = self.source_video.average_rate or self.source_video.guessed_rate or Fraction(25)
        self.time_base = self.source_video.time_base or Fraction(1, 90000)
        self.frame_step = max(1, round(1 / (self.fps * self.time_base)))
        self.last_pts: int | None = None
        self.video: av.VideoStream | None = None  # made with the first frame, once its size is known
        self.size: tuple[int, int] = (0, 0)
        self.video_codec = video_codec
        self.audio_in = source.streams.audio[0] if source.streams.audio else None
        self.audio_out = None
        self.copy_audio = False
        self.pending_audio: list[av.Packet] = []
        if self.audio_in is not None:
            if self.audio_in.codec_context.name in copyable:
                self.audio_out = container.add_stream_from_template(self.audio_in)
                self.copy_audio = True
            else:
                rate = 48000 if audio_codec == "libopus" else self.audio_in.codec_context.sample_rate or 48000  # Opus runs at 48 kHz
                self.audio_out = container.add_stream(audio_codec, rate=rate)

    def _video_stream(self, width: int, height: int) -> av.VideoStream:
        stream = self.container.add_stream(self.video_codec, rate=self.fps)
        stream.width, stream.height = even_size(width, height)
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = self.time_base
        stream.options = {"crf": "18", "preset": "fast"} if self.video_codec == "libx264" else {"crf": "30", "b": "0", "deadline": "realtime", "cpu-used": "8"}
        return stream

    def write_frames(self, frames: Tensor, timestamps: list[int | None]) -> None:
        """``frames``: float ``(N, 3, H, W)`` in [0, 1]; ``timestamps``: each frame's source pts."""
        pixels = frames.detach().float().clamp(0, 1).mul(255).round().to(torch.uint8).cpu()
        if pixels.shape[-1] % 2 or pixels.shape[-2] % 2:
            pixels = torch.nn.functional.pad(pixels.float(), (0, pixels.shape[-1] % 2, 0, pixels.shape[-2] % 2), mode="replicate").to(torch.uint8)
        if self.video is None:
            self.size = tuple(frames.shape[-2:])
            self.video = self._video_stream(frames.shape[-1], frames.shape[-2])
        elif tuple(frames.shape[-2:]) != self.size:
            raise ValueError(f"frames changed size from {self.size[1]}x{self.size[0]} to {frames.shape[-1]}x{frames.shape[-2]} within one video")
        array = pixels.permute(0, 2, 3, 1).contiguous().numpy()
        for image, pts in zip(array, timestamps, strict=True):
            if pts is None or (self.last_pts is not None and pts <= self.last_pts):
                pts = 0 if self.last_pts is None else self.last_pts + self.frame_step
            self.last_pts = pts
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts, frame.time_base = pts, self.time_base
            self.container.mux(self.video.encode(frame))

    def write_audio(self, packet: av.Packet) -> None:
        if self.video is None:  # the container starts with its first packet: every stream must exist by then
            self.pending_audio.append(packet)
            return
        for pending in self.pending_audio:
            self._write_audio(pending)
        self.pending_audio.clear()
        self._write_audio(packet)

    def _write_audio(self, packet: av.Packet) -> None:
        if self.copy_audio:
            if packet.dts is None:  # the demuxer's empty flush packet
                return
            packet.stream = self.audio_out
            self.container.mux(packet)
        else:
            for frame in packet.decode():
                self.container.mux(self.audio_out.encode(frame))

    def close(self) -> None:
        for pending in self.pending_audio:
            self._write_audio(pending)
        if self.video is not None:
            self.container.mux(self.video.encode(None))
        if self.audio_out is not None and not self.copy_audio:
            self.container.mux(self.audio_out.encode(None))


def transcode(
    source: str | os.PathLike,
    output: str | os.PathLike,
    process: BatchFunction,
    batch_size: int = 8,
    progress: Progress | None = None,
    suffix: str | None = None,
    overwrite: bool = True,
) -> VideoInfo:
    """Streams ``source`` through ``process`` in batches of frames and writes the result to ``output``.

    The output container comes from ``output``'s suffix (see :data:`OUTPUT_FORMATS`): H.264 (VP9 for
    ``.webm``), each frame at its source timestamp, plus the source's first audio track. It is written
    under a temporary name in ``output``'s folder and renamed when complete; on any error, including
    ``KeyboardInterrupt``, nothing is left at ``output`` (an existing file there is kept as it was).

    Args:
        process: uint8 ``(N, 3, H, W)`` frames -> float ``(N, 3, H', W')`` in [0, 1]; the output size is
            the first batch's (odd sides padded to even, see the module's notes) and must not change.
        progress: called after each batch with (frames done, frames expected or ``None``).
        suffix: the output type when ``output``'s own name does not say it (e.g. ``".mp4"`` for a
            temporary file name).
        overwrite: replace an existing ``output`` (the default); ``False`` creates it exclusively, so
            an existing file, or one another program writes meanwhile, is an
            :class:`~stylesynth.io.atomic.OutputExistsError` and is kept.

    Returns:
        The output file's :class:`VideoInfo`.

    Raises:
        VideoError: an unreadable, truncated or frameless source, or an unsupported output suffix.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    source_path, output_path = Path(source), Path(output)
    muxer, video_codec, audio_codec, copyable = _output_format(output_path, suffix)
    if output_path.resolve() == source_path.resolve():
        raise VideoError(f"{output_path}: the output would overwrite its own source; choose another output name")
    probe(source_path)  # every check before the work, the first frame decoded
    with _open(source_path) as container:
        expected = _info(container).expected_frames
        streams = [container.streams.video[0], *container.streams.audio[:1]]
        with atomic_output(output_path, overwrite=overwrite) as temporary, av.open(str(temporary), "w", format=muxer) as out:
            encoder = _Encoder(out, container, video_codec, audio_codec, copyable)
            batch: list[av.VideoFrame] = []
            done = 0

            def flush() -> None:
                nonlocal batch, done
                result = process(_to_tensor(batch))
                encoder.write_frames(result, [frame.pts for frame in batch])
                done += len(batch)
                batch = []
                if progress is not None:
                    progress(done, expected)

            for item in _decoded(container, source_path, streams):
                if isinstance(item, av.VideoFrame):
                    batch.append(item)
                    if len(batch) == batch_size:
                        flush()
                else:
                    encoder.write_audio(item)
            if batch:
                flush()
            encoder.close()
    return probe(output_path)
