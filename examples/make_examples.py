"""Rebuilds the examples in this folder (content photos, style images, label maps, a short clip).

Run from the repository root::

    python examples/make_examples.py                                   # palette of the procedural scenes
    python examples/make_examples.py --spade checkpoints/spade-default   # palette of a checkpoint
    python examples/make_examples.py --only video                      # just the clip (needs PyAV)

Content photos are scikit-image's bundled public-domain / CC0 sample images (see README.md in this
folder), resized. Style images are drawn here from fixed seeds (numpy only), so they are this
project's own work, except the Hubble crop. Label maps are layouts of :mod:`stylesynth.data.scenes`
(the procedural landscapes the bundled SPADE weights learn from) in the classes' colours. Needs
numpy, scipy and scikit-image (dependencies of this script only, not of the package). The clip
(``video/coffee-pan.mp4``, the Video tab's example) is a slow pan and zoom across the coffee photo,
written with PyAV: 3 s at 12 fps, 192x144, H.264, under 20 KB.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
CONTENT_SIDE = 384
STYLE_SIDE = 320


def _fit(image: Image.Image, side: int) -> Image.Image:
    """Scales ``image`` so that its longer side is ``side`` pixels."""
    scale = side / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def make_content() -> None:
    """Resizes four of scikit-image's bundled sample photos."""
    import skimage.data

    photos = {
        "cat.jpg": skimage.data.chelsea(),
        "coffee.jpg": skimage.data.coffee(),
        "astronaut.jpg": skimage.data.astronaut(),
        "rocket.jpg": skimage.data.rocket(),
    }
    for name, array in photos.items():
        image = Image.fromarray(array).convert("RGB")
        _fit(image, CONTENT_SIDE).save(HERE / "content" / name, quality=90)


def _palette_map(value: np.ndarray, colors: list[tuple[int, int, int]]) -> np.ndarray:
    """Maps ``value`` in [0, 1] through a piecewise-linear colour ramp; returns uint8 ``(H, W, 3)``."""
    stops = np.linspace(0.0, 1.0, len(colors))
    ramp = np.asarray(colors, dtype=np.float64)
    channels = [np.interp(value, stops, ramp[:, c]) for c in range(3)]
    return np.clip(np.stack(channels, axis=-1), 0, 255).astype(np.uint8)


def swirls(side: int, seed: int) -> np.ndarray:
    """Brush-stroke swirls: white noise smeared along a field of vortices (line-integral convolution)."""
    rng = np.random.default_rng(seed)
    noise = rng.random((side, side))
    ys, xs = np.mgrid[0:side, 0:side].astype(np.float64)
    vx, vy = np.zeros_like(xs), np.zeros_like(ys)
    for _ in range(7):
        cx, cy = rng.uniform(0, side, 2)
        strength = rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 1.5)
        dx, dy = xs - cx, ys - cy
        falloff = np.exp(-(dx**2 + dy**2) / (2 * (side / 4) ** 2))
        vx += -dy * falloff * strength
        vy += dx * falloff * strength
    vx += side * 0.05
    norm = np.hypot(vx, vy) + 1e-9
    vx, vy = vx / norm, vy / norm
    total = np.zeros_like(noise)
    for direction in (1.0, -1.0):
        px, py = xs.copy(), ys.copy()
        for _ in range(18):
            ix = np.clip(px.round().astype(int), 0, side - 1)
            iy = np.clip(py.round().astype(int), 0, side - 1)
            total += noise[iy, ix]
            px += direction * vx[iy, ix]
            py += direction * vy[iy, ix]
    smeared = (total - total.min()) / (np.ptp(total) + 1e-9)
    swirl = 0.5 + 0.5 * np.sin(np.hypot(xs - side / 2, ys - side / 2) / side * 9 + smeared * 3)
    value = np.clip(0.55 * smeared + 0.45 * swirl, 0, 1)
    colors = [(12, 22, 74), (28, 63, 148), (74, 130, 201), (228, 206, 96), (250, 238, 170)]
    return _palette_map(value, colors)


def mosaic(side: int, seed: int) -> np.ndarray:
    """A mosaic of Voronoi tiles in warm colours with dark grout between them."""
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(seed)
    points = rng.uniform(0, side, size=(140, 2))
    tiles = np.asarray(
        [(196, 62, 38), (232, 148, 44), (244, 208, 98), (46, 104, 120), (120, 34, 52), (226, 226, 206)], dtype=np.uint8
    )
    colors = tiles[rng.integers(0, len(tiles), len(points))]
    ys, xs = np.mgrid[0:side, 0:side]
    distances, indices = cKDTree(points).query(np.stack([ys.ravel(), xs.ravel()], axis=1), k=2)
    image = colors[indices[:, 0]].reshape(side, side, 3).astype(np.float64)
    grout = (distances[:, 1] - distances[:, 0]).reshape(side, side) < 2.5
    shade = 0.85 + 0.15 * rng.random((side, side))
    image = image * shade[..., None]
    image[grout] = (38, 30, 28)
    return np.clip(image, 0, 255).astype(np.uint8)


