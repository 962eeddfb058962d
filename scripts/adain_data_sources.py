"""What make_adain_training_data.py reads: the packages, and which of their pictures are photos or styles.

Every picture is a ``Candidate``: its role (``content`` photo or ``style`` picture), a name (the
names of earlier versions are kept, so ``HELD_OUT`` still finds them), the *family* it is split with
(a package, or one activity of GCompris), its kind, where it comes from and under what licence, and
how to open it. The lists below were made by looking at every picture of these packages (contact
sheets); drawings, logos, screenshots, maps, sprites and flat colours are left out of the photos by
name or pattern.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path

import numpy as np
from adain_data_images import flatten, tiled
from adain_data_packages import LEGACY_PACKAGES, licence_of, read_gimp_pattern, read_rcc, wallpaper_files
from adain_data_styles import GENERATORS, recoloured_texture
from PIL import Image

#: Photographs bundled in the scikit-image wheel (no download needed). Its microscopy, text pages
#: and charts are not photographs of scenes and are left out since version 2.
SKIMAGE_PHOTOS = {
    "astronaut.png": "photo", "chelsea.png": "photo", "coffee.png": "photo", "rocket.jpg": "photo",
    "motorcycle_left.png": "photo", "motorcycle_right.png": "photo", "camera.png": "photo", "coins.png": "photo",
    "moon.png": "photo", "clock_motion.png": "photo", "hubble_deep_field.jpg": "astronomy",
}  # fmt: skip
TEXTURE_FILES = ("brick.png", "grass.png", "gravel.png")

#: Wallpapers of the first version, by plasma folder or file name (see wallpaper_files).
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
#: The test split always holds these (the held-out set of version 1, so old numbers stay comparable).
HELD_OUT = {
    "content": ("ColorfulCups", "Storm.jpg", "LadyBird.jpg", "Path", "motorcycle_left.png", "Wood.jpg"),
    "style": ("Elephants.jpg", "rhythm.jpg", "licorice-l.webp", "Kokkini", "string.jpg", "truchet-d.webp",
              "Honeywave", "marble1.pat"),
}  # fmt: skip


@dataclass(frozen=True)
class Rule:
    """Pictures of one package: ``patterns`` (fnmatch, on the path inside the package; for a Qt
    resource file ``RCC_NAME:/path``) minus ``exclude`` (file names or patterns), as ``role``/``kind``.

    ``family`` names the split family (``{package}`` by default; ``{folder}`` is the picture's folder
    name, ``{rcc}`` the resource file's name). ``every``: only every n-th match (sorted by path) of
    a package with many similar pictures. ``key``: all matches are one picture (one artwork at several
    sizes and aspect ratios).
    """

    package: str
    role: str
    kind: str
    patterns: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    family: str = "{package}"
    background: tuple[int, int, int] = (255, 255, 255)
    every: int = 1
    key: str | None = None


GC = "usr/share/gcompris-qt/rcc/"
# fmt: off
RULES = (
    # --- photographs ---
    Rule("lomiri-wallpapers-16.04", "content", "photo", ("usr/share/backgrounds/*.jpg",), ("analogpattern_*", "greentock_*")),
    Rule("lomiri-wallpapers-16.04", "style", "illustration", ("usr/share/backgrounds/analogpattern_*", "usr/share/backgrounds/greentock_*")),
    Rule("lomiri-wallpapers-20.04", "content", "photo", ("usr/share/backgrounds/Kleiber_*",)),
    Rule("lomiri-wallpapers-20.04", "style", "illustration", ("usr/share/backgrounds/*.jpg",), ("Kleiber_*",)),
    Rule("lomiri-wallpapers", "style", "illustration", ("usr/share/backgrounds/*.png",)),
    Rule("lxqt-themes", "content", "photo", tuple(f"usr/share/lxqt/wallpapers/{name}" for name in (
        "Butterfly-Kenneth-Wimer.jpg", "Valendas.png", "after-the-rain.jpg", "appleflower.png", "beam.png", "butterfly.png",
        "cloud.png", "drop.png", "flowers.png", "fog.jpg", "plasma_arch.png", "this-is-not-windows.jpg", "waves-purple-logo.jpg"))),
    Rule("lxqt-themes", "style", "illustration", tuple(f"usr/share/lxqt/wallpapers/{name}" for name in (
        "kde-plasma.png", "origami-dark.png", "origami-light.png", "triangles.png", "simple_blue_widescreen.png", "waves-logo.png"))),
    Rule("palapeli-data", "content", "photo", ("usr/share/palapeli/collection/*.jpg",)),
    Rule("palapeli-data", "style", "pattern", ("usr/share/palapeli/backgrounds/*.jpg",)),
    Rule("tuxpaint-data", "content", "photo", ("usr/share/tuxpaint/templates/*.jpg", "usr/share/tuxpaint/starters/reef-back.png",
         "usr/share/tuxpaint/starters/shipwreck.png", "usr/share/tuxpaint/starters/skyline-sf-dusk-back.jpeg")),
    Rule("tuxtype-data", "content", "photo", ("usr/share/tuxtype/images/kcas*.jpg", "usr/share/tuxtype/images/hidden.jpg"), ("kcas3.jpg", "kcas4.jpg")),
    Rule("tuxtype-data", "content", "astronomy", ("usr/share/tuxtype/images/backgrounds/*.jpg",)),
    Rule("tuxmath-data", "content", "astronomy", ("usr/share/tuxmath/images/backgrounds/*.jpg", "usr/share/tuxmath/images/title/menu_bkg.jpg")),
    Rule("scribus-template", "content", "photo", ("usr/share/scribus/templates/*/*.jpg", "usr/share/scribus/templates/menu1/teriyaki.png",
         "usr/share/scribus/templates/nl1-bw/kites-bw.png")),
    Rule("python-matplotlib-data", "content", "photo", ("usr/share/matplotlib/sample_data/grace_hopper.jpg",)),
    Rule("opencv-doc", "content", "photo", tuple(f"usr/share/doc/opencv-doc/examples/data/{name}" for name in (
        "HappyFish.jpg", "aero1.jpg", "aero3.jpg", "aloeL.jpg", "aloeR.jpg", "apple.jpg", "baboon.jpg", "basketball1.png", "basketball2.png",
        "board.jpg", "box_in_scene.png", "building.jpg", "butterfly.jpg", "chicky_512.png", "fruits.jpg", "graf1.png", "graf3.png", "home.jpg",
        "leuvenA.jpg", "leuvenB.jpg", "licenseplate_motion.jpg", "messi5.jpg", "orange.jpg", "rubberwhale1.png", "rubberwhale2.png",
        "smarties.png", "squirrel_cls.jpg"))),
    Rule("opencv-doc", "style", "painting", ("usr/share/doc/opencv-doc/examples/data/starry_night.jpg",)),
    Rule("stellarium-data", "content", "astronomy", ("usr/share/stellarium/nebulae/default/*.png",)),
    Rule("gcompris-qt-data", "content", "photo", (f"{GC}erase.rcc:*.webp",), family="{package}/{rcc}"),
    Rule("gcompris-qt-data", "content", "photo", (f"{GC}explore_monuments.rcc:*.webp",), family="{package}/{rcc}"),
    Rule("gcompris-qt-data", "content", "photo", (f"{GC}categorization.rcc:*/resource/images/*.webp",), family="{package}/{rcc}/{folder}"),
    Rule("gcompris-qt-data", "content", "photo", (f"{GC}explore_world_animals.rcc:*.webp", f"{GC}explore_farm_animals.rcc:*.webp"), family="{package}/{rcc}"),
    Rule("gcompris-qt-data", "content", "photo", (f"{GC}clickgame.rcc:*/sea*.webp",), family="{package}/{rcc}"),
    Rule("gcompris-qt-data", "content", "photo", tuple(f"{GC}louis-braille.rcc:*/{name}.webp" for name in ("braille", "louis", "rnib", "statue", "teach", "workshop")), family="{package}/{rcc}"),
    Rule("gcompris-qt-data", "content", "photo", (f"{GC}explore_world_music.rcc:*.webp",), family="{package}/{rcc}"),
    Rule("gcompris-qt-data", "content", "astronomy", (f"{GC}solar_system.rcc:*.webp",), family="{package}/{rcc}"),
    Rule("gcompris-qt-data", "content", "photo", (f"{GC}details.rcc:*_background.webp",), family="{package}/{rcc}"),
    Rule("gcompris-qt-data", "style", "painting", (f"{GC}details.rcc:*_background.webp",), family="{package}/{rcc}"),
    # --- styles ---
    Rule("propaganda-debian", "style", "illustration", ("usr/share/wallpapers/*.JPG",)),
    Rule("sway-backgrounds", "style", "illustration", ("usr/share/backgrounds/sway/*.png",), key="sway-wallpaper"),
    Rule("xfdesktop4-data", "style", "illustration", ("usr/share/backgrounds/xfce/*",)),
    Rule("desktop-base", "style", "illustration", ("usr/share/desktop-base/*-theme/grub/grub-16x9.png", "usr/share/plymouth/themes/*/*background*.png")),
    Rule("mypaint-data-extras", "style", "pattern", ("usr/share/mypaint/backgrounds/*/*.png",)),
    Rule("krita-data", "style", "pattern", ("usr/share/krita/patterns/*.png", "usr/share/krita/patterns/*.jpg")),
    Rule("wesnoth-1.16-data", "style", "painting", ("usr/share/games/wesnoth/1.16/data/core/images/story/*",), family="{package}/story"),
    Rule("wesnoth-1.16-data", "style", "painting", ("usr/share/games/wesnoth/1.16/data/core/images/portraits/*/*.webp", "usr/share/games/wesnoth/1.16/data/core/images/portraits/*/*.png"),
         family="{package}/portraits/{folder}", background=(128, 118, 104), every=5),
)
# fmt: on
#: Every package read.
PACKAGES = tuple(dict.fromkeys((*LEGACY_PACKAGES, *(rule.package for rule in RULES))))
#: The same scene photographed twice (stereo pairs, two viewpoints): one photo, whatever the hashes say.
SAME_PHOTO = {
    "aloeR.jpg": "aloeL.jpg", "basketball2.png": "basketball1.png", "graf3.png": "graf1.png", "leuvenB.jpg": "leuvenA.jpg",
    "rubberwhale2.png": "rubberwhale1.png", "motorcycle_right.png": "motorcycle_left.png",
}  # fmt: skip
#: Paintings the GCompris "details" activity shows among its photos (styles, not content).
DETAILS_PAINTINGS = re.compile(r"Gogh|Auvers|Tanguy|Cafe|012_|013_|019_|Langlois|Arles|Montmartre|Cypress|Sower|Starry", re.I)
#: GCompris "paintings" cuts famous paintings into tiles NAME_<row letter><column digit>; they are joined again.
PAINTING_TILE = re.compile(r"^(?P<name>.+)_(?P<row>[a-z])(?P<column>[0-9])\.webp$")
MIN_CONTENT_SIDE = 200
MIN_STYLE_SIDE = 128


@dataclass(frozen=True)
class Candidate:
    """One picture a package offers, before de-duplication."""

    role: str
    name: str
    family: str
    kind: str
    source: str
    file: str
    licence: str
    load: Callable[[], Image.Image]
    key: str | None = None


def same_photo_key(name: str) -> str | None:
    """The SAME_PHOTO key of ``name`` (both members of a pair get the first one's name), else None."""
    return SAME_PHOTO.get(name, name if name in SAME_PHOTO.values() else None)


def stem_of(package: str, name: str) -> str:
    """A file stem for ``name`` of ``package``: lower case, ``[a-z0-9_-]`` only, package prefix."""
    return f"{package.split('-')[0]}-" + re.sub(r"[^a-z0-9_-]+", "_", Path(name).stem.lower()).strip("_")


@cache
def _rcc(path: Path) -> dict[str, bytes]:
    return read_rcc(path)


def _open_bytes(data: bytes, background: tuple[int, int, int]) -> Callable[[], Image.Image]:
    return lambda: flatten(Image.open(BytesIO(data)), background)


def _open_path(path: Path, background: tuple[int, int, int]) -> Callable[[], Image.Image]:
    return lambda: flatten(Image.open(path), background)


def _excluded(name: str, rule: Rule) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in rule.exclude)


def rule_candidates(rule: Rule, version: str, root: Path) -> Iterator[Candidate]:
    """The pictures ``rule`` selects in the package unpacked at ``root``."""
    source = f"Debian {rule.package} {version}"
    for pattern in rule.patterns:
        if ":" in pattern:
            rcc_path, inner = pattern.split(":", 1)
            rcc_file = root / rcc_path
            files = _rcc(rcc_file)
            for inside in sorted(name for name in files if fnmatch.fnmatchcase(name, inner)):
                name = f"{rcc_file.stem}:{Path(inside).name}"
                if _excluded(Path(inside).name, rule):
                    continue
                if rcc_file.stem == "details":
                    is_painting = bool(DETAILS_PAINTINGS.search(inside))
                    if is_painting != (rule.role == "style"):
                        continue
                family = rule.family.format(package=rule.package, rcc=rcc_file.stem, folder=Path(inside).parent.name)
                licence = licence_of(root, rule.package, inside.removeprefix("/gcompris/"))
                yield Candidate(rule.role, name, family, rule.kind, source, f"/{rcc_path}:{inside}", licence, _open_bytes(files[inside], rule.background))
            continue
        for path in sorted(root.glob(pattern))[:: rule.every]:
            if not path.is_file() or _excluded(path.name, rule):
                continue
            family = rule.family.format(package=rule.package, folder=path.parent.name, rcc="")
            key = rule.key or same_photo_key(path.name)
            yield Candidate(rule.role, path.name, family, rule.kind, source, "/" + str(path.relative_to(root)), licence_of(root, rule.package, path), _open_path(path, rule.background), key)


def gcompris_paintings(version: str, root: Path) -> Iterator[Candidate]:
    """The paintings of GCompris' "paintings" activity, each joined from its tiles (row by row)."""
    rcc_path = f"{GC}paintings.rcc"
    files = _rcc(root / rcc_path)
    tiles: dict[str, dict[tuple[str, str], str]] = {}
    for inside in sorted(files):
        match = PAINTING_TILE.match(Path(inside).name)
        if match:
            tiles.setdefault(match["name"], {})[(match["row"], match["column"])] = inside
    for name, pieces in sorted(tiles.items()):

        def join(pieces: dict[tuple[str, str], str] = pieces) -> Image.Image:
            opened = {position: flatten(Image.open(BytesIO(files[inside]))) for position, inside in pieces.items()}
            rows, columns = sorted({row for row, _ in opened}), sorted({column for _, column in opened})
            widths = [max(opened[(row, column)].width for row in rows if (row, column) in opened) for column in columns]
            heights = [max(opened[(row, column)].height for column in columns if (row, column) in opened) for row in rows]
            canvas = Image.new("RGB", (sum(widths), sum(heights)), (255, 255, 255))
            for (row, column), tile in opened.items():
                canvas.paste(tile, (sum(widths[: columns.index(column)]), sum(heights[: rows.index(row)])))
            return canvas

        first = next(iter(sorted(pieces.values())))
        licence = licence_of(root, "gcompris-qt-data", first.removeprefix("/gcompris/"))
        yield Candidate(
            "style", f"paintings:{name}", "gcompris-qt-data/paintings", "painting", f"Debian gcompris-qt-data {version}", f"/{rcc_path}:{str(Path(first).parent)}/{name}_*.webp (joined)", licence, join
        )


def legacy_wallpapers(unpacked: dict[str, tuple[str, Path]]) -> Iterator[Candidate]:
    """PHOTOS and PICTURES of the first version's wallpaper packages."""
    wallpapers = wallpaper_files({package: unpacked[package] for package in LEGACY_PACKAGES})
    for role, names in (("content", PHOTOS), ("style", PICTURES)):
        for name in names:
            if name not in wallpapers:
                raise SystemExit(f"{name}: not found in the packages {', '.join(LEGACY_PACKAGES)}; is the cache folder complete?")
            package, path = wallpapers[name]
            version, root = unpacked[package]
            kind = "photo" if role == "content" else "illustration"
            key = re.sub(r"-[ld]\.webp$", "", name) if package == "gnome-backgrounds" else None  # light and dark versions
            yield Candidate(role, name, package, kind, f"Debian {package} {version}", "/" + str(path.relative_to(root)), licence_of(root, package, path), _open_path(path, (255, 255, 255)), key)


def skimage_candidates() -> Iterator[Candidate]:
    """The photographs of the scikit-image wheel (imports scikit-image, which only this needs)."""
    import skimage

    data = Path(skimage.__file__).parent / "data"
    source = f"scikit-image {skimage.__version__} wheel"
    licence = "as stated in the docstrings of skimage.data (CC0 or public domain for these)"
    for name, kind in SKIMAGE_PHOTOS.items():
        yield Candidate("content", name, "scikit-image", kind, source, f"skimage/data/{name}", licence, _open_path(data / name, (255, 255, 255)), same_photo_key(name))


def package_candidates(unpacked: dict[str, tuple[str, Path]]) -> Iterator[Candidate]:
    """Every candidate picture of the Debian packages (legacy wallpapers, RULES, GCompris paintings)."""
    yield from legacy_wallpapers(unpacked)
    for rule in RULES:
        version, root = unpacked[rule.package]
        yield from rule_candidates(rule, version, root)
    yield from gcompris_paintings(*unpacked["gcompris-qt-data"])


def gimp_patterns(version: str, root: Path, rng: np.random.Generator) -> Iterator[Candidate]:
    """GIMP's patterns, each tiled at a random scale; 1-pixel stripes and flat colours are left out."""
    source = f"Debian gimp-data {version}"
    for path in sorted((root / "usr/share/gimp/2.0/patterns").rglob("*.pat")):
        tile = read_gimp_pattern(path)
        scale = float(rng.uniform(1.0, 2.5))
        if min(tile.size) < 16 or np.asarray(tile).std() < 8:  # they teach nothing
            continue
        yield Candidate("style", path.name, "gimp-data", "pattern", source, "/" + str(path.relative_to(root)), licence_of(root, "gimp-data", path), lambda tile=tile, scale=scale: tiled(tile, scale))


def drawn_styles(rng: np.random.Generator, count: int, seed: int) -> Iterator[Candidate]:
    """``count`` procedural pictures (cycling through GENERATORS) and scikit-image's textures recoloured."""
    for index in range(count):
        generator = GENERATORS[index % len(GENERATORS)]
        picture = Image.fromarray(generator(rng))
        yield Candidate(
            "style",
            f"{generator.__name__}-{index:03d}",
            f"procedural/{generator.__name__}",
            "procedural",
            f"drawn by this script ({generator.__name__}, seed {seed})",
            "",
            "this project's own, MIT",
            lambda picture=picture: picture,
        )
    import skimage

    data = Path(skimage.__file__).parent / "data"
    for name in TEXTURE_FILES:
        for variant in range(3):
            picture = Image.fromarray(recoloured_texture(rng, data / name))
            source = f"scikit-image {skimage.__version__} wheel, recoloured by this script"
            yield Candidate(
                "style",
                f"{Path(name).stem}-{variant}",
                "procedural/skimage-textures",
                "texture",
                source,
                f"skimage/data/{name}",
                "CC0 (skimage.data), recolouring MIT",
                lambda picture=picture: picture,
            )
