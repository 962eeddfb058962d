"""Folder runs over several processes (``--devices``, issue 23): two CPU processes over gloo write the same files and
pixels as one, each output atomically as it is made; an interrupted job keeps its finished outputs and
``--skip-existing`` finishes it without touching them; bad settings are one line before any process starts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from .test_commands import ROOT
from .test_errors import fails_with

pytestmark = pytest.mark.slow


def _command(*argv: str) -> list[str]:
    return [sys.executable, "-m", "stylesynth", *argv]


def _environment() -> dict[str, str]:
    # one thread per process either way, so one process and two compute the same sums in the same order
    return {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}


def _run(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(_command(*argv), cwd=cwd, env=_environment(), capture_output=True, text=True, timeout=300, check=False)


def _photos(folder: Path, count: int, size: tuple[int, int] = (72, 56)) -> list[Path]:
    folder.mkdir(parents=True)
    generator = np.random.default_rng(0)
    paths = []
    for index in range(count):
        pixels = generator.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
        paths.append(folder / f"photo-{index:02d}.png")
        Image.fromarray(pixels).save(paths[-1])
    return paths


def _pixels(folder: Path) -> dict[str, np.ndarray]:
    return {str(path.relative_to(folder)): np.asarray(Image.open(path)) for path in sorted(folder.rglob("*.png"))}


def _no_temporary_files(folder: Path) -> None:
    leftovers = [path for path in folder.rglob("*") if path.is_file() and path.suffix != ".png"]
    assert not leftovers, leftovers


def test_two_processes_write_the_same_files_and_pixels_as_one(tmp_path: Path, checkpoint_dir: Path) -> None:
    _photos(tmp_path / "photos", 5)
    style = tmp_path / "style.png"
    Image.fromarray(np.random.default_rng(1).integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(style)
    common = ("stylize", "photos", "-s", str(style), "--model", str(checkpoint_dir), "--device", "cpu")
    one = _run(*common, "-o", "one", cwd=tmp_path)
    assert one.returncode == 0, one.stderr
    two = _run(*common, "-o", "two", "--devices", "2", "--json", cwd=tmp_path)
    assert two.returncode == 0, two.stderr
    assert _pixels(tmp_path / "one").keys() == _pixels(tmp_path / "two").keys() and len(_pixels(tmp_path / "one")) == 5
    for name, pixels in _pixels(tmp_path / "one").items():
        np.testing.assert_array_equal(pixels, _pixels(tmp_path / "two")[name], err_msg=name)
    # both ranks worked (items 0, 2, 4 and 1, 3), one JSON report on stdout, from the first process
    assert "[rank 0]" in two.stderr and "[rank 1]" in two.stderr, two.stderr
    report = json.loads(two.stdout)
    assert sorted(report["outputs"]) == sorted(str(Path("two") / name) for name in _pixels(tmp_path / "two"))
    assert all(size == [72, 56] for size in report["sizes"])
    _no_temporary_files(tmp_path / "two")


def test_synthesize_over_two_processes_matches_one(tmp_path: Path, tiny_checkpoint: Path) -> None:
    labels = tmp_path / "labels"
    labels.mkdir()
    generator = np.random.default_rng(2)
    for index in range(3):
        Image.fromarray(generator.integers(0, 3, (32, 32), dtype=np.uint8), mode="L").save(labels / f"map-{index}.png")
    common = ("synthesize", "labels", "--checkpoint", str(tiny_checkpoint), "--seed", "7", "--device", "cpu")
    one = _run(*common, "-o", "one", cwd=tmp_path)
    two = _run(*common, "-o", "two", "--devices", "2", cwd=tmp_path)
    assert one.returncode == 0 and two.returncode == 0, one.stderr + two.stderr
    for name, pixels in _pixels(tmp_path / "one").items():
        np.testing.assert_array_equal(pixels, _pixels(tmp_path / "two")[name], err_msg=name)
    assert len(_pixels(tmp_path / "two")) == 3


def test_an_interrupted_job_keeps_its_outputs_and_skip_existing_finishes_it(tmp_path: Path, checkpoint_dir: Path) -> None:
    _photos(tmp_path / "photos", 24, size=(160, 120))
    style = tmp_path / "style.png"
    Image.fromarray(np.random.default_rng(1).integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(style)
    common = ("stylize", "photos", "-s", str(style), "--model", str(checkpoint_dir), "--device", "cpu", "-o", "out", "--devices", "2")
    job = subprocess.Popen(_command(*common), cwd=tmp_path, env=_environment(), stderr=subprocess.PIPE, text=True, start_new_session=True)
    assert job.stderr is not None
    for line in job.stderr:  # the first output is in place: stop the whole job as a scheduler or Ctrl-C would
        if line.startswith("[rank"):
            os.killpg(job.pid, signal.SIGTERM)
            break
    rest = job.stderr.read()
    code = job.wait(timeout=120)
    finished = _pixels(tmp_path / "out")
    assert code == 128 + signal.SIGTERM, rest
    assert "--skip-existing" in rest, rest
    assert 1 <= len(finished) < 24, len(finished)
    _no_temporary_files(tmp_path / "out")
    times = {path: path.stat().st_mtime_ns for path in (tmp_path / "out").rglob("*.png")}
    time.sleep(0.05)
    resumed = _run(*common, "--skip-existing", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{24 - len(finished)} files written" in resumed.stdout and f"{len(finished)} skipped" in resumed.stdout, resumed.stdout
    assert len(_pixels(tmp_path / "out")) == 24
    assert all(path.stat().st_mtime_ns == mtime for path, mtime in times.items())
    _no_temporary_files(tmp_path / "out")


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--devices", "0"], "--devices must be at least 1, got 0"),
        (["--num-nodes", "-1"], "--num-nodes must be at least 1"),
        (["--devices", "2", "--device", "cuda:1"], "say cpu or cuda"),
    ],
)
def test_bad_process_settings_are_one_line_before_any_work(tmp_path: Path, extra: list[str], message: str) -> None:
    _photos(tmp_path / "photos", 2)
    result = _run("stylize", "photos", "-s", "photos/photo-00.png", "-o", "out", *extra, cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (tmp_path / "out").exists()


def test_devices_from_python_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # further processes run the command line again: from main([...]) that would be the caller's program
    _photos(tmp_path / "photos", 2)
    argv = ["stylize", str(tmp_path / "photos"), "-s", str(tmp_path / "photos" / "photo-00.png"), "-o", str(tmp_path / "out"), "--devices", "2"]
    fails_with(capsys, argv, "run the stylesynth command")


def test_devices_without_lightning_says_what_to_install(tmp_path: Path) -> None:
    _photos(tmp_path / "photos", 2)
    script = (
        "import sys\n"
        "class Forbid:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'lightning': raise ImportError(name)\n"
        "sys.meta_path.insert(0, Forbid())\n"
        "from stylesynth.cli import main\n"
        "sys.argv = ['stylesynth', 'stylize', 'photos', '-s', 'photos/photo-00.png', '-o', 'out', '--devices', '2']\n"
        "sys.exit(main())\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=_environment(), capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2 and "need Lightning: pip install 'stylesynth[train]'" in result.stderr, result.stderr
