"""Exports the bundled ``checkpoints/spade-default`` from a training run and writes its model card.

    python scripts/make_spade_default.py RUN_DIR/lightning_logs/version_1/checkpoints/last.ckpt \
        --metrics RUN_DIR/lightning_logs/version_0/metrics.csv RUN_DIR/lightning_logs/version_1/metrics.csv

Exports the generator and VAE encoder, then renders, through :class:`stylesynth.inference.Synthesizer`
loading the exported folder, a grid of held-out procedural scenes and a hand-drawn label map, and
writes example label maps for the app under ``samples/``.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import torch
from PIL import Image, ImageDraw
from torchvision.utils import make_grid

from stylesynth.data.scenes import SCENE_CLASSES, SceneGenerator
from stylesynth.data.segmentation import colourize
from stylesynth.inference import Synthesizer
from stylesynth.inference.checkpoints import export_lightning, model_card
from stylesynth.io import pil_to_tensor, read_lightning_checkpoint, save_image

ROOT = Path(__file__).resolve().parents[1]
#: seeds far beyond the training scenes' 0 … 99,999: held out
HELD_OUT_SEEDS = (1_000_003, 1_000_011, 1_000_021, 1_000_042, 1_000_077)
SIDE = 256


def hand_drawn_labels(side: int = SIDE) -> torch.Tensor:
    """A label map drawn with a few shapes, as a user would paint one (not a procedural layout)."""
    index = {name: number for number, name in enumerate(SCENE_CLASSES.names)}
    image = Image.new("L", (side, side), index["sky"])
    draw = ImageDraw.Draw(image)
    s = side / 256
    draw.polygon([(0, 130 * s), (70 * s, 60 * s), (140 * s, 125 * s), (200 * s, 80 * s), (256 * s, 120 * s), (256 * s, 140 * s), (0, 140 * s)], fill=index["mountain"])
    draw.ellipse([150 * s, 20 * s, 230 * s, 45 * s], fill=index["cloud"])
    draw.rectangle([0, 140 * s, 256 * s, 256 * s], fill=index["grass"])
    draw.ellipse([20 * s, 150 * s, 170 * s, 200 * s], fill=index["water"])
    draw.rectangle([0, 225 * s, 256 * s, 256 * s], fill=index["sand"])
    for x, y, r in ((200, 170, 22), (235, 185, 16), (60, 215, 14)):
        draw.ellipse([(x - r) * s, (y - r) * s, (x + r) * s, (y + r) * s], fill=index["tree"])
    return torch.from_numpy(__import__("numpy").asarray(image).astype("int64"))


def loss_summary(paths: list[Path]) -> tuple[str, int]:
    rows: list[dict[str, float]] = []
    for path in paths:
        with open(path) as handle:
            rows += [{k: float(v) for k, v in row.items() if v} for row in csv.DictReader(handle)]
    rows = [row for row in rows if "G/gan" in row]
    keys = ["G/gan", "G/feat", "G/l1", "G/kld", "D/real", "D/fake"]
    part = max(1, len(rows) // 10)
    mean = lambda chunk, key: sum(row.get(key, 0.0) for row in chunk) / len(chunk)  # noqa: E731
    lines = ["| loss (weighted) | first 10% of logged steps | last 10% |", "|---|---|---|"]
    lines += [f"| {key} | {mean(rows[:part], key):.3f} | {mean(rows[-part:], key):.3f} |" for key in keys]
    return "\n".join(lines), len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", type=Path)
    parser.add_argument("--metrics", type=Path, nargs="*", default=[])
    parser.add_argument("--out", type=Path, default=ROOT / "checkpoints" / "spade-default")
    parser.add_argument("--resumed-at", default="625 and 1000", help="iterations where the run was resumed (for the card)")
    parser.add_argument("--hours", default="1.1", help="wall-clock length of the run (for the card)")
    args = parser.parse_args()
    torch.set_num_threads(1)

    state_dict, info = read_lightning_checkpoint(args.checkpoint)
    folder = export_lightning(state_dict, info, args.out, overwrite=True, name="spade-default")
    synthesizer = Synthesizer.from_pretrained(folder, device="cpu")

    scenes = SceneGenerator(SIDE)
    columns = [scenes.generate(seed) for seed in HELD_OUT_SEEDS] + [(None, hand_drawn_labels())]
    colours = torch.tensor(SCENE_CLASSES.colours, dtype=torch.float32) / 255
    label_row = [colours[labels].permute(2, 0, 1) for _, labels in columns]
    real_row = [image if image is not None else torch.ones(3, SIDE, SIDE) for image, _ in columns]
    maps = [labels for _, labels in columns]
    seed_rows = [[pil_to_tensor(image) for image in synthesizer.synthesize(maps, seed=[seed] * len(maps))] for seed in (0, 1, 2)]
    styled = [pil_to_tensor(image) for image in synthesizer.synthesize(maps, style=Image.fromarray((real_row[0].permute(1, 2, 0).numpy() * 255).astype("uint8")))]
    grid = make_grid(torch.stack(label_row + real_row + sum(seed_rows, []) + styled), nrow=len(columns), padding=4, pad_value=1.0)
    save_image(grid, folder / "samples" / "grid.png")
    for name, labels in [("hand_drawn", hand_drawn_labels())] + [(f"scene_{seed}", scenes.generate(seed)[1]) for seed in HELD_OUT_SEEDS[:3]]:
        save_image(colourize(labels, SCENE_CLASSES), folder / "samples" / "labels" / f"{name}.png")

    table, logged = loss_summary(args.metrics) if args.metrics else ("(no metrics given)", 0)
    config = json.loads((folder / "config.json").read_text())
    iterations = config["steps"]
    notes = f"""## Data and training

