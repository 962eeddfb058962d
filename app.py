"""stylesynth's web app: stylize photos (AdaIN) and paint scenes (SPADE) in the browser.

Run ``python app.py`` and open http://127.0.0.1:7860. Options::

    python app.py --adain DIR --spade DIR --host 0.0.0.0 --port 7860 --share

The app imports only ``stylesynth`` and gradio. Checkpoints are found in ``checkpoints/`` (plus the
folders given on the command line), loaded on first use and kept. Every request goes through
Gradio's queue, which runs as many at once as suits the device. Bad input (a file that is not an
image, an image over the size limit, colours that are not classes) is a message in the UI, and the
app keeps serving.
"""

from __future__ import annotations

import argparse
import html
import logging
import random
import threading
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from stylesynth import Stylizer, Synthesizer
from stylesynth.data.segmentation import ClassList
from stylesynth.inference import app_helpers as helpers

if TYPE_CHECKING:  # the images the library takes and returns; the app itself handles none
    from PIL import Image

LOG = logging.getLogger("stylesynth.app")

ROOT = Path(__file__).resolve().parent
CHECKPOINTS = ROOT / "checkpoints"
EXAMPLES = ROOT / "examples"

#: Largest file the server accepts at all (Gradio refuses bigger uploads before they reach the app).
MAX_FILE_SIZE = "50mb"
#: Style images that can be mixed; each has a weight slider and a mask colour.
MAX_STYLES = 4
#: Brush colours that paint the region of style 1, 2, … on the content, and their names.
STYLE_COLOURS = ("#e6194b", "#3cb4f0", "#3cd250", "#ffe119")
STYLE_COLOUR_NAMES = ("red", "blue", "green", "yellow")
#: The checkpoints selected first when present in ``checkpoints/``.
DEFAULT_CHECKPOINTS = {"adain": "adain-default", "spade": "spade-default"}
#: Requests waiting in the queue beyond this are refused ("queue full") rather than kept waiting.
QUEUE_SIZE = 64


class InputError(ValueError):
    """Input the user can fix: the message says what was wrong and what is accepted."""


def user_error(error: Exception) -> gr.Error:
    """The message of ``error`` as a ``gr.Error``, which the UI shows and the client raises."""
    return gr.Error(str(error), title="Please check the input")


def out_of_memory(error: RuntimeError, remedy: str) -> gr.Error | None:
    """The message for an out-of-memory ``error``, suggesting ``remedy``; None for any other error (a bug, left to the log)."""
    if "out of memory" not in str(error).lower():
        return None
    LOG.warning("out of memory: %s", str(error).splitlines()[0])
    return gr.Error(f"The {helpers.default_device().upper()} ran out of memory for this image; try {remedy}", title="Out of memory")


# --------------------------------------------------------------------------------------------
# Checkpoints: the catalog, loaded lazily
# --------------------------------------------------------------------------------------------


@dataclass
class Catalog:
    """The checkpoint folders the app offers, by name, per kind, and which one is selected first."""

    adain: dict[str, Path] = field(default_factory=dict)
    spade: dict[str, Path] = field(default_factory=dict)
    default_adain: str | None = None
    default_spade: str | None = None

    @classmethod
    def build(cls, root: Path = CHECKPOINTS, adain: Path | None = None, spade: Path | None = None) -> Catalog:
        """The checkpoints in ``root``, plus the folders given on the command line (then selected first).

        A folder given that is not a checkpoint of its kind is an error that says so.
        """
        found = helpers.discover_checkpoints(root)
        catalog = cls(adain=found["adain"], spade=found["spade"])
        for kind, extra in (("adain", adain), ("spade", spade)):
            choices: dict[str, Path] = getattr(catalog, kind)
            if extra is not None:
                config = helpers.read_checkpoint_config(extra)
                if config is None:
                    raise ValueError(f"--{kind} {extra}: not a checkpoint folder (expected config.json and model.safetensors in it)")
                if config["kind"] != kind:
                    raise ValueError(f"--{kind} {extra}: holds a {config['kind']!r} checkpoint, expected a {kind!r} one")
                default: str | None = str(extra)
                choices[str(extra)] = Path(extra)
            elif DEFAULT_CHECKPOINTS[kind] in choices:
                default = DEFAULT_CHECKPOINTS[kind]
            else:
                default = next(iter(choices), None)
            setattr(catalog, f"default_{kind}", default)
        return catalog

    def path(self, kind: str, name: str | None) -> Path:
        """The folder of checkpoint ``name`` of ``kind``; unknown names are an :class:`InputError`."""
        choices: dict[str, Path] = getattr(self, kind)
        if not choices:
            raise InputError(f"No {kind.upper()} checkpoint was found in {CHECKPOINTS}; start the app with --{kind} DIR")
        if name not in choices:
            raise InputError(f"Unknown {kind.upper()} checkpoint {name!r}; choose one of: {', '.join(choices)}")
        return choices[name]


