"""The command line's shell: ``--help``, ``--version`` and argument errors without torch, ``stylesynth info``,
unusable devices and bad arguments as one line with exit code 2 (issues 22 and 24)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stylesynth.cli import build_parser, main, package_version

from .test_errors import fails_with

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "torchvision", "PIL.Image", "numpy", "safetensors", "stylesynth.io", "stylesynth.validation", "stylesynth.inference", "stylesynth.nets")

#: prints the heavy modules a CLI call imported, then exits with the call's code
PROBE = """
import sys
from stylesynth.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
print("IMPORTED", [name for name in {heavy!r} if name in sys.modules], file=sys.stderr)
sys.exit(code)
"""


def run_cli(*argv: str, probe: bool = False) -> subprocess.CompletedProcess:
    """``python -m stylesynth ARGV`` (or the import probe) in a fresh interpreter, from the repository root."""
    command = [sys.executable, "-c", PROBE.format(heavy=HEAVY), *argv] if probe else [sys.executable, "-m", "stylesynth", *argv]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize(
    "argv, code",
    [
        (["--help"], 0),
        (["--version"], 0),
        (["stylize", "--help"], 0),
        (["synthesize", "--help"], 0),
        (["export", "--help"], 0),
        (["info", "--help"], 0),
        (["presets", "--help"], 0),
        (["synthesize", "a.png", "-o", "b.png", "--seed", "abc"], 2),
        (["stylize", "a.jpg"], 2),
        (["no-such-command"], 2),
    ],
)
def test_help_version_and_argument_errors_import_no_torch(argv: list[str], code: int) -> None:
    result = run_cli(*argv, probe=True)
    assert result.returncode == code, result.stderr
    assert result.stderr.strip().splitlines()[-1] == "IMPORTED []", result.stderr


def test_help_answers_fast_and_imports_no_torch_per_importtime() -> None:
    """``python -X importtime -m stylesynth --help``: no torch in the import log, well under 0.5 s of imports."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "stylesynth", "--help"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120, check=False,
    )
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert not imported & {"torch", "torchvision", "numpy", "PIL.Image"}, sorted(imported & {"torch", "torchvision", "numpy", "PIL.Image"})
    assert "usage: stylesynth" in result.stdout
    assert elapsed < 5, f"--help took {elapsed:.2f} s"  # the target is < 0.5 s; a loaded 2-core CI machine gets slack


def test_version_is_the_package_version(capsys) -> None:
    with pytest.raises(SystemExit) as exit:
        main(["--version"])
    assert exit.value.code == 0
    assert capsys.readouterr().out.strip() == f"stylesynth {package_version()}"
    from importlib.metadata import version

    assert package_version() == version("stylesynth")


def test_help_is_plain_text_with_examples_of_the_bundled_files(capsys) -> None:
    parser = build_parser()
    subcommands = next(action for action in parser._actions if action.dest == "command").choices
    texts = [parser.format_help()] + [sub.format_help() for sub in subcommands.values()]
    for text in texts:
        assert "``" not in text and "`" not in text, text
    mentioned = [word for text in texts for word in text.split() if word.startswith("examples/")]
    assert mentioned, "the epilogs give examples with the files in examples/"
    for word in mentioned:
        assert (ROOT / word).exists(), f"the help's example names {word}, which does not exist"
    assert "examples:" in subcommands["stylize"].format_help() and "examples:" in subcommands["synthesize"].format_help()


