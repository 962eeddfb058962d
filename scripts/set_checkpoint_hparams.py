"""Writes a copy of a Lightning checkpoint with some of the model's hyper-parameters changed, to resume with.

    python scripts/set_checkpoint_hparams.py RUN/checkpoints/last.ckpt resumed.ckpt style_weight=0.4 [lr=1e-4 ...]
    python train.py fit --config CONFIG --ckpt_path resumed.ckpt

LightningCLI restores a checkpoint's hyper-parameters over the config and the command line when it
resumes, so ``--model.init_args.style_weight`` is ignored then; this edits them in the file
instead. Every key must already be a hyper-parameter of the checkpoint; values are parsed as
Python literals (numbers, booleans, None, strings) and must keep the old value's type (an int may
become a float). Changing ``lr`` also moves the learning-rate scheduler's and optimizer's base rate,
so the schedule continues from the new rate. The source file is never modified.
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

import torch

from stylesynth.io.atomic import atomic_output


def parse_assignment(text: str) -> tuple[str, object]:
    key, separator, raw = text.partition("=")
    if not separator or not key:
        raise SystemExit(f"expected KEY=VALUE, got {text!r}")
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        value = raw  # a bare string
    return key, value


def edit(checkpoint: dict, changes: dict[str, object]) -> None:
    hparams = checkpoint.get("hyper_parameters")
    if not isinstance(hparams, dict):
        raise SystemExit("the checkpoint has no hyper_parameters (not saved by a LightningModule with save_hyperparameters)")
    for key, value in changes.items():
        if key not in hparams:
            raise SystemExit(f"{key!r} is not a hyper-parameter of this checkpoint; it has: {', '.join(sorted(hparams))}")
        old = hparams[key]
        if old is not None and value is not None and not isinstance(value, type(old)) and not (isinstance(old, int) and isinstance(value, float)):
            raise SystemExit(f"{key}: the checkpoint holds a {type(old).__name__} ({old!r}), got a {type(value).__name__} ({value!r})")
        hparams[key] = value
        training = checkpoint.get("stylesynth", {}).get("training")
        if isinstance(training, dict):  # what `stylesynth export` writes to config.json
            training[key] = value
    if "lr" in changes:
        rate = float(changes["lr"])
        for scheduler in checkpoint.get("lr_schedulers", []):
            scheduler["base_lrs"] = [rate] * len(scheduler.get("base_lrs", [rate]))
        for optimizer in checkpoint.get("optimizer_states", []):
            for group in optimizer.get("param_groups", []):
                if "initial_lr" in group:
                    group["lr"] = group["lr"] * rate / group["initial_lr"] if group["initial_lr"] else rate
                    group["initial_lr"] = rate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("changes", nargs="+", metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    if args.target.resolve() == args.source.resolve():
        raise SystemExit("write the edited checkpoint to a new file; the source is kept as it is")
    checkpoint = torch.load(args.source, map_location="cpu", weights_only=True)
    edit(checkpoint, dict(parse_assignment(text) for text in args.changes))
    with atomic_output(args.target) as temporary:
        torch.save(checkpoint, temporary)
    print(f"wrote {args.target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
