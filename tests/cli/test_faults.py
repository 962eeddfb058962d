"""Faults during folder runs of ``stylesynth stylize``: Ctrl-C at random moments, a full disk, a read-only
target, a failing ``--overwrite`` run. Afterwards every file that existed is byte-identical (or the
run finished and replaced exactly its outputs) and no temporary file is left."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from stylesynth.cli import main
from tests.adain.conftest import random_image

from .test_errors import fails_with, snapshot

ROOT = Path(__file__).resolve().parents[2]


def leftovers(root: Path) -> list[Path]:
    """Temporary files or folders of a staged write (``.<name>.XXXX.tmp`` / ``.bak``)."""
    return [path for path in root.rglob(".*") if path.suffix in (".tmp", ".bak")]


def photo_folder(root: Path, count: int, side: int = 40) -> Path:
    folder = root / "photos"
    folder.mkdir(parents=True)
    for index in range(count):
        random_image(side, side, seed=index).save(folder / f"{index:02d}.png")
    return folder


def command(photos: Path, style: Path, checkpoint: Path, out: Path) -> list[str]:
    return ["stylize", str(photos), "-s", str(style), "-c", str(checkpoint), "-o", str(out), "--overwrite", "-q"]


def test_interrupt_at_random_moments_of_a_folder_run(images, checkpoint_dir, tmp_path) -> None:
    """SIGINT after a random delay (seeded): either nothing changed, or the run had finished."""
    photos = photo_folder(tmp_path, 3)
    out = tmp_path / "out"
    assert main(command(photos, images["style_a"], checkpoint_dir, out)) == 0  # earlier results, to be kept
    (out / "photos" / "00.png").write_bytes(b"an earlier result the user edited")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "stylesynth.cli", *command(photos, images["style_a"], checkpoint_dir, out)]
    started = time.monotonic()
    assert subprocess.run(argv, env=env, capture_output=True, timeout=300).returncode == 0
    full_run = time.monotonic() - started
    (out / "photos" / "00.png").write_bytes(b"an earlier result the user edited")
    rng = random.Random(12)
    for delay in sorted(rng.uniform(0.3, 1.1) * full_run for _ in range(2)):
        before = snapshot(tmp_path)
        process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=300)
        assert leftovers(tmp_path) == [], err
        assert process.returncode in (0, 130, -signal.SIGINT), err
        if process.returncode == 0:  # finished before the signal took effect: every output replaced, inputs untouched
            after = snapshot(tmp_path)
            assert {k: v for k, v in after.items() if k.startswith("photos")} == {k: v for k, v in before.items() if k.startswith("photos")}
            assert after["out/photos/00.png"] != before["out/photos/00.png"]
            (out / "photos" / "00.png").write_bytes(b"an earlier result the user edited")
        else:
            assert snapshot(tmp_path) == before, err


@contextlib.contextmanager
def small_tmpfs(folder: Path, size: str) -> Iterator[Path]:
    folder.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (not root); test_errors.py simulates the full disk instead")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_full_disk_keeps_every_existing_file(capsys, images, checkpoint_dir, tmp_path) -> None:
    """A real full file system (a 32 KiB tmpfs, mostly filled by earlier results): the run fails with one
    line; the earlier results stay as they were."""
    photos = photo_folder(tmp_path / "in", 4, side=64)
    with small_tmpfs(tmp_path / "disk", "32k") as disk:
        out = disk / "out"
        (out / "photos").mkdir(parents=True)
        for index in range(2):
            random_image(64, 64, seed=50 + index).save(out / "photos" / f"{index:02d}.png")  # 12 KiB of noise each
        before = snapshot(disk)
        fails_with(capsys, command(photos, images["style_a"], checkpoint_dir, out), "No space left on device")
        assert snapshot(disk) == before
        assert leftovers(disk) == []


def test_read_only_target_folder_keeps_its_files(capsys, images, checkpoint_dir, tmp_path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders; test_errors.py simulates the refusal instead")
    photos = photo_folder(tmp_path / "in", 2)
    out = tmp_path / "out"
    (out / "photos").mkdir(parents=True)
    (out / "photos" / "00.png").write_bytes(b"keep")
    (out / "photos").chmod(0o555)
    try:
        before = snapshot(out)
        fails_with(capsys, command(photos, images["style_a"], checkpoint_dir, out), rf"cannot write in the folder {out / 'photos'}: Permission denied")
        assert snapshot(out) == before
    finally:
        (out / "photos").chmod(0o755)


def test_failing_overwrite_runs_keep_every_existing_file(capsys, images, checkpoint_dir, tmp_path) -> None:
    """Overwrite runs that fail at different stages: in the checks, in the model, at the last image."""
    photos = photo_folder(tmp_path / "in", 3)
    out = tmp_path / "out"
    assert main(command(photos, images["style_a"], checkpoint_dir, out)) == 0
    random_image(12, 12).save(photos / "99.png")  # readable, too small for the model: fails last
    before = snapshot(tmp_path)
    fails_with(capsys, command(photos, images["style_a"], checkpoint_dir, out), "at least 16 pixels")
    fails_with(capsys, [*command(photos, images["style_a"], checkpoint_dir, out), "--size", "8"], "--size must be at least 16")
    fails_with(capsys, [*command(photos, images["style_a"], tmp_path / "missing", out)], "missing")
    assert snapshot(tmp_path) == before
    assert leftovers(tmp_path) == []
