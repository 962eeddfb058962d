"""Output files under hostile conditions: names up to the file system's limit, names past it (refused before
the work), two writers racing for one new name, file systems without hard links; and the one table of
image formats (issue 24.7, 8, 12)."""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path

import pytest
import torch
from PIL import Image

from stylesynth.io import atomic_directory, atomic_output, load_image, save_image, save_pretrained, staged_outputs
from stylesynth.io.atomic import OutputExistsError, check_name_fits
from stylesynth.io.formats import ACCEPTED_FORMATS, FORMATS, IMAGE_EXTENSIONS, IMAGE_FORMATS
from stylesynth.io.images import image_format, write_image


def limit(folder: Path) -> int:
    return os.pathconf(folder, "PC_NAME_MAX")


def named(folder: Path, length: int, suffix: str = ".png") -> Path:
    """A path in ``folder`` whose name is ``length`` bytes (multi-byte characters included)."""
    stem = "é" * ((length - len(suffix)) // 2) + "x" * ((length - len(suffix)) % 2)
    path = folder / f"{stem}{suffix}"
    assert len(os.fsencode(path.name)) == length
    return path


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.rglob(".*"))


@pytest.mark.parametrize("length", [242, 250, 255])
def test_names_up_to_the_limit_are_written_by_every_writer(tmp_path: Path, length: int) -> None:
    if limit(tmp_path) < length:
        pytest.skip(f"this file system allows {limit(tmp_path)} bytes")
    image = named(tmp_path, length)
    save_image(torch.rand(3, 4, 5), image)
    assert load_image(image).size == (5, 4)
    staged = named(tmp_path / "staged", length)
    with staged_outputs() as outputs:
        outputs.write(staged, lambda path: path.write_bytes(b"staged"))
    folder = named(tmp_path, length, suffix="")
    save_pretrained(folder, {"w": torch.ones(1)}, {"kind": "test"})
    with atomic_output(named(tmp_path, length, ".bin"), overwrite=False) as temporary:
        temporary.write_bytes(b"exclusive")
    assert staged.read_bytes() == b"staged" and (folder / "config.json").exists()
    assert leftovers(tmp_path) == []


def test_a_name_past_the_limit_is_refused_before_the_work_naming_file_and_limit(tmp_path: Path) -> None:
    too_long = named(tmp_path, limit(tmp_path) + 1)
    started: list[Path] = []
    message = rf"cannot write {too_long}: the file name .* is {limit(tmp_path) + 1} bytes, more than the {limit(tmp_path)} bytes the file system of {tmp_path} allows"
    with pytest.raises(OSError, match=message) as caught:
        with staged_outputs() as outputs:
            outputs.write(too_long, started.append)
    assert caught.value.errno == errno.ENAMETOOLONG and started == []
    with pytest.raises(OSError, match=message):
        save_image(torch.rand(3, 4, 5), too_long)
    with pytest.raises(OSError, match="folder name"):
        save_pretrained(named(tmp_path, limit(tmp_path) + 1, ""), {"w": torch.ones(1)}, {"kind": "test"})
    with pytest.raises(OSError, match="the folder name"):  # a folder that would have to be made for the file
        check_name_fits(named(tmp_path, limit(tmp_path) + 1, "") / "a.png")
    assert list(tmp_path.iterdir()) == []


def race(count: int, write) -> list[BaseException | None]:
    """Runs ``write(index, barrier)`` in ``count`` threads that all start their final step together."""
    barrier = threading.Barrier(count)
    outcomes: list[BaseException | None] = [None] * count

    def run(index: int) -> None:
        try:
            write(index, barrier)
        except BaseException as error:  # noqa: BLE001 - collected for the test
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def exactly_one_wins(outcomes: list[BaseException | None]) -> int:
    winners = [index for index, outcome in enumerate(outcomes) if outcome is None]
    assert len(winners) == 1, outcomes
    assert all(isinstance(outcome, OutputExistsError) for outcome in outcomes if outcome is not None), outcomes
    return winners[0]


