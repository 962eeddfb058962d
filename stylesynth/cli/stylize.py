"""``stylesynth stylize CONTENT... --style S [--model M] [-o OUT]``: style transfer of files or whole folders.

Every style model the :class:`~stylesynth.Stylizer` loads works here: ``--model`` names a bundled
model (default: the one with the best recorded held-out numbers), a checkpoint folder or a file.
A style is an image file, or for a model with presets (``magenta-26``) a preset index.

Content may be images or videos, mixed (videos are recognized by their container, see
:mod:`stylesynth.cli.video`); a video is stylized frame by frame in the stable mode, keeping its
frame rate and audio, with its progress and frames per second on stderr.

Every input is read and checked before the model loads; outputs are named and written as
:mod:`stylesynth.cli.files` says (all at the end of a successful run; a failed or interrupted run
leaves existing files as they were).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from . import CLIError, distributed

if TYPE_CHECKING:  # the library (and torch) is imported by run(), not to build the parser
    from PIL import Image

    from . import video

EPILOG = """\
examples:
  stylesynth stylize examples/content/cat.jpg -s examples/styles/mosaic.jpg -o cat-mosaic.png
  stylesynth stylize examples/content/cat.jpg -s examples/styles/mosaic.jpg --model adain-default -o cat-adain.png
  stylesynth stylize examples/content/cat.jpg --model magenta-26 -s 7 -o cat-preset7.png
  stylesynth stylize examples/content/cat.jpg --model magenta-26 -s 3 17 -w 0.6 0.4 -o cat-mix.png
  stylesynth stylize examples/content/coffee.jpg -s examples/styles/waves.jpg -a 0.6 --preserve-color -o coffee.png
  stylesynth stylize examples/content -s examples/styles/hubble.jpg examples/styles/swirls.jpg -w 0.7 0.3 -o out/
  stylesynth stylize examples/content/rocket.jpg -s examples/styles/mosaic.jpg --size 512 --device cpu -o rocket.png
