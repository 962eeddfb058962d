"""Rewrites the README's app screenshots, ``docs/app-stylize.png``, ``app-scene.png``, ``app-presets.png``, ``app-video.png`` and ``app-webcam.png``.

Runs the browser tests (``tests/app/test_browser.py``: Debian's Chromium driven by Playwright on
the bundled checkpoints) with ``STYLESYNTH_WRITE_DOCS=1``, so the same drive that the tests check
saves its screenshots into ``docs/``. Without that variable the tests write them to a temporary
folder and leave the tracked files alone.

    python scripts/make_screenshots.py            # then review and commit docs/app-*.png
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ("app-stylize.png", "app-scene.png", "app-presets.png", "app-video.png", "app-webcam.png")


def main() -> int:
    environment = {**os.environ, "STYLESYNTH_WRITE_DOCS": "1"}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/app/test_browser.py", *sys.argv[1:]]
    code = subprocess.run(command, cwd=ROOT, env=environment, check=False).returncode
    if code != 0:
        print(f"make_screenshots: the browser drive failed (exit {code}); docs/ may hold only some new screenshots", file=sys.stderr)
        return code
    for name in SCREENSHOTS:
        print(ROOT / "docs" / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