Trained by this project's own code (`scripts/train_spade_default.sh`: `python train.py fit --config
configs/spade-tiny.yaml`) on procedural landscapes from `stylesynth.data.scenes` (scene seeds
0 … 99,999, 64x64, made on the fly): no public segmentation data set can be fetched offline. One CPU
thread of a shared 2-core machine, batch 4, {iterations} iterations (about {args.hours} hours). The run was
resumed from its own checkpoints at iterations {args.resumed_at}, each time with a longer `max_steps` as the
shared machine turned out faster than feared (before any decay had begun, so the schedule is the
plain one for the final length): learning rates constant for the first half, then a linear decay to 0.

Departures from the paper, for a CPU budget: ngf 16 (paper 64), 64x64 output (256), SPADE hidden width 16
(128), z_dim 64 (256), discriminator ndf 16 (64); **no VGG perceptual loss** (no ImageNet VGG-19 exists
offline, and a random VGG is a poor perceptual loss), replaced by a pixel L1 loss (x10) to the image the
VAE encodes (not in the paper); the discriminator step reuses the generator step's fakes instead of
generating again. Hinge loss, feature matching x10, KL x0.05, TTUR (1e-4 / 4e-4, Adam (0, 0.9)) and
spectral + synchronized-batch norms are as in the paper.

Losses over the {logged} logged steps:

{table}

## Samples

![grid](samples/grid.png)

`samples/grid.png`, made by `scripts/make_spade_default.py` through `Synthesizer` on this folder. Columns:
five held-out procedural scenes (seeds above 1,000,000) and one label map drawn with a few shapes
(`samples/labels/hand_drawn.png`). Rows: label map; the procedural image (blank for the drawing);
random styles with seeds 0, 1, 2; the style of the first column's image through the VAE encoder.
Outputs are 64x64 upscaled (bicubic) to the label map's 256x256.

`samples/labels/` holds example label maps (P-mode PNGs whose palette is the class colours) for the app
and the command line: `stylesynth synthesize checkpoints/spade-default/samples/labels/hand_drawn.png -o out.png`.

## Limits

- A toy: 7 classes of cartoon landscapes with procedural textures, 64x64. It follows the regions of a
  label map and paints each class with a plausible texture and colour; it does not make photographs,
  and it knows nothing outside these classes and this kind of layout.
- Label maps whose shapes differ from the procedural ones (the hand drawing) work, with more artefacts.
- Some random styles paint mountains white: a share of the training scenes have snow-capped
  mountains, and the snow line is not a class of its own.
- Outputs are soft (64x64, a pixel L1 loss and little adversarial training): textures are suggested
  rather than detailed.
- The VAE style space is small and was trained briefly: random styles vary colour and brightness more
  than texture; a style image mostly transfers its overall colours.
- Not comparable with the paper's results (COCO-Stuff FID 22.6 etc.): different data, size, widths,
  losses and training length.
"""
    (folder / "README.md").write_text(model_card(config, notes))
    print(folder)


if __name__ == "__main__":
    main()
