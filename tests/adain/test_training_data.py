"""scripts/adain_data_*.py: the pure pieces of make_adain_training_data.py (hashes, duplicate groups, splits, licences, rcc)."""

from __future__ import annotations

import importlib.util
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def load(name: str):
    """A helper module of scripts/ by path (scripts/ is no package; its modules import each other by name)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


dedup = load("adain_data_dedup")
split = load("adain_data_split")
packages = load("adain_data_packages")
images = load("adain_data_images")


def photo(seed: int, size: tuple[int, int] = (320, 240)) -> Image.Image:
    """A made-up 'photo': random blurred shapes on a gradient, different for every seed."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0 : size[1], 0 : size[0]]
    base = np.stack([(x * rng.uniform(0.2, 0.8) + y * rng.uniform(0.2, 0.8)) % 256] * 3, -1).astype(np.uint8)
    picture = Image.fromarray(base)
    draw = ImageDraw.Draw(picture)
    for _ in range(12):
        left, top = rng.integers(0, size[0]), rng.integers(0, size[1])
        draw.ellipse([left, top, left + rng.integers(20, 120), top + rng.integers(20, 120)], fill=tuple(int(v) for v in rng.integers(0, 256, 3)))
    return picture.filter(ImageFilter.GaussianBlur(2))


def night_sky(seed: int) -> Image.Image:
    """A mostly black picture with a few small bright blobs (a deep-sky photograph's look)."""
    rng = np.random.default_rng(seed)
    picture = Image.new("RGB", (256, 256))
    draw = ImageDraw.Draw(picture)
    for _ in range(6):
        cx, cy, radius = rng.integers(20, 236), rng.integers(20, 236), rng.integers(3, 25)
        draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], fill=tuple(int(v) for v in rng.integers(80, 256, 3)))
    return picture.filter(ImageFilter.GaussianBlur(3))


def test_a_photo_resized_recompressed_or_greyed_hashes_close_and_other_photos_far() -> None:
    original = photo(1, (640, 480))
    small = original.resize((200, 150), Image.LANCZOS)
    recompressed_path = Image.open(_jpeg(original, quality=40))
    grey = original.convert("L")
    h = dedup.perceptual_hash(original)
    for copy in (small, recompressed_path, grey):
        assert dedup.hamming(h, dedup.perceptual_hash(copy)) <= dedup.THRESHOLD
    others = [dedup.hamming(h, dedup.perceptual_hash(photo(seed, (640, 480)))) for seed in range(2, 12)]
    assert min(others) > dedup.THRESHOLD, others


def test_dark_pictures_hash_their_structure_not_their_darkness() -> None:
    skies = [dedup.perceptual_hash(night_sky(seed)) for seed in range(8)]
    table = dedup.distances(skies)
    assert table[np.triu_indices(8, 1)].min() > dedup.THRESHOLD
    assert (np.diag(table) == 0).all()


def test_equal_values_share_their_rank() -> None:
    flat = np.zeros((4, 4))
    assert np.allclose(dedup.equalised(flat), flat[0, 0] + 0.5)
    ramp = np.arange(16.0).reshape(4, 4)
    assert np.allclose(dedup.equalised(ramp), ramp / 15)


def test_groups_form_around_leaders_without_chaining() -> None:
    a = 0
    b = 0b1111  # 4 bits from a
    c = 0b11111111  # 8 bits from a, 4 from b
    far = (1 << 64) - 1
    assert dedup.near_duplicate_groups([a, b, far], threshold=4) == [0, 0, 2]
    # c is within 4 bits of b but not of the leader a: no chain a-b-c
    assert dedup.near_duplicate_groups([a, b, c], threshold=4) == [0, 0, 2]
    assert dedup.near_duplicate_groups([], threshold=4) == []


def test_name_keys_join_groups_the_hashes_keep_apart() -> None:
    far = (1 << 64) - 1
    assert dedup.near_duplicate_groups([0, far, 0b1], threshold=2, keys=["pair", None, None]) == [0, 1, 0]
    assert dedup.near_duplicate_groups([0, far, 0x0F0F], threshold=2, keys=["pair", None, "pair"]) == [0, 1, 0]
    with pytest.raises(ValueError, match="2 keys for 3 hashes"):
        dedup.near_duplicate_groups([0, 1, 2], keys=["a", "b"])


def families(spec: dict[str, int]) -> dict[str, str]:
    """``{family: group count}`` -> ``{group: family}``, groups named FAMILY-i."""
    return {f"{family}-{index}": family for family, count in spec.items() for index in range(count)}


SPEC = {"big": 200, "wallpapers": 12, "skimage": 9, "edu": 30, "opencv": 21, "palapeli": 5, "lomiri": 13, "tux": 22, "scribus": 10, "lxqt": 13}


