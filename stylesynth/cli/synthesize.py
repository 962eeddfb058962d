"""``stylesynth synthesize LABELS... [--style IMG] [--seed N] -o OUT``: SPADE images from label maps.

Every label map is read and checked against the checkpoint's classes before any image is made;
outputs are named and written as :mod:`stylesynth.cli.files` says (all at the end of a successful
run; a failed or interrupted run leaves existing files as they were).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING

from . import CLIError, distributed

if TYPE_CHECKING:  # the library (and torch) is imported by run(), not to build the parser
    from PIL import Image

EPILOG = """\
examples:
  stylesynth synthesize examples/scenes/lake.png --seed 0 -o lake.png
  stylesynth synthesize examples/scenes -o scenes/ --seed 1
  stylesynth synthesize examples/scenes/hills.png --style examples/styles/waves.jpg -o hills.png
"""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "synthesize",
        help="make images from segmentation label maps (SPADE)",
        description="Make photo-like images that follow label maps (PNG class ids, or RGB in the class colours).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
    parser.add_argument("--skip-existing", action="store_true", help="keep outputs that exist (bytes and times) and make only the missing ones: finishes an interrupted folder run")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout when done: inputs, outputs, sizes (width, height), model, device, precision, seconds")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    distributed.add_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    from ..inference.device import resolve_device

    distributed.check_arguments(args)
    resolve_device(args.device)  # an unusable --device fails before any file is read
    from ..io.images import load_image
    from ..validation import check_seeds
    from .files import OutputPlan, input_files, json_report, plan_outputs, write_all

    pairs = plan_outputs(input_files(args.labels, "label map"), args.output, "label map", args.overwrite, skip_existing=args.skip_existing)
    seeds = check_seeds(args.seed, len(pairs), "--seed")
    if args.instance is not None and len(args.instance) != len(pairs):
        raise CLIError(f"{len(args.instance)} instance maps for {len(pairs)} label maps; give one per label map")
    style = load_image(args.style, what=f"style {args.style}") if args.style is not None else None
    shard = distributed.launch(args) if distributed.wanted(args) else None  # from here, one of several processes
    from ..inference import Synthesizer  # imported late: argument errors should not wait for torch

    options = {"preset": args.preset, "classes": args.classes} if args.preset or args.classes else {}
    synthesizer = Synthesizer.from_pretrained(args.checkpoint, device=shard.device if shard else args.device, **options)
    if style is not None and not synthesizer.has_style_encoder:
        raise CLIError(f"--style needs a checkpoint with a style encoder (VAE); {args.checkpoint} has none")
    label_ids = [synthesizer.label_ids(file, str(file)) for file, _ in pairs]  # all checked before any work, by every process

    sizes: dict[Path, tuple[int, int]] = {}  # output (width, height) of each label map

    def synthesize(index: int, source: Path) -> Image.Image:
        image = synthesizer.synthesize(
            label_ids[index],
            style=style,
            seed=None if seeds is None else seeds[index],
            instance=args.instance[index] if args.instance else None,
            resize_output=not args.model_size,
        )
        sizes[source] = image.size
        return image

    if shard is not None:
        done = distributed.write_shard(shard, pairs, synthesize, "synthesize", pairs.overwrite, len(pairs.skipped), args.quiet, announce=not args.json)
        sizes = distributed.finish(shard, sizes)
        pairs = OutputPlan(done, pairs.overwrite, pairs.skipped)
    else:
        write_all(pairs, synthesize, "synthesize", args.quiet, announce=not args.json)
    if args.json and distributed.is_first(shard):
        print(json_report("synthesize", synthesizer, str(args.checkpoint), pairs, sizes, started))
    return 0
