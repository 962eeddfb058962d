"""``stylesynth export CKPT OUTDIR``: a Lightning training checkpoint -> an inference checkpoint folder."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="turn a Lightning .ckpt into an inference checkpoint folder",
        description="Turn a Lightning training checkpoint (.ckpt) into an inference checkpoint folder (safetensors weights, config.json, model card).",
        epilog="example:\n  stylesynth export runs/adain/last.ckpt my-adain/\n  stylesynth stylize examples/content/cat.jpg -s examples/styles/mosaic.jpg -c my-adain -o cat.png\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("checkpoint", type=Path, help='a .ckpt written by "python train.py fit"')
    parser.add_argument("out_dir", type=Path, help="folder to write (safetensors weights, config.json, model card)")
    parser.add_argument("--overwrite", action="store_true", help="replace OUT_DIR if it exists")
    parser.set_defaults(run=run)


def export(checkpoint: Path, out_dir: Path, overwrite: bool = False) -> Path:
    """Exports ``checkpoint`` to ``out_dir`` with the network class of its kind (see :data:`stylesynth.inference.checkpoints.NETWORKS`)."""
    from ..inference.checkpoints import export_lightning
    from ..io import read_lightning_checkpoint

    state_dict, info = read_lightning_checkpoint(checkpoint)
    return export_lightning(state_dict, info, out_dir, overwrite, source=str(checkpoint))


def run(args: argparse.Namespace) -> int:
    folder = export(args.checkpoint, args.out_dir, args.overwrite)
    print(folder)
    return 0
