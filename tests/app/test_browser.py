"""The app in a real browser: Debian's Chromium driven by Playwright, on the bundled checkpoints.

Both tabs are used as a person would: upload a content and a style image and stylize; paint a
stroke on the scene canvas and synthesize. Each flow saves a screenshot: into a temporary folder
when run as a test (tests never write tracked files), into ``docs/`` (the README shows them) only
when ``STYLESYNTH_WRITE_DOCS=1`` is set, as ``scripts/make_screenshots.py`` does.
What the browser sent is checked on the server side too: the painted stroke must arrive as a style
mask / as the brush's class in the label map, and an example clicked afterwards must replace what
was there. The tests share one page and run in file order (a person's session).
They need ``/usr/bin/chromium`` and install Debian's package when it is missing and the tests run
as root (``tests/chromium.py``); otherwise they fail, never skip.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image

from stylesynth.inference.checkpoints import default_style_model
from webapp import canvas
from webapp.catalog import Catalog
from webapp.config import CHECKPOINTS, ROOT, AppConfig
from webapp.server import build_app

from ..chromium import CHROMIUM, ensure_chromium
from .conftest import REQUEST_TIMEOUT, serving

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Chromium's generated camera, without a permission prompt (the webcam tab's flow)
FAKE_CAMERA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
DOCS = ROOT / "docs"
#: set to 1 to write the screenshots into docs/ (scripts/make_screenshots.py does); tests write them to a temporary folder
WRITE_DOCS = "STYLESYNTH_WRITE_DOCS"
EXAMPLES = ROOT / "examples"
TIMEOUT_MS = REQUEST_TIMEOUT * 1000


class Recorder:
    """Wraps a function of :mod:`webapp.canvas` and keeps its calls' arguments and results."""

    def __init__(self, function: Any) -> None:
        self.function = function
        self.calls: list[tuple[tuple[Any, ...], Any]] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        result = self.function(*args, **kwargs)
        self.calls.append((args, result))
        return result

    @property
    def last(self) -> Any:
        return self.calls[-1][1]


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the flows save their screenshots: ``docs/`` when ``STYLESYNTH_WRITE_DOCS=1``, else a temporary folder."""
    if os.environ.get(WRITE_DOCS) == "1":
        DOCS.mkdir(exist_ok=True)
        return DOCS
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def recorders() -> Iterator[dict[str, Recorder]]:
    """Records the style masks and label maps the app builds from what the browser sends."""
    recorders = {name: Recorder(getattr(canvas, name)) for name in ("style_masks", "canvas_labels")}
    with pytest.MonkeyPatch.context() as patch:
        for name, recorder in recorders.items():
            patch.setattr(canvas, name, recorder)
        yield recorders


@pytest.fixture(scope="module")
def bundled_app(recorders: dict[str, Recorder]) -> Iterator[str]:
    """The app as ``python app.py`` starts it (bundled checkpoints, default settings), on 127.0.0.1."""
    catalog = Catalog.build(CHECKPOINTS)
    assert catalog.default_style == default_style_model() and catalog.default_spade == "spade-default", (
        f"the bundled checkpoints are missing from {CHECKPOINTS}: found {sorted(catalog.style)} and {sorted(catalog.spade)}"
    )
    with serving(build_app(AppConfig(catalog=catalog))) as url:
        yield url


@pytest.fixture(scope="module")
def page(bundled_app: str) -> Iterator[Any]:
    """A Chromium page on the app (headless; Debian's Chromium, no browser download)."""
    from playwright.sync_api import sync_playwright

    ensure_chromium(CHROMIUM)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS + FAKE_CAMERA)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(bundled_app)
            page.wait_for_selector("#stylize-button")
            yield page
        finally:
            browser.close()


def draw_stroke(page: Any, editor: str, start: tuple[float, float], end: tuple[float, float]) -> None:
    """Selects the editor's brush and drags it from ``start`` to ``end`` (fractions of the canvas)."""
    canvas = page.locator(f"{editor} canvas").first
    canvas.scroll_into_view_if_needed()
    page.locator(f"{editor} button[aria-label=Brush]").click()
    box = canvas.bounding_box()
    x0, y0 = box["x"] + box["width"] * start[0], box["y"] + box["height"] * start[1]
    x1, y1 = box["x"] + box["width"] * end[0], box["y"] + box["height"] * end[1]
    page.mouse.move(x0, y0)
    page.mouse.down()
    steps = 6  # each move repaints the canvas in software: slow on a small CPU
    for step in range(1, steps + 1):
        page.wait_for_timeout(100)  # let the canvas take each point
        page.mouse.move(x0 + (x1 - x0) * step / steps, y0 + (y1 - y0) * step / steps)
    page.mouse.up()
    page.wait_for_timeout(300)