def test_every_group_gets_one_split_and_the_sizes_are_met() -> None:
    groups = families(SPEC)
    assignment = split.assign_splits(groups, {"val": 50, "test": 50}, seed=0)
    assert set(assignment) == set(groups)
    counts = {name: sum(1 for value in assignment.values() if value == name) for name in split.SPLITS}
    assert counts["val"] == 50 and counts["test"] == 50 and counts["train"] == len(groups) - 100


def test_whole_families_go_to_held_out_splits_where_they_fit() -> None:
    groups = families(SPEC)
    assignment = split.assign_splits(groups, {"val": 50, "test": 50}, seed=3)
    mixed = {family for family in SPEC if len({assignment[f"{family}-{i}"] for i in range(SPEC[family])}) > 1}
    assert "big" not in {family for family in SPEC if assignment[f"{family}-0"] != "train"}  # too big for any held-out split
    assert len(mixed) <= 2, mixed  # only the families cut to top up a split


def test_forced_groups_are_in_test_with_their_family() -> None:
    groups = families(SPEC)
    assignment = split.assign_splits(groups, {"val": 50, "test": 50}, seed=5, forced_test=["wallpapers-3", "big-7"])
    assert assignment["wallpapers-3"] == "test" and assignment["big-7"] == "test"
    assert all(assignment[f"wallpapers-{i}"] == "test" for i in range(12))
    with pytest.raises(ValueError, match="not among the groups: nowhere"):
        split.assign_splits(groups, {"val": 5, "test": 5}, seed=0, forced_test=["nowhere"])


def test_same_seed_same_splits_other_seed_other_splits() -> None:
    groups = families(SPEC)
    first = split.assign_splits(groups, {"val": 50, "test": 50}, seed=11)
    assert split.assign_splits(dict(reversed(list(groups.items()))), {"val": 50, "test": 50}, seed=11) == first
    assert any(split.assign_splits(groups, {"val": 50, "test": 50}, seed=seed) != first for seed in (12, 13, 14))


def synthetic_candidates(sources):
    """Content photos (three families, two of them large enough for crops, one duplicated at a smaller size) and styles."""
    candidate = sources.Candidate
    items = []
    for number, (family, count, size) in enumerate((("alpha", 12, (1300, 1250)), ("beta", 6, (400, 300)), ("gamma", 8, (300, 260)))):
        for index in range(count):
            seed = 100 * number + index
            items.append(candidate("content", f"{family}{index}.jpg", family, "photo", f"test {family}", f"/{family}/{index}.jpg", "CC0-1.0", lambda seed=seed, size=size: photo(seed, size)))
    first_alpha = items[0]
    items.append(candidate("content", "alpha0-small.jpg", "beta", "photo", "test beta", "/beta/alpha0-small.jpg", "CC0-1.0", lambda: first_alpha.load().resize((650, 625))))
    items.append(candidate("content", "forbidden.jpg", "beta", "photo", "test beta", "/beta/forbidden.jpg", "CC-BY-NC-4.0", lambda: photo(999)))
    for index in range(12):
        items.append(candidate("style", f"style{index}", f"styles{index % 3}", "pattern", "test styles", f"/styles/{index}", "MIT", lambda index=index: photo(5000 + index, (300, 300))))
    return items


def run_build(tmp_path: Path, name: str, seed: int):
    sys.path.insert(0, str(SCRIPTS))
    try:
        script = load("make_adain_training_data")
        sources = load("adain_data_sources")
    finally:
        sys.path.remove(str(SCRIPTS))
    args = script.parse_args([str(tmp_path / name), "--seed", str(seed), "--crops", "2", "--val-content", "4", "--test-content", "4", "--val-style", "2", "--test-style", "2"])
    manifest = script.build(synthetic_candidates(sources), args, np.random.default_rng(seed), held_out={"content": ("gamma3.jpg",), "style": ()})
    return manifest


def test_build_keeps_crops_and_duplicates_with_their_source_photo_and_is_deterministic(tmp_path: Path) -> None:
    manifest = run_build(tmp_path, "first", seed=4)
    out = tmp_path / "first"
    assert not (tmp_path / "first.partial").exists()
    assert all((out / entry["path"]).is_file() for entry in manifest)
    content = [entry for entry in manifest if entry["role"] == "content"]
    photos = {entry["group"] for entry in content}
    assert len(photos) == 26  # 26 photos; the smaller copy of alpha0 is merged into it, the NC one refused
    merged = [entry for entry in content if entry["duplicates"]]
    assert [entry["file"] for entry in merged] == ["/alpha/0.jpg"] and "alpha0-small" in merged[0]["duplicates"][0]
    crops = [entry for entry in content if "crop_of" in entry]
    assert crops, "the 1300 x 1250 training photos give crops"
    split_of_group = {entry["group"]: entry["split"] for entry in content if "crop_of" not in entry}
    for crop in crops:
        assert crop["split"] == split_of_group[crop["group"]] == "train"
        assert crop["path"].startswith("train/content/") and crop["crop_of"].startswith("train/content/")
    assert split_of_group["gamma-gamma3"] == "test"
    for entry in manifest:
        assert 256 <= min(entry["size"]) <= 512
    summary = (out / "SUMMARY.md").read_text()
    assert "CC-BY-NC-4.0" in summary and "26 distinct content photos" in summary

    again = run_build(tmp_path, "second", seed=4)
    assert [(entry["path"], entry["split"]) for entry in again] == [(entry["path"], entry["split"]) for entry in manifest]
    for entry in manifest:
        assert (out / entry["path"]).read_bytes() == (tmp_path / "second" / entry["path"]).read_bytes()


