"""The paint-a-scene tab: a canvas painted in a SPADE checkpoint's class colours (or an uploaded
colour-coded label map), a style from an image or a seed, and the synthesized scene."""

from __future__ import annotations

import html
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr
from PIL import Image

from stylesynth.data.segmentation import ClassList
from stylesynth.validation import check_seeds

from . import canvas as painting
from .catalog import ModelStore, default_device
from .config import AppConfig, example_files
from .errors import Inline, InputError, cleared, message_line, reported, user_error
from .results import own_file, result_image
from .style_tab import editor_value
from .uploads import image_editor, image_input, open_upload

#: Seeds the seed field takes (the library takes up to 2**63 - 1; a browser's number field does not).
MAX_UI_SEED = 2**31 - 1


def hex_colours(classes: ClassList) -> list[str]:
    """The class colours as ``#rrggbb`` strings, the brush's palette."""
    return ["#{:02x}{:02x}{:02x}".format(*colour) for colour in classes.colours]


def text_colour(colour: tuple[int, int, int]) -> str:
    """Black or white, whichever reads better on ``colour`` (by its relative luminance, WCAG's formula)."""

    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in colour)
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    # contrast with black (L + 0.05) / 0.05 against white 1.05 / (L + 0.05): black wins above L ≈ 0.179
    return "#000000" if luminance > 0.179 else "#ffffff"


def legend_html(classes: ClassList) -> str:
    """Swatches in the brush's colours with the class names written on them, legible on any colour (black or
    white text by luminance; a dark border, so that white classes such as cloud stand out on a white page)."""
    items = "".join(
        f'<span class="class-swatch" style="display:inline-block;margin:2px 6px 2px 0;padding:2px 8px;border:1px solid #00000080;'
        f'border-radius:4px;background:{hex_colour};color:{text_colour(rgb)};font-weight:600">{html.escape(name)}</span>'
        for name, hex_colour, rgb in zip(classes.names, hex_colours(classes), classes.colours)
    )
    return f"<div><b>Classes</b> (the brush's colours; unpainted canvas: {html.escape(classes.names[0])}):<br>{items}</div>"


def scene_brush(classes: ClassList) -> gr.Brush:
    """A brush that paints only in the class colours."""
    colours = hex_colours(classes)
    return gr.Brush(colors=colours, default_color=colours[-1], color_mode="fixed")


def new_seed() -> int:
    """A fresh random seed, for "new random style"."""
    return random.randrange(MAX_UI_SEED + 1)


@dataclass(frozen=True)
class SceneSynthesis:
    """The tab's work, on the models of a :class:`ModelStore`, for uploads of at most ``max_pixels``."""

    models: ModelStore
    max_pixels: int

    def __call__(
        self,
        canvas: dict[str, Any] | None,
        style: str | None,
        seed: float | None,
        checkpoint: str | None,
        progress: gr.Progress = gr.Progress(),
    ) -> Image.Image:
        """Synthesizes an image of the label map painted on ``canvas``, at its size.

        The style comes from the image file ``style`` when given (checkpoints with a style encoder), else from ``seed``.
        """
        with reported("a smaller label map", default_device()):
            return self.run(canvas, style, seed, checkpoint, progress)

    def run(
        self,
        canvas: dict[str, Any] | None,
        style: str | None,
        seed: float | None,
        checkpoint: str | None,
        progress: Callable[..., Any],
    ) -> Image.Image:
        classes = self.models.classes(checkpoint)
        canvas = canvas or {}
        labels = painting.canvas_labels(canvas.get("background"), canvas.get("layers") or [], classes)
        if seed is None:  # the field's bounds and precision are checked by Gradio; empty is not
            raise InputError(f"Enter a seed (a whole number from 0 to {MAX_UI_SEED}) or press 'New random style'")
        seeds = check_seeds(int(seed), 1, "The seed")
        style_image = open_upload(style, "The style image", self.max_pixels) if style is not None else None
        progress(0.1, desc="Loading the SPADE model")
        synthesizer = self.models.get("spade", checkpoint)
        if style_image is not None and not synthesizer.has_style_encoder:
            raise InputError(
                f"The SPADE checkpoint {checkpoint!r} has no style encoder, so it cannot copy a style image; "
                "clear the style image and pick a seed instead"
            )
        progress(0.4, desc="Synthesizing")
        return own_file(synthesizer.synthesize(labels, style=style_image, seed=seeds[0]))