def set_number(page: Any, component: str, value: float) -> None:
    """Types ``value`` into the number box of a slider or number component."""
    box = page.locator(f"{component} input[type=number]").first
    box.fill(str(value))
    box.press("Enter")


def wait_for_new_image(page: Any, output: str, previous: str | None) -> str:
    """Waits until the output component shows an image other than ``previous``, no longer marked pending; returns its src."""
    page.wait_for_function(
        """([selector, previous]) => {
            const image = document.querySelector(selector + ' img');
            const tracker = document.querySelector(selector + ' [data-testid=status-tracker]');
            return image && image.complete && image.naturalWidth > 0 && image.src !== previous
                && (!tracker || tracker.classList.contains('hide'));
        }""",
        arg=[output, previous],
        timeout=TIMEOUT_MS,
    )
    page.wait_for_timeout(500)  # the pending shade fades out
    return page.locator(f"{output} img").first.get_attribute("src")


def test_stylize_in_the_browser(page: Any, recorders: dict[str, Recorder], screenshots: Path) -> None:
    page.click("#stylize-button")  # nothing uploaded yet: a message in the tab's message line, not a crash
    page.locator("#style-message").get_by_text("No content image").wait_for()

    page.locator("#content input[type=file]").set_input_files(str(EXAMPLES / "content" / "cat.jpg"))
    page.locator("#styles input[type=file]").set_input_files(str(EXAMPLES / "styles" / "mosaic.jpg"))
    page.locator("#content canvas").first.wait_for()
    set_number(page, "#output-size", 256)  # a 2-core CI machine: keep the VGG's work small
    page.click("#stylize-button")
    first = wait_for_new_image(page, "#stylized", None)
    assert recorders["style_masks"].last is None  # nothing painted: no mask
    assert page.locator("#style-message").inner_text().strip() == "", "the next run clears the old message"
    page.screenshot(path=str(screenshots / "app-stylize.png"))
    assert (screenshots / "app-stylize.png").stat().st_size > 0

    draw_stroke(page, "#content", (0.2, 0.5), (0.8, 0.5))  # with one style: stylize only under the stroke
    page.click("#stylize-button")
    wait_for_new_image(page, "#stylized", first)
    masks = recorders["style_masks"].last
    assert masks is not None and len(masks) == 1
    painted = torch.from_numpy(np.array(masks[0])) > 0
    assert 0.01 < painted.float().mean() < 0.5, "the stroke should cover a band of the content, not all or none of it"


def test_paint_a_scene_in_the_browser(page: Any, recorders: dict[str, Recorder], screenshots: Path) -> None:
    page.get_by_role("tab", name="Paint a scene").click()
    page.wait_for_selector("#synthesize-button", state="visible")
    page.locator("#scene-canvas canvas").first.wait_for()
    page.click("#synthesize-button")  # the example label map as it is
    first = wait_for_new_image(page, "#scene", None)
    before = recorders["canvas_labels"].last
    classes = recorders["canvas_labels"].calls[-1][0][2]

    draw_stroke(page, "#scene-canvas", (0.45, 0.82), (0.72, 0.82))  # the brush starts on the last class (tree)
    page.click("#synthesize-button")
    wait_for_new_image(page, "#scene", first)
    after = recorders["canvas_labels"].last
    last_class = len(classes) - 1
    assert before.shape == after.shape
    assert int((after == last_class).sum()) > int((before == last_class).sum()) + 100, "the stroke should add the brush's class"
    unchanged = (after == before).float().mean()
    assert unchanged > 0.7, "outside the stroke the label map should stay the example's"
    page.screenshot(path=str(screenshots / "app-scene.png"))
    assert (screenshots / "app-scene.png").stat().st_size > 0


def test_an_example_with_two_styles_fills_the_inputs_and_stylizes(page: Any, recorders: dict[str, Recorder]) -> None:
    page.get_by_role("tab", name="Style transfer").click()
    page.locator("#stylize-button").wait_for(state="visible")
    previous = page.locator("#stylized img").first.get_attribute("src")
    page.locator("#style-examples tbody tr").last.click()  # after the uploads and the stroke above: astronaut, two styles
    page.locator("#weight-2").wait_for(state="visible")  # one weight slider per style
    assert not page.locator("#weight-3").is_visible()
    set_number(page, "#output-size", 128)
    page.click("#stylize-button")
    wait_for_new_image(page, "#stylized", previous)
    (layers, size, style_count, *_), masks = recorders["style_masks"].calls[-1]
    assert size == Image.open(EXAMPLES / "content" / "astronaut.jpg").size, "the example's content, not the previous upload"
    assert style_count == 2 and masks is None, "the example starts with nothing painted"


