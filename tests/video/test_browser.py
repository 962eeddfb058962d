"""The video tab and the live webcam in Chromium (Playwright), with Chromium's fake camera.

The webcam test starts the camera (``--use-fake-device-for-media-stream``: a generated test
pattern, ``--use-fake-ui-for-media-stream``: no permission prompt), records, and waits for
stylized frames and the FPS line to arrive on the page. The upload test sends a clip through the
Video tab and checks the returned file's frame count, size and duration. They need Debian's
``/usr/bin/chromium``, as tests/app/test_browser.py does, and fail without it.
"""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.app.conftest import REQUEST_TIMEOUT, checkpoint_root, noise_image, served_app  # noqa: F401 - fixtures shared with tests/app
from tests.app.test_browser import CHROMIUM_ARGS
from tests.chromium import CHROMIUM, ensure_chromium

from .clips import decoded, moving_shapes, write_clip

pytestmark = pytest.mark.browser

TIMEOUT_MS = REQUEST_TIMEOUT * 1000
FAKE_CAMERA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


@pytest.fixture(scope="module")
def page(served_app: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ensure_chromium(CHROMIUM)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS + FAKE_CAMERA)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 1000}, permissions=["camera"])
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(served_app)
            page.wait_for_selector("#stylize-button")
            yield page
        finally:
            browser.close()


def set_number(page: Any, component: str, value: float) -> None:
    box = page.locator(f"{component} input[type=number]").first
    box.fill(str(value))
    box.press("Enter")


def test_a_clip_uploaded_in_the_video_tab_comes_back_stylized(page: Any, served_app: str, tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clip.mp4", moving_shapes(), audio=True)
    style = noise_image(tmp_path / "style.png", (40, 40))
    page.get_by_role("tab", name="Video").click()
    page.locator("#video-input input[type=file]").set_input_files(str(clip))
    page.locator("#video-style input[type=file]").set_input_files(str(style))
    page.locator("#video-input video").wait_for()
    set_number(page, "#video-size", 32)
    page.click("#video-button")
    page.wait_for_function("() => { const v = document.querySelector('#video-output video'); return v && v.src; }", timeout=TIMEOUT_MS)
    source = page.locator("#video-output video").first.get_attribute("src")
    result = tmp_path / "result.mp4"
    urllib.request.urlretrieve(source if source.startswith("http") else served_app.rstrip("/") + source, result)
    frames, fps, duration, audio = decoded(result)
    assert frames.shape == (12, 32, 42, 3)
    assert (fps, audio) == (12.0, "aac")
    assert duration == pytest.approx(decoded(clip)[2], abs=0.05)


def test_webcam_frames_arrive_stylized_with_the_fps(page: Any, tmp_path: Path) -> None:
    page.get_by_role("tab", name="Live webcam").click()
    page.locator("#webcam-style input[type=file]").set_input_files(str(noise_image(tmp_path / "style.png", (40, 40))))
    set_number(page, "#webcam-size", 32)
    webcam = page.locator("#webcam-input")
    access = webcam.get_by_text("Click to access webcam")
    if access.count():
        access.first.click()
    webcam.locator("video").wait_for()
    webcam.get_by_role("button", name=re.compile("capture photo|start recording|record", re.IGNORECASE)).first.click()  # streaming: "Record"
    page.wait_for_function(
        "() => { const i = document.querySelector('#webcam-output img'); return i && i.complete && i.naturalWidth > 0; }",
        timeout=TIMEOUT_MS,
    )
    page.get_by_text("FPS").first.wait_for(timeout=TIMEOUT_MS)
    note = page.locator("#webcam-fps").inner_text()
    assert "FPS at" in note, note
    first = page.locator("#webcam-output img").first.get_attribute("src")
    page.wait_for_function(
        "(first) => { const i = document.querySelector('#webcam-output img'); return i && i.src !== first; }",
        arg=first,
        timeout=TIMEOUT_MS,
    )  # a second stylized frame: the stream goes on
