"""Contact sheets for make_adain_training_data.py ``--sheets``: the pictures of a split, the merged duplicates.

A sheet is a PNG grid of thumbnails, each captioned with its index and a short name, so that a
person can look at hundreds of pictures at once and name the ones to leave out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw

CELL = 160
COLUMNS = 8
PER_SHEET = 64


def contact_sheet(pictures: Sequence[tuple[str, Image.Image]], cell: int = CELL, columns: int = COLUMNS) -> Image.Image:
    """One sheet of ``(caption, picture)`` thumbnails, ``columns`` a row."""
    rows = max(1, math.ceil(len(pictures) / columns))
    sheet = Image.new("RGB", (columns * cell, rows * (cell + 14)), "white")
    draw = ImageDraw.Draw(sheet)
    for index, (caption, picture) in enumerate(pictures):
        thumbnail = picture.convert("RGB")
        thumbnail.thumbnail((cell - 4, cell - 4))
        left, top = (index % columns) * cell, (index // columns) * (cell + 14)
        sheet.paste(thumbnail, (left + 2, top + 2))
        draw.text((left + 2, top + cell - 2), caption[:26], fill="black")
    return sheet


def write_sheets(pictures: Sequence[tuple[str, Path]], out: Path, name: str) -> list[Path]:
    """Sheets ``out/NAME-000.png``, ... of the picture files (PER_SHEET a sheet); their paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for start in range(0, len(pictures), PER_SHEET):
        opened = []
        for caption, path in pictures[start : start + PER_SHEET]:
            with Image.open(path) as picture:
                picture.draft("RGB", (CELL, CELL))
                opened.append((f"{start + len(opened)} {caption}", picture.convert("RGB")))
        target = out / f"{name}-{start // PER_SHEET:03d}.png"
        contact_sheet(opened).save(target)
        written.append(target)
    return written
