"""The live webcam tab: the camera's frames streamed to the server, stylized as they come, with the FPS achieved.

Each browser session keeps a :class:`LiveSession`: its settings, a :class:`stylesynth.video.stylize.VideoStylizer`
(style encoded once, the stable mode's state), and the timing behind the FPS shown. Frames are
stylized at a small size (the shorter side, a slider) so that a CPU keeps up; a GPU takes more.

The queue: each stream is one long job of Gradio's queue that takes the browser's frames as they
come. Streams run in a concurrency group of their own (:data:`CONCURRENCY_ID`, up to
:data:`MAX_STREAMS` at once), not in the default group of one job at a time: a stream that a
client abandons without closing (Gradio waits for its next frame until :data:`TIME_LIMIT`) holds
only its own slot, and the next visitor's stream starts at once. A browser tab that is closed ends
its stream within Gradio's heartbeat (15 s). Frames over the app's pixel limit are refused before
they are decoded (:func:`webapp.uploads.check_image_uploads`) and again here before any work.

Memory: a session's state (a few small tensors: the style's code and the last stylized frame) is
dropped :data:`SESSION_LIFETIME` seconds after its last frame, so at most the sessions of that
window are kept.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import gradio as gr
import numpy as np
import torch

from stylesynth.io.images import check_pixels
from stylesynth.video.stylize import VideoStylizer

from .catalog import ModelStore, default_device, first_image_style
from .config import AppConfig, example_files
from .errors import reported
from .uploads import check_image_uploads, image_input, open_upload

#: How often the browser sends a frame, in seconds.
STREAM_EVERY = 0.1
#: Seconds a stream runs before it stops by itself (press Record again to continue).
TIME_LIMIT = 120
#: The queue's concurrency group of the streams, apart from the other tabs' work.
CONCURRENCY_ID = "webcam"
#: Streams served at once; more wait in the queue.
MAX_STREAMS = 8
#: A session's state is dropped this many seconds after its last frame.
SESSION_LIFETIME = 300
#: Pixels a webcam frame may have (unless the app's limit is larger): a 4K camera's 3840x2160. Browsers send the
#: camera's full frames (Chromium's test camera: 1920x1440), so the app's limit for uploads, which a test or a
#: small server may set far lower, would refuse every frame; a 5000x5000 frame is still refused.
FRAME_PIXELS = 3840 * 2160
#: How the stream's frames are named in messages.
FRAME = "The webcam frame"


@dataclass
class LiveSession:
    """One browser's stream: the stylizer for its current settings and frame size, and its timing."""

    settings: tuple[Any, ...] = ()
    frames: VideoStylizer | None = None
    intervals: list[float] = field(default_factory=list)
    last: float | None = None

    def fps(self) -> float:
        """Frames per second over the last (up to) 10 frames."""
        recent = self.intervals[-10:]
        return len(recent) / sum(recent) if recent and sum(recent) > 0 else 0.0


class LiveStylization:
    """The stream's work: one webcam frame in, the stylized frame, the FPS line and the session out."""

    def __init__(self, models: ModelStore, max_pixels: int, frame_pixels: int | None = None) -> None:
        """``max_pixels``: the limit of the style image (and of frames, unless ``frame_pixels`` is given)."""
        self.models = models
        self.max_pixels = max_pixels
        self.frame_pixels = frame_pixels or max_pixels

    def __call__(
        self, frame: np.ndarray | None, style: str | None, alpha: float, size: float, stable: bool, checkpoint: str | None, session: LiveSession | None
    ) -> tuple[np.ndarray | None, str, LiveSession]:
        """Stylizes one frame (``(H, W, 3)`` uint8) with the session's settings; a frame over the pixel limit is
        refused before any work, naming the limit."""
        session = session or LiveSession()
        if frame is None:
            return None, "Waiting for the camera…", session
        with reported("a smaller size", default_device()):
            check_pixels(int(frame.shape[1]), int(frame.shape[0]), FRAME, self.frame_pixels)
            if style is None:
                return frame, "Add a style image (or click an example style) to stylize the stream", session
            settings = (style, float(alpha), int(size), bool(stable), checkpoint, frame.shape)
            if settings != session.settings or session.frames is None:
                stylizer = self.models.get("style", checkpoint)
                style_image = open_upload(style, "The style image", self.max_pixels)
                session.frames = VideoStylizer(stylizer, style_image, alpha=float(alpha), size=min(int(size), min(frame.shape[:2])), stable=bool(stable))
                session.settings, session.intervals, session.last = settings, [], None
            pixels = torch.from_numpy(np.ascontiguousarray(frame[..., :3])).permute(2, 0, 1)[None]
            output = session.frames(pixels)[0]
        now = time.perf_counter()
        if session.last is not None:
            session.intervals = [*session.intervals[-9:], now - session.last]
        session.last = now
        image = output.mul(255).round().to(torch.uint8).permute(1, 2, 0).numpy()
        return image, f"**{session.fps():.1f} FPS** at {image.shape[1]}×{image.shape[0]} on the {default_device().upper()}", session


def build(config: AppConfig, models: ModelStore) -> None:
    """The tab's controls and the stream, inside the current ``gr.Blocks``."""
    catalog = config.catalog
    small = 256 if default_device() == "cuda" else 96
    with gr.Tab("Live webcam", id="webcam"):
        gr.Markdown(
            "Allow the camera, then press **Record** under it: that starts the live preview (nothing is recorded or "
            "kept; each frame is stylized as it arrives and shown on the right, scaled to the panel). Press it again "
            f"to stop. Frames are stylized at a small size so that the device keeps up; a stream runs for up to {TIME_LIMIT} seconds."
        )
        with gr.Row(equal_height=True):
            camera = check_image_uploads(
                gr.Image(label="Webcam", sources=["webcam"], streaming=True, type="numpy", height=320, elem_id="webcam-input"),
                FRAME, max(config.max_input_pixels, FRAME_PIXELS),
            )
            live = gr.Image(label="Stylized (live)", type="numpy", interactive=False, height=320, elem_id="webcam-output")
        fps = gr.Markdown("", elem_id="webcam-fps")
        with gr.Row():
            with gr.Column():
                style = image_input(
                    "The style image", config.max_input_pixels,
                    label="Style image", sources=["upload", "clipboard"], height=160, elem_id="webcam-style",
                )
                style_files = example_files("styles")
                if style_files:
                    gr.Examples([[path] for path in style_files], inputs=[style], label="Example styles: click one", elem_id="webcam-examples")
            with gr.Column():
                alpha = gr.Slider(0, 1, value=1.0, step=0.05, label="Strength α")
                size = gr.Slider(32, 512, value=small, step=16, label="Size (shorter side, pixels): smaller is faster", elem_id="webcam-size")
                stable = gr.Checkbox(value=True, label="Stable (less flicker)")
                model_choice = gr.Dropdown(choices=catalog.image_styles(), value=first_image_style(catalog), label="Style model")
        session = gr.State(None, time_to_live=SESSION_LIFETIME)
        camera.stream(
            LiveStylization(models, config.max_input_pixels, max(config.max_input_pixels, FRAME_PIXELS)),
            inputs=[camera, style, alpha, size, stable, model_choice, session],
            outputs=[live, fps, session],
            stream_every=STREAM_EVERY,
            time_limit=TIME_LIMIT,
            concurrency_limit=MAX_STREAMS,
            concurrency_id=CONCURRENCY_ID,
            show_progress="hidden",
            api_name="webcam",
        )