class ModelStore:
    """Loads each checkpoint on first use and keeps it; safe to call from the queue's worker threads."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._models: dict[tuple[str, str], Any] = {}
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, kind: str, name: str | None) -> Any:
        """The :class:`Stylizer` (``kind="adain"``) or :class:`Synthesizer` (``"spade"``) ``name``, loaded once."""
        path = self.catalog.path(kind, name)
        key = (kind, str(path))
        with self._guard:
            if key in self._models:
                return self._models[key]
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:  # one load per checkpoint, however many requests wait for it
            if key not in self._models:
                loader = Stylizer if kind == "adain" else Synthesizer
                LOG.info("loading the %s checkpoint %s on %s", kind, path, helpers.default_device())
                try:
                    model = loader.from_pretrained(path)
                except (ValueError, TypeError) as error:
                    raise InputError(f"The {kind.upper()} checkpoint {name!r} could not be loaded: {error}") from None
                with self._guard:
                    self._models[key] = model
            return self._models[key]

    def classes(self, name: str | None) -> ClassList:
        """The classes of SPADE checkpoint ``name``, from its config (no weights loaded)."""
        path = self.catalog.path("spade", name)
        config = helpers.read_checkpoint_config(path)
        if config is None:
            raise InputError(f"The SPADE checkpoint {name!r} at {path} has no readable config.json")
        try:
            return helpers.classes_from_config(config, str(path))
        except ValueError as error:
            raise InputError(str(error)) from None


# --------------------------------------------------------------------------------------------
# Uploads: checked before Gradio decodes them
# --------------------------------------------------------------------------------------------


def image_sources(component: Any, payload: Any, what: str) -> list[tuple[str, Any]]:
    """The files (paths, or bytes from the canvas) in an Image, Gallery or ImageEditor payload, each named for messages."""
    if payload is None:
        return []
    if isinstance(component, gr.ImageEditor):
        if payload.id is not None:  # the browser sends the canvas as blobs, stored under an id
            cached = component.blob_storage.get(payload.id)
            if cached is None:
                return []
            background, layers = cached.background, list(cached.layers)
        else:
            background = payload.background.path if payload.background else None
            layers = [layer.path for layer in payload.layers]
        return [(what, background)] + [(f"{what} (paint layer {number})", layer) for number, layer in enumerate(layers, 1)]
    if isinstance(component, gr.Gallery):
        sources = []
        for number, item in enumerate(payload.root, start=1):
            image = getattr(item, "image", None)
            if image is None:
                raise InputError(f"{what} {number} is a video; only images are accepted ({helpers.ACCEPTED_FORMATS})")
            sources.append((f"{what} {number}", image.path))
        return sources
    return [(what, getattr(payload, "path", None))]


def checked(component: Any, what: str, max_pixels: int) -> Any:
    """Makes ``component`` (an Image, Gallery or ImageEditor) check its uploads before Gradio decodes them.

    Every file must be an image of at most ``max_pixels`` pixels; otherwise the user reads a message
    that names the input as ``what``, says what was wrong and what is accepted. (The instance's
    ``preprocess`` is wrapped, not the class subclassed: Gradio writes a ``.pyi`` stub beside every
    module that defines a component class.)
    """
    original = type(component).preprocess

    def preprocess(self: Any, payload: Any) -> Any:
        try:
            for name, source in image_sources(self, payload, what):
                if source is not None:
                    helpers.check_image_source(source, name, max_pixels)
        except ValueError as error:
            raise user_error(error) from None
        return original(self, payload)

    component.preprocess = types.MethodType(preprocess, component)
    return component


# --------------------------------------------------------------------------------------------
# Style transfer
# --------------------------------------------------------------------------------------------


def style_paths(gallery: list[Any] | None) -> list[str]:
    """File paths of the gallery's images, in order."""
    return [str(item[0] if isinstance(item, (tuple, list)) else item) for item in gallery or []]


