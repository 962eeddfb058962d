"""The live webcam tab: the camera's frames streamed to the server, stylized as they come, with the FPS achieved.

Each browser session keeps a :class:`LiveSession`: its settings, a :class:`stylesynth.video.stylize.VideoStylizer`
(style encoded once, the stable mode's state), and the timing behind the FPS shown. Frames are
stylized at a small size (the shorter side, a slider) so that a CPU keeps up; a GPU takes more.
A stream stops after :data:`TIME_LIMIT` seconds (press record again to continue), so one visitor
does not hold the queue.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import gradio as gr
import numpy as np
import torch

from stylesynth.video.stylize import VideoStylizer

from .catalog import ModelStore, default_device, first_image_style
from .config import AppConfig
from .errors import reported
from .uploads import open_upload

#: How often the browser sends a frame, in seconds.
STREAM_EVERY = 0.1
#: Seconds a stream runs before it stops by itself.
TIME_LIMIT = 120


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

    def __init__(self, models: ModelStore, max_pixels: int) -> None:
        self.models = models
        self.max_pixels = max_pixels

    def __call__(
        self, frame: np.ndarray | None, style: str | None, alpha: float, size: float, stable: bool, checkpoint: str | None, session: LiveSession | None
    ) -> tuple[np.ndarray | None, str, LiveSession]:
        session = session or LiveSession()
        if frame is None:
            return None, "Waiting for the camera…", session
        if style is None:
            return frame, "Add a style image to stylize the stream", session
        with reported("a smaller size", default_device()):
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
            "Start the camera and press record: each frame is stylized as it arrives, at a small size so that the "
            f"device keeps up. A stream runs for up to {TIME_LIMIT} seconds."
        )
        with gr.Row(equal_height=True):
            camera = gr.Image(label="Webcam", sources=["webcam"], streaming=True, type="numpy", height=320, elem_id="webcam-input")
            live = gr.Image(label="Stylized", type="numpy", interactive=False, height=320, elem_id="webcam-output")
        fps = gr.Markdown("", elem_id="webcam-fps")
        with gr.Row():
            style = gr.Image(label="Style image", type="filepath", sources=["upload", "clipboard"], height=160, elem_id="webcam-style")
            with gr.Column():
                alpha = gr.Slider(0, 1, value=1.0, step=0.05, label="Strength α")
                size = gr.Slider(32, 512, value=small, step=16, label="Size (shorter side, pixels): smaller is faster", elem_id="webcam-size")
                stable = gr.Checkbox(value=True, label="Stable (less flicker)")
                model_choice = gr.Dropdown(choices=catalog.image_styles(), value=first_image_style(catalog), label="Style model")
        session = gr.State(None)
        camera.stream(
            LiveStylization(models, config.max_input_pixels),
            inputs=[camera, style, alpha, size, stable, model_choice, session],
            outputs=[live, fps, session],
            stream_every=STREAM_EVERY,
            time_limit=TIME_LIMIT,
            api_name="webcam",
        )