def waves(side: int, seed: int) -> np.ndarray:
    """Bands of ink-like colour bent by low-frequency waves, like marbled paper."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:side, 0:side].astype(np.float64) / side
    bend = np.zeros_like(xs)
    for _ in range(5):
        fx, fy, phase = rng.uniform(1, 4), rng.uniform(1, 4), rng.uniform(0, 2 * np.pi)
        bend += rng.uniform(0.02, 0.08) * np.sin(2 * np.pi * (fx * xs + fy * ys) + phase)
    value = 0.5 + 0.5 * np.sin(2 * np.pi * 7 * (ys + bend + 0.3 * np.sin(2 * np.pi * xs)))
    colors = [(18, 18, 30), (120, 20, 60), (222, 78, 64), (250, 190, 120), (255, 246, 224)]
    return _palette_map(value, colors)


def make_styles() -> None:
    """Draws the project's own style images, and crops the public-domain Hubble deep field."""
    import skimage.data

    Image.fromarray(swirls(STYLE_SIDE, seed=1)).save(HERE / "styles" / "swirls.jpg", quality=90)
    Image.fromarray(mosaic(STYLE_SIDE, seed=2)).save(HERE / "styles" / "mosaic.jpg", quality=90)
    Image.fromarray(waves(STYLE_SIDE, seed=3)).save(HERE / "styles" / "waves.jpg", quality=90)
    hubble = Image.fromarray(skimage.data.hubble_deep_field()).convert("RGB").crop((0, 0, 600, 600))
    _fit(hubble, STYLE_SIDE).save(HERE / "styles" / "hubble.jpg", quality=90)


SCENE_SIDE = 256
SCENE_SEEDS = {"lake.png": 0, "beach.png": 1, "valley.png": 6, "hills.png": 9}


def make_scenes(checkpoint: Path | None) -> None:
    """Draws example label maps (RGB, one colour per class) with the procedural layouts SPADE is trained on.

    The colours are those of the SPADE checkpoint ``checkpoint`` (its ``config.json``), or of
    :data:`stylesynth.data.scenes.SCENE_CLASSES` when none is given.
    """
    import torch

    from stylesynth.data.scenes import SCENE_CLASSES, SceneGenerator
    from stylesynth.data.segmentation import ClassList, colourize

    classes = SCENE_CLASSES
    if checkpoint is not None:
        config = json.loads((checkpoint / "config.json").read_text())
        classes = ClassList.from_names(config["class_names"], config["palette"])
        if classes.names != SCENE_CLASSES.names:
            raise SystemExit(f"{checkpoint}: classes {classes.names} are not the procedural scenes' {SCENE_CLASSES.names}")
    scenes = SceneGenerator(SCENE_SIDE)
    for name, seed in SCENE_SEEDS.items():
        labels = scenes.layout(torch.Generator().manual_seed(seed))
        colourize(labels, classes).convert("RGB").save(HERE / "scenes" / name, optimize=True)


CLIP_SIZE = (192, 144)
CLIP_FPS = 12
CLIP_SECONDS = 3


def make_clip() -> None:
    """A short clip from ``content/coffee.jpg``: the view pans and zooms in slowly (a moving camera), so the
    Video tab's example shows how the stable mode copes with motion. Written under a temporary name, then renamed."""
    import av

    photo = Image.open(HERE / "content" / "coffee.jpg").convert("RGB")
    width, height = CLIP_SIZE
    frames = CLIP_FPS * CLIP_SECONDS
    target = HERE / "video" / "coffee-pan.mp4"
    partial = target.with_name(target.stem + ".partial.mp4")
    with av.open(str(partial), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=CLIP_FPS, options={"crf": "28", "preset": "slow"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for index in range(frames):
            t = index / (frames - 1)
            scale = 0.8 - 0.25 * t  # the window shrinks: a slow zoom in
            box_w, box_h = photo.width * scale, photo.width * scale * height / width
            left = (photo.width - box_w) * (0.1 + 0.8 * t)  # and slides from left to right
            top = (photo.height - box_h) * 0.5
            view = photo.resize(CLIP_SIZE, Image.Resampling.LANCZOS, box=(left, top, left + box_w, top + box_h))
            frame = av.VideoFrame.from_ndarray(np.asarray(view), format="rgb24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    partial.replace(target)


PARTS = ("content", "styles", "scenes", "video")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spade", type=Path, help="a SPADE checkpoint folder whose palette the label maps use")
    parser.add_argument("--only", choices=PARTS, action="append", help="rebuild only this part (repeatable); default: all")
    args = parser.parse_args()
    parts = args.only or PARTS
    for folder in parts:
        (HERE / folder).mkdir(exist_ok=True)
    if "content" in parts:
        make_content()
    if "styles" in parts:
        make_styles()
    if "scenes" in parts:
        make_scenes(args.spade)
    if "video" in parts:
        make_clip()


if __name__ == "__main__":
    main()
