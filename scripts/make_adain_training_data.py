"""Builds the offline training set of the bundled AdaIN weights: photos from scikit-image, procedural styles.

    python scripts/make_adain_training_data.py OUT_DIR [--styles 48] [--seed 0]

writes ``OUT_DIR/content/*.png`` (the photographs that ship inside the scikit-image wheel, greyscale
ones as RGB) and ``OUT_DIR/style/*.png`` (textures generated here: stripes, plaids, smooth colour
noise, Voronoi mosaics, brush strokes, ripples, halftone dots, and scikit-image's brick, grass and
gravel textures recoloured). Needs scikit-image and numpy (not dependencies of stylesynth itself).
"""

from __future__ import annotations

import argparse
import colorsys
import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

#: Photographs bundled in the scikit-image wheel (no download needed); the rest of skimage.data is fetched.
CONTENT_FILES = (
    "astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png", "motorcycle_right.png",
    "hubble_deep_field.jpg", "retina.jpg", "ihc.png", "camera.png", "coins.png", "moon.png", "page.png",
    "text.png", "clock_motion.png", "cell.png", "microaneurysms.png", "color.png",
)  # fmt: skip
TEXTURE_FILES = ("brick.png", "grass.png", "gravel.png")
SIZE = 512


def palette(rng: np.random.Generator, count: int) -> np.ndarray:
    """``count`` colours (uint8 RGB) around a random hue, with random saturation and value."""
    base = rng.random()
    colours = []
    for _ in range(count):
        hue = (base + rng.normal(0, 0.12)) % 1.0
        colours.append(colorsys.hsv_to_rgb(hue, rng.uniform(0.35, 1.0), rng.uniform(0.25, 1.0)))
    return (np.array(colours) * 255).astype(np.uint8)


def gradient_map(values: np.ndarray, colours: np.ndarray) -> np.ndarray:
    """Maps values in [0, 1] through a piecewise-linear colour ramp."""
    stops = np.linspace(0, 1, len(colours))
    return np.stack([np.interp(values, stops, colours[:, c]) for c in range(3)], -1).astype(np.uint8)


def smooth_noise(rng: np.random.Generator, cells: int) -> np.ndarray:
    small = Image.fromarray((rng.random((cells, cells)) * 255).astype(np.uint8))
    return np.asarray(small.resize((SIZE, SIZE), Image.BICUBIC), dtype=np.float32) / 255.0


def stripes(rng: np.random.Generator) -> np.ndarray:
    y, x = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    angle, frequency = rng.uniform(0, np.pi), rng.uniform(4, 30)
    wave = np.sin(2 * np.pi * frequency * (x * np.cos(angle) + y * np.sin(angle)) + 3 * smooth_noise(rng, 4))
    return gradient_map((wave + 1) / 2, palette(rng, 3))


def plaid(rng: np.random.Generator) -> np.ndarray:
    y, x = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    a, b = rng.uniform(3, 16, size=2)
    values = 0.5 * (np.sin(2 * np.pi * a * x) > 0) + 0.5 * (np.sin(2 * np.pi * b * y) > rng.uniform(-0.5, 0.5))
    return gradient_map(values, palette(rng, 3))


def colour_noise(rng: np.random.Generator) -> np.ndarray:
    values = sum(smooth_noise(rng, cells) / (i + 1) for i, cells in enumerate((4, 12, 40)))
    values = (values - values.min()) / (np.ptp(values) + 1e-8)
    return gradient_map(values, palette(rng, 5))