def test_an_example_label_map_replaces_the_painted_canvas(page: Any, recorders: dict[str, Recorder]) -> None:
    page.get_by_role("tab", name="Paint a scene").click()
    page.wait_for_selector("#synthesize-button", state="visible")
    previous = page.locator("#scene img").first.get_attribute("src")
    examples = sorted((EXAMPLES / "scenes").glob("*.png"))
    page.locator("#scene-examples button.gallery-item").nth(1).click()  # after the stroke above
    page.wait_for_timeout(2000)  # the example reaches the canvas in a second event
    page.click("#synthesize-button")
    wait_for_new_image(page, "#scene", previous)
    (background, layers, classes), labels = recorders["canvas_labels"].calls[-1]
    expected = canvas.canvas_labels(Image.open(examples[1]), [], classes)
    assert torch.equal(labels, expected), "the example's label map, without the earlier stroke"


def test_presets_are_shown_on_the_photo_picked_and_stylized(page: Any, screenshots: Path) -> None:
    page.get_by_role("tab", name="Style transfer").click()
    page.locator("#stylize-button").wait_for(state="visible")
    model = page.locator("#style-model input").first
    model.click()
    page.get_by_role("option", name="magenta-26").click()
    page.locator("#show-presets").wait_for(state="visible")  # the preset controls replace the style gallery
    assert not page.locator("#styles").is_visible()
    previous = page.locator("#stylized img").first.get_attribute("src")
    page.click("#show-presets")
    page.locator("#preset-gallery button.thumbnail-item").nth(25).wait_for(timeout=TIMEOUT_MS)
    assert page.locator("#preset-gallery button.thumbnail-item").count() == 26
    page.locator("#preset-gallery button.thumbnail-item").nth(7).click()
    page.locator("#presets").get_by_text("7", exact=True).first.wait_for()
    set_number(page, "#output-size", 256)
    page.click("#stylize-button")
    wait_for_new_image(page, "#stylized", previous)
    page.screenshot(path=str(screenshots / "app-presets.png"), full_page=True)
    model.click()
    page.get_by_role("option", name="magenta-arbitrary").click()
    page.locator("#styles").wait_for(state="visible")  # back to style images


def test_the_video_example_fills_the_clip_and_style_and_stylizes(page: Any, screenshots: Path) -> None:
    page.get_by_role("tab", name="Video").click()
    page.locator("#video-button").wait_for(state="visible")
    page.locator("#video-examples tbody tr").first.click()  # the example clip and a style, beside the inputs
    page.locator("#video-input video").wait_for()
    page.locator("#video-style img").first.wait_for()
    set_number(page, "#video-size", 96)  # a 2-core CI machine: keep the work small
    page.click("#video-button")
    page.wait_for_function(
        "() => { const v = document.querySelector('#video-output video'); return v && v.src && v.readyState >= 2; }", timeout=TIMEOUT_MS,
    )  # the stylized clip, its first frame shown
    page.wait_for_timeout(500)
    assert page.locator("#video-message").inner_text().strip() == ""
    page.screenshot(path=str(screenshots / "app-video.png"))


def test_the_webcam_preview_fills_its_panel_with_a_readable_fps_line(page: Any, screenshots: Path) -> None:
    page.get_by_role("tab", name="Live webcam").click()
    page.locator("#webcam-examples tbody tr, #webcam-examples button.gallery-item").first.click()  # an example style
    page.locator("#webcam-style img").first.wait_for()
    set_number(page, "#webcam-size", 32)
    webcam = page.locator("#webcam-input")
    webcam.scroll_into_view_if_needed()
    for _ in range(3):  # Chromium's fake camera, no prompt; the first click can come before the component listens
        access = webcam.get_by_text("Click to access webcam")
        if access.count():
            access.first.click()
        try:
            webcam.locator("video").wait_for(timeout=10_000)
            break
        except Exception:  # noqa: BLE001 - Playwright's TimeoutError: try the access button again
            page.wait_for_timeout(1000)
    webcam.locator("video").wait_for()
    webcam.get_by_role("button", name=re.compile("capture photo|start recording|record", re.IGNORECASE)).first.click()  # streaming: the record button
    page.wait_for_function(
        "() => { const i = document.querySelector('#webcam-output img'); return i && i.complete && i.naturalWidth > 0; }",
        timeout=TIMEOUT_MS,
    )
    page.get_by_text("FPS").first.wait_for(timeout=TIMEOUT_MS)
    # checked in one step in the page: each new frame replaces the img, which is empty until it loads
    page.wait_for_function(
        """() => {
            const i = document.querySelector('#webcam-output img'), panel = document.querySelector('#webcam-output');
            return i && i.complete && i.naturalHeight === 32 && i.getBoundingClientRect().height > 0.6 * panel.getBoundingClientRect().height;
        }""",
        timeout=TIMEOUT_MS,
    )  # the small stylized frame (32 pixels high) is scaled up to its panel
    opacity = page.locator("#webcam-fps").evaluate("e => getComputedStyle(e).opacity")
    assert float(opacity) == 1.0, "the FPS line is not greyed out"
    page.screenshot(path=str(screenshots / "app-webcam.png"))