def normalized_weights(weights: Sequence[float | None], count: int) -> list[float]:
    """The first ``count`` slider values scaled to sum to 1; all zero is an :class:`InputError`."""
    chosen = [max(0.0, float(weight or 0.0)) for weight in list(weights)[:count]]
    total = sum(chosen)
    if total <= 0:
        raise InputError("All style weights are 0; set at least one style's weight above 0")
    return [weight / total for weight in chosen]


def weights_note(gallery: list[Any] | None, *weights: float) -> str:
    """The line under the sliders: the weights actually used, as percentages (with two or more styles)."""
    count = len(style_paths(gallery))
    if count < 2:
        return ""
    try:
        shares = normalized_weights(weights, count)
    except InputError as error:
        return f"⚠️ {error}"
    parts = ", ".join(f"style {index + 1}: **{share:.0%}**" for index, share in enumerate(shares))
    return f"Mix used (weights normalized to sum to 1; a painted mask overrides them): {parts}"


def slider_updates(gallery: list[Any] | None) -> list[Any]:
    """One visible weight slider per style image, when there are two or more."""
    count = len(style_paths(gallery))
    return [gr.update(visible=count >= 2 and index < count) for index in range(MAX_STYLES)]


def example_chosen(content: str | None, gallery: list[Any] | None) -> list[Any]:
    """Puts an example's content into the editor (fresh, nothing painted); equal weights, one slider per style.

    Examples fill a hidden image and this sets the editor from it: an ImageEditor filled by the
    examples directly keeps sending the canvas it had before (Gradio 6.31), and a gallery filled by
    them fires no change event for the sliders.
    """
    count = len(style_paths(gallery))
    sliders = [gr.update(visible=count >= 2 and index < count, value=1.0) for index in range(MAX_STYLES)]
    return [editor_value(content), *sliders, weights_note(gallery, *([1.0] * MAX_STYLES))]


def editor_value(background: str | None) -> dict[str, Any] | None:
    """An ImageEditor value with ``background`` and one empty paint layer of its size (without a layer there is
    nothing to paint on)."""
    if not background:
        return None
    return {"background": background, "layers": [helpers.blank_layer(background)], "composite": None}


class StyleTransfer:
    """The style-transfer tab's work, on the models of a :class:`ModelStore`."""

    def __init__(self, models: ModelStore) -> None:
        self.models = models

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
        try:
            return self.run(content, styles, (weight_1, weight_2, weight_3, weight_4), alpha, preserve_color, size, checkpoint, progress)
        except InputError as error:
            raise user_error(error) from None

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
        content_image = helpers.flatten(background)
        paths = style_paths(styles)
        if not paths:
            raise InputError("No style image: add one or more images to the style gallery, or click an example")
        if len(paths) > MAX_STYLES:
            raise InputError(f"{len(paths)} style images given; at most {MAX_STYLES} can be mixed, remove some")
        try:
            style_images = [helpers.open_image(path, f"Style image {index + 1}") for index, path in enumerate(paths)]
        except ValueError as error:
            raise InputError(str(error)) from None
        shares = normalized_weights(weights, len(paths))
        try:
            masks = helpers.style_masks(
                (content or {}).get("layers") or [], content_image.size, len(paths),
                [hex_to_rgb(colour) for colour in STYLE_COLOURS], STYLE_COLOUR_NAMES,
            )
        except ValueError as error:
            raise InputError(str(error)) from None
        options: dict[str, Any] = {"alpha": float(alpha), "preserve_color": bool(preserve_color), "size": int(size)}
        if masks is not None:
            options["mask"] = masks if len(masks) > 1 else masks[0]
        elif len(paths) > 1:
            options["weights"] = shares
        progress(0.1, desc="Loading the AdaIN model")
        stylizer = self.models.get("adain", checkpoint)
        progress(0.4, desc="Stylizing")
        try:
            return stylizer.stylize(content_image, style_images if len(style_images) > 1 else style_images[0], **options)
        except (ValueError, TypeError) as error:
            raise InputError(str(error)) from None
        except RuntimeError as error:
            message = out_of_memory(error, "a smaller output size")
            if message is None:
                raise
            raise message from error


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    """``"#rrggbb"`` as an ``(r, g, b)`` tuple."""
    text = colour.lstrip("#")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


