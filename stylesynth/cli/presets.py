"""``stylesynth presets PHOTO -o sheet.png``: a contact sheet of a model's built-in styles on one photo."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from . import CLIError

EPILOG = """\
examples:
  stylesynth presets examples/content/cat.jpg -o presets.png
  stylesynth presets examples/content/coffee.jpg --size 128 --columns 13 -o strip.jpg
then use one or a mix of them:
  stylesynth stylize examples/content/cat.jpg --model magenta-26 -s 7 -o cat-7.png
"""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "presets",
        help="show a model's built-in styles on one photo, as a labelled contact sheet",
        description="Render one photo in every preset style of a model with presets (magenta-26) and write a labelled contact sheet.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("photo", type=Path, help="the photo to render")
    parser.add_argument("--model", "--checkpoint", "-c", dest="checkpoint", default="magenta-26", metavar="MODEL", help="a model with presets (default: magenta-26)")
    parser.add_argument("--size", type=int, default=192, help="each tile's shorter side in pixels (default 192)")
    parser.add_argument("--columns", type=int, help="tiles per row (default: a near-square grid)")
    parser.add_argument("--device", help="cpu, cuda, cuda:1, ... (default: cuda when available)")
    parser.add_argument("--output", "-o", type=Path, required=True, help="the sheet's image file (.png, .jpg, ...)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    parser.add_argument("--quiet", "-q", action="store_true", help="do not print the output's name")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    from ..inference.device import resolve_device
    from ..io.images import IMAGE_EXTENSIONS, load_image
    from ..validation import check_side

    resolve_device(args.device)
    check_side("--size", args.size)
    if args.columns is not None and args.columns < 1:
        raise CLIError(f"--columns must be at least 1, got {args.columns}")
    if args.output.suffix.lower() not in IMAGE_EXTENSIONS:
        raise CLIError(f"--output {args.output}: the sheet is an image; use one of {', '.join(IMAGE_EXTENSIONS)}")
    if args.output.exists() and not args.overwrite:
        raise CLIError(f"{args.output} exists; pass --overwrite to replace it")
    if not args.photo.exists():
        raise CLIError(f"photo not found: {args.photo}")
    photo = load_image(args.photo, what=f"photo {args.photo}")

    from ..inference import Stylizer
    from ..inference.presets import preset_sheet
    from ..io.images import save_image

    stylizer = Stylizer.from_pretrained(args.checkpoint, device=args.device)
    if not stylizer.num_presets:
        raise CLIError(f"--model {args.checkpoint}: a {stylizer.kind!r} model has no presets (it takes style images); use magenta-26")
    sheet = preset_sheet(stylizer, photo, args.size, args.columns)
    try:
        save_image(sheet, args.output, overwrite=args.overwrite)
    except FileExistsError:  # made by another program while this one worked
        raise CLIError(f"{args.output} was created meanwhile; nothing was replaced (pass --overwrite to replace it)") from None
    if not args.quiet:
        print(f"{args.output} ({stylizer.num_presets} presets, {time.perf_counter() - started:.1f} s)")
    return 0
