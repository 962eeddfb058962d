"""Builds the texture swatches that paint the procedural SPADE scenes, with a manifest.

    python scripts/make_scene_textures.py OUT_DIR [--cache data/debs] [--size 256]

Every swatch is cut from a photo or pattern that ships in a package (nothing is fetched from the
web): the photographic wallpapers of the Debian packages ``plasma-workspace-wallpapers`` and
``mate-backgrounds``, GIMP's patterns (``gimp-data``, tiled) and the textures in the scikit-image
wheel (grey, so tinted here). ``SWATCHES`` names the file and the box (fractions of width and
height) of each cut, per scene class. The output is the folder layout that
:class:`stylesynth.data.scenes.TextureBank` reads: ``OUT_DIR/<class>/<name>.png`` (shorter side
``--size``) for training and ``OUT_DIR/heldout/<class>/<name>.png`` (the cuts marked held out),
and ``OUT_DIR/manifest.json`` with each file's ``source`` package and version, the ``file`` in
it, the ``box`` and the ``licence`` its copyright file states. Needs numpy and, for the tinted
textures, scikit-image (not dependencies of stylesynth itself).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from make_adain_training_data import fetch_packages, licence_of, read_gimp_pattern, tiled, wallpaper_files
from PIL import Image

#: class -> cuts ``(source, name, box, held_out)``: source ``wallpaper`` (a name as
#: make_adain_training_data's PHOTOS/PICTURES use), ``gimp`` (a pattern, tiled) or ``skimage:<tint
#: RGB hex>`` (a grey texture, tinted); box ``(left, top, right, bottom)`` in fractions.
SWATCHES: dict[str, tuple[tuple[str, str, tuple[float, float, float, float], bool], ...]] = {
    "sky": (
        ("wallpaper", "Kite", (0.22, 0.45, 0.56, 1.0), False),
        ("wallpaper", "Kite", (0.25, 0.0, 0.55, 0.3), False),
        ("wallpaper", "summer_1am", (0.0, 0.0, 0.5, 0.45), False),
        ("wallpaper", "summer_1am", (0.5, 0.0, 1.0, 0.45), True),
        ("wallpaper", "Storm.jpg", (0.0, 0.0, 0.5, 0.4), False),
        ("wallpaper", "EveningGlow", (0.55, 0.0, 1.0, 0.22), False),
    ),
    "cloud": (
        ("wallpaper", "Kite", (0.0, 0.0, 0.17, 0.7), False),
        ("wallpaper", "Kite", (0.78, 0.0, 1.0, 0.3), False),
        ("wallpaper", "EveningGlow", (0.0, 0.0, 0.5, 0.25), False),
        ("wallpaper", "Storm.jpg", (0.5, 0.0, 1.0, 0.4), True),
        ("gimp", "sky", (0.0, 0.0, 1.0, 1.0), False),
    ),
    "mountain": (
        ("gimp", "slate", (0.0, 0.0, 1.0, 1.0), False),
        ("gimp", "Moonfoot", (0.0, 0.0, 1.0, 1.0), False),
        ("gimp", "granite1", (0.0, 0.0, 1.0, 1.0), False),
        ("gimp", "stone33", (0.0, 0.0, 1.0, 1.0), True),
        ("skimage:8a7d70", "gravel", (0.0, 0.0, 1.0, 1.0), False),
    ),
    "water": (
        ("wallpaper", "summer_1am", (0.0, 0.62, 0.5, 1.0), False),
        ("wallpaper", "summer_1am", (0.55, 0.58, 0.95, 0.74), True),
        ("wallpaper", "Volna", (0.8, 0.0, 1.0, 0.55), False),
        ("gimp", "pool", (0.0, 0.0, 1.0, 1.0), False),
    ),
    "sand": (
        ("wallpaper", "Volna", (0.0, 0.0, 0.22, 0.5), False),
        ("wallpaper", "Volna", (0.0, 0.55, 0.22, 1.0), True),
        ("gimp", "ground1", (0.0, 0.0, 1.0, 1.0), False),
        ("skimage:d8c29a", "gravel", (0.0, 0.0, 1.0, 1.0), False),
    ),
    "grass": (
        ("wallpaper", "GreenMeadow.jpg", (0.0, 0.3, 1.0, 1.0), False),
        ("wallpaper", "Path", (0.0, 0.72, 0.45, 1.0), False),
        ("wallpaper", "Path", (0.55, 0.72, 1.0, 1.0), True),
        ("wallpaper", "Dune.jpg", (0.45, 0.5, 1.0, 1.0), False),
        ("skimage:6a9a3c", "grass", (0.0, 0.0, 1.0, 1.0), False),
    ),
    "tree": (
        ("wallpaper", "Path", (0.0, 0.0, 0.45, 0.6), False),
        ("wallpaper", "Path", (0.6, 0.0, 1.0, 0.6), True),
        ("wallpaper", "RainDrops.jpg", (0.0, 0.0, 1.0, 1.0), False),
        ("gimp", "leaves", (0.0, 0.0, 1.0, 1.0), False),
        ("gimp", "bark", (0.0, 0.0, 1.0, 1.0), False),
    ),
}


def tinted(grey: np.ndarray, colour: str) -> Image.Image:
    """A grey texture as shades of ``colour`` (hex RGB): its mean maps to the colour."""
    rgb = np.array([int(colour[index : index + 2], 16) for index in (0, 2, 4)], dtype=np.float32) / 255
    grey = grey.astype(np.float32) / 255
    shades = grey[..., None] / max(float(grey.mean()), 1e-3) * rgb
    return Image.fromarray((shades.clip(0, 1) * 255).round().astype(np.uint8))


def cut(image: Image.Image, box: tuple[float, float, float, float], side: int) -> Image.Image:
    """The ``box`` of ``image``, resized so that its shorter side is ``side`` (never enlarged past 2x)."""
    left, top, right, bottom = box
    width, height = image.size
    piece = image.crop((round(left * width), round(top * height), round(right * width), round(bottom * height)))
    scale = max(side / min(piece.size), 0.0)
    scale = min(scale, 2.0)
    return piece.resize((max(1, round(piece.width * scale)), max(1, round(piece.height * scale))), Image.LANCZOS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--cache", type=Path, default=Path("data/debs"), help="where the .deb files are fetched and unpacked")
    parser.add_argument("--size", type=int, default=256, help="shorter side of every swatch (pixels)")
    args = parser.parse_args(argv)
    unpacked = fetch_packages(args.cache)
    wallpapers = wallpaper_files(unpacked)
    gimp_version, gimp_root = unpacked["gimp-data"]
    patterns = {path.stem: path for path in (gimp_root / "usr/share/gimp").rglob("*.pat")}
    manifest = []
    for label, cuts in SWATCHES.items():
        for index, (source, name, box, held_out) in enumerate(cuts):
            if source == "wallpaper":
                package, path = wallpapers[name]
                version, root = unpacked[package]
                picture = cut(Image.open(path).convert("RGB"), box, args.size)
                origin = {"source": f"{package} {version}", "file": str(path.relative_to(root)), "licence": licence_of(root, package, path)}
            elif source == "gimp":
                path = patterns[name]
                picture = tiled(read_gimp_pattern(path), 1.0, args.size)
                origin = {"source": f"gimp-data {gimp_version}", "file": str(path.relative_to(gimp_root)), "licence": licence_of(gimp_root, "gimp-data", path)}
            else:
                import skimage
                import skimage.data

                picture = cut(tinted(getattr(skimage.data, name)(), source.split(":")[1]), box, args.size)
                origin = {"source": f"scikit-image {skimage.__version__} wheel", "file": f"skimage/data/{name}.png", "licence": "as skimage.data's docstrings state (CC0 for the textures)"}
            folder = args.out / ("heldout" if held_out else "") / label
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"{label}_{index:02d}_{Path(name).stem}.png"
            picture.save(target)
            manifest.append({"path": str(target.relative_to(args.out)), "class": label, "box": list(box), **origin})
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"{len(manifest)} swatches in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