def voronoi(rng: np.random.Generator) -> np.ndarray:
    count = int(rng.integers(20, 150))
    points = rng.random((count, 2)) * SIZE
    colours = palette(rng, count)
    y, x = np.mgrid[0:SIZE:2, 0:SIZE:2]
    distances = (x[..., None] - points[:, 0]) ** 2 + (y[..., None] - points[:, 1]) ** 2
    order = np.argsort(distances, axis=-1)
    nearest = order[..., 0]
    first = np.take_along_axis(distances, order[..., :1], -1)[..., 0]
    second = np.take_along_axis(distances, order[..., 1:2], -1)[..., 0]
    image = colours[nearest]
    edge = (np.sqrt(second) - np.sqrt(first)) < rng.uniform(1.0, 4.0)
    image[edge] = palette(rng, 1)[0] // 4
    return np.asarray(Image.fromarray(image).resize((SIZE, SIZE), Image.NEAREST))


def strokes(rng: np.random.Generator) -> np.ndarray:
    colours = palette(rng, 6)
    image = Image.new("RGB", (SIZE, SIZE), tuple(int(v) for v in colours[0]))
    draw = ImageDraw.Draw(image)
    angle = rng.uniform(0, np.pi)
    for _ in range(int(rng.integers(200, 700))):
        x, y = rng.random(2) * SIZE
        length, turn = rng.uniform(10, 60), angle + rng.normal(0, 0.4)
        end = (x + length * np.cos(turn), y + length * np.sin(turn))
        colour = tuple(int(v) for v in colours[rng.integers(len(colours))])
        draw.line([(x, y), end], fill=colour, width=int(rng.integers(3, 14)))
    return np.asarray(image.filter(ImageFilter.GaussianBlur(rng.uniform(0, 1.5))))


def ripples(rng: np.random.Generator) -> np.ndarray:
    y, x = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    values = np.zeros((SIZE, SIZE))
    for _ in range(int(rng.integers(2, 5))):
        cx, cy = rng.random(2)
        values += np.sin(2 * np.pi * rng.uniform(5, 25) * np.hypot(x - cx, y - cy))
    return gradient_map((values - values.min()) / (np.ptp(values) + 1e-8), palette(rng, 4))


def dots(rng: np.random.Generator) -> np.ndarray:
    colours = palette(rng, 4)
    image = Image.new("RGB", (SIZE, SIZE), tuple(int(v) for v in colours[0]))
    draw = ImageDraw.Draw(image)
    step = int(rng.integers(12, 40))
    for row in range(-1, SIZE // step + 2):
        for column in range(-1, SIZE // step + 2):
            radius = step * rng.uniform(0.2, 0.5)
            cx, cy = column * step + (row % 2) * step / 2, row * step
            colour = tuple(int(v) for v in colours[1 + rng.integers(3)])
            draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], fill=colour)
    return np.asarray(image)


GENERATORS = (stripes, plaid, colour_noise, voronoi, strokes, ripples, dots)


def recoloured_texture(rng: np.random.Generator, path: Path) -> np.ndarray:
    grey = np.asarray(Image.open(path).convert("L").resize((SIZE, SIZE), Image.BICUBIC), dtype=np.float32) / 255.0
    return gradient_map((grey - grey.min()) / (np.ptp(grey) + 1e-8), palette(rng, 4))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--styles", type=int, default=49, help="procedural style images to generate")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import skimage  # only this script needs scikit-image

    data = Path(os.path.dirname(skimage.__file__)) / "data"
    content, style = args.out_dir / "content", args.out_dir / "style"
    content.mkdir(parents=True, exist_ok=True)
    style.mkdir(parents=True, exist_ok=True)
    for name in CONTENT_FILES:
        Image.open(data / name).convert("RGB").save(content / (Path(name).stem + ".png"))
    rng = np.random.default_rng(args.seed)
    for index in range(args.styles):
        generator = GENERATORS[index % len(GENERATORS)]
        Image.fromarray(generator(rng)).save(style / f"{generator.__name__}-{index:03d}.png")
    for name in TEXTURE_FILES:
        for variant in range(3):
            Image.fromarray(recoloured_texture(rng, data / name)).save(style / f"{Path(name).stem}-{variant}.png")
    print(f"{len(CONTENT_FILES)} content images in {content}, {args.styles + 3 * len(TEXTURE_FILES)} style images in {style}")


if __name__ == "__main__":
    main()
