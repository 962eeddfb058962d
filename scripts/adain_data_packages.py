"""Reading Debian packages for make_adain_training_data.py: download, unpack, licences, Qt resource files.

``fetch_packages`` runs ``apt-get download`` (into a cache folder, kept between runs) and ``dpkg -x``;
neither needs root once the package lists exist. ``licence_of`` reads a package's Debian copyright
file the way the copyright format defines it (the last ``Files:`` stanza whose pattern matches wins).
``read_rcc`` lists the files inside a compiled Qt resource file (GCompris ships its pictures so).
"""

from __future__ import annotations

import fnmatch
import re
import struct
import subprocess
import zlib
from pathlib import Path, PurePosixPath

import numpy as np
from PIL import Image

#: The packages the first version of the data read (make_scene_textures.py still reads only these).
LEGACY_PACKAGES = ("plasma-workspace-wallpapers", "mate-backgrounds", "ukui-wallpapers", "gnome-backgrounds", "gimp-data")
#: Words in a licence that make a picture unusable here: no commercial use, no derivatives (the
#: training copies are resized and cropped), or no licence at all.
REFUSED_LICENCE = re.compile(r"\bNC\b|-NC-|\bND\b|-ND-|non-?commercial|no ?deriv|all rights reserved|proprietary|non-free", re.I)
#: Licence names looked for in copyright files that are not in the machine-readable format.
KNOWN_LICENCES = re.compile(r"\b(GPL-?[0-9.+]*|GNU General Public License(?: version [0-9.]+)?|LGPL-?[0-9.+]*|CC-BY-SA-?[0-9.]*|CC-BY-?[0-9.]*|CC0|public[ -]domain|MIT|BSD|Apache)\b", re.I)


class PackageError(RuntimeError):
    """A package could not be downloaded or unpacked; the message says which and why."""


def fetch_packages(cache: Path, packages: tuple[str, ...] | list[str] | None = None) -> dict[str, tuple[str, Path]]:
    """``apt-get download`` + ``dpkg -x`` of ``packages`` into ``cache``: package -> (version, unpacked root).

    ``packages`` defaults to the legacy wallpaper set (make_scene_textures.py reads it). A package
    already in ``cache`` (its .deb, and its unpacked folder) is not fetched again.
    """
    if packages is None:
        packages = LEGACY_PACKAGES
    cache.mkdir(parents=True, exist_ok=True)
    unpacked: dict[str, tuple[str, Path]] = {}
    for package in packages:
        debs = sorted(cache.glob(f"{package}_*.deb"))
        if not debs:
            result = subprocess.run(["apt-get", "download", package], cwd=cache, capture_output=True, text=True)
            debs = sorted(cache.glob(f"{package}_*.deb"))
            if result.returncode != 0 or not debs:
                last = (result.stderr.strip().splitlines() or ["no output"])[-1]
                raise PackageError(f"{package}: apt-get download failed ({last}); run 'apt-get update' first, or put the .deb in {cache}")
        root = cache / package
        if not root.is_dir():
            partial = cache / f".{package}.partial"
            subprocess.run(["rm", "-rf", str(partial)], check=True)
            result = subprocess.run(["dpkg", "-x", str(debs[-1]), str(partial)], capture_output=True, text=True)
            if result.returncode != 0:
                raise PackageError(f"{debs[-1]}: dpkg -x failed ({result.stderr.strip()[:200]}); delete the file and run again")
            partial.rename(root)
        version = debs[-1].name.split("_")[1].replace("%3a", ":")
        unpacked[package] = (version, root)
    return unpacked


def _matches(path: str, pattern: str) -> bool:
    """Whether a copyright-file ``Files:`` pattern covers ``path`` (a path inside the source tree).

    Installed paths differ from source paths, and GCompris ships ``.webp`` files made from ``.jpg``
    sources, so a pattern matches any trailing part of ``path``, with or without the file suffixes.
    """
    if pattern == "*":
        return True
    parts = PurePosixPath(path).parts
    tails = ["/".join(parts[i:]) for i in range(len(parts))]
    bare = PurePosixPath(pattern)
    pattern_stem = str(bare.with_suffix("")) if bare.suffix and "*" not in bare.suffix else pattern
    for tail in tails:
        if fnmatch.fnmatchcase(tail, pattern) or fnmatch.fnmatchcase(str(PurePosixPath(tail).with_suffix("")), pattern_stem):
            return True
    # a pattern naming a source folder the package does not install (16.04/NAME.jpg): the file name decides
    return "/" in pattern and "*" not in bare.name and bare.name == parts[-1]


