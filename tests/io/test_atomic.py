"""Atomic writes: complete files appear under their name with the usual permissions, failures leave nothing."""

from __future__ import annotations

import os
import stat

import pytest
import torch

from stylesynth.io import atomic_directory, atomic_output, load_pretrained, save_image, save_pretrained


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
