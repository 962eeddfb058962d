"""The built wheel, installed into a fresh virtual environment, loads the bundled checkpoints by name.

The wheel is built from a copy of the sources (so the checkout gets no build/ or egg-info) with the
current environment's setuptools, offline, and installed with ``--no-deps``; the fresh environment
sees the current one's packages (torch, ...) through a ``.pth`` file, but not its editable install
of stylesynth, so what is imported is the wheel's copy.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _run(*command: str | Path, cwd: Path) -> str:
    result = subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, f"{' '.join(map(str, command))} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "stylesynth", source / "stylesynth", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", out, source, cwd=source)
    (built,) = out.glob("stylesynth-*.whl")
    return built


def test_the_wheel_holds_the_library_and_its_bundled_checkpoints_only(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/")[0] for name in names if not name.split("/")[0].endswith((".dist-info", ".data"))}
    assert top_level == {"stylesynth"}, f"the wheel installs {sorted(top_level)}; only the stylesynth package belongs there (no bare 'models')"
    for name in ("adain-default", "spade-default", "magenta-arbitrary", "magenta-26"):
        for file in ("config.json", "model.safetensors", "README.md"):
            assert f"stylesynth/checkpoints/{name}/{file}" in names


def test_an_installed_wheel_loads_the_bundled_names(wheel: Path, tmp_path: Path) -> None:
    environment = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", environment, cwd=tmp_path)
    python = environment / "bin" / "python"
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path).strip())
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")  # torch & co., not the editable stylesynth
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q", wheel, cwd=tmp_path)
    script = textwrap.dedent(
        """
        import importlib.util, sys
        import torch
        import stylesynth
        from stylesynth import Stylizer, Synthesizer
        assert stylesynth.__file__.startswith(sys.prefix), stylesynth.__file__
        assert importlib.util.find_spec("models") is None, "the wheel must not install a top-level models package"
        image = Stylizer.from_pretrained("adain-default", device="cpu").stylize(torch.rand(3, 32, 32), torch.rand(3, 32, 32))
        assert image.shape == (3, 32, 32)
        synthesizer = Synthesizer.from_pretrained("spade-default", device="cpu")
        print(synthesizer.synthesize(torch.zeros(16, 16, dtype=torch.long), seed=0).size)
        """
    )
    assert _run(python, "-c", script, cwd=tmp_path).strip() == "(16, 16)"
