"""Uploaded images, read through the library's one image path (:func:`stylesynth.io.load_image`).

Image and Gallery inputs are file paths (``type="filepath"``): Gradio only stores the upload, and
:func:`open_upload` checks the header against the app's pixel limit, decodes the whole file (a
truncated one is a message, not a generic error), applies the EXIF orientation and composites
transparency onto white, as the library, the CLI and the API do.

Gradio's ``gr.Image`` still opens every upload with Pillow in its own ``preprocess`` (even with
``type="filepath"``), so a file that is not an image would fail there, before the app, with
Gradio's generic message. :func:`image_input` therefore builds every image input of the tabs
(``type="filepath"``, stored as uploaded) with :func:`check_image_uploads` around its
``preprocess``: the upload's header is read first (not an image, a video, over the pixel limit:
a message naming the input and what is accepted). The webcam's streamed frames stay decoded
arrays (``type="numpy"``, nothing written per frame) behind the same check.

An ImageEditor (the content and the scene canvas) is decoded by Gradio itself before the app's
function runs, and Gradio 6 offers no hook ahead of that: event ``validator=`` functions receive
the already-decoded values, and subclassing a component writes a ``.pyi`` stub beside the module
that defines it. So :func:`check_editor_uploads` wraps the editor instance's ``preprocess``: the
files are checked from their headers first (an oversized upload is refused before it is
decoded), and a file Gradio then fails to decode is a message naming the input.
"""

from __future__ import annotations

import base64
import binascii
import os
import types
import urllib.parse
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


def upload_name(path: str | os.PathLike) -> str:
    """How messages name an uploaded file: its own file name (Gradio keeps it as the last part of the
    upload's path), never the server's temporary folder."""
    return os.path.basename(os.fspath(path)) or "the upload"


def _payload_source(payload: Any, what: str) -> str | bytes | None:
    """The file (a path) or encoded bytes (a ``data:`` URL, as a browser may send a webcam frame) of an
    image payload; ``None`` for no image."""
    if payload is None:
        return None
    url = getattr(payload, "url", None)
    if isinstance(url, str) and url.startswith("data:"):
        header, _, data = url.partition(",")
        try:
            return base64.b64decode(data, validate=True) if header.endswith(";base64") else urllib.parse.unquote_to_bytes(data)
        except (binascii.Error, ValueError):
            raise user_error(f"{what} is not a readable image file (its data URL does not decode); accepted formats are {ACCEPTED_FORMATS}") from None
    path = getattr(payload, "path", None)
    return None if path is None else str(path)


def check_image_uploads(component: gr.Image, what: str, max_pixels: int) -> gr.Image:
    """Makes the image input read its upload's header before Gradio opens it, and name the input when
    the file is not an image, is over ``max_pixels``, or fails to decode."""
    original = type(component).preprocess

    def preprocess(self: gr.Image, payload: Any) -> Any:
        try:
            source = _payload_source(payload, what)
            if source is not None:
                image_size(source, what, max_pixels)
            return original(self, payload)
        except gr.Error:
            raise
        except ValueError as error:
            raise user_error(error) from None
        except (OSError, SyntaxError, EOFError) as error:  # what Pillow raises for a damaged file Gradio decodes
            raise user_error(f"{what} could not be decoded: the file is truncated or damaged ({error}); accepted formats are {ACCEPTED_FORMATS}") from None

    component.preprocess = types.MethodType(preprocess, component)
    return component


def image_input(what: str, max_pixels: int, **options: Any) -> gr.Image:
    """An image input of a tab: the upload's path as stored (``type="filepath"``, ``image_mode=None``),
    its header checked by :func:`check_image_uploads` (messages name the input ``what``); the tab's
    work decodes it with :func:`open_upload`."""
    return check_image_uploads(gr.Image(type="filepath", image_mode=None, **options), what, max_pixels)


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