def test_two_exclusive_file_writers_racing_one_wins_the_other_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"

    def write(index: int, barrier: threading.Barrier) -> None:
        with atomic_output(target, overwrite=False) as temporary:
            temporary.write_text(f"writer {index}")
            barrier.wait()  # both have checked that the name is free and done their work

    winner = exactly_one_wins(race(4, write))
    assert target.read_text() == f"writer {winner}"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out.txt"]


def test_two_staged_runs_racing_one_wins_and_the_loser_writes_nothing(tmp_path: Path) -> None:
    def write(index: int, barrier: threading.Barrier) -> None:
        with staged_outputs(overwrite=False) as outputs:
            outputs.write(tmp_path / "new" / f"only-{index}.txt", lambda path: path.write_text("private"))
            outputs.write(tmp_path / "shared.txt", lambda path: path.write_text(f"run {index}"))
            barrier.wait()

    winner = exactly_one_wins(race(2, write))
    assert (tmp_path / "shared.txt").read_text() == f"run {winner}"
    assert sorted(path.name for path in (tmp_path / "new").iterdir()) == [f"only-{winner}.txt"]  # the loser's first file was undone
    assert leftovers(tmp_path) == []


def test_two_exclusive_folder_writers_racing_one_wins(tmp_path: Path) -> None:
    def write(index: int, barrier: threading.Barrier) -> None:
        with atomic_directory(tmp_path / "model", overwrite=False) as folder:
            (folder / "who").write_text(str(index))
            barrier.wait()

    winner = exactly_one_wins(race(2, write))
    assert (tmp_path / "model" / "who").read_text() == str(winner)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["model"]


def test_overwriting_writers_still_replace(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    with atomic_output(target) as temporary:
        temporary.write_text("new")
    with pytest.raises(OutputExistsError, match=rf"{target} already exists"):
        with atomic_output(target, overwrite=False) as temporary:
            raise AssertionError("refused before the block")
    assert target.read_text() == "new"
    with staged_outputs(overwrite=True) as outputs:
        outputs.write(target, lambda path: path.write_text("newer"))
    assert target.read_text() == "newer"


@pytest.mark.parametrize("code", [errno.EPERM, errno.EOPNOTSUPP])
def test_without_hard_links_creation_is_still_exclusive(tmp_path: Path, monkeypatch, code: int) -> None:
    def no_links(source, destination) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "link", no_links)
    target = tmp_path / "out.txt"
    with atomic_output(target, overwrite=False) as temporary:
        temporary.write_text("first")
        other = tmp_path / "other.txt"
        other.write_text("x")
    assert target.read_text() == "first"

    def write(index: int, barrier: threading.Barrier) -> None:
        with atomic_output(tmp_path / "raced.txt", overwrite=False) as temporary:
            temporary.write_text(f"writer {index}")
            barrier.wait()

    winner = exactly_one_wins(race(3, write))
    assert (tmp_path / "raced.txt").read_text() == f"writer {winner}"
    assert leftovers(tmp_path) == []


def test_the_format_table_is_what_is_read_written_and_listed(tmp_path: Path) -> None:
    assert ".gif" in IMAGE_EXTENSIONS and "GIF" in FORMATS and "GIF" in ACCEPTED_FORMATS
    registered = Image.registered_extensions()
    for entry in IMAGE_FORMATS:
        assert entry.name in ACCEPTED_FORMATS
        for extension in entry.extensions:
            assert registered[extension] == entry.pillow, extension
            path = tmp_path / f"image{extension}"
            write_image(Image.new("RGB", (12, 10), (200, 30, 60)), path)
            assert image_format(path) == entry.pillow
            assert load_image(path).size == (12, 10)
    assert sorted(IMAGE_EXTENSIONS) == sorted({extension for entry in IMAGE_FORMATS for extension in entry.extensions})


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_image_format_does_not_open_special_files(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    assert image_format(fifo) is None  # returns at once: a FIFO opened for reading would block
    assert image_format(tmp_path) is None and image_format(tmp_path / "missing.png") is None
    (tmp_path / "text.png").write_text("not an image")
    assert image_format(tmp_path / "text.png") is None
