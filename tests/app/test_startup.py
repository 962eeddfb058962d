"""``python app.py`` as the README starts it: a separate process, the bundled checkpoints, a flag."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from gradio_client import Client
from PIL import Image

from webapp.config import EXAMPLES, ROOT

from .conftest import REQUEST_TIMEOUT, free_port
from .test_api import editor, gallery

STARTUP_TIMEOUT = 180


def wait_until_serving(process: subprocess.Popen, url: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"app.py exited with {process.returncode}:\n{process.stdout.read()}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(1)
    raise AssertionError(f"app.py did not serve {url} within {STARTUP_TIMEOUT} s")


def test_app_py_serves_the_bundled_scene_model_and_a_checkpoint_given_by_flag(checkpoint_root: Path, tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "--adain", str(checkpoint_root / "adain-tiny"), "--port", str(port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        wait_until_serving(process, url)
        client = Client(url, verbose=False, download_files=str(tmp_path))
        content, style = EXAMPLES / "content" / "cat.jpg", EXAMPLES / "styles" / "mosaic.jpg"
        stylized = client.submit(content=editor(content), styles=gallery(style), size=64, api_name="/stylize")
        width, height = Image.open(stylized.result(timeout=REQUEST_TIMEOUT)).size  # the --adain checkpoint is selected
        assert height == 64 and abs(width - 64 * 384 / 255) <= 1
        scene = EXAMPLES / "scenes" / "beach.png"
        synthesized = client.submit(canvas=editor(scene), style=None, seed=1, api_name="/synthesize")  # spade-default is selected
        assert Image.open(synthesized.result(timeout=REQUEST_TIMEOUT)).size == Image.open(scene).size
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
