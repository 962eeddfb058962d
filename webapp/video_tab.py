"""The video tab: upload a clip, pick a style and options, follow the progress, get the stylized clip.

Clips are limited in length (:attr:`AppConfig.max_video_seconds`, said on the tab) because every frame
goes through the network: on a CPU that is seconds per frame. The work runs in Gradio's queue and
reports frames done through ``gr.Progress``; the result keeps the clip's frame rate and audio.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from .catalog import ModelStore, default_device, first_image_style
from .config import AppConfig, example_files
from .errors import InputError, reported
from .uploads import open_upload


class VideoStylization:
    """The tab's work, on the models of a :class:`ModelStore`, for clips of at most ``max_seconds`` and ``max_pixels`` a frame."""

    def __init__(self, models: ModelStore, max_pixels: int, max_seconds: float) -> None:
        self.models = models
        self.max_pixels = max_pixels
        self.max_seconds = max_seconds

    def __call__(
        self,
        clip: str | None,
        style: str | None,
        alpha: float,
        preserve_color: bool,
        size: float,
        stable: bool,
        checkpoint: str | None,
        progress: gr.Progress = gr.Progress(),
    ) -> str:
        """Stylizes the uploaded clip with the style image; returns the path of the stylized MP4."""
        with reported("a smaller output size", default_device()):
            return self.run(clip, style, alpha, preserve_color, size, stable, checkpoint, progress)

    def run(self, clip: str | None, style: str | None, alpha: float, preserve_color: bool, size: float, stable: bool, checkpoint: str | None, progress: Any) -> str:
        from stylesynth.video import probe

        if clip is None:
            raise InputError("No video: upload a clip (MP4, MOV, MKV or WebM), or click an example")
        if style is None:
            raise InputError("No style image: upload one, or click an example")
        info = probe(clip)
        if info.duration is not None and info.duration > self.max_seconds:
            raise InputError(f"The clip is {info.duration:.1f} s long; this app stylizes clips of up to {self.max_seconds:g} s (cut it shorter, or use the command line: stylesynth stylize clip.mp4 --style s.jpg -o out.mp4)")
        if info.width * info.height > self.max_pixels:
            raise InputError(f"The clip's frames are {info.width}x{info.height} = {info.width * info.height:,} pixels; at most {self.max_pixels:,} are accepted")
        style_image = open_upload(style, "The style image", self.max_pixels)
        progress(0.0, desc="Loading the style model")
        stylizer = self.models.get("style", checkpoint)
        output = Path(tempfile.mkdtemp(prefix="stylesynth-video-")) / f"{Path(clip).stem}-stylized.mp4"

        def frames_done(done: int, total: int | None) -> None:
            progress((done, total) if total else None, desc=f"Stylizing: frame {done}" + (f" of {total}" if total else ""), unit="frames")

        stylizer.stylize_video(clip, style_image, output, alpha=float(alpha), preserve_color=bool(preserve_color), size=int(size), stable=bool(stable), progress=frames_done)
        return str(output)


def build(config: AppConfig, models: ModelStore) -> None:
    """The tab's controls and events, inside the current ``gr.Blocks``."""
    catalog = config.catalog
    with gr.Tab("Video", id="video"):
        gr.Markdown(
            f"Stylize a clip of up to **{config.max_video_seconds:g} seconds** (longer ones: `stylesynth stylize clip.mp4 "
            "--style s.jpg -o out.mp4` on the command line). The result keeps the frame rate and the sound. "
            "*Stable* carries the picture over where the scene holds still, so it does not flicker."
        )
        with gr.Row(equal_height=True):
            clip = gr.Video(label="Clip", sources=["upload"], format=None, height=320, elem_id="video-input")
            result = gr.Video(label="Stylized clip", interactive=False, height=320, buttons=["download"], elem_id="video-output")
        with gr.Row():
            style = gr.Image(label="Style image", type="filepath", sources=["upload", "clipboard"], height=200, elem_id="video-style")
            with gr.Column():
                alpha = gr.Slider(0, 1, value=1.0, step=0.05, label="Strength α (0: the content, 1: full style)")
                preserve = gr.Checkbox(value=False, label="Preserve the content's colours")
                stable = gr.Checkbox(value=True, label="Stable (less flicker)")
                size = gr.Slider(
                    32, config.max_output_side, value=min(config.default_output_side, 256), step=16,
                    label="Output size (shorter side, pixels)", elem_id="video-size",
                )
                model_choice = gr.Dropdown(choices=catalog.image_styles(), value=first_image_style(catalog), label="Style model")
                button = gr.Button("Stylize video", variant="primary", elem_id="video-button")
        style_files = example_files("styles")
        if style_files:
            gr.Examples([[path] for path in style_files], inputs=[style], label="Example styles")
        button.click(
            VideoStylization(models, config.max_input_pixels, config.max_video_seconds),
            inputs=[clip, style, alpha, preserve, size, stable, model_choice],
            outputs=result,
            api_name="stylize_video",
        )
