"""Atomic writes: complete files appear under their name with the usual permissions, failures leave nothing."""

from __future__ import annotations

import os
import stat
import tempfile

import pytest
import torch

from stylesynth.io import atomic_directory, atomic_output, load_pretrained, save_image, save_pretrained, staged_outputs


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_written_file_and_folder_get_umask_permissions(tmp_path) -> None:
    mask = os.umask(0o022)
    try:
        save_image(torch.rand(3, 4, 5), tmp_path / "out.png")
        save_pretrained(tmp_path / "ckpt", {"w": torch.ones(2)}, {"kind": "test"}, card="card")
    finally:
        os.umask(mask)
    assert _mode(tmp_path / "out.png") == 0o644
    assert _mode(tmp_path / "ckpt") == 0o755
    for name in ("model.safetensors", "config.json", "README.md"):  # safetensors alone writes 0600
        assert _mode(tmp_path / "ckpt" / name) == 0o644, name
    state, config = load_pretrained(tmp_path / "ckpt", kind="test")
    assert config == {"kind": "test"} and torch.equal(state["w"], torch.ones(2))


def test_failure_leaves_no_partial_file_or_folder(tmp_path) -> None:
    with pytest.raises(RuntimeError):
        with atomic_output(tmp_path / "out.bin") as temporary:
            temporary.write_bytes(b"half")
            raise RuntimeError("interrupted")
    with pytest.raises(RuntimeError):
        with atomic_directory(tmp_path / "folder") as temporary:
            (temporary / "a").write_text("half")
            raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_existing_folder_is_kept_unless_overwrite(tmp_path) -> None:
    save_pretrained(tmp_path / "ckpt", {"w": torch.ones(1)}, {"kind": "a"})
    with pytest.raises(FileExistsError, match="already exists"):
        save_pretrained(tmp_path / "ckpt", {"w": torch.zeros(1)}, {"kind": "b"})
    save_pretrained(tmp_path / "ckpt", {"w": torch.zeros(1)}, {"kind": "b"}, overwrite=True)
    assert load_pretrained(tmp_path / "ckpt")[1]["kind"] == "b"


def test_staged_outputs_appear_together_when_the_block_succeeds(tmp_path) -> None:
    (tmp_path / "old.txt").write_text("old")
    with staged_outputs() as outputs:
        outputs.write(tmp_path / "old.txt", lambda path: path.write_text("new"))
        outputs.write(tmp_path / "sub" / "fresh.txt", lambda path: path.write_text("fresh"))
        assert (tmp_path / "old.txt").read_text() == "old" and not (tmp_path / "sub" / "fresh.txt").exists()
    assert (tmp_path / "old.txt").read_text() == "new" and (tmp_path / "sub" / "fresh.txt").read_text() == "fresh"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["fresh.txt", "old.txt", "sub"]


def test_staged_outputs_leave_everything_as_it_was_when_the_block_fails(tmp_path) -> None:
    (tmp_path / "old.txt").write_text("old")
    with pytest.raises(RuntimeError):
        with staged_outputs() as outputs:
            outputs.write(tmp_path / "old.txt", lambda path: path.write_text("new"))
            outputs.write(tmp_path / "a" / "b" / "fresh.txt", lambda path: path.write_text("fresh"))
            raise RuntimeError("the third image failed")
    assert [p.name for p in tmp_path.rglob("*")] == ["old.txt"] and (tmp_path / "old.txt").read_text() == "old"


def test_a_failed_rename_undoes_the_renames_before_it(tmp_path, monkeypatch) -> None:
    for name in ("a", "b", "c"):
        (tmp_path / name).write_text(f"old {name}")
    real_replace = os.replace
    calls = []

    def replace(source, target):
        calls.append(target)
        if str(target).endswith("/c"):
            raise OSError(28, "No space left on device")
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError, match="No space"):
        with staged_outputs() as outputs:
            for name in ("a", "b", "c"):
                outputs.write(tmp_path / name, lambda path, name=name: path.write_text(f"new {name}"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "c"]
    assert [(tmp_path / name).read_text() for name in ("a", "b", "c")] == ["old a", "old b", "old c"]


def test_unwritable_folder_is_named_not_the_temporary_file(tmp_path, monkeypatch) -> None:
    def refuse(prefix: str = "", suffix: str = "", dir: str = "") -> tuple[int, str]:  # as in a read-only folder (root may write anywhere)
        raise PermissionError(13, "Permission denied", f"{dir}/{prefix}x{suffix}")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(PermissionError, match=rf"cannot write in the folder {tmp_path}: Permission denied$"):
        with staged_outputs() as outputs:
            outputs.write(tmp_path / "out.png", lambda path: None)
    assert list(tmp_path.iterdir()) == []


def test_export_onto_an_existing_file_is_refused_and_keeps_the_file(tmp_path) -> None:
    (tmp_path / "taken").write_text("mine")
    with pytest.raises(FileExistsError, match="is a file, not a folder"):
        save_pretrained(tmp_path / "taken", {"w": torch.ones(1)}, {"kind": "a"}, overwrite=True)
    assert (tmp_path / "taken").read_text() == "mine"


def test_overwriting_a_folder_keeps_the_old_one_if_moving_the_new_one_in_fails(tmp_path, monkeypatch) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "old.txt").write_text("old")
    real_replace = os.replace

    def failing_replace(source, destination):
        if str(source).endswith(".tmp"):
            raise OSError(28, "No space left on device")
        return real_replace(source, destination)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="No space"), atomic_directory(tmp_path / "out", overwrite=True) as folder:
        (folder / "new.txt").write_text("new")
    monkeypatch.setattr(os, "replace", real_replace)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # nothing left beside it
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["old.txt"]
    with atomic_directory(tmp_path / "out", overwrite=True) as folder:
        (folder / "new.txt").write_text("new")
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["new.txt"]