# --------------------------------------------------------------------------------------------
# Paint a scene
# --------------------------------------------------------------------------------------------


def hex_colours(classes: ClassList) -> list[str]:
    """The class colours as ``#rrggbb`` strings, the brush's palette."""
    return ["#{:02x}{:02x}{:02x}".format(*colour) for colour in classes.colours]


def legend_html(classes: ClassList) -> str:
    """Swatches with the class names, in the brush's colours."""
    items = "".join(
        '<span style="display:inline-flex;align-items:center;margin:2px 12px 2px 0">'
        f'<span style="display:inline-block;width:16px;height:16px;border:1px solid #0005;border-radius:3px;'
        f'background:{colour};margin-right:5px"></span>{html.escape(name)}</span>'
        for name, colour in zip(classes.names, hex_colours(classes))
    )
    return f"<div><b>Classes</b> (the brush's colours; unpainted canvas: {html.escape(classes.names[0])}):<br>{items}</div>"


def scene_brush(classes: ClassList) -> gr.Brush:
    """A brush that paints only in the class colours."""
    colours = hex_colours(classes)
    return gr.Brush(colors=colours, default_color=colours[-1], color_mode="fixed")


class SceneSynthesis:
    """The paint-a-scene tab's work, on the models of a :class:`ModelStore`."""

    def __init__(self, models: ModelStore) -> None:
        self.models = models

    def __call__(
        self,
        canvas: dict[str, Any] | None,
        style: Image.Image | None,
        seed: float | None,
        checkpoint: str | None,
        progress: gr.Progress = gr.Progress(),
    ) -> Image.Image:
        """Synthesizes an image of the label map painted on ``canvas``, at its size.

        The style comes from ``style`` when given (checkpoints with a style encoder), else from ``seed``.
        """
        try:
            return self.run(canvas, style, seed, checkpoint, progress)
        except InputError as error:
            raise user_error(error) from None

    def run(
        self,
        canvas: dict[str, Any] | None,
        style: Image.Image | None,
        seed: float | None,
        checkpoint: str | None,
        progress: Callable[..., Any],
    ) -> Image.Image:
        classes = self.models.classes(checkpoint)
        canvas = canvas or {}
        try:
            labels = helpers.canvas_labels(canvas.get("background"), canvas.get("layers") or [], classes)
        except ValueError as error:
            raise InputError(str(error)) from None
        if seed is None:  # the field's bounds and precision are checked by Gradio; empty is not
            raise InputError(f"Enter a seed (a whole number from 0 to {2**31 - 1}) or press 'New random style'")
        progress(0.1, desc="Loading the SPADE model")
        synthesizer = self.models.get("spade", checkpoint)
        if style is not None and not synthesizer.has_style_encoder:
            raise InputError(
                f"The SPADE checkpoint {checkpoint!r} has no style encoder, so it cannot copy a style image; "
                "clear the style image and pick a seed instead"
            )
        progress(0.4, desc="Synthesizing")
        try:
            return synthesizer.synthesize(labels, style=helpers.flatten(style) if style is not None else None, seed=int(seed))
        except (ValueError, TypeError) as error:
            raise InputError(str(error)) from None
        except RuntimeError as error:
            message = out_of_memory(error, "a smaller label map")
            if message is None:
                raise
            raise message from error


