"""Procedural style pictures for make_adain_training_data.py (drawn here, this project's own, MIT).

Each generator takes a numpy Generator and returns a SIZE x SIZE x 3 uint8 picture: stripes, plaids,
colour noise, Voronoi mosaics, brush strokes, ripples and halftone dots, in random palettes.
"""

from __future__ import annotations

import colorsys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

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
    """Value noise: a ``cells`` x ``cells`` random grid enlarged bicubically to SIZE x SIZE, in [0, 1]."""
    small = Image.fromarray((rng.random((cells, cells)) * 255).astype(np.uint8))
    return np.asarray(small.resize((SIZE, SIZE), Image.BICUBIC), dtype=np.float32) / 255.0


def stripes(rng: np.random.Generator) -> np.ndarray:
    """Wavy parallel stripes through a three-colour ramp."""
    y, x = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    angle, frequency = rng.uniform(0, np.pi), rng.uniform(4, 30)
    wave = np.sin(2 * np.pi * frequency * (x * np.cos(angle) + y * np.sin(angle)) + 3 * smooth_noise(rng, 4))
    return gradient_map((wave + 1) / 2, palette(rng, 3))


def plaid(rng: np.random.Generator) -> np.ndarray:
    """Two crossing square waves, a tartan-like check."""
    y, x = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    a, b = rng.uniform(3, 16, size=2)
    values = 0.5 * (np.sin(2 * np.pi * a * x) > 0) + 0.5 * (np.sin(2 * np.pi * b * y) > rng.uniform(-0.5, 0.5))
    return gradient_map(values, palette(rng, 3))


def colour_noise(rng: np.random.Generator) -> np.ndarray:
    """Three octaves of value noise through a five-colour ramp."""
    values = sum(smooth_noise(rng, cells) / (i + 1) for i, cells in enumerate((4, 12, 40)))
    values = (values - values.min()) / (np.ptp(values) + 1e-8)
    return gradient_map(values, palette(rng, 5))


def voronoi(rng: np.random.Generator) -> np.ndarray:
    """A mosaic of Voronoi cells with dark seams."""
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
    """Hundreds of short brush strokes of one general direction."""
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
    """Interfering circular waves from a few centres."""
    y, x = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    values = np.zeros((SIZE, SIZE))
    for _ in range(int(rng.integers(2, 5))):
        cx, cy = rng.random(2)
        values += np.sin(2 * np.pi * rng.uniform(5, 25) * np.hypot(x - cx, y - cy))
    return gradient_map((values - values.min()) / (np.ptp(values) + 1e-8), palette(rng, 4))


def dots(rng: np.random.Generator) -> np.ndarray:
    """A staggered grid of coloured dots, halftone-like."""
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
    """The grey levels of the picture at ``path`` through a random four-colour ramp."""
    grey = np.asarray(Image.open(path).convert("L").resize((SIZE, SIZE), Image.BICUBIC), dtype=np.float32) / 255.0
    return gradient_map((grey - grey.min()) / (np.ptp(grey) + 1e-8), palette(rng, 4))
