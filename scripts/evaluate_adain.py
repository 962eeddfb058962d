"""Measures a style checkpoint (any model that takes style images) on held-out content/style pairs: style, texture and structure (medians).

    python scripts/evaluate_adain.py CHECKPOINT --heldout data/adain-hed/heldout \
        --encoder weights/hed-vgg16.safetensors [--size 384] [--markdown table.md] [--record]

Every content image of ``HELDOUT/content`` is stylized (alpha 1, through ``Stylizer`` as users
run it, default precision) with every style of ``HELDOUT/style``, both resized to ``--size`` on the shorter side; the
numbers are those of :mod:`stylesynth.metrics` on the features of HED's VGG-16 (``--encoder``,
read by ``VGGEncoder.from_hed``). Prints a per-style table and the medians over all pairs.
``--record`` also writes the medians into the checkpoint folder's ``config.json`` as
``"evaluation"`` (with the set, pair count and size): the app and CLI offer the model with the best
recorded numbers first (:func:`stylesynth.inference.catalog.default_style_model`).
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import torch
from torchvision.transforms.v2 import functional as TF

from stylesynth import Stylizer
from stylesynth.io import bundled_checkpoints, load_image, pil_to_tensor
from stylesynth.io.atomic import atomic_output
from stylesynth.metrics import structure, style_strength, texture_strength
from stylesynth.nets import VGGEncoder

IMAGES = (".png", ".jpg", ".jpeg", ".webp")


def shorter_side(image: torch.Tensor, size: int) -> torch.Tensor:
    return TF.resize(image, [size], antialias=True)


def evaluate(checkpoint: str, heldout: Path, encoder_path: Path, size: int) -> dict[str, object]:
    """Per-pair numbers and their medians for ``checkpoint`` on the pairs of ``heldout``."""
    stylize = Stylizer.from_pretrained(checkpoint).stylize
    encoder = VGGEncoder.from_hed(encoder_path)
    contents = sorted(path for path in (heldout / "content").iterdir() if path.suffix.lower() in IMAGES)
    styles = sorted(path for path in (heldout / "style").iterdir() if path.suffix.lower() in IMAGES)
    rows = []
    for style_path in styles:
        style = shorter_side(pil_to_tensor(load_image(style_path)), size).unsqueeze(0)
        for content_path in contents:
            content = shorter_side(pil_to_tensor(load_image(content_path)), size).unsqueeze(0)
            output = stylize(content, style)
            rows.append(
                {
                    "content": content_path.stem,
                    "style": style_path.stem,
                    "style_strength": float(style_strength(output, content, style, encoder)),
                    "texture_strength": float(texture_strength(output, content, style, encoder)),
                    "structure": float(structure(output, content)),
                }
            )
    medians = {key: statistics.median(row[key] for row in rows) for key in ("style_strength", "texture_strength", "structure")}
    return {"pairs": rows, "medians": medians}


def markdown(result: dict[str, object]) -> str:
    """A table of medians per style and over all pairs."""
    rows = result["pairs"]
    lines = ["| style | style (stat gap closed) | texture (Gram gap closed) | structure (edge correlation) |", "|---|---|---|---|"]
    for style in sorted({row["style"] for row in rows}):
        mine = [row for row in rows if row["style"] == style]
        values = [statistics.median(row[key] for row in mine) for key in ("style_strength", "texture_strength", "structure")]
        lines.append(f"| {style} | " + " | ".join(f"{value:.2f}" for value in values) + " |")
    medians = result["medians"]
    lines.append(f"| **all {len(rows)} pairs (median)** | **{medians['style_strength']:.2f}** | **{medians['texture_strength']:.2f}** | **{medians['structure']:.2f}** |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", help="a checkpoint folder, bundled name or file, as Stylizer.from_pretrained takes")
    parser.add_argument("--heldout", type=Path, default=Path("data/adain-hed/heldout"))
    parser.add_argument("--encoder", type=Path, default=Path("weights/hed-vgg16.safetensors"))
    parser.add_argument("--size", type=int, default=384)
    parser.add_argument("--markdown", type=Path, help="also write the table here")
    parser.add_argument("--record", action="store_true", help="write the medians into the checkpoint's config.json as 'evaluation'")
    args = parser.parse_args()
    result = evaluate(args.checkpoint, args.heldout, args.encoder, args.size)
    table = markdown(result)
    print(table, end="")
    if args.markdown:
        args.markdown.write_text(table)
    if args.record:
        record(args.checkpoint, result, args.heldout, args.size)


def record(checkpoint: str, result: dict[str, object], heldout: Path, size: int) -> None:
    """Adds ``"evaluation"`` (medians, set, pairs, size) to the checkpoint folder's ``config.json``."""
    folder = Path(checkpoint) if Path(checkpoint).is_dir() else bundled_checkpoints()[checkpoint]
    config_path = folder / "config.json"
    config = json.loads(config_path.read_text())
    medians = result["medians"]
    assert isinstance(medians, dict)
    config["evaluation"] = {
        "set": str(heldout),
        "pairs": len(result["pairs"]),  # type: ignore[arg-type]
        "size": size,
        "style": round(medians["style_strength"], 3),
        "texture": round(medians["texture_strength"], 3),
        "structure": round(medians["structure"], 3),
    }
    with atomic_output(config_path) as temporary:
        temporary.write_text(json.dumps(config, indent=2) + "\n")
    print(f"recorded in {config_path}")


if __name__ == "__main__":
    main()
