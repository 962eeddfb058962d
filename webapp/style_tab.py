"""The style-transfer tab: a content image (with an optional painted mask), up to four style images
mixed by weight, and the stylized result."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import gradio as gr
from PIL import Image

from stylesynth.io import image_size
from stylesynth.validation import style_weights

from . import canvas
from .catalog import ModelStore, default_device
from .config import AppConfig, example_files
from .errors import InputError, reported
from .results import own_file, result_image
from .uploads import image_editor, open_upload, upright_rgb

#: Style images that can be mixed; each has a weight slider and a mask colour.
MAX_STYLES = 4
#: Brush colours that paint the region of style 1, 2, … on the content, and their names.
STYLE_COLOURS = ("#e6194b", "#3cb4f0", "#3cd250", "#ffe119")
STYLE_COLOUR_NAMES = ("red", "blue", "green", "yellow")


def style_paths(gallery: list[Any] | None) -> list[str]:
    """File paths of the gallery's images, in order."""
    return [str(item[0] if isinstance(item, (tuple, list)) else item) for item in gallery or []]


def mix(weights: Sequence[float | None], count: int) -> list[float]:
    """The first ``count`` slider values as the library's style weights (an empty slider counts as 0)."""
    return style_weights([float(weight or 0.0) for weight in list(weights)[:count]], count, "The style weights")


def weights_note(gallery: list[Any] | None, *weights: float) -> str:
    """The line under the sliders: the weights actually used, as percentages (with two or more styles)."""
    count = len(style_paths(gallery))
    if count < 2:
        return ""
    try:
        shares = mix(weights, count)
    except ValueError as error:
        return f"⚠️ {error}"
    parts = ", ".join(f"style {index + 1}: **{share:.0%}**" for index, share in enumerate(shares))
    return f"Mix used (weights normalized to sum to 1; a painted mask overrides them): {parts}"


def slider_updates(gallery: list[Any] | None) -> list[Any]:
    """One visible weight slider per style image, when there are two or more."""
    count = len(style_paths(gallery))
    return [gr.update(visible=count >= 2 and index < count) for index in range(MAX_STYLES)]


def editor_value(background: str | None) -> dict[str, Any] | None:
    """An ImageEditor value with ``background`` and one empty paint layer of its size (without a layer there is
    nothing to paint on)."""
    if not background:
        return None
    return {"background": background, "layers": [Image.new("RGBA", image_size(background), (0, 0, 0, 0))], "composite": None}


def example_chosen(content: str | None, gallery: list[Any] | None) -> list[Any]:
    """Puts an example's content into the editor (fresh, nothing painted); equal weights, one slider per style.

    Examples fill a hidden image and this sets the editor from it: an ImageEditor filled by the
    examples directly keeps sending the canvas it had before (Gradio 6.31), and a gallery filled by
    them fires no change event for the sliders.
    """
    count = len(style_paths(gallery))
    sliders = [gr.update(visible=count >= 2 and index < count, value=1.0) for index in range(MAX_STYLES)]
    return [editor_value(content), *sliders, weights_note(gallery, *([1.0] * MAX_STYLES))]


@dataclass(frozen=True)
class StyleTransfer:
    """The tab's work, on the models of a :class:`ModelStore`, for uploads of at most ``max_pixels``."""

    models: ModelStore
    max_pixels: int

    def __call__(
        self,
        content: dict[str, Any] | None,
        styles: list[Any] | None,
        weight_1: float,
        weight_2: float,
        weight_3: float,
        weight_4: float,
        alpha: float,
        preserve_color: bool,
        size: float,
        checkpoint: str | None,
        progress: gr.Progress = gr.Progress(),
    ) -> Image.Image:
        """Stylizes the content editor's image with the gallery's style images; returns the stylized image.

        ``content`` is the editor's value (``background``: the photo, ``layers``: the painted mask);
        ``size`` is the output's shorter side in pixels.
        """
        with reported("a smaller output size", default_device()):
            return self.run(content, styles, (weight_1, weight_2, weight_3, weight_4), alpha, preserve_color, size, checkpoint, progress)

    def run(
        self,
        content: dict[str, Any] | None,
        styles: list[Any] | None,
        weights: Sequence[float],
        alpha: float,
        preserve_color: bool,
        size: float,
        checkpoint: str | None,
        progress: Callable[..., Any],
    ) -> Image.Image:
        background = (content or {}).get("background")
        if background is None:
            raise InputError("No content image: upload one, take one with the webcam, paste one, or click an example")
        content_image = upright_rgb(background, "The content image", self.max_pixels)
        paths = style_paths(styles)
        if not paths:
            raise InputError("No style image: add one or more images to the style gallery, or click an example")
        if len(paths) > MAX_STYLES:
            raise InputError(f"{len(paths)} style images given; at most {MAX_STYLES} can be mixed, remove some")
        style_images = [open_upload(path, f"Style image {index + 1}", self.max_pixels) for index, path in enumerate(paths)]
        shares = mix(weights, len(paths))
        masks = canvas.style_masks(
            (content or {}).get("layers") or [], content_image.size, len(paths),
            [canvas.hex_to_rgb(colour) for colour in STYLE_COLOURS], STYLE_COLOUR_NAMES,
        )
        options: dict[str, Any] = {"alpha": float(alpha), "preserve_color": bool(preserve_color), "size": int(size)}
        if masks is not None:
            options["mask"] = masks if len(masks) > 1 else masks[0]
        elif len(paths) > 1:
            options["weights"] = shares
        progress(0.1, desc="Loading the AdaIN model")
        stylizer = self.models.get("adain", checkpoint)
        progress(0.4, desc="Stylizing")
        return own_file(stylizer.stylize(content_image, style_images if len(style_images) > 1 else style_images[0], **options))


