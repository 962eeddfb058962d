"""``stylesynth export CKPT OUTDIR``: a Lightning training checkpoint -> an inference checkpoint folder."""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

from ..io import read_lightning_checkpoint
from . import CLIError

#: checkpoint kind -> "module:function" taking (state_dict, info, out_dir, overwrite) and returning the folder
EXPORTERS = {
    "adain": "stylesynth.inference.stylizer:export_lightning",
    "spade": "stylesynth.inference.synthesizer:export_lightning",
}


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("export", help="turn a Lightning .ckpt into an inference checkpoint folder")
    parser.add_argument("checkpoint", type=Path, help="a .ckpt written by `python train.py fit`")
    parser.add_argument("out_dir", type=Path, help="folder to write (safetensors weights, config.json, model card)")
    parser.add_argument("--overwrite", action="store_true", help="replace OUT_DIR if it exists")
    parser.set_defaults(run=run)


def export(checkpoint: Path, out_dir: Path, overwrite: bool = False) -> Path:
    """Exports ``checkpoint`` to ``out_dir`` with the exporter of its kind."""
    state_dict, info = read_lightning_checkpoint(checkpoint)
    target = EXPORTERS.get(info["kind"])
    if target is None:
        raise CLIError(f"{checkpoint}: unknown checkpoint kind {info['kind']!r}; known: {', '.join(sorted(EXPORTERS))}")
    module_name, function_name = target.split(":")
    exporter = getattr(importlib.import_module(module_name), function_name)
    return exporter(state_dict, info, out_dir, overwrite)


def run(args: argparse.Namespace) -> int:
    folder = export(args.checkpoint, args.out_dir, args.overwrite)
    print(folder)
    return 0