def new_seed() -> int:
    """A fresh random seed, for "new random style"."""
    return random.randrange(2**31)


# --------------------------------------------------------------------------------------------
# The UI
# --------------------------------------------------------------------------------------------


def example_files(folder: str, suffixes: tuple[str, ...] = (".jpg", ".png")) -> list[str]:
    """The example images in ``examples/<folder>``, sorted."""
    return [str(path) for path in sorted((EXAMPLES / folder).glob("*")) if path.suffix.lower() in suffixes]


@dataclass
class AppConfig:
    """What an app is built from: the checkpoints and the limits on input and output."""

    catalog: Catalog
    max_input_pixels: int = helpers.MAX_INPUT_PIXELS
    max_output_side: int = 1024
    default_output_side: int = 512


def build_app(config: AppConfig) -> gr.Blocks:
    """The app's Gradio Blocks (not yet queued or launched); see :func:`launch`."""
    catalog = config.catalog
    models = ModelStore(catalog)
    style_transfer = StyleTransfer(models)
    scenes = SceneSynthesis(models)
    pixels = config.max_input_pixels

    with gr.Blocks(title="stylesynth", analytics_enabled=False) as demo:
        gr.Markdown(
            "# stylesynth\nArbitrary style transfer (AdaIN) and semantic image synthesis (SPADE). "
            f"Images of up to {pixels:,} pixels (e.g. {int(pixels**0.5)}×{int(pixels**0.5)}) are accepted."
        )
        with gr.Tab("Style transfer", id="style"):
            with gr.Row(equal_height=True):
                with gr.Column():
                    content = checked(
                        gr.ImageEditor(
                            label="Content image — paint on it to place the styles",
                            type="pil",
                            image_mode="RGBA",
                            sources=("upload", "webcam", "clipboard"),
                            brush=gr.Brush(colors=list(STYLE_COLOURS), default_color=STYLE_COLOURS[1], color_mode="fixed"),
                            layers=gr.LayerOptions(allow_additional_layers=False, layers=["Style mask"]),
                            transforms=("crop",),
                            format="png",
                            height=420,
                            elem_id="content",
                        ),
                        "The content image",
                        pixels,
                    )
                with gr.Column():
                    stylized = gr.Image(
                        label="Stylized", type="pil", format="png", interactive=False,
                        buttons=["download", "fullscreen"], height=420, elem_id="stylized",
                    )
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
                    styles = checked(
                        gr.Gallery(
                            label=f"Style images (up to {MAX_STYLES})",
                            type="filepath",
                            file_types=["image"],
                            interactive=True,
                            columns=4,
                            height=200,
                            elem_id="styles",
                        ),
                        "Style image",
                        pixels,
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
                style_transfer,
                inputs=[content, styles, *weights, alpha, preserve, size, adain_choice],
                outputs=stylized,
                api_name="stylize",
            )

        with gr.Tab("Paint a scene", id="scene"):
            classes = models.classes(catalog.default_spade) if catalog.spade else None
            scene_examples = example_files("scenes", (".png",))
            with gr.Row(equal_height=True):
                with gr.Column():
                    canvas = checked(
                        gr.ImageEditor(
                            value=scene_examples[0] if scene_examples else None,
                            label="Label map — paint with the class colours, or upload a colour-coded label map",
                            type="pil",
                            image_mode="RGBA",
                            sources=("upload", "clipboard"),
                            brush=scene_brush(classes) if classes else False,
                            layers=gr.LayerOptions(allow_additional_layers=False, layers=["Paint"]),
                            transforms=(),
                            format="png",
                            height=420,
                            elem_id="scene-canvas",
                        ),
                        "The label map",
                        pixels,
                    )
                with gr.Column():
                    scene = gr.Image(
                        label="Synthesized", type="pil", format="png", interactive=False,
                        buttons=["download", "fullscreen"], height=420, elem_id="scene",
                    )
            legend = gr.HTML(legend_html(classes) if classes else "No SPADE checkpoint was found.", elem_id="legend")
            with gr.Row():
                with gr.Column():
                    scene_style = checked(
                        gr.Image(
                            label="Style image (optional)",
                            type="pil",
                            sources=["upload", "clipboard"],
                            height=200,
                            elem_id="scene-style",
                        ),
                        "The style image",
                        pixels,
                    )
                with gr.Column():
                    seed = gr.Number(
                        value=0, precision=0, minimum=0, maximum=2**31 - 1,
                        label="Seed: picks the style when there is no style image",
                    )
                    random_button = gr.Button("New random style", elem_id="random-style")
                    spade_choice = gr.Dropdown(choices=list(catalog.spade), value=catalog.default_spade, label="SPADE checkpoint")
                    synthesize_button = gr.Button("Synthesize", variant="primary", elem_id="synthesize-button")
            if scene_examples:
                example_scene = gr.Image(type="filepath", visible=False, label="Label map")
                examples = gr.Examples(
                    [[path] for path in scene_examples], inputs=[example_scene], label="Example label maps", elem_id="scene-examples"
                )
                examples.load_input_event.then(
                    editor_value, inputs=example_scene, outputs=canvas, queue=False, api_visibility="private"
                )

            synthesize_inputs = [canvas, scene_style, seed, spade_choice]
            synthesize_button.click(scenes, inputs=synthesize_inputs, outputs=scene, api_name="synthesize")
            random_button.click(new_seed, outputs=seed, api_visibility="private", queue=False).then(
                scenes, inputs=synthesize_inputs, outputs=scene, api_visibility="private"
            )

            def on_checkpoint(name: str | None) -> tuple[str, Any]:
                try:
                    chosen = models.classes(name)
                except InputError as error:
                    raise user_error(error) from None
                return legend_html(chosen), gr.update(brush=scene_brush(chosen))

            spade_choice.change(on_checkpoint, inputs=spade_choice, outputs=[legend, canvas], api_visibility="private", queue=False)
    return demo


