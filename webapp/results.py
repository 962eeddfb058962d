"""Results handed back to Gradio, each in a file of its own.

Gradio 6.31 stores a returned image under a path derived from its bytes and rewrites that file in
place (not atomically). Two requests with the same result (two users clicking the same example)
would rewrite one file while it is being downloaded, and a download could come back truncated. So
each result carries a request id in its PNG metadata (a text chunk): its bytes, and its file, are
its own. The server deletes the cached files after a while (``server.CACHE_LIFETIME``).
"""

from __future__ import annotations

import uuid

import gradio as gr
from PIL import Image

#: The PNG text key of the request id.
REQUEST_KEY = "stylesynth-request"


def result_image(label: str, elem_id: str) -> gr.Image:
    """The output image of a tab: PNG, with download and full-screen buttons."""
    return gr.Image(
        label=label, type="pil", format="png", interactive=False, buttons=["download", "fullscreen"], height=420, elem_id=elem_id,
    )


def own_file(image: Image.Image) -> Image.Image:
    """``image`` tagged with a fresh request id, so Gradio stores it in a file no other result shares."""
    image.info[REQUEST_KEY] = uuid.uuid4().hex
    return image
