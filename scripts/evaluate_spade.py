"""Measures a SPADE scene checkpoint by per-class texture statistics against real held-out scenes.

    python scripts/evaluate_spade.py CHECKPOINT --textures data/scene-textures/heldout \
        --encoder weights/hed-vgg16.safetensors [--size 128] [--scenes 32] [--markdown table.md]

The label maps are ``--scenes`` procedural layouts (seeds from 1,000,000 on, outside any training
range); the "real" images paint them with the held-out swatches (``--textures``, a
:class:`~stylesynth.data.scenes.TextureBank` folder). For each image and class, the features of
HED's VGG-16 at relu1_1 ... relu4_1 (``--encoder``) inside the class's region (the label map
downsampled to each layer) give channel means and standard deviations; averaged over the images
they are that class's texture statistics. D(a, b) is the mean over layers of the mean squared
difference of those means plus that of the standard deviations. Printed per class:

- D(generated, real), the checkpoint's distance (lower is better; compare checkpoints by it);
- D(own flat, real): the same for the generated images with every region flattened to its mean
  colour, i.e. the checkpoint's colours without its texture;
- texture = 1 - D(generated, real) / D(own flat, real): how much of its distance the generator's
  texture removes (0 or below: its texture brings it no closer to real texture than flat colour);
- D(real flat, real): flat fills in the real images' own mean colours, a textureless reference
  that has every colour right.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor
from torchvision.transforms.v2 import functional as TF

from stylesynth import Synthesizer
from stylesynth.data.scenes import SCENE_CLASSES, SceneGenerator
from stylesynth.nets import VGGEncoder

FIRST_SEED = 1_000_000


def region_statistics(features: list[Tensor], labels: Tensor, label: int) -> list[tuple[Tensor, Tensor]] | None:
    """Per layer, channel means and stds of ``features`` (one image) inside ``labels == label``; None if too small."""
    result = []
    for feature in features:
        mask = F.interpolate((labels == label).float()[None, None], size=feature.shape[-2:], mode="nearest")[0, 0] > 0
        if int(mask.sum()) < 4:
            return None
        values = feature[0][:, mask]
        result.append((values.mean(1), values.std(1)))
    return result


def class_statistics(images: list[Tensor], labels: list[Tensor], encoder: VGGEncoder) -> dict[int, list[tuple[Tensor, Tensor]]]:
    """Per class, per layer: the mean over images of its region's channel means and stds."""
    collected: dict[int, list[list[tuple[Tensor, Tensor]]]] = {}
    with torch.no_grad():
        for image, label_map in zip(images, labels, strict=True):
            features = encoder(image[None])
            for label in torch.unique(label_map).tolist():
                stats = region_statistics(features, label_map, label)
                if stats is not None:
                    collected.setdefault(label, []).append(stats)
    return {
        label: [(torch.stack([s[layer][0] for s in entries]).mean(0), torch.stack([s[layer][1] for s in entries]).mean(0)) for layer in range(len(entries[0]))] for label, entries in collected.items()
    }


def distance(a: list[tuple[Tensor, Tensor]], b: list[tuple[Tensor, Tensor]]) -> float:
    return float(statistics.fmean(float(F.mse_loss(ma, mb) + F.mse_loss(sa, sb)) for (ma, sa), (mb, sb) in zip(a, b, strict=True)))


def flat_fill(image: Tensor, labels: Tensor) -> Tensor:
    """``image`` with every class region replaced by its mean colour."""
    flat = image.clone()
    for label in torch.unique(labels).tolist():
        mask = labels == label
        flat[:, mask] = image[:, mask].mean(1, keepdim=True)
    return flat


def evaluate(checkpoint: str, textures: Path, encoder_path: Path, size: int, count: int) -> list[dict[str, object]]:
    synthesizer = Synthesizer.from_pretrained(checkpoint, device="cpu")
    encoder = VGGEncoder.from_hed(encoder_path)
    scenes = SceneGenerator(size, textures)
    real, labels = scenes.batch(range(FIRST_SEED, FIRST_SEED + count))
    maps = list(labels)
    generated = [TF.to_dtype(TF.pil_to_tensor(image), torch.float32, scale=True) for image in synthesizer.synthesize(maps, seed=0)]
    own_flat = [flat_fill(image, label_map) for image, label_map in zip(generated, maps, strict=True)]
    real_flat = [flat_fill(image, label_map) for image, label_map in zip(real, maps, strict=True)]
    real_stats = class_statistics(list(real), maps, encoder)
    generated_stats = class_statistics(generated, maps, encoder)
    own_flat_stats = class_statistics(own_flat, maps, encoder)
    real_flat_stats = class_statistics(real_flat, maps, encoder)
    rows = []
    for label, wanted in sorted(real_stats.items()):
        if label not in generated_stats:
            continue
        produced, flattened = distance(generated_stats[label], wanted), distance(own_flat_stats[label], wanted)
        rows.append(
            {
                "class": SCENE_CLASSES.names[label],
                "generated": produced,
                "own_flat": flattened,
                "texture": 1 - produced / flattened,
                "real_flat": distance(real_flat_stats[label], wanted),
            }
        )
    return rows


def markdown(rows: list[dict[str, object]]) -> str:
    lines = ["| class | D(generated, real) | D(own flat, real) | texture | D(real flat, real) |", "|---|---|---|---|---|"]
    lines += [f"| {row['class']} | {row['generated']:.3g} | {row['own_flat']:.3g} | {row['texture']:.2f} | {row['real_flat']:.3g} |" for row in rows]
    median = statistics.median(float(row["texture"]) for row in rows)
    total = statistics.fmean(float(row["generated"]) for row in rows)
    lines.append(f"| **mean / median over classes** | **{total:.3g}** | | **{median:.2f}** | |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", help="a checkpoint folder, bundled name or file, as Synthesizer.from_pretrained takes")
    parser.add_argument("--textures", type=Path, default=Path("data/scene-textures/heldout"))
    parser.add_argument("--encoder", type=Path, default=Path("weights/hed-vgg16.safetensors"))
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--scenes", type=int, default=32)
    parser.add_argument("--markdown", type=Path, help="also write the table here")
    args = parser.parse_args()
    table = markdown(evaluate(args.checkpoint, args.textures, args.encoder, args.size, args.scenes))
    print(table, end="")
    if args.markdown:
        args.markdown.write_text(table)


if __name__ == "__main__":
    main()
