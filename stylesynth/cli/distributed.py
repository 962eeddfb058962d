"""Folder runs on many devices and nodes: ``stylesynth stylize|synthesize ... --devices N [--num-nodes M]``.

One process per device (CPU: ``N`` processes talking over gloo; CUDA: one per GPU, NCCL), started
by Lightning Fabric (``lightning.fabric``, the ``[train]`` extra): the first process runs the
command line again for each further local rank (Fabric's subprocess launcher); under ``torchrun``
or SLURM (``srun``) the processes already exist and Fabric reads their ranks from the environment,
so the same command runs on a cluster. Every process plans the same outputs (the naming of
:mod:`stylesynth.cli.files`), takes its shard of them — items ``rank, rank + W, rank + 2W, ...`` of
the sorted plan for a world of ``W`` processes, the order of
:class:`torch.utils.data.DistributedSampler` without its padding (a padded item would be written
twice) — and writes each output atomically as soon as it is made (exclusively unless
``--overwrite``), so an interrupted job keeps every finished output and ``--skip-existing``
finishes it without touching them. At the end the ranks exchange their counts and first errors;
the first process prints the summary (or the ``--json`` object).

This is the one module of the library that imports Lightning, and only when a run asks for more
than one process (``tests/test_layering.py`` imports every module with Lightning blocked).
"""

from __future__ import annotations

import argparse
import functools
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import CLIError, _interrupted, describe_os_error

if TYPE_CHECKING:  # building the parser imports neither torch nor the library's image code
    from PIL import Image

def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``--devices`` and ``--num-nodes`` of a folder-capable subcommand."""
    group = parser.add_argument_group("many devices and nodes (needs Lightning: pip install 'stylesynth[train]')")
    group.add_argument(
        "--devices", type=int, default=1, metavar="N",
        help="processes per node, each with its share of the inputs: CPU processes, or one per GPU with --device cuda (default 1)",
    )
    group.add_argument("--num-nodes", type=int, default=1, metavar="M", help="nodes of a torchrun or SLURM job (default 1)")


@dataclass(frozen=True)
class Shard:
    """This process's place in a multi-process run: its ranks, the world's size, its device and Fabric."""

    rank: int
    world_size: int
    local_rank: int
    device: str
    fabric: Any

    def take(self, items: Sequence[Any]) -> list[Any]:
        """This rank's items of ``items``: ``rank, rank + world_size, ...`` (every item exactly once in the world)."""
        return list(items[self.rank :: self.world_size])


#: This process's shard once :func:`launch` has run (``None`` in a one-process run).
_current: Shard | None = None


def silent_errors() -> bool:
    """Whether this process leaves error messages to the first one: a further rank of a multi-process run, where
    every error is either the same on every rank (input checks) or gathered and reported by all (:func:`write_shard`)."""
    return _current is not None and _current.rank > 0


def wanted(args: argparse.Namespace) -> bool:
    """Whether the run asks for more than one process, or runs in one of several that torchrun or SLURM's srun started
    (then Fabric checks ``--devices`` and ``--num-nodes`` against the job's sizes)."""
    started = "TORCHELASTIC_RUN_ID" in os.environ and int(os.environ.get("WORLD_SIZE", "1")) > 1
    started = started or ("SLURM_PROCID" in os.environ and int(os.environ.get("SLURM_NTASKS", "1")) > 1)
    return args.devices != 1 or args.num_nodes != 1 or started


def check_arguments(args: argparse.Namespace) -> None:
    """``--devices`` / ``--num-nodes`` checks that need neither torch nor Lightning."""
    for flag, value in (("--devices", args.devices), ("--num-nodes", args.num_nodes)):
        if value < 1:
            raise CLIError(f"{flag} must be at least 1, got {value}")
    if not wanted(args):
        return
    if str(args.output) == "-":
        raise CLIError("-o - (stdout) takes one image; --devices/--num-nodes are for folder runs: give -o a folder")
    if args.device is not None and args.device not in ("cpu", "cuda"):
        raise CLIError(f"--device {args.device} with --devices: say cpu or cuda; each process takes its own device (cuda:LOCAL_RANK)")
    if not getattr(args, "from_command_line", False):
        raise CLIError(
            "--devices/--num-nodes start further processes by running the command line again; run the stylesynth "
            "command (or python -m stylesynth), not stylesynth.cli.main([...]) from Python"
        )


