"""The video tab: upload a clip, pick a style and options, follow the progress, get the stylized clip.

Clips are limited in length (:attr:`AppConfig.max_video_seconds`, said on the tab) because every frame
goes through the network: on a CPU that is seconds per frame. The length is the container's
duration; a file that states none (a raw ``.h264`` stream) is measured by decoding its frames
before the work, stopping as soon as it is past the limit. The work runs in Gradio's queue and
reports frames done through ``gr.Progress``; the result keeps the clip's frame rate and audio.
Messages name the clip by its own file name, never by the server's temporary upload path.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Generator
from pathlib import Path
from typing import Any, cast

import gradio as gr

from .catalog import ModelStore, default_device, first_image_style
from .config import AppConfig, example_files
from .errors import Inline, InputError, cleared, message_line, reported
from .uploads import image_input, open_upload, upload_name

#: Frames decoded at a time while a clip without a stated duration is measured.
COUNT_BATCH = 16


def named(message: str, upload: str) -> str:
    """``message`` with the server's path of ``upload`` replaced by the upload's own file name."""
    return message.replace(str(upload), upload_name(upload)).replace(str(Path(upload).resolve()), upload_name(upload))


def check_length(clip: str, fps: float, max_seconds: float) -> None:
    """Decodes the frames of ``clip`` (a file that states no duration) until it is known to be at most
    ``max_seconds`` long at ``fps``; an :class:`InputError` as soon as it is longer, before any work."""
    from stylesynth.video import read_batches

    limit = math.floor(max_seconds * fps + 1e-9)
    count = 0
    batches = cast("Generator[Any, None, None]", read_batches(clip, batch_size=COUNT_BATCH))  # a generator: closed to stop decoding
    try:
        for batch in batches:
            count += int(batch.shape[0])
            if count > limit:
                raise InputError(
                    f"{upload_name(clip)} states no duration and holds more than {limit} frames ({limit / fps:.1f} s at {fps:g} fps); "
                    f"this app stylizes clips of up to {max_seconds:g} s (cut it shorter, or use the command line: "
                    "stylesynth stylize clip.mp4 --style s.jpg -o out.mp4)"
                )
    finally:
        batches.close()  # stops decoding, closes the file


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
            try:
                return self.run(clip, style, alpha, preserve_color, size, stable, checkpoint, progress)
            except ValueError as error:
                raise InputError(named(str(error), clip) if clip else str(error)) from None

    def run(self, clip: str | None, style: str | None, alpha: float, preserve_color: bool, size: float, stable: bool, checkpoint: str | None, progress: Any) -> str:
        from stylesynth.video import probe

        if clip is None:
            raise InputError("No video: upload a clip (MP4, MOV, MKV or WebM), or click an example")
        if style is None:
            raise InputError("No style image: upload one, or click an example")
        info = probe(clip)
        name = upload_name(clip)
        if info.duration is not None and info.duration > self.max_seconds:
            raise InputError(f"{name} is {info.duration:.1f} s long; this app stylizes clips of up to {self.max_seconds:g} s (cut it shorter, or use the command line: stylesynth stylize clip.mp4 --style s.jpg -o out.mp4)")
        if info.width * info.height > self.max_pixels:
            raise InputError(f"The frames of {name} are {info.width}x{info.height} = {info.width * info.height:,} pixels; at most {self.max_pixels:,} are accepted")
        style_image = open_upload(style, "The style image", self.max_pixels)
        if info.duration is None:
            progress(0.0, desc="Measuring the clip")
            check_length(clip, float(info.fps), self.max_seconds)
        progress(0.0, desc="Loading the style model")
        stylizer = self.models.get("style", checkpoint)
        output = Path(tempfile.mkdtemp(prefix="stylesynth-video-")) / f"{Path(name).stem}-stylized.mp4"

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
        clips, style_files = example_files("video", (".mp4",)), example_files("styles")
        with gr.Row(equal_height=True):
            with gr.Column():
                clip = gr.Video(label="Clip", sources=["upload"], format=None, height=320, elem_id="video-input")
            with gr.Column():
                result = gr.Video(label="Stylized clip", interactive=False, height=320, buttons=["download"], elem_id="video-output")
                message = message_line("video-message")
        with gr.Row():
            with gr.Column():
                style = image_input(
                    "The style image", config.max_input_pixels,
                    label="Style image", sources=["upload", "clipboard"], height=200, elem_id="video-style",
                )
                if clips and style_files:
                    rows = [[clips[index % len(clips)], style_files[index % len(style_files)]] for index in range(max(len(clips), 2))]
                    gr.Examples(rows, inputs=[clip, style], label="Examples: click one, then Stylize video", elem_id="video-examples")
                elif style_files:
                    gr.Examples([[path] for path in style_files], inputs=[style], label="Example styles", elem_id="video-examples")
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
        api_trigger = gr.Button(visible=False, elem_id="video-api")
        work = VideoStylization(models, config.max_input_pixels, config.max_video_seconds)
        inputs = [clip, style, alpha, preserve, size, stable, model_choice]
        button.click(cleared, outputs=message, queue=False, api_visibility="private").then(
            Inline(work), inputs=inputs, outputs=[result, message], api_visibility="private",
        )
        api_trigger.click(work, inputs=inputs, outputs=result, api_name="stylize_video")