def build(config: AppConfig, models: ModelStore) -> None:
    """The tab's controls and events, inside the current ``gr.Blocks``."""
    catalog, pixels = config.catalog, config.max_input_pixels
    with gr.Tab("Paint a scene", id="scene"):
        classes = models.classes(catalog.default_spade) if catalog.spade else None
        scene_examples = example_files("scenes", (".png",))
        with gr.Row(equal_height=True):
            with gr.Column():
                canvas_editor = image_editor(
                    "The label map", pixels, "Paint",
                    value=scene_examples[0] if scene_examples else None,
                    label="Label map — paint with the class colours, or upload a colour-coded label map",
                    sources=("upload", "clipboard"),
                    brush=scene_brush(classes) if classes else False,
                    transforms=(),
                    elem_id="scene-canvas",
                )
                if scene_examples:
                    example_scene = image_input("The example label map", pixels, visible=False, label="Label map")
                    examples = gr.Examples(
                        [[path] for path in scene_examples], inputs=[example_scene], label="Example label maps: click one",
                        elem_id="scene-examples",
                    )
            with gr.Column():
                scene = result_image("Synthesized", "scene")
                message = message_line("scene-message")
        legend = gr.HTML(legend_html(classes) if classes else "No SPADE checkpoint was found.", elem_id="legend")
        with gr.Row():
            with gr.Column():
                scene_style = image_input(
                    "The style image", pixels,
                    label="Style image (optional)", sources=["upload", "clipboard"], height=200, elem_id="scene-style",
                )
            with gr.Column():
                seed = gr.Number(
                    value=0, precision=0, minimum=0, maximum=MAX_UI_SEED,
                    label="Seed: picks the style when there is no style image",
                )
                random_button = gr.Button("New random style", elem_id="random-style")
                spade_choice = gr.Dropdown(choices=list(catalog.spade), value=catalog.default_spade, label="SPADE checkpoint")
                synthesize_button = gr.Button("Synthesize", variant="primary", elem_id="synthesize-button")
        if scene_examples:
            examples.load_input_event.then(
                editor_value, inputs=example_scene, outputs=canvas_editor, queue=False, api_visibility="private"
            )

        synthesize = SceneSynthesis(models, pixels)
        synthesize_inputs = [canvas_editor, scene_style, seed, spade_choice]
        synthesize_button.click(cleared, outputs=message, queue=False, api_visibility="private").then(
            Inline(synthesize), inputs=synthesize_inputs, outputs=[scene, message], api_visibility="private",
        )
        random_button.click(new_seed, outputs=seed, api_visibility="private", queue=False).then(
            cleared, outputs=message, queue=False, api_visibility="private",
        ).then(Inline(synthesize), inputs=synthesize_inputs, outputs=[scene, message], api_visibility="private")
        # the API's endpoint: the same work, raising its message (gradio_client raises it as an AppError)
        api_trigger = gr.Button(visible=False, elem_id="scene-api")
        api_trigger.click(synthesize, inputs=synthesize_inputs, outputs=scene, api_name="synthesize")

        def on_checkpoint(name: str | None) -> tuple[str, Any]:
            try:
                chosen = models.classes(name)
            except ValueError as error:
                raise user_error(error) from None
            return legend_html(chosen), gr.update(brush=scene_brush(chosen))

        spade_choice.change(on_checkpoint, inputs=spade_choice, outputs=[legend, canvas_editor], api_visibility="private", queue=False)
