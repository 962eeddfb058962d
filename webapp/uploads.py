"""Uploaded images, read through the library's one image path (:func:`stylesynth.io.load_image`).

Image and Gallery inputs are file paths (``type="filepath"``): Gradio only stores the upload, and
:func:`open_upload` checks the header against the app's pixel limit, decodes the whole file (a
truncated one is a message, not a generic error), applies the EXIF orientation and composites
transparency onto white, as the library, the CLI and the API do.

An ImageEditor (the content and the scene canvas) is decoded by Gradio itself before the app's
function runs, and Gradio 6 offers no hook ahead of that: event ``validator=`` functions receive
the already-decoded values, and subclassing a component writes a ``.pyi`` stub beside the module
that defines it. So :func:`check_editor_uploads` wraps the editor instance's ``preprocess``: the
files are checked from their headers first (an oversized upload is refused before it is
decoded), and a file Gradio then fails to decode is a message naming the input.
"""

from __future__ import annotations

import os
import types
from typing import Any

import gradio as gr
from PIL import Image

from stylesynth.io import image_size, load_image
from stylesynth.io.images import ACCEPTED_FORMATS

from .errors import user_error


def open_upload(path: str | os.PathLike, what: str, max_pixels: int) -> Image.Image:
    """The uploaded file at ``path`` as an upright RGB image; an ``ImageError`` naming ``what`` otherwise."""
    return load_image(path, max_pixels=max_pixels, what=what)


def upright_rgb(image: Image.Image, what: str, max_pixels: int) -> Image.Image:
    """A decoded image (an editor's background) the way :func:`open_upload` returns files."""
    return load_image(image, max_pixels=max_pixels, what=what)


def _editor_files(component: gr.ImageEditor, payload: Any, what: str) -> list[tuple[str, Any]]:
    """The files (paths, or bytes from the browser's canvas) of an ImageEditor payload, each named for messages."""
    if payload is None:
        return []
    if payload.id is not None:  # the browser sends the canvas as blobs, kept by the component under an id
        cached = component.blob_storage.get(payload.id)
        if cached is None:
            return []
        background, layers = cached.background, list(cached.layers)
    else:
        background = payload.background.path if payload.background else None
        layers = [layer.path for layer in payload.layers]
    named = [(what, background)] + [(f"{what} (paint layer {number})", layer) for number, layer in enumerate(layers, 1)]
    return [(name, source) for name, source in named if source is not None]


def image_editor(what: str, max_pixels: int, layer: str, **options: Any) -> gr.ImageEditor:
    """An ImageEditor as both tabs use it (a picture with one paint layer named ``layer``, sent as PIL
    RGBA images) whose uploads are checked by :func:`check_editor_uploads`, naming the input ``what``."""
    editor = gr.ImageEditor(
        type="pil", image_mode="RGBA", format="png", height=420,
        layers=gr.LayerOptions(allow_additional_layers=False, layers=[layer]), **options,
    )
    return check_editor_uploads(editor, what, max_pixels)


def check_editor_uploads(component: gr.ImageEditor, what: str, max_pixels: int) -> gr.ImageEditor:
    """Makes the editor check its files before Gradio decodes them, and name the input when decoding fails."""
    original = type(component).preprocess

    def preprocess(self: gr.ImageEditor, payload: Any) -> Any:
        try:
            for name, source in _editor_files(self, payload, what):
                image_size(bytes(source) if isinstance(source, (bytes, bytearray, memoryview)) else source, name, max_pixels)
            return original(self, payload)
        except gr.Error:
            raise
        except ValueError as error:
            raise user_error(error) from None
        except (OSError, SyntaxError, EOFError) as error:  # what Pillow raises for a damaged file Gradio decodes
            raise user_error(f"{what} could not be decoded: the file is truncated or damaged ({error}); accepted formats are {ACCEPTED_FORMATS}") from None

    component.preprocess = types.MethodType(preprocess, component)
    return component
