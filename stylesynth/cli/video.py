"""Video inputs of ``stylesynth stylize``: recognized by their container, written by streaming, with progress.

A content file is a video when FFmpeg (PyAV) reads it as a video container with a video stream
(a still image is not a video, whatever its name). Folders are searched for image and video
files alike. A video's output keeps its suffix if it is one of :data:`stylesynth.video.OUTPUT_FORMATS`
and becomes ``.mp4`` otherwise; ``-o clip.mp4`` names the output of a single video.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..io.images import IMAGE_EXTENSIONS
from . import CLIError

#: File name suffixes a folder search picks up as possible videos (the container decides).
VIDEO_EXTENSIONS = (".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".ts", ".m2ts", ".3gp", ".ogv", ".wmv", ".flv")
#: Output suffixes of videos (the same as :data:`stylesynth.video.OUTPUT_FORMATS`, readable without PyAV).
VIDEO_OUTPUTS = (".mp4", ".m4v", ".mov", ".mkv", ".webm")

#: Writes one output file to the (temporary) path it is given.
Writer = Callable[[Path], object]


def _video_module() -> Any:
    try:
        from .. import video
    except ImportError:  # the video extra is not installed
        return None
    return video


def is_video(path: Path) -> bool:
    """Whether ``path`` is a video by its container.

    A file named like a video that is no usable video is a ``VideoError`` naming the problem, and so
    is any file named like a video where PyAV is not installed.
    """
    video = _video_module()
    if video is None:
        if path.suffix.lower() in VIDEO_EXTENSIONS:
            raise CLIError(f"{path} looks like a video, and videos need PyAV: pip install 'stylesynth[video]'")
        return False
    if path.suffix.lower() in IMAGE_EXTENSIONS:
        return False  # image files go through the image path, which names what is wrong with them
    if path.suffix.lower() in VIDEO_EXTENSIONS:
        video.probe(path)  # named like a video: if it is not a usable one, say why (a VideoError)
        return True
    return bool(video.is_video(path))


def output_formats(path: Path, videos: set[Path]) -> tuple[Sequence[str], str]:
    """The suffixes the output of input ``path`` may have, and the one it gets otherwise."""
    return (VIDEO_OUTPUTS, ".mp4") if path in videos else (IMAGE_EXTENSIONS, ".png")


def probe_size(path: Path) -> tuple[int, int]:
    """``(width, height)`` of a video's frames, read from its header (a ``VideoError`` for a bad file)."""
    info = _video_module().probe(path)
    return info.width, info.height


def writer(stylizer: Any, source: Path, target: Path, options: dict[str, Any], quiet: bool) -> Writer:
    """A function that streams ``source`` stylized into a given (temporary) path, the type of ``target``."""
    from ..video.stylize import stylize_video

    def write(path: Path) -> object:
        started = time.perf_counter()

        def progress(done: int, total: int | None) -> None:
            fps = done / max(time.perf_counter() - started, 1e-9)
            of = f"/{total}" if total else ""
            print(f"\rstylize {source.name[:40]}: frame {done}{of}, {fps:.1f} FPS", end="", file=sys.stderr, flush=True)

        try:
            return stylize_video(stylizer, source, output=path, suffix=target.suffix, progress=None if quiet else progress, **options)
        finally:
            if not quiet:
                print(file=sys.stderr)

    return write
