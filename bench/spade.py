"""Speed of the SPADE generator (paper configuration) against a straightforward composition, same process.

    python bench/spade.py                   # CPU, writes bench/results/spade-cpu.md
    python bench/spade.py --device cuda     # writes bench/results/spade-cuda.md
    python bench/spade.py --quick --out /tmp/spade.md   # 8 classes, ngf 8, 64x64, 1 round: a check that it runs

Three generators with the same weights (COCO-Stuff layout: 184 input channels, ngf 64, 256x256,
batch-norm SPADE, spectral norm), in eval mode under ``torch.inference_mode``:

- straightforward: the official architecture written with plain ``nn.Conv2d``, ``nn.BatchNorm2d``
  and torch's classic ``torch.nn.utils.spectral_norm``, loading the same state dict;
- ours: :class:`stylesynth.nets.SPADEGenerator` as trained (spectral norm recomputes each weight);
- ours, folded: what :class:`stylesynth.inference.Synthesizer` runs (spectral norm folded into
  plain weights by :func:`stylesynth.norm.fold`).

Each round times every generator once (interleaved, in a rotating order, so that a busy machine
slows all alike); the
median per generator is printed and written as a Markdown table, with the largest output difference.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from stylesynth.nets import SPADEGenerator
from stylesynth.norm import fold


class _PlainSPADE(nn.Module):
    def __init__(self, channels: int, label_nc: int, hidden: int = 128) -> None:
        super().__init__()
        self.param_free_norm = nn.BatchNorm2d(channels, affine=False)
        self.mlp_shared = nn.Sequential(nn.Conv2d(label_nc, hidden, 3, padding=1), nn.ReLU())
        self.mlp_gamma = nn.Conv2d(hidden, channels, 3, padding=1)
        self.mlp_beta = nn.Conv2d(hidden, channels, 3, padding=1)

    def forward(self, x, segmap):
        segmap = F.interpolate(segmap, size=x.shape[2:], mode="nearest")
        hidden = self.mlp_shared(segmap)
        return self.param_free_norm(x) * (1 + self.mlp_gamma(hidden)) + self.mlp_beta(hidden)


class _PlainBlock(nn.Module):
    def __init__(self, fin: int, fout: int, label_nc: int) -> None:
        super().__init__()
        middle = min(fin, fout)
        sn = nn.utils.spectral_norm
        self.learned_shortcut = fin != fout
        self.conv_0 = sn(nn.Conv2d(fin, middle, 3, padding=1))
        self.conv_1 = sn(nn.Conv2d(middle, fout, 3, padding=1))
        self.norm_0, self.norm_1 = _PlainSPADE(fin, label_nc), _PlainSPADE(middle, label_nc)
        if self.learned_shortcut:
            self.conv_s = sn(nn.Conv2d(fin, fout, 1, bias=False))
            self.norm_s = _PlainSPADE(fin, label_nc)

    def forward(self, x, seg):
        shortcut = self.conv_s(self.norm_s(x, seg)) if self.learned_shortcut else x
        dx = self.conv_0(F.leaky_relu(self.norm_0(x, seg), 0.2))
        dx = self.conv_1(F.leaky_relu(self.norm_1(dx, seg), 0.2))
        return shortcut + dx


class _PlainGenerator(nn.Module):
    """The official SPADE generator (normal upsampling, no VAE), written plainly."""

    def __init__(self, label_nc: int, ngf: int = 64, crop_size: int = 256) -> None:
        super().__init__()
        self.latent = crop_size // 32
        top = 16 * ngf
        self.fc = nn.Conv2d(label_nc, top, 3, padding=1)
        self.head_0, self.G_middle_0, self.G_middle_1 = (_PlainBlock(top, top, label_nc) for _ in range(3))
        self.up_0 = _PlainBlock(top, 8 * ngf, label_nc)
        self.up_1 = _PlainBlock(8 * ngf, 4 * ngf, label_nc)
        self.up_2 = _PlainBlock(4 * ngf, 2 * ngf, label_nc)
        self.up_3 = _PlainBlock(2 * ngf, ngf, label_nc)
        self.conv_img = nn.Conv2d(ngf, 3, 3, padding=1)

    def forward(self, seg):
        x = self.fc(F.interpolate(seg, size=(self.latent, self.latent)))
        x = self.head_0(x, seg)
        x = self.G_middle_0(F.interpolate(x, scale_factor=2), seg)
        x = self.G_middle_1(x, seg)
        for block in (self.up_0, self.up_1, self.up_2, self.up_3):
            x = block(F.interpolate(x, scale_factor=2), seg)
        return torch.tanh(self.conv_img(F.leaky_relu(x, 0.2)))


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--semantic-nc", type=int, default=184)
    parser.add_argument("--ngf", type=int, default=64)
    parser.add_argument("--quick", action="store_true", help="8 classes, ngf 8, 64x64, 1 round: a check that the script runs")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved timing rounds (the median is reported)")
    parser.add_argument("--out", type=Path, help="Markdown file (default bench/results/spade-<device>.md)")
    args = parser.parse_args()
    if args.quick:
        args.semantic_nc, args.ngf, args.size, args.rounds = 8, 8, 64, 1
    device = torch.device(args.device)
    torch.manual_seed(0)

    ours = SPADEGenerator(args.semantic_nc, ngf=args.ngf, crop_size=args.size, norm="batch").eval()
    with torch.no_grad():  # non-trivial running statistics, so that the norms do something
        for name, buffer in ours.named_buffers():
            if name.endswith("running_var"):
                buffer.uniform_(0.5, 1.5)
            elif name.endswith("running_mean"):
                buffer.normal_(0, 0.1)
    plain = _PlainGenerator(args.semantic_nc, ngf=args.ngf, crop_size=args.size).eval()
    plain.load_state_dict(ours.state_dict(), strict=True)
    folded = SPADEGenerator(args.semantic_nc, ngf=args.ngf, crop_size=args.size, norm="batch").eval()
    folded.load_state_dict(ours.state_dict(), strict=True)
    folded = fold(folded)
    models = {"straightforward (torch spectral_norm, BatchNorm2d)": plain, "ours (SPADEGenerator)": ours, "ours, folded (Synthesizer)": folded}
    labels = torch.randint(args.semantic_nc, (args.batch, args.size // 8, args.size // 8))
    labels = labels.repeat_interleave(8, 1).repeat_interleave(8, 2)
    # contiguous (NCHW), as stylesynth.data.segmentation.one_hot and the Synthesizer make it
    segmap = F.one_hot(labels, args.semantic_nc).permute(0, 3, 1, 2).float().contiguous().to(device)

    outputs, times = {}, {name: [] for name in models}
    for model in models.values():
        model.to(device)
    with torch.inference_mode():
        for name, model in models.items():  # warm-up, and the outputs to compare
            outputs[name] = model(segmap).float().cpu()
        # Interleaved rounds: on a shared machine the load changes; each round times every model once.
        names = list(models)
        for round_index in range(args.rounds):
            # rotate the order each round, so that no generator always runs first or last
            for name in names[round_index % len(names) :] + names[: round_index % len(names)]:
                model = models[name]
                _synchronize(device)
                start = time.perf_counter()
                model(segmap)
                _synchronize(device)
                times[name].append(time.perf_counter() - start)
    rows = []
    for name in models:
        median = statistics.median(times[name])
        rows.append((name, median, args.batch / median))
        print(f"{name}: {median * 1000:.1f} ms per batch (median of {args.rounds}), {args.batch / median:.3f} images/s", flush=True)
    reference = outputs[next(iter(models))]
    difference = max((output - reference).abs().max().item() for output in outputs.values())

    base = rows[0][1]
    device_name = torch.cuda.get_device_name(device) if device.type == "cuda" else (platform.processor() or platform.machine())
    lines = [
        f"# SPADE generator speed, {args.device}",
        "",
        f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC with `python bench/spade.py {' '.join(sys.argv[1:])}`"
        f" on {device_name}, {os.cpu_count()} CPU cores, {torch.get_num_threads()} torch threads, torch {torch.__version__}.",
        f"{'Paper configuration (COCO-Stuff layout)' if (args.semantic_nc, args.ngf) == (184, 64) else 'Configuration'}: "
        f"{args.semantic_nc} input channels, ngf {args.ngf}, batch-norm SPADE, spectral norm, "
        f"output {args.size}x{args.size}, batch {args.batch}, eval mode, `torch.inference_mode`, float32. "
        f"Median of {args.rounds} interleaved rounds after a warm-up (the machine may be shared: compare rows, not runs).",
        "",
        "| generator | ms per batch | images/s | speed-up vs straightforward |",
        "|---|---|---|---|",
    ]
    lines += [f"| {name} | {seconds * 1000:.1f} | {rate:.3f} | {base / seconds:.2f}x |" for name, seconds, rate in rows]
    lines += ["", f"Largest difference between the outputs: {difference:.2e}."]
    out = args.out or Path(__file__).parent / "results" / f"spade-{device.type}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print(out)


if __name__ == "__main__":
    main()
