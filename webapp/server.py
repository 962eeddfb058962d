"""The app: both tabs in one ``gr.Blocks``, served through Gradio's queue; the command line of ``app.py``."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from . import scene_tab, style_tab, video_tab, webcam_tab
from .catalog import Catalog, ModelStore, default_device
from .config import CHECKPOINTS, AppConfig

#: Largest file the server accepts at all (Gradio refuses bigger uploads before they reach the app).
MAX_FILE_SIZE = "50mb"
#: Requests waiting in the queue beyond this are refused ("queue full") rather than kept waiting.
QUEUE_SIZE = 64
#: Uploads and results Gradio keeps on disk are deleted this many seconds after they were written
#: (checked as often), so a long-running server's disk use stays bounded.
CACHE_LIFETIME = 3600
#: The app's own styles: the live webcam picture fills its panel (frames are stylized small, and the
#: browser scales them up), the FPS line in the normal text colour (never greyed as pending), and
#: the tabs' message lines in the error colour.
CSS = """
#webcam-output img { width: 100%; height: 100%; object-fit: contain; }
#webcam-fps, #webcam-fps * { opacity: 1 !important; color: var(--body-text-color) !important; }
.run-message { color: var(--error-text-color); font-size: var(--text-md); }
"""


def build_app(config: AppConfig) -> gr.Blocks:
    """The app's Gradio Blocks (not yet queued or launched); see :func:`launch`.

    What a running app keeps is bounded: loaded models (:class:`ModelStore`, the few used last),
    each style model's cache of style codes, the webcam sessions' state (dropped after
    :data:`webcam_tab.SESSION_LIFETIME`), and Gradio's files of uploads and results on disk
    (deleted after :data:`CACHE_LIFETIME`, ``delete_cache``).
    """
    models = ModelStore(config.catalog)
    pixels = config.max_input_pixels
    with gr.Blocks(title="stylesynth", analytics_enabled=False, delete_cache=(CACHE_LIFETIME, CACHE_LIFETIME)) as demo:
        gr.Markdown(
            "# stylesynth\nArbitrary style transfer (Magenta's networks, AdaIN) and semantic image synthesis (SPADE). "
            f"Images of up to {pixels:,} pixels (e.g. {int(pixels**0.5)}×{int(pixels**0.5)}) are accepted."
        )
        style_tab.build(config, models)
        scene_tab.build(config, models)
        video_tab.build(config, models)
        webcam_tab.build(config, models)
    return demo


def default_concurrency() -> int:
    """Requests that run at once: 1 on a CPU (torch already uses every core for one), 2 on a GPU."""
    return 2 if default_device() == "cuda" else 1


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
        css=CSS,
        **options,
    )


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line: ``--style DIR --spade DIR --host --port --share`` (``--adain`` is ``--style``'s older name)."""
    parser = argparse.ArgumentParser(description="stylesynth web app: style transfer and paint-a-scene")
    parser.add_argument("--style", "--adain", dest="style", type=Path, help="a style model's checkpoint folder (any kind the Stylizer loads), offered and selected first")
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
        catalog = Catalog.build(CHECKPOINTS, style=args.style, spade=args.spade)
    except ValueError as error:
        raise SystemExit(str(error)) from None
    on_gpu = default_device() == "cuda"
    config = AppConfig(catalog=catalog, max_output_side=2048 if on_gpu else 1024, max_video_seconds=120 if on_gpu else 10)
    launch(build_app(config), host=args.host, port=args.port, share=args.share)