def launch(args: argparse.Namespace) -> Shard:
    """Starts (or joins) the processes of the run and returns this one's :class:`Shard`."""
    check_arguments(args)
    try:
        from lightning.fabric import Fabric
    except ImportError:
        raise CLIError("--devices/--num-nodes need Lightning: pip install 'stylesynth[train]' (or pip install lightning)") from None
    import torch

    accelerator = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    if accelerator == "cuda":
        if not torch.cuda.is_available():
            raise CLIError("--device cuda: no CUDA device is available here; use --device cpu for CPU processes")
        if args.devices > torch.cuda.device_count():
            raise CLIError(f"--devices {args.devices}: this node has {torch.cuda.device_count()} CUDA device(s); one process runs per device")
    for name in ("lightning.fabric", "lightning.pytorch"):  # Fabric's start-up banner (logged through either); this module says what runs
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        fabric = Fabric(accelerator=accelerator, devices=args.devices, num_nodes=args.num_nodes, strategy="ddp")
        fabric.launch()
    except (ValueError, RuntimeError) as error:  # Lightning's own checks of a cluster's sizes
        raise CLIError(f"could not start {args.devices} process(es) on {args.num_nodes} node(s): {' '.join(str(error).split())}") from None
    if accelerator == "cpu":  # the node's cores shared out between its processes
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // args.devices))
    device = f"cuda:{fabric.local_rank}" if accelerator == "cuda" else "cpu"
    if fabric.global_rank == 0 and not args.quiet:
        print(f"stylesynth {args.command}: {fabric.world_size} processes ({accelerator}, {args.num_nodes} node(s))", file=sys.stderr, flush=True)
    global _current
    _current = Shard(fabric.global_rank, fabric.world_size, fabric.local_rank, device, fabric)
    return _current


def write_shard(
    shard: Shard,
    pairs: Sequence[tuple[Path, Path]],
    produce: Callable[[int, Path], Image.Image | Callable[[Path], object]],
    command: str,
    overwrite: bool,
    skipped: int,
    quiet: bool,
    announce: bool = True,
) -> list[tuple[Path, Path]]:
    """Makes and writes this rank's share of ``pairs``, each output atomically as soon as it is made.

    Returns the pairs of the whole run that were written (every rank's); raises :class:`CLIError`
    (on every rank) when any rank failed, after all of them finished or stopped, naming the first
    error and how many outputs are in place.
    """
    import torch.distributed as dist

    from ..io.atomic import OutputExistsError, staged_outputs

    mine = shard.take(list(enumerate(pairs)))
    written: list[int] = []
    error: str | None = None
    interrupted: KeyboardInterrupt | None = None
    try:
        for index, (source, target) in mine:
            result = produce(index, source)
            with staged_outputs(overwrite=overwrite) as outputs:
                if callable(result):
                    outputs.write(target, result)
                else:
                    outputs.write(target, functools.partial(_write_image, result, target.suffix))
            written.append(index)
            if not quiet:
                print(f"[rank {shard.rank}] {target}", file=sys.stderr, flush=True)
    except KeyboardInterrupt as caught:  # no exchange with the other ranks: they get the same signal, or time out
        what, code = _interrupted(caught)
        print(
            f"stylesynth {command}: {what} (rank {shard.rank}); {len(written)} of its {len(mine)} outputs are in place; "
            "run the same command with --skip-existing to finish",
            file=sys.stderr,
        )
        interrupted = caught
    except OutputExistsError as caught:
        error = f"output {caught.target} was created by another program while this run was working; it was kept; use --overwrite to replace it"
    except (CLIError, ValueError, TypeError) as caught:
        error = str(caught)
    except OSError as caught:
        error = describe_os_error(caught)
    if interrupted is not None:
        raise SystemExit(_interrupted(interrupted)[1])
    reports: list[Any] = [None] * shard.world_size
    dist.all_gather_object(reports, (shard.rank, written, error))
    done = sorted(index for _, indices, _ in reports for index in indices)
    failures = [(rank, message) for rank, _, message in reports if message is not None]
    if failures:
        rank, message = failures[0]
        dist.destroy_process_group()
        raise CLIError(
            f"{message} (rank {rank}{f' and {len(failures) - 1} other rank(s)' if len(failures) > 1 else ''}); {len(done)} of "
            f"{len(pairs)} outputs are in place; fix it and run the same command with --skip-existing to finish"
        )
    if shard.rank == 0 and not quiet and announce:
        kept = f", {skipped} skipped (their outputs exist; --skip-existing kept them)" if skipped else ""
        folders = {target.parent for _, target in pairs}
        where = f" to {os.path.commonpath([str(folder) for folder in folders])}" if folders else ""
        print(f"{len(done)} files written{where} by {shard.world_size} processes{kept}")
    return [pairs[index] for index in done]


def _write_image(image: Image.Image, suffix: str, path: Path) -> None:
    from ..io.images import write_image

    write_image(image, path, suffix)


def finish(shard: Shard, sizes: dict[Path, tuple[int, int]]) -> dict[Path, tuple[int, int]]:
    """Every rank's output sizes (for the ``--json`` report of the first process); then the process group is
    closed, so no rank exits while gloo's threads still run."""
    import torch.distributed as dist

    parts: list[Any] = [None] * shard.world_size
    dist.all_gather_object(parts, sizes)
    dist.barrier()
    dist.destroy_process_group()
    return {path: size for part in parts for path, size in part.items()}


def is_first(shard: Shard | None) -> bool:
    """Whether this process prints the run's report: a one-process run, or rank 0 of many."""
    return shard is None or shard.rank == 0