@pytest.mark.parametrize("argv", [["synthesize", "a.png", "-o", "b.png", "--seed", "abc"], ["stylize", "a.jpg"], ["stylize", "a.jpg", "-s", "b.jpg", "-o", "c", "--stats", "x"], ["frobnicate"], []])
def test_every_argument_error_is_one_line_with_exit_code_2(capsys, argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        main(argv)
    assert exit.value.code == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and ": error: " in lines[0] and lines[0].startswith("stylesynth"), captured.err
    assert "usage:" not in captured.err and captured.out == ""


def test_bad_seed_names_the_argument(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["synthesize", "a.png", "-o", "b.png", "--seed", "abc"])
    assert capsys.readouterr().err.startswith("stylesynth synthesize: error: argument --seed: invalid int value: 'abc'")


@pytest.mark.parametrize("device, problem", [("xpu", "is not supported"), ("mps", "is not supported"), ("meta", "is not supported"), ("npu", "is not a device name")])
@pytest.mark.parametrize("command", ["stylize", "synthesize"])
def test_unsupported_device_is_one_line_naming_the_accepted_ones(capsys, tmp_path, device: str, problem: str, command: str) -> None:
    if command == "stylize":
        argv = ["stylize", ROOT / "examples/content/cat.jpg", "-s", ROOT / "examples/styles/mosaic.jpg", "--device", device, "-o", tmp_path / "o.png"]
    else:
        argv = ["synthesize", ROOT / "examples/scenes/lake.png", "--device", device, "-o", tmp_path / "o.png"]
    line = fails_with(capsys, argv, rf"device '{device}' {problem}; accepted: 'cpu', 'cuda' or 'cuda:N'", command)
    assert "Traceback" not in line
    assert list(tmp_path.iterdir()) == []


def test_unsupported_device_from_the_shell_exits_2_without_traceback(tmp_path) -> None:
    result = run_cli("stylize", "examples/content/cat.jpg", "-s", "examples/styles/mosaic.jpg", "--device", "xpu", "-o", str(tmp_path / "o.png"))
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == ["stylesynth stylize: error: device 'xpu' is not supported; accepted: 'cpu', 'cuda' or 'cuda:N'"]


def test_info_shows_torch_devices_precision_and_bundled_models(capsys) -> None:
    import torch

    from stylesynth.inference.runtime import resolve_precision
    from stylesynth.io import bundled_checkpoints

    assert main(["info"]) == 0
    text = capsys.readouterr().out
    assert f"torch {torch.__version__}" in text
    assert f"capability {torch.backends.cpu.get_cpu_capability()}" in text
    default = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    assert f"default device: {default}; precision 'auto' picks {resolve_precision('auto', default)} there" in text
    for name in bundled_checkpoints():
        assert any(line.split()[:1] == [name] for line in text.splitlines()), f"{name} missing from:\n{text}"
    assert ("cuda:0: " in text) == torch.cuda.is_available()


def test_info_json_is_one_object_with_the_same_facts(capsys) -> None:
    import torch

    from stylesynth.inference.runtime import resolve_precision
    from stylesynth.io import bundled_checkpoints

    assert main(["info", "--json"]) == 0
    out = capsys.readouterr().out
    assert len(out.strip().splitlines()) == 1
    info = json.loads(out)
    assert info["torch"] == torch.__version__
    assert info["cpu"]["capability"] == torch.backends.cpu.get_cpu_capability()
    assert info["auto_precision"] == resolve_precision("auto", torch.device(info["default_device"])) in ("fp32", "bf16")
    assert len(info["cuda"]) == (torch.cuda.device_count() if torch.cuda.is_available() else 0)
    kinds = {model["name"]: model["kind"] for model in info["models"]}
    assert set(kinds) == set(bundled_checkpoints())
    assert kinds["adain-default"] == "adain" and kinds["spade-default"] == "spade"
    for kind in ("adain", "spade"):
        assert {name for name, found in kinds.items() if found == kind} == set(bundled_checkpoints(kind))
    heldout = {model["name"]: model["heldout"] for model in info["models"]}
    recorded = json.loads((bundled_checkpoints()["magenta-arbitrary"] / "config.json").read_text())["evaluation"]
    assert heldout["magenta-arbitrary"] == recorded and heldout["magenta-26"] is None


def test_stylize_json_is_one_object_describing_the_run(capsys, images, checkpoint_dir, tmp_path) -> None:
    out = tmp_path / "out"
    argv = ["stylize", images["content"], images["style_a"], "-s", images["style_b"], "-c", checkpoint_dir, "--device", "cpu", "-o", out, "--json"]
    assert main([str(arg) for arg in argv]) == 0
    captured = capsys.readouterr()
    assert len(captured.out.strip().splitlines()) == 1, captured.out
    report = json.loads(captured.out)
    assert report["command"] == "stylize"
    assert report["inputs"] == [str(images["content"]), str(images["style_a"])]
    assert report["outputs"] == [str(out / "content.png"), str(out / "style_a.png")]
    for output, size in zip(report["outputs"], report["sizes"]):
        from PIL import Image

        with Image.open(output) as written:
            assert list(written.size) == size
    assert report["model"] == str(checkpoint_dir) and report["device"] == "cpu"
    assert report["precision"] in ("fp32", "bf16") and report["seconds"] > 0


def test_synthesize_json_is_one_object_describing_the_run(capsys, tiny_checkpoint, tmp_path) -> None:
    from .test_errors import write_maps

    maps = write_maps(tmp_path / "maps", 1)
    target = tmp_path / "scene.png"
    argv = ["synthesize", maps[0], "-c", tiny_checkpoint, "--seed", "1", "--device", "cpu", "-o", target, "--json", "-q"]
    assert main([str(arg) for arg in argv]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["inputs"] == [str(maps[0])] and report["outputs"] == [str(target)]
    assert report["sizes"] == [[24, 24]] and report["device"] == "cpu" and report["precision"] in ("fp32", "bf16")
    assert set(report) == {"command", "inputs", "outputs", "sizes", "skipped", "model", "device", "precision", "seconds"} and report["skipped"] == []


def test_skip_existing_makes_only_the_missing_outputs_and_touches_no_other(capsys, tiny_checkpoint, tmp_path) -> None:
    from .test_errors import fails_with, write_maps

    maps = write_maps(tmp_path / "maps", 3)
    out = tmp_path / "out"
    common = ["synthesize", tmp_path / "maps", "-c", tiny_checkpoint, "--seed", "1", "--device", "cpu", "-o", out, "-q"]
    assert main([str(arg) for arg in common]) == 0
    kept = out / "maps" / maps[0].name
    kept.write_bytes(b"an earlier result")
    (out / "maps" / maps[1].name).unlink()
    before = kept.stat().st_mtime_ns
    assert main([str(arg) for arg in [*common, "--skip-existing", "--json"]]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["outputs"] == [str(out / "maps" / maps[1].name)] and len(report["skipped"]) == 2
    assert kept.read_bytes() == b"an earlier result" and kept.stat().st_mtime_ns == before
    assert (out / "maps" / maps[1].name).stat().st_size > 100
    fails_with(capsys, [*common, "--skip-existing", "--overwrite"], "--overwrite and --skip-existing exclude each other", command="synthesize")
