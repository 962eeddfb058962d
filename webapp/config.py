"""What an app is built from: the checkpoints, the limits on input and output, the example files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .catalog import Catalog

#: The repository's root: ``app.py``, ``checkpoints/``, ``examples/``.
ROOT = Path(__file__).resolve().parents[1]
CHECKPOINTS = ROOT / "checkpoints"
EXAMPLES = ROOT / "examples"

#: Largest image the app accepts, in pixels (width × height); checked from the header, before decoding.
MAX_INPUT_PIXELS = 4096 * 4096


@dataclass
class AppConfig:
    """The checkpoints an app offers and its limits on input and output."""

    catalog: Catalog
    max_input_pixels: int = MAX_INPUT_PIXELS
    max_output_side: int = 1024
    default_output_side: int = 512
    max_video_seconds: float = 20.0


def example_files(folder: str, suffixes: tuple[str, ...] = (".jpg", ".png")) -> list[str]:
    """The example images in ``examples/<folder>``, sorted."""
    return [str(path) for path in sorted((EXAMPLES / folder).glob("*")) if path.suffix.lower() in suffixes]
