"""Parameters, operations and time of the SPADE generator with SPADE, CLADE, CLADE-ICPE and no modulation.

    python bench/clade.py                      # CPU, writes bench/results/spade-clade-cpu.md
    python bench/clade.py --device cuda        # writes bench/results/spade-clade-cuda.md
    python bench/clade.py --quick              # tiny sizes, one round: checks that the script runs
    python bench/clade.py --counts-only        # parameters and multiply-adds of the paper's three data sets
                                               # too, no timing: bench/results/spade-clade-counts.md

Two configurations: the bundled checkpoint's (``checkpoints/spade-default``: 7 classes, ngf 16,
64x64, VAE, SPADE hidden width 16) and the paper's at 256x256 (COCO-Stuff layout: 184 input
channels, ngf 64, hidden width 128, no VAE). Four generators per configuration, same seed:

- plain: every modulated norm replaced by its parameter-free norm alone (the paper's baseline
  without semantic modulation; the map still enters through the first layer);
- SPADE (Park et al., 2019); CLADE and CLADE-ICPE (Tan et al., TPAMI 2021).

Parameters are counted exactly; operations are the multiply-adds of convolutions and matrix
products counted by ``torch.utils.flop_counter`` (FLOPs / 2), which is what the paper's
comparison counts (CLADE's lookup is a gather and costs none). Time: batch 1, eval mode,
``torch.inference_mode``, float32, spectral norm folded as :class:`Synthesizer` runs it, with
contiguous and with channels_last generator and map; each round times every generator once in a
rotating order, and the median per generator is reported. A last line times CLADE's lookup as the
gather the layer uses against the same affine written as a 1x1 convolution of the one-hot map,
inside the generator, in both layouts.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from stylesynth.nets import SPADEGenerator
from stylesynth.norm import CLADE, SPADE, fold
from stylesynth.norm import functional as Fn

#: name -> SPADEGenerator arguments (semantic_nc is the map's channels)
CONFIGS = {
    "bundled (spade-default), 64x64": dict(semantic_nc=7, ngf=16, crop_size=64, hidden_channels=16, use_vae=True, z_dim=64),
    "paper (COCO-Stuff layout), 256x256": dict(semantic_nc=184, ngf=64, crop_size=256, hidden_channels=128),
}
#: the paper's data sets (official channel counts: classes + don't care + instance edges), counted only
COUNT_CONFIGS = {
    **CONFIGS,
    "paper (ADE20K layout), 256x256": dict(semantic_nc=151, ngf=64, crop_size=256, hidden_channels=128),
    "paper (Cityscapes layout), 512x256": dict(semantic_nc=36, ngf=64, crop_size=512, aspect_ratio=2.0, hidden_channels=128),
}
QUICK_CONFIGS = {
    "quick, 32x32": dict(semantic_nc=5, ngf=4, crop_size=32, hidden_channels=8, use_vae=True, z_dim=8),
}
VARIANTS = {
    "plain (no modulation)": dict(modulation="clade"),  # its CLADE norms are replaced below
    "SPADE": dict(modulation="spade"),
    "CLADE": dict(modulation="clade"),
    "CLADE-ICPE": dict(modulation="clade", positional=True),
}


class _ParamFreeNorm(nn.Module):
    """A modulated norm's parameter-free norm alone: ``forward(x, *condition) = norm(x)``."""

    def __init__(self, norm: nn.Module) -> None:
        super().__init__()
        self.param_free_norm = norm

    def forward(self, x: torch.Tensor, *condition: torch.Tensor) -> torch.Tensor:
        return self.param_free_norm(x)


def _plain(generator: SPADEGenerator) -> SPADEGenerator:
    for block in [m for m in generator.modules() if hasattr(m, "spade_layers")]:
        for name in ("norm_0", "norm_1", "norm_s"):
            if hasattr(block, name):
                setattr(block, name, _ParamFreeNorm(getattr(block, name).param_free_norm))
    return generator


