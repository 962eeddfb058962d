"""Builds the offline training and held-out sets of the bundled AdaIN weights, with a manifest.

    python scripts/make_adain_training_data.py OUT_DIR [--seed 0] [--cache data/debs]

Everything comes from packages (nothing is fetched from the web) or is drawn here:

- photos: the photographs inside the scikit-image wheel, and the photographic wallpapers of the
  Debian packages ``plasma-workspace-wallpapers``, ``mate-backgrounds`` and ``ukui-wallpapers``
  (large ones also give a few crops at other scales);
- styles: the abstract and illustrated wallpapers of those packages and of ``gnome-backgrounds``,
  GIMP's patterns (``gimp-data``, ``.pat`` tiles repeated to fill a picture), scikit-image's
  textures recoloured, procedural textures drawn here (stripes, plaids, colour noise, Voronoi
  mosaics, brush strokes, ripples, halftone dots), and the photos themselves;
- held out (``OUT_DIR/heldout/{content,style}``): photos and styles named in ``HELD_OUT``, never
  written to the training folders, for measuring a trained model on images it never saw.

The Debian packages are fetched with ``apt-get download`` into ``--cache`` and unpacked with
``dpkg -x`` (no root needed for either once the package lists exist). ``OUT_DIR/manifest.json``
lists every image written (``path``), its ``source`` package (and version) or generator, the
``file`` inside the package, and the ``licence`` as the package's copyright file states it. Same seed, same folders.
Needs scikit-image and numpy (not dependencies of stylesynth itself).
"""

from __future__ import annotations

import argparse
import colorsys
import fnmatch
import json
import os
import re
import subprocess
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

#: Debian packages read, and the wallpapers in them that are photographs (content) or pictures to
#: use as styles; a name is a plasma wallpaper folder or a file name. Near-uniform or logo-only
#: wallpapers are left out.
PACKAGES = ("plasma-workspace-wallpapers", "mate-backgrounds", "ukui-wallpapers", "gnome-backgrounds", "gimp-data")
PHOTOS = (
    "FallenLeaf", "Path", "Autumn", "BytheWater", "Canopee", "ColorfulCups", "EveningGlow", "summer_1am",
    "Aqua.jpg", "Blinds.jpg", "Dune.jpg", "FreshFlower.jpg", "Garden.jpg", "GreenMeadow.jpg", "LadyBird.jpg",
    "RainDrops.jpg", "Storm.jpg", "TwoWings.jpg", "Wood.jpg", "YellowFlower.jpg",
)  # fmt: skip
PICTURES = (
    "Altai", "IceCold", "Flow", "Kay", "Opal", "DarkestHour", "Patak", "Volna", "PastelHills", "Kite",
    "FlyingKonqui", "SafeLanding", "OneStandsOut", "ColdRipple", "Elarun", "Honeywave", "Kokkini", "Shell",
    "Cluster", "MilkyWay", "Cascade", "Grey",
    "calla.png", "fluent-color.png", "string.jpg", "rollpaper.png", "city.png", "rhythm.jpg", "goldfish.png",
    "the-mouse.jpg", "firstgeneration.jpg", "desert.png",
    "Elephants.jpg", "Flow.png", "Silk.png", "Waves.png", "Spring.png", "Float-into-MATE.png",
    "adwaita-d.webp", "licorice-l.webp", "licorice-d.webp", "truchet-d.webp", "truchet-l.webp", "pixels-l.webp",
    "pixels-d.webp", "grid-l.webp", "grid-d.webp", "wood-d.webp", "wood-l.webp",
)  # fmt: skip
#: Never written to the training folders: the held-out set that model cards report numbers on.
HELD_OUT = {
    "content": ("ColorfulCups", "Storm.jpg", "LadyBird.jpg", "Path", "motorcycle_left.png", "Wood.jpg"),
    "style": ("Elephants.jpg", "rhythm.jpg", "licorice-l.webp", "Kokkini", "string.jpg", "truchet-d.webp",
              "Honeywave", "marble1.pat"),
}  # fmt: skip


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