def build(config: AppConfig, models: ModelStore) -> None:
    """The tab's controls and events, inside the current ``gr.Blocks``."""
    catalog, pixels = config.catalog, config.max_input_pixels
    with gr.Tab("Style transfer", id="style"):
        with gr.Row(equal_height=True):
            with gr.Column():
                content = image_editor(
                    "The content image", pixels, "Style mask",
                    label="Content image — paint on it to place the styles",
                    sources=("upload", "webcam", "clipboard"),
                    brush=gr.Brush(colors=list(STYLE_COLOURS), default_color=STYLE_COLOURS[1], color_mode="fixed"),
                    transforms=("crop",),
                    elem_id="content",
                )
            with gr.Column():
                stylized = result_image("Stylized", "stylized")
        gr.Markdown(
            "**Mask (optional):** paint on the content with "
            + ", ".join(
                f'<span style="color:{colour}">■</span> {name} for style {index + 1}'
                for index, (colour, name) in enumerate(zip(STYLE_COLOURS, STYLE_COLOUR_NAMES))
            )
            + "; unpainted areas take style 1. With a single style image, paint where it goes (in any colour): "
            "the rest keeps the content. Without a mask the styles are mixed by their weights."
        )
        with gr.Row():
            with gr.Column():
                styles = gr.Gallery(
                    label=f"Style images (up to {MAX_STYLES})",
                    type="filepath",
                    file_types=["image"],
                    interactive=True,
                    columns=4,
                    height=200,
                    elem_id="styles",
                )
                weights = [
                    gr.Slider(
                        0, 1, value=1.0, step=0.05, label=f"Weight of style {index + 1}",
                        visible=False, elem_id=f"weight-{index + 1}",
                    )
                    for index in range(MAX_STYLES)
                ]
                note = gr.Markdown("")
            with gr.Column():
                alpha = gr.Slider(0, 1, value=1.0, step=0.05, label="Strength α (0: the content, 1: full style)")
                preserve = gr.Checkbox(value=False, label="Preserve the content's colours")
                size = gr.Slider(
                    32, config.max_output_side, value=config.default_output_side, step=16,
                    label="Output size (shorter side, pixels)", elem_id="output-size",
                )
                adain_choice = gr.Dropdown(choices=list(catalog.adain), value=catalog.default_adain, label="AdaIN checkpoint")
                stylize_button = gr.Button("Stylize", variant="primary", elem_id="stylize-button")
        contents, style_files = example_files("content"), example_files("styles")
        if contents and style_files:
            rows = [[contents[index % len(contents)], [style_files[index % len(style_files)]]] for index in range(len(contents))]
            if len(style_files) >= 2:
                rows.append([contents[0], style_files[:2]])
            example_content = gr.Image(type="filepath", visible=False, label="Content image")
            examples = gr.Examples(
                rows, inputs=[example_content, styles], label="Examples: click one, then Stylize", elem_id="style-examples"
            )
            examples.load_input_event.then(
                example_chosen, inputs=[example_content, styles], outputs=[content, *weights, note],
                queue=False, api_visibility="private",
            )

        styles.change(slider_updates, inputs=styles, outputs=weights, api_visibility="private", queue=False)
        for control in [styles, *weights]:
            control.change(weights_note, inputs=[styles, *weights], outputs=note, api_visibility="private", queue=False)
        stylize_button.click(
            StyleTransfer(models, pixels),
            inputs=[content, styles, *weights, alpha, preserve, size, adain_choice],
            outputs=stylized,
            api_name="stylize",
        )