def build(config: dict, variant: str) -> SPADEGenerator:
    torch.manual_seed(0)
    generator = SPADEGenerator(**config, norm="batch", **VARIANTS[variant])
    with torch.no_grad():  # non-trivial statistics and tables, so that every part does its work
        for name, tensor in list(generator.named_buffers()) + list(generator.named_parameters()):
            if name.endswith("running_var"):
                tensor.uniform_(0.5, 1.5)
            elif name.endswith("running_mean"):
                tensor.normal_(0, 0.1)
        for module in generator.modules():
            if isinstance(module, CLADE):
                module.weight.normal_(1, 0.1)
                module.bias.normal_(0, 0.1)
    if variant.startswith("plain"):
        generator = _plain(generator)
    return fold(generator.eval())


def norm_parameters(generator: nn.Module) -> int:
    return sum(p.numel() for m in generator.modules() if isinstance(m, (SPADE, CLADE)) for p in m.parameters())


def multiply_adds(generator: nn.Module, segmap: torch.Tensor) -> float:
    counter = FlopCounterMode(display=False)
    with counter, torch.inference_mode():
        generator(segmap)
    return counter.get_total_flops() / 2


def one_hot_conv_affine(normalized, labels, weight, bias, modulation=None):
    """CLADE's affine as a 1x1 convolution of the one-hot map with the tables (the alternative to the gather)."""
    onehot = F.one_hot(labels, weight.shape[0]).movedim(-1, 1).to(normalized.dtype)
    onehot = onehot.contiguous(memory_format=Fn.memory_format_of(normalized))
    table = torch.cat([weight, bias], dim=1).t().to(normalized.dtype)
    gamma, beta = F.conv2d(onehot, table[:, :, None, None]).split(normalized.shape[1], dim=1)
    if modulation is not None:
        gamma, beta = gamma * (1 + modulation[:, :1]), beta * (1 + modulation[:, 1:])
    return torch.addcmul(beta, normalized, gamma)


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_interleaved(calls: dict[str, Callable[[], object]], rounds: int, device: torch.device) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in calls}
    names = list(calls)
    with torch.inference_mode():
        for call in calls.values():
            call()  # warm-up
        for round_index in range(rounds):
            for name in names[round_index % len(names):] + names[: round_index % len(names)]:
                _synchronize(device)
                start = time.perf_counter()
                calls[name]()
                _synchronize(device)
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def segmentation(semantic_nc: int, height: int, width: int, device: torch.device) -> torch.Tensor:
    generator = torch.Generator().manual_seed(0)
    labels = torch.randint(semantic_nc, (1, height // 8, width // 8), generator=generator)
    labels = labels.repeat_interleave(8, 1).repeat_interleave(8, 2)
    return F.one_hot(labels, semantic_nc).permute(0, 3, 1, 2).float().contiguous().to(device)


LAYOUTS = {"contiguous": torch.contiguous_format, "channels_last": torch.channels_last}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved timing rounds (the median is reported)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes and 1 round: checks the script end to end")
    parser.add_argument("--counts-only", action="store_true", help="parameters and multiply-adds of more configurations, no timing")
    parser.add_argument("--out", type=Path, help="Markdown file (default bench/results/spade-clade-<device>.md)")
    parser.add_argument("--note", default="", help="a line about the machine, written with the results")
    args = parser.parse_args()
    device = torch.device(args.device)
    configs = QUICK_CONFIGS if args.quick else COUNT_CONFIGS if args.counts_only else CONFIGS
    rounds = 1 if args.quick else args.rounds

    device_name = torch.cuda.get_device_name(device) if device.type == "cuda" else (platform.processor() or platform.machine())
    lines = [
        f"# SPADE generator with SPADE, CLADE and no modulation, {args.device}",
        "",
        f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC with `python bench/clade.py {' '.join(sys.argv[1:])}` "
        f"on {device_name}, {os.cpu_count()} CPU cores, {torch.get_num_threads()} torch threads, torch {torch.__version__}. "
        + ("" if args.counts_only else f"Batch 1, eval mode, float32, spectral norm folded; median of {rounds} interleaved "
           "rounds after a warm-up (compare rows, not runs). ")
        + "Multiply-adds: convolutions and matrix products (`torch.utils.flop_counter`, batch 1); "
        "\"+ over plain\" is the increase over the generator without modulation.",
        "",
    ]
    if args.note:
        lines += [args.note, ""]
    for config_name, config in configs.items():
        generators = {variant: build(config, variant).to(device) for variant in VARIANTS}
        segmap = segmentation(config["semantic_nc"], *generators["SPADE"].output_size, device)
        stats = {}
        for variant, generator in generators.items():
            stats[variant] = (sum(p.numel() for p in generator.parameters()), norm_parameters(generator), multiply_adds(generator, segmap))
        base_params, _, base_macs = stats["plain (no modulation)"]
        if args.counts_only:
            lines += [
                f"## {config_name}", "", f"`{', '.join(f'{k}={v}' for k, v in config.items())}`, batch-norm inner norm.", "",
                "| generator | parameters | + over plain | multiply-adds | + over plain |", "|---|---:|---:|---:|---:|",
            ]
            for variant, (params, _, macs) in stats.items():
                lines.append(
                    f"| {variant} | {params:,} | {100 * (params - base_params) / base_params:.2f}% | {macs / 1e9:.3f} G | "
                    f"{100 * (macs - base_macs) / base_macs:.2f}% |"
                )
                print(f"{config_name}: {lines[-1]}", flush=True)
            lines.append("")
            continue
        seconds = {}
        for layout, memory_format in LAYOUTS.items():
            for generator in generators.values():
                generator.to(memory_format=memory_format)
            segmap = segmap.contiguous(memory_format=memory_format)
            seconds[layout] = time_interleaved({v: (lambda g=g, s=segmap: g(s)) for v, g in generators.items()}, rounds, device)
        lines += [
            f"## {config_name}",
            "",
            f"`{', '.join(f'{k}={v}' for k, v in config.items())}`, batch-norm inner norm.",
            "",
            "| generator | parameters | + over plain | multiply-adds | + over plain | ms, contiguous | vs SPADE | ms, channels_last | vs SPADE |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for variant in VARIANTS:
            params, _, macs = stats[variant]
            times = " | ".join(
                f"{seconds[layout][variant] * 1e3:.1f} | {seconds[layout]['SPADE'] / seconds[layout][variant]:.2f}x" for layout in LAYOUTS
            )
            lines.append(
                f"| {variant} | {params:,} | {100 * (params - base_params) / base_params:.2f}% | {macs / 1e9:.3f} G | "
                f"{100 * (macs - base_macs) / base_macs:.2f}% | {times} |"
            )
            print(f"{config_name}: {lines[-1]}", flush=True)
        # the lookup as a gather (the layer) against a 1x1 convolution of the one-hot map
        clade = generators["CLADE"]
        original = Fn.class_affine

        def with_conv_lookup(segmap, clade=clade, original=original):
            Fn.class_affine = one_hot_conv_affine
            try:
                return clade(segmap)
            finally:
                Fn.class_affine = original

        parts = []
        for layout, memory_format in LAYOUTS.items():
            clade.to(memory_format=memory_format)
            segmap = segmap.contiguous(memory_format=memory_format)
            with torch.inference_mode():
                difference = (with_conv_lookup(segmap) - clade(segmap)).abs().max().item()
            lookup = time_interleaved(
                {"gather": lambda s=segmap, clade=clade: clade(s), "conv": lambda s=segmap: with_conv_lookup(s)}, rounds, device
            )
            parts.append(
                f"{layout}: gather (the layer) {lookup['gather'] * 1e3:.1f} ms, 1x1 conv of the one-hot map "
                f"{lookup['conv'] * 1e3:.1f} ms (largest output difference {difference:.1e})"
            )
        lines += ["", "CLADE's lookup inside the generator, " + "; ".join(parts) + ".", ""]
        print(lines[-2], flush=True)
    name = "counts" if args.counts_only else device.type + ("-quick" if args.quick else "")
    out = args.out or Path(__file__).parent / "results" / f"spade-clade-{name}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print(out)


if __name__ == "__main__":
    main()