def read_gimp_pattern(path: Path) -> Image.Image:
    """A GIMP ``.pat`` tile: a big-endian header (size, version, width, height, bytes per pixel, b"GPAT"), a name, pixels."""
    data = path.read_bytes()
    header_size, _version, width, height, depth = np.frombuffer(data[:20], ">u4")
    if data[20:24] != b"GPAT" or depth not in (1, 2, 3, 4):
        raise ValueError(f"{path}: not a GIMP pattern")
    pixels = np.frombuffer(data[header_size : header_size + width * height * depth], np.uint8).reshape(height, width, depth)
    mode = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}[int(depth)]
    return Image.fromarray(pixels.squeeze(-1) if depth == 1 else pixels, mode).convert("RGB")


def tiled(tile: Image.Image, scale: float, side: int = SIZE) -> Image.Image:
    """``tile`` scaled by ``scale`` and repeated to fill a ``side`` x ``side`` picture."""
    if scale != 1:
        tile = tile.resize((max(1, round(tile.width * scale)), max(1, round(tile.height * scale))), Image.BICUBIC)
    picture = Image.new("RGB", (side, side))
    for top in range(0, side, tile.height):
        for left in range(0, side, tile.width):
            picture.paste(tile, (left, top))
    return picture


def shorter_side(image: Image.Image, side: int) -> Image.Image:
    """``image`` resized so that its shorter side is ``side`` (never enlarged)."""
    scale = side / min(image.size)
    if scale >= 1:
        return image
    return image.resize((round(image.width * scale), round(image.height * scale)), Image.LANCZOS)


def fetch_packages(cache: Path) -> dict[str, tuple[str, Path]]:
    """``apt-get download`` + ``dpkg -x`` of PACKAGES into ``cache``: package -> (version, unpacked root)."""
    cache.mkdir(parents=True, exist_ok=True)
    unpacked: dict[str, tuple[str, Path]] = {}
    for package in PACKAGES:
        debs = sorted(cache.glob(f"{package}_*.deb"))
        if not debs:
            subprocess.run(["apt-get", "download", package], cwd=cache, check=True, capture_output=True)
            debs = sorted(cache.glob(f"{package}_*.deb"))
        root = cache / package
        if not root.is_dir():
            subprocess.run(["dpkg", "-x", str(debs[-1]), str(root)], check=True)
        version = debs[-1].name.split("_")[1].replace("%3a", ":")
        unpacked[package] = (version, root)
    return unpacked


def licence_of(root: Path, package: str, file: Path) -> str:
    """The licence the package's Debian copyright file gives for ``file`` (by its name), else for ``Files: *``."""
    copyright_file = root / "usr/share/doc" / package / "copyright"
    if not copyright_file.is_file():
        return f"see /usr/share/doc/{package}/copyright"
    text = copyright_file.read_text(errors="replace")
    general = None
    for stanza in re.split(r"\n\s*\n", text):
        files = re.search(r"^Files:(.*(?:\n[ \t].*)*)", stanza, re.M)
        licence = re.search(r"^License:\s*(.+)", stanza, re.M)
        if not files or not licence:
            continue
        patterns = files.group(1).split()
        if patterns == ["*"]:
            general = licence.group(1).strip()
        elif any(fnmatch.fnmatch(file.name, Path(pattern).name) for pattern in patterns):
            return licence.group(1).strip()
    if general:
        return general
    first_lines = " ".join(text.split()[:40])
    return f"not machine-readable; /usr/share/doc/{package}/copyright begins: {first_lines}"