def licence_of(root: Path, package: str, file: Path | str) -> str:
    """The licence the package's Debian copyright file gives for ``file``.

    ``file`` is an installed path (under ``root``) or a path inside a resource file. In a
    machine-readable copyright file the last matching ``Files:`` stanza wins; other copyright files
    are summarised by the licence names they mention.
    """
    copyright_file = root / "usr/share/doc" / package / "copyright"
    if not copyright_file.is_file():
        return f"unknown: the package has no /usr/share/doc/{package}/copyright"
    text = copyright_file.read_text(errors="replace")
    inside = str(file.relative_to(root)) if isinstance(file, Path) and file.is_relative_to(root) else str(file)
    found = None
    for stanza in re.split(r"\n\s*\n", text):
        files = re.search(r"^Files:(.*(?:\n[ \t].*)*)", stanza, re.M)
        licence = re.search(r"^License:\s*(.+)", stanza, re.M)
        if files and licence and any(_matches(inside.lstrip("/"), pattern) for pattern in files.group(1).split()):
            found = licence.group(1).strip()
    if found:
        return found
    names = sorted({name.strip().rstrip("-.").upper().replace("GNU GENERAL PUBLIC LICENSE", "GPL") for name in KNOWN_LICENCES.findall(text)} - {"GPL", ""})
    if names:
        return f"not machine-readable; /usr/share/doc/{package}/copyright names: {', '.join(names)}"
    return f"unknown: /usr/share/doc/{package}/copyright names no licence this script knows"


def licence_refusal(licence: str) -> str | None:
    """Why a picture under ``licence`` cannot be used for training copies, or None when it can."""
    if licence.startswith("unknown"):
        return "no licence found"
    match = REFUSED_LICENCE.search(licence)
    return f"licence says {match.group(0)!r}" if match else None


def read_rcc(path: Path) -> dict[str, bytes]:
    """The files in a compiled Qt resource file (``rcc`` format 1-3): resource path -> contents.

    zstd-compressed entries (flag 4) are not supported and raise; zlib ones are inflated.
    """
    data = path.read_bytes()
    if data[:4] != b"qres" or len(data) < 20:
        raise ValueError(f"{path}: not a Qt resource file (no 'qres' header)")
    version, tree, payload, names = struct.unpack(">4I", data[4:20])
    if version not in (1, 2, 3):
        raise ValueError(f"{path}: Qt resource format {version}; this reader knows 1, 2 and 3")
    node_size = 14 if version == 1 else 22

    def name_at(offset: int) -> str:
        (length,) = struct.unpack(">H", data[names + offset : names + offset + 2])
        return data[names + offset + 6 : names + offset + 6 + 2 * length].decode("utf-16-be")

    files: dict[str, bytes] = {}
    pending = [(0, "")]
    while pending:
        index, prefix = pending.pop()
        base = tree + index * node_size
        name_offset, flags = struct.unpack(">IH", data[base : base + 6])
        name = name_at(name_offset) if index else ""
        if flags & 2:
            count, first = struct.unpack(">II", data[base + 6 : base + 14])
            pending.extend((child, f"{prefix}{name}/") for child in range(first, first + count))
            continue
        (offset,) = struct.unpack(">I", data[base + 10 : base + 14])
        (size,) = struct.unpack(">I", data[payload + offset : payload + offset + 4])
        blob = data[payload + offset + 4 : payload + offset + 4 + size]
        if flags & 4:
            raise ValueError(f"{path}: {prefix}{name} is zstd-compressed, which this reader does not inflate")
        files[f"{prefix}{name}"] = zlib.decompress(blob[4:]) if flags & 1 else blob
    return files


def read_gimp_pattern(path: Path) -> Image.Image:
    """A GIMP ``.pat`` tile: a big-endian header (size, version, width, height, bytes per pixel, b"GPAT"), a name, pixels."""
    data = path.read_bytes()
    header_size, _version, width, height, depth = np.frombuffer(data[:20], ">u4")
    if data[20:24] != b"GPAT" or depth not in (1, 2, 3, 4):
        raise ValueError(f"{path}: not a GIMP pattern")
    pixels = np.frombuffer(data[header_size : header_size + width * height * depth], np.uint8).reshape(height, width, depth)
    mode = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}[int(depth)]
    return Image.fromarray(pixels.squeeze(-1) if depth == 1 else pixels, mode).convert("RGB")


def wallpaper_files(unpacked: dict[str, tuple[str, Path]]) -> dict[str, tuple[str, Path]]:
    """Every wallpaper of the plasma/MATE/UKUI/GNOME packages by name -> (package, file).

    A name is a plasma wallpaper folder (its largest light image; ``images_dark`` holds variants of
    the same picture) or a file name under ``/usr/share/backgrounds``.
    """
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
                    if len(parts) < 3 or parts[-2] != "images":
                        continue
                    name = parts[0]
                    if name in found and found[name][1].stat().st_size >= path.stat().st_size:
                        continue
                else:
                    name = path.name
                found[name] = (package, path)
    return found
