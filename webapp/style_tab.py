"""The style-transfer tab: a content image (with an optional painted mask), up to four style images
or presets mixed by weight, the style model, and the stylized result.

Models that take style images use the style gallery; a model with presets (``magenta-26``) shows
its presets instead: rendered on the current photo as a gallery to pick from, and chosen in a
list (up to four, mixed by the same weight sliders and masks)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import gradio as gr
from PIL import Image

from stylesynth.inference.presets import preset_images
from stylesynth.io import image_size
from stylesynth.validation import style_weights

from . import canvas
from .catalog import Catalog, ModelStore, default_device, read_checkpoint_config, takes_images
from .config import AppConfig, example_files
from .errors import Inline, InputError, cleared, message_line, reported
from .results import own_file, result_image
from .uploads import image_editor, image_input, open_upload, upright_rgb

#: Style images or presets that can be mixed; each has a weight slider and a mask colour.
MAX_STYLES = 4
#: Shorter side of the preset gallery's thumbnails, in pixels.
PRESET_THUMBNAIL = 160
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


def preset_indices(chosen: list[Any] | None) -> list[int]:
    """The preset list's values (``"7"`` or ``7``) as indices, in order."""
    return [int(item) for item in chosen or []]


def preset_count(catalog: Catalog, name: str | None) -> int:
    """How many presets the style model ``name`` has (0 for models that take style images), from its config."""
    if name not in catalog.style or takes_images(catalog.style[name]):
        return 0
    config = read_checkpoint_config(catalog.style[name]) or {}
    count = config.get("num_styles")
    return count if isinstance(count, int) and count > 0 else 0


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
        presets: list[Any] | None = None,
        progress: gr.Progress = gr.Progress(),
    ) -> Image.Image:
        """Stylizes the content editor's image with the gallery's style images (or the chosen presets,
        for a model with presets); returns the stylized image.

        ``content`` is the editor's value (``background``: the photo, ``layers``: the painted mask);
        ``size`` is the output's shorter side in pixels.
        """
        with reported("a smaller output size", default_device()):
            return self.run(content, styles, (weight_1, weight_2, weight_3, weight_4), alpha, preserve_color, size, checkpoint, progress, presets)

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
        presets: list[Any] | None = None,
    ) -> Image.Image:
        background = (content or {}).get("background")
        if background is None:
            raise InputError("No content image: upload one, take one with the webcam, paste one, or click an example")
        content_image = upright_rgb(background, "The content image", self.max_pixels)
        progress(0.1, desc="Loading the style model")
        stylizer = self.models.get("style", checkpoint)
        chosen: list[Any]
        if stylizer.num_presets:
            chosen = preset_indices(presets)
            if not chosen:
                raise InputError(f"No preset chosen: this model paints its {stylizer.num_presets} presets; pick one or more in the presets list (Show the presets to see them)")
            what = "presets"
        else:
            paths = style_paths(styles)
            if not paths:
                raise InputError("No style image: add one or more images to the style gallery, or click an example")
            if len(paths) > MAX_STYLES:
                raise InputError(f"{len(paths)} style images given; at most {MAX_STYLES} can be mixed, remove some")
            chosen = [open_upload(path, f"Style image {index + 1}", self.max_pixels) for index, path in enumerate(paths)]
            what = "style images"
        if len(chosen) > MAX_STYLES:
            raise InputError(f"{len(chosen)} {what} given; at most {MAX_STYLES} can be mixed, remove some")
        shares = mix(weights, len(chosen))
        masks = canvas.style_masks(
            (content or {}).get("layers") or [], content_image.size, len(chosen),
            [canvas.hex_to_rgb(colour) for colour in STYLE_COLOURS], STYLE_COLOUR_NAMES,
        )
        options: dict[str, Any] = {"alpha": float(alpha), "preserve_color": bool(preserve_color), "size": int(size)}
        if masks is not None:
            options["mask"] = masks if len(masks) > 1 else masks[0]
        elif len(chosen) > 1:
            options["weights"] = shares
        progress(0.4, desc="Stylizing")
        return own_file(stylizer.stylize(content_image, chosen if len(chosen) > 1 else chosen[0], **options))


@dataclass(frozen=True)
class PresetPreview:
    """The presets of the selected model rendered small on the content photo, for the preset gallery."""

    models: ModelStore
    max_pixels: int

    def __call__(self, content: dict[str, Any] | None, checkpoint: str | None) -> list[tuple[Image.Image, str]]:
        with reported("a smaller photo", default_device()):
            background = (content or {}).get("background")
            if background is None:
                raise InputError("No content image: upload a photo first; the presets are shown on it")
            stylizer = self.models.get("style", checkpoint)
            if not stylizer.num_presets:
                raise InputError(f"The style model {checkpoint!r} has no presets: it takes style images (choose magenta-26 for presets)")
            photo = upright_rgb(background, "The content image", self.max_pixels)
            return [(image, f"preset {index}") for index, image in enumerate(preset_images(stylizer, photo, PRESET_THUMBNAIL))]


def add_preset(chosen: list[Any] | None, event: gr.SelectData) -> list[str]:
    """Adds the clicked thumbnail's preset to the chosen list (at most :data:`MAX_STYLES`, no repeats)."""
    values = [str(item) for item in chosen or []]
    index = str(event.index)
    if index not in values and len(values) < MAX_STYLES:
        values.append(index)
    return values


