"""``stylesynth synthesize LABELS... [--style IMG] [--seed N] -o OUT``: SPADE images from label maps.

Every label map is read and checked against the checkpoint's classes before the first image is
written; each output is written under a temporary name and renamed, and a run that fails part-way
removes the outputs it already wrote.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..io import save_image
from ..io.images import IMAGE_EXTENSIONS
from . import CLIError


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "synthesize",
        help="make images from segmentation label maps (SPADE)",
        description="Make photo-like images that follow label maps (PNG class ids, or RGB in the class colours).",
    )
    parser.add_argument("labels", nargs="+", type=Path, help="label map files, or folders of them")
    parser.add_argument("--style", "-s", type=Path, help="a reference image whose style to use (checkpoints with a VAE)")
    parser.add_argument("--seed", type=int, help="seed of the random style (label map i uses SEED + i); default: random")
    parser.add_argument("--checkpoint", "-c", default="spade-default", help="checkpoint folder, official *_net_G.pth, or known name (default: spade-default)")
    parser.add_argument("--preset", choices=("coco_stuff", "ade20k", "cityscapes"), help="label settings of an official *_net_G.pth")
    parser.add_argument("--classes", type=Path, help="class list file (id, name, colour) for RGB label maps")
    parser.add_argument("--instance", nargs="+", type=Path, help="instance maps, one per label map (checkpoints trained with instances)")
    parser.add_argument("--model-size", action="store_true", help="keep the model's output size instead of each label map's")
    parser.add_argument("--device", help="cpu, cuda, cuda:1, ... (default: cuda when available)")
    parser.add_argument("--output", "-o", type=Path, required=True, help="output file (one label map) or folder")
    parser.add_argument("--overwrite", action="store_true", help="replace existing output files")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    parser.set_defaults(run=run)


def _inputs(labels: list[Path]) -> list[Path]:
    files: list[Path] = []
    for item in labels:
        if not item.exists():
            raise CLIError(f"label map not found: {item}")
        if item.is_dir():
            found = sorted(p for p in item.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)
            if not found:
                raise CLIError(f"no label maps in the folder {item} (looked recursively for {', '.join(IMAGE_EXTENSIONS)})")
            files += found
        else:
            files.append(item)
    return files


def _outputs(files: list[Path], output: Path) -> list[Path]:
    if len(files) == 1 and output.suffix.lower() in IMAGE_EXTENSIONS:
        return [output]
    if output.exists() and not output.is_dir():
        raise CLIError(f"output {output} is a file; with several label maps, -o must be a folder")
    if output.suffix.lower() in IMAGE_EXTENSIONS:
        raise CLIError(f"output {output} looks like an image file, but there are {len(files)} label maps; give a folder")
    targets = [output / f"{file.stem}.png" for file in files]
    if len(set(targets)) != len(targets):
        raise CLIError("two label maps have the same file name; their outputs would collide (give them separately)")
    return targets


def run(args: argparse.Namespace) -> int:
    from ..inference import Synthesizer

    files = _inputs(args.labels)
    targets = _outputs(files, args.output)
    existing = [target for target in targets if target.exists()]
    if existing and not args.overwrite:
        raise CLIError(f"{existing[0]} already exists ({len(existing)} outputs do); use --overwrite to replace")
    if args.instance is not None and len(args.instance) != len(files):
        raise CLIError(f"{len(args.instance)} instance maps for {len(files)} label maps; give one per label map")
    options = {"preset": args.preset, "classes": args.classes} if args.preset or args.classes else {}
    synthesizer = Synthesizer.from_pretrained(args.checkpoint, device=args.device, **options)
    label_ids = [synthesizer.label_ids(file, str(file)) for file in files]  # all checked before writing
    if args.style is not None and not synthesizer.has_style_encoder:
        raise CLIError(f"--style needs a checkpoint with a style encoder (VAE); {args.checkpoint} has none")
    written: list[Path] = []
    try:
        for index, (file, labels, target) in enumerate(zip(files, label_ids, targets)):
            image = synthesizer.synthesize(
                labels,
                style=args.style,
                seed=None if args.seed is None else args.seed + index,
                instance=args.instance[index] if args.instance else None,
                resize_output=not args.model_size,
            )
            save_image(image, target)
            written.append(target)
            if not args.quiet:
                print(target)
    except BaseException:
        for target in written:
            target.unlink(missing_ok=True)
        raise
    if not args.quiet and len(written) > 1:
        print(f"{len(written)} images written to {args.output}", file=sys.stderr)
    return 0
