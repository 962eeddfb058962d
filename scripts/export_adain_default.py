"""Exports a training run to ``checkpoints/adain-default`` (float16 safetensors) and renders its sample grid.

    python scripts/export_adain_default.py RUN/checkpoints/last.ckpt checkpoints/adain-default \
        --card card.md --contents a.png b.png --styles s1.png s2.png

The grid (``samples.png``) is made by loading the exported folder through ``Stylizer``, so it shows
exactly what users get: the first row holds the style images, each further row a content image
followed by its stylizations. The folder's int8 calibration set is kept; stored int8 ranges are not
written (old ones do not match new weights).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from torchvision.transforms.v2 import functional as TF
from torchvision.utils import make_grid

from stylesynth.inference import Stylizer
from stylesynth.inference.checkpoints import export_lightning
from stylesynth.inference.int8 import CALIBRATION_SET
from stylesynth.io import load_image, pil_to_tensor, read_lightning_checkpoint, save_image

TILE = 192


def tile(image: torch.Tensor) -> torch.Tensor:
    """Shorter side to TILE, centre crop to a square."""
    return TF.center_crop(TF.resize(image, [TILE], antialias=True), [TILE, TILE])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--card", type=Path, required=True, help="model card (Markdown) to ship as README.md")
    parser.add_argument("--contents", type=Path, nargs="+", required=True)
    parser.add_argument("--styles", type=Path, nargs="+", required=True)
    parser.add_argument("--size", type=int, default=256, help="content shorter side when stylizing")
    args = parser.parse_args()

    state_dict, info = read_lightning_checkpoint(args.checkpoint)
    # the int8 calibration set lives beside the bundled weights: carried over. Stored int8 ranges (which let
    # precision="auto" pick int8) are written only by hand, `python -m stylesynth.inference.int8 adain-default`,
    # once bench/adain.py measured the new weights' int8 error within bounds.
    calibration = args.out_dir / CALIBRATION_SET.name
    extra = {CALIBRATION_SET.name: calibration.read_bytes()} if calibration.is_file() else {}
    folder = export_lightning(state_dict, info, args.out_dir, overwrite=True, dtype=torch.float16, card=args.card.read_text(), extra_files=extra)
    stylizer = Stylizer.from_pretrained(folder, device="cpu")
    styles = [load_image(path) for path in args.styles]
    tiles = [torch.ones(3, TILE, TILE)] + [tile(pil_to_tensor(style)) for style in styles]
    for path in args.contents:
        content = load_image(path)
        tiles.append(tile(pil_to_tensor(content.resize((content.width * args.size // min(content.size), content.height * args.size // min(content.size))))))
        for style in styles:
            tiles.append(tile(pil_to_tensor(stylizer.stylize(content, style, size=args.size))))
    save_image(make_grid(torch.stack(tiles), nrow=len(styles) + 1, padding=4, pad_value=1.0), folder / "samples.png")
    print(f"wrote {folder} ({sum(p.stat().st_size for p in folder.iterdir()) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