"""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "stylize",
        help="paint content images in the style of style images or presets (any style model)",
        description=(
            "Paint content images or videos (files or folders, searched recursively) in the style of style images, "
            "or of a model's presets (magenta-26: indices 0-25; 'stylesynth presets PHOTO -o sheet.png' shows them)."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("content", nargs="+", type=Path, help="content image or video files, or folders of them")
    parser.add_argument(
        "--style", "-s", action="extend", nargs="+", required=True, metavar="STYLE",
        help="style image(s), or preset indices for a model with presets; repeat or list several to mix them",
    )
    parser.add_argument("--weights", "-w", nargs="+", type=float, help="one weight per style (normalized to sum 1)")
    parser.add_argument("--alpha", "-a", type=float, default=1.0, help="content/style trade-off in [0, 1] (default 1: full style)")
    parser.add_argument("--preserve-color", action="store_true", help="keep the content's colours")
    parser.add_argument("--mask", "-m", nargs="+", type=Path, help="mask image(s) of the content's size: one per style, or one for two styles (first inside)")
    parser.add_argument("--size", type=int, help="resize content so its shorter side is SIZE pixels")
    parser.add_argument("--style-size", type=int, help="resize styles so their shorter side is STYLE_SIZE pixels")
    parser.add_argument(
        "--model", "--checkpoint", "-c", dest="checkpoint", metavar="MODEL",
        help="bundled name (magenta-arbitrary, adain-default, magenta-26; 'stylesynth info' lists them), checkpoint folder or file "
        "(default: the bundled model with the best held-out numbers)",
    )
    parser.add_argument("--stats", choices=("biased", "unbiased"), help="AdaIN models only: override the checkpoint's variance (unbiased: the PyTorch port's)")
    parser.add_argument("--device", help="cpu, cuda, cuda:1, ... (default: cuda when available)")
    parser.add_argument("--no-stable", dest="stable", action="store_false", help="videos: plain per-frame stylization instead of the stable mode")
    parser.add_argument("--output", "-o", type=Path, required=True, help="output file (one content file) or folder")
    parser.add_argument("--overwrite", action="store_true", help="replace existing output files")
    parser.add_argument("--skip-existing", action="store_true", help="keep outputs that exist (bytes and times) and make only the missing ones: finishes an interrupted folder run")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout when done: inputs, outputs, sizes (width, height), model, device, precision, seconds")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    distributed.add_arguments(parser)
    parser.set_defaults(run=run)


def _validate(args: argparse.Namespace) -> tuple[list[tuple[Path, Path]], list[Image.Image | int], list[Image.Image] | None, set[Path]]:
    """Every check that needs no network weights, so a bad run fails before the model loads.

    Returns the (content, output) pairs, the decoded style images and masks, and the content files
    that are videos. Every content image is decoded here too (and dropped), and every video's header
    read, so a truncated image or a file that is no video stops the run before any work.
    """
    from ..io.images import IMAGE_EXTENSIONS
    from ..validation import check_alpha, check_mask_count, check_resize, check_side, resized_shape, style_weights
    from . import video
    from .files import input_files, plan_outputs

    check_alpha(args.alpha, "--alpha")
    style_weights(args.weights, len(args.style), "--weights")
    if args.mask is not None:
        check_mask_count(len(args.mask), len(args.style), args.weights is not None, ("--mask", "--weights"))
    check_side("--size", args.size)
    check_side("--style-size", args.style_size)
    styles = [_style(token) for token in args.style]
    for token, style in zip(args.style, styles):
        if not isinstance(style, int):
            check_resize("--style-size", args.style_size, style.height, style.width, f"style {token}")
    inputs = input_files(args.content, "content", IMAGE_EXTENSIONS + video.VIDEO_EXTENSIONS)
    videos = {file for file, _ in inputs if video.is_video(file)}
    pairs = plan_outputs(inputs, args.output, "content", args.overwrite, lambda file: video.output_formats(file, videos), skip_existing=args.skip_existing)
    masks = [_read(path, "mask", mode="L") for path in args.mask] if args.mask is not None else None
    minimum = _min_content_side(args.checkpoint)
    for source, _ in pairs:
        width, height = video.probe_size(source) if source in videos else _read(source, "content").size
        check_resize("--size", args.size, height, width, f"content {source}")
        working = resized_shape(height, width, args.size)
        if minimum is not None and min(working) < minimum:
            raise CLIError(
                f"content {source}: {working[1]}x{working[0]} pixels{' after --size' if args.size else ''} is too small "
                f"for this model; each side must be at least {minimum} pixels"
            )
        for path, mask in zip(args.mask or [], masks or []):
            if mask.size != (width, height):
                raise CLIError(
                    f"mask {path} is {mask.width}x{mask.height} but content {source} is {width}x{height} (upright, "
                    "after its EXIF orientation); masks must have the content's size"
                )
    return pairs, styles, masks, videos


def _min_content_side(checkpoint: str | None) -> int | None:
    """The smallest content side the model takes, known from its config before it loads (``None``: only loading tells)."""
    from ..inference.checkpoints import checkpoint_kind, default_style_model
    from ..inference.style_models import STYLE_KINDS, family_of_kind

    kind = checkpoint_kind(checkpoint or default_style_model(), STYLE_KINDS)
    return None if kind is None else family_of_kind(kind).min_size


def _status_line(enabled: bool) -> Callable[[str], None]:
    """What a one-image run shows while it loads and works: one line on stderr, rewritten in place.

    Only on a terminal (a folder run has its progress bar, a video its frame counter; pipes and
    scripts see nothing), and never with ``--quiet``; an empty text clears the line.
    """
    if not (enabled and sys.stderr.isatty()):
        return lambda text: None

    def show(text: str) -> None:
        sys.stderr.write("\r\033[K" + text)
        sys.stderr.flush()

    return show


def _style(token: str) -> Image.Image | int:
    """A ``--style`` value: a preset index (a whole number that is not an existing file) or a style image."""
    if token.isdigit() and not Path(token).exists():
        return int(token)
    return _read(Path(token), "style")


def _read(path: Path, what: str, mode: str = "RGB") -> Image.Image:
    from ..io.images import load_image

    if not path.exists():
        raise CLIError(f"{what} not found: {path}")
    return load_image(path, mode=mode, what=f"{what} {path}")


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    from ..inference.device import resolve_device

    distributed.check_arguments(args)
    resolve_device(args.device)  # an unusable --device fails before any file is read
    pairs, styles, masks, videos = _validate(args)
    shard = distributed.launch(args) if distributed.wanted(args) else None  # from here, one of several processes
    from ..inference import Stylizer  # imported late: argument errors should not wait for torch
    from ..inference.checkpoints import default_style_model
    from ..io.images import load_image
    from . import video
    from .files import OutputPlan, json_report, write_all

    model = args.checkpoint or default_style_model()
    status = _status_line(not args.quiet and len(pairs) == 1 and pairs[0][0] not in videos)
    status(f"loading {model} …")
    stylizer = Stylizer.from_pretrained(model, device=shard.device if shard else args.device, stats=args.stats)
    stylizer.check_styles(styles, args.weights, args.style_size)  # presets vs images, before any work

    options = {
        "style": styles if len(styles) > 1 else styles[0],
        "alpha": args.alpha,
        "weights": args.weights,
        "preserve_color": args.preserve_color,
        "mask": (masks if len(masks) > 1 else masks[0]) if masks else None,
        "size": args.size,
        "style_size": args.style_size,
    }
    targets = dict(pairs)
    sizes: dict[Path, tuple[int, int]] = {}  # output (width, height) of each image; videos have none in the report

    def stylize(index: int, source: Path) -> Image.Image | video.Writer:
        if source in videos:
            return video.writer(stylizer, source, targets[source], {**options, "stable": args.stable}, args.quiet)
        status(f"stylizing {source} with {model} ({stylizer.device}, {stylizer.precision}) …")
        image = stylizer.stylize(load_image(source, what=f"content {source}"), **options)
        status("")
        sizes[source] = image.size
        return image

    if shard is not None:
        done = distributed.write_shard(shard, pairs, stylize, "stylize", pairs.overwrite, len(pairs.skipped), args.quiet, announce=not args.json)
        sizes = distributed.finish(shard, sizes)
        pairs = OutputPlan(done, pairs.overwrite, pairs.skipped)
    else:
        write_all(pairs, stylize, "stylize", args.quiet, announce=not args.json)
    if args.json and distributed.is_first(shard):
        print(json_report("stylize", stylizer, str(model), pairs, sizes, started))
    return 0