def mix_note(catalog: Catalog, name: str | None, gallery: list[Any] | None, presets: list[Any] | None, *weights: float) -> str:
    """:func:`weights_note` for what the model ``name`` uses: its chosen presets, or the gallery's images."""
    return weights_note(list(presets or []) if preset_count(catalog, name) else gallery, *weights)


def presets_chosen(presets: list[Any] | None) -> list[Any]:
    """One visible weight slider per chosen preset, when there are two or more."""
    count = len(preset_indices(presets))
    return [gr.update(visible=count >= 2 and index < count) for index in range(MAX_STYLES)]


def model_chosen(catalog: Catalog, name: str | None, gallery: list[Any] | None, presets: list[Any] | None) -> list[Any]:
    """Shows the style gallery or the presets for model ``name``, and one weight slider per style in use."""
    count = preset_count(catalog, name)
    in_use = len(preset_indices(presets)) if count else len(style_paths(gallery))
    kept = [value for value in (presets or []) if int(value) < count]
    return [
        gr.update(visible=not count),
        gr.update(visible=bool(count)),
        gr.update(value=kept),
        *[gr.update(visible=in_use >= 2 and index < in_use) for index in range(MAX_STYLES)],
    ]


def build(config: AppConfig, models: ModelStore) -> None:
    """The tab's controls and events, inside the current ``gr.Blocks``."""
    catalog, pixels = config.catalog, config.max_input_pixels
    with gr.Tab("Style transfer", id="style"):
        contents, style_files = example_files("content"), example_files("styles")
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
                message = message_line("style-message")
        first_presets = preset_count(catalog, catalog.default_style)
        most_presets = max([preset_count(catalog, name) for name in catalog.style] + [0])
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
                    visible=not first_presets,
                )
                if contents and style_files:
                    rows = [[contents[index % len(contents)], [style_files[index % len(style_files)]]] for index in range(len(contents))]
                    if len(style_files) >= 2:
                        rows.append([contents[0], style_files[:2]])
                    example_content = image_input("The example's content image", pixels, visible=False, label="Content image")
                    examples = gr.Examples(
                        rows, inputs=[example_content, styles], label="Examples: click one, then Stylize", elem_id="style-examples"
                    )
                with gr.Group(visible=bool(first_presets), elem_id="preset-group") as preset_group:
                    preset_list = gr.Dropdown(  # every index any listed model has (the model checks its own range)
                        choices=[str(index) for index in range(most_presets)], value=[], multiselect=True,
                        max_choices=MAX_STYLES, label=f"Presets (up to {MAX_STYLES}, mixed by the weights)", elem_id="presets",
                    )
                    show_presets = gr.Button("Show the presets on this photo", elem_id="show-presets")
                    preset_gallery = gr.Gallery(
                        label="Presets on your photo: click one to add it", columns=6, height=320,
                        allow_preview=False, interactive=False, elem_id="preset-gallery",
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
                model_choice = gr.Dropdown(
                    choices=list(catalog.style), value=catalog.default_style, label="Style model", elem_id="style-model",
                    info="first: the one with the best measured held-out numbers",
                )
                stylize_button = gr.Button("Stylize", variant="primary", elem_id="stylize-button")
                gr.Markdown(
                    "**Mask (optional):** paint on the content with "
                    + ", ".join(
                        f'<span style="color:{colour}">■</span> {name} for style {index + 1}'
                        for index, (colour, name) in enumerate(zip(STYLE_COLOURS, STYLE_COLOUR_NAMES))
                    )
                    + "; unpainted areas take style 1. With a single style image, paint where it goes (in any colour): "
                    "the rest keeps the content. Without a mask the styles are mixed by their weights."
                )
        if contents and style_files:
            examples.load_input_event.then(
                example_chosen, inputs=[example_content, styles], outputs=[content, *weights, note],
                queue=False, api_visibility="private",
            )

        styles.change(slider_updates, inputs=styles, outputs=weights, api_visibility="private", queue=False)
        for control in [styles, preset_list, model_choice, *weights]:
            control.change(
                functools.partial(mix_note, catalog), inputs=[model_choice, styles, preset_list, *weights], outputs=note,
                api_visibility="private", queue=False,
            )
        model_choice.change(
            functools.partial(model_chosen, catalog), inputs=[model_choice, styles, preset_list],
            outputs=[styles, preset_group, preset_list, *weights], api_visibility="private", queue=False,
        )
        preset_list.change(presets_chosen, inputs=preset_list, outputs=weights, api_visibility="private", queue=False)
        preview = PresetPreview(models, pixels)
        show_presets.click(cleared, outputs=message, queue=False, api_visibility="private").then(
            Inline(preview), inputs=[content, model_choice], outputs=[preset_gallery, message], api_visibility="private",
        )
        preset_gallery.select(add_preset, inputs=preset_list, outputs=preset_list, api_visibility="private", queue=False)
        work = StyleTransfer(models, pixels)
        inputs = [content, styles, *weights, alpha, preserve, size, model_choice, preset_list]
        stylize_button.click(cleared, outputs=message, queue=False, api_visibility="private").then(
            Inline(work), inputs=inputs, outputs=[stylized, message], api_visibility="private",
        )
        # the API's endpoints: the same work, raising its message (gradio_client raises it as an AppError)
        api_trigger = gr.Button(visible=False, elem_id="style-api")
        api_trigger.click(work, inputs=inputs, outputs=stylized, api_name="stylize")
        api_trigger.click(preview, inputs=[content, model_choice], outputs=preset_gallery, api_name="presets")
