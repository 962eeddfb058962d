"""Builds the offline AdaIN training data: distinct content photos and style pictures in train/val/test splits.

    python scripts/make_adain_training_data.py OUT_DIR [--seed 0] [--cache data/debs] [--compact DIR] [--sheets]

Everything comes from packages (nothing is fetched from the web) or is drawn here
(``adain_data_sources.py`` lists what is read, file by file or by pattern, after looking at every
picture on contact sheets):

- content photos: the photographs of the scikit-image wheel; the photographic wallpapers of
  plasma-workspace-wallpapers, mate-backgrounds, lomiri-wallpapers-16.04/-20.04 and lxqt-themes;
  the photos of the educational packages gcompris-qt-data (read out of its Qt resource files),
  tuxpaint-data, tuxtype-data, tuxmath-data and palapeli-data; scribus-template's sample photos,
  matplotlib's and OpenCV's sample images, and stellarium-data's deep-sky photographs (``kind``
  ``astronomy`` in the manifest, as are planets and other space photos);
- styles: the illustrated and abstract wallpapers of those packages and of gnome-backgrounds,
  ukui-wallpapers, propaganda-debian, sway-backgrounds, xfdesktop4-data and desktop-base; paintings
  (GCompris' masterpieces joined from their puzzle tiles, Wesnoth's story art and portraits, Van Gogh
  among GCompris' monuments, OpenCV's Starry Night); patterns and papers (GIMP's ``.pat`` tiles
  repeated, Krita's, MyPaint's, Palapeli's); scikit-image's textures recoloured and procedural
  pictures drawn here (stripes, plaids, colour noise, Voronoi mosaics, brush strokes, ripples, dots).

Duplicates count once: pictures whose perceptual hashes (``adain_data_dedup.py``) differ in at most
``--threshold`` of 64 bits, or that a name rule joins (light/dark versions, stereo pairs), form one
group, and only its largest member is written. Groups are assigned to ``train``, ``val`` and
``test`` by family (``adain_data_split.py``): a package or one activity of a large package goes
whole to a held-out split where it fits; the names of the version-1 held-out set (``HELD_OUT``) are
always in test. Large training photos also give ``--crops`` closer views, in train only. Pictures
whose licence forbids commercial use or derivatives, or that have no licence, are left out and
counted in the summary.

Written: ``OUT_DIR/{train,val,test}/{content,style}/*.jpg`` (shorter side 256..512, JPEG quality
92), ``OUT_DIR/manifest.json`` (per image: path, split, role, group, family, kind, source package and
version, file in the package, licence, original size, duplicates merged into it, crop_of),
``OUT_DIR/SUMMARY.md`` (counts per split, per source and per licence; what was left out and why),
``OUT_DIR/duplicates.json`` (every merged group with its members' hash distances), with ``--sheets``
contact sheets in ``OUT_DIR/sheets``, and with ``--compact DIR`` a small copy (shorter side 256,
JPEG quality 85, all three splits) for shipping to a training machine. The folder is built under
``OUT_DIR.partial`` and renamed when complete; an existing OUT_DIR is never touched.

The Debian packages are fetched with ``apt-get download`` into ``--cache`` and unpacked with
``dpkg -x`` (no root needed once the package lists exist; run ``apt-get update`` first on a new
machine). Same seed and packages, same folders. Needs scikit-image and numpy (not dependencies of
stylesynth itself).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from adain_data_dedup import THRESHOLD, distances, near_duplicate_groups, perceptual_hash
from adain_data_images import fit_shorter_side, shorter_side, tiled
from adain_data_packages import PackageError, fetch_packages, licence_of, licence_refusal, read_gimp_pattern, wallpaper_files
from adain_data_review import contact_sheet, write_sheets
from adain_data_sources import HELD_OUT, MIN_CONTENT_SIDE, MIN_STYLE_SIDE, PACKAGES, Candidate, drawn_styles, gimp_patterns, package_candidates, skimage_candidates, stem_of
from adain_data_split import SPLITS, assign_splits
from PIL import Image

#: make_scene_textures.py reads the legacy wallpapers with these.
__all__ = ["fetch_packages", "licence_of", "read_gimp_pattern", "shorter_side", "tiled", "wallpaper_files", "main"]

SHORTER_SIDE = (256, 512)
QUALITY = 92
COMPACT_SIDE = 256
COMPACT_QUALITY = 85
CROP_MIN_SIDE = 1200


@dataclass
class Seen:
    """A candidate that was opened: its hash and size (the picture itself is opened again to write it)."""

    candidate: Candidate
    hash: int
    size: tuple[int, int]
    thumbnail: Image.Image | None = None
    members: list[int] = field(default_factory=list)


def open_candidates(candidates: list[Candidate], keep_thumbnails: bool) -> tuple[list[Seen], Counter[str], list[dict[str, str]]]:
    """Opens every candidate: those kept, the reasons others were left out (counted), and the licence refusals."""
    seen: list[Seen] = []
    left_out: Counter[str] = Counter()
    refused: list[dict[str, str]] = []
    for candidate in candidates:
        refusal = licence_refusal(candidate.licence)
        if refusal:
            left_out[f"{candidate.role}: {refusal}"] += 1
            refused.append({"source": candidate.source, "file": candidate.file, "licence": candidate.licence, "why": refusal})
            continue
        try:
            picture = candidate.load()
        except (OSError, ValueError) as error:
            left_out[f"{candidate.role}: unreadable ({type(error).__name__})"] += 1
            refused.append({"source": candidate.source, "file": candidate.file, "licence": candidate.licence, "why": f"unreadable: {error}"})
            continue
        minimum = MIN_CONTENT_SIDE if candidate.role == "content" else MIN_STYLE_SIDE
        if min(picture.size) < minimum:
            left_out[f"{candidate.role}: shorter side under {minimum} px"] += 1
            continue
        if np.asarray(picture.resize((64, 64))).std() < 6:
            left_out[f"{candidate.role}: nearly one flat colour"] += 1
            continue
        thumbnail = None
        if keep_thumbnails:
            thumbnail = picture.copy()
            thumbnail.thumbnail((156, 156))
        seen.append(Seen(candidate, perceptual_hash(picture), picture.size, thumbnail))
    return seen, left_out, refused


def group(seen: list[Seen], threshold: int) -> tuple[list[Seen], list[dict[str, object]]]:
    """One representative (the largest) per near-duplicate group, its ``members`` filled; and the merges for duplicates.json."""
    order = sorted(range(len(seen)), key=lambda index: -seen[index].size[0] * seen[index].size[1])  # the largest lead
    roots = near_duplicate_groups([seen[index].hash for index in order], threshold, [seen[index].candidate.key for index in order])
    members: dict[int, list[int]] = {}
    for position, root in enumerate(roots):
        members.setdefault(order[root], []).append(order[position])
    representatives: list[Seen] = []
    merges: list[dict[str, object]] = []
    for indices in members.values():
        best = max(indices, key=lambda index: (seen[index].size[0] * seen[index].size[1], -index))
        seen[best].members = [index for index in indices if index != best]
        representatives.append(seen[best])
        if len(indices) > 1:
            table = distances([seen[index].hash for index in indices])
            merges.append(
                {
                    "kept": f"{seen[best].candidate.source}: {seen[best].candidate.file}",
                    "merged": [
                        {"file": f"{seen[index].candidate.source}: {seen[index].candidate.file}", "bits_from_kept": int(table[indices.index(index), indices.index(best)])}
                        for index in indices
                        if index != best
                    ],
                }
            )
    return representatives, merges


def unique_stems(representatives: list[Seen]) -> list[str]:
    """A file stem per representative, unique within its role (a counter is added on a clash)."""
    stems, used = [], set()
    for item in representatives:
        package = item.candidate.source.split()[1] if item.candidate.source.startswith("Debian ") else item.candidate.family.split("/")[0]
        base = stem_of(package, item.candidate.name.replace(":", "-"))
        stem, count = base, 1
        while (item.candidate.role, stem) in used:
            count += 1
            stem = f"{base}-{count}"
        used.add((item.candidate.role, stem))
        stems.append(stem)
    return stems


def split_sizes(args: argparse.Namespace, role: str) -> dict[str, int]:
    """The wanted val and test group counts of ``role``."""
    return {"val": getattr(args, f"val_{role}"), "test": getattr(args, f"test_{role}")}


def save(picture: Image.Image, path: Path, low: int, high: int, quality: int) -> tuple[int, int]:
    """Writes ``picture`` as JPEG at a shorter side within ``low``..``high``; the written size."""
    fitted = fit_shorter_side(picture.convert("RGB"), low, high)
    fitted.save(path, "JPEG", quality=quality, optimize=True)
    return fitted.size


def summary(manifest: list[dict[str, object]], left_out: Counter[str], refused: list[dict[str, str]], merges: list[dict[str, object]], args: argparse.Namespace) -> str:
    """SUMMARY.md: counts per split and role, per source, per licence, and what was left out."""
    lines = [f"# AdaIN training data (seed {args.seed})", "", "Built by `scripts/make_adain_training_data.py`; see docs/adain-data.md.", ""]
    lines += ["## Distinct pictures (groups) and files per split", "", "| split | content photos | content files (with crops) | styles |", "| --- | --- | --- | --- |"]
    for split in SPLITS:
        rows = [entry for entry in manifest if entry["split"] == split]
        photos = len({entry["group"] for entry in rows if entry["role"] == "content"})
        files = sum(1 for entry in rows if entry["role"] == "content")
        styles = sum(1 for entry in rows if entry["role"] == "style")
        lines.append(f"| {split} | {photos} | {files} | {styles} |")
    total_photos = len({entry["group"] for entry in manifest if entry["role"] == "content"})
    lines += ["", f"{total_photos} distinct content photos in all.", ""]
    lines += ["## Distinct pictures per source and kind", "", "| source | role | kind | train | val | test |", "| --- | --- | --- | --- | --- | --- |"]
    per_source: Counter[tuple[str, str, str, str]] = Counter()
    for entry in manifest:
        if "crop_of" not in entry:
            per_source[(str(entry["source"]), str(entry["role"]), str(entry["kind"]), str(entry["split"]))] += 1
    for source, role, kind in sorted({key[:3] for key in per_source}):
        counts = " | ".join(str(per_source[(source, role, kind, split)]) for split in SPLITS)
        lines.append(f"| {source} | {role} | {kind} | {counts} |")
    lines += ["", "## Licences (distinct pictures)", "", "| licence | pictures |", "| --- | --- |"]
    for licence, count in Counter(str(entry["licence"]) for entry in manifest if "crop_of" not in entry).most_common():
        lines.append(f"| {licence.replace('|', '/')} | {count} |")
    lines += ["", "## Left out", ""]
    lines += [f"- {reason}: {count}" for reason, count in sorted(left_out.items())] or ["- nothing"]
    if refused:
        lines += ["", "Files refused for their licence (not redistributable, or not usable for training copies) or unreadable:", ""]
        lines += [f"- {item['source']}: {item['file']} ({item['why']}; licence {item['licence']})" for item in refused]
    merged = sum(len(merge["merged"]) for merge in merges)  # type: ignore[arg-type]
    lines += ["", f"Near-duplicates merged (hash distance <= {args.threshold} of 64 bits, or a name rule): {merged} files into {len(merges)} kept pictures; see duplicates.json.", ""]
    return "\n".join(lines)


def write_compact(out: Path, manifest: list[dict[str, object]], target: Path) -> int:
    """The compact copy: every image of ``manifest`` at COMPACT_SIDE, its manifest; the bytes written."""
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    entries = []
    for entry in manifest:
        path = str(entry["path"])
        (partial / path).parent.mkdir(parents=True, exist_ok=True)
        with Image.open(out / path) as picture:
            save(picture, partial / path, COMPACT_SIDE, COMPACT_SIDE, COMPACT_QUALITY)
        entries.append(entry)
    (partial / "manifest.json").write_text(json.dumps(entries, indent=1) + "\n")
    shutil.copy(out / "SUMMARY.md", partial / "SUMMARY.md")
    partial.rename(target)
    return sum(path.stat().st_size for path in target.rglob("*") if path.is_file())


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="folder to create (must not exist)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=Path("data/debs"), help="where the Debian packages are downloaded and unpacked (kept)")
    parser.add_argument("--styles", type=int, default=70, help="procedural style pictures to draw")
    parser.add_argument("--crops", type=int, default=3, help="extra crops of each training photo whose shorter side is at least 1200 px")
    parser.add_argument("--threshold", type=int, default=THRESHOLD, help="hash bits (of 64) near-duplicates may differ in")
    for role, default in (("content", 50), ("style", 25)):
        for split in ("val", "test"):
            parser.add_argument(f"--{split}-{role}", type=int, default=default, help=f"distinct {role} pictures in {split}")
    parser.add_argument("--compact", type=Path, help="also write a small copy (shorter side 256) of all splits here (must not exist)")
    parser.add_argument("--sheets", action="store_true", help="write contact sheets of every split and of the merged duplicates to OUT_DIR/sheets")
    args = parser.parse_args(argv)
    for path in (args.out_dir, args.compact):
        if path is not None and path.exists():
            parser.error(f"{path} already exists; give a new folder (nothing is overwritten)")
    if not 0 <= args.threshold <= 64:
        parser.error(f"--threshold {args.threshold}: give 0..64 bits")
    if args.crops < 0 or args.styles < 0:
        parser.error("--crops and --styles: give 0 or more")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    rng = np.random.default_rng(args.seed)
    try:
        unpacked = fetch_packages(args.cache, PACKAGES)
    except PackageError as error:
        raise SystemExit(f"error: {error}") from None
    candidates = [*skimage_candidates(), *package_candidates(unpacked), *gimp_patterns(*unpacked["gimp-data"], rng), *drawn_styles(rng, args.styles, args.seed)]
    manifest = build(candidates, args, rng)
    counts = Counter(f"{entry['split']}/{entry['role']}" for entry in manifest)
    photos = len({entry["group"] for entry in manifest if entry["role"] == "content"})
    print(", ".join(f"{counts[f'{split}/{role}']} in {split}/{role}" for split in SPLITS for role in ("content", "style")) + f"; {photos} distinct content photos; {args.out_dir / 'SUMMARY.md'}")
    if args.compact:
        size = write_compact(args.out_dir, manifest, args.compact)
        print(f"compact copy: {args.compact} ({size / 2**20:.1f} MiB)")


def build(candidates: list[Candidate], args: argparse.Namespace, rng: np.random.Generator, held_out: dict[str, tuple[str, ...]] = HELD_OUT) -> list[dict[str, object]]:
    """Opens, de-duplicates, splits and writes ``candidates`` into ``args.out_dir`` (via a .partial folder); the manifest."""
    seen, left_out, refused = open_candidates(candidates, args.sheets)
    partial = args.out_dir.with_name(args.out_dir.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    manifest: list[dict[str, object]] = []
    all_merges: list[dict[str, object]] = []
    for role in ("content", "style"):
        representatives, merges = group([item for item in seen if item.candidate.role == role], args.threshold)
        all_merges += merges
        stems = unique_stems(representatives)
        families = {stem: item.candidate.family for stem, item in zip(stems, representatives)}
        forced = [stem for stem, item in zip(stems, representatives) if {item.candidate.name, *(member.candidate.name for member in _members(seen, role, item))} & set(held_out[role])]
        split_of = assign_splits(families, split_sizes(args, role), args.seed, forced)
        for stem, item in sorted(zip(stems, representatives), key=lambda pair: pair[0]):
            split = split_of[stem]
            folder = partial / split / role
            folder.mkdir(parents=True, exist_ok=True)
            picture = item.candidate.load()
            entry: dict[str, object] = {
                "path": f"{split}/{role}/{stem}.jpg",
                "split": split,
                "role": role,
                "group": stem,
                "family": item.candidate.family,
                "kind": item.candidate.kind,
                "source": item.candidate.source,
                "file": item.candidate.file,
                "licence": item.candidate.licence,
                "original_size": list(item.size),
                "duplicates": [f"{member.candidate.source}: {member.candidate.file}" for member in _members(seen, role, item)],
            }
            entry["size"] = list(save(picture, folder / f"{stem}.jpg", *SHORTER_SIDE, QUALITY))
            manifest.append(entry)
            if role == "content" and split == "train" and min(picture.size) >= CROP_MIN_SIDE:
                for crop in range(args.crops):  # closer views: a random window of a third to two thirds
                    side = int(min(picture.size) * rng.uniform(0.33, 0.66))
                    left, top = (int(rng.integers(0, extent - side + 1)) for extent in picture.size)
                    name = f"{stem}-crop{crop}"
                    size = save(picture.crop((left, top, left + side, top + side)), folder / f"{name}.jpg", *SHORTER_SIDE, QUALITY)
                    manifest.append(
                        {**entry, "path": f"{split}/{role}/{name}.jpg", "crop_of": f"{split}/{role}/{stem}.jpg", "crop_box": [left, top, left + side, top + side], "size": list(size), "duplicates": []}
                    )
    (partial / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    (partial / "duplicates.json").write_text(json.dumps(all_merges, indent=1) + "\n")
    (partial / "SUMMARY.md").write_text(summary(manifest, left_out, refused, all_merges, args))
    if args.sheets:
        write_review_sheets(partial, manifest, seen)
    partial.rename(args.out_dir)
    return manifest


def _members(seen: list[Seen], role: str, item: Seen) -> list[Seen]:
    """The pictures merged into ``item`` (indices of ``members`` are within its role)."""
    of_role = [other for other in seen if other.candidate.role == role]
    return [of_role[index] for index in item.members]


def write_review_sheets(out: Path, manifest: list[dict[str, object]], seen: list[Seen]) -> None:
    """Contact sheets of each split and role, and one of every merged group (kept picture first)."""
    for split in SPLITS:
        for role in ("content", "style"):
            pictures = [(str(entry["group"]), out / str(entry["path"])) for entry in manifest if entry["split"] == split and entry["role"] == role and "crop_of" not in entry]
            write_sheets(pictures, out / "sheets", f"{split}-{role}")
    for role in ("content", "style"):
        of_role = [item for item in seen if item.candidate.role == role]
        rows = []
        for item in of_role:
            for index in item.members:
                if item.thumbnail is not None and of_role[index].thumbnail is not None:
                    bits = bin(item.hash ^ of_role[index].hash).count("1")
                    rows += [(f"kept {item.candidate.name}", item.thumbnail), (f"{bits} bits {of_role[index].candidate.name}", of_role[index].thumbnail)]
        for start in range(0, len(rows), 64):
            contact_sheet(rows[start : start + 64]).save(out / "sheets" / f"merged-{role}-{start // 64:03d}.png")


if __name__ == "__main__":
    sys.exit(main())
