"""``stylesynth stylize CONTENT... --style S [-o OUT]``: AdaIN style transfer of files or whole folders.

Everything is checked before the first image is written; each output is written under a temporary
name and renamed, and a run that fails part-way removes the outputs it already wrote.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from ..io import ImageError, save_image
from ..io.images import IMAGE_EXTENSIONS, MAX_PIXELS
from . import CLIError


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "stylize",
        help="paint content images in the style of one or more style images (AdaIN)",
        description="Paint content images (files or folders, searched recursively) in the style of style images.",
    )
    parser.add_argument("content", nargs="+", type=Path, help="content image files or folders")
    parser.add_argument("--style", "-s", action="extend", nargs="+", type=Path, required=True, help="style image(s); repeat or list several to interpolate")
    parser.add_argument("--weights", "-w", nargs="+", type=float, help="one weight per style (normalized to sum 1)")
    parser.add_argument("--alpha", "-a", type=float, default=1.0, help="content/style trade-off in [0, 1] (default 1: full style)")
    parser.add_argument("--preserve-color", action="store_true", help="keep the content's colours")
    parser.add_argument("--mask", "-m", nargs="+", type=Path, help="mask image(s) of the content's size: one per style, or one for two styles (first inside)")
    parser.add_argument("--size", type=int, help="resize content so its shorter side is SIZE pixels")
    parser.add_argument("--style-size", type=int, help="resize styles so their shorter side is STYLE_SIZE pixels")
    parser.add_argument("--checkpoint", "-c", default="adain-default", help="checkpoint folder, file, or known name (default: adain-default)")
    parser.add_argument("--stats", choices=("biased", "unbiased"), help="override the checkpoint's AdaIN variance (unbiased: the PyTorch port's)")
    parser.add_argument("--device", help="cpu, cuda, cuda:1, ... (default: cuda when available)")
    parser.add_argument("--output", "-o", type=Path, required=True, help="output file (one content file) or folder")
    parser.add_argument("--overwrite", action="store_true", help="replace existing output files")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    parser.set_defaults(run=run)


def _check_readable(path: Path, what: str) -> tuple[int, int]:
    """Opens the header of an image file: (width, height), or a CLIError naming the file."""
    if not path.exists():
        raise CLIError(f"{what} not found: {path}")
    if path.is_dir():
        raise CLIError(f"{what} must be an image file, got a folder: {path}")
    try:
        with Image.open(path) as image:
            image.verify()
            size = image.size
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise CLIError(f"{what} {path} is not a readable image ({error}); accepted: {', '.join(IMAGE_EXTENSIONS)}") from None
    if size[0] * size[1] > MAX_PIXELS:
        raise CLIError(f"{what} {path} has {size[0]}x{size[1]} pixels, more than the limit of {MAX_PIXELS}")
    return size


def _plan(contents: list[Path], output: Path) -> list[tuple[Path, Path]]:
    """(input file, output file) pairs: a folder's images keep their relative paths under ``output``."""
    if len(contents) == 1 and contents[0].is_file() and output.suffix.lower() in IMAGE_EXTENSIONS:
        return [(contents[0], output)]
    if output.exists() and not output.is_dir():
        raise CLIError(f"output {output} is a file; with several contents or a folder, -o must be a folder")
    if output.suffix.lower() in IMAGE_EXTENSIONS and not output.exists():
        raise CLIError(f"output {output} looks like an image file, but there are several contents; give a folder")
    pairs: list[tuple[Path, Path]] = []
    for content in contents:
        if not content.exists():
            raise CLIError(f"content not found: {content}")
        if content.is_dir():
            files = sorted(p for p in content.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)
            if not files:
                raise CLIError(f"no images in the folder {content} (looked recursively for {', '.join(IMAGE_EXTENSIONS)})")
            pairs += [(file, output / content.name / file.relative_to(content)) for file in files]
        else:
            suffix = content.suffix.lower() if content.suffix.lower() in IMAGE_EXTENSIONS else ".png"
            pairs.append((content, (output / content.name).with_suffix(suffix)))
    targets = [target for _, target in pairs]
    if len(set(targets)) != len(targets):
        duplicate = next(t for t in targets if targets.count(t) > 1)
        raise CLIError(f"two contents would both be written to {duplicate}; rename one or run them separately")
    return pairs


def _validate(args: argparse.Namespace) -> list[tuple[Path, Path]]:
    """Every check that needs no network weights, so nothing is written when something is wrong."""
    if not (0.0 <= args.alpha <= 1.0) or math.isnan(args.alpha):
        raise CLIError(f"--alpha must be in [0, 1] (0: content only, 1: full style), got {args.alpha}")
    if args.weights is not None and len(args.weights) != len(args.style):
        raise CLIError(f"--weights: got {len(args.weights)} weight(s) for {len(args.style)} style(s); give one per style")
    if args.weights is not None and args.mask is not None:
        raise CLIError("--weights and --mask cannot be combined: with masks each region takes one style")
    for name in ("size", "style_size"):
        value = getattr(args, name)
        if value is not None and value < 16:
            raise CLIError(f"--{name.replace('_', '-')} must be at least 16 pixels, got {value}")
    for style in args.style:
        _check_readable(style, "style")
    pairs = _plan(args.content, args.output)
    content_sizes = {source: _check_readable(source, "content") for source, _ in pairs}
    if args.mask is not None:
        mask_count_ok = len(args.mask) == len(args.style) or (len(args.mask) == 1 and len(args.style) == 2)
        if not mask_count_ok:
            raise CLIError(f"--mask: got {len(args.mask)} mask(s) for {len(args.style)} style(s); give one per style, or one mask with two styles")
        for mask in args.mask:
            mask_size = _check_readable(mask, "mask")
            for source, size in content_sizes.items():
                if size != mask_size:
                    raise CLIError(f"mask {mask} is {mask_size[0]}x{mask_size[1]} but content {source} is {size[0]}x{size[1]}; masks must have the content's size")
    if not args.overwrite:
        for _, target in pairs:
            if target.exists():
                raise CLIError(f"output {target} exists; use --overwrite to replace it")
    return pairs


def run(args: argparse.Namespace) -> int:
    pairs = _validate(args)
    from ..inference import Stylizer  # imported late: argument errors should not wait for torch

    stylizer = Stylizer.from_pretrained(args.checkpoint, device=args.device, stats=args.stats)
    styles = [Image.open(path).convert("RGB") for path in args.style]
    masks = [Image.open(path).convert("L") for path in args.mask] if args.mask else None
    written: list[Path] = []
    show_progress = not args.quiet and len(pairs) > 1
    try:
        for index, (source, target) in enumerate(pairs, start=1):
            result = stylizer.stylize(
                source,
                styles if len(styles) > 1 else styles[0],
                alpha=args.alpha,
                weights=args.weights,
                preserve_color=args.preserve_color,
                mask=(masks if len(masks) > 1 else masks[0]) if masks else None,
                size=args.size,
                style_size=args.style_size,
            )
            save_image(result, target)
            written.append(target)
            if show_progress:
                _progress(index, len(pairs), source)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        if show_progress:
            print(file=sys.stderr)
        raise
    if show_progress:
        print(file=sys.stderr)
    if not args.quiet:
        print(pairs[0][1] if len(pairs) == 1 else f"{len(pairs)} images written to {args.output}")
    return 0


def _progress(done: int, total: int, source: Path, width: int = 30) -> None:
    filled = width * done // total
    bar = "#" * filled + "-" * (width - filled)
    print(f"\rstylize [{bar}] {done}/{total} {source.name[:40]:<40}", end="", file=sys.stderr, flush=True)
