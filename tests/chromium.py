"""Debian's Chromium for the browser tests: found, or installed with apt-get when the tests run as root.

README's test command must pass on a fresh Debian machine as written, so the browser tests install
the browser they need themselves (Debian's package: no download from Playwright's CDN, which CI
machines may not reach). Without root and without Chromium they fail with how to install it.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

#: where Debian's chromium package puts the browser
CHROMIUM = "/usr/bin/chromium"


def ensure_chromium(path: str = CHROMIUM) -> str:
    """``path`` once Chromium is there, installing Debian's ``chromium`` package first if needed and possible."""
    if shutil.which(path):
        return path
    apt_get = shutil.which("apt-get")
    if apt_get is None or os.geteuid() != 0:
        pytest.fail(f"{path} is missing and cannot be installed here (needs root and apt-get): run `apt-get install chromium` as root")
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in ([apt_get, "update", "-qq"], [apt_get, "install", "-y", "-qq", "chromium"]):
        result = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=900, check=False)
        if result.returncode != 0:
            pytest.fail(f"`{' '.join(command)}` failed while installing Chromium for the browser tests: {result.stderr.strip()[-500:]}")
    if not shutil.which(path):
        pytest.fail(f"apt-get installed chromium, but {path} is still missing")
    return path