def test_copyright_patterns_match_installed_and_resource_paths(tmp_path: Path) -> None:
    doc = tmp_path / "usr/share/doc/pkg"
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
        "Files: *\nCopyright: someone\nLicense: GPL-3+\n\n"
        "Files: src/activities/erase/resource/*.jpg\nCopyright: photographer\nLicense: CC-BY-SA-3.0\n\n"
        "Files: src/activities/erase/resource/secret.jpg\nCopyright: agency\nLicense: CC-BY-NC-4.0\n\n"
        "Files: 16.04/Bridge.jpg\nCopyright: artist\nLicense: CC-BY-4.0\n"
    )
    assert packages.licence_of(tmp_path, "pkg", "src/activities/erase/resource/cat.webp") == "CC-BY-SA-3.0"
    assert packages.licence_of(tmp_path, "pkg", "src/activities/erase/resource/secret.webp") == "CC-BY-NC-4.0"
    assert packages.licence_of(tmp_path, "pkg", tmp_path / "usr/share/backgrounds/Bridge.jpg") == "CC-BY-4.0"
    assert packages.licence_of(tmp_path, "pkg", "elsewhere/other.png") == "GPL-3+"
    assert packages.licence_of(tmp_path, "missing", "x.png").startswith("unknown")


@pytest.mark.parametrize(
    ("licence", "refused"),
    [("CC-BY-SA-3.0", False), ("GPL-2+", False), ("public-domain", False), ("CC-BY-NC-4.0", True), ("CC-BY-ND-2.0", True), ("unknown: no copyright file", True), ("All rights reserved", True)],
)
def test_licences_that_forbid_training_copies_are_refused(licence: str, refused: bool) -> None:
    assert (packages.licence_refusal(licence) is not None) == refused


def _jpeg(picture: Image.Image, quality: int):
    from io import BytesIO

    buffer = BytesIO()
    picture.save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    return buffer


def _rcc(files: dict[str, bytes], compress: set[str]) -> bytes:
    """A format-2 Qt resource file holding ``files`` in one folder ``dir`` (rcc's layout)."""
    names = b""
    name_offsets = {}
    for name in ["dir", *files]:
        name_offsets[name] = len(names)
        encoded = name.encode("utf-16-be")
        names += struct.pack(">HI", len(name), 0) + encoded
    payload = b""
    data_offsets = {}
    for name, content in files.items():
        blob = struct.pack(">I", len(content)) + zlib.compress(content) if name in compress else content
        data_offsets[name] = len(payload)
        payload += struct.pack(">I", len(blob)) + blob
    tree = struct.pack(">IHII", 0, 2, 1, 1) + b"\0" * 8  # root: one child, node 1
    tree += struct.pack(">IHII", name_offsets["dir"], 2, len(files), 2) + b"\0" * 8
    for name in files:
        tree += struct.pack(">IHHHI", name_offsets[name], 1 if name in compress else 0, 0, 0, data_offsets[name]) + b"\0" * 8
    header = 20
    return b"qres" + struct.pack(">4I", 2, header, header + len(tree), header + len(tree) + len(payload)) + tree + payload + names


def test_qt_resource_files_are_read_with_and_without_compression(tmp_path: Path) -> None:
    path = tmp_path / "activity.rcc"
    path.write_bytes(_rcc({"a.webp": b"plain bytes", "b.qml": b"compressed " * 20}, compress={"b.qml"}))
    assert packages.read_rcc(path) == {"/dir/a.webp": b"plain bytes", "/dir/b.qml": b"compressed " * 20}
    path.write_bytes(b"not a resource file at all")
    with pytest.raises(ValueError, match="not a Qt resource file"):
        packages.read_rcc(path)


def test_training_copies_have_their_shorter_side_in_range() -> None:
    assert images.fit_shorter_side(Image.new("RGB", (2000, 1000)), 256, 512).size == (1024, 512)
    assert images.fit_shorter_side(Image.new("RGB", (300, 600)), 256, 512).size == (300, 600)
    assert images.fit_shorter_side(Image.new("RGB", (210, 420)), 256, 512).size == (256, 512)
    with pytest.raises(ValueError, match="needs 0 < low <= high"):
        images.fit_shorter_side(Image.new("RGB", (10, 10)), 512, 256)
    transparent = Image.new("RGBA", (4, 4), (255, 0, 0, 0))
    assert images.flatten(transparent, (1, 2, 3)).getpixel((0, 0)) == (1, 2, 3)
