"""The video, webcam and scene tabs' inputs and limits, the webcam stream's concurrency, what the app
keeps in memory, and the guidance (examples, messages, the legend): through gradio_client, over
Gradio's stream protocol, and by calling the tabs' components and functions directly."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import av
import gradio as gr
import numpy as np
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from stylesynth.data.scenes import SCENE_CLASSES, SKY
from webapp import errors, scene_tab, server, webcam_tab
from webapp.catalog import Catalog, ModelStore
from webapp.config import EXAMPLES, AppConfig
from webapp.server import build_app
from webapp.video_tab import VideoStylization
from webapp.webcam_tab import LiveStylization

from .conftest import REQUEST_TIMEOUT, TEST_MAX_PIXELS, noise_image, solid_image
from .streams import StreamClient
from .test_api import editor, label_map, truncated


def no_progress(*args: Any, **kwargs: Any) -> None:
    return None


def write_video(path: Path, frames: int, fps: int = 12, size: tuple[int, int] = (64, 48), container: str | None = None) -> Path:
    """A clip of ``frames`` grey frames written with PyAV (``container="h264"``: a raw H.264 stream, no duration)."""
    with av.open(str(path), "w", format=container) as output:
        stream = output.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        for index in range(frames):
            frame = av.VideoFrame.from_ndarray(np.full((size[1], size[0], 3), (index * 7) % 256, np.uint8), format="rgb24")
            frame.pts = index
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    return path


@pytest.fixture(scope="module")
def demo(checkpoint_root: Path) -> gr.Blocks:
    """The app's Blocks on the tiny checkpoints, not served: its components are called directly."""
    return build_app(AppConfig(catalog=Catalog.build(checkpoint_root), max_input_pixels=TEST_MAX_PIXELS, default_output_side=64))


def component(demo: gr.Blocks, elem_id: str) -> Any:
    return next(block for block in demo.blocks.values() if getattr(block, "elem_id", None) == elem_id)