def default_concurrency() -> int:
    """Requests that run at once: 1 on a CPU (torch already uses every core for one), 2 on a GPU."""
    return 2 if helpers.default_device() == "cuda" else 1


def launch(
    demo: gr.Blocks,
    host: str = "127.0.0.1",
    port: int | None = 7860,
    share: bool = False,
    concurrency: int | None = None,
    block: bool = True,
    **options: Any,
) -> tuple[Any, str, str | None]:
    """Queues and serves ``demo``; ``block=False`` returns at once with the server running (as tests need).

    Returns Gradio's ``(app, local_url, share_url)``.
    """
    demo.queue(default_concurrency_limit=concurrency or default_concurrency(), max_size=QUEUE_SIZE)
    return demo.launch(
        server_name=host,
        server_port=port,
        share=share,
        max_file_size=MAX_FILE_SIZE,
        prevent_thread_lock=not block,
        **options,
    )


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line: ``--adain DIR --spade DIR --host --port --share``."""
    parser = argparse.ArgumentParser(description="stylesynth web app: style transfer and paint-a-scene")
    parser.add_argument("--adain", type=Path, help="an AdaIN checkpoint folder, offered and selected first")
    parser.add_argument("--spade", type=Path, help="a SPADE checkpoint folder, offered and selected first")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: every interface); default 127.0.0.1")
    parser.add_argument("--port", type=int, default=7860, help="port to listen on; default 7860")
    parser.add_argument("--share", action="store_true", help="also open a public gradio.live link (needs internet)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Starts the app as the command line says, and serves until interrupted."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        catalog = Catalog.build(CHECKPOINTS, adain=args.adain, spade=args.spade)
    except ValueError as error:
        raise SystemExit(str(error)) from None
    on_gpu = helpers.default_device() == "cuda"
    config = AppConfig(catalog=catalog, max_output_side=2048 if on_gpu else 1024)
    launch(build_app(config), host=args.host, port=args.port, share=args.share)


if __name__ == "__main__":
    main()
