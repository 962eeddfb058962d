"""How long the ``stylesynth`` command takes to answer without doing work: ``--help``, ``--version``,
``stylize --help`` and an argument error, each in a fresh interpreter (median of several runs), and
whether torch was imported (it must not be: the parsers are built without the library).

    python bench/cli_startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CALLS = (["--help"], ["--version"], ["stylize", "--help"], ["synthesize", "x.png", "-o", "y.png", "--seed", "abc"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    print("| call | median s | torch imported |\n|---|---|---|")
    for call in CALLS:
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            result = subprocess.run([sys.executable, "-X", "importtime", "-m", "stylesynth", *call], cwd=ROOT, env=environment, capture_output=True, text=True, check=False)
            times.append(time.perf_counter() - started)
        torch = any(line.split("|")[-1].strip() == "torch" for line in result.stderr.splitlines() if line.startswith("import time:"))
        print(f"| stylesynth {' '.join(call)} | {statistics.median(times):.3f} | {'yes' if torch else 'no'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