@pytest.fixture()
def bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Uploads each tab must refuse, and what the message must say."""
    (tmp_path / "notes.png").write_text("not a picture")
    return {
        "not an image": (tmp_path / "notes.png", "is not a readable image file; accepted formats are PNG, JPEG"),
        "a video": (write_video(tmp_path / "clip.mp4", 6), "is not a readable image file; accepted formats are PNG, JPEG"),
        "too many pixels": (solid_image(tmp_path / "big.png", (400, 300)), r"is 400x300 = 120,000 pixels, more than the limit of 90,000"),
        "truncated": (truncated(tmp_path / "cut.jpg"), "could not be decoded: the file is truncated or damaged"),
    }


# ---- 1, 2: every image input checks its upload before Gradio decodes it ----------------------------------


@pytest.mark.parametrize(
    ("elem_id", "what"),
    [("video-style", "The style image"), ("webcam-style", "The style image"), ("scene-style", "The style image"), ("webcam-input", "The webcam frame")],
)
@pytest.mark.parametrize("case", ["not an image", "a video", "too many pixels", "truncated"])
def test_each_image_input_refuses_a_bad_upload_naming_itself(demo: gr.Blocks, bad_files: dict, elem_id: str, what: str, case: str, tmp_path: Path) -> None:
    path, message = bad_files[case]
    if elem_id == "webcam-input" and case == "too many pixels":  # frames may have a 4K camera's pixels (webcam_tab.FRAME_PIXELS)
        path = solid_image(tmp_path / "huge.png", (4000, 2200))
        message = r"is 4000x2200 = 8,800,000 pixels, more than the limit of 8,294,400"
    image = component(demo, elem_id)
    payload = image.data_model.model_validate({"path": str(path), "orig_name": path.name})
    if case == "truncated" and image.type == "filepath":  # the header is fine: the tab's work decodes the file
        assert image.preprocess(payload) == str(path)
        return
    with pytest.raises(gr.Error, match=f"^'?{what} {message}"):
        image.preprocess(payload)


def test_image_inputs_are_file_paths_kept_as_uploaded_and_the_frames_arrays(demo: gr.Blocks) -> None:
    images = [block for block in demo.blocks.values() if isinstance(block, gr.Image) and block.interactive is not False]
    inputs = {block.elem_id: block for block in images if block.elem_id}
    assert {"video-style", "webcam-style", "scene-style", "webcam-input"} <= set(inputs)
    for block in images:
        assert "preprocess" in vars(block), f"{block.elem_id or block.label}: its upload is not checked"
        if block.elem_id == "webcam-input":
            assert block.type == "numpy"
        elif block.elem_id != "webcam-output":
            assert (block.type, block.image_mode) == ("filepath", None), block.elem_id


def test_a_webcam_frame_sent_as_a_data_url_is_checked_too(demo: gr.Blocks) -> None:
    camera = component(demo, "webcam-input")
    import base64
    import io

    buffer = io.BytesIO()
    Image.new("RGB", (4000, 2200)).save(buffer, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    with pytest.raises(gr.Error, match="The webcam frame is 4000x2200 = 8,800,000 pixels"):
        camera.preprocess(camera.data_model.model_validate({"url": url}))
    with pytest.raises(gr.Error, match="The webcam frame is not a readable image file"):
        camera.preprocess(camera.data_model.model_validate({"url": "data:image/png;base64,bm90IGFuIGltYWdl"}))


@pytest.mark.parametrize("case", ["not an image", "a video", "too many pixels", "truncated"])
def test_scene_and_video_endpoints_refuse_bad_style_images_with_a_message(client, bad_files: dict, tmp_path: Path, case: str) -> None:
    path, message = bad_files[case]
    labels = label_map(tmp_path / "scene.png", (32, 32), SKY)
    with pytest.raises(AppError, match=f"The style image {message}"):
        client.submit(editor(labels), handle_file(str(path)), 0, "spade-tiny", api_name="/synthesize").result(timeout=REQUEST_TIMEOUT)
    clip = write_video(tmp_path / "ok.mp4", 6)
    job = client.submit(handle_file(str(clip)), handle_file(str(path)), 1.0, False, 32, True, "adain-tiny", api_name="/stylize_video")
    with pytest.raises(AppError, match=f"The style image {message}"):
        job.result(timeout=REQUEST_TIMEOUT)


def test_a_webcam_frame_over_the_pixel_limit_is_refused_before_any_work(checkpoint_root: Path, tmp_path: Path) -> None:
    models = ModelStore(Catalog.build(checkpoint_root))
    live = LiveStylization(models, TEST_MAX_PIXELS)
    style = str(noise_image(tmp_path / "style.png", (32, 32)))
    frame = np.zeros((300, 301, 3), np.uint8)
    with pytest.raises(gr.Error, match=r"The webcam frame is 301x300 = 90,300 pixels, more than the limit of 90,000"):
        live(frame, style, 1.0, 32, True, "adain-tiny", None)
    assert len(models) == 0, "no model is loaded for a refused frame"
    image, note, _ = live(np.zeros((300, 300, 3), np.uint8), style, 1.0, 32, True, "adain-tiny", None)
    assert image.shape == (32, 32, 3) and "FPS" in note


# ---- 3: an abandoned stream does not block the next visitor ----------------------------------------------


def test_a_second_client_gets_frames_while_a_first_abandoned_stream_is_open(served_app: str, tmp_path: Path) -> None:
    frame = noise_image(tmp_path / "frame.png", (64, 48))
    style = noise_image(tmp_path / "style.png", (40, 40), seed=3)
    first = StreamClient(served_app, "webcam")
    inputs = [first.upload(frame), first.upload(style), 1.0, 32, True, "adain-tiny", None]
    first.join(inputs)
    assert first.next_output(REQUEST_TIMEOUT)[0] is not None  # streaming; then the client goes silent, never closing
    second = StreamClient(served_app, "webcam")
    inputs = [second.upload(frame), second.upload(style), 1.0, 32, True, "adain-tiny", None]
    started = time.monotonic()
    second.join(inputs)
    try:
        assert second.next_output(30)[0] is not None
        second.send(inputs)
        output = second.next_output(30)
        assert output[0] is not None and "FPS" in output[1]
        assert time.monotonic() - started < webcam_tab.TIME_LIMIT / 2, "the second stream waited for the first one's time limit"
    finally:
        second.close()
        first.close()


def test_the_stream_runs_in_its_own_concurrency_group_with_a_session_lifetime(demo: gr.Blocks) -> None:
    stream = next(fn for fn in demo.fns.values() if fn.api_name == "webcam")
    assert (stream.concurrency_id, stream.concurrency_limit) == (webcam_tab.CONCURRENCY_ID, webcam_tab.MAX_STREAMS)
    assert stream.time_limit == webcam_tab.TIME_LIMIT and stream.show_progress == "hidden"
    states = [block for block in demo.blocks.values() if isinstance(block, gr.State)]
    assert states and all(state.time_to_live == webcam_tab.SESSION_LIFETIME for state in states)


# ---- 4, 5: clip length without a duration; messages name the upload, not the server's path -------------------


def test_a_raw_h264_stream_past_the_limit_is_refused_by_counting_its_frames(checkpoint_root: Path, tmp_path: Path) -> None:
    from stylesynth.video import probe

    models = ModelStore(Catalog.build(checkpoint_root))
    style = str(noise_image(tmp_path / "style.png", (32, 32)))
    long_clip = write_video(tmp_path / "long.h264", 40, container="h264")  # FFmpeg reads raw H.264 at 25 fps: 1.6 s
    assert probe(long_clip).duration is None
    work = VideoStylization(models, TEST_MAX_PIXELS, max_seconds=1.0)
    with pytest.raises(gr.Error, match=r"long\.h264 states no duration and holds more than 25 frames \(1\.0 s at 25 fps\); this app stylizes clips of up to 1 s"):
        work(str(long_clip), style, 1.0, False, 32, True, "adain-tiny", progress=no_progress)
    assert len(models) == 0, "refused before the model loads"
    short_clip = write_video(tmp_path / "short.h264", 20, container="h264")  # 0.8 s
    output = Path(work(str(short_clip), style, 1.0, False, 32, True, "adain-tiny", progress=no_progress))
    assert probe(output).frames == 20


def test_video_messages_name_the_upload_not_the_servers_temporary_path(client, tmp_path: Path) -> None:
    fake = tmp_path / "holiday clip.mp4"
    fake.write_bytes(b"no video here")
    style = noise_image(tmp_path / "style.png", (32, 32))
    job = client.submit(handle_file(str(fake)), handle_file(str(style)), 1.0, False, 32, True, "adain-tiny", api_name="/stylize_video")
    with pytest.raises(AppError) as raised:
        job.result(timeout=REQUEST_TIMEOUT)
    message = str(raised.value)
    assert message.startswith("holiday clip.mp4") and "not a readable video" in message, message
    assert "/" not in message.split(":")[0] and "gradio" not in message, message
    long_clip = write_video(tmp_path / "long one.mp4", 30, fps=10)  # 3 s
    work = VideoStylization(ModelStore(Catalog.build(Path(style).parent)), TEST_MAX_PIXELS, max_seconds=2)
    with pytest.raises(gr.Error, match=r"^'?long one\.mp4 is 3\.0 s long"):
        work(str(long_clip), str(style), 1.0, False, 32, True, "adain-tiny", progress=no_progress)


# ---- 6: what the app keeps is bounded -----------------------------------------------------------------------


def test_loaded_models_and_style_codes_are_bounded(checkpoint_root: Path, tmp_path: Path) -> None:
    root = tmp_path / "checkpoints"
    for name in ("a", "b", "c"):
        shutil.copytree(checkpoint_root / "adain-tiny", root / name)
    store = ModelStore(Catalog.build(root), max_models=2, style_cache=3)
    first = store.get("style", "a")
    store.get("style", "b")
    assert store.get("style", "a") is first  # kept, and now the most recently used
    store.get("style", "c")  # drops b, the least recently used
    assert len(store) == 2 and store.get("style", "a") is first
    assert store.get("style", "b") is not None and len(store) == 2
    from webapp.style_tab import StyleTransfer

    work = StyleTransfer(store, TEST_MAX_PIXELS)
    content = {"background": Image.new("RGB", (32, 32), (90, 90, 90)), "layers": []}
    for seed in range(6):  # six different style uploads
        style = noise_image(tmp_path / f"style{seed}.png", (32, 32), seed=seed)
        work(content, [str(style)], 1, 1, 1, 1, 1.0, False, 32, "a", progress=no_progress)
    assert len(store.get("style", "a").cache) == 3


def test_the_app_deletes_gradios_cached_files_and_states_the_bounds(demo: gr.Blocks) -> None:
    assert demo.delete_cache == (server.CACHE_LIFETIME, server.CACHE_LIFETIME)
    readme = (Path(server.__file__).parents[1] / "README.md").read_text()
    for bound in (f"{webcam_tab.SESSION_LIFETIME // 60} minutes", "least recently used"):
        assert bound in readme, bound


# ---- 7: examples, messages, the legend ------------------------------------------------------------------------


def test_the_video_and_webcam_tabs_have_examples_and_the_clip_is_small_and_short(demo: gr.Blocks) -> None:
    from stylesynth.video import probe

    clips = sorted((EXAMPLES / "video").glob("*.mp4"))
    assert clips and all(clip.stat().st_size < 300_000 for clip in clips)
    assert all(probe(clip).duration <= 10 for clip in clips)
    datasets = {block.elem_id: block for block in demo.blocks.values() if isinstance(block, gr.Dataset)}
    video_rows = datasets["video-examples"].samples
    assert any(str(row[0]["orig_name"]).endswith(".mp4") for row in video_rows)
    assert len(datasets["webcam-examples"].samples) == len(sorted((EXAMPLES / "styles").glob("*.jpg")))


def test_a_failed_run_keeps_the_previous_result_and_says_why_in_the_message_line() -> None:
    def work(value: str, progress: Any = None) -> str:
        if value == "bad":
            raise errors.user_error("The content image is <broken> & truncated")
        return f"result of {value}"

    inline = errors.Inline(work)
    assert inline("good") == ("result of good", "")  # success clears the message line
    kept, message = inline("bad")
    assert kept == gr.skip()
    assert "The content image is &lt;broken&gt; &amp; truncated" in message and "Please check the input" in message
    assert errors.cleared() == ""


def test_the_buttons_run_inline_and_the_api_endpoints_raise(demo: gr.Blocks) -> None:
    public = {fn.api_name: fn for fn in demo.fns.values() if fn.api_visibility == "public"}
    assert {"stylize", "synthesize", "stylize_video", "presets", "webcam"} <= set(public)
    for name in ("stylize", "synthesize", "stylize_video"):
        assert not isinstance(public[name].fn, errors.Inline)
    inline = [fn for fn in demo.fns.values() if isinstance(fn.fn, errors.Inline)]
    assert len(inline) >= 5  # stylize, presets, synthesize (button and new seed), video


def test_the_legend_names_every_class_legibly_on_its_swatch() -> None:
    legend = scene_tab.legend_html(SCENE_CLASSES)
    for name in SCENE_CLASSES.names:
        assert f">{name}</span>" in legend
    assert scene_tab.text_colour((245, 245, 245)) == "#000000"  # cloud: dark text
    assert scene_tab.text_colour((20, 90, 30)) == "#ffffff"  # tree: light text
    assert "border:1px solid" in legend