def wallpaper_files(unpacked: dict[str, tuple[str, Path]]) -> dict[str, tuple[str, Path]]:
    """Every wallpaper by its name in PHOTOS / PICTURES -> (package, file); a plasma folder gives its largest light image."""
    found: dict[str, tuple[str, Path]] = {}
    for package, (_version, root) in unpacked.items():
        if package == "gimp-data":
            continue
        for folder in (root / "usr/share/wallpapers", root / "usr/share/backgrounds"):
            if not folder.is_dir():
                continue
            for path in sorted(folder.rglob("*")):
                if path.suffix.lower() not in (".jpg", ".jpeg", ".png", ".webp") or "screenshot" in path.name:
                    continue
                parts = path.relative_to(folder).parts
                if folder.name == "wallpapers":
                    if parts[-2] != "images":  # images_dark are variants of the same picture
                        continue
                    name = parts[0]
                    if name in found and found[name][1].stat().st_size >= path.stat().st_size:
                        continue
                else:
                    name = path.name
                found[name] = (package, path)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--styles", type=int, default=70, help="procedural style images to generate")
    parser.add_argument("--crops", type=int, default=3, help="extra crops of each large photo, at other scales")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=Path("data/debs"), help="where the Debian packages are downloaded and unpacked")
    args = parser.parse_args()

    import skimage  # only this script needs scikit-image

    rng = np.random.default_rng(args.seed)
    skimage_data = Path(os.path.dirname(skimage.__file__)) / "data"
    skimage_source = {"source": f"scikit-image {skimage.__version__} wheel", "licence": "as stated in the docstrings of skimage.data (CC0 or public domain for these)"}
    folders = {name: args.out_dir / name for name in ("content", "style", "heldout/content", "heldout/style")}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    manifest: list[dict[str, str]] = []

    def write(image: Image.Image, role: str, stem: str, held_out_name: str, **source: str) -> None:
        folder = f"heldout/{role}" if held_out_name in HELD_OUT[role] else role
        path = folders[folder] / f"{stem}.png"
        shorter_side(image.convert("RGB"), 768).save(path)
        manifest.append({"path": str(path.relative_to(args.out_dir)), **source})

    for name in CONTENT_FILES:
        image = Image.open(skimage_data / name)
        write(image, "content", Path(name).stem, name, file=f"skimage/data/{name}", **skimage_source)

    unpacked = fetch_packages(args.cache)
    wallpapers = wallpaper_files(unpacked)
    for role, names in (("content", PHOTOS), ("style", PICTURES)):
        for name in names:
            if name not in wallpapers:
                raise SystemExit(f"{name}: not found in the packages {', '.join(PACKAGES)}")
            package, path = wallpapers[name]
            version, root = unpacked[package]
            source = {"source": f"Debian {package} {version}", "file": "/" + str(path.relative_to(root)), "licence": licence_of(root, package, path)}
            image = Image.open(path).convert("RGB")
            stem = re.sub(r"[^A-Za-z0-9_-]", "_", Path(name).stem).lower()
            write(image, role, f"{package.split('-')[0]}-{stem}", name, **source)
            if role == "content" and name not in HELD_OUT["content"] and min(image.size) >= 1200:
                for crop in range(args.crops):  # closer views: a random window of a third to two thirds
                    side = int(min(image.size) * rng.uniform(0.33, 0.66))
                    left, top = (int(rng.integers(0, extent - side + 1)) for extent in image.size)
                    write(image.crop((left, top, left + side, top + side)), role, f"{package.split('-')[0]}-{stem}-crop{crop}", name, **source)

    version, root = unpacked["gimp-data"]
    for path in sorted((root / "usr/share/gimp/2.0/patterns").rglob("*.pat")):
        tile = read_gimp_pattern(path)
        if min(tile.size) < 16 or np.asarray(tile).std() < 8:  # 1-pixel stripes and flat colours teach nothing
            continue
        source = {"source": f"Debian gimp-data {version}", "file": "/" + str(path.relative_to(root)), "licence": licence_of(root, "gimp-data", path)}
        write(tiled(tile, float(rng.uniform(1.0, 2.5))), "style", f"gimp-{path.stem.lower()}", path.name, **source)

    for index in range(args.styles):
        generator = GENERATORS[index % len(GENERATORS)]
        write(Image.fromarray(generator(rng)), "style", f"{generator.__name__}-{index:03d}", "", source=f"drawn by this script ({generator.__name__}, seed {args.seed})", licence="this project's own, MIT")
    for name in TEXTURE_FILES:
        for variant in range(3):
            write(Image.fromarray(recoloured_texture(rng, skimage_data / name)), "style", f"{Path(name).stem}-{variant}", "", file=f"skimage/data/{name}", **skimage_source)

    (args.out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    counts = {name: len(list(folder.glob("*.png"))) for name, folder in folders.items()}
    print(", ".join(f"{count} in {name}" for name, count in counts.items()) + f"; manifest in {args.out_dir / 'manifest.json'}")


if __name__ == "__main__":
    main()
